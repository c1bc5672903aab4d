// The slot store (docs/slot_store.md): the importance state of every ranked alive list, kept per
// scored token instead of per context position. Per (scope, list), addressed {scope, list} on the
// ports below:
//   - the order array O[0 .. n): the list's scored tokens in token order, each {evicted-at mask,
//     token}, ScanWidth entries a word (so that a scan skips a word of dead entries a cycle);
//   - the scores I[0 .. n): ImportanceBits each, at their entry's position;
//   - {n, next}: the entries, and the token after the last one appended.
// A token's position is its address in I until the next maintenance pass of its list; a drop
// only sets mask bits, so positions stay put between two passes.
//
// This block owns the memories and the three operations that rewrite them:
//   - clear (OpClear): every (scope, list) below the counts empty, one a cycle;
//   - load (OpImportance): the host's initial score of token j at position j - S, n = j - S + 1,
//     next = j + 1 (a list's loads come in token order from S);
//   - the maintenance pass of one (scope, list): the entries whose mask has every bit of the
//     dead mask set are dropped, the others move down in order with their scores (read port
//     ahead, write port behind), then the tokens from max(S, next) to t are appended with score
//     0. Busy for n + appended + 2 cycles after the cycle that starts it.
// While not busy, the ports below are the user's (the top's scans, drops and importance
// updates); a clear or a pass starts only while the user leaves them alone.
//
// The memories are ram_2p cells: O (a write lane per entry), I, and {n, next}; one reader and
// one writer each.
`default_nettype none

module sinkattn_slot_store #(
  parameter int MaxLayers  = 32,    // hw.max_layers: scopes, and the bits of an evicted-at mask
  parameter int MaxKvHeads = 32,    // hw.max_kv_heads: lists per scope
  parameter int Slots      = 136,   // hw.slots: entries per (scope, list), a multiple of ScanWidth
  parameter int ScanWidth  = 8,     // hw.scan_width: entries per order-array word
  parameter int MaxTokens  = 4096,  // hw.max_tokens: token indices 0 .. MaxTokens - 1
  parameter int ScoreW     = 48,    // ImportanceBits
  // Derived, not to be overridden (the port list uses them)
  localparam int LayW   = (MaxLayers > 1) ? $clog2(MaxLayers) : 1,
  localparam int KvW    = (MaxKvHeads > 1) ? $clog2(MaxKvHeads) : 1,
  localparam int SlW    = LayW + KvW,                  // {scope, list}
  localparam int TokW   = $clog2(MaxTokens + 1),       // token indices and counts
  localparam int EntryW = MaxLayers + TokW,            // {evicted-at mask, token}
  localparam int Words  = Slots / ScanWidth,           // order-array words per (scope, list)
  localparam int WordW  = (Words > 1) ? $clog2(Words) : 1,
  localparam int SlotW  = (Slots > 1) ? $clog2(Slots) : 1,  // positions 0 .. Slots - 1
  localparam int CntW   = $clog2(Slots + 1)            // entry counts 0 .. Slots
) (
  input  logic                        clk_i,           // clock
  input  logic                        rst_ni,          // asynchronous reset, active low
  // Operations, each started by a one-cycle pulse while busy_o is low
  input  logic                        clear_i,         // empty every {scope, list} below the counts
  input  logic [LayW:0]               clear_scopes_i,  //   scopes (1 .. MaxLayers)
  input  logic [KvW:0]                clear_lists_i,   //   lists per scope (1 .. MaxKvHeads)
  input  logic                        pass_i,          // the maintenance pass of sl_i
  input  logic                        load_i,          // the host's initial score of load_tok_i in sl_i
  input  logic [SlW-1:0]              sl_i,            // {scope, list} of the pass or the load
  input  logic [MaxLayers-1:0]        dead_mask_i,     // pass: an entry with all these bits set is dead (non-zero)
  input  logic [TokW-1:0]             first_tok_i,     // S: the list's first token (pass, load)
  input  logic [TokW-1:0]             last_tok_i,      // pass: t, the last token appended
  input  logic [TokW-1:0]             load_tok_i,      // load: the token (>= S)
  input  logic [ScoreW-1:0]           load_score_i,    //   its score
  output logic                        busy_o,          // a clear or a pass runs; the ports below wait
  // {n, next} of len_sl_i, from the next cycle
  input  logic [SlW-1:0]              len_sl_i,        // {scope, list}
  output logic [CntW-1:0]             len_n_o,         // entries
  output logic [TokW-1:0]             len_next_o,      // the token after the last appended (0: none yet)
  // Order array: a word read (from the next cycle), an entry write
  input  logic [SlW-1:0]              o_rsl_i,         // {scope, list} of the word read
  input  logic [WordW-1:0]            o_rword_i,       //   its word (entries w * ScanWidth ..)
  output logic [ScanWidth*EntryW-1:0] o_rdata_o,       // entry i at [i*EntryW +: EntryW]
  input  logic                        o_we_i,          // write one entry
  input  logic [SlW-1:0]              o_wsl_i,         //   {scope, list}
  input  logic [SlotW-1:0]            o_wpos_i,        //   its position
  input  logic [EntryW-1:0]           o_wentry_i,      //   {evicted-at mask, token}
  // Scores: a read (from the next cycle), a write
  input  logic [SlW-1:0]              i_rsl_i,         // {scope, list} of the score read
  input  logic [SlotW-1:0]            i_rpos_i,        //   its position
  output logic [ScoreW-1:0]           i_rdata_o,       // the score
  input  logic                        i_we_i,          // write one score
  input  logic [SlW-1:0]              i_wsl_i,         //   {scope, list}
  input  logic [SlotW-1:0]            i_wpos_i,        //   its position
  input  logic [ScoreW-1:0]           i_wdata_i        //   the score
);

  localparam int Lists  = MaxLayers * MaxKvHeads;      // (scope, list) pairs
  localparam int ListW  = (Lists > 1) ? $clog2(Lists) : 1;

  // The linear index of {scope, list}: scope * MaxKvHeads + list (the cells hold Lists regions,
  // not the padded 2^SlW).
  function automatic logic [ListW-1:0] list_index(input logic [SlW-1:0] sl);
    list_index = ListW'(32'(sl[SlW-1 -: LayW]) * MaxKvHeads + 32'(sl[KvW-1:0]));
  endfunction

  // =============================================================================================
  // Controller: idle, the clear's walk, and the pass's length read, walk, appends and end
  // =============================================================================================
  typedef enum logic [2:0] {SIdle, SClear, SLen, SWalk, SApp, SEnd} state_e;
  state_e st_q;
  logic [ListW-1:0]     li_q;             // the pass's list, or the clear's next
  logic [LayW:0]        cs_q, cs_n_q;     // the clear's scope, and its count of scopes
  logic [KvW:0]         cl_q, cl_n_q;     //   its list, and its count of lists
  logic [MaxLayers-1:0] dead_q;           // the pass's dead mask
  logic [TokW-1:0]      first_q, last_q;  //   S and t
  logic [CntW-1:0]      n_q;              //   entries before it
  logic [CntW-1:0]      r_q;              //   the entry it reads (walk)
  logic [CntW-1:0]      w_q;              //   the position it writes next
  logic [TokW-1:0]      a_q;              //   the next token to append

  // The pass's reads, a cycle ahead of their use: entry r's word and score.
  logic [CntW-1:0]       r_d;             // the walk's next entry
  logic [EntryW-1:0]     walk_entry;      // entry r_q, from its word
  logic                  walk_dead;
  logic [ScanWidth*EntryW-1:0] o_rdata;
  logic [ScoreW-1:0]     i_rdata;
  logic [CntW-1:0]       len_n;
  logic [TokW-1:0]       len_next;
  logic [TokW-1:0]       next_tok;        // at SLen: the first token to append, max(S, next)
  assign next_tok   = (len_next < first_q) ? first_q : len_next;
  assign r_d        = (st_q == SWalk) ? r_q + 1'b1 : '0;
  assign walk_entry = o_rdata[(32'(r_q) % ScanWidth) * EntryW +: EntryW];
  // (A zero dead mask kills nothing: the top always names a layer.)
  assign walk_dead  = (dead_q != '0) && ((walk_entry[TokW +: MaxLayers] & dead_q) == dead_q);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q <= SIdle; li_q <= '0; cs_q <= '0; cl_q <= '0; cs_n_q <= '0; cl_n_q <= '0; dead_q <= '0; first_q <= '0; last_q <= '0;
      n_q <= '0; r_q <= '0; w_q <= '0; a_q <= '0;
    end else begin
      case (st_q)
        SIdle: begin
          if (clear_i) begin
            cs_q <= '0; cl_q <= '0; li_q <= '0; cs_n_q <= clear_scopes_i; cl_n_q <= clear_lists_i;
            st_q <= SClear;
          end else if (pass_i) begin
            li_q <= list_index(sl_i); dead_q <= dead_mask_i; first_q <= first_tok_i; last_q <= last_tok_i;
            st_q <= SLen;
          end
        end
        SClear: begin  // {scope cs, list cl} emptied this cycle (li_q)
          if (32'(cl_q) + 1 < 32'(cl_n_q)) begin
            cl_q <= cl_q + 1'b1;
            li_q <= li_q + 1'b1;
          end else if (32'(cs_q) + 1 < 32'(cs_n_q)) begin
            cl_q <= '0;
            cs_q <= cs_q + 1'b1;
            li_q <= ListW'((32'(cs_q) + 1) * MaxKvHeads);
          end else begin
            st_q <= SIdle;
          end
        end
        SLen: begin  // {n, next} is here; entry 0's word and score are read
          n_q <= len_n;
          r_q <= '0;
          w_q <= '0;
          a_q <= next_tok;
          st_q <= (len_n != '0) ? SWalk : (next_tok <= last_q) ? SApp : SEnd;
        end
        SWalk: begin  // entry r: kept at w unless dead
          if (!walk_dead) w_q <= w_q + 1'b1;
          r_q <= r_d;
          if (r_d == n_q) st_q <= (a_q <= last_q) ? SApp : SEnd;
        end
        SApp: begin  // token a appended at w
          w_q <= w_q + 1'b1;
          a_q <= a_q + 1'b1;
          if (a_q == last_q) st_q <= SEnd;
        end
        SEnd: st_q <= SIdle;  // {n, next} written
        default: st_q <= SIdle;
      endcase
    end
  end
  assign busy_o = (st_q != SIdle);

  // =============================================================================================
  // {n, next}: read at the pass's start (its first cycle) or for the user; written by the clear,
  // a load and the pass's end.
  // =============================================================================================
  logic                 len_we;
  logic [ListW-1:0]     len_waddr;
  logic [CntW+TokW-1:0] len_wdata;
  logic [SlotW-1:0]     load_pos;
  assign load_pos  = SlotW'(load_tok_i - first_tok_i);
  assign len_we    = (st_q == SClear) || (st_q == SEnd) || load_i;
  assign len_waddr = (st_q == SIdle) ? list_index(sl_i) : li_q;
  assign len_wdata = (st_q == SClear) ? '0 :
                     (st_q == SEnd)   ? {w_q, a_q} :
                                        {CntW'(32'(load_pos) + 1), TokW'(load_tok_i + 1'b1)};
  ram_2p #(.Width(CntW + TokW), .Depth(Lists < 2 ? 2 : Lists)) u_len (
    .clk_i, .we_i(len_we), .waddr_i(len_waddr), .wdata_i(len_wdata), .wmask_i(1'b1),
    .re_i(1'b1), .raddr_i((st_q == SIdle && pass_i) ? list_index(sl_i) : list_index(len_sl_i)),
    .rdata_o({len_n, len_next})
  );
  assign len_n_o    = len_n;
  assign len_next_o = len_next;

  // =============================================================================================
  // Order array: a word of ScanWidth entries, a write lane per entry. The pass reads entry r_d's
  // word and writes a kept entry at w_q <= r_q (a lane the read a cycle later never needs), or
  // an appended one; a load writes its token's entry.
  // =============================================================================================
  localparam int OWords = Lists * Words;
  localparam int OAW    = (OWords > 1) ? $clog2(OWords) : 1;
  function automatic logic [OAW-1:0] o_addr(input logic [ListW-1:0] li, input logic [SlotW-1:0] pos);
    o_addr = OAW'(32'(li) * Words + 32'(pos) / ScanWidth);
  endfunction
  logic                 pass_on;          // the pass owns the ports (its length read onwards)
  logic                 o_we;
  logic [OAW-1:0]       o_waddr, o_raddr;
  logic [EntryW-1:0]    o_wentry;
  logic [SlotW-1:0]     o_wpos;
  assign pass_on  = (st_q == SLen) || (st_q == SWalk) || (st_q == SApp) || (st_q == SEnd);
  assign o_wpos   = (st_q == SWalk || st_q == SApp) ? SlotW'(w_q) : load_i ? load_pos : o_wpos_i;
  assign o_we     = (st_q == SWalk && !walk_dead) || (st_q == SApp) || load_i || o_we_i;
  assign o_waddr  = (st_q == SWalk || st_q == SApp) ? o_addr(li_q, o_wpos) :
                    load_i ? o_addr(list_index(sl_i), o_wpos) : o_addr(list_index(o_wsl_i), o_wpos);
  assign o_wentry = (st_q == SWalk) ? walk_entry :
                    (st_q == SApp)  ? {MaxLayers'(0), a_q} :
                    load_i          ? {MaxLayers'(0), load_tok_i} : o_wentry_i;
  assign o_raddr  = pass_on ? o_addr(li_q, SlotW'(r_d)) : o_addr(list_index(o_rsl_i), SlotW'(32'(o_rword_i) * ScanWidth));
  ram_2p #(.Width(ScanWidth * EntryW), .Depth(OWords < 2 ? 2 : OWords), .MaskBits(EntryW)) u_ord (
    .clk_i, .we_i(o_we), .waddr_i(o_waddr), .wdata_i({ScanWidth{o_wentry}}),
    .wmask_i(ScanWidth'(1) << (32'(o_wpos) % ScanWidth)),
    .re_i(1'b1), .raddr_i(o_raddr), .rdata_o(o_rdata)
  );
  assign o_rdata_o = o_rdata;

  // =============================================================================================
  // Scores, at their entries' positions: the pass reads entry r_d's and writes a kept one's at
  // w_q (the same cycle its entry moves), an appended token's 0; a load writes the host's.
  // =============================================================================================
  localparam int IWords = Lists * Slots;
  localparam int IAW    = (IWords > 1) ? $clog2(IWords) : 1;
  function automatic logic [IAW-1:0] i_addr(input logic [ListW-1:0] li, input logic [SlotW-1:0] pos);
    i_addr = IAW'(32'(li) * Slots + 32'(pos));
  endfunction
  logic              i_we;
  logic [IAW-1:0]    i_waddr, i_raddr;
  logic [ScoreW-1:0] i_wdata;
  assign i_we    = (st_q == SWalk && !walk_dead) || (st_q == SApp) || load_i || i_we_i;
  assign i_waddr = (st_q == SWalk || st_q == SApp) ? i_addr(li_q, SlotW'(w_q)) :
                   load_i ? i_addr(list_index(sl_i), load_pos) : i_addr(list_index(i_wsl_i), i_wpos_i);
  assign i_wdata = (st_q == SWalk) ? i_rdata : (st_q == SApp) ? '0 : load_i ? load_score_i : i_wdata_i;
  assign i_raddr = pass_on ? i_addr(li_q, SlotW'(r_d)) : i_addr(list_index(i_rsl_i), i_rpos_i);
  ram_2p #(.Width(ScoreW), .Depth(IWords < 2 ? 2 : IWords)) u_score (
    .clk_i, .we_i(i_we), .waddr_i(i_waddr), .wdata_i(i_wdata), .wmask_i(1'b1),
    .re_i(1'b1), .raddr_i(i_raddr), .rdata_o(i_rdata)
  );
  assign i_rdata_o = i_rdata;

`ifndef SYNTHESIS
  // The capacity is the configuration loader's and the planner's promise (hw.slots); a write
  // past it is a bug upstream, not a case to handle.
  always @(posedge clk_i) begin
    if (st_q == SApp && 32'(w_q) >= Slots)
      $fatal(1, "sinkattn_slot_store: list %0d overflows its %0d slots appending token %0d", li_q, Slots, a_q);
    if (load_i && (load_tok_i < first_tok_i || 32'(load_tok_i) - 32'(first_tok_i) >= Slots))
      $fatal(1, "sinkattn_slot_store: load of token %0d outside slots %0d .. %0d", load_tok_i, first_tok_i,
             32'(first_tok_i) + Slots - 1);
    if (busy_o && (clear_i || pass_i || load_i || o_we_i || i_we_i))
      $fatal(1, "sinkattn_slot_store: an operation or a write while busy");
  end
  initial begin
    if (Slots % ScanWidth != 0) $fatal(1, "sinkattn_slot_store: Slots %0d is not a multiple of ScanWidth %0d", Slots, ScanWidth);
  end
`endif

endmodule

`default_nettype wire
