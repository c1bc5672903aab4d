// P·V lanes: a group of up to PvLanes query rows of one job multiplies each of its tokens'
// probabilities by the token's value vector and accumulates the products into the rows' HeadDim
// accumulators; at the group's end the rows' rounded outputs stream out row by row, OutLanes
// elements a beat.
//
// One input beat is one token (docs/group_retire.md): lane r carries row r's probability
// (r < PvLanes), v_i the token's value vector, which every lane multiplies; lane r's product goes
// into row r's accumulators. A row alone is a group of one. pv_rows_i (with the last beat) says
// how many rows close (1 .. PvLanes).
//
// Numeric contract (docs/numerics.md, "Output"):
//   acc_d = sum_j p_j * v_jd exactly;  out_d = sat16((acc_d + 2^(Sh-1)) >> Sh),
//   Sh = ProbFracBits - OutFracBits (= 11), arithmetic shift, saturate to OutBits signed.
// The accumulators start each group at the rounding bias 2^(Sh-1) instead of 0, so the final
// rounding is a plain arithmetic shift and the last beat needs no extra adder.
//
// Pipeline (see rtl/datapath_latency.md):
//   stage P: PvLanes x HeadDim products p_r * v registered;
//   stage A: per element and row, the row's product plus its accumulator. On the last beat row 0's
//            result is rounded (shift, saturate) into the output register and the rows close;
//            rows 1 .. G-1 keep their sums in their accumulators.
//   output:  the output register (one row of HeadDim rounded values) shifts out OutLanes
//            elements per beat. When its final beat leaves, the next waiting row of the group is
//            rounded into it from its accumulators, so a group's rows leave back to back. A last
//            beat waits in stage A while the register still holds more than its final beat, and
//            the accumulators take no new beat until the group's last row has moved out (the
//            beat that starts the next group may be taken in that same cycle).
//   Last input beat accepted in cycle t -> first output beat valid in cycle t + 2.
//   Groups of G rows and n beats back to back, D = HeadDim / OutLanes: one group per
//   max(n, D) cycles for G = 1, per (G - 1) D + max(n - 1, D) cycles for G > 1.
// One rounding unit per element serves every row, so PvLanes multiplies the multipliers and
// accumulators alone, not the rounding units or the output register (docs/group_retire.md).
// The ready path out_ready_i -> pv_ready_o is combinational (a few gates deep).
//
// The numeric contract's constants come from the generated package sinkattn_numerics_pkg, named in
// the parameter list so that the ANSI port list can use them.
module pv_lanes #(
  parameter int HeadDim   = 64,    // elements per value vector / output row
  parameter int PvLanes   = 4,     // rows of a group: probabilities multiplied per cycle
  parameter int MaxTokens = 4096,  // longest row; sizes the default accumulator width
  parameter int OutLanes  = 4,     // output elements per beat; must divide HeadDim
  parameter int AccBits   = 0,     // accumulator width; 0 selects the minimum (AccMin below)
  // The numeric contract's constants this block uses (configs/numerics.yaml, generated package)
  localparam int DataBits     = sinkattn_numerics_pkg::DataBits,
  localparam int OutBits      = sinkattn_numerics_pkg::OutBits,
  localparam int ProbFracBits = sinkattn_numerics_pkg::ProbFracBits,
  // Derived, not to be overridden (the port list uses them)
  localparam int PBits      = ProbFracBits + 1,  // unsigned Q1.15 in 16 bits
  localparam int VecBits    = HeadDim * DataBits,
  localparam int GCntBits   = $clog2(PvLanes + 1)
) (
  input  logic                         clk_i,            // clock
  input  logic                         rst_ni,           // asynchronous reset, active low
  // Input: one token. Lane r carries row r's probability p_i[r*PBits +: PBits] (unsigned Q1.15);
  // v_i is the token's value vector, element d at [d*DataBits +: DataBits], signed.
  input  logic                         pv_valid_i,       // input beat valid
  output logic                         pv_ready_o,       // input beat accepted when valid & ready
  input  logic [PvLanes*PBits-1:0]     p_i,              // the rows' probabilities of the token
  input  logic [VecBits-1:0]           v_i,              // the token's value vector
  input  logic [PvLanes-1:0]           pv_lane_valid_i,  // rows that take the token; others add 0
  input  logic                         pv_last_i,        // the group's last token: emit the outputs
  input  logic [GCntBits-1:0]          pv_rows_i,        // with pv_last_i: the rows that close (1 .. PvLanes)
  // Output: beat b carries elements b*OutLanes .. b*OutLanes+OutLanes-1, element i of the beat
  // at [i*OutBits +: OutBits], signed int16 with OutFracBits fraction bits.
  output logic                         out_valid_o,      // output beat valid
  input  logic                         out_ready_i,      // output beat taken when valid & ready
  output logic [OutLanes*OutBits-1:0]  out_o,            // OutLanes output elements
  output logic                         out_last_o        // last beat of a row's outputs
);

  localparam int ProdBits   = PBits + 1 + DataBits;        // signed {0,p} * v
  // Contract minimum: 16 + DataBits + ceil(log2 T) ("P·V accumulator"), and never narrower
  // than one product (which only matters for tiny MaxTokens).
  localparam int AccContract = PBits + DataBits + $clog2(MaxTokens);
  localparam int AccMin     = (AccContract > ProdBits) ? AccContract : ProdBits;
  localparam int AccW       = (AccBits == 0) ? AccMin : AccBits;
  localparam int OutBeats   = HeadDim / OutLanes;
  localparam int CntBits    = $clog2(OutBeats + 1);        // beats left in the output register
  localparam int RowIdxBits = (PvLanes > 1) ? $clog2(PvLanes) : 1;

  // ---------------------------------------------------------------------------------------------
  // Flow control
  // ---------------------------------------------------------------------------------------------
  logic               prod_valid_q;  // stage P holds a beat
  logic               prod_last_q;   // ... which is the group's last
  logic [GCntBits-1:0] prod_rows_q;  // ... the rows it closes
  logic               row_open_q;    // the accumulators hold a partial group (else: start at bias)
  logic [CntBits-1:0] ob_cnt_q;      // output beats left in the output register
  logic [GCntBits-1:0] wait_q;       // closed rows still in their accumulators
  logic [RowIdxBits-1:0] mv_row_q;   // the next of them to move into the output register
  logic               ob_free;       // the output register can take a row this cycle
  logic               mv;            // a waiting row moves into the output register
  logic               acc_busy;      // the accumulators hold rows that have not moved out
  logic               ob_load;       // stage A closes a row (group) and its row 0 enters the register
  logic               a_take;        // stage A consumes the beat in stage P
  logic               p_load;        // stage P takes an input beat
  logic               out_fire;

  assign out_fire    = out_valid_o & out_ready_i;
  // The register is free when empty, or when its final beat leaves in this cycle.
  assign ob_free     = (ob_cnt_q == '0) || ((ob_cnt_q == CntBits'(1)) && out_ready_i);
  assign mv          = (wait_q != '0) && ob_free;
  // A waiting row's accumulators are read in the cycle it moves, so a new beat may overwrite
  // them then, once it is the last waiting row.
  assign acc_busy    = (wait_q != '0) && !(mv && (wait_q == GCntBits'(1)));
  assign a_take      = prod_valid_q & ~acc_busy & (~prod_last_q | (ob_free & ~mv));
  assign ob_load     = a_take & prod_last_q;
  assign pv_ready_o  = ~prod_valid_q | a_take;
  assign p_load      = pv_valid_i & pv_ready_o;
  assign out_valid_o = (ob_cnt_q != '0);
  assign out_last_o  = (ob_cnt_q == CntBits'(1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      prod_valid_q <= 1'b0;
      row_open_q   <= 1'b0;
      ob_cnt_q     <= '0;
      wait_q       <= '0;
      mv_row_q     <= '0;
    end else begin
      if (pv_ready_o) prod_valid_q <= pv_valid_i;
      if (a_take)     row_open_q   <= ~prod_last_q;
      if (ob_load) begin
        ob_cnt_q <= CntBits'(OutBeats);
        wait_q   <= prod_rows_q - GCntBits'(1);
        mv_row_q <= RowIdxBits'(1);
      end else if (mv) begin
        ob_cnt_q <= CntBits'(OutBeats);
        wait_q   <= wait_q - GCntBits'(1);
        mv_row_q <= mv_row_q + RowIdxBits'(1);
      end else if (out_fire) begin
        ob_cnt_q <= ob_cnt_q - CntBits'(1);
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (p_load) begin
      prod_last_q <= pv_last_i;
      prod_rows_q <= pv_rows_i;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Datapath, one slice per element d (pv_lanes_elem.sv)
  // ---------------------------------------------------------------------------------------------
  logic [HeadDim*OutBits-1:0] ob_q;     // the row being drained, element d at [d*OutBits +: OutBits]
  wire  [OutBits-1:0]         rounded [HeadDim];  // per element: one net each (fast in Icarus)

  for (genvar d = 0; d < HeadDim; d++) begin : g_elem
    pv_lanes_elem #(.PvLanes(PvLanes), .AccW(AccW)) u_elem (
      .clk_i, .p_load_i(p_load), .a_take_i(a_take), .row_open_i(row_open_q), .mv_i(mv), .mv_row_i(mv_row_q),
      .p_i, .lane_valid_i(pv_lane_valid_i), .v_i(v_i[d*DataBits +: DataBits]), .rounded_o(rounded[d])
    );
  end

  always_ff @(posedge clk_i) begin
    if (ob_load || mv) begin
      for (int i = 0; i < HeadDim; i++) ob_q[i*OutBits +: OutBits] <= rounded[i];
    end else if (out_fire) begin
      ob_q <= ob_q >> (OutLanes * OutBits);
    end
  end

  assign out_o = ob_q[OutLanes*OutBits-1:0];

`ifndef SYNTHESIS
  initial begin
    if (HeadDim % OutLanes != 0) $fatal(1, "pv_lanes: OutLanes must divide HeadDim");
    if (AccW < AccMin) $fatal(1, "pv_lanes: AccBits %0d below the contract's %0d", AccW, AccMin);
    if (PvLanes < 1) $fatal(1, "pv_lanes: PvLanes must be >= 1");
  end
  // The last beat closes 1 .. PvLanes rows.
  always @(posedge clk_i) begin
    if (p_load && pv_last_i && (pv_rows_i == '0 || int'(pv_rows_i) > PvLanes)) begin
      $fatal(1, "pv_lanes: pv_rows_i = %0d, not in 1 .. PvLanes = %0d", pv_rows_i, PvLanes);
    end
  end
`endif

endmodule
