// The P.V gather of sinkattn_top: the softmax unit's accepted entries, one a cycle, as P.V group
// beats, and the P.V lanes' output beats gathered into the row's output register.
//
// An entry is one token of a group: row r's probability in lane r for the group's G rows
// (docs/group_retire.md). Tokens arrive in list order; each accepted entry becomes the beat
// register's group beat (lanes below G valid, the token's list position, G with the group's
// last token), held until the P.V lanes take it. The top only accepts an entry while the
// register is free (free_o), so none is lost. The values are read by the top at the beat's list
// position (pv_pos_o).
// Each output beat (OutLanes elements, in order) is written into the row register, and its sum
// of |out| (head importance, docs/policy.md) is offered to the top; out_done_o rises with the
// row's last beat and stays up until the top has sent the row on (out_clear_i). Meanwhile the
// register takes no beat (out_ready_o), so the next row's outputs wait in the P.V lanes; the top
// also holds them back while its emit slot has no computed row for them (out_hold_i).
//
// The input side (the token counter and the beat register) and the row register are separate:
// the next group's entries are gathered while the last group's outputs still come in.
// row_start_i (the controller's, a new job) restarts the token counter and wins over the
// gather's own updates; out_clear_i empties the row register (to zeros: a pruned head's row,
// which has no outputs, is sent with the register as it is).
module sinkattn_pv_gather #(
  parameter int HeadDim   = 128,   // hw.head_dim: output elements per row
  parameter int PvLanes   = 4,     // hw.pv_lanes: rows of a group beat (the most rows of a group)
  parameter int MaxTokens = 4096,  // hw.max_tokens: list positions
  parameter int OutLanes  = 4,     // P.V output elements per beat
  // Derived, not to be overridden (the port list uses them)
  localparam int TokW  = $clog2(MaxTokens + 1),
  localparam int GCntBits = $clog2(PvLanes + 1),
  localparam int PBits = sinkattn_numerics_pkg::ProbFracBits + 1,  // probability, Q1.ProbFracBits
  localparam int OBits = sinkattn_numerics_pkg::OutBits,
  localparam int IBits = sinkattn_numerics_pkg::ImportanceBits
) (
  input  logic                        clk_i,         // clock
  input  logic                        rst_ni,        // asynchronous reset, active low
  input  logic                        row_start_i,   // pulse: a new job starts (restarts the token counter)
  // Entries (softmax unit)
  input  logic                        accept_i,      // an entry of the group is accepted
  input  logic [PvLanes*PBits-1:0]    p_i,           //   its probabilities, row r at [r*PBits +: PBits]
  input  logic [GCntBits-1:0]         rows_i,        //   the group's rows G
  input  logic                        p_last_i,      //   it is the group's last token
  output logic                        free_o,        // the beat register is free this cycle
  output logic [TokW-1:0]             prow_o,        // list position of the next entry's token
  output logic [TokW-1:0]             prow_d_o,      //   and next cycle's (the list read's address)
  // P.V lanes input beat
  output logic                        pv_valid_o,    // beat valid
  input  logic                        pv_ready_i,    // beat taken when valid & ready
  output logic                        pv_fire_o,     // the beat is taken this cycle
  output logic [PvLanes*PBits-1:0]    pv_p_o,        // probabilities, lane (row) r at [r*PBits +: PBits]
  output logic [PvLanes-1:0]          pv_lv_o,       // valid lanes (the group's rows)
  output logic                        pv_last_o,     // the group's last token
  output logic [GCntBits-1:0]         pv_rows_o,     // the group's rows (read with pv_last_o)
  output logic [TokW-1:0]             pv_pos_o,      // list position of the beat's token
  output logic [TokW-1:0]             pv_pos_d_o,    //   and next cycle's (the value reads' address)
  // P.V lanes output beats
  input  logic                        out_valid_i,   // an output beat (taken: out_ready_o is up)
  input  logic                        out_hold_i,    // the top has no row for outputs yet
  output logic                        out_ready_o,   // the row register takes output beats
  input  logic [OutLanes*OBits-1:0]   out_i,         //   its elements, element i at [i*OBits +: OBits]
  input  logic                        out_last_i,    //   the row's last
  output logic [IBits-1:0]            out_abs_o,     // sum of |out| over the beat (head importance)
  // The row
  output logic [HeadDim*OBits-1:0]    row_o,         // outputs, element d at [d*OBits +: OBits]
  output logic                        out_done_o,    // the row's outputs are complete
  input  logic                        out_clear_i    // pulse: a row was sent on; the register to zero
);
  localparam int OutBeats = HeadDim / OutLanes;

  logic [TokW-1:0]               prow_q;     // list position of the next entry's token
  logic                          pv_valid_q; // beat register
  logic [PvLanes*PBits-1:0]      pv_p_q;
  logic [PvLanes-1:0]            pv_lv_q;
  logic                          pv_last_q;
  logic [GCntBits-1:0]           pv_rows_q;
  logic [TokW-1:0]               pv_pos_q;
  logic [$clog2(OutBeats+1)-1:0] ob_q;       // output beat of the row
  logic                          out_done_q; // the row's outputs are complete
  logic [HeadDim*OBits-1:0]      row_q;      // the row's outputs

  logic pv_fire;
  assign pv_fire = pv_valid_q && pv_ready_i;
  assign free_o  = !pv_valid_q || pv_fire;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      prow_q <= '0;
      pv_valid_q <= 1'b0; pv_p_q <= '0; pv_lv_q <= '0; pv_last_q <= 1'b0; pv_rows_q <= '0; pv_pos_q <= '0;
      ob_q <= '0; out_done_q <= 1'b0; row_q <= '0;
    end else begin
      // Beat register: an accepted entry is a beat of its own.
      if (pv_fire) pv_valid_q <= 1'b0;
      if (accept_i) begin
        prow_q     <= p_last_i ? '0 : prow_q + 1'b1;
        pv_valid_q <= 1'b1;
        pv_p_q     <= p_i;
        for (int i = 0; i < PvLanes; i++) pv_lv_q[i] <= (i < 32'(rows_i));
        pv_last_q  <= p_last_i;
        pv_rows_q  <= rows_i;
        pv_pos_q   <= prow_q;
      end
      // Output beats into the row register.
      if (out_valid_i) begin
        row_q[32'(ob_q)*OutLanes*OBits +: OutLanes*OBits] <= out_i;
        if (out_last_i) begin
          ob_q <= '0;
          out_done_q <= 1'b1;
        end else begin
          ob_q <= ob_q + 1'b1;
        end
      end
      // The top's pulses, after (over) the gather's own updates: a new job's token counter, the
      // row register sent on.
      if (row_start_i) prow_q <= '0;
      if (out_clear_i) begin
        out_done_q <= 1'b0;
        row_q      <= '0;
      end
    end
  end

  // Sum of |out| over one output beat (a function: its locals are not sensitivity events).
  function automatic logic [IBits-1:0] beat_abs(input logic [OutLanes*OBits-1:0] beat);
    logic [IBits-1:0]       acc;
    logic signed [OBits:0]  e;  // one bit wider: |-32768| fits
    acc = '0;
    for (int i = 0; i < OutLanes; i++) begin
      e = $signed({beat[i*OBits + OBits - 1], beat[i*OBits +: OBits]});
      acc = acc + IBits'($unsigned(e < 0 ? -e : e));
    end
    beat_abs = acc;
  endfunction
  assign out_abs_o = beat_abs(out_i);

  // Next values of the two list positions, for the top's registered reads.
  assign prow_d_o   = row_start_i ? '0 : accept_i ? (p_last_i ? '0 : prow_q + 1'b1) : prow_q;
  assign pv_pos_d_o = accept_i ? prow_q : pv_pos_q;
  assign pv_fire_o  = pv_fire;
  assign prow_o     = prow_q;
  assign pv_valid_o = pv_valid_q;
  assign pv_p_o     = pv_p_q;
  assign pv_lv_o    = pv_lv_q;
  assign pv_last_o  = pv_last_q;
  assign pv_rows_o  = pv_rows_q;
  assign pv_pos_o   = pv_pos_q;
  assign row_o      = row_q;
  assign out_done_o = out_done_q;
  assign out_ready_o = !out_done_q && !out_hold_i;
endmodule
