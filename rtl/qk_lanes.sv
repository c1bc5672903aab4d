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
  localparam int KeyLsbBits = sinkattn_numerics_pkg::KeyLsbBits,
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

  localparam int ProdBits   = 2 * DataBits;
  localparam int NumLevels  = (HeadDim > 1) ? $clog2(HeadDim) : 0;
  localparam int NumLeaves  = 1 << NumLevels;
  localparam int NumNodes   = 2 * NumLeaves - 1;  // heap order: node i has children 2i+1, 2i+2
  localparam int SumBitsRaw = ProdBits + NumLevels;
  localparam int SumBits    = (SumBitsRaw > ScoreBits) ? ScoreBits : SumBitsRaw;
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
  // Lanes: multipliers and adder tree
  // ---------------------------------------------------------------------------------------------
  for (genvar l = 0; l < QkLanes; l++) begin : g_lane
    // node_out[i]: value of heap node i as seen by its parent (register output or sum). An
    // unpacked array so each node is its own net (a packed vector would make every adder of
    // the lane re-evaluate on any node's change in an event-driven simulator such as Icarus).
    // split_var: the nodes form an acyclic tree, but one variable holding them all looks
    // circular to Verilator's scheduler (UNOPTFLAT); splitting it per element restores the order.
    wire [SumBits-1:0] node_out [NumNodes] /* verilator split_var */;

    for (genvar lv = 0; lv <= NumLevels; lv++) begin : g_level
      localparam int Height = NumLevels - lv;            // 0 = leaves
      localparam int Stage  = (Height + LevelsPerStage - 1) / LevelsPerStage;
      localparam int IsReg  = ((Height == 0) || (Height == NumLevels) ||
                               (Height % LevelsPerStage == 0)) ? 1 : 0;

      for (genvar k = 0; k < (1 << lv); k++) begin : g_node
        localparam int Idx = (1 << lv) - 1 + k;

        if (Height == 0) begin : g_leaf
          if (k < HeadDim) begin : g_prod
            logic signed [DataBits-1:0] q_elem, k_raw, k_elem;
            logic signed [ProdBits-1:0] prod_q;
            assign q_elem = q_q[k*DataBits +: DataBits];
            assign k_raw  = k_i[(l*HeadDim + k)*DataBits +: DataBits];
            // key_msb_approx: keep the MSB field, LSB field := 1000...0b.
            assign k_elem = k_msb_only_i ?
                {k_raw[DataBits-1:KeyLsbBits], 1'b1, {(KeyLsbBits-1){1'b0}}} : k_raw;
            always_ff @(posedge clk_i) begin
              if (stage_load[0]) prod_q <= q_elem * k_elem;
            end
            assign node_out[Idx] = SumBits'(prod_q);
          end else begin : g_pad
            // Padding leaf of a non-power-of-two HeadDim.
            assign node_out[Idx] = '0;
          end
        end else begin : g_add
          logic signed [SumBits-1:0] sum;
          assign sum = node_out[2*Idx+1] +
                       node_out[2*Idx+2];
          if (IsReg != 0) begin : g_reg
            logic signed [SumBits-1:0] sum_q;
            always_ff @(posedge clk_i) begin
              if (stage_load[Stage]) sum_q <= sum;
            end
            assign node_out[Idx] = sum_q;
          end else begin : g_comb
            assign node_out[Idx] = sum;
          end
        end
      end
    end

    // The root is always registered (last stage); sign-extend to the int32 score.
    logic signed [SumBits-1:0] root;
    assign root = node_out[0];
    assign s_o[l*ScoreBits +: ScoreBits] = ScoreBits'(root);
  end

`ifndef SYNTHESIS
  initial begin
    if (HeadDim < 1 || HeadDim > 512) $fatal(1, "qk_lanes: HeadDim %0d outside 1..512", HeadDim);
    if (QkLanes < 1) $fatal(1, "qk_lanes: QkLanes must be >= 1");
    if (LevelsPerStage < 1) $fatal(1, "qk_lanes: LevelsPerStage must be >= 1");
  end
`endif

endmodule
