// Re-chunks one vector per transfer between layers: IN_BEATS words of IN_W bits in (the producer's PE outputs
// per beat), OUT_BEATS words of OUT_W bits out (the consumer's SIMD inputs per beat). Only the first TOTAL bits
// are real; missing bits at the end of the output are zero (matching the zero padding of the consumer's weights).
// Two registers (gather, scatter) let the next vector arrive while the current one drains.
`default_nettype none
module bnn_stream_repack #(
    parameter integer IN_W = 4,
    parameter integer IN_BEATS = 4,
    parameter integer OUT_W = 8,
    parameter integer OUT_BEATS = 2,
    parameter integer TOTAL = 16   // real bits per vector: at most IN_W * IN_BEATS and OUT_W * OUT_BEATS
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [IN_W-1:0]  in_data,
    input  wire             in_valid,
    output wire             in_ready,
    output wire [OUT_W-1:0] out_data,
    output wire             out_valid,
    input  wire             out_ready
);
  localparam integer IN_BITS = IN_W * IN_BEATS;
  localparam integer OUT_BITS = OUT_W * OUT_BEATS;
  localparam integer ICW = $clog2(IN_BEATS + 1);
  localparam integer OCW = $clog2(OUT_BEATS + 1);
  reg [IN_BITS-1:0] gather;
  reg [ICW-1:0] in_count;
  reg [OUT_BITS-1:0] scatter;
  reg [OCW-1:0] out_left;
  wire gather_full = in_count == IN_BEATS[ICW-1:0];
  wire scatter_empty = out_left == {OCW{1'b0}};
  wire move = gather_full && scatter_empty;
  wire [IN_BITS-1:0] gather_next;
  wire [OUT_BITS-1:0] scatter_shifted;
  wire [OUT_BITS-1:0] vector;
  assign in_ready = !gather_full;
  assign out_valid = !scatter_empty;
  assign out_data = scatter[OUT_W-1:0];
  generate
    // New beats enter at the top and move down, so beat 0 ends at the lowest bits.
    if (IN_BEATS == 1) begin : g_gather1
      assign gather_next = in_data;
    end else begin : g_gathern
      assign gather_next = {in_data, gather[IN_BITS-1:IN_W]};
    end
    if (OUT_BEATS == 1) begin : g_scatter1
      assign scatter_shifted = {OUT_BITS{1'b0}};
    end else begin : g_scattern
      assign scatter_shifted = {{OUT_W{1'b0}}, scatter[OUT_BITS-1:OUT_W]};
    end
    if (OUT_BITS == TOTAL) begin : g_exact
      assign vector = gather[TOTAL-1:0];
    end else begin : g_pad
      assign vector = {{(OUT_BITS - TOTAL){1'b0}}, gather[TOTAL-1:0]};
    end
  endgenerate
  always @(posedge clk) begin
    if (in_valid && in_ready) gather <= gather_next;
    if (move) scatter <= vector;
    else if (out_valid && out_ready) scatter <= scatter_shifted;
    if (rst) begin
      in_count <= {ICW{1'b0}};
      out_left <= {OCW{1'b0}};
    end else begin
      if (move) in_count <= {ICW{1'b0}};
      else if (in_valid && in_ready) in_count <= in_count + 1'b1;
      if (move) out_left <= OUT_BEATS[OCW-1:0];
      else if (out_valid && out_ready) out_left <= out_left - 1'b1;
    end
  end
endmodule
`default_nettype wire
