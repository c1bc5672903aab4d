// Icarus testbench for rtl/pv_lanes.sv: replays the groups that
// testbench/rtl/pv_lanes_tb.cpp writes (SINKATTN_RTL_VECTORS=DIR) with random valid/ready
// back-pressure and checks every output element and the last flag against the file.
//
// Plusargs: +vectors=FILE (required), +seed=N (default 1), +valid_pct=P, +ready_pct=P
// (default 70 / 60). Prints "PASS N vectors" (N groups) or the first mismatch.
//
// File format: per group "beats rows"; per beat (token) "lane_valid", the rows' probabilities as
// one packed hex vector (p_i), the token's value vector as one packed hex vector (v_i); then
// rows * HeadDim decimal outputs, row by row.
`timescale 1ns / 1ps

module pv_lanes_iverilog_tb;
  parameter int HeadDim   = 64;    // must match the harness that wrote the file
  parameter int PvLanes   = 4;
  parameter int MaxTokens = 4096;
  parameter int OutLanes  = 4;
  // The contract's widths, as in the RTL (the guard is cleared for the same reason).
  `undef SINKATTN_NUMERICS_SVH
  localparam int DataBits     = sinkattn_numerics_pkg::DataBits;
  localparam int OutBits      = sinkattn_numerics_pkg::OutBits;
  localparam int ProbFracBits = sinkattn_numerics_pkg::ProbFracBits;
  localparam int PBits    = ProbFracBits + 1;
  localparam int OutBeats = HeadDim / OutLanes;

  logic                                clk_i = 1'b0;
  logic                                rst_ni = 1'b0;
  logic                                pv_valid_i = 1'b0;
  logic                                pv_ready_o;
  logic [PvLanes*PBits-1:0]            p_i = '0;
  logic [HeadDim*DataBits-1:0]         v_i = '0;
  logic [PvLanes-1:0]                  pv_lane_valid_i = '0;
  logic                                pv_last_i = 1'b0;
  logic [$clog2(PvLanes+1)-1:0]        pv_rows_i = '0;
  logic                                out_valid_o;
  logic                                out_ready_i = 1'b0;
  logic [OutLanes*OutBits-1:0]         out_o;
  logic                                out_last_o;

  pv_lanes #(
    .HeadDim  (HeadDim),
    .PvLanes  (PvLanes),
    .MaxTokens(MaxTokens),
    .OutLanes (OutLanes)
  ) dut (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .pv_valid_i     (pv_valid_i),
    .pv_ready_o     (pv_ready_o),
    .p_i            (p_i),
    .v_i            (v_i),
    .pv_lane_valid_i(pv_lane_valid_i),
    .pv_last_i      (pv_last_i),
    .pv_rows_i      (pv_rows_i),
    .out_valid_o    (out_valid_o),
    .out_ready_i    (out_ready_i),
    .out_o          (out_o),
    .out_last_o     (out_last_o)
  );

  `include "vector_replay_tb.svh"

  integer i, x;
  integer groups_done;

  // Driver: the beat in p_i/v_i/..., offered when drv_have.
  integer drv_left, drv_rows;
  reg     drv_have, drv_done;
  reg [HeadDim*DataBits-1:0]         v_next;
  reg [PvLanes*PBits-1:0]            p_next;

  task automatic drv_fetch;
    if (drv_left == 0) begin
      rc = $fscanf(fd_drv, "%d %d", drv_left, drv_rows);
      if (rc != 2) begin
        drv_done = 1'b1;
        drv_left = 0;
      end
    end
    drv_have = 1'b0;
    if (drv_left != 0) begin
      rc = $fscanf(fd_drv, "%d", x);
      pv_lane_valid_i <= x[PvLanes-1:0];
      rc = $fscanf(fd_drv, "%h", p_next);
      rc = $fscanf(fd_drv, "%h", v_next);
      p_i <= p_next;
      v_i <= v_next;
      pv_last_i <= (drv_left == 1);
      pv_rows_i <= drv_rows[$clog2(PvLanes+1)-1:0];
      drv_left = drv_left - 1;
      drv_have = 1'b1;
      if (drv_left == 0) begin  // skip the expected outputs: they are the checker's
        for (i = 0; i < drv_rows * HeadDim; i = i + 1) rc = $fscanf(fd_drv, "%d", x);
      end
    end
  endtask

  // Checker: the expected outputs of the group being drained.
  integer c_beats, c_rows, out_beat, out_sub;
  reg     chk_more;
  reg signed [OutBits-1:0] c_out [PvLanes*HeadDim];
  reg signed [OutBits-1:0] got;
  reg [8*16*(PvLanes+HeadDim)-1:0] line;  // one line of the file, for skipping

  task automatic chk_group;
    rc = $fscanf(fd_chk, "%d %d", c_beats, c_rows);
    chk_more = (rc == 2);
    out_beat = 0;
    out_sub = 0;
    if (chk_more) begin
      // The beats are the driver's: skip their three lines (the rest of the header line first).
      rc = $fgets(line, fd_chk);
      for (i = 0; i < 3 * c_beats; i = i + 1) rc = $fgets(line, fd_chk);
      for (i = 0; i < c_rows * HeadDim; i = i + 1) begin
        rc = $fscanf(fd_chk, "%d", x);
        c_out[i] = x[OutBits-1:0];
      end
    end
  endtask

  initial begin
    replay_open();
    drv_left = 0;
    drv_done = 1'b0;
    groups_done = 0;
    drv_fetch();
    chk_group();
    replay_reset();
  end

  // Runs on the rising edge with non-blocking writes to the DUT inputs, so the handshakes are
  // seen as they were just before the edge.
  always @(posedge clk_i) begin
    if (rst_ni) begin
      replay_drive(pv_valid_i && pv_ready_o, drv_valid);
      pv_valid_i <= drv_valid;

      if (out_valid_o && out_ready_i) begin
        replay_out_beat(chk_more, "group");
        for (i = 0; i < OutLanes; i = i + 1) begin
          got = out_o[i*OutBits +: OutBits];
          if (got !== c_out[out_sub*HeadDim + out_beat*OutLanes + i]) begin
            $display("FAIL: seed %0d group %0d row %0d element %0d: got %0d, expected %0d",
                     seed0, groups_done, out_sub, out_beat * OutLanes + i, got, c_out[out_sub*HeadDim + out_beat*OutLanes + i]);
            $finish;
          end
        end
        if (out_last_o !== (out_beat == OutBeats - 1)) begin
          $display("FAIL: seed %0d group %0d row %0d output beat %0d: last flag %0d",
                   seed0, groups_done, out_sub, out_beat, out_last_o);
          $finish;
        end
        out_beat = out_beat + 1;
        if (out_beat == OutBeats) begin
          out_beat = 0;
          out_sub = out_sub + 1;
          if (out_sub == c_rows) begin
            groups_done = groups_done + 1;
            chk_group();
          end
        end
      end
      out_ready_i <= replay_coin(ready_pct);

      replay_end(out_valid_o && out_ready_i, chk_more, groups_done, "groups");
    end
  end

endmodule
