// The sink SRAM of sinkattn_top: the first SinkSramTokens tokens' keys and values of every
// (layer, KV head), pinned on chip (StreamingLLM's attention sinks). The host loads it while the
// accelerator is idle (OpSinkK, OpSinkV at entry (layer * MaxKvHeads + kv head) * SinkSramTokens
// + token); the rows read it during decode.
//
// Banked by lane like the K/V store (sinkattn_kv_store.sv), so that every cell has one read and
// one write port: sink token s of entry e lives in key cell s mod QkLanes, row
// e * SinkRowsK + s / QkLanes, and in value cell s mod PvLanes, row e * SinkRowsV + s / PvLanes.
// Reads are registered and take the beat the caller consumes in the next cycle. The SRAM is
// written only while the controller is idle, so no read ever meets a write of its word.
module sinkattn_sink_sram #(
  parameter int HeadDim        = 128,  // hw.head_dim: elements per row
  parameter int QkLanes        = 4,    // hw.qk_lanes: keys per Q.K beat
  parameter int PvLanes        = 4,    // hw.pv_lanes: values per P.V beat
  parameter int MaxLayers      = 32,   // hw.max_layers
  parameter int MaxKvHeads     = 32,   // hw.max_kv_heads
  parameter int SinkSramTokens = 8,    // hw.sink_sram_tokens: pinned tokens per (layer, KV head)
  // Derived, not to be overridden (the port list uses them)
  localparam int VecBits   = HeadDim * sinkattn_numerics_pkg::DataBits,
  localparam int Entries   = MaxLayers * MaxKvHeads,                        // (layer, KV head)
  localparam int EntryW    = $clog2(Entries),
  localparam int SinkAW    = $clog2(Entries * SinkSramTokens),              // host entry address
  localparam int SinkRowsK = (SinkSramTokens + QkLanes - 1) / QkLanes,      // key rows per entry
  localparam int SinkRowsV = (SinkSramTokens + PvLanes - 1) / PvLanes,      // value rows per entry
  localparam int BeatW     = 32                                             // beat index width
) (
  input  logic                       clk_i,      // clock
  // Host loads (idle only)
  input  logic                       we_k_i,     // write a sink key row
  input  logic                       we_v_i,     // write a sink value row
  input  logic [SinkAW-1:0]          waddr_i,    // entry * SinkSramTokens + token
  input  logic [VecBits-1:0]         wdata_i,    // the row, element d at [d*DataBits +: DataBits]
  // Reads of one (layer, KV head), shown from the next cycle on
  input  logic [EntryW-1:0]          entry_i,    // layer * MaxKvHeads + KV head
  input  logic [BeatW-1:0]           k_beat_i,   // Q.K beat: sink tokens beat*QkLanes + i
  output logic [QkLanes*VecBits-1:0] k_o,        // lane i at [i*VecBits +: VecBits]
  input  logic [BeatW-1:0]           v_beat_i,   // P.V beat: sink tokens beat*PvLanes + i
  output logic [PvLanes*VecBits-1:0] v_o         // lane i at [i*VecBits +: VecBits]
);
  localparam int DepthK = (Entries * SinkRowsK < 2) ? 2 : Entries * SinkRowsK;
  localparam int DepthV = (Entries * SinkRowsV < 2) ? 2 : Entries * SinkRowsV;
  localparam int AddrK  = $clog2(DepthK);
  localparam int AddrV  = $clog2(DepthV);

  // The host's entry address split into (entry, sink token).
  logic [31:0] w_entry, w_tok;
  assign w_entry = 32'(waddr_i) / SinkSramTokens;
  assign w_tok   = 32'(waddr_i) % SinkSramTokens;

  // A beat past the sinks (the rows' beat counters run over the whole list) reads row 0: the
  // top takes a lane from the sink SRAM only below the sinks' end.
  logic [AddrK-1:0] k_raddr, k_waddr;
  logic [AddrV-1:0] v_raddr, v_waddr;
  assign k_raddr = AddrK'(32'(entry_i) * SinkRowsK + ((k_beat_i < SinkRowsK) ? k_beat_i : 32'd0));
  assign v_raddr = AddrV'(32'(entry_i) * SinkRowsV + ((v_beat_i < SinkRowsV) ? v_beat_i : 32'd0));
  assign k_waddr = AddrK'(w_entry * SinkRowsK + w_tok / QkLanes);
  assign v_waddr = AddrV'(w_entry * SinkRowsV + w_tok / PvLanes);

  localparam int LaneKW = (QkLanes > 1) ? $clog2(QkLanes) : 1;
  localparam int LaneVW = (PvLanes > 1) ? $clog2(PvLanes) : 1;
  ram_2p_lanes #(.Width(VecBits), .Lanes(QkLanes), .Depth(DepthK)) u_key (
    .clk_i, .we_i(we_k_i), .wlane_i(LaneKW'(w_tok % QkLanes)), .waddr_i(k_waddr), .wdata_i(wdata_i),
    .raddr_i(k_raddr), .rdata_o(k_o)
  );
  ram_2p_lanes #(.Width(VecBits), .Lanes(PvLanes), .Depth(DepthV)) u_val (
    .clk_i, .we_i(we_v_i), .wlane_i(LaneVW'(w_tok % PvLanes)), .waddr_i(v_waddr), .wdata_i(wdata_i),
    .raddr_i(v_raddr), .rdata_o(v_o)
  );
endmodule
