// Matrix-vector-threshold unit (the FINN MVAU idea, our own RTL): one layer of a binarized MLP, folded so that
// each cycle PE output neurons each take SIMD inputs. A vector arrives as SF words of SIMD inputs; the unit runs
// NF neuron folds over it (the first fold straight from the input stream, the others from a buffer), so one
// vector takes NF * SF cycles. Per cycle and PE: XNOR + popcount (IN_BITS = 1, packed +-1 activations) or, for
// 8-bit inputs, sum over bit-planes n of 2^n (2 popcount(b_n AND w) - popcount(b_n)) (as 2P - S, S shared by the PEs); an accumulator; at the last
// fold either a threshold compare (one bit per neuron) or the raw accumulator as a signed 32-bit dot product.
//
// Pipeline: issue (ROM and buffer reads) -> popcount -> accumulate/compare -> output FIFO. It never stalls
// inside; a beat that completes a neuron fold issues only when a FIFO slot is reserved for it.
//
// Memory formats ($readmemh):
//   WEIGHTS_MEM: NF * SF words of PE * SIMD bits, word nf * SF + sf, bit pe * SIMD + s = weight of neuron
//                nf * PE + pe for input sf * SIMD + s (1 = +1, 0 = -1; padding 0).
//   THRESHOLDS_MEM (THRESHOLD = 1): NF words of PE * (ACC_W + 1) bits, entry pe = {invert, T[ACC_W-1:0]}: the
//                neuron outputs 1 iff (acc >= T) XOR invert, acc being the popcount (IN_BITS = 1) or the exact
//                dot product (IN_BITS = 8), both signed ACC_W bits.
`default_nettype none
module bnn_mvau #(
    parameter integer SIMD = 8,        // inputs per cycle
    parameter integer PE = 4,          // output neurons per cycle
    parameter integer SF = 2,          // input folds: ceil(K / SIMD)
    parameter integer NF = 2,          // neuron folds: ceil(M / PE)
    parameter integer IN_BITS = 1,     // 1: packed +-1 activations; 8: unsigned 8-bit inputs
    parameter integer ACC_W = 16,      // signed accumulator width (< 32)
    parameter integer THRESHOLD = 1,   // 1: one output bit per neuron; 0: 32-bit dot products
    parameter integer DOT_OFFSET = 0,  // IN_BITS = 1: dot = 2 * popcount - DOT_OFFSET (accounts for padding)
    parameter integer OUT_W = 1,       // 1 when THRESHOLD, else 32
    parameter WEIGHTS_MEM = "weights.mem",
    parameter THRESHOLDS_MEM = "thresholds.mem",
    parameter integer FIFO_DEPTH = 4
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire [SIMD*IN_BITS-1:0] in_data,
    input  wire                    in_valid,
    output wire                    in_ready,
    output wire [PE*OUT_W-1:0]     out_data,
    output wire                    out_valid,
    input  wire                    out_ready
);
  localparam integer XW = SIMD * IN_BITS;
  localparam integer WW = PE * SIMD;
  localparam integer TW = ACC_W + 1;
  localparam integer WDEPTH = NF * SF;
  localparam integer WAW = WDEPTH > 1 ? $clog2(WDEPTH) : 1;
  localparam integer SFW = SF > 1 ? $clog2(SF) : 1;
  localparam integer NFW = NF > 1 ? $clog2(NF) : 1;
  localparam integer RW = $clog2(FIFO_DEPTH + 1);

  // ---- issue stage: fold counters, ROM and buffer reads ----
  reg [SFW-1:0] sf;
  reg [NFW-1:0] nf;
  reg [WAW-1:0] waddr;
  reg [RW-1:0] reserved;   // FIFO slots promised to beats in flight or held in the FIFO
  wire first_fold = nf == {NFW{1'b0}};
  wire last_in = sf == SF[SFW-1:0] - 1'b1;
  wire slot_free = reserved != FIFO_DEPTH[RW-1:0];
  wire can_issue = !last_in || slot_free;
  wire fire = can_issue && (!first_fold || in_valid);
  assign in_ready = first_fold && can_issue;

  wire fifo_in_ready;
  wire pop = out_valid && out_ready;
  wire push_reserve = fire && last_in;

  reg [WW-1:0] wrom [0:WDEPTH-1];
  initial $readmemh(WEIGHTS_MEM, wrom);
  reg [WW-1:0] w_q;
  reg [XW-1:0] x_in_q;
  reg from_input_q;
  reg s1_valid;
  reg s1_first;
  reg s1_last;
  reg [NFW-1:0] s1_nf;
  wire [XW-1:0] x_buf_q;

  always @(posedge clk) begin
    if (fire) begin
      w_q <= wrom[waddr];
      x_in_q <= in_data;
      from_input_q <= first_fold;
      s1_first <= sf == {SFW{1'b0}};
      s1_last <= last_in;
      s1_nf <= nf;
    end
    if (rst) begin
      sf <= {SFW{1'b0}};
      nf <= {NFW{1'b0}};
      waddr <= {WAW{1'b0}};
      reserved <= {RW{1'b0}};
      s1_valid <= 1'b0;
    end else begin
      s1_valid <= fire;
      if (push_reserve && !pop) reserved <= reserved + 1'b1;
      else if (pop && !push_reserve) reserved <= reserved - 1'b1;
      if (fire) begin
        waddr <= waddr == WDEPTH[WAW-1:0] - 1'b1 ? {WAW{1'b0}} : waddr + 1'b1;
        if (last_in) begin
          sf <= {SFW{1'b0}};
          nf <= nf == NF[NFW-1:0] - 1'b1 ? {NFW{1'b0}} : nf + 1'b1;
        end else begin
          sf <= sf + 1'b1;
        end
      end
    end
  end

  // The input vector is kept for neuron folds 1 .. NF-1 (not needed when NF = 1).
  generate
    if (NF > 1) begin : g_buffer
      reg [XW-1:0] ibuf [0:SF-1];
      reg [XW-1:0] ibuf_q;
      always @(posedge clk) begin
        if (fire) begin
          if (first_fold) ibuf[sf] <= in_data;
          ibuf_q <= ibuf[sf];
        end
      end
      assign x_buf_q = ibuf_q;
    end else begin : g_no_buffer
      assign x_buf_q = {XW{1'b0}};
    end
  endgenerate
  wire [XW-1:0] x1 = from_input_q ? x_in_q : x_buf_q;

  // ---- stage 1: XNOR / bit-plane popcounts per PE ----
  wire [PE*ACC_W-1:0] partial;
  genvar pe, n;
  generate
    if (IN_BITS == 1) begin : g_xnor
      for (pe = 0; pe < PE; pe = pe + 1) begin : g_pe
        bnn_popcount #(.N(SIMD), .W(ACC_W)) u_pc (
            .bits(~(x1 ^ w_q[pe*SIMD +: SIMD])),
            .count(partial[pe*ACC_W +: ACC_W]));
      end
    end else begin : g_planes
      // planes[n * SIMD + s] = bit n of input s (built in one process, so it changes once per cycle).
      reg [8*SIMD-1:0] planes;
      integer pn;
      integer ps;
      always @* begin
        for (pn = 0; pn < 8; pn = pn + 1)
          for (ps = 0; ps < SIMD; ps = ps + 1) planes[pn*SIMD + ps] = x1[ps*8 + pn];
      end
      // S = sum_n 2^n popcount(b_n) = sum of the inputs, shared by all PEs.
      wire [8*ACC_W-1:0] plane_count;
      reg [ACC_W-1:0] input_sum;
      integer i;
      for (n = 0; n < 8; n = n + 1) begin : g_plane
        bnn_popcount #(.N(SIMD), .W(ACC_W)) u_pc_plane (
            .bits(planes[n*SIMD +: SIMD]),
            .count(plane_count[n*ACC_W +: ACC_W]));
      end
      always @* begin
        input_sum = {ACC_W{1'b0}};
        for (i = 0; i < 8; i = i + 1) input_sum = input_sum + (plane_count[i*ACC_W +: ACC_W] << i);
      end
      // Per PE: P = sum_n 2^n popcount(b_n AND w+) (the inputs where w = +1); x . w = 2P - S.
      for (pe = 0; pe < PE; pe = pe + 1) begin : g_pe
        wire [8*ACC_W-1:0] and_count;
        reg [ACC_W-1:0] positive_sum;
        integer j;
        for (n = 0; n < 8; n = n + 1) begin : g_plane
          bnn_popcount #(.N(SIMD), .W(ACC_W)) u_pc_and (
              .bits(planes[n*SIMD +: SIMD] & w_q[pe*SIMD +: SIMD]),
              .count(and_count[n*ACC_W +: ACC_W]));
        end
        always @* begin
          positive_sum = {ACC_W{1'b0}};
          for (j = 0; j < 8; j = j + 1) positive_sum = positive_sum + (and_count[j*ACC_W +: ACC_W] << j);
        end
        // Modulo 2^ACC_W; the final accumulator fits, so wrap-around in between is harmless.
        assign partial[pe*ACC_W +: ACC_W] = (positive_sum << 1) - input_sum;
      end
    end
  endgenerate

  reg [PE*ACC_W-1:0] s2_partial;
  reg s2_valid;
  reg s2_first;
  reg s2_last;
  always @(posedge clk) begin
    s2_partial <= partial;
    s2_first <= s1_first;
    s2_last <= s1_last;
    if (rst) s2_valid <= 1'b0;
    else s2_valid <= s1_valid;
  end

  wire [PE*TW-1:0] t_q;   // thresholds of the beat in stage 2

  // ---- stage 2: accumulate; at the last input fold, compare or widen, then into the FIFO ----
  wire [PE*OUT_W-1:0] result;
  generate
    for (pe = 0; pe < PE; pe = pe + 1) begin : g_acc
      reg [ACC_W-1:0] acc;
      wire [ACC_W-1:0] acc_next = (s2_first ? {ACC_W{1'b0}} : acc) + s2_partial[pe*ACC_W +: ACC_W];
      always @(posedge clk) if (s2_valid) acc <= acc_next;
      if (THRESHOLD != 0) begin : g_thr
        assign result[pe] = ($signed(acc_next) >= $signed(t_q[pe*TW +: ACC_W])) ^ t_q[pe*TW + ACC_W];
      end else begin : g_raw
        wire [31:0] wide = {{(32 - ACC_W){acc_next[ACC_W-1]}}, acc_next};
        if (IN_BITS == 1) begin : g_dot
          assign result[pe*32 +: 32] = (wide << 1) - DOT_OFFSET;
        end else begin : g_exact
          assign result[pe*32 +: 32] = wide;
        end
      end
    end
  endgenerate

  // Thresholds are read one stage ahead, from the neuron fold of the beat now in stage 1.
  generate
    if (THRESHOLD != 0) begin : g_trom
      reg [PE*TW-1:0] trom [0:NF-1];
      initial $readmemh(THRESHOLDS_MEM, trom);
      reg [PE*TW-1:0] t_reg;
      always @(posedge clk) if (s1_valid) t_reg <= trom[s1_nf];
      assign t_q = t_reg;
    end else begin : g_no_trom
      assign t_q = {(PE*TW){1'b0}};
      wire unused_no_thresholds = ^{s1_nf, t_q};
    end
  endgenerate

  // Reservation guarantees room; say so loudly in simulation if that ever breaks.
  always @(posedge clk) if (!rst && s2_valid && s2_last && !fifo_in_ready) $display("bnn_mvau %m: FIFO overflow");

  bnn_stream_fifo #(.WIDTH(PE*OUT_W), .DEPTH(FIFO_DEPTH)) u_fifo (
      .clk(clk), .rst(rst),
      .in_data(result), .in_valid(s2_valid && s2_last), .in_ready(fifo_in_ready),
      .out_data(out_data), .out_valid(out_valid), .out_ready(out_ready));
endmodule
`default_nettype wire
