// Q·K lanes: QkLanes dot products per cycle of the held query with one key each.
//
// Numeric contract (docs/numerics.md, "Scores" and "Keys for progressive quantization"):
//   s_j = sum_d q_d * k_jd, exact in int32; in MSB-only mode every key element k is replaced by
//   key_msb_approx(k) = {k[DataBits-1:KeyLsbBits], 1, 0...0} (the LSB field's midpoint).
//
// Datapath: one signed DataBits x DataBits multiplier per (lane, element), then a binary adder
// tree per lane. HeadDim is padded to the next power of two with zero leaves (synthesis removes
// them). The products are registered (stage 0), then a register follows every LevelsPerStage
// adder levels and the root, so
//   Latency (key accepted -> its scores valid) = 1 + ceil(log2(HeadDim) / LevelsPerStage) cycles
//   Throughput = one beat of QkLanes keys per cycle.
// Flow control: a pipeline stage may load when it is empty or its content moves on, so bubbles
// collapse and a stalled output holds every stage (no data is dropped or duplicated). The
// ready path from s_ready_i to k_ready_o is combinational through the stage valids (one OR per
// stage), which is short for the handful of stages this block has.
//
// Widths: the tree adds in SumBits = min(32, 2*DataBits + log2(HeadDim)) bits. For HeadDim = 512
// that caps at 32: every partial sum is a sum of a subset of the products, so it is bounded by
// the final bound 2047^2 * 512 < 2^31 and the 32-bit wrap-around arithmetic is exact.
//
// The numeric contract's constants come from the generated package sinkattn_numerics_pkg, named in
// the parameter list so that the ANSI port list can use them.
module qk_lanes #(
  parameter int HeadDim        = 64,  // elements per query/key vector, 1..512 (num::kMaxHeadDim)
  parameter int QkLanes        = 4,   // keys (dot products) per cycle
  parameter int LevelsPerStage = 2,   // adder-tree levels between pipeline registers, >= 1
  // The numeric contract's constants this block uses (configs/numerics.yaml, generated package)
  localparam int DataBits   = sinkattn_numerics_pkg::DataBits,
  // Derived, not to be overridden (the port list uses them)
  localparam int ScoreBits  = 32,  // int32 scores, fixed by the contract ("Scores")
  localparam int VecBits    = HeadDim * DataBits
) (
  input  logic                           clk_i,           // clock
  input  logic                           rst_ni,          // asynchronous reset, active low
  // Query: written by q_we_i, held until the next write. A key accepted in the same cycle as a
  // write still uses the previous query, so the query of a row can be loaded while the last
  // keys of the previous row are being accepted.
  input  logic                           q_we_i,          // load q_i into the query register
  input  logic [VecBits-1:0]             q_i,             // query, element d at [d*DataBits +: DataBits]
  // Keys: one beat carries QkLanes keys; lane l's element d is at
  // [(l*HeadDim + d)*DataBits +: DataBits], signed.
  input  logic                           k_valid_i,       // key beat valid
  output logic                           k_ready_o,       // key beat accepted when valid & ready
  input  logic [QkLanes*VecBits-1:0]     k_i,             // QkLanes keys
  input  logic                           k_msb_only_i,    // this beat's keys are MSB-only (key_msb_approx)
  input  logic [QkLanes-1:0]             k_lane_valid_i,  // lanes carrying a key (passed through)
  input  logic                           k_last_i,        // last beat of a row (passed through)
  // Scores: lane l's int32 score at [l*32 +: 32].
  output logic                           s_valid_o,       // score beat valid
  input  logic                           s_ready_i,       // score beat taken when valid & ready
  output logic [QkLanes*ScoreBits-1:0]   s_o,             // QkLanes signed scores
  output logic [QkLanes-1:0]             s_lane_valid_o,  // k_lane_valid_i of this beat
  output logic                           s_last_o         // k_last_i of this beat
);

  localparam int NumLevels  = (HeadDim > 1) ? $clog2(HeadDim) : 0;
  localparam int NumStages  = 1 + (NumLevels + LevelsPerStage - 1) / LevelsPerStage;

  // ---------------------------------------------------------------------------------------------
  // Query register
  // ---------------------------------------------------------------------------------------------
  logic [VecBits-1:0] q_q;
  // No reset: the query is written before the first key of a row by protocol.
  always_ff @(posedge clk_i) begin
    if (q_we_i) q_q <= q_i;
  end

  // ---------------------------------------------------------------------------------------------
  // Pipeline control: stage s holds valid data when valid_q[s]
  // ---------------------------------------------------------------------------------------------
  logic [NumStages-1:0] valid_q, valid_d;
  logic [NumStages-1:0] in_valid;  // valid data offered to stage s
  logic [NumStages:0]   stage_ready;  // stage s may load this cycle (index NumStages: the sink)
  logic [NumStages-1:0] stage_load;

  // One process computes the ripple so the chain has no self-referencing continuous assigns.
  always_comb begin
    stage_ready[NumStages] = s_ready_i;
    for (int s = NumStages - 1; s >= 0; s--) begin
      stage_ready[s] = ~valid_q[s] | stage_ready[s+1];
    end
  end

  if (NumStages > 1) begin : g_in_valid
    assign in_valid = {valid_q[NumStages-2:0], k_valid_i};
  end else begin : g_in_valid_single
    assign in_valid = k_valid_i;
  end
  assign stage_load = in_valid & stage_ready[NumStages-1:0];
  // A stage that may load takes whatever is offered (possibly a bubble); otherwise it holds.
  assign valid_d    = (in_valid & stage_ready[NumStages-1:0]) |
                      (valid_q & ~stage_ready[NumStages-1:0]);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else begin
      valid_q <= valid_d;
    end
  end

  assign k_ready_o = stage_ready[0];
  assign s_valid_o = valid_q[NumStages-1];

  // Side-band (last flag, lane valids) travels with the data through every stage.
  logic [NumStages-1:0]         last_q;
  logic [NumStages*QkLanes-1:0] lane_valid_q;  // stage s at [s*QkLanes +: QkLanes]
  always_ff @(posedge clk_i) begin
    if (stage_load[0]) begin
      last_q[0]                  <= k_last_i;
      lane_valid_q[0 +: QkLanes] <= k_lane_valid_i;
    end
    for (int s = 1; s < NumStages; s++) begin
      if (stage_load[s]) begin
        last_q[s]                          <= last_q[s-1];
        lane_valid_q[s*QkLanes +: QkLanes] <= lane_valid_q[(s-1)*QkLanes +: QkLanes];
      end
    end
  end
  assign s_last_o       = last_q[NumStages-1];
  assign s_lane_valid_o = lane_valid_q[(NumStages-1)*QkLanes +: QkLanes];

  // ---------------------------------------------------------------------------------------------
  // Lanes: multipliers and adder tree (qk_lanes_lane.sv), one pipeline control for all
  // ---------------------------------------------------------------------------------------------
  for (genvar l = 0; l < QkLanes; l++) begin : g_lane
    qk_lanes_lane #(.HeadDim(HeadDim), .LevelsPerStage(LevelsPerStage)) u_lane (
      .clk_i, .stage_load_i(stage_load), .q_i(q_q), .k_i(k_i[l*VecBits +: VecBits]), .k_msb_only_i,
      .s_o(s_o[l*ScoreBits +: ScoreBits])
    );
  end

`ifndef SYNTHESIS
  initial begin
    if (HeadDim < 1 || HeadDim > 512) $fatal(1, "qk_lanes: HeadDim %0d outside 1..512", HeadDim);
    if (QkLanes < 1) $fatal(1, "qk_lanes: QkLanes must be >= 1");
    if (LevelsPerStage < 1) $fatal(1, "qk_lanes: LevelsPerStage must be >= 1");
  end
`endif

endmodule
