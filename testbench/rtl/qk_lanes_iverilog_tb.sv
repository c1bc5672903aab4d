// Icarus testbench for rtl/qk_lanes.sv: replays the beats that testbench/rtl/qk_lanes_tb.cpp
// writes (SINKATTN_RTL_VECTORS=DIR) with random valid/ready back-pressure and checks every
// lane's score, the lane-valid mask and the last flag against the file.
//
// Plusargs: +vectors=FILE (required), +seed=N (default 1), +valid_pct=P, +ready_pct=P
// (default 70 / 60). Prints "PASS N vectors" (N key beats) or the first mismatch.
//
// File format: per row "beats", then the query as one packed hex vector (q_i); per beat
// "msb lane_valid last", the keys as one packed hex vector (k_i), QkLanes decimal scores.
// Each row's query is written with q_we_i in a bubble cycle before the row's first beat.
`timescale 1ns / 1ps

module qk_lanes_iverilog_tb;
  parameter int HeadDim        = 64;  // must match the harness that wrote the file
  parameter int QkLanes        = 4;
  parameter int LevelsPerStage = 2;
  // The contract's widths, as in the RTL (the guard is cleared for the same reason).
  `undef SINKATTN_NUMERICS_SVH
  localparam int DataBits = sinkattn_numerics_pkg::DataBits;

  logic                           clk_i = 1'b0;
  logic                           rst_ni = 1'b0;
  logic                           q_we_i = 1'b0;
  logic [HeadDim*DataBits-1:0]    q_i = '0;
  logic                           k_valid_i = 1'b0;
  logic                           k_ready_o;
  logic [QkLanes*HeadDim*DataBits-1:0] k_i = '0;
  logic                           k_msb_only_i = 1'b0;
  logic [QkLanes-1:0]             k_lane_valid_i = '0;
  logic                           k_last_i = 1'b0;
  logic                           s_valid_o;
  logic                           s_ready_i = 1'b0;
  logic [QkLanes*32-1:0]          s_o;
  logic [QkLanes-1:0]             s_lane_valid_o;
  logic                           s_last_o;

  qk_lanes #(
    .HeadDim       (HeadDim),
    .QkLanes       (QkLanes),
    .LevelsPerStage(LevelsPerStage)
  ) dut (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .q_we_i        (q_we_i),
    .q_i           (q_i),
    .k_valid_i     (k_valid_i),
    .k_ready_o     (k_ready_o),
    .k_i           (k_i),
    .k_msb_only_i  (k_msb_only_i),
    .k_lane_valid_i(k_lane_valid_i),
    .k_last_i      (k_last_i),
    .s_valid_o     (s_valid_o),
    .s_ready_i     (s_ready_i),
    .s_o           (s_o),
    .s_lane_valid_o(s_lane_valid_o),
    .s_last_o      (s_last_o)
  );

`define REPLAY_OWN_ADVANCE  // drv_advance below: a beat at a time, a bubble for each query write
  `include "vector_replay_tb.svh"

  integer i, x;
  integer beats_done;

  // Driver: the beat in cur_*, offered when drv_have.
  integer drv_left;      // beats of the current row not yet read
  reg     drv_have, drv_done;
  integer d_msb, d_lv, d_last;
  reg [QkLanes*HeadDim*DataBits-1:0] k_next;
  reg [HeadDim*DataBits-1:0]         q_next;

  task automatic drv_read_beat;
    rc = $fscanf(fd_drv, "%d %d %d", d_msb, d_lv, d_last);
    rc = $fscanf(fd_drv, "%h", k_next);
    k_i <= k_next;
    for (i = 0; i < QkLanes; i = i + 1) rc = $fscanf(fd_drv, "%d", x);  // expected: the checker's
    k_msb_only_i   <= d_msb[0];
    k_lane_valid_i <= d_lv[QkLanes-1:0];
    k_last_i       <= d_last[0];
    drv_left = drv_left - 1;
    drv_have = 1'b1;
  endtask

  // Reads the next row's query and writes it (q_we_i) in this cycle, with no beat offered.
  task automatic drv_next_row;
    rc = $fscanf(fd_drv, "%d", drv_left);
    if (rc != 1) begin
      drv_done = 1'b1;
      drv_have = 1'b0;
    end else begin
      rc = $fscanf(fd_drv, "%h", q_next);
      q_i <= q_next;
      q_we_i <= 1'b1;
      drv_have = 1'b0;
    end
  endtask

  // Checker.
  integer chk_left, c_msb, c_lv, c_last, beat_in_row;
  reg     chk_more;
  reg signed [31:0] c_s [QkLanes];
  reg signed [31:0] got;
  reg [8*16*QkLanes*HeadDim-1:0] line;  // one line of the file, for skipping

  task automatic chk_read_beat;
    if (chk_left == 0) begin
      rc = $fscanf(fd_chk, "%d", chk_left);
      chk_more = (rc == 1);
      beat_in_row = 0;
      if (chk_more) begin  // skip the rest of the header line and the query line
        rc = $fgets(line, fd_chk);
        rc = $fgets(line, fd_chk);
      end
    end
    if (chk_more) begin
      rc = $fscanf(fd_chk, "%d %d %d", c_msb, c_lv, c_last);
      rc = $fgets(line, fd_chk);  // rest of the "msb lane_valid last" line
      rc = $fgets(line, fd_chk);  // the keys are the driver's
      for (i = 0; i < QkLanes; i = i + 1) rc = $fscanf(fd_chk, "%d", c_s[i]);
    end
  endtask

  // The driver's step after each cycle (replay_drive): once a beat is taken, the next one, or at a
  // row's end the next row's query write (a bubble cycle).
  task automatic drv_advance(input bit taken);
    if (taken) drv_have = 1'b0;
    if (!drv_have && !drv_done) begin
      if (drv_left == 0) drv_next_row();
      else drv_read_beat();
    end
  endtask

  initial begin
    replay_open();
    drv_left = 0;
    drv_have = 1'b0;
    drv_done = 1'b0;
    chk_left = 0;
    beats_done = 0;
    chk_read_beat();
    replay_reset();
  end

  // Runs on the rising edge with non-blocking writes to the DUT inputs, so the handshakes are
  // seen as they were just before the edge.
  always @(posedge clk_i) begin
    if (rst_ni) begin
      q_we_i <= 1'b0;
      replay_drive(k_valid_i && k_ready_o, drv_valid);
      k_valid_i <= drv_valid;

      if (s_valid_o && s_ready_i) begin
        replay_out_beat(chk_more, "key beat");
        for (i = 0; i < QkLanes; i = i + 1) begin
          got = s_o[i*32 +: 32];
          if (got !== c_s[i]) begin
            $display("FAIL: seed %0d vector (beat) %0d lane %0d (msb %0d): got score %0d, expected %0d",
                     seed0, beats_done, i, c_msb, got, c_s[i]);
            $finish;
          end
        end
        if (s_lane_valid_o !== c_lv[QkLanes-1:0] || s_last_o !== c_last[0]) begin
          $display("FAIL: seed %0d vector (beat) %0d: got lane_valid %0d last %0d, expected %0d %0d",
                   seed0, beats_done, s_lane_valid_o, s_last_o, c_lv, c_last);
          $finish;
        end
        beats_done = beats_done + 1;
        chk_left = chk_left - 1;
        chk_read_beat();
      end
      s_ready_i <= replay_coin(ready_pct);

      replay_end(s_valid_o && s_ready_i, chk_more, beats_done, "beats");
    end
  end

endmodule
