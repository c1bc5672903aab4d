// Icarus testbench for the slot store (rtl/sinkattn_slot_store.sv): replays the per-cycle vector
// file the Verilator harness writes (sinkattn_slot_store_tb.cpp, SINKATTN_RTL_VECTORS=DIR), one
// line a cycle: the block's inputs, then the outputs Verilator saw before that edge. busy_o is
// compared every cycle; the registered read data on the cycle after a line that requested it
// (its check field: bit 0 the length, bit 1 the order word with bits 3 .. its lanes to compare,
// bit 2 the score).
// Run: testbench/rtl/run_iverilog.sh sinkattn_slot_store ...; prints PASS, or FAIL with the line.
`timescale 1ns / 1ps

module sinkattn_slot_store_iverilog_tb #(
  parameter int MaxLayers  = 4,   // the harness's geometry (SINKATTN_TB_SLOT_*)
  parameter int MaxKvHeads = 3,
  parameter int Slots      = 16,
  parameter int ScanWidth  = 4,
  parameter int MaxTokens  = 64,
  parameter int ScoreW     = 48
);
  localparam int LayW   = (MaxLayers > 1) ? $clog2(MaxLayers) : 1;
  localparam int KvW    = (MaxKvHeads > 1) ? $clog2(MaxKvHeads) : 1;
  localparam int SlW    = LayW + KvW;
  localparam int TokW   = $clog2(MaxTokens + 1);
  localparam int EntryW = MaxLayers + TokW;
  localparam int Words  = Slots / ScanWidth;
  localparam int WordW  = (Words > 1) ? $clog2(Words) : 1;
  localparam int SlotW  = (Slots > 1) ? $clog2(Slots) : 1;
  localparam int CntW   = $clog2(Slots + 1);

  logic clk_i = 1'b0, rst_ni = 1'b0;
  always #5 clk_i = ~clk_i;

  logic                        clear_i, pass_i, load_i, o_we_i, i_we_i, busy_o;
  logic [LayW:0]               clear_scopes_i;
  logic [KvW:0]                clear_lists_i;
  logic [SlW-1:0]              sl_i, len_sl_i, o_rsl_i, o_wsl_i, i_rsl_i, i_wsl_i;
  logic [MaxLayers-1:0]        dead_mask_i;
  logic [TokW-1:0]             first_tok_i, last_tok_i, load_tok_i, len_next_o;
  logic [ScoreW-1:0]           load_score_i, i_wdata_i, i_rdata_o;
  logic [CntW-1:0]             len_n_o;
  logic [WordW-1:0]            o_rword_i;
  logic [ScanWidth*EntryW-1:0] o_rdata_o;
  logic [SlotW-1:0]            o_wpos_i, i_rpos_i, i_wpos_i;
  logic [EntryW-1:0]           o_wentry_i;

  sinkattn_slot_store #(.MaxLayers(MaxLayers), .MaxKvHeads(MaxKvHeads), .Slots(Slots), .ScanWidth(ScanWidth),
                        .MaxTokens(MaxTokens), .ScoreW(ScoreW)) u_dut (.*);

  reg [8*1024-1:0] path;
  integer fd, rc, line, errors;
  reg done;
  reg [63:0] v [0:29];
  reg [63:0] pend;

  task automatic drive_idle;
    clear_i = 0; pass_i = 0; load_i = 0; o_we_i = 0; i_we_i = 0;
    clear_scopes_i = '0; clear_lists_i = '0; sl_i = '0; len_sl_i = '0; o_rsl_i = '0; o_wsl_i = '0;
    i_rsl_i = '0; i_wsl_i = '0; dead_mask_i = '0; first_tok_i = '0; last_tok_i = '0; load_tok_i = '0;
    load_score_i = '0; i_wdata_i = '0; o_rword_i = '0; o_wpos_i = '0; i_rpos_i = '0; i_wpos_i = '0;
    o_wentry_i = '0;
  endtask

  task automatic fail(input [8*64-1:0] what, input [63:0] got, input [63:0] want);
    $display("FAIL: line %0d: %0s is %h, Verilator had %h", line, what, got, want);
    errors = errors + 1;
  endtask

  initial begin
    if (!$value$plusargs("vectors=%s", path)) begin
      $display("FAIL: +vectors=FILE missing");
      $finish;
    end
    fd = $fopen(path, "r");
    if (fd == 0) begin
      $display("FAIL: cannot open %0s", path);
      $finish;
    end
    drive_idle();
    repeat (3) @(posedge clk_i);
    rst_ni <= 1'b1;
    line = 0;
    errors = 0;
    pend = '0;
    done = 1'b0;
    // (Icarus 11 has no break: the loop ends on a short read through `done`.)
    while (errors == 0 && !done) begin
      rc = $fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h\n",
                   v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14],
                   v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22], v[23], v[24], v[25], v[26], v[27],
                   v[28], v[29]);
      if (rc != 30) done = 1'b1;
      else begin
        line = line + 1;
        #1;
        clear_i = v[0][0]; pass_i = v[1][0]; load_i = v[2][0]; clear_scopes_i = v[3][LayW:0];
        clear_lists_i = v[4][KvW:0]; sl_i = v[5][SlW-1:0]; dead_mask_i = v[6][MaxLayers-1:0];
        first_tok_i = v[7][TokW-1:0]; last_tok_i = v[8][TokW-1:0]; load_tok_i = v[9][TokW-1:0];
        load_score_i = v[10][ScoreW-1:0]; len_sl_i = v[11][SlW-1:0]; o_rsl_i = v[12][SlW-1:0];
        o_rword_i = v[13][WordW-1:0]; o_we_i = v[14][0]; o_wsl_i = v[15][SlW-1:0]; o_wpos_i = v[16][SlotW-1:0];
        o_wentry_i = v[17][EntryW-1:0]; i_rsl_i = v[18][SlW-1:0]; i_rpos_i = v[19][SlotW-1:0]; i_we_i = v[20][0];
        i_wsl_i = v[21][SlW-1:0]; i_wpos_i = v[22][SlotW-1:0]; i_wdata_i = v[23][ScoreW-1:0];
        #1;
        if (busy_o !== v[24][0]) fail("busy_o", 64'(busy_o), v[24]);
        if (pend[0] && ({len_n_o, len_next_o} !== {v[26][CntW-1:0], v[27][TokW-1:0]}))
          fail("{len_n_o, len_next_o}", 64'({len_n_o, len_next_o}), 64'({v[26][CntW-1:0], v[27][TokW-1:0]}));
        for (int i = 0; i < ScanWidth; i++)
          if (pend[1] && pend[3 + i] && o_rdata_o[i*EntryW +: EntryW] !== v[28][i*EntryW +: EntryW])
            fail("o_rdata_o lane", 64'(o_rdata_o[i*EntryW +: EntryW]), 64'(v[28][i*EntryW +: EntryW]));
        if (pend[2] && i_rdata_o !== v[29][ScoreW-1:0]) fail("i_rdata_o", 64'(i_rdata_o), v[29]);
        pend = v[25];
        @(posedge clk_i);
      end
    end
    if (errors == 0 && line > 100) $display("PASS: %0d cycles", line);
    else if (errors == 0) $display("FAIL: only %0d lines in %0s", line, path);
    $finish;
  end
endmodule
