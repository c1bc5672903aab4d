// A memory banked by lane: Lanes ram_2p cells side by side, written one word at a time into the
// lane the caller names, read one word from every lane at one address. The storage of a datapath
// that takes Lanes words a cycle (the K/V store and the sink SRAM feed Q.K and P.V lanes) without
// a cell with more than one read port. Reads are enabled every cycle: rdata_o shows the words at
// raddr_i from the next cycle on.
`default_nettype none

module ram_2p_lanes #(
  parameter int Width      = 32,   // bits per word
  parameter int Lanes      = 4,    // cells; one word of each per read
  parameter int Depth      = 256,  // words per cell, >= 2
  parameter int WriteFirst = 0,    // 1: a read of the word being written returns the new word (ram_2p)
  // Derived, not to be overridden
  localparam int AddrBits  = $clog2(Depth),
  localparam int LaneBits  = (Lanes > 1) ? $clog2(Lanes) : 1
) (
  input  logic                   clk_i,    // clock
  input  logic                   we_i,     // write wdata_i into lane wlane_i at waddr_i
  input  logic [LaneBits-1:0]    wlane_i,  // the lane written
  input  logic [AddrBits-1:0]    waddr_i,  // write address within the lane's cell
  input  logic [Width-1:0]       wdata_i,  // write data
  input  logic [AddrBits-1:0]    raddr_i,  // read address, the same in every lane
  output logic [Lanes*Width-1:0] rdata_o   // lane i's word at [i*Width +: Width]
);
  // (The genvar stays out of the cells' port expressions and part-selects: Icarus 11 then takes
  // it for a variable.)
  for (genvar i = 0; i < Lanes; i++) begin : g_lane
    logic             we;
    logic [Width-1:0] rdata;
    assign we = we_i && (32'(wlane_i) == i);
    ram_2p #(.Width(Width), .Depth(Depth), .WriteFirst(WriteFirst)) u_ram (
      .clk_i, .we_i(we), .waddr_i, .wdata_i, .wmask_i(1'b1), .re_i(1'b1), .raddr_i, .rdata_o(rdata)
    );
    assign rdata_o[i*Width +: Width] = rdata;
  end
endmodule

`default_nettype wire
