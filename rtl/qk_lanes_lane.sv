// One lane of the Q·K lanes (rtl/qk_lanes.sv): the dot product of the held query with one key,
// HeadDim signed multipliers (registered, stage 0) and a binary adder tree with a register every
// LevelsPerStage levels and at the root. qk_lanes instantiates QkLanes of these with one pipeline
// control, so a synthesis flow that keeps the hierarchy synthesizes the lane once
// (scripts/synth.py).
module qk_lanes_lane #(
  parameter int HeadDim        = 64,  // elements per query/key vector
  parameter int LevelsPerStage = 2,   // adder-tree levels between pipeline registers, >= 1
  // The numeric contract's constants this lane uses (configs/numerics.yaml, generated package)
  localparam int DataBits   = sinkattn_numerics_pkg::DataBits,
  localparam int KeyLsbBits = sinkattn_numerics_pkg::KeyLsbBits,
  // Derived, not to be overridden (the port list uses them)
  localparam int ScoreBits  = 32,  // int32 scores, fixed by the contract ("Scores")
  localparam int VecBits    = HeadDim * DataBits,
  localparam int NumLevels  = (HeadDim > 1) ? $clog2(HeadDim) : 0,
  localparam int NumStages  = 1 + (NumLevels + LevelsPerStage - 1) / LevelsPerStage
) (
  input  logic                  clk_i,         // clock
  input  logic [NumStages-1:0]  stage_load_i,  // pipeline stage s loads (qk_lanes' flow control)
  input  logic [VecBits-1:0]    q_i,           // the held query, element d at [d*DataBits +: DataBits]
  input  logic [VecBits-1:0]    k_i,           // this lane's key, element d at [d*DataBits +: DataBits]
  input  logic                  k_msb_only_i,  // the key is MSB-only (key_msb_approx)
  output logic [ScoreBits-1:0]  s_o            // the signed score, NumStages cycles after the key
);

  localparam int ProdBits   = 2 * DataBits;
  localparam int NumLeaves  = 1 << NumLevels;
  localparam int NumNodes   = 2 * NumLeaves - 1;  // heap order: node i has children 2i+1, 2i+2
  localparam int SumBitsRaw = ProdBits + NumLevels;
  localparam int SumBits    = (SumBitsRaw > ScoreBits) ? ScoreBits : SumBitsRaw;

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
          assign q_elem = q_i[k*DataBits +: DataBits];
          assign k_raw  = k_i[k*DataBits +: DataBits];
          // key_msb_approx: keep the MSB field, LSB field := 1000...0b.
          assign k_elem = k_msb_only_i ?
              {k_raw[DataBits-1:KeyLsbBits], 1'b1, {(KeyLsbBits-1){1'b0}}} : k_raw;
          always_ff @(posedge clk_i) begin
            if (stage_load_i[0]) prod_q <= q_elem * k_elem;
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
            if (stage_load_i[Stage]) sum_q <= sum;
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
  assign s_o  = ScoreBits'(root);

endmodule
