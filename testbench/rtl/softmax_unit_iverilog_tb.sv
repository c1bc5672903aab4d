// Icarus testbench for rtl/softmax_unit.sv: replays the rows that
// testbench/rtl/softmax_unit_tb.cpp writes (SINKATTN_RTL_VECTORS=DIR) with random valid/ready
// back-pressure and checks every probability, last flag and p_max against the file.
//
// Plusargs: +vectors=FILE (required), +seed=N (default 1), +valid_pct=P and +ready_pct=P
// (percent of cycles a score is offered / a probability is taken; default 70 / 60).
// Prints "PASS N vectors" (N rows) or the first mismatch, then finishes.
//
// File format, per row: "n mant shift pmax" (decimal), then n lines "score p" (score as 8 hex
// digits, p decimal). Two handles read the file: one drives the scores, one checks.
`timescale 1ns / 1ps

module softmax_unit_iverilog_tb;
  parameter int MaxTokens    = 4096;             // must match the harness that wrote the file
  parameter     Exp2LutFile  = "exp2_lut.hex";   // generated table, set with -P
  parameter     RecipLutFile = "recip_lut.hex";  // generated table, set with -P

  // The contract's widths, as in the RTL (the guard is cleared for the same reason).
  `undef SINKATTN_NUMERICS_SVH
  localparam int ProbFracBits  = sinkattn_numerics_pkg::ProbFracBits;
  localparam int ScaleMantBits = sinkattn_numerics_pkg::ScaleMantBits;
  localparam int ScaleShiftMax = sinkattn_numerics_pkg::ScaleShiftMax;
  localparam int ShiftBits = $clog2(ScaleShiftMax + 1);
  localparam int PBits     = ProbFracBits + 1;

  logic                     clk_i = 1'b0;
  logic                     rst_ni = 1'b0;
  logic                     s_valid_i = 1'b0;
  logic                     s_ready_o;
  logic [31:0]              s_i = '0;  // int32 scores (contract)
  logic                     s_last_i = 1'b0;
  logic [ScaleMantBits-1:0] mant_i = '0;
  logic [ShiftBits-1:0]     shift_i = '0;
  logic                     p_valid_o;
  logic                     p_ready_i = 1'b0;
  logic [PBits-1:0]         p_o;
  logic                     p_last_o;
  logic [PBits-1:0]         p_max_o;

  softmax_unit #(
    .MaxTokens   (MaxTokens),
    .Exp2LutFile (Exp2LutFile),
    .RecipLutFile(RecipLutFile)
  ) dut (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .s_valid_i(s_valid_i),
    .s_ready_o(s_ready_o),
    .s_i      (s_i),
    .s_last_i (s_last_i),
    .mant_i   (mant_i),
    .shift_i  (shift_i),
    .p_valid_o(p_valid_o),
    .p_ready_i(p_ready_i),
    .p_o      (p_o),
    .p_last_o (p_last_o),
    .p_max_o  (p_max_o)
  );

  `include "vector_replay_tb.svh"

  integer rows_done;

  // Driver state: the score currently offered.
  integer drv_left;  // scores of the current row not yet loaded
  reg     drv_have;  // cur_* holds a score to send
  integer h_n, h_mant, h_shift, h_pmax, d_p;
  reg [31:0] d_score;

  task automatic drv_fetch;
    if (drv_left == 0) begin
      rc = $fscanf(fd_drv, "%d %d %d %d\n", h_n, h_mant, h_shift, h_pmax);
      if (rc != 4) begin
        drv_have = 1'b0;
      end else begin
        drv_left = h_n;
        mant_i  <= h_mant[ScaleMantBits-1:0];
        shift_i <= h_shift[ShiftBits-1:0];
      end
    end else begin
      // M and E are read with a row's first score only; later beats carry noise.
      mant_i  <= $random(seed);
      shift_i <= $random(seed);
    end
    if (drv_left != 0) begin
      rc = $fscanf(fd_drv, "%h %d\n", d_score, d_p);
      drv_have = 1'b1;
      s_i      <= d_score;
      s_last_i <= (drv_left == 1);
      drv_left = drv_left - 1;
    end
  endtask

  // Checker state: the header of the row whose outputs are expected next is read ahead.
  integer chk_left, c_n, c_mant, c_shift, c_pmax, c_p, elem;
  reg     chk_more;  // a row is still expected
  reg [31:0] c_score;

  task automatic chk_header;
    rc = $fscanf(fd_chk, "%d %d %d %d\n", c_n, c_mant, c_shift, c_pmax);
    chk_more = (rc == 4);
    chk_left = chk_more ? c_n : 0;
    elem = 0;
  endtask

  initial begin
    replay_open();
    drv_left = 0;
    chk_header();
    rows_done = 0;
    drv_fetch();
    replay_reset();
  end

  // Everything below runs on the rising edge with non-blocking writes to the DUT inputs, so it
  // sees the handshake signals as they were just before the edge, like the DUT's flops.
  always @(posedge clk_i) begin
    if (rst_ni) begin
      replay_drive(s_valid_i && s_ready_o, drv_valid);
      s_valid_i <= drv_valid;

      if (p_valid_o && p_ready_i) begin
        replay_out_beat(chk_more, "row");
        rc = $fscanf(fd_chk, "%h %d\n", c_score, c_p);
        if (p_o !== c_p[PBits-1:0] || p_last_o !== (chk_left == 1) || p_max_o !== c_pmax[PBits-1:0]) begin
          $display("FAIL: seed %0d vector (row) %0d element %0d (n %0d M %0d E %0d score %0d): got p %0d last %0d p_max %0d, expected p %0d last %0d p_max %0d",
                   seed0, rows_done, elem, c_n, c_mant, c_shift, $signed(c_score), p_o, p_last_o,
                   p_max_o, c_p, chk_left == 1, c_pmax);
          $finish;
        end
        chk_left = chk_left - 1;
        elem = elem + 1;
        if (chk_left == 0) begin
          rows_done = rows_done + 1;
          chk_header();
        end
      end
      p_ready_i <= replay_coin(ready_pct);

      // Done when every row has been checked and nothing else comes out for a while.
      replay_end(p_valid_o && p_ready_i, chk_more, rows_done, "rows");
    end
  end

endmodule
