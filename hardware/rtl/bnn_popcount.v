// Population count as a balanced adder tree (recursive halves). Every node works at the caller's output
// width W so no operand needs resizing; synthesis (yosys wreduce) trims the unused high bits of small nodes.
`default_nettype none
module bnn_popcount #(
    parameter integer N = 8,   // number of input bits
    parameter integer W = 4    // output width, at least $clog2(N + 1)
) (
    input  wire [N-1:0] bits,
    output wire [W-1:0] count
);
  generate
    if (N == 1) begin : g_leaf
      if (W == 1) begin : g_w1
        assign count = bits;
      end else begin : g_wn
        assign count = {{(W - 1){1'b0}}, bits};
      end
    end else begin : g_node
      localparam integer NL = N / 2;
      wire [W-1:0] low;
      wire [W-1:0] high;
      bnn_popcount #(.N(NL), .W(W)) u_low (.bits(bits[NL-1:0]), .count(low));
      bnn_popcount #(.N(N - NL), .W(W)) u_high (.bits(bits[N-1:NL]), .count(high));
      assign count = low + high;
    end
  endgenerate
endmodule
`default_nettype wire
