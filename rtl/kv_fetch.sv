// K/V fetch: turns the read lists of (step, layer, KV head) jobs into DRAM burst requests and
// reassembles the returned beats into plane rows for the double-buffered K/V store.
//
// Two request contexts, each tied to one store bank (the bank holds one job's list and rows):
//  - main: the list positions from the first non-sink one (sinks come from the sink SRAM and are
//    never requested), each position's key plane (MSB plane with progressive quantization, else
//    the full-precision key) and value plane, through two pointers: at every plane-row boundary
//    the next key row goes first if its position is in the list, else the next value row of a
//    position whose key is requested. Keys thus arrive as early as the list allows (the rows'
//    Q.K and softmax run while the values stream), and values fill the DRAM while the list scan
//    has no key to give. One job at a time (start_i only when main_free_o); positions are
//    requested as soon as the controller has appended them to the bank's list (list_n_i grows
//    while it scans), so fetch overlaps the list scan and the compute.
//  - LSB (lsb_start_i, at most once per job): the key LSB plane of every non-sink position of a
//    job whose list is complete. It is on the critical path (a row waits for it), so it has
//    priority over the main context, which by then is usually prefetching the next job into
//    the other bank; the contexts switch only between plane rows.
// A plane row of `bytes` bytes goes out as ceil(bytes / DramBurstBytes) requests.
//
// Response side: every request leaves a tag {bank, pos, plane, last burst of the row} in a FIFO
// (TagDepth deep; requests stop while it is full). Responses return in request order, so each
// beat belongs to the FIFO's head; the beats of a row are written into an assembly register at
// byte offsets 0, DramBytesPerCycle, ...; the row's last beat emits the complete row on wr_*. Per bank,
// rows of one plane kind arrive in list order (the controller's done pointers rely on it).
//
// Address map (docs/dram.md): (((l * Hkv + g) * T + tok) * 4 + plane) * PlaneStride + offset.
module kv_fetch #(
  parameter int HeadDim    = 128,   // elements per key/value vector the hardware is built for
  parameter int MaxTokens  = 4096,  // tokens per (layer, KV head)
  parameter int MaxLayers  = 32,
  parameter int MaxKvHeads = 32,
  parameter int DramBytesPerCycle = 16,  // DRAM data beat width in bytes
  parameter int DramBurstBytes    = 64,  // longest request, a multiple of DramBytesPerCycle
  parameter int TagDepth          = 64,  // requests in flight (power of two)
  parameter int AddrBits          = 40,  // DRAM byte address width
  // Derived, not to be overridden (the port list uses them)
  localparam int MaxPlane   = (HeadDim * sinkattn_numerics_pkg::DataBits + 7) / 8,  // widest plane row, bytes
  localparam int RowBeats   = (MaxPlane + DramBytesPerCycle - 1) / DramBytesPerCycle,  // bus beats per row
  localparam int RowBufBits = RowBeats * DramBytesPerCycle * 8  // assembly register: whole beats
) (
  input  logic                       clk_i,          // clock
  input  logic                       rst_ni,         // asynchronous reset, active low
  // Job control
  input  logic                       start_i,        // pulse: a job's main phase begins (main_free_o high)
  input  logic                       start_bank_i,   //   its store bank
  input  logic [$clog2(MaxKvHeads)-1:0] start_group_i, //   its KV head g
  input  logic                       lsb_start_i,    // pulse: a job's LSB phase begins (its list complete)
  input  logic                       lsb_bank_i,     //   its store bank
  input  logic [$clog2(MaxKvHeads)-1:0] lsb_group_i, //   its KV head g
  input  logic [$clog2(MaxLayers)-1:0]  layer_i,     // layer l of the run (stable during the run)
  input  logic [$clog2(MaxKvHeads+1)-1:0] kv_heads_i,  // trace Hkv
  input  logic [$clog2(MaxTokens+1)-1:0]  tokens_i,    // trace T
  input  logic [$clog2(HeadDim+1)-1:0]    head_dim_i,  // trace D
  input  logic                       pq_i,           // progressive quantization: MSB plane first
  input  logic [$clog2(MaxTokens+1)-1:0] first_pos_i,  // first non-sink list position
  input  logic [$clog2(MaxTokens+1)-1:0] mid_end_i,    // tokens >= mid_end are window tokens
  input  logic [2*$clog2(MaxTokens+1)-1:0] list_n_i,   // list entries written so far, per bank
  input  logic [1:0]                 list_done_i,    // the bank's list is complete (its list_n is final)
  // The list entries each context requests next cycle (the top's registered list reads) and,
  // this cycle, the tokens of the entries they request now
  output logic                       m_list_bank_d_o,  // main context: bank
  output logic [$clog2(MaxTokens)-1:0] m_list_pos_d_o, //   and its key pointer's position
  input  logic [$clog2(MaxTokens+1)-1:0] m_list_tok_i, //   token of this cycle's entry
  output logic [$clog2(MaxTokens)-1:0] v_list_pos_d_o, //   its value pointer's position (same bank)
  input  logic [$clog2(MaxTokens+1)-1:0] v_list_tok_i, //   token of this cycle's entry
  output logic                       l_list_bank_d_o,  // LSB context: bank
  output logic [$clog2(MaxTokens)-1:0] l_list_pos_d_o, //   and position
  input  logic [$clog2(MaxTokens+1)-1:0] l_list_tok_i, //   token of this cycle's entry
  output logic                       main_free_o,    // no main phase running: a job may start
  output logic [1:0]                 bank_idle_o,    // per bank: nothing to request or in flight
  output logic                       idle_o,         // nothing requested or in flight at all
  // DRAM read port
  output logic                       req_valid_o,    // burst request valid
  input  logic                       req_ready_i,    // request accepted when valid & ready
  output logic [AddrBits-1:0]        req_addr_o,     // byte address
  output logic [$clog2(DramBurstBytes+1)-1:0] req_len_o, // bytes, 1 .. DramBurstBytes
  input  logic                       resp_valid_i,   // response beat valid
  output logic                       resp_ready_o,   // always ready: the store takes every row
  input  logic [DramBytesPerCycle*8-1:0] resp_data_i,  // response bytes, byte 0 in bits 7:0
  input  logic                       resp_last_i,    // last beat of a request
  // Completed plane rows (one cycle each)
  output logic                       wr_valid_o,     // a plane row is complete
  output logic                       wr_bank_o,      // its store bank
  output logic [$clog2(MaxTokens)-1:0] wr_pos_o,     // its list position
  output logic [1:0]                 wr_plane_o,     // 0 full key, 1 key MSB, 2 key LSB, 3 value
  output logic [RowBufBits-1:0]      wr_data_o,      // the row's bytes, byte 0 in bits 7:0
  // Byte counters' increments (the request's length, by region)
  output logic [$clog2(DramBurstBytes+1)-1:0] bytes_window_o,  // window bytes requested this cycle
  output logic [$clog2(DramBurstBytes+1)-1:0] bytes_middle_o,  // middle (heavy-hitter / retrieval) bytes
  output logic [$clog2(DramBurstBytes+1)-1:0] bytes_lsb_o      // LSB-plane bytes
);
  localparam int DataBits   = sinkattn_numerics_pkg::DataBits;
  localparam int KeyLsbBits = sinkattn_numerics_pkg::KeyLsbBits;
  localparam int KeyMsbBits = sinkattn_numerics_pkg::KeyMsbBits;

  localparam int TokW       = $clog2(MaxTokens + 1);
  localparam int PosW       = $clog2(MaxTokens);
  localparam int LenW       = $clog2(DramBurstBytes + 1);
  localparam int PlaneShift = $clog2(MaxPlane);                      // log2 PlaneStride
  if (DramBurstBytes % DramBytesPerCycle != 0 || (TagDepth & (TagDepth - 1)) != 0)
  begin : g_bad_parameters
    kv_fetch_invalid_parameters_see_header u_invalid ();
  end
  localparam int OffW       = $clog2(RowBeats * DramBytesPerCycle + 1);
  localparam int TagW       = $clog2(TagDepth);

  // Plane row sizes of the trace's D (the golden model's TokenBytes).
  logic [OffW-1:0] bytes_full, bytes_msb, bytes_lsb;
  always_comb begin
    bytes_full = OffW'((32'(head_dim_i) * 32'(DataBits) + 32'd7) >> 3);
    bytes_msb  = OffW'((32'(head_dim_i) * 32'(KeyMsbBits) + 32'd7) >> 3);
    bytes_lsb  = OffW'((32'(head_dim_i) * 32'(KeyLsbBits) + 32'd7) >> 3);
  end

  // ---------------------------------------------------------------------------------------------
  // Request side: two contexts, the LSB one first (between plane rows)
  // ---------------------------------------------------------------------------------------------
  localparam int KvW = $clog2(MaxKvHeads);
  logic            m_act_q;      // main phase running
  logic            m_bank_q;
  logic [KvW-1:0]  m_group_q;
  logic [TokW-1:0] m_pos_q;      // key pointer: the next position whose key row is requested
  logic [TokW-1:0] m_vpos_q;     // value pointer: the next position whose value row is requested
  logic            m_vplane_q;   // the row in progress (m_off_q != 0) is a value row
  logic [OffW-1:0] m_off_q;      // byte offset of the next burst in the row
  logic            l_act_q;      // LSB phase running
  logic            l_bank_q;
  logic [KvW-1:0]  l_group_q;
  logic [TokW-1:0] l_pos_q;
  logic [OffW-1:0] l_off_q;

  logic [TokW-1:0] m_list_n, l_list_n;
  logic            m_have, l_have, use_l;
  logic            k_have, v_have, sel_v;  // main: a key row / a value row to request; value row now
  logic            bank;
  logic [KvW-1:0]  group;
  logic [PosW-1:0] pos;          // a requested position is below the list length
  logic [OffW-1:0] off;
  logic [1:0]      plane;
  logic [OffW-1:0] row_bytes;
  logic [OffW-1:0] rem;
  logic [LenW-1:0] len;
  logic            last_burst;
  logic            tag_full;
  logic            req_fire;

  // Icarus-safe style: every variable written once per evaluation (see sinkattn_top.sv).
  assign m_list_n   = list_n_i[32'(m_bank_q) * TokW +: TokW];
  assign l_list_n   = list_n_i[32'(l_bank_q) * TokW +: TokW];
  assign k_have     = m_act_q && (m_pos_q < m_list_n);
  assign v_have     = m_act_q && (m_vpos_q < m_pos_q);
  assign sel_v      = (m_off_q != '0) ? m_vplane_q : !k_have;
  assign m_have     = (m_off_q != '0) || k_have || v_have;
  assign l_have     = l_act_q && (l_pos_q < l_list_n);
  // The LSB context goes first, but never into the middle of a main plane row's bursts.
  assign use_l      = l_have && (m_off_q == '0);
  assign bank       = use_l ? l_bank_q : m_bank_q;
  assign group      = use_l ? l_group_q : m_group_q;
  assign pos        = use_l ? PosW'(l_pos_q) : sel_v ? PosW'(m_vpos_q) : PosW'(m_pos_q);
  assign off        = use_l ? l_off_q : m_off_q;
  assign plane      = use_l ? 2'd2 : sel_v ? 2'd3 : pq_i ? 2'd1 : 2'd0;
  assign row_bytes  = (plane == 2'd1) ? bytes_msb : (plane == 2'd2) ? bytes_lsb : bytes_full;
  assign rem        = row_bytes - off;
  assign len        = (32'(rem) > DramBurstBytes) ? LenW'(DramBurstBytes) : LenW'(rem);
  assign last_burst = (32'(rem) <= DramBurstBytes);

  // The token of the requested entry, and each pointer's next entry: a pointer moves to the next
  // position after the last burst of its plane row.
  logic [TokW-1:0] list_tok;
  logic            m_bank_d, l_bank_d;
  logic [TokW-1:0] m_pos_d, m_vpos_d, l_pos_d;
  assign list_tok = use_l ? l_list_tok_i : sel_v ? v_list_tok_i : m_list_tok_i;
  assign m_bank_d   = start_i ? start_bank_i : m_bank_q;
  assign m_pos_d    = start_i ? first_pos_i :
                      (req_fire && !use_l && last_burst && !sel_v) ? m_pos_q + 1'b1 : m_pos_q;
  assign m_vpos_d   = start_i ? first_pos_i :
                      (req_fire && !use_l && last_burst && sel_v) ? m_vpos_q + 1'b1 : m_vpos_q;
  assign l_bank_d   = lsb_start_i ? lsb_bank_i : l_bank_q;
  assign l_pos_d    = lsb_start_i ? first_pos_i : (req_fire && use_l && last_burst) ? l_pos_q + 1'b1 : l_pos_q;
  assign m_list_bank_d_o = m_bank_d;
  assign m_list_pos_d_o  = PosW'(m_pos_d);
  assign v_list_pos_d_o  = PosW'(m_vpos_d);
  assign l_list_bank_d_o = l_bank_d;
  assign l_list_pos_d_o  = PosW'(l_pos_d);
  assign req_valid_o = (use_l | m_have) & ~tag_full;
  assign req_fire    = req_valid_o & req_ready_i;
  assign main_free_o = !m_act_q;

  // ((l * Hkv + g) * T + tok) * 4 + plane, then the plane stride and the burst offset.
  logic [AddrBits-1:0] row_index;
  always_comb begin
    row_index = ((AddrBits'(layer_i) * AddrBits'(kv_heads_i) + AddrBits'(group)) * AddrBits'(tokens_i)
                 + AddrBits'(list_tok)) * AddrBits'(4) + AddrBits'(plane);
    req_addr_o = (row_index << PlaneShift) + AddrBits'(off);
  end
  assign req_len_o = len;

  // Region of the request, for the byte counters.
  assign bytes_lsb_o    = (req_fire && plane == 2'd2) ? len : '0;
  assign bytes_window_o = (req_fire && plane != 2'd2 && list_tok >= mid_end_i) ? len : '0;
  assign bytes_middle_o = (req_fire && plane != 2'd2 && list_tok < mid_end_i) ? len : '0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      m_act_q    <= 1'b0;
      m_bank_q   <= 1'b0;
      m_group_q  <= '0;
      m_pos_q    <= '0;
      m_vpos_q   <= '0;
      m_vplane_q <= 1'b0;
      m_off_q    <= '0;
      l_act_q    <= 1'b0;
      l_bank_q   <= 1'b0;
      l_group_q  <= '0;
      l_pos_q    <= '0;
      l_off_q    <= '0;
    end else begin
      // Main context.
      if (start_i) begin
        m_act_q    <= 1'b1;
        m_group_q  <= start_group_i;
        m_vplane_q <= 1'b0;
        m_off_q    <= '0;
      end else if (req_fire && !use_l) begin
        m_vplane_q <= sel_v;
        if (!last_burst) m_off_q <= m_off_q + OffW'(len);
        else             m_off_q <= '0;
      end else if (m_act_q && list_done_i[m_bank_q] && !m_have) begin
        m_act_q <= 1'b0;  // every position of the finished list is requested
      end
      // LSB context (its list is complete when it starts).
      if (lsb_start_i) begin
        l_act_q   <= 1'b1;
        l_group_q <= lsb_group_i;
        l_off_q   <= '0;
      end else if (req_fire && use_l) begin
        if (!last_burst) begin
          l_off_q <= l_off_q + OffW'(len);
        end else begin
          l_off_q <= '0;
        end
      end else if (l_act_q && !l_have) begin
        l_act_q <= 1'b0;
      end
      // Each context's list entry (its next value addresses the top's list reads).
      m_bank_q <= m_bank_d;
      m_pos_q  <= m_pos_d;
      m_vpos_q <= m_vpos_d;
      l_bank_q <= l_bank_d;
      l_pos_q  <= l_pos_d;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Tag FIFO
  // ---------------------------------------------------------------------------------------------
  localparam int TagEntry = 1 + PosW + 2 + 1;  // {bank, pos, plane, last burst of the row}
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
    if (req_fire) tag_mem[tag_wr_q[TagW-1:0]] <= {bank, pos, plane, last_burst};
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

  assign idle_o = !m_act_q && !l_act_q && (tag_wr_q == tag_rd_q);

  // Requests in flight per bank (a bank is released only when its count is zero).
  logic [TagW:0] infl_q [0:1];
  for (genvar b = 0; b < 2; b++) begin : g_bank
    logic inc, dec;
    assign inc = req_fire && (bank == 1'(b));
    assign dec = tag_pop && (tag_head[TagEntry-1] == 1'(b));
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) infl_q[b] <= '0;
      else if (inc && !dec) infl_q[b] <= infl_q[b] + 1'b1;
      else if (dec && !inc) infl_q[b] <= infl_q[b] - 1'b1;
    end
    assign bank_idle_o[b] = !(m_act_q && m_bank_q == 1'(b)) && !(l_act_q && l_bank_q == 1'(b)) && infl_q[b] == '0;
  end

  // ---------------------------------------------------------------------------------------------
  // Response side: assemble the row
  // ---------------------------------------------------------------------------------------------
  logic [RowBufBits-1:0] asm_q, asm_now;
  logic [OffW-1:0]       asm_off_q;

  for (genvar b = 0; b < RowBeats; b++) begin : g_asm
    assign asm_now[b*DramBytesPerCycle*8 +: DramBytesPerCycle*8] =
      (32'(asm_off_q) == b * DramBytesPerCycle) ? resp_data_i : asm_q[b*DramBytesPerCycle*8 +: DramBytesPerCycle*8];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      asm_off_q <= '0;
    end else if (resp_fire) begin
      if (resp_last_i && tag_head[0]) asm_off_q <= '0;
      else asm_off_q <= asm_off_q + OffW'(DramBytesPerCycle);
    end
  end
  always_ff @(posedge clk_i) begin
    if (resp_fire) asm_q <= asm_now;
  end

  assign wr_valid_o = tag_pop & tag_head[0];
  assign wr_bank_o  = tag_head[TagEntry-1];
  assign wr_pos_o   = tag_head[TagEntry-2 -: PosW];
  assign wr_plane_o = tag_head[2:1];
  assign wr_data_o  = asm_now;
endmodule
