// The front of sinkattn_top: the list scan of the job one ahead of the rows, and the bookkeeping
// of the two banks of the read list and K/V store (docs/policy.md, "Double buffering" in
// rtl/sinkattn_top.sv's header).
//
// A job is one KV head g of the (step, layer) run. The front takes job fg_q into bank fg_q[0]
// when the back (the controller's rows) is in the job phase, the bank has been released by the
// job two before and, if the job fetches anything, the K/V fetch's main context is free. It then
// scans tokens 0..t and appends each token the job reads (sinks, the window, and the middle by
// the head policy and the alive bitmap) to the bank's list, which the fetch follows as it grows.
// The scan looks at one word of the alive bitmap a cycle, ScanWidth tokens: it appends the first
// token at or after tok_q in that word that the job reads and moves past it, or, when the word
// has none, moves to the next word. So a middle of evicted tokens costs a cycle per word, not per
// token, and the fetch gets the job's first middle token sooner. The next position depends on the
// word read this cycle, so the bitmap's read address for the next cycle (scan_tok_d_o) follows
// from it. A streaming head reads no middle token, so its scan jumps from the sinks to the window
// (otherwise the fetch would wait for the scan to cross the middle). A job whose query heads are
// all pruned at this layer is taken as an empty, complete list without a scan.
//
// Per bank it keeps: busy (from the take to the controller's release), listed (the list is
// complete), the list length, the take's cycle (the job event's start stamp), the store's
// done pointers (positions below are in the store, per plane kind; the fetch writes a bank's rows
// of one kind in list order), and which job it holds and whether that job's list was scanned in
// this run (the eviction scan walks such a list instead of the tokens; rtl/sinkattn_top.sv).
//
// The alive bitmap's read port is shared with the controller's eviction (rtl/sinkattn_top.sv,
// "Alive bitmap"): a word the front asked for is only there the cycle after the port was the
// front's (scan_word_ok_i); otherwise the scan holds and asks for its word again.
//
// The controller's pulses win over the front's own updates: run_start_i restarts the job
// counter, release_i frees the back's bank.
module sinkattn_front #(
  parameter int MaxTokens  = 4096,  // hw.max_tokens: list positions and token indices
  parameter int MaxQHeads  = 32,    // hw.max_q_heads: query heads (the alive mask's width)
  parameter int MaxKvHeads = 32,    // hw.max_kv_heads: KV heads, one job each
  parameter int ScanWidth  = 8,     // hw.scan_width: tokens per alive-bitmap word (a power of two)
  // Derived, not to be overridden (the port list uses them)
  localparam int TokW    = $clog2(MaxTokens + 1),  // token counts and indices 0..MaxTokens
  localparam int PosW    = $clog2(MaxTokens),      // list positions
  localparam int KvW     = $clog2(MaxKvHeads),     // KV head index
  localparam int PolBits = sinkattn_host_pkg::PolicyBits,
  localparam int HeadBits = sinkattn_host_pkg::HeadBits  // head counts and indices (host contract)
) (
  input  logic                 clk_i,             // clock
  input  logic                 rst_ni,            // asynchronous reset, active low
  // From the controller
  input  logic                 run_start_i,       // pulse: a RUN was accepted; the next job is 0
  input  logic                 in_jobs_i,         // the back is in the job phase of the run
  input  logic                 release_i,         // pulse: the back's job is over, its bank is free
  input  logic                 release_bank_i,    //   that bank
  input  logic [63:0]          cyc_i,             // cycle counter (the take's stamp)
  // The run's configuration and derived step values (stable during a run)
  input  logic [TokW-1:0]      step_i,            // decode step t: the scan covers tokens 0..t
  input  logic [HeadBits-1:0]  kv_heads_i,        // trace Hkv: jobs per run
  input  logic [HeadBits-1:0]  group_i,           // query heads per KV head
  input  logic                 ghead_i,           // per-head granularity: one alive list per KV head
  input  logic [TokW-1:0]      sinks_end_i,       // tokens below are sinks (from the sink SRAM)
  input  logic [TokW-1:0]      mid_end_i,         // tokens from here on are the window
  input  logic [PolBits*MaxKvHeads-1:0] layer_policy_i,  // head policy per KV head of this layer
  input  logic [MaxQHeads-1:0] head_alive_i,      // per query head: not pruned at this layer
  // Alive bitmap read for the scan's word (the top's alive bitmap cell, read a cycle ahead)
  output logic [KvW-1:0]       scan_list_o,       // alive list of the front's job
  output logic [TokW-1:0]      scan_tok_d_o,      // the scan's position next cycle (its word is the
                                                  //   alive bitmap read's address)
  input  logic [ScanWidth-1:0] scan_word_evicted_i,  // lane i: token tok_q's word base + i is
                                                  //   evicted at this layer
  input  logic                 scan_word_ok_i,    // the read word is the one scan_tok_d_o asked
                                                  //   for last cycle (the port was the front's)
  // K/V fetch
  input  logic                 fetch_main_free_i, // the fetch's main context can take a job
  output logic                 fetch_start_o,     // pulse: the taken job fetches (some head alive)
  output logic                 bank_o,            // bank of the front's job
  output logic [KvW-1:0]       job_o,             // the front's job (KV head) (the fetch's start group)
  // List writes
  output logic                 list_we_o,         // append token list_tok_o to bank bank_o ...
  output logic [TokW-1:0]      list_tok_o,        //   the token
  output logic [PosW-1:0]      list_pos_o,        //   at this position
  output logic                 scanning_o,        // a list scan is running (a counter's event)
  // Per bank, bank b at [b*W +: W]
  output logic [1:0]           busy_o,            // held by a job (take to release)
  output logic [1:0]           listed_o,          // the job's list is complete
  output logic [2*TokW-1:0]    list_n_o,          // list length so far
  output logic [2*64-1:0]      start_o,           // cycle the front took the job
  output logic [2*KvW-1:0]     job_of_o,          // the job (KV head) the bank holds
  output logic [1:0]           walked_o,          // the bank's list was scanned in this run (its
                                                  //   job was taken with a head alive)
  // Store writes (kv_fetch's completed plane rows) and the store's done pointers
  input  logic                 wr_valid_i,        // a plane row is written into the store
  input  logic                 wr_bank_i,         //   its bank
  input  logic [PosW-1:0]      wr_pos_i,          //   its list position
  input  logic [1:0]           wr_plane_i,        //   0 full key, 1 key MSB, 2 key LSB, 3 value
  output logic [2*TokW-1:0]    k_done_o,          // positions below have their keys in the store,
  output logic [2*TokW-1:0]    v_done_o,          //   their values,
  output logic [2*TokW-1:0]    lsb_done_o         //   their key LSB planes
);

  logic [1:0]      busy_q;                 // per bank: held by a job
  logic [1:0]      listed_q;               // per bank: list complete
  logic [TokW-1:0] n_q        [0:1];       // per bank: list length so far
  logic [63:0]     start_q    [0:1];       // per bank: take stamp
  logic [TokW-1:0] k_done_q   [0:1];       // per bank: store done pointers
  logic [TokW-1:0] v_done_q   [0:1];
  logic [TokW-1:0] lsb_done_q [0:1];
  logic [KvW-1:0]  job_of_q   [0:1];       // per bank: its job
  logic [1:0]      walked_q;               // per bank: scanned in this run
  logic [KvW:0]    job_q;                  // next job (KV head) the front takes
  logic [HeadBits-1:0] head_base_q;        // its first query head
  logic            scan_q;                 // scanning job job_q's tokens
  logic [TokW-1:0] tok_q;                  // scan position: the first token not yet looked at

  // A word of whole lanes that tiles the tokens: the last word ends at MaxTokens, so the scan's
  // next position never wraps TokW (the configuration loader's rule for hw.scan_width).
  if (ScanWidth < 1 || (ScanWidth & (ScanWidth - 1)) != 0 || MaxTokens % ScanWidth != 0)
  begin : g_bad_parameters
    sinkattn_front_invalid_parameters_see_header u_invalid ();
  end

  // Job fg's head policy, its alive list and whether any of its query heads is alive.
  logic                 bank, take, active;
  logic [PolBits-1:0]   pol;
  logic                 skip_mid;          // the job reads no middle token (streaming head)
  logic [TokW-1:0]      tok_first, tok_next;  // the scan's first position and its next
  logic                 scan_last;         // the scan's last cycle: tok_next is past the step
  logic [MaxQHeads-1:0] group_alive;
  assign bank = job_q[0];
  assign pol  = layer_policy_i[PolBits*KvW'(job_q) +: PolBits];
  for (genvar h = 0; h < MaxQHeads; h++) begin : g_group_alive
    assign group_alive[h] = (h >= 32'(head_base_q)) && (h < 32'(head_base_q) + 32'(group_i)) && head_alive_i[h];
  end
  assign active = |group_alive;
  // The scan's walk: 0 .. t, word by word, over the middle [sinks_end, mid_end) in one step when
  // it is skipped (mid_end <= t: the window is never empty, so the walk still ends at t).
  assign skip_mid  = (pol == sinkattn_host_pkg::PolicyStreaming) && sinks_end_i < mid_end_i && mid_end_i <= step_i;
  assign tok_first = (skip_mid && sinks_end_i == '0) ? mid_end_i : '0;
  // The word's lanes: lane i is token base + i; the first lane at or after tok_q (and not past the
  // step) whose token the job reads is appended.
  logic [TokW-1:0]        word_base;
  logic [ScanWidth-1:0]   lane_rd;         // lane i's token is read by the job
  logic                   found;
  logic [TokW-1:0]        first_lane;      // the lowest lane whose token is read
  logic [TokW-1:0]        emit_tok, next_pos;
  assign word_base = (tok_q / TokW'(ScanWidth)) * TokW'(ScanWidth);
  for (genvar i = 0; i < ScanWidth; i++) begin : g_lane
    logic [TokW-1:0] lt;
    assign lt         = word_base + TokW'(i);
    assign lane_rd[i] = lt >= tok_q && lt <= step_i &&
                        (lt < sinks_end_i || lt >= mid_end_i || pol == sinkattn_host_pkg::PolicyRetrieval ||
                         (pol == sinkattn_host_pkg::PolicyTopk && !scan_word_evicted_i[i]));
  end
  first_set #(.Width(ScanWidth), .IndexBits(TokW)) u_first (
    .bits_i(lane_rd), .found_o(found), .index_o(first_lane)
  );
  assign emit_tok  = word_base + first_lane;
  assign next_pos  = found ? emit_tok + 1'b1 : word_base + TokW'(ScanWidth);
  assign tok_next  = (skip_mid && next_pos >= sinks_end_i && next_pos < mid_end_i) ? mid_end_i : next_pos;
  assign scan_last = tok_next > step_i;
  // The front takes job job_q when the back is in the job phase, the job's bank is free and (if
  // the job fetches anything) the fetch's main context is free.
  assign take = in_jobs_i && !scan_q && (HeadBits'(job_q) < kv_heads_i) && !busy_q[bank] && (fetch_main_free_i || !active);
  // The list scan appends the word's first token the job reads at (t, l, fg).
  assign list_we_o  = scan_q && found && scan_word_ok_i;
  assign list_tok_o = emit_tok;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= '0; listed_q <= '0; walked_q <= '0;
      for (int b = 0; b < 2; b++) begin
        n_q[b] <= '0; start_q[b] <= '0; k_done_q[b] <= '0; v_done_q[b] <= '0; lsb_done_q[b] <= '0;
        job_of_q[b] <= '0;
      end
      job_q <= '0; head_base_q <= '0; scan_q <= 1'b0; tok_q <= '0;
    end else begin
      // Store pointers (per bank, the fetch writes rows in list order).
      if (wr_valid_i) begin
        if (wr_plane_i == 2'd2)      lsb_done_q[wr_bank_i] <= TokW'(wr_pos_i) + 1'b1;
        else if (wr_plane_i == 2'd3) v_done_q[wr_bank_i]   <= TokW'(wr_pos_i) + 1'b1;
        else                         k_done_q[wr_bank_i]   <= TokW'(wr_pos_i) + 1'b1;
      end
      // Take a job into its bank, then scan its list.
      if (take) begin
        busy_q[bank]     <= 1'b1;
        start_q[bank]    <= cyc_i;
        n_q[bank]        <= '0;
        k_done_q[bank]   <= sinks_end_i;
        v_done_q[bank]   <= sinks_end_i;
        lsb_done_q[bank] <= sinks_end_i;
        tok_q            <= tok_first;
        job_of_q[bank]   <= KvW'(job_q);
        walked_q[bank]   <= active;
        if (active) begin
          listed_q[bank] <= 1'b0;
          scan_q         <= 1'b1;
        end else begin
          listed_q[bank] <= 1'b1;  // every head of the group is pruned: an empty job
          job_q          <= job_q + 1'b1;
          head_base_q    <= head_base_q + group_i;
        end
      end else if (scan_q && scan_word_ok_i) begin
        if (list_we_o) n_q[bank] <= n_q[bank] + 1'b1;
        if (scan_last) begin
          listed_q[bank] <= 1'b1;
          scan_q         <= 1'b0;
          job_q          <= job_q + 1'b1;
          head_base_q    <= head_base_q + group_i;
        end else begin
          tok_q <= tok_next;
        end
      end
      // The controller's pulses, after (over) the front's own updates.
      if (run_start_i) begin
        job_q       <= '0;
        head_base_q <= '0;
        walked_q    <= '0;
      end
      if (release_i) busy_q[release_bank_i] <= 1'b0;
    end
  end

  assign scan_list_o   = ghead_i ? KvW'(job_q) : '0;
  assign scan_tok_d_o  = take ? tok_first : (scan_q && scan_word_ok_i && !scan_last) ? tok_next : tok_q;
  assign fetch_start_o = take && active;
  assign bank_o        = bank;
  assign job_o         = KvW'(job_q);
  assign list_pos_o    = PosW'(n_q[bank]);
  assign scanning_o    = scan_q;
  assign busy_o        = busy_q;
  assign walked_o      = walked_q;
  assign listed_o      = listed_q;
  for (genvar b = 0; b < 2; b++) begin : g_bank_out
    assign list_n_o[b*TokW +: TokW]   = n_q[b];
    assign start_o[b*64 +: 64]        = start_q[b];
    assign job_of_o[b*KvW +: KvW]     = job_of_q[b];
    assign k_done_o[b*TokW +: TokW]   = k_done_q[b];
    assign v_done_o[b*TokW +: TokW]   = v_done_q[b];
    assign lsb_done_o[b*TokW +: TokW] = lsb_done_q[b];
  end
endmodule
