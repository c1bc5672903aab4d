// Single-port RAM: one port that either reads or writes each cycle, registered read. The
// storage cell for arrays that one agent owns at a time (after lowRISC's prim_ram_1p); it maps
// to one FPGA block RAM port or one single-port SRAM macro, the densest memory there is.
//
// With req_i high and we_i low, rdata_o shows mem[addr_i] from the next cycle on; it holds while
// req_i is low and during writes. With req_i and we_i high, the lanes of wmask_i that are set
// are written (MaskBits = Width: one word enable; MaskBits = 8: byte enables).
`default_nettype none

module ram_1p #(
  parameter int Width    = 32,     // bits per word
  parameter int Depth    = 256,    // words, >= 2
  parameter int MaskBits = Width,  // bits per write-mask lane; Width must be a multiple of it
  // Derived, not to be overridden
  localparam int AddrBits = $clog2(Depth),
  localparam int Lanes    = Width / MaskBits
) (
  input  logic                clk_i,    // clock
  input  logic                req_i,    // access this cycle
  input  logic                we_i,     // the access writes (else it reads)
  input  logic [AddrBits-1:0] addr_i,   // address
  input  logic [Width-1:0]    wdata_i,  // write data
  input  logic [Lanes-1:0]    wmask_i,  // write lanes (lane l: bits [l*MaskBits +: MaskBits])
  output logic [Width-1:0]    rdata_o   // read data of the last read, held until the next read
);
  logic [Width-1:0] mem [Depth];

  always_ff @(posedge clk_i) begin
    if (req_i) begin
      if (we_i) begin
        for (int l = 0; l < Lanes; l++) begin
          if (wmask_i[l]) mem[addr_i][l*MaskBits +: MaskBits] <= wdata_i[l*MaskBits +: MaskBits];
        end
      end else begin
        rdata_o <= mem[addr_i];
      end
    end
  end

`ifndef SYNTHESIS
  initial begin
    if (Depth < 2) $fatal(1, "ram_1p: Depth must be >= 2");
    if (Width % MaskBits != 0) $fatal(1, "ram_1p: Width %0d is not a multiple of MaskBits %0d", Width, MaskBits);
  end
`endif
endmodule

`default_nettype wire
