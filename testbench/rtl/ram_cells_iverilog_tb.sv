// Icarus testbench for the SRAM cells (rtl/cells/ram_2p.sv, rtl/cells/ram_1p.sv): seeded random
// traffic against a reference memory kept here, checked every cycle, as the Verilator harness
// (ram_cells_tb.cpp) does. Undefined words and lanes (never written) are not compared.
// Run: testbench/rtl/run_ram_cells_iverilog.sh; prints PASS, or FAIL with the cell, cycle,
// address and both words.
`timescale 1ns / 1ps

module ram_cells_iverilog_tb #(
  parameter int Width    = 24,  // bits per word
  parameter int Depth    = 64,  // words
  parameter int MaskBits = 8,   // bits per write lane
  parameter int Cycles   = 20000
);
  localparam int AddrBits = $clog2(Depth);
  localparam int Lanes    = Width / MaskBits;

  logic clk = 1'b0;
  always #5 clk = ~clk;

  // ram_2p under test
  logic                we2, re2;
  logic [AddrBits-1:0] waddr2, raddr2;
  logic [Width-1:0]    wdata2, rdata2;
  logic [Lanes-1:0]    wmask2;
  ram_2p #(.Width(Width), .Depth(Depth), .MaskBits(MaskBits)) u_ram_2p (
    .clk_i(clk), .we_i(we2), .waddr_i(waddr2), .wdata_i(wdata2), .wmask_i(wmask2),
    .re_i(re2), .raddr_i(raddr2), .rdata_o(rdata2));

  // ram_1p under test
  logic                req1, we1;
  logic [AddrBits-1:0] addr1;
  logic [Width-1:0]    wdata1, rdata1;
  logic [Lanes-1:0]    wmask1;
  ram_1p #(.Width(Width), .Depth(Depth), .MaskBits(MaskBits)) u_ram_1p (
    .clk_i(clk), .req_i(req1), .we_i(we1), .addr_i(addr1), .wdata_i(wdata1), .wmask_i(wmask1),
    .rdata_o(rdata1));

  // References: value and defined bits of every word, for each cell.
  logic [Width-1:0] ref2 [0:Depth-1];
  logic [Width-1:0] def2 [0:Depth-1];
  logic [Width-1:0] ref1 [0:Depth-1];
  logic [Width-1:0] def1 [0:Depth-1];
  logic [Width-1:0] exp2, expdef2, exp1, expdef1, m;
  int seed, errors, a;

  function automatic logic [Width-1:0] lane_mask(input logic [Lanes-1:0] lanes);
    logic [Width-1:0] r;
    r = '0;
    for (int l = 0; l < Lanes; l++) if (lanes[l]) r[l*MaskBits +: MaskBits] = {MaskBits{1'b1}};
    return r;
  endfunction

  initial begin
    if (!$value$plusargs("seed=%d", seed)) seed = 1;
    $display("seed %0d", seed);
    a = $urandom(seed);  // seeds the generator
    errors = 0;
    for (a = 0; a < Depth; a++) begin
      def2[a] = '0;
      def1[a] = '0;
      ref2[a] = '0;
      ref1[a] = '0;
    end
    expdef2 = '0;
    expdef1 = '0;
    exp2 = '0;
    exp1 = '0;
    we2 = 1'b0; re2 = 1'b0; req1 = 1'b0; we1 = 1'b0;
    for (int c = 0; c < Cycles; c++) begin
      @(negedge clk);
      // ram_2p: random write and read; a quarter of the reads hit the address being written
      we2    = $urandom % 2;
      re2    = ($urandom % 3) != 0;
      waddr2 = AddrBits'($urandom % Depth);
      raddr2 = ($urandom % 4 == 0) ? waddr2 : AddrBits'($urandom % Depth);
      wdata2 = Width'($urandom);
      wmask2 = ($urandom % 2) ? {Lanes{1'b1}} : Lanes'($urandom);
      if (re2) begin  // read-first
        exp2    = ref2[raddr2];
        expdef2 = def2[raddr2];
      end
      if (we2) begin
        m = lane_mask(wmask2);
        ref2[waddr2] = (ref2[waddr2] & ~m) | (wdata2 & m);
        def2[waddr2] = def2[waddr2] | m;
      end
      // ram_1p: a read or a write, or nothing
      req1   = ($urandom % 4) != 0;
      we1    = $urandom % 2;
      addr1  = AddrBits'($urandom % Depth);
      wdata1 = Width'($urandom);
      wmask1 = ($urandom % 2) ? {Lanes{1'b1}} : Lanes'($urandom);
      if (req1 && we1) begin
        m = lane_mask(wmask1);
        ref1[addr1] = (ref1[addr1] & ~m) | (wdata1 & m);
        def1[addr1] = def1[addr1] | m;
      end else if (req1) begin
        exp1    = ref1[addr1];
        expdef1 = def1[addr1];
      end
      @(posedge clk);
      #1;
      if (((rdata2 ^ exp2) & expdef2) != '0) begin
        if (errors < 5) $display("FAIL ram_2p cycle %0d: expected %h (defined %h), got %h", c, exp2, expdef2, rdata2);
        errors++;
      end
      if (((rdata1 ^ exp1) & expdef1) != '0) begin
        if (errors < 5) $display("FAIL ram_1p cycle %0d: expected %h (defined %h), got %h", c, exp1, expdef1, rdata1);
        errors++;
      end
    end
    if (errors == 0) $display("PASS %0d cycles, both cells", Cycles);
    else $display("FAIL %0d mismatches", errors);
    $finish;
  end
endmodule
