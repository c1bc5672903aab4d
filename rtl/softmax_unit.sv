// Softmax unit: rows of n int32 scores in, n Q1.15 probabilities a row out, bit-exact with
// num::softmax_row (docs/numerics.md, "Softmax"), row by row or a group of rows token-major.
//
// Groups: the rows of one KV head's group read the same keys and values, so the top retires them
// together (docs/group_retire.md): a group is up to MaxGroup rows of the same n, the last marked
// with s_glast_i, and its probabilities leave token-major, one token a cycle: the entry of token
// j carries p(0, j) ... p(G-1, j) side by side (p_o, zero beyond the group's rows, p_rows_o = G).
// A row alone is a group of one (s_glast_i with every s_last_i), which is the row-by-row unit
// this block used to be, cycle for cycle.
//
// The row maximum must be known before the first exp2, and the row sum before the first
// probability, so every row passes three engines, each streaming one score per cycle:
//
//   IN   accepts the scores, writes them to a score bank and tracks s_max;
//   EXP  reads the bank back: d = ((s_max - s) * M + 2^(E-9)) >> (E-8), e = EXP2[d & 255] >> (d >> 8)
//        (0 beyond ExpShiftMax octaves), writes e to an exp bank and sums Z; after the row's last
//        element the reciprocal stage finds lead = floor(log2 Z), reads R = RECIP[10 bits below
//        the leading one] and computes p_max = normalize(ExpOne);
//   OUT  reads the exp bank back and emits p = (e * R + 2^(sh-1)) >> sh, sh = lead + 1, through a
//        small FIFO that absorbs p_ready_i back-pressure; for a group, every row's p of one
//        token in one cycle (a multiplier per row).
//
// Buffering: two score banks (2 x MaxTokens x 32 bits) between IN and EXP and two exp slots
// (a group's rows each) between EXP and OUT, banked by row: MaxGroup cells of 2 x MaxTokens x
// ExpOutBits, one per row, each a simple dual-port RAM (one write, one read port), so IN and EXP
// work on consecutive rows, OUT reads a token of every row at once, and OUT works on the group
// before EXP's. A score bank is handed on when its row is complete, an exp slot when
// its group's last row has its reciprocal; each is handed back as soon as the last read of it
// has been issued. Metadata travels with the banks (n, s_max, M, E and the group-last flag for
// the score banks; n, the row count and per row R, lead, p_max for the exp slots) and, inside EXP
// and OUT, with every pipeline stage, so an engine starts the next row in the cycle after the
// previous row's last issue. OUT reads token j of every row of its slot's group in a cycle.
//
// Timing (rtl/datapath_latency.md; checked by testbench/rtl/softmax_unit_tb.cpp):
//   one row alone, no back-pressure: 3n + 9 cycles from the first score accepted to the last
//   probability taken; R back-to-back rows of n: (R + 2) n + 6 floor((R + 1) / 2) + 3 cycles,
//   i.e. a steady-state rate of 2 rows per 2n + 6 cycles (the exp banks are the limit: a bank is
//   busy from the start of EXP to the end of OUT, and the EXP pipeline tail plus the reciprocal
//   put 6 cycles between a row's last EXP issue and its first OUT issue). Groups of G rows: EXP
//   takes G n cycles a group and OUT n; rtl/datapath_latency.md
//   (sinkattn::latency::softmax_group_cycles).
//
// The scale constant (M, E) is sampled with the first score of each row. A row must end with
// s_last_i after at most MaxTokens scores; a group has at most MaxGroup rows, all of the same n.
//
// The numeric contract's constants come from the generated package sinkattn_numerics_pkg, named in
// the parameter list so that the ANSI port list can use them.
module softmax_unit #(
  parameter int MaxTokens    = 4096,              // longest row (scores per bank)
  parameter int MaxGroup     = 1,                 // most rows of a group (an exp slot's rows)
  parameter int OutFifoDepth = 4,                 // >= 4 keeps OUT at one token per cycle
  parameter     Exp2LutFile  = "exp2_lut.hex",    // generated EXP2 table ($readmemh), set by the build
  parameter     RecipLutFile = "recip_lut.hex",   // generated RECIP table ($readmemh), set by the build
  // The numeric contract's constants this block uses (configs/numerics.yaml, generated package)
  localparam int ExpOutBits    = sinkattn_numerics_pkg::ExpOutBits,
  localparam int ExpShiftMax   = sinkattn_numerics_pkg::ExpShiftMax,
  localparam int LogitFracBits = sinkattn_numerics_pkg::LogitFracBits,
  localparam int ProbFracBits  = sinkattn_numerics_pkg::ProbFracBits,
  localparam int RecipLutBits  = sinkattn_numerics_pkg::RecipLutBits,
  localparam int RecipOutBits  = sinkattn_numerics_pkg::RecipOutBits,
  localparam int ScaleMantBits = sinkattn_numerics_pkg::ScaleMantBits,
  localparam int ScaleShiftMax = sinkattn_numerics_pkg::ScaleShiftMax,
  localparam int ScaleShiftMin = sinkattn_numerics_pkg::ScaleShiftMin,
  // Derived, not to be overridden (the port list uses them)
  localparam int ScoreBits = 32,  // int32 scores (contract)
  localparam int ShiftBits = $clog2(ScaleShiftMax + 1),
  localparam int PBits     = ProbFracBits + 1,  // Q1.15 in 16 bits
  localparam int GCntBits  = $clog2(MaxGroup + 1)  // rows of a group, 1 .. MaxGroup
) (
  input  logic                     clk_i,      // clock
  input  logic                     rst_ni,     // asynchronous reset, active low
  input  logic                     s_valid_i,  // score valid
  output logic                     s_ready_o,  // score accepted when valid & ready
  input  logic [ScoreBits-1:0]     s_i,        // signed int32 score
  input  logic                     s_last_i,   // last score of the row
  input  logic                     s_glast_i,  // with s_last_i: the row is its group's last
  input  logic [ScaleMantBits-1:0] mant_i,     // score-scale mantissa M; read with a row's first score
  input  logic [ShiftBits-1:0]     shift_i,    // score-scale shift E in [ScaleShiftMin, ScaleShiftMax]; ditto
  output logic                     p_valid_o,  // a token's probabilities valid
  input  logic                     p_ready_i,  // taken when valid & ready
  // Row r's probability of the token, unsigned Q1.15, at [r*PBits +: PBits]; zero beyond the
  // group's rows
  output logic [MaxGroup*PBits-1:0] p_o,
  output logic [GCntBits-1:0]      p_rows_o,   // the group's rows G
  output logic                     p_last_o,   // the group's last token
  // The p_max of each row of the group (progressive quantization), row r at [r*PBits +: PBits],
  // zero beyond the group's rows; valid with p_valid_o
  output logic [MaxGroup*PBits-1:0] p_max_o
);

  localparam int IdxBits   = (MaxTokens > 1) ? $clog2(MaxTokens) : 1;  // index inside a bank
  localparam int CntBits   = $clog2(MaxTokens + 1);                 // n = 1 .. MaxTokens
  localparam int ProdBits  = ScoreBits + ScaleMantBits;             // (s_max - s) * M, unsigned
  localparam int BiasTop   = ScaleShiftMax - LogitFracBits;         // rounding bias < 2^BiasTop
  localparam int SumBits   = ((ProdBits > BiasTop) ? ProdBits : BiasTop) + 1;
  localparam int OctBits   = $clog2(ExpShiftMax + 1);               // octaves that do not underflow
  localparam int DistBits  = LogitFracBits + OctBits;               // d below the underflow limit
  // Z <= MaxTokens * ExpOne < 2^(ExpOutBits + ceil(log2 MaxTokens)).
  localparam int ZBits     = ExpOutBits + $clog2(MaxTokens);
  localparam int LeadBits  = $clog2(ZBits);
  localparam int NormBits  = ExpOutBits + RecipOutBits + 1;         // e * R + 2^(sh-1) < 2^33
  localparam int NormOff   = RecipOutBits - ProbFracBits;           // sh = lead + NormOff
  localparam int AddrBits  = IdxBits + 1;                           // {bank, index}
  localparam int SlotRows  = 2 * MaxGroup;                          // the exp slots' rows
  localparam int SrBits    = $clog2(SlotRows);                      // slot * MaxGroup + row
  localparam int RowW      = (MaxGroup > 1) ? $clog2(MaxGroup) : 1; // a row's index in its group
  localparam int FifoCntBits = $clog2(OutFifoDepth + 1);
  localparam int EntryBits = 1 + GCntBits + 2 * MaxGroup * PBits;   // {last, rows, p_max per row, p per row}

  // =============================================================================================
  // Banks and their hand-over flags
  // =============================================================================================
  // The two score banks (IN writes, EXP reads) are one ram_2p cell addressed {bank, index}; the
  // two exp slots (EXP writes, OUT reads) are a ram_2p cell per row addressed {slot, index}. They
  // are instantiated next to their writers.
  // Explicit [0:N-1] ranges: Icarus warns about $readmemh into [N]-declared arrays.
  logic [ExpOutBits-1:0]   exp2_rom  [0:2**LogitFracBits-1];  // EXP2 table
  logic [RecipOutBits-1:0] recip_rom [0:2**RecipLutBits-1];   // RECIP table

  initial begin
    $readmemh(Exp2LutFile, exp2_rom);
    $readmemh(RecipLutFile, recip_rom);
  end

  logic [1:0] sb_full_q, sb_full_d;  // score bank holds a complete row not yet read by EXP
  logic [1:0] eb_busy_q, eb_busy_d;  // exp slot reserved by EXP, not yet fully read by OUT
  logic [1:0] eb_ready_q, eb_ready_d;  // exp slot's group has all its reciprocals: OUT may read it

  // Score-bank metadata, bank b at [b*W +: W]: written by IN, read by EXP when it starts the row.
  logic [2*CntBits-1:0]       sb_n_q;
  logic [2*ScoreBits-1:0]     sb_max_q;
  logic [2*ScaleMantBits-1:0] sb_mant_q;
  logic [2*ShiftBits-1:0]     sb_shift_q;
  logic [1:0]                 sb_glast_q;  // the bank's row is its group's last
  // Exp-slot metadata: n written by EXP at each row's start, the rest by the reciprocal stage,
  // per row at slot * MaxGroup + row.
  logic [2*CntBits-1:0]             eb_n_q;
  logic [2*GCntBits-1:0]            eb_rows_q;
  logic [SlotRows*RecipOutBits-1:0] eb_recip_q;
  logic [SlotRows*LeadBits-1:0]     eb_lead_q;
  logic [SlotRows*PBits-1:0]        eb_pmax_q;

  // =============================================================================================
  // IN engine
  // =============================================================================================
  logic               in_bank_q;
  logic [IdxBits-1:0] in_idx_q;
  logic               in_take;
  logic               in_first;
  logic [ScoreBits-1:0] in_max;

  assign s_ready_o = ~sb_full_q[in_bank_q];
  assign in_take   = s_valid_i & s_ready_o;
  assign in_first  = (in_idx_q == '0);
  assign in_max    = sb_max_q[in_bank_q*ScoreBits +: ScoreBits];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_bank_q <= 1'b0;
      in_idx_q  <= '0;
    end else if (in_take) begin
      in_idx_q  <= s_last_i ? '0 : in_idx_q + IdxBits'(1);
      if (s_last_i) in_bank_q <= ~in_bank_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_take) begin
      sb_n_q[in_bank_q*CntBits +: CntBits] <= CntBits'(in_idx_q) + CntBits'(1);
      if (s_last_i) sb_glast_q[in_bank_q] <= s_glast_i;
      if (in_first) begin
        sb_mant_q[in_bank_q*ScaleMantBits +: ScaleMantBits] <= mant_i;
        sb_shift_q[in_bank_q*ShiftBits +: ShiftBits]        <= shift_i;
      end
      if (in_first || ($signed(s_i) > $signed(in_max))) begin
        sb_max_q[in_bank_q*ScoreBits +: ScoreBits] <= s_i;
      end
    end
  end

  // =============================================================================================
  // EXP engine: issue (X0), RAM data and multiply (X1), bias (X2), shift and table read (X3),
  // octave shift, exp-bank write and row sum (X4). No stalls once a row has started.
  // =============================================================================================
  logic                     x_bank;     // bank of the row being issued (or next to issue)
  logic                     x_slot_q;   // exp slot of its group
  logic [RowW-1:0]          x_row_q;    // its row in the group (0: the slot is still to reserve)
  logic                     x_start, x_issue, x_issue_last;
  logic [IdxBits-1:0]       x_cur_idx;
  logic [CntBits-1:0]       x_cur_n;
  logic [ScoreBits-1:0]     x_cur_max;
  logic [ScaleMantBits-1:0] x_cur_mant;
  logic [ShiftBits-1:0]     x_cur_shift;

  // A row starts when its scores are complete and, for a group's first row, its exp slot has
  // been handed back by OUT; the first issue reads the row's constants straight from the bank so
  // there is no start-up bubble.
  row_issue #(.IdxBits(IdxBits), .CntBits(CntBits), .MetaBits(ScoreBits + ScaleMantBits + ShiftBits)) u_x_issue (
    .clk_i,
    .rst_ni,
    .ready_i     (sb_full_q[x_bank] & ((x_row_q != '0) | ~eb_busy_q[x_slot_q])),
    .credit_i    (1'b1),
    .bank_n_i    (sb_n_q[x_bank*CntBits +: CntBits]),
    .bank_meta_i ({sb_max_q[x_bank*ScoreBits +: ScoreBits], sb_mant_q[x_bank*ScaleMantBits +: ScaleMantBits],
                   sb_shift_q[x_bank*ShiftBits +: ShiftBits]}),
    .bank_o      (x_bank),
    .start_o     (x_start),
    .issue_o     (x_issue),
    .last_o      (x_issue_last),
    .idx_o       (x_cur_idx),
    .n_o         (x_cur_n),
    .meta_o      ({x_cur_max, x_cur_mant, x_cur_shift})
  );

  always_ff @(posedge clk_i) begin
    if (x_start) eb_n_q[x_slot_q*CntBits +: CntBits] <= x_cur_n;
  end
  // The slot moves on after a group's last row.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      x_slot_q <= 1'b0;
      x_row_q  <= '0;
    end else if (x_issue_last) begin
      x_slot_q <= x_slot_q ^ sb_glast_q[x_bank];
      x_row_q  <= sb_glast_q[x_bank] ? '0 : x_row_q + RowW'(1);
    end
  end

  // X1: score from the bank; each stage carries the row constants it still needs.
  logic                     x1_valid_q, x1_last_q, x1_slot_q, x1_glast_q;
  logic [RowW-1:0]          x1_row_q;
  logic [ScoreBits-1:0]     x1_score_q, x1_max_q;
  logic [ScaleMantBits-1:0] x1_mant_q;
  logic [ShiftBits-1:0]     x1_shift_q;
  logic [ScoreBits-1:0]     x1_diff;

  // Score banks: IN writes a score as it arrives, EXP's issue reads it into X1.
  ram_2p #(.Width(ScoreBits), .Depth(2**AddrBits)) u_score_mem (
    .clk_i,
    .we_i    (in_take),
    .waddr_i ({in_bank_q, in_idx_q}),
    .wdata_i (s_i),
    .wmask_i (1'b1),
    .re_i    (x_issue),
    .raddr_i ({x_bank, x_cur_idx}),
    .rdata_o (x1_score_q)
  );
  always_ff @(posedge clk_i) begin
    x1_last_q  <= x_issue_last;
    x1_slot_q  <= x_slot_q;
    x1_row_q   <= x_row_q;
    x1_glast_q <= sb_glast_q[x_bank];
    x1_max_q   <= x_cur_max;
    x1_mant_q  <= x_cur_mant;
    x1_shift_q <= x_cur_shift;
  end
  // s_max >= s, so s_max - s lies in [0, 2^32 - 1]: the 32-bit modular difference is exact.
  assign x1_diff = x1_max_q - x1_score_q;

  // X2: product (s_max - s) * M.
  logic                 x2_valid_q, x2_last_q, x2_slot_q, x2_glast_q;
  logic [RowW-1:0]      x2_row_q;
  logic [ProdBits-1:0]  x2_prod_q;
  logic [ShiftBits-1:0] x2_shift_q;
  always_ff @(posedge clk_i) begin
    x2_prod_q  <= ProdBits'(x1_diff) * ProdBits'(x1_mant_q);
    x2_last_q  <= x1_last_q;
    x2_slot_q  <= x1_slot_q;
    x2_row_q   <= x1_row_q;
    x2_glast_q <= x1_glast_q;
    x2_shift_q <= x1_shift_q;
  end

  // X3: plus the rounding bias 2^(E - LogitFracBits - 1).
  logic                 x3_valid_q, x3_last_q, x3_slot_q, x3_glast_q;
  logic [RowW-1:0]      x3_row_q;
  logic [SumBits-1:0]   x3_sum_q;
  logic [ShiftBits-1:0] x3_shift_q;
  always_ff @(posedge clk_i) begin
    x3_sum_q   <= SumBits'(x2_prod_q) +
                  (SumBits'(1) << (x2_shift_q - ShiftBits'(LogitFracBits + 1)));
    x3_last_q  <= x2_last_q;
    x3_slot_q  <= x2_slot_q;
    x3_row_q   <= x2_row_q;
    x3_glast_q <= x2_glast_q;
    x3_shift_q <= x2_shift_q;
  end
  // d = sum >> (E - LogitFracBits); only d below 2^DistBits gives a non-zero exp2.
  logic [SumBits-1:0]       x3_dist;
  logic                     x3_under;   // d >> LogitFracBits > ExpShiftMax: e = 0
  logic [LogitFracBits-1:0] x3_frac;
  logic [OctBits-1:0]       x3_oct;
  assign x3_dist  = x3_sum_q >> (x3_shift_q - ShiftBits'(LogitFracBits));
  assign x3_under = (x3_dist >> DistBits) != '0;
  assign x3_frac  = x3_dist[LogitFracBits-1:0];
  assign x3_oct   = x3_dist[DistBits-1:LogitFracBits];

  // X4: table value, octave shift, exp-bank write, row sum.
  logic                  x4_valid_q, x4_last_q, x4_slot_q, x4_glast_q, x4_under_q;
  logic [RowW-1:0]       x4_row_q;
  logic [ExpOutBits-1:0] x4_rom_q;
  logic [OctBits-1:0]    x4_oct_q;
  logic [ExpOutBits-1:0] x4_e;
  logic [IdxBits-1:0]    x4_widx_q;  // write index: elements arrive in order
  logic [ZBits-1:0]      z_q, z_next;
  always_ff @(posedge clk_i) begin
    if (x3_valid_q) x4_rom_q <= exp2_rom[x3_frac];
    x4_last_q  <= x3_last_q;
    x4_slot_q  <= x3_slot_q;
    x4_row_q   <= x3_row_q;
    x4_glast_q <= x3_glast_q;
    x4_under_q <= x3_under;
    x4_oct_q   <= x3_oct;
  end
  assign x4_e   = x4_under_q ? '0 : (x4_rom_q >> x4_oct_q);
  assign z_next = z_q + ZBits'(x4_e);


  // Stage valids and the per-row running values are reset; the data above need not be.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      x1_valid_q <= 1'b0;
      x2_valid_q <= 1'b0;
      x3_valid_q <= 1'b0;
      x4_valid_q <= 1'b0;
      x4_widx_q  <= '0;
      z_q        <= '0;
    end else begin
      x1_valid_q <= x_issue;
      x2_valid_q <= x1_valid_q;
      x3_valid_q <= x2_valid_q;
      x4_valid_q <= x3_valid_q;
      if (x4_valid_q) begin
        x4_widx_q <= x4_last_q ? '0 : x4_widx_q + IdxBits'(1);
        z_q       <= x4_last_q ? '0 : z_next;
      end
    end
  end

  // Reciprocal: R0 finds the leading one of Z and reads the table; R1 computes p_max and, after
  // a group's last row, hands the exp slot to OUT. Pipelined, so rows of one element are fine.
  logic                    r0_valid_q, r0_slot_q, r0_glast_q;
  logic [RowW-1:0]         r0_row_q;
  logic [ZBits-1:0]        r0_z_q;
  logic [LeadBits-1:0]     r0_lead;
  logic [RecipLutBits-1:0] r0_index;
  logic                    r1_valid_q, r1_slot_q, r1_glast_q;
  logic [RowW-1:0]         r1_row_q;
  logic [SrBits-1:0]       r1_sr;     // slot * MaxGroup + row: the row's metadata
  logic [LeadBits-1:0]     r1_lead_q;
  logic [RecipOutBits-1:0] r1_recip_q;
  logic [PBits-1:0]        r1_pmax;

  always_ff @(posedge clk_i) begin
    if (x4_valid_q && x4_last_q) begin
      r0_z_q     <= z_next;
      r0_slot_q  <= x4_slot_q;
      r0_row_q   <= x4_row_q;
      r0_glast_q <= x4_glast_q;
    end
  end
  always_comb begin
    r0_lead = '0;
    for (int i = 0; i < ZBits; i++) begin
      if (r0_z_q[i]) r0_lead = LeadBits'(i);
    end
  end
  // Z >= ExpOne, so lead >= ExpOutBits - 1 >= RecipLutBits and the shift is non-negative.
  assign r0_index = RecipLutBits'(r0_z_q >> (r0_lead - LeadBits'(RecipLutBits)));

  always_ff @(posedge clk_i) begin
    if (r0_valid_q) begin
      r1_recip_q <= recip_rom[r0_index];
      r1_lead_q  <= r0_lead;
      r1_slot_q  <= r0_slot_q;
      r1_row_q   <= r0_row_q;
      r1_glast_q <= r0_glast_q;
    end
  end
  assign r1_sr = SrBits'(SrBits'(r1_slot_q) * SrBits'(MaxGroup) + SrBits'(r1_row_q));
  // p_max = normalize(ExpOne): (ExpOne * R + 2^(sh-1)) >> sh, which fits PBits (<= 32784).
  assign r1_pmax = PBits'(((NormBits'(r1_recip_q) << (ExpOutBits - 1)) +
                           (NormBits'(1) << (r1_lead_q + LeadBits'(NormOff - 1)))) >>
                          (r1_lead_q + LeadBits'(NormOff)));

  always_ff @(posedge clk_i) begin
    if (r1_valid_q) begin
      eb_recip_q[r1_sr*RecipOutBits +: RecipOutBits] <= r1_recip_q;
      eb_lead_q[r1_sr*LeadBits +: LeadBits]          <= r1_lead_q;
      eb_pmax_q[r1_sr*PBits +: PBits]                <= r1_pmax;
      // The group's row count: its last row's index + 1.
      if (r1_glast_q) eb_rows_q[r1_slot_q*GCntBits +: GCntBits] <= GCntBits'(r1_row_q) + GCntBits'(1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      r0_valid_q <= 1'b0;
      r1_valid_q <= 1'b0;
    end else begin
      r0_valid_q <= x4_valid_q & x4_last_q;
      r1_valid_q <= r0_valid_q;
    end
  end

  // =============================================================================================
  // OUT engine: issue (O0), RAM data and multiply (O1), round and shift (O2), FIFO. It walks the
  // slot's group token by token, every row of a token in the same cycle.
  // =============================================================================================
  logic                    o_slot_q;   // the slot OUT reads (or waits for)
  logic [IdxBits-1:0]      o_j_q;      // next token
  logic                    o_credit, o_issue, o_issue_last;
  logic [CntBits-1:0]      o_n;        // the group's n
  logic [GCntBits-1:0]     o_rows;     //   and rows
  logic [MaxGroup*PBits-1:0] o_cur_pmax;  // the group's p_max per row, zero beyond its rows
  logic [FifoCntBits-1:0]  occ_q;  // issued and not yet popped: in the pipeline or the FIFO
  logic                    pop;

  // Issue only with a free FIFO slot reserved, so the pipeline never has to stall. The slot's
  // metadata stays put while OUT reads it (EXP reserves the slot again only after OUT's last
  // issue), so every issue reads it directly.
  assign o_credit     = (occ_q < FifoCntBits'(OutFifoDepth));
  assign o_issue      = eb_ready_q[o_slot_q] & o_credit;
  assign o_n          = eb_n_q[o_slot_q*CntBits +: CntBits];
  assign o_rows       = eb_rows_q[o_slot_q*GCntBits +: GCntBits];
  assign o_issue_last = o_issue & (CntBits'(o_j_q) == o_n - CntBits'(1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      o_slot_q <= 1'b0;
      o_j_q    <= '0;
    end else if (o_issue) begin
      o_j_q <= o_issue_last ? '0 : o_j_q + IdxBits'(1);
      if (o_issue_last) o_slot_q <= ~o_slot_q;
    end
  end

  logic                      o1_valid_q, o1_last_q;
  logic [GCntBits-1:0]       o1_rows_q;
  logic [MaxGroup*PBits-1:0] o1_pmax_q;
  logic                      o2_valid_q, o2_last_q;
  logic [GCntBits-1:0]       o2_rows_q;
  logic [MaxGroup*PBits-1:0] o2_pmax_q;
  logic [MaxGroup*PBits-1:0] o2_p;       // row r's probability, zero beyond the group's rows
  always_ff @(posedge clk_i) begin
    o1_last_q <= o_issue_last;
    o1_rows_q <= o_rows;
    o1_pmax_q <= o_cur_pmax;
    o2_last_q <= o1_last_q;
    o2_rows_q <= o1_rows_q;
    o2_pmax_q <= o1_pmax_q;
  end

  // One lane per row: its exp slot cell, its constants, its multiplier and rounding. (The cell's
  // write enable is a net of its own: Icarus 11 takes a genvar in a port expression for an
  // implicit net, which then breaks the genvar's constant uses.)
  localparam int ExpDepth = 2 * 2**IdxBits;  // {slot, index}
  for (genvar r = 0; r < MaxGroup; r++) begin : g_o_row
    logic [SrBits-1:0]       sr;         // slot * MaxGroup + r: the row's metadata
    logic                    in_group;   // the row is one of the group's
    logic [ExpOutBits-1:0]   o1_e_q;
    logic [RecipOutBits-1:0] o1_recip_q;
    logic [LeadBits-1:0]     o1_lead_q;
    logic                    o1_in_q;
    logic [NormBits-1:0]     o2_prod_q;
    logic [LeadBits-1:0]     o2_lead_q;
    logic                    o2_in_q;
    logic                    we;         // X4 writes an exp of row r
    assign we       = x4_valid_q && (32'(x4_row_q) == r);
    assign sr       = SrBits'(SrBits'(o_slot_q) * SrBits'(MaxGroup) + SrBits'(r));
    assign in_group = GCntBits'(r) < o_rows;
    assign o_cur_pmax[r*PBits +: PBits] = in_group ? eb_pmax_q[sr*PBits +: PBits] : '0;
    // Row r's exp slot cell: X4 writes row r's exps as they leave the pipeline, OUT's issue reads
    // token j into O1.
    ram_2p #(.Width(ExpOutBits), .Depth(ExpDepth)) u_exp_mem (
      .clk_i,
      .we_i    (we),
      .waddr_i ({x4_slot_q, x4_widx_q}),
      .wdata_i (x4_e),
      .wmask_i (1'b1),
      .re_i    (o_issue),
      .raddr_i ({o_slot_q, o_j_q}),
      .rdata_o (o1_e_q)
    );
    always_ff @(posedge clk_i) begin
      o1_recip_q <= eb_recip_q[sr*RecipOutBits +: RecipOutBits];
      o1_lead_q  <= eb_lead_q[sr*LeadBits +: LeadBits];
      o1_in_q    <= in_group;
      o2_prod_q  <= NormBits'(o1_e_q) * NormBits'(o1_recip_q);
      o2_lead_q  <= o1_lead_q;
      o2_in_q    <= o1_in_q;
    end
    // p = (e * R + 2^(sh-1)) >> sh <= p_max, so it fits PBits.
    assign o2_p[r*PBits +: PBits] = !o2_in_q ? '0 :
        PBits'((o2_prod_q + (NormBits'(1) << (o2_lead_q + LeadBits'(NormOff - 1)))) >>
               (o2_lead_q + LeadBits'(NormOff)));
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      o1_valid_q <= 1'b0;
      o2_valid_q <= 1'b0;
    end else begin
      o1_valid_q <= o_issue;
      o2_valid_q <= o1_valid_q;
    end
  end

  // Output FIFO: entries {last, rows, p_max per row, p per row}.
  logic fifo_empty;
  // The full flag is not needed: occ_q reserves a slot per issue.
  /* verilator lint_off PINCONNECTEMPTY */
  sync_fifo #(.Width(EntryBits), .Depth(OutFifoDepth)) u_out_fifo (
    .clk_i,
    .rst_ni,
    .push_i  (o2_valid_q),
    .data_i  ({o2_last_q, o2_rows_q, o2_pmax_q, o2_p}),
    .pop_i   (pop),
    .data_o  ({p_last_o, p_rows_o, p_max_o, p_o}),
    .empty_o (fifo_empty),
    .full_o  ()
  );
  /* verilator lint_on PINCONNECTEMPTY */
  assign p_valid_o = ~fifo_empty;
  assign pop       = p_valid_o & p_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) occ_q <= '0;
    else         occ_q <= occ_q + FifoCntBits'(o_issue) - FifoCntBits'(pop);
  end

  // =============================================================================================
  // Bank hand-over. Each flag bit has one setter and one clearer, which never act on the same
  // bank in the same cycle (a bank is set only while clear and cleared only while set).
  // =============================================================================================
  always_comb begin
    sb_full_d  = sb_full_q;
    eb_busy_d  = eb_busy_q;
    eb_ready_d = eb_ready_q;
    if (in_take && s_last_i) sb_full_d[in_bank_q] = 1'b1;
    if (x_issue_last)        sb_full_d[x_bank]    = 1'b0;
    if (x_start && x_row_q == '0)  eb_busy_d[x_slot_q]  = 1'b1;
    if (r1_valid_q && r1_glast_q)  eb_ready_d[r1_slot_q] = 1'b1;
    if (o_issue_last) begin
      eb_busy_d[o_slot_q]  = 1'b0;
      eb_ready_d[o_slot_q] = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sb_full_q  <= '0;
      eb_busy_q  <= '0;
      eb_ready_q <= '0;
    end else begin
      sb_full_q  <= sb_full_d;
      eb_busy_q  <= eb_busy_d;
      eb_ready_q <= eb_ready_d;
    end
  end

`ifndef SYNTHESIS
  initial begin
    if (OutFifoDepth < 1) $fatal(1, "softmax_unit: OutFifoDepth must be >= 1");
    if (MaxTokens < 1) $fatal(1, "softmax_unit: MaxTokens must be >= 1");
    if (MaxGroup < 1) $fatal(1, "softmax_unit: MaxGroup must be >= 1");
  end
  // Protocol: a row longer than MaxTokens would wrap inside its bank, and a shift outside the
  // contract's range would make the logit shift negative or overflow the sum.
  always @(posedge clk_i) begin
    if (in_take && !s_last_i && (CntBits'(in_idx_q) == CntBits'(MaxTokens - 1))) begin
      $fatal(1, "softmax_unit: row longer than MaxTokens = %0d", MaxTokens);
    end
    if (in_take && in_first && ((int'(shift_i) < ScaleShiftMin) || (int'(shift_i) > ScaleShiftMax))) begin
      $fatal(1, "softmax_unit: shift_i = %0d outside [%0d, %0d]", shift_i, ScaleShiftMin, ScaleShiftMax);
    end
    // A group of more than MaxGroup rows would overrun its slot; its rows share the slot's n.
    if (x_issue_last && !sb_glast_q[x_bank] && (GCntBits'(x_row_q) == GCntBits'(MaxGroup - 1))) begin
      $fatal(1, "softmax_unit: group longer than MaxGroup = %0d rows", MaxGroup);
    end
    if (x_start && x_row_q != '0 && x_cur_n != eb_n_q[x_slot_q*CntBits +: CntBits]) begin
      $fatal(1, "softmax_unit: row of %0d scores in a group of rows of %0d", x_cur_n,
             eb_n_q[x_slot_q*CntBits +: CntBits]);
    end
  end
`endif

endmodule
