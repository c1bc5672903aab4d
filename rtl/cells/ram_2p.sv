// Simple dual-port RAM: one write port and one read port on one clock, registered read. The
// storage cell every large array of the design is built from (after lowRISC's prim_ram_2p): it
// maps to one FPGA block RAM in simple-dual-port mode or to one two-port SRAM macro, because its
// read is synchronous and it has exactly one reader and one writer.
//
// Read: with re_i high, rdata_o shows mem[raddr_i] from the next cycle on and holds it while
// re_i is low (callers rely on that to keep a word while they wait). Reading the address being
// written in the same cycle returns the old word (read-first), which both block RAM and two-port
// SRAM offer, unless WriteFirst is set: then the written lanes come from a bypass register
// outside the array (the array itself stays read-first), so a reader that follows a writer one
// cycle behind sees every word the cycle after it is written.
//
// Write: with we_i high, the write mask's lanes that are set are written; a lane is
// MaskBits wide (MaskBits = Width: one word enable; MaskBits = 8: byte enables).
`default_nettype none

module ram_2p #(
  parameter int Width    = 32,     // bits per word
  parameter int Depth    = 256,    // words, >= 2
  parameter int MaskBits = Width,  // bits per write-mask lane; Width must be a multiple of it
  parameter int WriteFirst = 0,     // 1: a read of the word being written returns the new lanes
  // Derived, not to be overridden
  localparam int AddrBits = $clog2(Depth),
  localparam int Lanes    = Width / MaskBits
) (
  input  logic                clk_i,    // clock
  input  logic                we_i,     // write the lanes wmask_i selects
  input  logic [AddrBits-1:0] waddr_i,  // write address
  input  logic [Width-1:0]    wdata_i,  // write data
  input  logic [Lanes-1:0]    wmask_i,  // write lanes (lane l: bits [l*MaskBits +: MaskBits])
  input  logic                re_i,     // read: rdata_o shows mem[raddr_i] from the next cycle on
  input  logic [AddrBits-1:0] raddr_i,  // read address
  output logic [Width-1:0]    rdata_o   // read data, held while re_i is low
);
  logic [Width-1:0] mem [Depth];

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      for (int l = 0; l < Lanes; l++) begin
        if (wmask_i[l]) mem[waddr_i][l*MaskBits +: MaskBits] <= wdata_i[l*MaskBits +: MaskBits];
      end
    end
  end

  logic [Width-1:0] mem_rdata_q;
  always_ff @(posedge clk_i) begin
    if (re_i) mem_rdata_q <= mem[raddr_i];
  end

  if (WriteFirst != 0) begin : g_bypass
    // The lanes written at the read's edge, registered next to the array's read data.
    logic [Lanes-1:0] hit_q;
    logic [Width-1:0] wdata_q;
    always_ff @(posedge clk_i) begin
      if (re_i) begin
        hit_q   <= (we_i && waddr_i == raddr_i) ? wmask_i : '0;
        wdata_q <= wdata_i;
      end
    end
    for (genvar l = 0; l < Lanes; l++) begin : g_lane
      assign rdata_o[l*MaskBits +: MaskBits] = hit_q[l] ? wdata_q[l*MaskBits +: MaskBits] :
                                                          mem_rdata_q[l*MaskBits +: MaskBits];
    end
  end else begin : g_no_bypass
    assign rdata_o = mem_rdata_q;
  end

`ifndef SYNTHESIS
  initial begin
    if (Depth < 2) $fatal(1, "ram_2p: Depth must be >= 2");
    if (Width % MaskBits != 0) $fatal(1, "ram_2p: Width %0d is not a multiple of MaskBits %0d", Width, MaskBits);
  end
`endif
endmodule

`default_nettype wire
