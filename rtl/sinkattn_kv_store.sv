// The on-chip K/V store of sinkattn_top: two banks of one job each (the double buffer of
// rtl/sinkattn_top.sv's header), each holding a job's non-sink key MSB planes, key LSB planes and
// values by list position.
//
// Every plane is banked by lane, so that a beat reads one word from each cell and no cell has
// more than one read and one write port (cells/ram_2p_lanes.sv, Lanes ram_2p cells each):
//   - keys: QkLanes cells per plane; list position p lives in cell p mod QkLanes, row p / QkLanes
//     of the job's bank, so a Q.K beat kb reads row kb of every cell;
//   - values: PvLanes cells; a P.V beat starts at a multiple of PvLanes (sinkattn_pv_gather), so
//     it reads row pos / PvLanes of every cell.
// The K/V fetch writes one plane row (one position) a cycle.
//
// Reads are registered: the caller gives the row of the beat it will consume in the next cycle
// (its next-state beat counter), so the read latency is hidden and the consumer's timing is that
// of a combinational read of the store. The key cells are write-first: the rows may consume a
// key the cycle after the fetch wrote it (the done pointers move with the write). The values are
// never read that early (a beat is loaded only after its values are in, sinkattn_top's v_ready),
// so their cells are plain read-first.
module sinkattn_kv_store #(
  parameter int HeadDim   = 128,   // hw.head_dim: elements per row
  parameter int QkLanes   = 4,     // hw.qk_lanes: keys per Q.K beat
  parameter int PvLanes   = 4,     // hw.pv_lanes: values per P.V beat
  parameter int MaxTokens = 4096,  // hw.max_tokens: list positions per bank
  // Derived, not to be overridden (the port list uses them)
  localparam int PosW    = $clog2(MaxTokens),
  localparam int MsbW    = HeadDim * sinkattn_numerics_pkg::KeyMsbBits,  // key MSB plane row
  localparam int LsbW    = HeadDim * sinkattn_numerics_pkg::KeyLsbBits,  // key LSB plane row
  localparam int VecBits = HeadDim * sinkattn_numerics_pkg::DataBits,    // value row
  localparam int RowsK   = (MaxTokens + QkLanes - 1) / QkLanes,          // key rows per bank
  localparam int RowsV   = (MaxTokens + PvLanes - 1) / PvLanes,          // value rows per bank
  localparam int RowKW   = $clog2(RowsK + 1),
  localparam int RowVW   = $clog2(RowsV + 1)
) (
  input  logic                     clk_i,       // clock
  // Plane rows from the K/V fetch, one position a cycle
  input  logic                     wr_valid_i,  // a plane row is written
  input  logic                     wr_bank_i,   //   its bank
  input  logic [PosW-1:0]          wr_pos_i,    //   its list position
  input  logic                     wr_msb_i,    //   it carries the key MSB plane
  input  logic                     wr_lsb_i,    //   it carries the key LSB plane
  input  logic                     wr_val_i,    //   it carries the value
  input  logic [MsbW-1:0]          msb_i,       // key MSB fields, element d at [d*KeyMsbBits +: KeyMsbBits]
  input  logic [LsbW-1:0]          lsb_i,       // key LSB fields
  input  logic [VecBits-1:0]       val_i,       // value elements
  // Q.K beat: keys of positions row*QkLanes + i, shown from the next cycle on
  input  logic                     k_bank_i,    // bank
  input  logic [RowKW-1:0]         k_row_i,     // beat
  output logic [QkLanes*MsbW-1:0]  k_msb_o,     // lane i at [i*MsbW +: MsbW]
  output logic [QkLanes*LsbW-1:0]  k_lsb_o,     // lane i at [i*LsbW +: LsbW]
  // P.V beat: values of positions row*PvLanes + i, shown from the next cycle on
  input  logic                     v_bank_i,    // bank
  input  logic [RowVW-1:0]         v_row_i,     // beat
  output logic [PvLanes*VecBits-1:0] v_o        // lane i at [i*VecBits +: VecBits]
);
  localparam int DepthK = 2 * RowsK;
  localparam int DepthV = 2 * RowsV;
  localparam int AddrK  = $clog2(DepthK);
  localparam int AddrV  = $clog2(DepthV);

  // Bank-major addresses: bank b's rows follow bank 0's. A beat row past the list (the counter's
  // next value after a row's last beat) reads a word nobody uses.
  function automatic logic [AddrK-1:0] addr_k(input logic bank, input logic [PosW:0] row);
    addr_k = AddrK'(32'(bank) * RowsK + 32'(row));
  endfunction
  function automatic logic [AddrV-1:0] addr_v(input logic bank, input logic [PosW:0] row);
    addr_v = AddrV'(32'(bank) * RowsV + 32'(row));
  endfunction

  logic [AddrK-1:0] k_waddr, k_raddr;
  logic [AddrV-1:0] v_waddr, v_raddr;
  assign k_waddr = addr_k(wr_bank_i, (PosW+1)'(32'(wr_pos_i) / QkLanes));
  assign v_waddr = addr_v(wr_bank_i, (PosW+1)'(32'(wr_pos_i) / PvLanes));
  assign k_raddr = addr_k(k_bank_i, (PosW+1)'(k_row_i));
  assign v_raddr = addr_v(v_bank_i, (PosW+1)'(v_row_i));

  localparam int LaneKW = (QkLanes > 1) ? $clog2(QkLanes) : 1;
  localparam int LaneVW = (PvLanes > 1) ? $clog2(PvLanes) : 1;
  logic [LaneKW-1:0] k_wlane;
  logic [LaneVW-1:0] v_wlane;
  assign k_wlane = LaneKW'(32'(wr_pos_i) % QkLanes);
  assign v_wlane = LaneVW'(32'(wr_pos_i) % PvLanes);

  ram_2p_lanes #(.Width(MsbW), .Lanes(QkLanes), .Depth(DepthK), .WriteFirst(1)) u_msb (
    .clk_i, .we_i(wr_valid_i && wr_msb_i), .wlane_i(k_wlane), .waddr_i(k_waddr), .wdata_i(msb_i),
    .raddr_i(k_raddr), .rdata_o(k_msb_o)
  );
  ram_2p_lanes #(.Width(LsbW), .Lanes(QkLanes), .Depth(DepthK), .WriteFirst(1)) u_lsb (
    .clk_i, .we_i(wr_valid_i && wr_lsb_i), .wlane_i(k_wlane), .waddr_i(k_waddr), .wdata_i(lsb_i),
    .raddr_i(k_raddr), .rdata_o(k_lsb_o)
  );
  ram_2p_lanes #(.Width(VecBits), .Lanes(PvLanes), .Depth(DepthV)) u_val (
    .clk_i, .we_i(wr_valid_i && wr_val_i), .wlane_i(v_wlane), .waddr_i(v_waddr), .wdata_i(val_i),
    .raddr_i(v_raddr), .rdata_o(v_o)
  );
endmodule
