// sinkattn accelerator top: the policy engine of docs/policy.md in hardware, bit-exact with the
// golden model (model/src/golden.cpp) and with the same DRAM bytes by region.
//
// The host (the co-simulation harness) loads the trace shape, the plan (budgets, head keeps,
// per-(layer, KV head) policies) and the sink SRAM through the command interface, then runs one
// (step, layer) at a time: it writes the query vectors of every query head and issues RUN. The
// controller then follows docs/policy.md's order exactly:
//   1. head pruning (after the warm-up): the alive heads' importance through the top-k engine;
//   2. per KV head g (a "job"): scan tokens 0..t into the read list (sinks, the middle by the
//      head policy and the alive bitmap, the window), fetch the non-sink K/V from DRAM while the
//      list grows (kv_fetch), then the job's query heads in groups of up to PvLanes rows: Q.K
//      row by row (MSB keys with progressive quantization), the group's softmax, and either the
//      P.V pass of its rows together, a token a cycle (accumulating token importance from the
//      probabilities and head importance from |out|) or, when a row's maximum probability is
//      below tau, an LSB fetch (once per job) and the group again, those rows with full keys;
//   3. eviction: each alive list a topk head uses and that is over budget goes through the
//      top-k engine; evicted tokens leave this layer and, with cascade, every deeper one.
// Prefill (docs/policy.md, "Prefill importance"): the host loads each prompt token's initial
// importance (OpImportance, one word a cycle while idle), then a RUN with the prefill bit runs
// step 3 alone for its layer at step P - 1, cutting the prompt's over-budget lists before the
// first decode step.
// Rows leave on the row port in (layer, head) order, pruned heads with zeros; every phase
// leaves an event with its first and last cycle on the event port (rtl/top_latency.md).
//
// Double buffering: the list scan and the main K/V fetch (the "front") run one job ahead of the
// rows (the "back"). The read list and the K/V store have two banks, one job each: while the
// rows of job g read bank g mod 2, the front scans and fetches job g + 1 into the other bank.
// The front starts a job when its bank has been released by the job two before and the
// fetch's main context is free; the rows of a job start when its list is complete.
//
// Groups in flight: a row issue state machine (is_q) feeds the job's rows into the Q.K lanes in
// groups of up to PvLanes rows while the controller retires the older groups in order; the
// softmax unit keeps a group's rows and sends them out a token of every row a cycle, so all rows
// consume each value together as it arrives (docs/group_retire.md). With progressive
// quantization the issue stops at each group until its decision; a recompute sends the group
// again (rtl/top_latency.md, "The row issue").
//
// On-chip state: sink SRAM (preloaded, read-only during decode), two-bank K/V store (MSB, LSB,
// value planes per list position), alive bitmap (one MaxLayers-bit evicted mask per (list,
// token), so a cascade eviction is one write; ScanWidth tokens a word, so the list scan sees a
// word a cycle), token importance (scope, list, token) and head
// importance and head-pruned masks. Every large memory is built from SRAM cells (rtl/cells/ram_2p.sv)
// with one read and one write port each: the K/V store and the sink SRAM are banked by lane
// (sinkattn_kv_store.sv, sinkattn_sink_sram.sv), a read list that four agents read is kept in
// four copies, and the top-k feed reads the candidates' scores from TopkParallelism banks that
// the eviction scan fills. Reads are registered; every reader gives the address of the word it
// consumes in the next cycle (the next value of its counter: kb_d, j_d, ptr_d, topk_beat_d, ih_d,
// the gather's and the fetch's), so the read latency is hidden and the timing is that of the
// combinational reads the SystemC model makes. Cells a reader may consume the cycle after their
// write are write-first. The importance update and the alive bitmap's drops are read-modify-write
// pipelines (read with the event, write the cycle after).
//
// The numeric contract's constants come from the generated package sinkattn_numerics_pkg, always
// package-qualified (Yosys 0.23 rejects `import pkg::*`).
//
// Blocks (each its own process or module, named in the section headers below): K/V fetch
// (kv_fetch.sv), front (sinkattn_front.sv: list scan and the banks' state), Q.K lanes, serializer
// (sinkattn_serializer.sv), softmax unit, P.V gather (sinkattn_pv_gather.sv) and P.V lanes,
// top-k engine, memory writes, head importance, controller, counters. The controller's restarts
// of the other blocks are pulses (run_start, head_clear, row_start, job_release) that win over
// the blocks' own updates, as the single process they came from ordered them.
module sinkattn_top #(
  parameter int HeadDim           = 128,    // hw.head_dim
  parameter int QkLanes           = 4,      // hw.qk_lanes
  parameter int PvLanes           = 4,      // hw.pv_lanes
  parameter int OutLanes          = 16,     // hw.out_lanes: P.V output elements per beat
  parameter int MaxTokens         = 4096,   // hw.max_tokens
  parameter int MaxLayers         = 32,     // hw.max_layers
  parameter int MaxQHeads         = 32,     // hw.max_q_heads
  parameter int MaxKvHeads        = 32,     // hw.max_kv_heads
  parameter int SinkSramTokens    = 8,      // hw.sink_sram_tokens
  parameter int TopkParallelism   = 16,     // hw.topk_parallelism
  parameter int TopkLfsrSeed      = 44257,  // hw.topk_lfsr_seed
  parameter int ScanWidth         = 8,      // hw.scan_width: tokens per alive-bitmap word
  parameter int DramBytesPerCycle = 16,     // hw.dram.bytes_per_cycle (the DRAM beat width)
  parameter int DramBurstBytes    = 64,     // hw.dram.burst_bytes
  parameter int AddrBits          = 40,     // DRAM byte address width
  parameter     Exp2LutFile       = "exp2_lut.hex",   // generated EXP2 table
  parameter     RecipLutFile      = "recip_lut.hex",  // generated RECIP table
  // Derived, not to be overridden (the port list uses them)
  localparam int VecBits   = HeadDim * sinkattn_numerics_pkg::DataBits,
  localparam int LenW      = $clog2(DramBurstBytes + 1)
) (
  input  logic                     clk_i,             // clock
  input  logic                     rst_ni,            // asynchronous reset, active low
  // Command interface (host -> accelerator), accepted when valid & ready; ready only while idle.
  // Opcodes, registers and data fields: configs/host_contract.yaml (package sinkattn_host_pkg,
  // tables in rtl/top_latency.md).
  input  logic                     cmd_valid_i,       // command valid
  output logic                     cmd_ready_o,       // command accepted (controller idle)
  input  logic [sinkattn_host_pkg::OpcodeBits-1:0] cmd_op_i,  // opcode
  input  logic [sinkattn_host_pkg::CmdAddrBits-1:0] cmd_addr_i,  // register / memory address
  input  logic [63:0]              cmd_data_i,        // scalar data
  input  logic [VecBits-1:0]       cmd_vec_i,         // vector data, element d at [d*DataBits +: DataBits]
  // DRAM read port
  output logic                     mem_req_valid_o,   // burst request valid
  input  logic                     mem_req_ready_i,   // request accepted when valid & ready
  output logic [AddrBits-1:0]      mem_req_addr_o,    // byte address (docs/dram.md)
  output logic [LenW-1:0]          mem_req_len_o,     // bytes, 1 .. DramBurstBytes
  input  logic                     mem_resp_valid_i,  // response beat valid
  output logic                     mem_resp_ready_o,  // response beat taken (always ready)
  input  logic [DramBytesPerCycle*8-1:0] mem_resp_data_i,  // response bytes, byte 0 in bits 7:0
  input  logic                     mem_resp_last_i,   // last beat of a request
  // Output rows, one per (step, layer, query head), in head order
  output logic                     row_valid_o,       // row valid
  input  logic                     row_ready_i,       // row taken when valid & ready
  output logic [sinkattn_host_pkg::TokenBits-1:0] row_step_o,  // decode step t (token index)
  output logic [sinkattn_host_pkg::LayerBits-1:0] row_layer_o,  // layer
  output logic [sinkattn_host_pkg::HeadBits-1:0] row_head_o,    // query head
  output logic                     row_active_o,      // 0: pruned head, data is zero
  output logic [HeadDim*sinkattn_numerics_pkg::OutBits-1:0] row_data_o,      // outputs, element d at [d*OutBits +: OutBits]
  // Phase events: one-cycle pulse at the end of each phase (no back-pressure)
  output logic                     ev_valid_o,        // event valid this cycle
  output logic [sinkattn_host_pkg::EventKindBits-1:0] ev_kind_o,  // sinkattn_host_pkg::Ev*
  output logic [sinkattn_host_pkg::TokenBits-1:0] ev_step_o,   // step t
  output logic [sinkattn_host_pkg::LayerBits-1:0] ev_layer_o,   // layer
  output logic [sinkattn_host_pkg::HeadBits-1:0] ev_group_o,    // KV head of a job (0 otherwise)
  output logic [sinkattn_host_pkg::TokenBits-1:0] ev_tokens_o, // tokens read (job) / candidates (pruning, eviction)
  output logic [63:0]              ev_start_o,        // first cycle of the phase
  output logic [63:0]              ev_end_o,          // last cycle of the phase
  // Performance counters, read through a multiplexer (sinkattn_host_pkg::Ctr*)
  input  logic [sinkattn_host_pkg::CounterSelBits-1:0] ctr_sel_i,  // counter index
  output logic [63:0]              ctr_o              // its value
);

  // A group (one KV head's query rows retired together, docs/group_retire.md) has at most
  // PvLanes rows: a P.V group beat's lane is a row.
  localparam int GCntBits  = $clog2(PvLanes + 1);
  localparam int TokW      = $clog2(MaxTokens + 1);     // token counts and indices 0..MaxTokens
  localparam int PosW      = $clog2(MaxTokens);         // list positions, token indices
  localparam int LayW      = $clog2(MaxLayers);
  localparam int HqW       = $clog2(MaxQHeads);
  localparam int KvW       = $clog2(MaxKvHeads);
  localparam int SinkAW    = $clog2(MaxLayers * MaxKvHeads * SinkSramTokens);
  localparam int ImpAW     = LayW + KvW + PosW;         // {scope, list, token}
  localparam int EvWordW   = $clog2(MaxTokens / ScanWidth);  // alive-bitmap words per list
  localparam int EvAW      = KvW + EvWordW;             // {list, word}
  localparam int ShiftBits = $clog2(sinkattn_numerics_pkg::ScaleShiftMax + 1);
  localparam int PBits     = sinkattn_numerics_pkg::ProbFracBits + 1;
  localparam int ScoreBits = 32;
  localparam int MaxPlane  = (HeadDim * sinkattn_numerics_pkg::DataBits + 7) / 8;
  localparam int RowBufBits = ((MaxPlane + DramBytesPerCycle - 1) / DramBytesPerCycle) * DramBytesPerCycle * 8;  // kv_fetch's
  localparam int NumCtr    = sinkattn_host_pkg::NumCtr;
  localparam int PolBits   = sinkattn_host_pkg::PolicyBits;
  localparam int LayerBits = sinkattn_host_pkg::LayerBits;  // layer counts and indices (host contract)
  localparam int HeadBits  = sinkattn_host_pkg::HeadBits;   // head counts and indices (host contract)

  // Sizes the host contract's fields cannot carry stop elaboration (an elaboration-time $error
  // is not accepted by Icarus 11): token counts and indices (a step, a budget, an OpImportance
  // token), layers and KV heads of an OpImportance address, and the counts of layers and heads
  // (the layers and head registers).
  if (TokW > sinkattn_host_pkg::TokenBits || $clog2(MaxLayers + 1) > LayerBits ||
      $clog2(MaxQHeads + 1) > HeadBits || $clog2(MaxKvHeads + 1) > HeadBits ||
      PosW > sinkattn_host_pkg::ImportanceAddrTokenWidth || LayW > sinkattn_host_pkg::ImportanceAddrScopeWidth ||
      KvW > sinkattn_host_pkg::ImportanceAddrListWidth) begin : g_bad_parameters
    sinkattn_top_sizes_exceed_the_host_contract u_invalid ();
  end

  // =============================================================================================
  // Configuration registers
  // =============================================================================================
  logic [LayerBits-1:0]  cfg_layers_q;
  logic [HeadBits-1:0]   cfg_hq_q, cfg_hkv_q, cfg_group_q;
  logic [$clog2(HeadDim+1)-1:0] cfg_d_q;
  logic [TokW-1:0]       cfg_t_q, cfg_prompt_q, cfg_sinks_q, cfg_window_q;
  logic                  cfg_pq_q, cfg_cascade_q, cfg_ghead_q, cfg_hp_q;
  logic [15:0]           cfg_warm_q;
  logic [PBits-1:0]      cfg_tau_q;
  logic [TokW-1:0]       budget_q   [0:MaxLayers-1];
  logic [HeadBits-1:0]   keep_q     [0:MaxLayers-1];
  logic [PolBits*MaxKvHeads-1:0] policy_q [0:MaxLayers-1];

  // =============================================================================================
  // Memories
  // =============================================================================================
  // The cells (instances below, next to their readers): sink SRAM (u_sink), K/V store (u_kv), query
  // buffer (u_q_mem), read lists (u_list_fm, u_list_fl, u_list_pv), token importance (u_imp_mem),
  // alive bitmap (u_evict_mem), top-k candidates (u_cand_mem, g_cand_score[].u_score).
  // The score scales are small register files (a distributed RAM each on an FPGA).
  logic [sinkattn_numerics_pkg::ScaleMantBits-1:0]  mant_mem   [0:MaxQHeads-1];      // score scale per query head
  logic [ShiftBits-1:0]      shift_mem  [0:MaxQHeads-1];
  logic [MaxLayers-1:0]      hpruned_q  [0:MaxQHeads-1];      // head pruned at layer mask
  logic [sinkattn_numerics_pkg::ImportanceBits-1:0] himp_q     [0:MaxQHeads-1];      // head importance

  // =============================================================================================
  // Controller state
  // =============================================================================================
  typedef enum logic [4:0] {
    StIdle, StClear, StHpScan, StHpDec, StSelStart, StSelFeed, StSelOut, StGrpStart,
    StRowStart, StRowSm, StGrpWait, StEvStart, StEvScan, StEvDec,
    StEvNext, StDone
  } state_e;
  state_e st_q;
  // The row issue: a second small state machine that feeds the rows of the current job into the
  // Q.K lanes ahead of the controller, which retires them (StRowStart, StRowSm) in order.
  typedef enum logic [1:0] {
    IsIdle,   // between rows: skips pruned heads, starts the next row (or the recompute) when
              // the row tags have room
    IsStart,  // one cycle: the row's query into the Q.K lanes, its tag into u_row_tag
    IsQk      // the row's key beats, each when its keys are in the store
  } issue_e;
  issue_e          is_q;
  logic [HeadBits-1:0] ir_q;               // row of the group the issue starts next / is issuing
  logic            ipass2_q;               // the row being issued is a recompute pass (full keys)
  logic            rw_q;                   // the group is to be issued again (rewind) from ...
  logic [HeadBits-1:0] rw_row_q;           //   this row, its sub-group's first
  logic [GCntBits-1:0] igcnt_q;            // rows issued in the current sub-group
  logic [HeadBits-1:0] ig_first_q;         // the current sub-group's first row
  logic            iwait_q;                // a group's last row is issued, its decision not taken
  logic            ire_q;                  // the sub-group is a re-issue: each row's pass from ...
  logic [PvLanes-1:0] imask_q;             //   the redo mask, by the row's place in the sub-group
  logic            iglast;                 // the row the issue starts is its group's last
  logic            rows_on;                // the controller is in the rows of a job
  logic            iss_more;               // the group has rows left to issue
  logic            iss_pruned;             // the issue's head is pruned at this layer (no row)
  logic            decide;                 // an MSB row's first probability: redo (disc_now) or not
  logic            redo;                   // the decision is a redo

  logic [63:0]     cyc_q;                  // cycle counter since reset
  logic [TokW-1:0] t_q;                    // step
  logic [LayW-1:0] l_q;                    // layer
  logic [KvW:0]    g_q;                    // KV head of the job / list index of eviction
  logic [HeadBits-1:0] gbase_q;            // first query head of the group
  logic [HeadBits-1:0] r_q;                // row within the group
  logic [TokW-1:0] j_q;                    // head-pruning and eviction scan index
  logic [TokW-1:0] cnt_q;                  // top-k candidates
  logic [TokW-1:0] kk_q;                   // top-k keep count
  logic            sel_hp_q;               // selection for head pruning (else eviction)
  logic            prefill_q;              // the run is a prefill eviction pass
  logic [TokW-1:0] topk_beat_q;            // top-k input beat (TopkParallelism scores each)
  logic [TokW-1:0] ptr_q;                  // top-k output walk
  logic            done_seen_q;
  logic [63:0]     phase_start_q;          // event start stamps
  logic            lsb_started_q;          // the job's LSB phase was requested
  logic [PvLanes-1:0] gpass2_q;            // the retiring group's rows recomputed with full keys
  logic [TokW-1:0] kb_q;                   // key beat of the row being issued
  // Next values of the counters that address memories (their read is a cycle ahead)
  logic [HeadBits-1:0] gbase_d, r_d, ir_d, ih_d;
  logic [TokW-1:0] j_d, topk_beat_d, ptr_d, kb_d;
  // The eviction scan from a read list (below, "Eviction from a read list")
  logic            evl_q;                  // the scan walks a bank's read list, not the tokens
  logic            evl_bank_q;             //   that bank
  logic [TokW-1:0] evl_end_q;              //   the list position after its middle
  logic            evl_v_q;                // last cycle's position was a candidate: its score is read now
  logic [TokW-1:0] evl_tok_q;              //   its token
  logic            evj_q;                  // the eviction of list g runs in the job phase, right
                                           //   after job g (head granularity, "Eviction after
                                           //   its job" below)
  logic            first_q;                // the next entry is its group's first
  logic            disc_q;                 // discarding the group's entries (its redo follows)
  // The emission walker ("Row emission" below)
  logic [GCntBits-1:0] wk_left_q;          // rows of the retired group not yet put into the emit slot
  logic [PvLanes-1:0] wk_ref_q;            //   their refetched bits, the next in bit 0
  // The emit slot: a retired row waiting for its outputs and the row port ("Row emission" below)
  logic            em_valid_q;             // holds a row
  logic            em_act_q;               //   computed (else a pruned head: zeros, no outputs)
  logic [HeadBits-1:0] em_head_q;          //   its query head
  logic [TokW-1:0] em_n_q;                 //   its job's list length (the counters')
  logic            em_refetched_q;         //   it was recomputed with full keys
  // Clear sweep
  logic [LayW:0]   cl_s_q;
  logic [KvW:0]    cl_l_q;
  logic [TokW-1:0] cl_t_q;
  // Event register
  logic            ev_valid_q;
  logic [sinkattn_host_pkg::EventKindBits-1:0] ev_kind_q;
  logic [sinkattn_host_pkg::TokenBits-1:0] ev_step_q, ev_tokens_q;
  logic [LayerBits-1:0] ev_layer_q;
  logic [HeadBits-1:0] ev_group_q;
  logic [63:0]     ev_start_q, ev_end_q;
  // The controller's pulses to the other blocks (each wins over the block's own update)
  logic            cmd_fire;               // a host command is accepted
  logic            run_start;              // a RUN is accepted: the front's next job is 0
  logic            head_clear;             // OpClear: head importance and pruned masks to zero
  logic            row_start;              // a row starts: the gather's input side to zero
  logic            job_release;            // the back's job is over: its bank is free
  logic            job_next;               // the back moves on from job g (g_q, gbase_q)
  logic            grp_done;               // nothing of job g is left in flight (StGrpWait's exit)
  logic            row_next;               // the walker puts head r into the emit slot: on to the next
  logic            row_taken;              // a row leaves on the row port
  // Counters
  logic [63:0]     ctr_q [0:NumCtr-1];

  // =============================================================================================
  // Derived step values
  // =============================================================================================
  logic [TokW-1:0] sinks_end, mid_end, t_plus1;
  logic [HeadBits-1:0] lists;              // alive lists per layer
  logic [HeadBits-1:0] h_cur;              // query head of the row the controller retires
  logic [HeadBits-1:0] ih;                 // query head of the row the issue starts or issues
  logic [LayW-1:0] scope;                  // importance scope of this layer
  logic [KvW-1:0]  list_g;                 // importance / alive list of the job
  logic [MaxLayers-1:0] ge_mask;           // layers >= l
  logic [PolBits-1:0] pol_g;               // head policy of (l, g)
  logic            any_topk;               // some KV head of layer l is topk
  logic            bk;                     // bank of the back's job g
  logic [TokW-1:0] n_b;                    // its list length
  logic [63:0]     b_start;                //   the cycle the front took it
  logic [TokW-1:0] b_k_done, b_v_done, b_lsb_done;  //   its store's done pointers (sinkattn_front)
  logic            in_jobs;                // the back is in the job phase of the run
  // Icarus-safe combinational style throughout: every variable is written once per evaluation
  // (an always_comb that writes a variable twice with different values re-triggers itself in
  // Icarus); reductions go through per-element vectors.
  logic [TokW-1:0] win_start;              // t + 1 - W, or 0
  logic [MaxKvHeads-1:0] topk_heads;
  assign t_plus1   = t_q + 1'b1;
  assign sinks_end = (cfg_sinks_q < t_plus1) ? cfg_sinks_q : t_plus1;
  assign win_start = (t_plus1 > cfg_window_q) ? (t_plus1 - cfg_window_q) : '0;
  assign mid_end   = (win_start < cfg_sinks_q) ? cfg_sinks_q : win_start;
  assign lists     = cfg_ghead_q ? cfg_hkv_q : HeadBits'(1);
  assign h_cur     = gbase_q + r_q;
  assign ih        = gbase_q + ir_q;
  assign scope     = cfg_cascade_q ? '0 : l_q;
  assign list_g    = cfg_ghead_q ? KvW'(g_q) : '0;
  assign pol_g     = policy_q[l_q][PolBits*KvW'(g_q) +: PolBits];
  assign bk        = g_q[0];
  assign in_jobs   = (st_q == StGrpStart) || (st_q == StRowStart) || (st_q == StRowSm) ||
                     (st_q == StGrpWait) || evj_q;
  for (genvar i = 0; i < MaxLayers; i++) begin : g_ge_mask
    assign ge_mask[i] = (i >= 32'(l_q));
  end
  for (genvar i = 0; i < MaxKvHeads; i++) begin : g_topk_heads
    assign topk_heads[i] = (i < 32'(cfg_hkv_q)) &&
                           (policy_q[l_q][PolBits*i +: PolBits] == sinkattn_host_pkg::PolicyTopk);
  end
  assign any_topk   = |topk_heads;

  // =============================================================================================
  // K/V fetch
  // =============================================================================================
  logic                 fetch_start, fetch_lsb_start, fetch_idle, fetch_main_free;
  logic [1:0]           fetch_bank_idle;
  // The list entries the fetch's main and LSB contexts request next cycle, and their tokens
  logic                 fetch_m_bank_d, fetch_l_bank_d;
  logic [PosW-1:0]      fetch_m_pos_d, fetch_l_pos_d;
  logic [TokW-1:0]      fetch_m_tok, fetch_l_tok;
  logic [PosW-1:0]      fetch_v_pos_d;     // the main context's value pointer (same bank)
  logic [TokW-1:0]      fetch_v_tok;
  logic                 wr_valid, wr_bank;
  logic [PosW-1:0]      wr_pos;
  logic [1:0]           wr_plane;
  logic [RowBufBits-1:0] wr_data;
  logic [LenW-1:0]      by_window, by_middle, by_lsb;
  // The front's (below)
  logic                 front_bank;        // bank of the front's job
  logic [KvW-1:0]       front_job;         // the front's job (KV head)
  logic [1:0]           bank_busy, bank_listed;
  logic [2*TokW-1:0]    bank_n, bank_k_done, bank_v_done, bank_lsb_done;  // per bank, bank b at [b*TokW +: TokW]
  logic [2*64-1:0]      bank_start;
  logic [2*KvW-1:0]     bank_job;          // per bank, its job (bank b at [b*KvW +: KvW])
  logic [1:0]           bank_walked;       // per bank, its list was scanned in this run

  kv_fetch #(
    .HeadDim(HeadDim), .MaxTokens(MaxTokens), .MaxLayers(MaxLayers), .MaxKvHeads(MaxKvHeads),
    .DramBytesPerCycle(DramBytesPerCycle), .DramBurstBytes(DramBurstBytes),
    .TagDepth(sinkattn_host_pkg::QueueFetchTags), .AddrBits(AddrBits)
  ) u_fetch (
    .clk_i, .rst_ni,
    .start_i(fetch_start), .start_bank_i(front_bank), .start_group_i(front_job),
    .lsb_start_i(fetch_lsb_start), .lsb_bank_i(bk), .lsb_group_i(KvW'(g_q)),
    .layer_i(l_q), .kv_heads_i(($clog2(MaxKvHeads+1))'(cfg_hkv_q)),
    .tokens_i(cfg_t_q), .head_dim_i(cfg_d_q), .pq_i(cfg_pq_q),
    .first_pos_i(sinks_end), .mid_end_i(mid_end), .list_n_i(bank_n), .list_done_i(bank_listed),
    .m_list_bank_d_o(fetch_m_bank_d), .m_list_pos_d_o(fetch_m_pos_d), .m_list_tok_i(fetch_m_tok),
    .v_list_pos_d_o(fetch_v_pos_d), .v_list_tok_i(fetch_v_tok),
    .l_list_bank_d_o(fetch_l_bank_d), .l_list_pos_d_o(fetch_l_pos_d), .l_list_tok_i(fetch_l_tok),
    .main_free_o(fetch_main_free), .bank_idle_o(fetch_bank_idle), .idle_o(fetch_idle),
    .req_valid_o(mem_req_valid_o), .req_ready_i(mem_req_ready_i), .req_addr_o(mem_req_addr_o),
    .req_len_o(mem_req_len_o), .resp_valid_i(mem_resp_valid_i), .resp_ready_o(mem_resp_ready_o),
    .resp_data_i(mem_resp_data_i), .resp_last_i(mem_resp_last_i),
    .wr_valid_o(wr_valid), .wr_bank_o(wr_bank), .wr_pos_o(wr_pos), .wr_plane_o(wr_plane), .wr_data_o(wr_data),
    .bytes_window_o(by_window), .bytes_middle_o(by_middle), .bytes_lsb_o(by_lsb)
  );

  // =============================================================================================
  // Front: the list scan of the job ahead, the banks' state (sinkattn_front.sv)
  // =============================================================================================
  logic                 list_we, fscan;    // a token is appended to the front's list; a scan runs
  logic [PosW-1:0]      list_pos;          // where
  logic [KvW-1:0]       scan_list;         // alive list and token of the scan
  logic [TokW-1:0]      scan_tok;          // the token the scan appends (list_we)
  logic [TokW-1:0]      scan_tok_d;        // the scan's position next cycle (its word is read)
  logic [ScanWidth-1:0] scan_evicted;      // per lane of the alive bitmap's read word (the front's
                                           //   scan's or the eviction walk's): evicted at layer l
  logic [MaxQHeads-1:0] head_alive;        // per query head: not pruned at layer l
  logic [ScanWidth*MaxLayers-1:0] evict_rdata;  // the alive bitmap cell's read word (below)
  logic                 scan_word_ok_q;    // the read word is the front's (the port was its last cycle)
  logic                 ev_j_evicted;      // the eviction scan's token j_q is evicted at layer l
  logic [TokW-1:0]      ev_next;           // the token walk's next position (below)
  for (genvar i = 0; i < ScanWidth; i++) begin : g_scan_evicted
    assign scan_evicted[i] = evict_rdata[i*MaxLayers + 32'(l_q)];
  end
  for (genvar h = 0; h < MaxQHeads; h++) begin : g_head_alive
    assign head_alive[h] = !hpruned_q[h][l_q];
  end
  sinkattn_front #(.MaxTokens(MaxTokens), .MaxQHeads(MaxQHeads), .MaxKvHeads(MaxKvHeads),
                   .ScanWidth(ScanWidth)) u_front (
    .clk_i, .rst_ni,
    .run_start_i(run_start), .in_jobs_i(in_jobs), .release_i(job_release), .release_bank_i(bk), .cyc_i(cyc_q),
    .step_i(t_q), .kv_heads_i(cfg_hkv_q), .group_i(cfg_group_q), .ghead_i(cfg_ghead_q),
    .sinks_end_i(sinks_end), .mid_end_i(mid_end), .layer_policy_i(policy_q[l_q]), .head_alive_i(head_alive),
    .scan_list_o(scan_list), .scan_tok_d_o(scan_tok_d), .scan_word_evicted_i(scan_evicted),
    .scan_word_ok_i(scan_word_ok_q),
    .fetch_main_free_i(fetch_main_free), .fetch_start_o(fetch_start), .bank_o(front_bank), .job_o(front_job),
    .list_we_o(list_we), .list_tok_o(scan_tok), .list_pos_o(list_pos), .scanning_o(fscan),
    .busy_o(bank_busy), .listed_o(bank_listed), .list_n_o(bank_n), .start_o(bank_start),
    .job_of_o(bank_job), .walked_o(bank_walked),
    .wr_valid_i(wr_valid), .wr_bank_i(wr_bank), .wr_pos_i(wr_pos), .wr_plane_i(wr_plane),
    .k_done_o(bank_k_done), .v_done_o(bank_v_done), .lsb_done_o(bank_lsb_done)
  );
  // The back's bank.
  assign n_b        = bk ? bank_n[TokW +: TokW]        : bank_n[0 +: TokW];
  assign b_start    = bk ? bank_start[64 +: 64]        : bank_start[0 +: 64];
  assign b_k_done   = bk ? bank_k_done[TokW +: TokW]   : bank_k_done[0 +: TokW];
  assign b_v_done   = bk ? bank_v_done[TokW +: TokW]   : bank_v_done[0 +: TokW];
  assign b_lsb_done = bk ? bank_lsb_done[TokW +: TokW] : bank_lsb_done[0 +: TokW];

  // Plane rows into the store: elements beyond the trace's D are written as zero.
  logic [HeadDim*sinkattn_numerics_pkg::KeyMsbBits-1:0] wr_msb;
  logic [HeadDim*sinkattn_numerics_pkg::KeyLsbBits-1:0] wr_lsb;
  logic [VecBits-1:0]            wr_val;
  always_comb begin
    for (int d = 0; d < HeadDim; d++) begin
      wr_val[d*sinkattn_numerics_pkg::DataBits +: sinkattn_numerics_pkg::DataBits] =
        (d < 32'(cfg_d_q)) ? wr_data[d*sinkattn_numerics_pkg::DataBits +: sinkattn_numerics_pkg::DataBits] : '0;
      wr_msb[d*sinkattn_numerics_pkg::KeyMsbBits +: sinkattn_numerics_pkg::KeyMsbBits] =
        (d >= 32'(cfg_d_q)) ? '0 :
        (wr_plane == 2'd0)  ? wr_data[d*sinkattn_numerics_pkg::DataBits + sinkattn_numerics_pkg::KeyLsbBits +: sinkattn_numerics_pkg::KeyMsbBits] :
                              wr_data[d*sinkattn_numerics_pkg::KeyMsbBits +: sinkattn_numerics_pkg::KeyMsbBits];
      wr_lsb[d*sinkattn_numerics_pkg::KeyLsbBits +: sinkattn_numerics_pkg::KeyLsbBits] =
        (d >= 32'(cfg_d_q)) ? '0 :
        (wr_plane == 2'd0)  ? wr_data[d*sinkattn_numerics_pkg::DataBits +: sinkattn_numerics_pkg::KeyLsbBits] :
                              wr_data[d*sinkattn_numerics_pkg::KeyLsbBits +: sinkattn_numerics_pkg::KeyLsbBits];
    end
  end

  // The K/V store (banked by lane) and the sink SRAM, read at the beats consumed next cycle: the
  // row's next key beat kb_d and the P.V beat register's next position pv_pos_d.
  localparam int KvEntryW = $clog2(MaxLayers * MaxKvHeads);
  logic [TokW-1:0]                                        pv_pos_d;
  logic [QkLanes*HeadDim*sinkattn_numerics_pkg::KeyMsbBits-1:0] kv_k_msb;
  logic [QkLanes*HeadDim*sinkattn_numerics_pkg::KeyLsbBits-1:0] kv_k_lsb;
  logic [PvLanes*VecBits-1:0]                             kv_v, sink_v;
  logic [QkLanes*VecBits-1:0]                             sink_k;
  sinkattn_kv_store #(.HeadDim(HeadDim), .QkLanes(QkLanes), .PvLanes(PvLanes), .MaxTokens(MaxTokens)) u_kv (
    .clk_i,
    .wr_valid_i(wr_valid), .wr_bank_i(wr_bank), .wr_pos_i(wr_pos),
    .wr_msb_i(wr_plane == 2'd0 || wr_plane == 2'd1), .wr_lsb_i(wr_plane == 2'd0 || wr_plane == 2'd2),
    .wr_val_i(wr_plane == 2'd3), .msb_i(wr_msb), .lsb_i(wr_lsb), .val_i(wr_val),
    .k_bank_i(bk), .k_row_i(($clog2((MaxTokens + QkLanes - 1) / QkLanes + 1))'(kb_d)), .k_msb_o(kv_k_msb), .k_lsb_o(kv_k_lsb),
    .v_bank_i(bk), .v_row_i(($clog2((MaxTokens + PvLanes - 1) / PvLanes + 1))'(32'(pv_pos_d) / PvLanes)), .v_o(kv_v)
  );
  sinkattn_sink_sram #(.HeadDim(HeadDim), .QkLanes(QkLanes), .PvLanes(PvLanes), .MaxLayers(MaxLayers),
                       .MaxKvHeads(MaxKvHeads), .SinkSramTokens(SinkSramTokens)) u_sink (
    .clk_i,
    .we_k_i(cmd_fire && cmd_op_i == sinkattn_host_pkg::OpSinkK), .we_v_i(cmd_fire && cmd_op_i == sinkattn_host_pkg::OpSinkV),
    .waddr_i(SinkAW'(cmd_addr_i)), .wdata_i(cmd_vec_i),
    .entry_i(KvEntryW'(32'(l_q) * MaxKvHeads + 32'(KvW'(g_q)))),
    .k_beat_i(32'(kb_d)), .k_o(sink_k), .v_beat_i(32'(pv_pos_d) / PvLanes), .v_o(sink_v)
  );

  // Read lists, one copy per reader (the front writes all four): the fetch's main context's key
  // pointer (which follows the list as it grows, so it is write-first) and value pointer (a
  // position whose key row was requested, so written at least a cycle before), its LSB context
  // (a complete list) and the importance update (a complete list; also the eviction scan's).
  logic [TokW-1:0] list_pv_tok;            // the token at the gather's list position prow (or at
                                           // the eviction scan's, j_q, when it walks a list)
  logic            evl_next;               // the eviction scan walks a list next cycle
  logic            evl_bank_now;           //   that list's bank
  logic [TokW-1:0] prow_d;                 // the gather's next prow
  ram_2p #(.Width(TokW), .Depth(2 * MaxTokens), .WriteFirst(1)) u_list_fm (
    .clk_i, .we_i(list_we), .waddr_i({front_bank, list_pos}), .wdata_i(scan_tok), .wmask_i(1'b1),
    .re_i(1'b1), .raddr_i({fetch_m_bank_d, fetch_m_pos_d}), .rdata_o(fetch_m_tok)
  );
  ram_2p #(.Width(TokW), .Depth(2 * MaxTokens)) u_list_fv (
    .clk_i, .we_i(list_we), .waddr_i({front_bank, list_pos}), .wdata_i(scan_tok), .wmask_i(1'b1),
    .re_i(1'b1), .raddr_i({fetch_m_bank_d, fetch_v_pos_d}), .rdata_o(fetch_v_tok)
  );
  ram_2p #(.Width(TokW), .Depth(2 * MaxTokens)) u_list_fl (
    .clk_i, .we_i(list_we), .waddr_i({front_bank, list_pos}), .wdata_i(scan_tok), .wmask_i(1'b1),
    .re_i(1'b1), .raddr_i({fetch_l_bank_d, fetch_l_pos_d}), .rdata_o(fetch_l_tok)
  );
  ram_2p #(.Width(TokW), .Depth(2 * MaxTokens)) u_list_pv (
    .clk_i, .we_i(list_we), .waddr_i({front_bank, list_pos}), .wdata_i(scan_tok), .wmask_i(1'b1),
    .re_i(1'b1), .raddr_i(evl_next ? {evl_bank_now, PosW'(j_d)} : {bk, PosW'(prow_d)}), .rdata_o(list_pv_tok)
  );

  // =============================================================================================
  // Q.K lanes
  // =============================================================================================
  logic                        qk_q_we, qk_k_valid, qk_k_ready, qk_s_valid, qk_s_ready, qk_s_last;
  logic [QkLanes*VecBits-1:0]  qk_k;
  logic [QkLanes-1:0]          qk_lv, qk_s_lv;
  logic                        qk_k_last;
  logic [QkLanes*ScoreBits-1:0] qk_s;
  logic                        keys_ready;

  logic [QkLanes-1:0] lane_ok;
  for (genvar i = 0; i < QkLanes; i++) begin : g_qk_lane
    logic [TokW-1:0]     pos;
    logic [VecBits-1:0]  store_key;
    assign pos = kb_q * TokW'(QkLanes) + TokW'(i);
    assign qk_lv[i] = pos < n_b;
    for (genvar d = 0; d < HeadDim; d++) begin : g_el
      assign store_key[d*sinkattn_numerics_pkg::DataBits +: sinkattn_numerics_pkg::DataBits] =
        {kv_k_msb[(i*HeadDim + d)*sinkattn_numerics_pkg::KeyMsbBits +: sinkattn_numerics_pkg::KeyMsbBits],
         kv_k_lsb[(i*HeadDim + d)*sinkattn_numerics_pkg::KeyLsbBits +: sinkattn_numerics_pkg::KeyLsbBits]};
    end
    assign qk_k[i*VecBits +: VecBits] = (pos < sinks_end) ? sink_k[i*VecBits +: VecBits] : store_key;
    assign lane_ok[i] = !qk_lv[i] || (pos < b_k_done && (!ipass2_q || pos < b_lsb_done));
  end
  assign keys_ready = &lane_ok;
  assign qk_k_last  = (kb_q + 1'b1) * TokW'(QkLanes) >= n_b;
  assign qk_k_valid = (is_q == IsQk) && keys_ready;
  assign qk_q_we    = (is_q == IsStart);   // (also the row tag's push: Icarus 11 takes an enum
                                           // label in a port expression for an implicit net)

  // Query buffer: the host writes it while idle; read at the head of the row the issue starts
  // next cycle.
  logic [VecBits-1:0] q_row;
  ram_2p #(.Width(VecBits), .Depth(MaxQHeads < 2 ? 2 : MaxQHeads)) u_q_mem (
    .clk_i, .we_i(cmd_fire && cmd_op_i == sinkattn_host_pkg::OpQuery), .waddr_i(($clog2(MaxQHeads < 2 ? 2 : MaxQHeads))'(cmd_addr_i)),
    .wdata_i(cmd_vec_i), .wmask_i(1'b1), .re_i(1'b1), .raddr_i(($clog2(MaxQHeads < 2 ? 2 : MaxQHeads))'(ih_d)), .rdata_o(q_row)
  );

  qk_lanes #(.HeadDim(HeadDim), .QkLanes(QkLanes)) u_qk (
    .clk_i, .rst_ni,
    .q_we_i(qk_q_we), .q_i(q_row),
    .k_valid_i(qk_k_valid), .k_ready_o(qk_k_ready), .k_i(qk_k), .k_msb_only_i(cfg_pq_q && !ipass2_q),
    .k_lane_valid_i(qk_lv), .k_last_i(qk_k_last),
    .s_valid_o(qk_s_valid), .s_ready_i(qk_s_ready), .s_o(qk_s), .s_lane_valid_o(qk_s_lv), .s_last_o(qk_s_last)
  );

  // =============================================================================================
  // Serializer: one score per cycle into the softmax unit (sinkattn_serializer.sv)
  // =============================================================================================
  logic                 sm_s_valid, sm_s_ready, sm_s_last, ser_take;
  logic [ScoreBits-1:0] sm_s;
  sinkattn_serializer #(.QkLanes(QkLanes), .ScoreBits(ScoreBits)) u_ser (
    .clk_i, .rst_ni,
    .in_valid_i(qk_s_valid), .in_ready_o(qk_s_ready), .in_s_i(qk_s), .in_lv_i(qk_s_lv), .in_last_i(qk_s_last),
    .out_valid_o(sm_s_valid), .out_ready_i(sm_s_ready), .out_s_o(sm_s), .out_last_o(sm_s_last), .out_take_o(ser_take)
  );

  // Row tags: each issued row's {group-last, query head}, from its start to its last score into
  // the softmax (the row's first score takes the head's score scale, its last the group-last
  // flag; the rows in between are in the Q.K pipeline and the serializer, and the issue waits
  // while these tags are full). The depth is the host contract's queue
  // (configs/host_contract.yaml), which the SystemC model reads too.
  localparam int RowTagDepth = sinkattn_host_pkg::QueueRowTags;
  logic           tag_full, tag_empty, sm_glast;
  logic [HqW-1:0] sm_h;                    // query head of the row entering the softmax
  sync_fifo #(.Width(HqW + 1), .Depth(RowTagDepth)) u_row_tag (
    .clk_i, .rst_ni,
    .push_i(qk_q_we), .data_i({iglast, ih[HqW-1:0]}), .pop_i(ser_take && sm_s_last),
    .data_o({sm_glast, sm_h}), .empty_o(tag_empty), .full_o(tag_full)
  );

  // =============================================================================================
  // Softmax: groups of up to PvLanes rows in, a token of every row of a group out a cycle
  // =============================================================================================
  logic                     sm_p_valid, sm_p_ready, sm_p_last;
  logic [PvLanes*PBits-1:0] sm_p, sm_pmax;   // row r's probability / p_max at [r*PBits +: PBits]
  logic [GCntBits-1:0]      sm_rows;         // the group's rows
  softmax_unit #(.MaxTokens(MaxTokens), .MaxGroup(PvLanes), .Exp2LutFile(Exp2LutFile), .RecipLutFile(RecipLutFile)) u_sm (
    .clk_i, .rst_ni,
    .s_valid_i(sm_s_valid), .s_ready_o(sm_s_ready), .s_i(sm_s),
    .s_last_i(sm_s_last), .s_glast_i(sm_glast), .mant_i(mant_mem[sm_h]), .shift_i(shift_mem[sm_h]),
    .p_valid_o(sm_p_valid), .p_ready_i(sm_p_ready), .p_o(sm_p), .p_rows_o(sm_rows), .p_last_o(sm_p_last),
    .p_max_o(sm_pmax)
  );

  // Entry handling: a group's first entry decides (progressive quantization) whether rows are
  // recomputed with full keys; if so the group's entries are discarded up to its last and the
  // issue sends the group again. Otherwise each entry is a P.V group beat.
  logic disc_now, p_fire, v_ready, pv_free, pv_fire;
  logic [PvLanes-1:0] redo_mask;           // at a group's first entry: its rows to recompute
  logic [TokW-1:0]  prow;                  // list position of the entry's token (gather)
  logic [ImpAW-1:0] imp_addr_p;
  for (genvar r = 0; r < PvLanes; r++) begin : g_redo
    assign redo_mask[r] = cfg_pq_q && (r < 32'(sm_rows)) && !gpass2_q[r] &&
                          (sm_pmax[r*PBits +: PBits] < cfg_tau_q);
  end
  assign disc_now   = first_q ? (redo_mask != '0) : disc_q;
  assign v_ready    = (prow < sinks_end) || (prow < b_v_done);
  // A group's last entry retires its rows to the walker, so it waits until the walker has put
  // the previous group's rows into the emit slot.
  assign sm_p_ready = (st_q == StRowSm) && sm_p_valid &&
                      (disc_now || (v_ready && pv_free && (!sm_p_last || wk_left_q == '0)));
  assign p_fire     = sm_p_valid && sm_p_ready;
  assign imp_addr_p = {scope, list_g, PosW'(list_pv_tok)};

  // =============================================================================================
  // P.V gather (sinkattn_pv_gather.sv) and P.V lanes
  // =============================================================================================
  logic                        pv_valid, pv_ready, pv_last;
  logic [GCntBits-1:0]         pv_rows;
  logic [PvLanes*PBits-1:0]    pv_p;
  logic [PvLanes-1:0]          pv_lv;
  logic [TokW-1:0]             pv_pos;
  logic                        pv_out_valid, pv_out_last;
  logic                        pv_out_ready, pv_out_fire;  // the gather's row register takes the beat
  logic [OutLanes*sinkattn_numerics_pkg::OutBits-1:0] pv_out;
  logic [sinkattn_numerics_pkg::ImportanceBits-1:0]   out_abs;    // sum of |out| over the output beat
  logic [HeadDim*sinkattn_numerics_pkg::OutBits-1:0]  row_out;    // the row's outputs
  logic                        out_done;   // the row's outputs are complete
  sinkattn_pv_gather #(.HeadDim(HeadDim), .PvLanes(PvLanes), .MaxTokens(MaxTokens), .OutLanes(OutLanes)) u_gather (
    .clk_i, .rst_ni,
    .row_start_i(row_start),
    .accept_i(p_fire && !disc_now), .p_i(sm_p), .rows_i(sm_rows), .p_last_i(sm_p_last),
    .free_o(pv_free), .prow_o(prow), .prow_d_o(prow_d),
    .pv_valid_o(pv_valid), .pv_ready_i(pv_ready), .pv_fire_o(pv_fire), .pv_p_o(pv_p), .pv_lv_o(pv_lv),
    .pv_last_o(pv_last), .pv_rows_o(pv_rows), .pv_pos_o(pv_pos), .pv_pos_d_o(pv_pos_d),
    .out_valid_i(pv_out_fire), .out_hold_i(!(em_valid_q && em_act_q)), .out_ready_o(pv_out_ready),
    .out_i(pv_out), .out_last_i(pv_out_last),
    .out_abs_o(out_abs), .row_o(row_out), .out_done_o(out_done), .out_clear_i(row_taken)
  );
  // The beat's token is in lane pv_pos mod PvLanes of the stores' word (both banked by lane); every
  // row of the group multiplies it.
  logic [VecBits-1:0] v_tok;
  localparam int VLaneW = (PvLanes > 1) ? $clog2(PvLanes) : 1;
  logic [VLaneW-1:0] v_lane;
  assign v_lane = VLaneW'(32'(pv_pos) % PvLanes);
  assign v_tok  = (pv_pos < sinks_end) ? sink_v[32'(v_lane)*VecBits +: VecBits] : kv_v[32'(v_lane)*VecBits +: VecBits];
  pv_lanes #(.HeadDim(HeadDim), .PvLanes(PvLanes), .MaxTokens(MaxTokens), .OutLanes(OutLanes)) u_pv (
    .clk_i, .rst_ni,
    .pv_valid_i(pv_valid), .pv_ready_o(pv_ready), .p_i(pv_p), .v_i(v_tok), .pv_lane_valid_i(pv_lv),
    .pv_last_i(pv_last), .pv_rows_i(pv_rows), .out_valid_o(pv_out_valid), .out_ready_i(pv_out_ready),
    .out_o(pv_out), .out_last_o(pv_out_last)
  );
  assign pv_out_fire = pv_out_valid && pv_out_ready;

  // =============================================================================================
  // Top-k engine (head pruning and eviction, one LFSR in program order)
  // =============================================================================================
  logic                   tk_start_valid, tk_start_ready, tk_in_valid, tk_in_ready;
  logic [TopkParallelism*sinkattn_numerics_pkg::ImportanceBits-1:0] tk_scores;
  logic                   tk_out_valid, tk_out_ready, tk_out_last, tk_done, tk_pass;
  logic [PosW-1:0]        tk_out_index;
  logic [15:0]            tk_lfsr;
  logic [TokW-1:0]        tk_pass_count, tk_pass_pivot;
  logic                   drop, sel_finish;
  logic [PosW-1:0]        drop_tok;
  logic [KvW-1:0]         ev_list;
  assign ev_list        = KvW'(g_q);
  assign tk_start_valid = (st_q == StSelStart);
  assign tk_in_valid    = (st_q == StSelFeed);
  // Candidates: the scans (head pruning, eviction) append each candidate's token to u_cand_mem and
  // its score to bank cnt mod TopkParallelism of the score banks, so that one top-k input beat is
  // one row of every bank. The walk reads the token at ptr_d.
  localparam int CandRows = (MaxTokens + TopkParallelism - 1) / TopkParallelism;
  localparam int CandRowW = $clog2(CandRows < 2 ? 2 : CandRows);
  logic                   cand_we;
  logic [TokW-1:0]        cand_tok, cand_rtok;
  logic [sinkattn_numerics_pkg::ImportanceBits-1:0] cand_score;
  logic [sinkattn_numerics_pkg::ImportanceBits-1:0] imp_rdata;   // the importance cell's read word (below)
  assign cand_we    = (st_q == StHpScan && !hpruned_q[j_q[HqW-1:0]][l_q]) ||
                      (st_q == StEvScan && (evl_q ? evl_v_q : !ev_j_evicted));
  assign cand_tok   = (st_q == StEvScan && evl_q) ? evl_tok_q : j_q;
  assign cand_score = (st_q == StHpScan) ? himp_q[j_q[HqW-1:0]] : imp_rdata;
  ram_2p #(.Width(TokW), .Depth(MaxTokens)) u_cand_mem (
    .clk_i, .we_i(cand_we), .waddr_i(PosW'(cnt_q)), .wdata_i(cand_tok), .wmask_i(1'b1),
    .re_i(1'b1), .raddr_i(PosW'(ptr_d)), .rdata_o(cand_rtok)
  );
  for (genvar i = 0; i < TopkParallelism; i++) begin : g_cand_score
    // (The genvar stays out of the cell's port expressions: Icarus 11 then takes it for a variable.)
    logic                                             we;
    logic [sinkattn_numerics_pkg::ImportanceBits-1:0] score;
    assign we = cand_we && 32'(cnt_q) % TopkParallelism == i;
    ram_2p #(.Width(sinkattn_numerics_pkg::ImportanceBits), .Depth(CandRows < 2 ? 2 : CandRows)) u_score (
      .clk_i, .we_i(we), .waddr_i(CandRowW'(32'(cnt_q) / TopkParallelism)),
      .wdata_i(cand_score), .wmask_i(1'b1), .re_i(1'b1), .raddr_i(CandRowW'(topk_beat_d)), .rdata_o(score)
    );
    assign tk_scores[i*sinkattn_numerics_pkg::ImportanceBits +: sinkattn_numerics_pkg::ImportanceBits] = score;
  end
  assign tk_out_ready = (st_q == StSelOut) && tk_out_valid && (ptr_q == TokW'(tk_out_index));
  assign drop = (st_q == StSelOut) &&
                ((tk_out_valid && ptr_q < TokW'(tk_out_index)) ||
                 (!tk_out_valid && (done_seen_q || tk_done) && ptr_q < cnt_q));
  assign drop_tok   = PosW'(cand_rtok);
  assign sel_finish = (st_q == StSelOut) && !tk_out_valid && (done_seen_q || tk_done) && ptr_q >= cnt_q;
  topk_engine #(.TopkParallelism(TopkParallelism), .ScoreW(sinkattn_numerics_pkg::ImportanceBits), .MaxN(MaxTokens),
                .TopkLfsrSeed(TopkLfsrSeed)) u_topk (
    .clk_i, .rst_ni,
    .start_valid_i(tk_start_valid), .start_ready_o(tk_start_ready), .n_i(cnt_q), .k_i(kk_q),
    .in_valid_i(tk_in_valid), .in_ready_o(tk_in_ready), .in_scores_i(tk_scores),
    .out_valid_o(tk_out_valid), .out_ready_i(tk_out_ready), .out_index_o(tk_out_index),
    .out_last_o(tk_out_last), .done_o(tk_done),
    .lfsr_o(tk_lfsr), .pass_o(tk_pass), .pass_count_o(tk_pass_count), .pass_pivot_o(tk_pass_pivot)
  );

  // =============================================================================================
  // Memory writes (one clocked process per memory group, enables from the controller)
  // =============================================================================================
  assign cmd_ready_o = (st_q == StIdle);
  assign cmd_fire    = cmd_valid_i && cmd_ready_o;

  logic imp_load;
  logic [ImpAW-1:0] imp_addr_load;
  // OpImportance: the host's prefill writes one initial token score (configs/host_contract.yaml).
  assign imp_load      = cmd_fire && cmd_op_i == sinkattn_host_pkg::OpImportance;
  assign imp_addr_load = {LayW'(cmd_addr_i[sinkattn_host_pkg::ImportanceAddrScopeLsb +: sinkattn_host_pkg::ImportanceAddrScopeWidth]),
                          KvW'(cmd_addr_i[sinkattn_host_pkg::ImportanceAddrListLsb +: sinkattn_host_pkg::ImportanceAddrListWidth]),
                          PosW'(cmd_addr_i[sinkattn_host_pkg::ImportanceAddrTokenLsb +: sinkattn_host_pkg::ImportanceAddrTokenWidth])};
  always_ff @(posedge clk_i) begin
    if (cmd_fire && cmd_op_i == sinkattn_host_pkg::OpQuery) begin
      mant_mem[HqW'(cmd_addr_i)]  <= cmd_data_i[sinkattn_host_pkg::QueryMantLsb +: sinkattn_numerics_pkg::ScaleMantBits];
      shift_mem[HqW'(cmd_addr_i)] <= cmd_data_i[sinkattn_host_pkg::QueryShiftLsb +: ShiftBits];
    end
  end

  // Token importance {scope, list, token}: one cell, one reader and one writer. The reader is the
  // eviction scan (the token the scan counts next cycle, j_d) or the update, which reads the word
  // of the entry it accepts and writes the sum the cycle after (acc_*_q). Two updates of one
  // word are never that close: a list holds a token once, and a group's last update is many cycles
  // before the next group's first. The writer is the clear sweep, the host's prefill load or the
  // update, never two at once (idle, clear and run are different states).
  logic             ev_scan_next;          // the eviction scan counts a token next cycle
  logic             acc_fire;              // an accepted entry updates its token's importance
  logic             acc_valid_q;           // the update's write stage
  logic [ImpAW-1:0] acc_addr_q;
  logic [PBits+GCntBits-1:0] acc_p_q;     // the entry's rows' probabilities summed
  logic [PBits+GCntBits-1:0] p_sum;
  logic             imp_we;
  logic [ImpAW-1:0] imp_waddr, imp_raddr;
  logic [sinkattn_numerics_pkg::ImportanceBits-1:0] imp_wdata;
  assign ev_scan_next = (st_q == StEvStart) || (st_q == StEvScan);
  assign acc_fire     = p_fire && !disc_now && prow >= sinks_end;
  // The golden model adds a token's probabilities row by row; integer adds give the same sum in
  // any order, so one update a token adds the entry's sum (zero beyond the group's rows).
  // (A function: its local is not a sensitivity event, which Icarus needs.)
  function automatic logic [PBits+GCntBits-1:0] entry_sum(input logic [PvLanes*PBits-1:0] p);
    logic [PBits+GCntBits-1:0] acc;
    acc = '0;
    for (int r = 0; r < PvLanes; r++) acc = acc + (PBits+GCntBits)'(p[r*PBits +: PBits]);
    entry_sum = acc;
  endfunction
  assign p_sum = entry_sum(sm_p);
  assign imp_raddr    = ev_scan_next ? {scope, cfg_ghead_q ? ev_list : KvW'(0), PosW'(evl_q && st_q == StEvScan ? list_pv_tok : j_d)} :
                        imp_addr_p;
  assign imp_we       = (st_q == StClear) || imp_load || acc_valid_q;
  assign imp_waddr    = (st_q == StClear) ? {LayW'(cl_s_q), KvW'(cl_l_q), PosW'(cl_t_q)} :
                        imp_load ? imp_addr_load : acc_addr_q;
  assign imp_wdata    = (st_q == StClear) ? '0 :
                        imp_load ? cmd_data_i[sinkattn_numerics_pkg::ImportanceBits-1:0] :
                        imp_rdata + sinkattn_numerics_pkg::ImportanceBits'(acc_p_q);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_valid_q <= 1'b0; acc_addr_q <= '0; acc_p_q <= '0;
    end else begin
      acc_valid_q <= acc_fire;
      if (acc_fire) begin
        acc_addr_q <= imp_addr_p;
        acc_p_q    <= p_sum;
      end
    end
  end
  ram_2p #(.Width(sinkattn_numerics_pkg::ImportanceBits), .Depth(1 << ImpAW)) u_imp_mem (
    .clk_i, .we_i(imp_we), .waddr_i(imp_waddr), .wdata_i(imp_wdata), .wmask_i(1'b1),
    .re_i(1'b1), .raddr_i(imp_raddr), .rdata_o(imp_rdata)
  );
`ifndef SYNTHESIS
  always @(posedge clk_i) begin
    if (acc_fire && acc_valid_q && imp_addr_p == acc_addr_q)
      $fatal(1, "sinkattn_top: importance updates of one word in consecutive cycles");
  end
`endif

  // Alive bitmap: one MaxLayers-bit evicted-at mask per {list, token}, ScanWidth tokens a word
  // (lane i of word w is token w * ScanWidth + i), one cell with a write enable per lane. The
  // readers are the eviction's token walk (its token's word, next cycle) and, during the top-k
  // walk, the drop: a drop reads its token's word and writes its lane back with its layers' bits
  // set the cycle after (drop_*_q; a walk drops a token once, the other lanes keep their words,
  // and no scan reads within two cycles of the walk's end); otherwise the port is the list scan
  // of the front's job (a word a cycle). An eviction after its job (evj_q) runs while the front
  // scans a later job's list, so the front's word is only there the cycle after the port was the
  // front's (scan_word_ok_q); the eviction's list (g) is never the one the front scans (g + 1 or
  // g + 2), so neither sees the other's writes. The clear sweep writes too, a lane a cycle, in a
  // state of its own.
  logic                 drop_valid_q;      // the drop's write stage
  logic [TokW-1:0]      drop_tok_q;        //   its token
  logic [MaxLayers-1:0] drop_mask_q;       //   and the layers it leaves
  logic                 evict_we;
  logic [EvAW-1:0]      evict_waddr, evict_raddr;
  logic [TokW-1:0]      evict_wtok;        // the token whose lane is written
  logic [MaxLayers-1:0] evict_wlane;       //   its new mask
  logic [ScanWidth-1:0] evict_wmask;
  assign evict_we    = (st_q == StClear && cl_s_q == '0) || drop_valid_q;
  assign evict_wtok  = (st_q == StClear) ? TokW'(cl_t_q) : drop_tok_q;
  assign evict_waddr = {(st_q == StClear) ? KvW'(cl_l_q) : KvW'(g_q), EvWordW'(evict_wtok / TokW'(ScanWidth))};
  assign evict_wlane = (st_q == StClear) ? '0 :
                       (evict_rdata[(32'(drop_tok_q) % ScanWidth) * MaxLayers +: MaxLayers] | drop_mask_q);
  assign evict_wmask = ScanWidth'(1) << (32'(evict_wtok) % ScanWidth);
  logic ev_port_drop, ev_port_walk;      // the port is the drop's / the eviction token walk's
  assign ev_port_drop = (st_q == StSelOut) && drop && !sel_hp_q;
  assign ev_port_walk = ev_scan_next && !((st_q == StEvStart) ? evl_ok : evl_q);
  assign evict_raddr = ev_port_drop ? {KvW'(g_q), EvWordW'(TokW'(drop_tok) / TokW'(ScanWidth))} :
                       ev_port_walk ? {KvW'(g_q), EvWordW'(j_d / TokW'(ScanWidth))} :
                                      {scan_list, EvWordW'(scan_tok_d / TokW'(ScanWidth))};
  assign ev_j_evicted = scan_evicted[32'(j_q) % ScanWidth];
  // The eviction scan's token walk looks at the alive bitmap a word a cycle, as the front's list
  // scan does: its next position is the word's next token alive at layer l before the window, or
  // the next word's first token. A word of evicted tokens costs one cycle.
  logic [TokW-1:0]      ev_word_base;      // first token of j_q's word
  logic [ScanWidth-1:0] ev_lane_next;      // lane i: a candidate after j_q
  logic                 ev_found;
  logic [TokW-1:0]      ev_lane;           // the first such lane
  assign ev_word_base = (j_q / TokW'(ScanWidth)) * TokW'(ScanWidth);
  for (genvar i = 0; i < ScanWidth; i++) begin : g_ev_lane
    logic [TokW-1:0] lt;
    assign lt              = ev_word_base + TokW'(i);
    assign ev_lane_next[i] = lt > j_q && lt < mid_end && !scan_evicted[i];
  end
  first_set #(.Width(ScanWidth), .IndexBits(TokW)) u_ev_first (
    .bits_i(ev_lane_next), .found_o(ev_found), .index_o(ev_lane)
  );
  assign ev_next = ev_found ? ev_word_base + ev_lane : ev_word_base + TokW'(ScanWidth);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      drop_valid_q <= 1'b0; drop_tok_q <= '0; drop_mask_q <= '0; scan_word_ok_q <= 1'b1;
    end else begin
      scan_word_ok_q <= !ev_port_drop && !ev_port_walk;
      drop_valid_q <= drop && !sel_hp_q;
      if (drop && !sel_hp_q) begin
        drop_tok_q  <= TokW'(drop_tok);
        drop_mask_q <= cfg_cascade_q ? ge_mask : (MaxLayers'(1) << l_q);
      end
    end
  end
`ifndef SYNTHESIS
  always @(posedge clk_i) begin
    if (drop && !sel_hp_q && drop_valid_q && TokW'(drop_tok) == drop_tok_q)
      $fatal(1, "sinkattn_top: drops of one token in consecutive cycles");
  end
`endif
  ram_2p #(.Width(ScanWidth * MaxLayers), .Depth(1 << EvAW), .MaskBits(MaxLayers)) u_evict_mem (
    .clk_i, .we_i(evict_we), .waddr_i(evict_waddr), .wdata_i({ScanWidth{evict_wlane}}), .wmask_i(evict_wmask),
    .re_i(1'b1), .raddr_i(evict_raddr), .rdata_o(evict_rdata)
  );

  // =============================================================================================
  // Configuration registers: the host's OpReg, OpLayer and OpPolicy writes (commands are
  // accepted only while the controller is idle)
  // =============================================================================================
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cfg_layers_q <= '0; cfg_hq_q <= '0; cfg_hkv_q <= '0; cfg_group_q <= '0; cfg_d_q <= '0;
      cfg_t_q <= '0; cfg_prompt_q <= '0; cfg_sinks_q <= '0; cfg_window_q <= '0;
      cfg_pq_q <= 1'b0; cfg_cascade_q <= 1'b0; cfg_ghead_q <= 1'b0; cfg_hp_q <= 1'b0;
      cfg_warm_q <= '0; cfg_tau_q <= '0;
      for (int i = 0; i < MaxLayers; i++) begin
        budget_q[i] <= '0;
        keep_q[i]   <= '0;
        policy_q[i] <= '0;
      end
    end else if (cmd_fire) begin
      case (cmd_op_i)
        sinkattn_host_pkg::OpReg: begin
          case (cmd_addr_i[sinkattn_host_pkg::RegAddrBits-1:0])
            sinkattn_host_pkg::RegLayers:  cfg_layers_q <= cmd_data_i[LayerBits-1:0];
            sinkattn_host_pkg::RegQHeads:  cfg_hq_q     <= cmd_data_i[HeadBits-1:0];
            sinkattn_host_pkg::RegKvHeads: cfg_hkv_q    <= cmd_data_i[HeadBits-1:0];
            sinkattn_host_pkg::RegGroup:   cfg_group_q  <= cmd_data_i[HeadBits-1:0];
            sinkattn_host_pkg::RegHeadDim: cfg_d_q      <= cmd_data_i[$clog2(HeadDim+1)-1:0];
            sinkattn_host_pkg::RegTokens:  cfg_t_q      <= cmd_data_i[TokW-1:0];
            sinkattn_host_pkg::RegPrompt:  cfg_prompt_q <= cmd_data_i[TokW-1:0];
            sinkattn_host_pkg::RegSinks:   cfg_sinks_q  <= cmd_data_i[TokW-1:0];
            sinkattn_host_pkg::RegWindow:  cfg_window_q <= cmd_data_i[TokW-1:0];
            sinkattn_host_pkg::RegFlags: begin
              cfg_hp_q      <= cmd_data_i[sinkattn_host_pkg::FlagHeadPruningLsb];
              cfg_ghead_q   <= cmd_data_i[sinkattn_host_pkg::FlagGranularityHeadLsb];
              cfg_cascade_q <= cmd_data_i[sinkattn_host_pkg::FlagCascadeLsb];
              cfg_pq_q      <= cmd_data_i[sinkattn_host_pkg::FlagProgressiveQuantLsb];
            end
            sinkattn_host_pkg::RegWarmup:  cfg_warm_q   <= cmd_data_i[15:0];
            sinkattn_host_pkg::RegTau:     cfg_tau_q    <= cmd_data_i[PBits-1:0];
            default: ;
          endcase
        end
        sinkattn_host_pkg::OpLayer: begin
          budget_q[LayW'(cmd_addr_i)] <= cmd_data_i[sinkattn_host_pkg::LayerBudgetLsb +: TokW];
          keep_q[LayW'(cmd_addr_i)]   <= cmd_data_i[sinkattn_host_pkg::LayerHeadsKeepLsb +: HeadBits];
        end
        sinkattn_host_pkg::OpPolicy: policy_q[LayW'(cmd_addr_i)] <= cmd_data_i[PolBits*MaxKvHeads-1:0];
        default: ;
      endcase
    end
  end

  // =============================================================================================
  // Head state: importance (the sum of |out| of the head's rows, docs/policy.md) and the
  // pruned-at-layer masks (set by the head-pruning top-k walk), both cleared by OpClear
  // =============================================================================================
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int h = 0; h < MaxQHeads; h++) begin
        himp_q[h]    <= '0;
        hpruned_q[h] <= '0;
      end
    end else if (head_clear) begin
      for (int h = 0; h < MaxQHeads; h++) begin
        himp_q[h]    <= '0;
        hpruned_q[h] <= '0;
      end
    end else begin
      // The outputs coming in are the emit slot's row's (a row's outputs follow its retire).
      if (pv_out_fire) himp_q[em_head_q[HqW-1:0]] <= himp_q[em_head_q[HqW-1:0]] + out_abs;
      if (drop && sel_hp_q) hpruned_q[drop_tok[HqW-1:0]] <= hpruned_q[drop_tok[HqW-1:0]] | ge_mask;
    end
  end

  // =============================================================================================
  // Address counters: the controller's counters that address memories, with their next values
  // (the cells' read addresses, a cycle ahead). Each moves in the states named.
  // =============================================================================================
  logic tk_last_beat;                      // the top-k input beat is the candidates' last
  assign tk_last_beat = (topk_beat_q + 1'b1) * TokW'(TopkParallelism) >= cnt_q;
  // Query head: the group's first head moves to the next group after a job, the row walks it.
  assign gbase_d = run_start ? '0 :
                   (job_next && HeadBits'(g_q) + HeadBits'(1) < cfg_hkv_q) ? gbase_q + cfg_group_q : gbase_q;
  assign r_d     = (st_q == StGrpStart) ? '0 :
                   (row_next && r_q + HeadBits'(1) < cfg_group_q) ? r_q + HeadBits'(1) : r_q;
  // The issue's row: from 0 at the job's start; on after a pruned head or after a row's last key
  // beat; back to the redone row when the issue rewinds to its recompute.
  assign ir_d    = (st_q == StGrpStart) ? '0 :
                   (is_q == IsIdle && rw_q) ? rw_row_q :
                   ((is_q == IsIdle && iss_more && iss_pruned) ||
                    (is_q == IsQk && qk_k_valid && qk_k_ready && qk_k_last)) ? ir_q + HeadBits'(1) : ir_q;
  assign ih_d    = gbase_d + ir_d;
  // Head-pruning scan (0 ..) and eviction scan (the sinks' end ..).
  assign j_d     = run_start ? '0 :
                   (st_q == StEvStart) ? cfg_sinks_q :
                   ((st_q == StHpScan && HeadBits'(j_q) + HeadBits'(1) < cfg_hq_q) ||
                    (st_q == StEvScan && evl_q && j_q < evl_end_q)) ? j_q + 1'b1 :
                   (st_q == StEvScan && !evl_q && ev_next < mid_end) ? ev_next : j_q;
  // Top-k input beats, then the output walk.
  assign topk_beat_d = (st_q == StSelStart && tk_start_ready) ? '0 :
                       (st_q == StSelFeed && tk_in_ready) ? topk_beat_q + 1'b1 : topk_beat_q;
  assign ptr_d   = (st_q == StSelFeed && tk_in_ready && tk_last_beat) ? '0 :
                   ((tk_out_valid && tk_out_ready) || drop) ? ptr_q + 1'b1 : ptr_q;
  // Key beats of the row being issued, from 0 at its start (the recompute is a row of its own).
  assign kb_d    = (is_q == IsStart) ? '0 : (qk_k_valid && qk_k_ready) ? kb_q + 1'b1 : kb_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      gbase_q <= '0; r_q <= '0; ir_q <= '0; j_q <= '0; topk_beat_q <= '0; ptr_q <= '0; kb_q <= '0;
    end else begin
      gbase_q <= gbase_d; r_q <= r_d; ir_q <= ir_d; j_q <= j_d; topk_beat_q <= topk_beat_d; ptr_q <= ptr_d;
      kb_q <= kb_d;
    end
  end

  // =============================================================================================
  // Eviction after its job: with head granularity, list g is read and scored by job g alone, so
  // its eviction (docs/policy.md's step 3 for that list) needs nothing of the later jobs, and the
  // later jobs read other lists. The controller runs it right after job g (evj_q), with job g's
  // read list still in its bank, while the front scans and the fetch streams the next jobs; the
  // bank is released at the eviction's end. The evictions still run in list order, after the
  // run's head pruning, so the top-k engine's LFSR draws are those of the golden model.
  // =============================================================================================

  // =============================================================================================
  // Eviction from a read list: a topk job's read list holds, between its sinks and its window,
  // exactly the tokens alive at this layer in its alive list, in token order, which are the
  // eviction's candidates (no eviction runs between a run's list scans and its eviction phase,
  // and a layer's alive lists are evicted one by one, each touching only itself). So when the
  // list's last job (token granularity: the run's last job; head granularity: job g) is still
  // in its bank, was scanned in this run and is topk, the eviction scan walks that read list's
  // middle, K + 1 positions or so, instead of every token S .. mid_end - 1. The list read is a
  // cycle ahead of the importance read, so a candidate is written the cycle after its position.
  // =============================================================================================
  logic            evl_ok;                 // at StEvStart: list g's scan can walk a read list
  logic            evl_bank;               //   which bank
  logic [KvW-1:0]  evl_job;                //   its job
  logic [TokW-1:0] evl_end;                //   the position after its middle: n - window tokens
  logic [TokW-1:0] evl_n;
  assign evl_bank     = cfg_ghead_q ? g_q[0] : cfg_hkv_q[0] ^ 1'b1;  // job Hkv - 1's bank
  assign evl_job      = evl_bank ? bank_job[KvW +: KvW] : bank_job[0 +: KvW];
  assign evl_n        = evl_bank ? bank_n[TokW +: TokW] : bank_n[0 +: TokW];
  assign evl_end      = evl_n - (t_plus1 - mid_end);
  assign evl_ok       = bank_walked[evl_bank] && (!cfg_ghead_q || evl_job == KvW'(g_q)) &&
                        policy_q[l_q][PolBits*evl_job +: PolBits] == sinkattn_host_pkg::PolicyTopk;
  assign evl_next     = (st_q == StEvStart) ? evl_ok : (st_q == StEvScan && evl_q);
  assign evl_bank_now = (st_q == StEvStart) ? evl_bank : evl_bank_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      evl_v_q <= 1'b0; evl_tok_q <= '0;
    end else begin
      evl_v_q   <= (st_q == StEvScan) && evl_q && j_q < evl_end_q;
      evl_tok_q <= list_pv_tok;
    end
  end

  // =============================================================================================
  // Row issue: the rows of the job go into the Q.K lanes one after the other, in groups: a group
  // is the job's next unpruned rows, at most PvLanes of them (the sub-groups of a larger job),
  // and its last row's tag says so, so that the softmax unit retires the group together
  // (docs/group_retire.md). With progressive quantization a group's first entry decides whether
  // some of its rows are recomputed with full keys, and the issue stops after a group's last row
  // until that decision: nothing is issued past an undecided group, so a redo only discards the
  // group's own entries and the issue sends the same rows again, each with full keys where the
  // redo mask says so. Groups are retired in the order they are issued, so the outputs leave in
  // head order.
  // =============================================================================================
  logic [MaxQHeads-1:0] later_unpruned;   // per head: an unpruned head of the job after the issue's
  assign later_unpruned = head_alive & ({MaxQHeads{1'b1}} << (32'(ih) + 1)) &
                          ~({MaxQHeads{1'b1}} << (32'(gbase_q) + 32'(cfg_group_q)));
  assign iglast     = (32'(igcnt_q) + 1 == PvLanes) || (later_unpruned == '0);
  assign rows_on    = (st_q == StRowStart) || (st_q == StRowSm);
  assign iss_more   = rows_on && ir_q < cfg_group_q;
  assign iss_pruned = hpruned_q[ih[HqW-1:0]][l_q];
  assign decide     = (st_q == StRowSm) && p_fire && first_q && cfg_pq_q;
  assign redo       = decide && disc_now;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      is_q <= IsIdle; ipass2_q <= 1'b0; rw_q <= 1'b0; rw_row_q <= '0;
      igcnt_q <= '0; ig_first_q <= '0; iwait_q <= 1'b0; ire_q <= 1'b0; imask_q <= '0;
    end else if (st_q == StGrpStart) begin
      is_q <= IsIdle; ipass2_q <= 1'b0; rw_q <= 1'b0;
      igcnt_q <= '0; iwait_q <= 1'b0; ire_q <= 1'b0;
    end else begin
      if (decide) iwait_q <= 1'b0;
      if (redo) begin  // the issue is waiting at the group: send it again
        rw_q     <= 1'b1;
        rw_row_q <= ig_first_q;
        imask_q  <= redo_mask;
      end
      case (is_q)
        IsIdle: begin
          if (rw_q) begin
            if (!tag_full) begin
              rw_q    <= 1'b0;
              ire_q   <= 1'b1;
              igcnt_q <= '0;
              is_q    <= IsStart;
            end
          end else if (iss_more && !iss_pruned && !tag_full && !iwait_q && !redo) begin
            is_q <= IsStart;
          end
        end
        IsStart: begin
          // The row's pass: full keys where a re-issued group's redo mask says so.
          ipass2_q <= ire_q && imask_q[VLaneW'(igcnt_q)];
          if (igcnt_q == '0) ig_first_q <= ir_q;
          if (iglast) begin
            igcnt_q <= '0;
            iwait_q <= cfg_pq_q;
          end else begin
            igcnt_q <= igcnt_q + 1'b1;
          end
          is_q <= IsQk;
        end
        IsQk: begin
          if (qk_k_valid && qk_k_ready && qk_k_last) begin
            is_q     <= IsIdle;
            ipass2_q <= 1'b0;
            if (igcnt_q == '0) ire_q <= 1'b0;  // the group's last row is issued
          end
        end
        default: is_q <= IsIdle;
      endcase
    end
  end
`ifndef SYNTHESIS
  always @(posedge clk_i) begin
    if (is_q == IsStart && tag_full) $fatal(1, "sinkattn_top: a row starts with the row tags full");
    if (redo && !iwait_q) $fatal(1, "sinkattn_top: a redo while the issue is not waiting at its group");
  end
`endif

  // =============================================================================================
  // Row emission: a walker goes through the job's heads in order (r_q) and puts each into the
  // emit slot when the slot is free: a pruned head at once (its row is zeros), a computed head
  // once its group has retired (its last entry was taken: wk_left_q counts the group's rows not
  // yet emitted). A computed row then waits in the slot for its outputs (the P.V lanes' output
  // beats into the gather's row register, which takes them only while the slot holds a computed
  // row) and for the row port, while the walker goes on. Rows leave in head order; a group's
  // last entry waits until the walker has emitted the previous group's rows.
  // =============================================================================================
  logic wk_pruned;                         // the walker's head is pruned at this layer
  assign wk_pruned = hpruned_q[h_cur[HqW-1:0]][l_q];
  assign row_next  = (st_q == StRowSm) && !em_valid_q && (wk_pruned || wk_left_q != '0);
  assign row_taken = row_valid_o && row_ready_i;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      em_valid_q <= 1'b0; em_act_q <= 1'b0; em_head_q <= '0; em_n_q <= '0; em_refetched_q <= 1'b0;
    end else if (row_next) begin  // (never with row_taken: the slot is empty)
      em_valid_q     <= 1'b1;
      em_act_q       <= !wk_pruned;
      em_head_q      <= h_cur;
      em_n_q         <= n_b;
      em_refetched_q <= !wk_pruned && wk_ref_q[0];
    end else if (row_taken) begin
      em_valid_q <= 1'b0;
    end
  end
  // The retired group's rows: loaded at its last entry (never while rows are left: that entry
  // waits), one less at each computed head the walker emits.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wk_left_q <= '0; wk_ref_q <= '0;
    end else if (st_q == StRowSm && p_fire && !disc_now && sm_p_last) begin
      wk_left_q <= sm_rows;
      wk_ref_q  <= gpass2_q;
    end else if (row_next && !wk_pruned) begin
      wk_left_q <= wk_left_q - 1'b1;
      wk_ref_q  <= wk_ref_q >> 1;
    end
  end

  // =============================================================================================
  // Controller: the state machine of docs/policy.md's order and the event register. What it
  // restarts in the other blocks goes out as pulses, which win over the blocks' own updates.
  // =============================================================================================
  assign run_start   = cmd_fire && cmd_op_i == sinkattn_host_pkg::OpRun;
  assign head_clear  = cmd_fire && cmd_op_i == sinkattn_host_pkg::OpClear;
  assign row_start   = (st_q == StRowStart);
  // The back is done with job g: at its end, or, with an eviction after the job, at that
  // eviction's end (the eviction walks the job's read list, so the bank is held until then).
  assign grp_done    = (st_q == StGrpWait) && fetch_bank_idle[bk] && !pv_valid;
  assign job_next    = (grp_done && !cfg_ghead_q) || (st_q == StEvNext && evj_q);
  assign job_release = job_next;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q <= StIdle;
      cyc_q <= '0;
      t_q <= '0; l_q <= '0; g_q <= '0;
      cnt_q <= '0; kk_q <= '0; sel_hp_q <= 1'b0; prefill_q <= 1'b0;
      done_seen_q <= 1'b0; phase_start_q <= '0;
      lsb_started_q <= 1'b0;
      gpass2_q <= '0; first_q <= 1'b0; disc_q <= 1'b0;
      evl_q <= 1'b0; evl_bank_q <= 1'b0; evl_end_q <= '0; evj_q <= 1'b0;
      cl_s_q <= '0; cl_l_q <= '0; cl_t_q <= '0;
      ev_valid_q <= 1'b0; ev_kind_q <= '0; ev_step_q <= '0; ev_tokens_q <= '0; ev_layer_q <= '0;
      ev_group_q <= '0; ev_start_q <= '0; ev_end_q <= '0;
    end else begin
      cyc_q      <= cyc_q + 1'b1;
      ev_valid_q <= 1'b0;

      case (st_q)
        // -------------------------------------------------------------------------------------
        StIdle: begin
          if (cmd_fire) begin
            case (cmd_op_i)  // OpReg, OpLayer, OpPolicy: the configuration registers' process
              sinkattn_host_pkg::OpClear: begin
                cl_s_q <= '0; cl_l_q <= '0; cl_t_q <= '0;
                st_q <= StClear;
              end
              sinkattn_host_pkg::OpRun: begin
                t_q <= cmd_data_i[sinkattn_host_pkg::RunStepLsb +: TokW];
                l_q <= cmd_data_i[sinkattn_host_pkg::RunLayerLsb +: LayW];
                phase_start_q <= cyc_q;
                cnt_q <= '0;
                g_q <= '0;
                prefill_q <= cmd_data_i[sinkattn_host_pkg::RunPrefillLsb];
                // A prefill pass is the eviction phase alone; a decode run starts with head pruning.
                if (cmd_data_i[sinkattn_host_pkg::RunPrefillLsb])
                  st_q <= StEvStart;
                else if (cfg_hp_q && (32'(cmd_data_i[sinkattn_host_pkg::RunStepLsb +: TokW]) - 32'(cfg_prompt_q) >=
                                      32'(cfg_warm_q)))
                  st_q <= StHpScan;
                else
                  st_q <= StGrpStart;
              end
              default: ;
            endcase
          end
        end
        // -------------------------------------------------------------------------------------
        StClear: begin
          // Sweep every (scope < L, list < Hkv, token < T).
          if (cl_t_q + 1'b1 < cfg_t_q) begin
            cl_t_q <= cl_t_q + 1'b1;
          end else begin
            cl_t_q <= '0;
            if (HeadBits'(cl_l_q) + HeadBits'(1) < cfg_hkv_q) begin
              cl_l_q <= cl_l_q + 1'b1;
            end else begin
              cl_l_q <= '0;
              if (LayerBits'(cl_s_q) + LayerBits'(1) < cfg_layers_q) cl_s_q <= cl_s_q + 1'b1;
              else st_q <= StIdle;
            end
          end
        end
        // -------------------------------------------------------------------------------------
        // Head pruning: alive heads at l, then the top-k engine keeps keep_q[l] of them.
        StHpScan: begin
          if (!hpruned_q[j_q[HqW-1:0]][l_q]) cnt_q <= cnt_q + 1'b1;
          if (HeadBits'(j_q) + HeadBits'(1) >= cfg_hq_q) st_q <= StHpDec;
        end
        StHpDec: begin
          if (cnt_q > TokW'(keep_q[l_q])) begin
            kk_q <= TokW'(keep_q[l_q]);
            sel_hp_q <= 1'b1;
            st_q <= StSelStart;
          end else begin
            ev_valid_q <= 1'b1; ev_kind_q <= sinkattn_host_pkg::EvHeadPruning; ev_group_q <= '0; ev_tokens_q <= sinkattn_host_pkg::TokenBits'(cnt_q);
            ev_step_q <= sinkattn_host_pkg::TokenBits'(t_q); ev_layer_q <= LayerBits'(l_q); ev_start_q <= phase_start_q; ev_end_q <= cyc_q;
            st_q <= StGrpStart;
          end
        end
        // -------------------------------------------------------------------------------------
        StSelStart: begin
          if (tk_start_ready) st_q <= StSelFeed;
        end
        StSelFeed: begin
          if (tk_in_ready && tk_last_beat) begin
            done_seen_q <= 1'b0;
            st_q <= StSelOut;
          end
        end
        StSelOut: begin
          if (tk_done) done_seen_q <= 1'b1;
          if (sel_finish) begin
            ev_valid_q <= 1'b1; ev_group_q <= sel_hp_q ? '0 : HeadBits'(g_q); ev_tokens_q <= sinkattn_host_pkg::TokenBits'(cnt_q);
            ev_kind_q <= sel_hp_q ? sinkattn_host_pkg::EvHeadPruning : sinkattn_host_pkg::EvEviction;
            ev_step_q <= sinkattn_host_pkg::TokenBits'(t_q); ev_layer_q <= LayerBits'(l_q); ev_start_q <= phase_start_q; ev_end_q <= cyc_q;
            st_q <= sel_hp_q ? StGrpStart : StEvNext;
          end
        end
        // -------------------------------------------------------------------------------------
        // One KV-head job.
        StGrpStart: begin
          // The rows of job g start when the front has completed its list.
          lsb_started_q <= 1'b0;
          if (bank_busy[bk] && bank_listed[bk]) st_q <= StRowStart;
        end
        // The groups are retired here in the order the row issue (above) feeds them in, and the
        // walker ("Row emission") sends the job's heads on.
        StRowStart: begin
          gpass2_q <= '0;
          first_q  <= 1'b1;
          disc_q   <= 1'b0;
          st_q     <= StRowSm;
        end
        StRowSm: begin
          if (p_fire) begin
            first_q <= 1'b0;
            disc_q  <= disc_now;
            // Too flat an MSB pass: fetch the LSB plane (once per job); the issue sends the group
            // again, its masked rows with full keys.
            if (redo) lsb_started_q <= 1'b1;
            if (sm_p_last) begin
              // The group's last entry: it retires (its rows go to the walker), or, discarded,
              // its re-issue comes next with the redo mask's rows recomputed.
              first_q  <= 1'b1;
              disc_q   <= 1'b0;
              gpass2_q <= !disc_now ? '0 : first_q ? redo_mask : imask_q;
            end
          end
          if (row_next && r_q + HeadBits'(1) >= cfg_group_q) st_q <= StGrpWait;
        end
        StGrpWait: begin
          // Nothing of the job left in flight (its last P.V beat has taken its values): release
          // its bank, or, with head granularity, evict its list first ("Eviction after its job").
          if (grp_done) begin
            ev_valid_q <= 1'b1; ev_kind_q <= sinkattn_host_pkg::EvJob; ev_group_q <= HeadBits'(g_q); ev_tokens_q <= sinkattn_host_pkg::TokenBits'(n_b);
            ev_step_q <= sinkattn_host_pkg::TokenBits'(t_q); ev_layer_q <= LayerBits'(l_q); ev_start_q <= b_start; ev_end_q <= cyc_q;
            if (cfg_ghead_q) begin
              evj_q <= 1'b1;
              st_q  <= StEvStart;
            end else if (HeadBits'(g_q) + HeadBits'(1) >= cfg_hkv_q) begin
              g_q <= '0;
              st_q <= StEvStart;
            end else begin
              g_q     <= g_q + 1'b1;
              st_q    <= StGrpStart;
            end
          end
        end
        // -------------------------------------------------------------------------------------
        // Eviction: g_q walks the alive lists of layer l.
        StEvStart: begin
          phase_start_q <= cyc_q;
          cnt_q <= '0;
          evl_q      <= evl_ok;
          evl_bank_q <= evl_bank;
          evl_end_q  <= evl_end;
          if ((cfg_ghead_q ? (pol_g == sinkattn_host_pkg::PolicyTopk) : any_topk) && cfg_sinks_q < mid_end)
            st_q <= StEvScan;
          else st_q <= StEvNext;
        end
        StEvScan: begin
          // Walking a list: positions S .. evl_end - 1, then one cycle for the last score.
          // Walking the tokens: S .. mid_end - 1, a word of the alive bitmap at a time.
          if (evl_q ? evl_v_q : !ev_j_evicted) cnt_q <= cnt_q + 1'b1;
          if (evl_q ? j_q >= evl_end_q : ev_next >= mid_end) st_q <= StEvDec;
        end
        StEvDec: begin
          if (cnt_q > budget_q[l_q]) begin
            kk_q <= budget_q[l_q];
            sel_hp_q <= 1'b0;
            st_q <= StSelStart;
          end else begin
            st_q <= StEvNext;
          end
        end
        StEvNext: begin
          if (evj_q) begin  // back to the jobs, or the run is over
            evj_q <= 1'b0;
            if (HeadBits'(g_q) + HeadBits'(1) >= cfg_hkv_q) st_q <= StDone;
            else begin
              g_q  <= g_q + 1'b1;
              st_q <= StGrpStart;
            end
          end else if (HeadBits'(g_q) + HeadBits'(1) >= lists) st_q <= StDone;
          else begin
            g_q  <= g_q + 1'b1;
            st_q <= StEvStart;
          end
        end
        StDone: begin
          // The run's last row has left (the next run's commands change what it is sent with).
          if (!em_valid_q) begin
            g_q  <= '0;
            st_q <= StIdle;
          end
        end
        default: st_q <= StIdle;
      endcase
    end
  end

  // =============================================================================================
  // Performance counters, in the manner of Ibex's: what each counter adds this cycle, by name
  // (configs/host_contract.yaml, sinkattn_host_pkg::Ctr*), then one register process for all.
  // =============================================================================================
  logic [63:0] ctr_inc [0:NumCtr-1];
  always_comb begin
    for (int c = 0; c < NumCtr; c++) begin
      case (c)
        sinkattn_host_pkg::CtrCycles:         ctr_inc[c] = 64'(st_q != StIdle && st_q != StClear);
        sinkattn_host_pkg::CtrRows:           ctr_inc[c] = 64'(row_taken && em_act_q);
        sinkattn_host_pkg::CtrPrunedRows:     ctr_inc[c] = 64'(row_taken && !em_act_q);
        sinkattn_host_pkg::CtrLsbRefetches:   ctr_inc[c] = redo ? 64'($countones(redo_mask)) : 64'd0;
        sinkattn_host_pkg::CtrSramSinkHits:   ctr_inc[c] = 64'(list_we && scan_tok < sinks_end);
        sinkattn_host_pkg::CtrTokenReads:     ctr_inc[c] = 64'(list_we);
        sinkattn_host_pkg::CtrMacs:           ctr_inc[c] = (row_taken && em_act_q) ?
                                                64'(em_n_q) * 64'(cfg_d_q) * (em_refetched_q ? 64'd3 : 64'd2) : 64'd0;
        sinkattn_host_pkg::CtrEvictions:      ctr_inc[c] = 64'(drop && !sel_hp_q);
        sinkattn_host_pkg::CtrDramWindow:     ctr_inc[c] = 64'(by_window);
        sinkattn_host_pkg::CtrDramMiddle:     ctr_inc[c] = 64'(by_middle);
        sinkattn_host_pkg::CtrDramLsb:        ctr_inc[c] = 64'(by_lsb);
        sinkattn_host_pkg::CtrTopkPasses:     ctr_inc[c] = 64'(tk_pass);
        sinkattn_host_pkg::CtrTopkElements:   ctr_inc[c] = tk_pass ? 64'(tk_pass_count) : 64'd0;
        sinkattn_host_pkg::CtrQkBusy:         ctr_inc[c] = 64'(qk_k_valid && qk_k_ready);
        sinkattn_host_pkg::CtrSoftmaxBusy:    ctr_inc[c] = 64'(ser_take || (sm_p_valid && sm_p_ready));
        sinkattn_host_pkg::CtrPvBusy:         ctr_inc[c] = 64'(pv_fire || pv_out_fire);
        sinkattn_host_pkg::CtrTopkBusy:       ctr_inc[c] = 64'(!tk_start_ready);
        sinkattn_host_pkg::CtrFetchBusy:      ctr_inc[c] = 64'(!fetch_idle);
        sinkattn_host_pkg::CtrDataStall:      ctr_inc[c] = 64'((is_q == IsQk && !keys_ready) ||
                                                               (st_q == StRowSm && sm_p_valid && !disc_now && !v_ready));
        sinkattn_host_pkg::CtrDramReqStall:   ctr_inc[c] = 64'(mem_req_valid_o && !mem_req_ready_i);
        sinkattn_host_pkg::CtrListScan:       ctr_inc[c] = 64'(fscan);
        sinkattn_host_pkg::CtrSelectCycles:   ctr_inc[c] = 64'(st_q == StHpScan || st_q == StEvScan || st_q == StSelStart ||
                                                               st_q == StSelFeed || st_q == StSelOut);
        sinkattn_host_pkg::CtrRowTokens:      ctr_inc[c] = (row_taken && em_act_q) ? 64'(em_n_q) : 64'd0;
        sinkattn_host_pkg::CtrImportanceUpdates: ctr_inc[c] = acc_fire ? 64'(sm_rows) : 64'd0;
        sinkattn_host_pkg::CtrImportanceLoads:   ctr_inc[c] = 64'(imp_load);
        sinkattn_host_pkg::CtrPrefillCycles:  ctr_inc[c] = 64'(st_q != StIdle && st_q != StClear && prefill_q);
        default:                              ctr_inc[c] = 64'd0;
      endcase
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int c = 0; c < NumCtr; c++) ctr_q[c] <= '0;
    end else begin
      for (int c = 0; c < NumCtr; c++) ctr_q[c] <= ctr_q[c] + ctr_inc[c];
    end
  end

  assign fetch_lsb_start = redo && !lsb_started_q;

  // =============================================================================================
  // Outputs
  // =============================================================================================
  assign row_valid_o  = em_valid_q && (!em_act_q || out_done);
  assign row_step_o   = sinkattn_host_pkg::TokenBits'(t_q);
  assign row_layer_o  = LayerBits'(l_q);
  assign row_head_o   = em_head_q;
  assign row_active_o = em_act_q;
  assign row_data_o   = row_out;  // zeros for a pruned head's row (the last send cleared it)
  assign ev_valid_o   = ev_valid_q;
  assign ev_kind_o    = ev_kind_q;
  assign ev_step_o    = ev_step_q;
  assign ev_layer_o   = ev_layer_q;
  assign ev_group_o   = ev_group_q;
  assign ev_tokens_o  = ev_tokens_q;
  assign ev_start_o   = ev_start_q;
  assign ev_end_o     = ev_end_q;
  assign ctr_o        = (32'(ctr_sel_i) < NumCtr) ? ctr_q[ctr_sel_i] : 64'd0;

  // Signals read only by the tests or kept for waveforms.
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused;
  assign unused = ^{tag_empty,            // the issue needs only the row tags' full flag
                    tk_out_last, tk_lfsr, tk_pass_pivot, qk_s_last, cmd_addr_i, cmd_data_i};
  // Read addresses and words whose top bits are always zero: tokens and list positions are below
  // MaxTokens (a TokW value's top bit is for the count MaxTokens itself), query heads below
  // MaxQHeads.
  logic unused_top_bits;
  assign unused_top_bits = ^{ih, ih_d, scan_tok_d, list_pv_tok, prow_d, cand_rtok};
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
