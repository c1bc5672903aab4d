// K/V fetch: turns the read list of one (step, layer, KV head) job into DRAM burst requests and
// reassembles the returned beats into plane rows for the job's K/V store.
//
// Request side: walks the list positions from the first non-sink one (sinks come from the sink
// SRAM and are never requested). Main phase: per position the key plane (MSB plane with
// progressive quantization, else the full-precision key) then the value plane. LSB phase
// (lsb_start_i, at most once per job, queued behind the main phase): the key LSB plane of every
// non-sink position. A plane row of `bytes` bytes goes out as ceil(bytes / BurstBytes) requests.
// Positions are requested as soon as the controller has appended them to the list
// (list_n_i grows while it scans), so fetch overlaps the list scan and the compute that
// consumes the store (the controller waits on the done pointers per position).
//
// Response side: every request leaves a tag {pos, plane, last burst of the row} in a FIFO
// (TagDepth deep; requests stop while it is full). Responses return in request order, so each
// beat belongs to the FIFO's head; the beats of a row are written into an assembly register at
// byte offsets 0, BusBytes, ...; the row's last beat emits the complete row on wr_*.
//
// Address map (docs/dram.md): (((l * Hkv + g) * T + tok) * 4 + plane) * PlaneStride + offset.
module kv_fetch #(
  parameter int HeadDim    = 128,   // elements per key/value vector the hardware is built for
  parameter int MaxTokens  = 4096,  // tokens per (layer, KV head)
  parameter int MaxLayers  = 32,
  parameter int MaxKvHeads = 32,
  parameter int BusBytes   = 16,    // DRAM data beat width in bytes
  parameter int BurstBytes = 64,    // longest request, a multiple of BusBytes
  parameter int TagDepth   = 64,    // requests in flight (power of two)
  parameter int AddrBits   = 40,    // DRAM byte address width
  // Assembly register width: ceil(ceil(HeadDim * DataBits / 8) / BusBytes) * BusBytes * 8. Set by
  // the instantiating module (the port needs it before the contract header is included);
  // checked below.
  parameter int RowBufBits = 1536
) (
  input  logic                       clk_i,          // clock
  input  logic                       rst_ni,         // asynchronous reset, active low
  // Job control
  input  logic                       start_i,        // pulse: a new job's main phase begins
  input  logic                       lsb_start_i,    // pulse: queue the job's LSB phase
  input  logic [$clog2(MaxLayers)-1:0]  layer_i,     // job layer l (stable during the job)
  input  logic [$clog2(MaxKvHeads)-1:0] group_i,     // job KV head g
  input  logic [$clog2(MaxKvHeads+1)-1:0] kv_heads_i,  // trace Hkv
  input  logic [$clog2(MaxTokens+1)-1:0]  tokens_i,    // trace T
  input  logic [$clog2(HeadDim+1)-1:0]    head_dim_i,  // trace D
  input  logic                       pq_i,           // progressive quantization: MSB plane first
  input  logic [$clog2(MaxTokens+1)-1:0] first_pos_i,  // first non-sink list position
  input  logic [$clog2(MaxTokens+1)-1:0] mid_end_i,    // tokens >= mid_end are window tokens
  input  logic [$clog2(MaxTokens+1)-1:0] list_n_i,     // list entries written so far
  input  logic                       list_done_i,    // the list is complete (list_n_i is final)
  output logic [$clog2(MaxTokens)-1:0] list_pos_o,   // list position being requested
  input  logic [$clog2(MaxTokens+1)-1:0] list_tok_i,   // its token (combinational read)
  output logic                       idle_o,         // nothing requested or in flight, no phase pending
  // DRAM read port
  output logic                       req_valid_o,    // burst request valid
  input  logic                       req_ready_i,    // request accepted when valid & ready
  output logic [AddrBits-1:0]        req_addr_o,     // byte address
  output logic [$clog2(BurstBytes+1)-1:0] req_len_o, // bytes, 1 .. BurstBytes
  input  logic                       resp_valid_i,   // response beat valid
  output logic                       resp_ready_o,   // always ready: the store takes every row
  input  logic [BusBytes*8-1:0]      resp_data_i,    // response bytes, byte 0 in bits 7:0
  input  logic                       resp_last_i,    // last beat of a request
  // Completed plane rows (one cycle each)
  output logic                       wr_valid_o,     // a plane row is complete
  output logic [$clog2(MaxTokens)-1:0] wr_pos_o,     // its list position
  output logic [1:0]                 wr_plane_o,     // 0 full key, 1 key MSB, 2 key LSB, 3 value
  output logic [RowBufBits-1:0]      wr_data_o,      // the row's bytes, byte 0 in bits 7:0
  // Byte counters' increments (the request's length, by region)
  output logic [$clog2(BurstBytes+1)-1:0] bytes_window_o,  // window bytes requested this cycle
  output logic [$clog2(BurstBytes+1)-1:0] bytes_middle_o,  // middle (heavy-hitter / retrieval) bytes
  output logic [$clog2(BurstBytes+1)-1:0] bytes_lsb_o      // LSB-plane bytes
);
  /* verilator lint_off UNUSEDPARAM */
  `include "sinkattn_numerics.svh"
  /* verilator lint_on UNUSEDPARAM */

  localparam int TokW       = $clog2(MaxTokens + 1);
  localparam int PosW       = $clog2(MaxTokens);
  localparam int LenW       = $clog2(BurstBytes + 1);
  localparam int MaxPlane   = (HeadDim * DataBits + 7) / 8;          // widest plane row, bytes
  localparam int PlaneShift = $clog2(MaxPlane);                      // log2 PlaneStride
  localparam int RowBeats   = (MaxPlane + BusBytes - 1) / BusBytes;
  if (RowBufBits != RowBeats * BusBytes * 8 || BurstBytes % BusBytes != 0 || (TagDepth & (TagDepth - 1)) != 0)
  begin : g_bad_parameters
    kv_fetch_invalid_parameters_see_header u_invalid ();
  end
  localparam int OffW       = $clog2(RowBeats * BusBytes + 1);
  localparam int TagW       = $clog2(TagDepth);

  // Plane row sizes of the trace's D (the golden model's TokenBytes).
  logic [OffW-1:0] bytes_full, bytes_msb, bytes_lsb;
  always_comb begin
    bytes_full = OffW'((32'(head_dim_i) * 32'(DataBits) + 32'd7) >> 3);
    bytes_msb  = OffW'((32'(head_dim_i) * 32'(KeyMsbBits) + 32'd7) >> 3);
    bytes_lsb  = OffW'((32'(head_dim_i) * 32'(KeyLsbBits) + 32'd7) >> 3);
  end

  // ---------------------------------------------------------------------------------------------
  // Request side
  // ---------------------------------------------------------------------------------------------
  logic            main_act_q;   // main phase running
  logic            lsb_pend_q;   // LSB phase queued
  logic            lsb_act_q;    // LSB phase running
  logic [TokW-1:0] pos_q;        // position being requested
  logic            vplane_q;     // main phase: 0 = key plane, 1 = value plane of pos_q
  logic [OffW-1:0] off_q;        // byte offset of the next burst in the row

  logic [1:0]      plane;
  logic [OffW-1:0] row_bytes;
  logic [OffW-1:0] rem;
  logic [LenW-1:0] len;
  logic            last_burst;
  logic            have_pos;
  logic            tag_full;
  logic            req_fire;

  // Icarus-safe style: every variable written once per evaluation (see sinkattn_top.sv).
  assign plane      = lsb_act_q ? 2'd2 : vplane_q ? 2'd3 : pq_i ? 2'd1 : 2'd0;
  assign row_bytes  = (plane == 2'd1) ? bytes_msb : (plane == 2'd2) ? bytes_lsb : bytes_full;
  assign rem        = row_bytes - off_q;
  assign len        = (32'(rem) > BurstBytes) ? LenW'(BurstBytes) : LenW'(rem);
  assign last_burst = (32'(rem) <= BurstBytes);
  assign have_pos   = (pos_q < list_n_i);

  assign list_pos_o  = PosW'(pos_q);
  assign req_valid_o = (main_act_q | lsb_act_q) & have_pos & ~tag_full;
  assign req_fire    = req_valid_o & req_ready_i;

  // ((l * Hkv + g) * T + tok) * 4 + plane, then the plane stride and the burst offset.
  logic [AddrBits-1:0] row_index;
  always_comb begin
    row_index = ((AddrBits'(layer_i) * AddrBits'(kv_heads_i) + AddrBits'(group_i)) * AddrBits'(tokens_i)
                 + AddrBits'(list_tok_i)) * AddrBits'(4) + AddrBits'(plane);
    req_addr_o = (row_index << PlaneShift) + AddrBits'(off_q);
  end
  assign req_len_o = len;

  // Region of the request, for the byte counters.
  assign bytes_lsb_o    = (req_fire && plane == 2'd2) ? len : '0;
  assign bytes_window_o = (req_fire && plane != 2'd2 && list_tok_i >= mid_end_i) ? len : '0;
  assign bytes_middle_o = (req_fire && plane != 2'd2 && list_tok_i < mid_end_i) ? len : '0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      main_act_q <= 1'b0;
      lsb_pend_q <= 1'b0;
      lsb_act_q  <= 1'b0;
      pos_q      <= '0;
      vplane_q   <= 1'b0;
      off_q      <= '0;
    end else begin
      if (lsb_start_i) lsb_pend_q <= 1'b1;
      if (start_i) begin
        main_act_q <= 1'b1;
        lsb_pend_q <= 1'b0;
        pos_q      <= first_pos_i;
        vplane_q   <= 1'b0;
        off_q      <= '0;
      end else if (req_fire) begin
        if (!last_burst) begin
          off_q <= off_q + OffW'(len);
        end else begin
          off_q <= '0;
          if (main_act_q && !vplane_q) begin
            vplane_q <= 1'b1;
          end else begin
            vplane_q <= 1'b0;
            pos_q    <= pos_q + 1'b1;
          end
        end
      end else if ((main_act_q || lsb_act_q) && list_done_i && !have_pos) begin
        // The phase has requested every position.
        main_act_q <= 1'b0;
        lsb_act_q  <= 1'b0;
      end else if (!main_act_q && !lsb_act_q && lsb_pend_q && !lsb_start_i) begin
        lsb_act_q  <= 1'b1;
        lsb_pend_q <= 1'b0;
        pos_q      <= first_pos_i;
        off_q      <= '0;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Tag FIFO
  // ---------------------------------------------------------------------------------------------
  localparam int TagEntry = PosW + 2 + 1;  // {pos, plane, last burst of the row}
  logic [TagEntry-1:0] tag_mem [0:TagDepth-1];
  logic [TagW:0]       tag_wr_q, tag_rd_q;
  logic                resp_fire, tag_pop;
  logic [TagEntry-1:0] tag_head;

  assign tag_full  = (tag_wr_q - tag_rd_q) == (TagW + 1)'(TagDepth);
  assign resp_ready_o = 1'b1;
  assign resp_fire = resp_valid_i;
  assign tag_pop   = resp_fire & resp_last_i;
  assign tag_head  = tag_mem[tag_rd_q[TagW-1:0]];

  always_ff @(posedge clk_i) begin
    if (req_fire) tag_mem[tag_wr_q[TagW-1:0]] <= {PosW'(pos_q), plane, last_burst};
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tag_wr_q <= '0;
      tag_rd_q <= '0;
    end else begin
      if (req_fire) tag_wr_q <= tag_wr_q + 1'b1;
      if (tag_pop)  tag_rd_q <= tag_rd_q + 1'b1;
    end
  end

  assign idle_o = !main_act_q && !lsb_act_q && !lsb_pend_q && (tag_wr_q == tag_rd_q);

  // ---------------------------------------------------------------------------------------------
  // Response side: assemble the row
  // ---------------------------------------------------------------------------------------------
  logic [RowBufBits-1:0] asm_q, asm_now;
  logic [OffW-1:0]       asm_off_q;

  for (genvar b = 0; b < RowBeats; b++) begin : g_asm
    assign asm_now[b*BusBytes*8 +: BusBytes*8] =
      (32'(asm_off_q) == b * BusBytes) ? resp_data_i : asm_q[b*BusBytes*8 +: BusBytes*8];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      asm_off_q <= '0;
    end else if (resp_fire) begin
      if (resp_last_i && tag_head[0]) asm_off_q <= '0;
      else asm_off_q <= asm_off_q + OffW'(BusBytes);
    end
  end
  always_ff @(posedge clk_i) begin
    if (resp_fire) asm_q <= asm_now;
  end

  assign wr_valid_o = tag_pop & tag_head[0];
  assign wr_pos_o   = tag_head[TagEntry-1 -: PosW];
  assign wr_plane_o = tag_head[2:1];
  assign wr_data_o  = asm_now;
endmodule
