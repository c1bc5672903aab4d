// Issue logic of a row walked out of a pair of double-buffered banks: one index per issue,
// 0 .. n-1, from the current bank, then on to the other bank. The row's length and its
// constants (for example a softmax row's maximum and scale) are read from the bank when the row
// starts and held until its last issue; the first issue takes them straight from the bank, so a
// row that is ready starts without a bubble.
//
// Used by the softmax unit's EXP engine (rtl/softmax_unit.sv), which walks the score banks a row
// at a time; its OUT engine walks a group's exp slot token-major with counters of its own.
`default_nettype none

module row_issue #(
  parameter int IdxBits  = 12,  // index inside a bank
  parameter int CntBits  = 13,  // row length, 1 .. 2^IdxBits
  parameter int MetaBits = 1    // row constants, packed
) (
  input  logic                clk_i,        // clock
  input  logic                rst_ni,       // asynchronous reset, active low; bank 0, no row
  input  logic                ready_i,      // the current bank's row may start (looked at while no row runs)
  input  logic                credit_i,     // an issue may happen this cycle (room downstream)
  input  logic [CntBits-1:0]  bank_n_i,     // current bank's row length, read when the row starts
  input  logic [MetaBits-1:0] bank_meta_i,  // current bank's row constants, read when the row starts
  output logic                bank_o,       // the current bank (flips after a row's last issue)
  output logic                start_o,      // this cycle's issue is the row's first
  output logic                issue_o,      // an index issues this cycle
  output logic                last_o,       // it is the row's last
  output logic [IdxBits-1:0]  idx_o,        // the index issued
  output logic [CntBits-1:0]  n_o,          // the row's length
  output logic [MetaBits-1:0] meta_o        // the row's constants
);
  logic                run_q;  // a row is running (its next index is idx_q)
  logic [IdxBits-1:0]  idx_q;
  logic [CntBits-1:0]  n_q;
  logic [MetaBits-1:0] meta_q;

  assign start_o = ~run_q & ready_i & credit_i;
  assign issue_o = (run_q | ready_i) & credit_i;
  assign idx_o   = run_q ? idx_q  : '0;
  assign n_o     = run_q ? n_q    : bank_n_i;
  assign meta_o  = run_q ? meta_q : bank_meta_i;
  assign last_o  = issue_o & (CntBits'(idx_o) == n_o - CntBits'(1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bank_o <= 1'b0;
      run_q  <= 1'b0;
    end else if (issue_o) begin
      run_q <= ~last_o;
      if (last_o) bank_o <= ~bank_o;
    end
  end

  always_ff @(posedge clk_i) begin
    if (issue_o) begin
      idx_q  <= idx_o + IdxBits'(1);
      n_q    <= n_o;
      meta_q <= meta_o;
    end
  end
endmodule

`default_nettype wire
