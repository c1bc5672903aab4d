// Hardware top-k engine: keeps the k largest of n scores, bit-exact with
// sinkattn::topk_select (model/src/topk.cpp) and cycle-exact with
// rtl/topk_engine_latency.md.
//
// Algorithm (the one description shared by the C++, RTL and SystemC models):
//   * quick-select for the k-th largest value; the pivot of every partition
//     pass is candidate number (L mod count) of the current candidate list in
//     stream order, L drawn from one 16-bit Galois LFSR (taps 0xB400) that
//     persists across selections: one step (L 16 bits) for a list under 2^16
//     candidates, two steps beyond (L 32 bits, the first step the high half;
//     sinkattn::topk_draw), so a long context's list is sampled evenly;
//   * a final pass in index order keeps every score > threshold and then the
//     first (k - count_greater) scores equal to it.
//   k == 0 keeps nothing, k >= n keeps everything; neither advances the LFSR.
//
// Structure (SpAtten, HPCA 2021, section on the top-k engine; P below is TopkParallelism):
//   * score buffer S: P single-score banks, row r holds scores rP .. rP+P-1;
//   * P comparators against the pivot per cycle;
//   * two zero eliminators (prefix-count compaction, log2(P) shift stages,
//     then a rotation to the write pointer) that pack the ">" and "<" lanes
//     of a beat and write them P-wide into candidate memories X and Y;
//   * quick-select continues on the side that holds rank k: the ">" side is
//     rewritten in place in the memory it is read from (a pass never writes
//     an address it has not read yet), the "<" side goes to the other one;
//   * a restoring modulo unit (ModSteps quotient bits per cycle, skipping the
//     leading quotient bits that are zero for the divisor) for the pivot index;
//   * a final pass over S emitting kept indices one per output beat.
//
// Loading overlaps the first pass: the first pivot index (lfsr.next() mod n)
// is computed before the first score is accepted, the pivot is captured when
// its beat arrives, and every later beat is compared on the fly. Its
// candidates go to the memories from row PB+1 on (PB = pivot row) while the
// beats 0..PB, compared from S after loading, go from row 0 on; the next pass
// reads the two segments back to back, so stream order is kept exactly.
//
// Stream protocol: every port group is valid/ready; a transfer happens in a
// cycle with valid && ready. One selection:
//   1. command: start_valid_i/start_ready_o with n_i, k_i;
//   2. ceil(n/P) input beats; beat b carries scores bP .. bP+P-1 in lanes
//      0 .. P-1 (lane j in in_scores_i[j*ScoreW +: ScoreW]); the last beat
//      carries n - (ceil(n/P)-1)*P scores in its low lanes, the other lanes
//      are ignored. No per-beat count is needed because the engine knows n.
//   3. min(k, n) output beats (0 when k == 0), kept indices in ascending
//      order, out_last_o on the last one;
//   4. done_o pulses for one cycle after the last output beat, or after the
//      last input beat when nothing is kept (k == 0), or the cycle after the
//      command when n == 0. start_ready_o is high again in that same cycle.
// Scores are unsigned. n_i must be <= MaxN (larger values are not checked).
// MaxN up to 2^24 - 1; past 65535 the modulo unit takes 32-bit draws.
//
// Latency without back-pressure: rtl/topk_engine_latency.md.

`default_nettype none

module topk_engine #(
  // Comparators per cycle (beat width, SpAtten's P; hw.topk_parallelism); a power of two >= 2.
  parameter int TopkParallelism = 16,
  // Score width in bits (unsigned).
  parameter int ScoreW = 48,
  // Largest n; a multiple of P, at least 2*P and below 65536.
  parameter int MaxN = 4096,
  // Initial LFSR state after reset, 1..65535 (hw.topk_lfsr_seed; default 0xACE1). An int
  // rather than a 16-bit vector so that a preset's decimal value can be passed with -G.
  parameter int TopkLfsrSeed = 44257,
  // Restoring-modulo steps per cycle, 1..16: more steps fewer cycles per
  // pass, a longer combinational path.
  parameter int ModSteps = 8
) (
  input  wire                         clk_i,          // clock
  input  wire                         rst_ni,         // asynchronous reset, active low; resets the LFSR to TopkLfsrSeed

  // Command: a selection of the k largest of the next n scores.
  input  wire                         start_valid_i,  // command valid
  output logic                        start_ready_o,  // engine idle: command accepted
  input  wire  [$clog2(MaxN+1)-1:0]   n_i,            // number of scores that follow (0 .. MaxN)
  input  wire  [$clog2(MaxN+1)-1:0]   k_i,            // number to keep; k >= n keeps all

  // Score stream: ceil(n/P) beats of P lanes, the last one possibly partial.
  input  wire                         in_valid_i,     // beat valid
  output logic                        in_ready_o,     // engine is loading scores
  input  wire  [TopkParallelism*ScoreW-1:0] in_scores_i,     // lane j = score of index beat*P + j

  // Kept indices in ascending order, one per beat.
  output logic                        out_valid_o,    // index valid
  input  wire                         out_ready_i,    // consumer takes the index
  output logic [$clog2(MaxN)-1:0]     out_index_o,    // kept score index (position in the input stream)
  output logic                        out_last_o,     // last kept index of this selection
  output logic                        done_o,         // one-cycle pulse: selection finished (also for k == 0, n == 0)

  // Observation of the quick-select, for verification and statistics.
  output logic [15:0]                 lfsr_o,         // current LFSR state (lfsr.state() in the C++ model)
  output logic                        pass_o,         // one-cycle pulse at the end of each partition pass
  output logic [$clog2(MaxN+1)-1:0]   pass_count_o,   // candidates streamed by that pass (TopkStats::elements)
  output logic [$clog2(MaxN+1)-1:0]   pass_pivot_o    // pivot position of that pass in its candidate list
);

  // ---------------------------------------------------------------------------
  // Parameters
  // ---------------------------------------------------------------------------
  localparam int LogP  = $clog2(TopkParallelism);
  localparam int Depth = MaxN / TopkParallelism;           // rows per memory
  localparam int RowW  = $clog2(Depth);
  localparam int CntW  = $clog2(MaxN + 1);   // counts 0 .. MaxN
  localparam int RemW  = CntW + 1;           // partial remainder before the subtract
  localparam int LaneW = TopkParallelism * ScoreW;
  localparam int IdxW  = RowW + LogP;        // element address in a memory: log2(MaxN) bits
  // Pivot draw register: 16 bits, or 32 when a list can hold 2^16 candidates (two LFSR steps).
  localparam int DrawW = (MaxN > 65535) ? 32 : 16;

  // Unsupported parameters stop elaboration in Verilator, Icarus and Yosys alike
  // (elaboration-time $error is not accepted by Icarus 11).
  if (TopkParallelism < 2 || (1 << LogP) != TopkParallelism || MaxN % TopkParallelism != 0 || Depth < 2 || MaxN > 16777215 ||
      ScoreW < 1 || ModSteps < 1 || ModSteps > 16 || TopkLfsrSeed < 1 || TopkLfsrSeed > 65535) begin : g_bad_parameters
    topk_engine_invalid_parameters_see_header u_invalid ();
  end

  typedef enum logic [2:0] {
    StIdle,    // waiting for a command
    StMod0,    // first pivot index = L mod n, before any score is accepted
    StLoad,    // accepting score beats; beats after the pivot's are partitioned on the fly
    StPrep,    // first read of the beats that arrived before (or with) the pivot
    StRun,     // partition pass: one beat per cycle through the comparators
    StDecide,  // pass finished: pick the side holding rank k, or the threshold is found
    StMod,     // next pivot index = L mod count
    StFinal    // final pass over S, emitting kept indices
  } state_e;

  // ---------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------
  // Lanes in a beat holding `left` remaining candidates: min(P, left).
  function automatic logic [LogP:0] beat_lanes(input logic [CntW-1:0] left);
    if (left >= CntW'(TopkParallelism)) beat_lanes = (LogP+1)'(TopkParallelism);
    else beat_lanes = (LogP+1)'(left);
  endfunction

  // Number of significant bits of a non-zero count (1 .. CntW).
  function automatic logic [5:0] bit_length(input logic [CntW-1:0] v);
    logic [5:0] b;
    b = 6'd0;
    for (int i = 0; i < CntW; i++) if (v[i]) b = 6'(i + 1);
    bit_length = b;
  endfunction

  // ---------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------
  state_e            state_q, state_d;
  logic [15:0]       lfsr_q, lfsr_d;
  logic              done_q, done_d;
  logic              sel_mode_q, sel_mode_d;   // 0 < k < n: quick-select
  logic              all_mode_q, all_mode_d;   // k >= n: keep everything
  logic [RowW-1:0]   last_row_q, last_row_d;   // ceil(n/P) - 1
  logic [LogP:0]     last_lanes_q, last_lanes_d;  // scores in the last beat
  logic [CntW-1:0]   emit_q, emit_d;           // indices to emit: min(k, n)
  logic [CntW-1:0]   rank_q, rank_d;           // rank of the k-th largest in the candidates
  logic [CntW-1:0]   cur_cnt_q, cur_cnt_d;     // candidates of the current pass
  logic [CntW-1:0]   piv_idx_q, piv_idx_d;     // pivot position of the current pass
  logic [RowW-1:0]   late_row_q, late_row_d;   // first row of the on-the-fly (late) segment
  logic [RowW-1:0]   ld_row_q, ld_row_d;       // next input beat
  logic [ScoreW-1:0] pivot_q;                  // pivot; the threshold once found
  logic              pivot_in_en, pivot_mem_en; // capture it from the input beat / the memory

  // On-the-fly partition of late input beats (one cycle behind the input).
  logic              otf_valid_q, otf_valid_d;
  logic [LogP:0]     otf_lanes_q, otf_lanes_d;
  logic [LaneW-1:0]  otf_data_q;

  // Candidates written by the current pass: early (segment 0, from row 0)
  // and late (segment 1, from late_row_q; pass 1 only).
  logic [CntW-1:0]   gt_early_q, gt_early_d, gt_late_q, gt_late_d;
  logic [CntW-1:0]   lt_early_q, lt_early_d, lt_late_q, lt_late_d;

  // Current candidate list: seg0 = [0, len0), seg1 = [late_row*P, +len1).
  logic [CntW-1:0]   len0_q, len0_d, len1_q, len1_d;
  logic              src_y_q, src_y_d;         // list lives in Y (else X); ">" goes here, "<" to the other
  logic              from_s_q, from_s_d;       // pass 1 reads the score buffer S

  // Beat reader: the beat at the memory outputs, compared in this StRun cycle.
  logic [RowW-1:0]   rd_row_q, rd_row_d;
  logic [CntW-1:0]   rd_left_q, rd_left_d;     // candidates left in the segment, this beat included
  logic              rd_seg_q, rd_seg_d;
  logic [LogP:0]     rd_lanes_q, rd_lanes_d;

  // First beat of a pass over X/Y: its row was read in StDecide and held at the
  // bank outputs; the pivot's bank alone was re-read in the last StMod cycle.
  logic              first_q, first_d;
  logic              subst_q, subst_d;         // pivot bank was re-read: take its first-beat score from save_q
  logic [LogP-1:0]   piv_lane_q, piv_lane_d;
  logic [ScoreW-1:0] save_q;
  logic              save_en;

  // Modulo unit: remainder of a 16-bit LFSR value by a count.
  logic [RemW-1:0]   div_r_q, div_r_d;
  logic [CntW-1:0]   div_c_q, div_c_d;
  logic [DrawW-1:0]  div_bits_q, div_bits_d;   // dividend bits still to shift in, MSB first
  logic [4:0]        div_left_q, div_left_d;   // steps still to do

  // Final pass.
  logic [CntW-1:0]   ties_q, ties_d;           // ties at the threshold still to keep
  logic [RowW-1:0]   fin_row_q, fin_row_d;     // row at the S outputs
  logic              fin_have_q, fin_have_d;   // that row is not yet in mask_q
  logic [TopkParallelism-1:0]      mask_q, mask_d;           // kept lanes of mrow_q not yet emitted
  logic [RowW-1:0]   mrow_q, mrow_d;
  logic [CntW-1:0]   out_cnt_q, out_cnt_d;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= StIdle;
      lfsr_q       <= 16'(TopkLfsrSeed);
      done_q       <= 1'b0;
      sel_mode_q   <= 1'b0;
      all_mode_q   <= 1'b0;
      last_row_q   <= '0;
      last_lanes_q <= '0;
      emit_q       <= '0;
      rank_q       <= '0;
      cur_cnt_q    <= '0;
      piv_idx_q    <= '0;
      late_row_q   <= '0;
      ld_row_q     <= '0;
      otf_valid_q  <= 1'b0;
      otf_lanes_q  <= '0;
      gt_early_q   <= '0;
      gt_late_q    <= '0;
      lt_early_q   <= '0;
      lt_late_q    <= '0;
      len0_q       <= '0;
      len1_q       <= '0;
      src_y_q      <= 1'b0;
      from_s_q     <= 1'b0;
      rd_row_q     <= '0;
      rd_left_q    <= '0;
      rd_seg_q     <= 1'b0;
      rd_lanes_q   <= '0;
      first_q      <= 1'b0;
      subst_q      <= 1'b0;
      piv_lane_q   <= '0;
      div_r_q      <= '0;
      div_c_q      <= '0;
      div_bits_q   <= '0;
      div_left_q   <= '0;
      ties_q       <= '0;
      fin_row_q    <= '0;
      fin_have_q   <= 1'b0;
      mask_q       <= '0;
      mrow_q       <= '0;
      out_cnt_q    <= '0;
    end else begin
      state_q      <= state_d;
      lfsr_q       <= lfsr_d;
      done_q       <= done_d;
      sel_mode_q   <= sel_mode_d;
      all_mode_q   <= all_mode_d;
      last_row_q   <= last_row_d;
      last_lanes_q <= last_lanes_d;
      emit_q       <= emit_d;
      rank_q       <= rank_d;
      cur_cnt_q    <= cur_cnt_d;
      piv_idx_q    <= piv_idx_d;
      late_row_q   <= late_row_d;
      ld_row_q     <= ld_row_d;
      otf_valid_q  <= otf_valid_d;
      otf_lanes_q  <= otf_lanes_d;
      gt_early_q   <= gt_early_d;
      gt_late_q    <= gt_late_d;
      lt_early_q   <= lt_early_d;
      lt_late_q    <= lt_late_d;
      len0_q       <= len0_d;
      len1_q       <= len1_d;
      src_y_q      <= src_y_d;
      from_s_q     <= from_s_d;
      rd_row_q     <= rd_row_d;
      rd_left_q    <= rd_left_d;
      rd_seg_q     <= rd_seg_d;
      rd_lanes_q   <= rd_lanes_d;
      first_q      <= first_d;
      subst_q      <= subst_d;
      piv_lane_q   <= piv_lane_d;
      div_r_q      <= div_r_d;
      div_c_q      <= div_c_d;
      div_bits_q   <= div_bits_d;
      div_left_q   <= div_left_d;
      ties_q       <= ties_d;
      fin_row_q    <= fin_row_d;
      fin_have_q   <= fin_have_d;
      mask_q       <= mask_d;
      mrow_q       <= mrow_d;
      out_cnt_q    <= out_cnt_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Datapath: comparators, zero eliminators, final-pass mask. Written as
  // per-lane continuous assignments so that an event-driven simulator only
  // re-evaluates the lanes whose inputs changed.
  // ---------------------------------------------------------------------------
  localparam int EW = 1 + LogP + ScoreW;   // eliminator element: {valid, shift, score}
  localparam int RW = 1 + ScoreW;          // rotator element: {valid, score}

  logic [15:0]       lfsr_next;       // the LFSR one step on (a 16-bit draw)
  logic [15:0]       lfsr_next2;      // two steps on (the low half of a 32-bit draw)
  logic [LaneW-1:0]  src_rdata;       // the current list's memory outputs, lane by lane
  logic [ScoreW-1:0] src_piv_score;   // its pivot bank output
  logic              cmp_from_otf, cmp_from_s, cmp_subst;
  logic [ScoreW-1:0] cmp_pivot;
  logic [LogP:0]     cmp_lanes;
  logic [TopkParallelism-1:0]      cmp_valid, cmp_gt;
  logic              part_active;     // a beat is partitioned this cycle
  logic [IdxW-1:0]   gt_wptr, lt_wptr;
  logic [LogP:0]     gt_num, lt_num;
  logic [TopkParallelism-1:0]      fin_mask, fin_ties;
  logic [LogP:0]     fin_lanes;
  logic [LogP:0]     tie_num;         // ties in the beat

  // Galois LFSR step, exactly Lfsr16::next().
  assign lfsr_next  = {1'b0, lfsr_q[15:1]} ^ (lfsr_q[0] ? 16'hB400 : 16'h0000);
  assign lfsr_next2 = {1'b0, lfsr_next[15:1]} ^ (lfsr_next[0] ? 16'hB400 : 16'h0000);

  assign src_piv_score = src_rdata[piv_lane_q*ScoreW +: ScoreW];
  assign part_active   = otf_valid_q || (state_q == StRun);
  assign fin_lanes     = (fin_row_q == last_row_q) ? last_lanes_q : (LogP+1)'(TopkParallelism);
  assign cmp_from_otf  = otf_valid_q;
  assign cmp_from_s    = (state_q == StFinal) || from_s_q;
  assign cmp_subst     = first_q && subst_q;
  assign cmp_lanes     = cmp_from_otf ? otf_lanes_q : (state_q == StFinal) ? fin_lanes : rd_lanes_q;
  // The first beat of a pass over X/Y meets its pivot in the same cycle the
  // pivot leaves the memory; later beats use the registered copy.
  assign cmp_pivot     = (state_q == StRun && first_q) ? src_piv_score : pivot_q;

  // Write pointers: the late segment of pass 1 starts at row late_row_q.
  assign gt_wptr = otf_valid_q ? {late_row_q, {LogP{1'b0}}} + gt_late_q[IdxW-1:0] : gt_early_q[IdxW-1:0];
  assign lt_wptr = otf_valid_q ? {late_row_q, {LogP{1'b0}}} + lt_late_q[IdxW-1:0] : lt_early_q[IdxW-1:0];

  for (genvar j = 0; j < TopkParallelism; j++) begin : g_cmp
    logic [ScoreW-1:0] src, score;
    assign src = src_y_q ? g_xy_bank[TopkParallelism + j].rdata : g_xy_bank[j].rdata;
    assign src_rdata[j*ScoreW +: ScoreW] = src;
    // Lane j of the beat: the input beat (pass 1, late part), S (pass 1 early
    // part, final pass) or the list's memory, where the pivot's bank may have
    // been re-read and its first-beat score comes from save_q.
    assign score = cmp_from_otf ? otf_data_q[j*ScoreW +: ScoreW] :
                   cmp_from_s   ? g_s_bank[j].rdata :
                   (cmp_subst && piv_lane_q == LogP'(j)) ? save_q : src;
    logic valid, gt, lt, eq, sel_gt, sel_lt;
    assign valid  = (LogP+1)'(j) < cmp_lanes;
    assign gt     = valid && (score > cmp_pivot);
    assign lt     = valid && (score < cmp_pivot);
    assign eq     = valid && (score == cmp_pivot);
    // The eliminators idle unless a beat is partitioned (no toggling in the final pass).
    assign sel_gt = part_active && gt;
    assign sel_lt = part_active && lt;
    assign cmp_valid[j] = valid;
    assign cmp_gt[j]    = gt;
  end

  // Zero eliminators, one for ">" (side 0) and one for "<" (side 1): pack the
  // selected lanes to lanes 0.. in order, then rotate them by the write
  // pointer's lane so that they land on the banks that follow the pointer.
  // Element j moves down by z_j = number of unselected lanes before it; stage s
  // moves by 2^s when bit s of z_j is set. Going from the least significant bit
  // up, two elements never meet in one lane (z is non-decreasing in j and grows
  // by at most the gap between two selected lanes), so the network is
  // P*log2(P) 2:1 multiplexers rather than a P x P crossbar.
  for (genvar side = 0; side < 2; side++) begin : g_elim
    logic [LogP-1:0] rot;
    assign rot = (side == 0) ? gt_wptr[LogP-1:0] : lt_wptr[LogP-1:0];

    // Lanes taking part in this side.
    for (genvar j = 0; j < TopkParallelism; j++) begin : g_sel
      logic s;
      if (side == 0) begin : g_gt
        assign s = g_cmp[j].sel_gt;
      end else begin : g_lt
        assign s = g_cmp[j].sel_lt;
      end
    end

    // Prefix counts of selected lanes.
    for (genvar j = 0; j <= TopkParallelism; j++) begin : g_pre
      logic [LogP:0] cnt;   // selected lanes below lane j
      if (j == 0) begin : g_zero
        assign cnt = '0;
      end else begin : g_add
        assign cnt = g_pre[j-1].cnt + {{LogP{1'b0}}, g_sel[j-1].s};
      end
    end

    // Every lane of every stage is a signal of its own, so that a simulator
    // re-evaluates only the lanes whose inputs changed.
    for (genvar s = 0; s <= LogP; s++) begin : g_shift
      for (genvar i = 0; i < TopkParallelism; i++) begin : g_lane
        logic [EW-1:0] e;
        if (s == 0) begin : g_in
          assign e = {g_sel[i].s, LogP'(i) - g_pre[i].cnt[LogP-1:0], g_cmp[i].score};
        end else begin : g_step
          logic [EW-1:0] own, up;
          assign own = g_shift[s-1].g_lane[i].e;
          if (i + (1 << (s-1)) < TopkParallelism) begin : g_up
            assign up = g_shift[s-1].g_lane[i + (1 << (s-1))].e;
          end else begin : g_top
            assign up = '0;
          end
          assign e = (own[EW-1] && !own[ScoreW + s - 1]) ? own :
                     (up[EW-1] && up[ScoreW + s - 1])    ? up : '0;
        end
      end
    end

    for (genvar s = 0; s <= LogP; s++) begin : g_rot
      for (genvar i = 0; i < TopkParallelism; i++) begin : g_lane
        logic [RW-1:0] e;
        if (s == 0) begin : g_in
          assign e = {g_shift[LogP].g_lane[i].e[EW-1], g_shift[LogP].g_lane[i].e[ScoreW-1:0]};
        end else begin : g_step
          assign e = rot[s-1] ? g_rot[s-1].g_lane[(i + TopkParallelism - (1 << (s-1))) % TopkParallelism].e : g_rot[s-1].g_lane[i].e;
        end
      end
    end
  end

  assign gt_num = g_elim[0].g_pre[TopkParallelism].cnt;
  assign lt_num = g_elim[1].g_pre[TopkParallelism].cnt;

  // ---------------------------------------------------------------------------
  // Memories: S (scores), X and Y (candidates); P banks of Depth x ScoreW each.
  // ---------------------------------------------------------------------------
  logic               s_we;
  logic               s_re;
  logic [RowW-1:0]    s_raddr;

  logic [2*TopkParallelism-1:0]      xy_re;        // per bank: {Y banks, X banks}
  logic [2*RowW-1:0]   xy_raddr;     // one row per memory

  // Read data stays per bank (g_s_bank[b].rdata, g_xy_bank[b].rdata) rather
  // than in one wide vector, so that a simulator wakes only that bank's readers.
  for (genvar b = 0; b < TopkParallelism; b++) begin : g_s_bank
    logic [ScoreW-1:0] rdata;
    ram_2p #(
      .Width (ScoreW),
      .Depth (Depth)
    ) u_ram (
      .clk_i   (clk_i),
      .we_i    (s_we),
      .waddr_i (ld_row_q),
      .wdata_i (in_scores_i[b*ScoreW +: ScoreW]),
      .wmask_i (1'b1),
      .re_i    (s_re),
      .raddr_i (s_raddr),
      .rdata_o (rdata)
    );
  end

  // X and Y: ">" candidates go to the list's own memory, "<" to the other one.
  // A bank below the write pointer's lane receives an element that wrapped to
  // the next row.
  for (genvar b = 0; b < 2*TopkParallelism; b++) begin : g_xy_bank
    logic [ScoreW-1:0] rdata;
    logic              takes_gt;
    logic [RowW-1:0]   wrow, waddr;
    logic [RW-1:0]     e;  // {valid, score} leaving the eliminator towards this bank
    assign takes_gt = ((b / TopkParallelism) == 1) == src_y_q;
    assign wrow     = takes_gt ? gt_wptr[LogP +: RowW] : lt_wptr[LogP +: RowW];
    assign e        = takes_gt ? g_elim[0].g_rot[LogP].g_lane[b % TopkParallelism].e : g_elim[1].g_rot[LogP].g_lane[b % TopkParallelism].e;
    if ((b % TopkParallelism) == TopkParallelism - 1) begin : g_no_wrap
      // The last bank of a row is never below the pointer's lane.
      assign waddr = wrow;
    end else begin : g_wrap
      logic [LogP-1:0] wlane;
      assign wlane = takes_gt ? gt_wptr[LogP-1:0] : lt_wptr[LogP-1:0];
      assign waddr = wrow + {{(RowW-1){1'b0}}, (LogP'(b % TopkParallelism) < wlane)};
    end
    ram_2p #(
      .Width (ScoreW),
      .Depth (Depth)
    ) u_ram (
      .clk_i   (clk_i),
      .we_i    (part_active && e[ScoreW]),
      .waddr_i (waddr),
      .wdata_i (e[ScoreW-1:0]),
      .wmask_i (1'b1),
      .re_i    (xy_re[b]),
      .raddr_i (xy_raddr[(b / TopkParallelism)*RowW +: RowW]),
      .rdata_o (rdata)
    );
  end

  // Final pass: > threshold, then ties in lane order while the budget lasts.
  for (genvar j = 0; j <= TopkParallelism; j++) begin : g_tie
    logic [LogP:0] cnt;   // ties below lane j
    if (j == 0) begin : g_zero
      assign cnt = '0;
    end else begin : g_add
      assign cnt = g_tie[j-1].cnt + {{LogP{1'b0}}, g_cmp[j-1].eq};
    end
    if (j < TopkParallelism) begin : g_keep
      assign fin_ties[j] = g_cmp[j].eq && (CntW'(cnt) < ties_q);
    end
  end
  assign fin_mask = all_mode_q ? cmp_valid : (cmp_gt | fin_ties);
  assign tie_num  = g_tie[TopkParallelism].cnt;

  // ---------------------------------------------------------------------------
  // Modulo unit step: ModSteps restoring steps per cycle
  // ---------------------------------------------------------------------------
  logic [RemW-1:0] div_r_step;
  logic [DrawW-1:0] div_bits_step;
  logic            div_last;
  logic [CntW-1:0] div_result;

  // Step i shifts in the next dividend bit and subtracts the divisor if it fits;
  // steps beyond the ones left pass their input through.
  for (genvar i = 0; i <= ModSteps; i++) begin : g_div
    logic [RemW-1:0] r;
    logic [DrawW-1:0] bits;
    if (i == 0) begin : g_in
      assign r    = div_r_q;
      assign bits = div_bits_q;
    end else begin : g_step
      logic [RemW-1:0] shifted;
      logic            active;
      assign active  = 5'(i - 1) < div_left_q;
      assign shifted = {g_div[i-1].r[RemW-2:0], g_div[i-1].bits[DrawW-1]};
      assign r       = !active ? g_div[i-1].r :
                       (shifted >= {1'b0, div_c_q}) ? shifted - {1'b0, div_c_q} : shifted;
      assign bits    = active ? {g_div[i-1].bits[DrawW-2:0], 1'b0} : g_div[i-1].bits;
    end
  end

  assign div_r_step    = g_div[ModSteps].r;
  assign div_bits_step = g_div[ModSteps].bits;
  assign div_last      = div_left_q <= 5'(ModSteps);
  assign div_result    = div_r_step[CntW-1:0];

  logic [CntW-1:0] div_load_c;      // divisor to load (the pass's candidate count)
  logic [4:0]      div_load_steps;  // restoring steps it needs
  logic            draw_wide;       // the divisor is 2^16 or more: a 32-bit draw, two LFSR steps
  logic [DrawW-1:0] draw_l;         // the draw L, left-aligned in the dividend register
  logic [5:0]      draw_bits;       // its width, 16 or 32

  // ---------------------------------------------------------------------------
  // Control
  // ---------------------------------------------------------------------------
  logic            out_fire;
  logic [CntW-1:0] ge_cnt;       // candidates >= pivot
  logic [CntW-1:0] gt_cnt;       // candidates > pivot
  logic [CntW-1:0] next_len0, next_len1, next_left;
  logic [RowW-1:0] next_row;
  logic            load_div;
  logic            found;
  logic            take_lt;
  logic [CntW-1:0] left_after;
  logic            fin_load;

  assign out_fire = out_valid_o && out_ready_i;

  // Where the next pivot sits: candidate div_result of a list stored as
  // [0, len0) and [late_row*P, late_row*P + len1).
  logic [IdxW-1:0] piv_off;      // pivot offset in segment 1
  logic [IdxW-1:0] piv_pos;      // pivot address in its memory
  logic [RowW-1:0] piv_row;
  logic [LogP-1:0] piv_lane;
  logic [RowW-1:0] div_row;      // row of the modulo result (pass 1: the pivot's beat)
  logic [RowW-1:0] load_piv_row; // beat that carries the pass-1 pivot
  logic [LogP-1:0] n_lanes;      // n mod P
  assign piv_off      = div_result[IdxW-1:0] - len0_q[IdxW-1:0];
  assign piv_pos      = (div_result < len0_q) ? div_result[IdxW-1:0] : {late_row_q, {LogP{1'b0}}} + piv_off;
  assign piv_row      = piv_pos[LogP +: RowW];
  assign piv_lane     = piv_pos[LogP-1:0];
  assign div_row      = div_result[LogP +: RowW];
  assign load_piv_row = piv_idx_q[LogP +: RowW];
  assign n_lanes      = n_i[LogP-1:0];

  always_comb begin
    state_d      = state_q;
    lfsr_d       = lfsr_q;
    done_d       = 1'b0;
    sel_mode_d   = sel_mode_q;
    all_mode_d   = all_mode_q;
    last_row_d   = last_row_q;
    last_lanes_d = last_lanes_q;
    emit_d       = emit_q;
    rank_d       = rank_q;
    cur_cnt_d    = cur_cnt_q;
    piv_idx_d    = piv_idx_q;
    late_row_d   = late_row_q;
    ld_row_d     = ld_row_q;
    pivot_in_en  = 1'b0;
    pivot_mem_en = 1'b0;
    otf_valid_d  = 1'b0;
    otf_lanes_d  = otf_lanes_q;
    gt_early_d   = gt_early_q;
    gt_late_d    = gt_late_q;
    lt_early_d   = lt_early_q;
    lt_late_d    = lt_late_q;
    len0_d       = len0_q;
    len1_d       = len1_q;
    src_y_d      = src_y_q;
    from_s_d     = from_s_q;
    rd_row_d     = rd_row_q;
    rd_left_d    = rd_left_q;
    rd_seg_d     = rd_seg_q;
    rd_lanes_d   = rd_lanes_q;
    first_d      = first_q;
    subst_d      = subst_q;
    piv_lane_d   = piv_lane_q;
    save_en      = 1'b0;
    div_r_d      = div_r_q;
    div_c_d      = div_c_q;
    div_bits_d   = div_bits_q;
    div_left_d   = div_left_q;
    ties_d       = ties_q;
    fin_row_d    = fin_row_q;
    fin_have_d   = fin_have_q;
    mask_d       = mask_q;
    mrow_d       = mrow_q;
    out_cnt_d    = out_cnt_q;

    s_we     = 1'b0;
    s_re     = 1'b0;
    s_raddr  = '0;
    xy_re    = '0;
    xy_raddr = '0;

    load_div   = 1'b0;
    div_load_c = '0;
    ge_cnt     = cur_cnt_q - lt_early_q - lt_late_q;
    gt_cnt     = gt_early_q + gt_late_q;
    found      = 1'b0;
    take_lt    = 1'b0;
    next_len0  = '0;
    next_len1  = '0;
    next_left  = '0;
    next_row   = '0;
    left_after = rd_left_q - CntW'(rd_lanes_q);
    fin_load   = 1'b0;

    // Partition counts of the beat in the comparators.
    if (part_active) begin
      if (otf_valid_q) begin
        gt_late_d = gt_late_q + CntW'(gt_num);
        lt_late_d = lt_late_q + CntW'(lt_num);
      end else begin
        gt_early_d = gt_early_q + CntW'(gt_num);
        lt_early_d = lt_early_q + CntW'(lt_num);
      end
    end

    case (state_q)
      StIdle: begin
        if (start_valid_i) begin
          last_row_d   = RowW'((n_i - 1'b1) >> LogP);
          last_lanes_d = (n_lanes == '0) ? (LogP+1)'(TopkParallelism) : {1'b0, n_lanes};
          ld_row_d     = '0;
          rank_d       = k_i;
          cur_cnt_d    = n_i;
          gt_early_d   = '0;
          gt_late_d    = '0;
          lt_early_d   = '0;
          lt_late_d    = '0;
          src_y_d      = 1'b0;
          from_s_d     = 1'b1;
          out_cnt_d    = '0;
          mask_d       = '0;
          fin_have_d   = 1'b0;
          sel_mode_d   = 1'b0;
          all_mode_d   = 1'b0;
          emit_d       = '0;
          if (n_i == '0) begin
            done_d = 1'b1;
          end else if (k_i == '0) begin
            state_d = StLoad;
          end else if (k_i >= n_i) begin
            all_mode_d = 1'b1;
            emit_d     = n_i;
            state_d    = StLoad;
          end else begin
            sel_mode_d = 1'b1;
            emit_d     = k_i;
            lfsr_d     = lfsr_next;
            load_div   = 1'b1;
            div_load_c = n_i;
            state_d    = StMod0;
          end
        end
      end

      StMod0: begin
        div_r_d    = div_r_step;
        div_bits_d = div_bits_step;
        div_left_d = div_left_q - 5'(ModSteps);
        if (div_last) begin
          piv_idx_d  = div_result;
          late_row_d = div_row + 1'b1;
          // Beats 0..PB are compared from S after loading: that is segment 0.
          len0_d     = (div_row == last_row_q) ? cur_cnt_q : CntW'({late_row_d, {LogP{1'b0}}});
          len1_d     = '0;
          state_d    = StLoad;
        end
      end

      StLoad: begin
        if (in_valid_i) begin
          s_we     = 1'b1;
          ld_row_d = ld_row_q + 1'b1;
          if (sel_mode_q) begin
            if (ld_row_q == load_piv_row) begin
              pivot_in_en = 1'b1;
            end
            if (ld_row_q > load_piv_row) begin
              otf_valid_d = 1'b1;
              otf_lanes_d = (ld_row_q == last_row_q) ? last_lanes_q : (LogP+1)'(TopkParallelism);
            end
          end
          if (ld_row_q == last_row_q) begin
            if (sel_mode_q) begin
              state_d = StPrep;
            end else if (all_mode_q) begin
              // Keep-all masks do not look at the scores: no read needed.
              fin_row_d  = '0;
              fin_have_d = 1'b1;
              state_d    = StFinal;
            end else begin
              done_d  = 1'b1;
              state_d = StIdle;
            end
          end
        end
      end

      StPrep: begin
        s_re       = 1'b1;
        s_raddr    = '0;
        rd_row_d   = '0;
        rd_left_d  = len0_q;
        rd_seg_d   = 1'b0;
        rd_lanes_d = beat_lanes(len0_q);
        first_d    = 1'b0;
        state_d    = StRun;
      end

      StRun: begin
        if (first_q) begin
          pivot_mem_en = 1'b1;
          first_d = 1'b0;
        end
        if (left_after != '0) begin
          next_row   = rd_row_q + 1'b1;
          rd_row_d   = next_row;
          rd_left_d  = left_after;
          rd_lanes_d = beat_lanes(left_after);
        end else if (!rd_seg_q && len1_q != '0) begin
          next_row   = late_row_q;
          rd_row_d   = next_row;
          rd_left_d  = len1_q;
          rd_seg_d   = 1'b1;
          rd_lanes_d = beat_lanes(len1_q);
        end else begin
          state_d = StDecide;
        end
        if (state_d == StRun) begin
          if (from_s_q) begin
            s_re    = 1'b1;
            s_raddr = next_row;
          end else begin
            xy_re[(src_y_q ? TopkParallelism : 0) +: TopkParallelism]        = {TopkParallelism{1'b1}};
            xy_raddr[(src_y_q ? 1 : 0)*RowW +: RowW] = next_row;
          end
        end
      end

      StDecide: begin
        if (rank_q <= gt_cnt) begin
          next_len0 = gt_early_q;
          next_len1 = gt_late_q;
        end else if (rank_q <= ge_cnt) begin
          found = 1'b1;
        end else begin
          take_lt   = 1'b1;
          next_len0 = lt_early_q;
          next_len1 = lt_late_q;
        end
        if (found) begin
          ties_d     = rank_q - gt_cnt;
          s_re       = 1'b1;
          s_raddr    = '0;
          fin_row_d  = '0;
          fin_have_d = 1'b1;
          state_d    = StFinal;
        end else begin
          rank_d     = take_lt ? rank_q - ge_cnt : rank_q;
          src_y_d    = src_y_q ^ take_lt;
          from_s_d   = 1'b0;
          len0_d     = next_len0;
          len1_d     = next_len1;
          cur_cnt_d  = next_len0 + next_len1;
          gt_early_d = '0;
          gt_late_d  = '0;
          lt_early_d = '0;
          lt_late_d  = '0;
          lfsr_d     = lfsr_next;
          load_div   = 1'b1;
          div_load_c = next_len0 + next_len1;
          // Read the list's first beat now; the bank outputs hold it while the
          // modulo unit runs.
          next_row   = (next_len0 != '0) ? '0 : late_row_q;
          next_left  = (next_len0 != '0) ? next_len0 : next_len1;
          rd_row_d   = next_row;
          rd_left_d  = next_left;
          rd_seg_d   = (next_len0 == '0);
          rd_lanes_d = beat_lanes(next_left);
          xy_re[(src_y_d ? TopkParallelism : 0) +: TopkParallelism]            = {TopkParallelism{1'b1}};
          xy_raddr[(src_y_d ? 1 : 0)*RowW +: RowW] = next_row;
          state_d    = StMod;
        end
      end

      StMod: begin
        div_r_d    = div_r_step;
        div_bits_d = div_bits_step;
        div_left_d = div_left_q - 5'(ModSteps);
        if (div_last) begin
          piv_idx_d = div_result;
          piv_lane_d = piv_lane;
          first_d   = 1'b1;
          subst_d   = (piv_row != rd_row_q);
          if (piv_row != rd_row_q) begin
            // Only the pivot's bank is re-read; keep its first-beat score.
            xy_re[(src_y_q ? TopkParallelism : 0) + 32'(piv_lane)]  = 1'b1;
            xy_raddr[(src_y_q ? 1 : 0)*RowW +: RowW] = piv_row;
            save_en = 1'b1;
          end
          state_d = StRun;
        end
      end

      StFinal: begin
        fin_load = fin_have_q && (mask_q == '0 || (out_fire && (mask_q & (mask_q - 1'b1)) == '0));
        if (fin_load) begin
          mask_d = fin_mask;
          mrow_d = fin_row_q;
          // The row keeps min(ties in the row, budget) ties.
          ties_d = (CntW'(tie_num) >= ties_q) ? '0 : ties_q - CntW'(tie_num);
          if (fin_row_q != last_row_q) begin
            s_re      = 1'b1;
            s_raddr   = fin_row_q + 1'b1;
            fin_row_d = fin_row_q + 1'b1;
          end else begin
            fin_have_d = 1'b0;
          end
        end else if (out_fire) begin
          mask_d = mask_q & (mask_q - 1'b1);
        end
        if (out_fire) begin
          out_cnt_d = out_cnt_q + 1'b1;
          if (out_last_o) begin
            mask_d     = '0;
            fin_have_d = 1'b0;
            done_d     = 1'b1;
            state_d    = StIdle;
          end
        end
      end

      default: state_d = StIdle;
    endcase

    // Loading the modulo unit with the B-bit draw L (B = draw_bits) and c >= 1. With
    // st = B + 1 - bit_length(c), the first B-st quotient bits are zero (2^(B-st) <= c),
    // so the remainder starts as the top B-st bits of L and only st steps remain. A
    // 32-bit draw takes the LFSR two steps (the state after the second is L's low half).
    draw_wide      = DrawW > 16 && 32'(div_load_c) > 32'd65535;
    draw_bits      = draw_wide ? 6'd32 : 6'd16;
    draw_l         = draw_wide ? DrawW'({lfsr_next, lfsr_next2}) : DrawW'({lfsr_next, 16'h0000} >> (32 - DrawW));
    div_load_steps = 5'(draw_bits + 6'd1 - bit_length(div_load_c));
    if (load_div) begin
      div_c_d    = div_load_c;
      div_left_d = div_load_steps;
      div_r_d    = RemW'(draw_l >> (6'(DrawW) - draw_bits + 6'(div_load_steps)));
      div_bits_d = draw_l << (draw_bits - 6'(div_load_steps));
      if (draw_wide) lfsr_d = lfsr_next2;
    end
  end

  // Wide data registers need no reset: each is written before it is used.
  // Their enables come from the control logic; the data stays out of it, which
  // keeps event-driven simulation of the control block cheap.
  always_ff @(posedge clk_i) begin
    if (pivot_in_en) pivot_q <= in_scores_i[piv_idx_q[LogP-1:0]*ScoreW +: ScoreW];
    else if (pivot_mem_en) pivot_q <= src_piv_score;
    if (otf_valid_d) otf_data_q <= in_scores_i;
    if (save_en) save_q <= src_rdata[piv_lane*ScoreW +: ScoreW];
  end

  // ---------------------------------------------------------------------------
  // Outputs
  // ---------------------------------------------------------------------------
  logic [LogP-1:0] out_lane;
  always_comb begin
    out_lane = '0;
    for (int j = TopkParallelism - 1; j >= 0; j--) if (mask_q[j]) out_lane = LogP'(j);
  end

  assign start_ready_o = (state_q == StIdle);
  assign in_ready_o    = (state_q == StLoad);
  assign out_valid_o   = (state_q == StFinal) && (mask_q != '0);
  assign out_index_o   = {mrow_q, out_lane};
  assign out_last_o    = (out_cnt_q == emit_q - 1'b1);
  assign done_o        = done_q;
  assign lfsr_o        = lfsr_q;
  assign pass_o        = (state_q == StDecide);
  assign pass_count_o  = cur_cnt_q;
  assign pass_pivot_o  = piv_idx_q;

endmodule

`default_nettype wire
