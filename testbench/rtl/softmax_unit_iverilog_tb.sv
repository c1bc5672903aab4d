// Icarus testbench for rtl/softmax_unit.sv: replays the groups of rows that
// testbench/rtl/softmax_unit_tb.cpp writes (SINKATTN_RTL_VECTORS=DIR) with random valid/ready
// back-pressure and checks every token's probabilities (one entry a token, row r in lane r),
// row count, last flag and p_max vector against the file.
//
// Plusargs: +vectors=FILE (required), +seed=N (default 1), +valid_pct=P and +ready_pct=P
// (percent of cycles a score is offered / a probability is taken; default 70 / 60).
// Prints "PASS N vectors" (N groups) or the first mismatch, then finishes.
//
// File format, per group: "G n", then per row "mant shift pmax" (decimal), then the G * n outputs
// token-major, lines "score p" for (j, r) = (0, 0), (0, 1), ... (score as 8 hex digits, p
// decimal). Two handles read the file: the driver reads a whole group and sends it row by row,
// the checker follows the outputs, G lines an entry.
`timescale 1ns / 1ps

module softmax_unit_iverilog_tb;
  parameter int MaxTokens    = 4096;             // must match the harness that wrote the file
  parameter int MaxGroup     = 1;                //   ditto
  parameter     Exp2LutFile  = "exp2_lut.hex";   // generated table, set with -P
  parameter     RecipLutFile = "recip_lut.hex";  // generated table, set with -P

  // The contract's widths, as in the RTL (the guard is cleared for the same reason).
  `undef SINKATTN_NUMERICS_SVH
  localparam int ProbFracBits  = sinkattn_numerics_pkg::ProbFracBits;
  localparam int ScaleMantBits = sinkattn_numerics_pkg::ScaleMantBits;
  localparam int ScaleShiftMax = sinkattn_numerics_pkg::ScaleShiftMax;
  localparam int ShiftBits = $clog2(ScaleShiftMax + 1);
  localparam int PBits     = ProbFracBits + 1;
  localparam int GCntBits  = $clog2(MaxGroup + 1);

  logic                     clk_i = 1'b0;
  logic                     rst_ni = 1'b0;
  logic                     s_valid_i = 1'b0;
  logic                     s_ready_o;
  logic [31:0]              s_i = '0;  // int32 scores (contract)
  logic                     s_last_i = 1'b0;
  logic                     s_glast_i = 1'b0;
  logic [ScaleMantBits-1:0] mant_i = '0;
  logic [ShiftBits-1:0]     shift_i = '0;
  logic                     p_valid_o;
  logic                     p_ready_i = 1'b0;
  logic [MaxGroup*PBits-1:0] p_o;
  logic                     p_last_o;
  logic [GCntBits-1:0]      p_rows_o;
  logic [MaxGroup*PBits-1:0] p_max_o;

  softmax_unit #(
    .MaxTokens   (MaxTokens),
    .MaxGroup    (MaxGroup),
    .Exp2LutFile (Exp2LutFile),
    .RecipLutFile(RecipLutFile)
  ) dut (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .s_valid_i(s_valid_i),
    .s_ready_o(s_ready_o),
    .s_i      (s_i),
    .s_last_i (s_last_i),
    .s_glast_i(s_glast_i),
    .mant_i   (mant_i),
    .shift_i  (shift_i),
    .p_valid_o(p_valid_o),
    .p_ready_i(p_ready_i),
    .p_o      (p_o),
    .p_rows_o (p_rows_o),
    .p_last_o (p_last_o),
    .p_max_o  (p_max_o)
  );

  `include "vector_replay_tb.svh"

  integer groups_done;

  // Driver state: the group being sent, read whole (its scores are in the file token-major).
  localparam int MaxGroupTokens = MaxGroup * MaxTokens;
  reg     drv_have;  // a score is ready to send
  integer drv_g, drv_n, drv_r, drv_j, d_p, d_pmax, k;
  integer d_mant [0:MaxGroup-1];
  integer d_shift [0:MaxGroup-1];
  reg [31:0] d_scores [0:MaxGroupTokens-1];  // score of (j, r) at j * G + r

  task automatic drv_fetch;
    drv_have = 1'b1;
    if (drv_r == drv_g) begin  // the group is sent: read the next one
      rc = $fscanf(fd_drv, "%d %d\n", drv_g, drv_n);
      drv_have = (rc == 2);
      if (drv_have) begin
        for (k = 0; k < drv_g; k++) rc = $fscanf(fd_drv, "%d %d %d\n", d_mant[k], d_shift[k], d_pmax);
        for (k = 0; k < drv_g * drv_n; k++) rc = $fscanf(fd_drv, "%h %d\n", d_scores[k], d_p);
      end else begin
        drv_g = 0;
      end
      drv_r = 0;
      drv_j = 0;
    end
    if (drv_have) begin
      // M and E are read with a row's first score only, s_glast_i with its last; other beats
      // carry noise.
      mant_i    <= (drv_j == 0) ? d_mant[drv_r][ScaleMantBits-1:0] : $random(seed);
      shift_i   <= (drv_j == 0) ? d_shift[drv_r][ShiftBits-1:0] : $random(seed);
      s_i       <= d_scores[drv_j * drv_g + drv_r];
      s_last_i  <= (drv_j == drv_n - 1);
      s_glast_i <= (drv_j == drv_n - 1) ? (drv_r == drv_g - 1) : $random(seed);
      drv_j = drv_j + 1;
      if (drv_j == drv_n) begin
        drv_j = 0;
        drv_r = drv_r + 1;
      end
    end
  endtask

  // Checker state: the header of the group whose outputs are expected next is read ahead.
  integer chk_left, c_g, c_n, c_mant, c_shift, c_p, c_pm, elem;
  reg     chk_more;  // a group is still expected
  reg [31:0] c_score;
  reg [MaxGroup*PBits-1:0] c_pmax;  // the group's p_max vector, zero beyond its rows
  reg [MaxGroup*PBits-1:0] c_pvec;  // the token's probabilities, zero beyond the group's rows

  task automatic chk_header;
    rc = $fscanf(fd_chk, "%d %d\n", c_g, c_n);
    chk_more = (rc == 2);
    c_pmax = '0;
    if (chk_more) begin
      for (k = 0; k < c_g; k++) begin
        rc = $fscanf(fd_chk, "%d %d %d\n", c_mant, c_shift, c_pm);
        c_pmax[k*PBits +: PBits] = c_pm[PBits-1:0];
      end
    end
    chk_left = chk_more ? c_n : 0;
    elem = 0;
  endtask

  initial begin
    replay_open();
    drv_g = 0;
    drv_r = 0;
    chk_header();
    groups_done = 0;
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
        replay_out_beat(chk_more, "group");
        c_pvec = '0;
        for (k = 0; k < c_g; k++) begin
          rc = $fscanf(fd_chk, "%h %d\n", c_score, c_p);
          c_pvec[k*PBits +: PBits] = c_p[PBits-1:0];
        end
        if (p_o !== c_pvec || p_last_o !== (chk_left == 1) || p_rows_o !== GCntBits'(c_g) ||
            p_max_o !== c_pmax) begin
          $display("FAIL: seed %0d vector (group) %0d token %0d (G %0d n %0d): got p %h rows %0d last %0d p_max %h, expected p %h last %0d p_max %h",
                   seed0, groups_done, elem, c_g, c_n, p_o, p_rows_o, p_last_o, p_max_o, c_pvec,
                   chk_left == 1, c_pmax);
          $finish;
        end
        chk_left = chk_left - 1;
        elem = elem + 1;
        if (chk_left == 0) begin
          groups_done = groups_done + 1;
          chk_header();
        end
      end
      p_ready_i <= replay_coin(ready_pct);

      // Done when every row has been checked and nothing else comes out for a while.
      replay_end(p_valid_o && p_ready_i, chk_more, groups_done, "groups");
    end
  end

endmodule
