// Icarus testbench of the accelerator top on a tiny instance: replays the command stream that
// top_vectors wrote, answers the DRAM port with the same deterministic model as
// sim/host/dram_model.hpp without back-pressure (latency, one beat per cycle, at most
// MaxOutstanding requests in flight), checks every output row against the golden model's, and
// checks the total and busy cycle counts against the Verilated top's on the same stimulus.
// Prints "PASS ..." or "FAIL ..." and finishes.
`timescale 1ns/1ps
module top_iverilog_tb #(
  parameter int MaxOutstanding = 16,  // the DRAM model's queue (top_vectors' RunOptions::max_outstanding)
  parameter Exp2LutFile = "exp2_lut.hex", parameter RecipLutFile = "recip_lut.hex",
  parameter VecDir = "."
);
  // The tiny instance's hardware and DRAM latency: configs/presets/sinkattn_hw_tiny.yaml, the
  // configuration top_vectors runs, through its generated header.
  `include "params/sinkattn_params_sinkattn_hw_tiny.svh"
  localparam int DataBits = sinkattn_numerics_pkg::DataBits, OutBits = sinkattn_numerics_pkg::OutBits;
  localparam int VecBits = HeadDim * DataBits;
  localparam int CmdW = sinkattn_host_pkg::OpcodeBits + sinkattn_host_pkg::CmdAddrBits + 64 + VecBits;
  localparam int RowW = sinkattn_host_pkg::TokenBits + sinkattn_host_pkg::LayerBits + sinkattn_host_pkg::HeadBits + 1 + HeadDim * OutBits;
  localparam int MaxCmds = 1024, MaxRows = 512, MemBytes = 16384;
  localparam int LenW = $clog2(DramBurstBytes + 1);

  logic clk = 1'b0, rst_n = 1'b0;
  always #5 clk = ~clk;

  logic [CmdW-1:0] cmds [0:MaxCmds-1];
  logic [RowW-1:0] expect_rows [0:MaxRows-1];
  logic [7:0]      mem [0:MemBytes-1];
  integer ncmds, nrows, nbytes, want_total, want_busy, fd, rc;

  // DUT ports
  logic cmd_valid, cmd_ready, req_valid, req_ready, resp_valid, resp_ready, resp_last;
  logic [sinkattn_host_pkg::OpcodeBits-1:0] cmd_op; logic [sinkattn_host_pkg::CmdAddrBits-1:0] cmd_addr; logic [63:0] cmd_data; logic [VecBits-1:0] cmd_vec;
  logic [39:0] req_addr; logic [LenW-1:0] req_len; logic [DramBytesPerCycle*8-1:0] resp_data;
  logic row_valid, row_active; logic [sinkattn_host_pkg::TokenBits-1:0] row_step; logic [sinkattn_host_pkg::LayerBits-1:0] row_layer; logic [sinkattn_host_pkg::HeadBits-1:0] row_head;
  logic [HeadDim*OutBits-1:0] row_data;
  logic ev_valid; logic [sinkattn_host_pkg::EventKindBits-1:0] ev_kind; logic [sinkattn_host_pkg::TokenBits-1:0] ev_step, ev_tokens; logic [sinkattn_host_pkg::LayerBits-1:0] ev_layer; logic [sinkattn_host_pkg::HeadBits-1:0] ev_group;
  logic [63:0] ev_start, ev_end, ctr;
  logic [sinkattn_host_pkg::CounterSelBits-1:0] ctr_sel = sinkattn_host_pkg::CounterSelBits'(sinkattn_host_pkg::CtrCycles);

  sinkattn_top #(
    .HeadDim(HeadDim), .QkLanes(QkLanes), .PvLanes(PvLanes), .MaxTokens(MaxTokens), .MaxLayers(MaxLayers),
    .MaxQHeads(MaxQHeads), .MaxKvHeads(MaxKvHeads), .SinkSramTokens(SinkSramTokens), .TopkParallelism(TopkParallelism), .TopkLfsrSeed(TopkLfsrSeed),
    .ScanWidth(ScanWidth), .OutLanes(OutLanes),
    .DramBytesPerCycle(DramBytesPerCycle), .DramBurstBytes(DramBurstBytes), .Exp2LutFile(Exp2LutFile), .RecipLutFile(RecipLutFile)
  ) dut (
    .clk_i(clk), .rst_ni(rst_n),
    .cmd_valid_i(cmd_valid), .cmd_ready_o(cmd_ready), .cmd_op_i(cmd_op), .cmd_addr_i(cmd_addr),
    .cmd_data_i(cmd_data), .cmd_vec_i(cmd_vec),
    .mem_req_valid_o(req_valid), .mem_req_ready_i(req_ready), .mem_req_addr_o(req_addr), .mem_req_len_o(req_len),
    .mem_resp_valid_i(resp_valid), .mem_resp_ready_o(resp_ready), .mem_resp_data_i(resp_data),
    .mem_resp_last_i(resp_last),
    .row_valid_o(row_valid), .row_ready_i(1'b1), .row_step_o(row_step), .row_layer_o(row_layer),
    .row_head_o(row_head), .row_active_o(row_active), .row_data_o(row_data),
    .ev_valid_o(ev_valid), .ev_kind_o(ev_kind), .ev_step_o(ev_step), .ev_layer_o(ev_layer), .ev_group_o(ev_group),
    .ev_tokens_o(ev_tokens), .ev_start_o(ev_start), .ev_end_o(ev_end), .ctr_sel_i(ctr_sel), .ctr_o(ctr)
  );

  // Command stream
  integer ci = 0, ri = 0, errors = 0;
  logic [63:0] cyc = 0;
  assign cmd_valid = rst_n && (ci < ncmds);
  assign {cmd_vec, cmd_data, cmd_addr, cmd_op} = cmds[ci];

  // DRAM: in-order queue, first beat `DramLatencyCycles` cycles after acceptance, one beat per cycle.
  logic [39:0]     q_addr [0:MaxOutstanding-1];
  logic [31:0]     q_len  [0:MaxOutstanding-1];
  logic [63:0]     q_rdy  [0:MaxOutstanding-1];
  integer q_head = 0, q_tail = 0, q_count = 0, sent = 0;
  assign req_ready  = q_count < MaxOutstanding;
  assign resp_valid = (q_count > 0) && (q_rdy[q_head] <= cyc);
  assign resp_last  = resp_valid && (sent + DramBytesPerCycle >= q_len[q_head]);
  always_comb begin
    for (int b = 0; b < DramBytesPerCycle; b++)
      resp_data[b*8 +: 8] = (q_count > 0 && sent + b < q_len[q_head]) ? mem[q_addr[q_head] + 40'(sent + b)] : 8'h00;
  end

  always @(posedge clk) begin
    if (rst_n) begin
      if (cmd_valid && cmd_ready) ci <= ci + 1;
      if (resp_valid && resp_ready) begin
        if (resp_last) begin
          sent    <= 0;
          q_head  <= (q_head + 1) % MaxOutstanding;
        end else begin
          sent <= sent + DramBytesPerCycle;
        end
      end
      if (req_valid && req_ready) begin
        q_addr[q_tail] <= req_addr;
        q_len[q_tail]  <= 32'(req_len);
        q_rdy[q_tail]  <= cyc + DramLatencyCycles;
        q_tail <= (q_tail + 1) % MaxOutstanding;
      end
      q_count <= q_count + ((req_valid && req_ready) ? 1 : 0) - ((resp_valid && resp_ready && resp_last) ? 1 : 0);
      if (row_valid) begin
        if (ri >= nrows || {row_data, row_active, row_head, row_layer, row_step} != expect_rows[ri]) begin
          if (errors < 5)
            $display("FAIL row %0d: step %0d layer %0d head %0d active %0d data %h, golden %h", ri, row_step,
                     row_layer, row_head, row_active, row_data, expect_rows[ri][RowW-1 -: HeadDim*OutBits]);
          errors <= errors + 1;
        end
        ri <= ri + 1;
      end
      cyc <= cyc + 1;
    end
  end

  initial begin
    fd = $fopen({VecDir, "/expect.txt"}, "r");
    if (fd == 0) begin
      $display("FAIL cannot open %s/expect.txt", VecDir);
      $finish;
    end
    rc = $fscanf(fd, "%d %d %d %d %d", ncmds, nrows, nbytes, want_total, want_busy);
    $fclose(fd);
    if (ncmds > MaxCmds || nrows > MaxRows || nbytes > MemBytes) begin
      $display("FAIL vectors larger than the testbench's arrays (%0d commands, %0d rows, %0d bytes)", ncmds, nrows, nbytes);
      $finish;
    end
    $readmemh({VecDir, "/cmds.hex"}, cmds, 0, ncmds - 1);
    $readmemh({VecDir, "/expect.hex"}, expect_rows, 0, nrows - 1);
    $readmemh({VecDir, "/dram.hex"}, mem, 0, nbytes - 1);
    repeat (3) @(posedge clk);
    #1 rst_n = 1'b1;
    // Done when every command was taken and the controller is idle again (the Verilator
    // driver counts the same way).
    forever begin
      @(negedge clk);
      if (ci == ncmds && cmd_ready) begin
        ctr_sel = sinkattn_host_pkg::CounterSelBits'(sinkattn_host_pkg::CtrCycles);
        #1;
        if (ri != nrows) begin
          $display("FAIL %0d rows seen, %0d expected", ri, nrows);
          errors = errors + 1;
        end
        if (cyc != want_total || ctr != 64'(want_busy)) begin
          $display("FAIL cycles: icarus %0d total, %0d busy; verilator %0d total, %0d busy", cyc, ctr, want_total, want_busy);
          errors = errors + 1;
        end
        if (errors == 0) $display("PASS %0d rows bit-exact with golden; %0d cycles (%0d busy), same as Verilator", ri, cyc, ctr);
        else $display("FAIL %0d errors", errors);
        $finish;
      end
      if (cyc > 5000000) begin
        $display("FAIL timeout at cycle %0d (command %0d of %0d, row %0d)", cyc, ci, ncmds, ri);
        $finish;
      end
    end
  end
endmodule
