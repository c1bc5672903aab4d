// One element of the P·V lanes (rtl/pv_lanes.sv): for element d of the value vector, each row
// r < PvLanes of a group multiplies its probability by the token's value (stage P, registered)
// and adds the product to its accumulator (stage A); one rounding unit turns row 0's sum as it
// closes, or a waiting row's held sum as it moves, into the output element. pv_lanes instantiates
// HeadDim of these with one set of controls, so a synthesis flow that keeps the hierarchy
// synthesizes the slice once (scripts/synth.py).
module pv_lanes_elem #(
  parameter int PvLanes = 4,   // rows of a group
  parameter int AccW    = 44,  // accumulator width (pv_lanes' AccW)
  // The numeric contract's constants this slice uses (configs/numerics.yaml, generated package)
  localparam int DataBits     = sinkattn_numerics_pkg::DataBits,
  localparam int OutBits      = sinkattn_numerics_pkg::OutBits,
  localparam int OutFracBits  = sinkattn_numerics_pkg::OutFracBits,
  localparam int ProbFracBits = sinkattn_numerics_pkg::ProbFracBits,
  localparam int PBits        = ProbFracBits + 1,  // unsigned Q1.15 in 16 bits
  localparam int RowIdxBits   = (PvLanes > 1) ? $clog2(PvLanes) : 1
) (
  input  logic                      clk_i,         // clock
  input  logic                      p_load_i,      // stage P takes the input beat
  input  logic                      a_take_i,      // stage A adds stage P's products
  input  logic                      row_open_i,    // the accumulators hold a partial group (else: start at the bias)
  input  logic                      mv_i,          // a waiting row moves to the output (else: row 0's sum)
  input  logic [RowIdxBits-1:0]     mv_row_i,      // ... which row
  input  logic [PvLanes*PBits-1:0]  p_i,           // the rows' probabilities, row r at [r*PBits +: PBits]
  input  logic [PvLanes-1:0]        lane_valid_i,  // rows that take the token; others add 0
  input  logic [DataBits-1:0]       v_i,           // the token's value, this element (signed)
  output logic [OutBits-1:0]        rounded_o      // the rounded, saturated output element
);

  localparam int ProdBits = PBits + 1 + DataBits;         // signed {0,p} * v
  localparam int Sh       = ProbFracBits - OutFracBits;  // fraction bits dropped
  localparam logic signed [AccW-1:0] Bias  = AccW'(1) <<< (Sh - 1);
  localparam logic signed [AccW-1:0] OutHi = AccW'((1 << (OutBits - 1)) - 1);
  localparam logic signed [AccW-1:0] OutLo = -AccW'(1 << (OutBits - 1));

  // With PvLanes 1 no row waits in its accumulators, so nothing reads them back.
  /* verilator lint_off UNUSEDSIGNAL */
  wire signed [AccW-1:0]     acc_now [PvLanes];  // row r's accumulator (held sums of closed rows)
  /* verilator lint_on UNUSEDSIGNAL */
  wire signed [AccW-1:0]     acc_next0;          // row 0's sum with this beat
  wire signed [DataBits-1:0] v_elem = v_i;

  // Row r: its product of the token (stage P), then its accumulator (stage A). The last beat's
  // sums are kept too: rows 1 .. G-1 leave from the accumulators.
  for (genvar r = 0; r < PvLanes; r++) begin : g_row
    logic signed [PBits:0]      p_ext;   // {0, p}: p is unsigned; 0 for a row without the token
    logic signed [ProdBits-1:0] prod_q;
    logic signed [AccW-1:0]     acc_q, acc_base, acc_next;
    assign p_ext = lane_valid_i[r] ? $signed({1'b0, p_i[r*PBits +: PBits]}) : '0;
    always_ff @(posedge clk_i) begin
      if (p_load_i) prod_q <= p_ext * v_elem;
    end
    assign acc_base   = row_open_i ? acc_q : Bias;
    assign acc_next   = acc_base + AccW'(prod_q);
    assign acc_now[r] = acc_q;
    if (r == 0) begin : g_row0
      assign acc_next0 = acc_next;
    end

    // No reset: a group's first beat starts from Bias (row_open_i = 0), never from acc_q.
    always_ff @(posedge clk_i) begin
      if (a_take_i) acc_q <= acc_next;
    end
  end

  // One rounding unit: row 0 at its close, a waiting row when it moves.
  logic signed [AccW-1:0] acc_out, acc_shr;
  if (PvLanes > 1) begin : g_sel
    assign acc_out = mv_i ? acc_now[mv_row_i] : acc_next0;
  end else begin : g_nosel
    assign acc_out = acc_next0;
    // (mv_i and mv_row_i are constant 0 with one row.)
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_mv = mv_i ^ mv_row_i[0];
    /* verilator lint_on UNUSEDSIGNAL */
  end
  assign acc_shr   = acc_out >>> Sh;
  assign rounded_o = (acc_shr > OutHi) ? OutHi[OutBits-1:0] :
                     (acc_shr < OutLo) ? OutLo[OutBits-1:0] : acc_shr[OutBits-1:0];

endmodule
