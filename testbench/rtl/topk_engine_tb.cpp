// GoogleTest harness for rtl/topk_engine.sv (Verilated): the kept index set, the LFSR
// sequence and the pass structure against sinkattn::topk_select (with its pass trace), and the
// cycle count against the latency formula of rtl/topk_engine_latency.md as the model library
// evaluates it (sinkattn::topk_engine_timing, shared with the SystemC model).
//
// Every test drives one engine instance and one sinkattn::Lfsr16 in sequence, as the
// accelerator does. Without back-pressure the measured cycles (last input beat, each pass,
// last output beat, done) must equal the formula; random valid/ready back-pressure on the
// command, the scores and the indices must not change any result.
//
// Environment: SINKATTN_SEED (default 20260401) picks the vectors and is always printed; a
// failure names the seed, the vector number, n, k and the first differing output beat.
// WAVES=1 writes <Suite.Test>.fst to the current directory. SINKATTN_RTL_VECTORS=DIR makes
// TopkEngine.IcarusVectors write DIR/topk_engine_vectors.txt for topk_engine_iverilog_tb.sv.
//
// The binary has its own main() (link GTest::gtest, not gtest_main) for two more modes:
//   topk_engine_tb --bench [--bench-vectors 20] [--bench-expect 1000]   (scripts/bench.sh topk)
//       CSV for SpAtten's cells (see print_bench); needs MaxN >= 8192, one build per P
//   topk_engine_tb --write-vectors FILE [--vectors 300]
//       the Icarus vector file without running any test
// Anything else goes to GoogleTest (--gtest_filter=..., etc.).
//
// Build: CMake makes topk_engine_tb from the default preset's parameters (ctest label rtl) and
// topk_engine_bench_p{4,16,64} (MaxN 8192) for scripts/bench.sh topk; the SINKATTN_TB_TOPK_*
// defines tell the harness what the block was Verilated with (P*ScoreW is checked at compile
// time against the port width, MaxN/ModSteps/TopkLfsrSeed by the tests themselves).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "Vtopk_engine.h"
#include "harness.hpp"
#include "sinkattn/topk.hpp"

#ifndef SINKATTN_TB_TOPK_P
#define SINKATTN_TB_TOPK_P 16
#endif
#ifndef SINKATTN_TB_TOPK_SCORE_W
#define SINKATTN_TB_TOPK_SCORE_W 48
#endif
#ifndef SINKATTN_TB_TOPK_MAX_N
#define SINKATTN_TB_TOPK_MAX_N 4096
#endif
#ifndef SINKATTN_TB_TOPK_MOD_STEPS
#define SINKATTN_TB_TOPK_MOD_STEPS 8
#endif
#ifndef SINKATTN_TB_TOPK_LFSR_SEED
#define SINKATTN_TB_TOPK_LFSR_SEED 0xACE1
#endif

namespace {

constexpr int kP = SINKATTN_TB_TOPK_P;
constexpr int kScoreW = SINKATTN_TB_TOPK_SCORE_W;
constexpr int kMaxN = SINKATTN_TB_TOPK_MAX_N;
constexpr int kModSteps = SINKATTN_TB_TOPK_MOD_STEPS;
constexpr std::uint16_t kLfsrSeed = SINKATTN_TB_TOPK_LFSR_SEED;
constexpr std::uint64_t kScoreMask = kScoreW >= 64 ? ~0ULL : ((1ULL << kScoreW) - 1);
constexpr int ceil_log2(long v) { return v <= 1 ? 0 : 1 + ceil_log2((v + 1) / 2); }
constexpr int kCntW = ceil_log2(kMaxN + 1);
constexpr long kMaxK = (1L << kCntW) - 1;  // k_i is CntW bits wide
constexpr std::uint64_t kDefaultSeed = 20260401;

static_assert(kScoreW <= 64, "the C++ model holds scores in uint64_t");
static_assert(sizeof(Vtopk_engine::in_scores_i) * 8 >= static_cast<std::size_t>(kP * kScoreW) &&
                  sizeof(Vtopk_engine::in_scores_i) * 8 < static_cast<std::size_t>(kP * kScoreW) + 64,
              "SINKATTN_TB_TOPK_P / _SCORE_W do not match the Verilated -GP / -GScoreW");

std::uint64_t g_seed = kDefaultSeed;

std::uint64_t harness_seed() {
  static bool printed = false;
  if (!printed) {
    const char* env = std::getenv("SINKATTN_SEED");
    g_seed = env ? std::strtoull(env, nullptr, 0) : kDefaultSeed;
    std::cout << "[   SEED   ] " << g_seed << " (rerun with SINKATTN_SEED=" << g_seed << ")\n"
              << "[  PARAMS  ] P=" << kP << " ScoreW=" << kScoreW << " MaxN=" << kMaxN
              << " ModSteps=" << kModSteps << " TopkLfsrSeed=0x" << std::hex << kLfsrSeed << std::dec << "\n";
    printed = true;
  }
  return g_seed;
}

// ---------------------------------------------------------------------------------------------
// The model side of every check: sinkattn::topk_select with its pass trace, and the latency
// formula of rtl/topk_engine_latency.md (sinkattn::topk_engine_timing) for this build's P and
// ModSteps, cycle 0 = start handshake, no back-pressure.
// ---------------------------------------------------------------------------------------------
struct Model {
  std::vector<std::uint8_t> keep;
  sinkattn::TopkStats stats;
  std::vector<sinkattn::TopkPass> trace;
  sinkattn::TopkTiming timing;  // timing.passes: the per-pass record pass_o must show
};

// One selection, advancing `lfsr` as the engine advances its own.
Model model(const std::vector<std::uint64_t>& s, long k, sinkattn::Lfsr16& lfsr) {
  Model m;
  m.stats = sinkattn::topk_select(s, static_cast<int>(k), lfsr, m.keep, &m.trace);
  m.timing = sinkattn::topk_engine_timing(s, static_cast<int>(k), m.keep, m.trace, kP, kModSteps);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Driver for the Verilated engine.
// ---------------------------------------------------------------------------------------------
// Word-wise version of sinkattn::rtl::put_bits for the wide score port (a bit loop over
// P*ScoreW bits every cycle would dominate the run time at P = 64).
template <typename T>
void put_lane(T& port, int lsb, int width, std::uint64_t v) {
  if constexpr (std::is_integral_v<T>) {
    sinkattn::rtl::put_bits(port, lsb, width, v);
  } else {
    for (int i = 0; i < width;) {
      const int bit = lsb + i, word = bit / 32, off = bit % 32;
      const int take = std::min(32 - off, width - i);
      const std::uint32_t m = (take == 32 ? 0xFFFFFFFFu : ((1u << take) - 1)) << off;
      const std::uint32_t chunk = static_cast<std::uint32_t>(v >> i) << off;
      port[word] = (port[word] & ~m) | (chunk & m);
      i += take;
    }
  }
}

struct BackPressure {
  double start_valid = 1.0;  // probability that a pending valid is presented in a cycle
  double in_valid = 1.0;
  double out_ready = 1.0;
  bool none() const { return start_valid >= 1.0 && in_valid >= 1.0 && out_ready >= 1.0; }
};

struct PassObs {
  std::uint32_t count, pivot;
  std::uint16_t lfsr;
  long cycle;
};

struct RunResult {
  std::vector<std::uint32_t> idx;
  std::vector<PassObs> passes;
  std::uint16_t lfsr_after = 0;
  sinkattn::TopkTiming t;  // measured, relative to the start handshake (t.passes unused: see passes)
  bool last_flag_ok = true;
  bool timeout = false;
  std::string protocol_error;
};

// The engine behind sinkattn::tb::Dut (reset, clocking, WAVES=1), with its inputs idle.
class Engine : public sinkattn::tb::Dut<Vtopk_engine> {
 public:
  Engine()
      : sinkattn::tb::Dut<Vtopk_engine>("topk_engine", [](Vtopk_engine& t) {
          t.start_valid_i = 0;
          t.in_valid_i = 0;
          t.out_ready_i = 0;
        }) {}

  // One selection: command, score beats, indices until done_o. Inputs change between clock
  // edges; handshakes are taken from the settled values just before the rising edge.
  RunResult run(const std::vector<std::uint64_t>& s, long k, const BackPressure& bp, std::mt19937_64& rng) {
    Vtopk_engine& top = *operator->();
    RunResult r;
    const long n = static_cast<long>(s.size());
    const long nb = (n + kP - 1) / kP;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    bool started = false, done = false;
    long start_cycle = 0, beat = 0;
    const long limit = 64L * (n + 64) + 4L * n * kP + 10000;
    const std::uint64_t cnt_mask = (1ULL << kCntW) - 1;  // Verilator wants clean upper bits
    for (long c = 0; !done; ++c) {
      if (c > limit) {
        r.timeout = true;
        break;
      }
      // Inputs for this cycle; data is scrambled whenever it must be ignored.
      top.start_valid_i = !started && (u(rng) < bp.start_valid);
      top.n_i = static_cast<std::remove_reference_t<decltype(top.n_i)>>((started ? rng() : n) & cnt_mask);
      top.k_i = static_cast<std::remove_reference_t<decltype(top.k_i)>>((started ? rng() : k) & cnt_mask);
      top.in_valid_i = started && beat < nb && (u(rng) < bp.in_valid);
      for (int j = 0; j < kP; ++j) {
        const long i = beat * kP + j;
        const bool real = top.in_valid_i && i < n;
        put_lane(top.in_scores_i, j * kScoreW, kScoreW, (real ? s[i] : rng()) & kScoreMask);
      }
      top.out_ready_i = u(rng) < bp.out_ready;
      settle();
      // Handshakes of this cycle.
      const long rel = c - start_cycle;
      if (started && top.done_o) {
        r.t.done = rel;
        done = true;
      }
      if (!started && top.start_valid_i && top.start_ready_o) {
        started = true;
        start_cycle = c;
      } else if (started && top.start_ready_o && !top.done_o) {
        // The engine takes no new command before it has signalled completion.
        if (r.protocol_error.empty()) r.protocol_error = "start_ready_o high before done_o at cycle " + std::to_string(rel);
      }
      if (started && top.in_valid_i && top.in_ready_o) {
        ++beat;
        if (beat == nb) r.t.last_in = rel;
      }
      if (started && top.pass_o)
        r.passes.push_back({static_cast<std::uint32_t>(top.pass_count_o), static_cast<std::uint32_t>(top.pass_pivot_o),
                            static_cast<std::uint16_t>(top.lfsr_o), rel});
      if (top.out_valid_o && top.out_ready_i) {
        if (!started && r.protocol_error.empty()) r.protocol_error = "output beat before the command";
        r.idx.push_back(top.out_index_o);
        const bool should_be_last = static_cast<long>(r.idx.size()) == std::min(k, n);
        if (static_cast<bool>(top.out_last_o) != should_be_last) r.last_flag_ok = false;
        r.t.last_out = rel;
      }
      posedge();
    }
    if (!r.passes.empty()) r.t.decide = r.passes.back().cycle;
    r.lfsr_after = top.lfsr_o;
    // Idle afterwards: nothing may come out, and done_o is a single pulse.
    top.start_valid_i = 0;
    top.in_valid_i = 0;
    top.out_ready_i = 1;
    for (int i = 0; i < 2 && !r.timeout; ++i) {
      settle();
      if (i == 0 && top.done_o) r.protocol_error = "done_o longer than one cycle";
      if (top.out_valid_o) r.protocol_error = "output beat after done_o";
      if (!top.start_ready_o) r.protocol_error = "start_ready_o low after done_o";
      posedge();
    }
    return r;
  }
};

// ---------------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------------
struct Vector {
  std::vector<std::uint64_t> s;
  long k = 0;
};

long pick_n(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0: return 1 + static_cast<long>(rng() % 3);                              // 1..3
    case 1: return std::max(1L, kP - 1 + static_cast<long>(rng() % 3));            // P-1..P+1
    case 2: return 1 + static_cast<long>(rng() % (4 * kP));                        // a few beats
    case 3: return kMaxN - static_cast<long>(rng() % 3);                           // full buffer
    case 4: return 1 + static_cast<long>(rng() % kMaxN);                           // anything
    default: return 1 + static_cast<long>(rng() % std::min<long>(kMaxN, 600));      // typical
  }
}

long pick_k(std::mt19937_64& rng, long n) {
  switch (rng() % 12) {
    case 0: return 0;
    case 1: return n;
    case 2: return std::min(kMaxK, n + 1 + static_cast<long>(rng() % 5));
    case 3: return kMaxK;
    case 4: return 1;
    case 5: return std::max(0L, n - 1);
    default: return static_cast<long>(rng() % (n + 1));
  }
}

std::vector<std::uint64_t> pick_scores(std::mt19937_64& rng, long n) {
  std::vector<std::uint64_t> s(n);
  const int kind = static_cast<int>(rng() % 8);
  const std::uint64_t base = rng() & kScoreMask;
  for (long i = 0; i < n; ++i) {
    std::uint64_t v = 0;
    switch (kind) {
      case 0: v = rng() % 4; break;                                   // many ties
      case 1: v = rng() % 16; break;
      case 2: v = base; break;                                        // all equal
      case 3: v = (rng() % 3 == 0) ? kScoreMask : (rng() % 2); break;  // extremes and ties
      case 4: v = static_cast<std::uint64_t>(i); break;                 // ascending
      case 5: v = kScoreMask - static_cast<std::uint64_t>(i); break;    // descending
      default: v = rng(); break;                                      // wide range
    }
    s[i] = v & kScoreMask;
  }
  return s;
}

Vector random_vector(std::mt19937_64& rng) {
  Vector v;
  const long n = pick_n(rng);
  v.s = pick_scores(rng, n);
  v.k = pick_k(rng, n);
  return v;
}

std::vector<std::uint32_t> kept_indices(const std::vector<std::uint8_t>& keep) {
  std::vector<std::uint32_t> idx;
  for (std::size_t i = 0; i < keep.size(); ++i)
    if (keep[i]) idx.push_back(static_cast<std::uint32_t>(i));
  return idx;
}

// ---------------------------------------------------------------------------------------------
// One vector through the engine and the model: every check, with a message that reproduces it.
// ---------------------------------------------------------------------------------------------
// What the vectors exercised, so that a degenerate generator shows up as a failure.
struct Coverage {
  long none = 0, all = 0, select = 0, empty = 0;  // k == 0, k >= n, quick-select, n == 0
  long passes = 0;
  long two_segments = 0;  // a pass reading both segments left by the overlapped first pass
  long late_pivot = 0;    // a pass whose pivot is not in its first beat (re-read of one bank)
  long cut_ties = 0;      // selections keeping some but not all scores equal to the threshold
  long partial_beat = 0;  // n not a multiple of P
  void add(const std::vector<std::uint64_t>& s, long k, const Model& m) {
    const long n = static_cast<long>(s.size());
    if (n == 0) ++empty;
    else if (k <= 0) ++none;
    else if (k >= n) ++all;
    else ++select;
    if (n % kP) ++partial_beat;
    passes += static_cast<long>(m.trace.size());
    for (std::size_t j = 1; j < m.timing.passes.size(); ++j) {
      const sinkattn::TopkEnginePass& p = m.timing.passes[j];
      two_segments += p.len0 > 0 && p.len1 > 0;
      late_pivot += p.len0 > 0 ? p.pivot >= std::min<std::uint32_t>(p.len0, kP) : p.pivot >= kP;
    }
    if (k > 0 && k < n) {
      // The threshold is the smallest kept score; a cut tie leaves an equal score behind.
      std::uint64_t thr = ~0ULL;
      for (long i = 0; i < n; ++i)
        if (m.keep[i]) thr = std::min(thr, s[i]);
      bool left = false;
      for (long i = 0; i < n; ++i) left |= !m.keep[i] && s[i] == thr;
      cut_ties += left;
    }
  }
  void print(const char* what, long vectors) const {
    std::cout << "[ COVERAGE ] " << what << ": " << vectors << " vectors: " << select << " select, " << all
              << " keep-all, " << none << " k=0, " << empty << " n=0; " << partial_beat << " partial last beat; "
              << passes << " passes, " << two_segments << " two-segment, " << late_pivot << " pivot re-read; "
              << cut_ties << " with cut ties\n";
  }
};

struct Checker {
  Engine engine;
  sinkattn::Lfsr16 lfsr{kLfsrSeed};
  std::mt19937_64 rng;
  long vectors = 0;
  Coverage cov;
  explicit Checker(std::uint64_t seed) : rng(seed) {}

  // Returns false (after recording a failure) on the first mismatch.
  bool check(const Vector& v, const BackPressure& bp, const char* what) {
    const long n = static_cast<long>(v.s.size());
    const long vec = vectors++;
    std::ostringstream where;
    where << "seed " << g_seed << " " << what << " vector " << vec << " n " << n << " k " << v.k;

    const Model m = model(v.s, v.k, lfsr);
    // The trace the formula is evaluated on must describe the passes topk_select counted.
    std::uint64_t streamed = 0;
    for (const sinkattn::TopkPass& p : m.trace) streamed += p.count;
    EXPECT_EQ(static_cast<int>(m.trace.size()), m.stats.passes) << where.str();
    EXPECT_EQ(streamed, m.stats.elements) << where.str();
    cov.add(v.s, v.k, m);

    const RunResult r = engine.run(v.s, v.k, bp, rng);
    if (r.timeout) {
      ADD_FAILURE() << where.str() << ": timeout (no done_o)";
      return false;
    }
    if (!r.protocol_error.empty()) {
      ADD_FAILURE() << where.str() << ": " << r.protocol_error;
      return false;
    }
    const std::vector<std::uint32_t> want = kept_indices(m.keep);
    if (r.idx != want) {
      std::size_t i = 0;
      while (i < want.size() && i < r.idx.size() && want[i] == r.idx[i]) ++i;
      std::ostringstream msg;
      msg << where.str() << ": kept index set differs at output beat " << i << ": expected "
          << (i < want.size() ? std::to_string(want[i]) : std::string("<end>")) << ", got "
          << (i < r.idx.size() ? std::to_string(r.idx[i]) : std::string("<end>")) << " (" << want.size()
          << " expected, " << r.idx.size() << " emitted)";
      ADD_FAILURE() << msg.str();
      return false;
    }
    if (!r.last_flag_ok) {
      ADD_FAILURE() << where.str() << ": out_last_o not exactly on the last index";
      return false;
    }
    if (r.lfsr_after != lfsr.state()) {
      ADD_FAILURE() << where.str() << ": LFSR after selection 0x" << std::hex << r.lfsr_after << ", model 0x"
                    << lfsr.state() << std::dec;
      return false;
    }
    const sinkattn::TopkTiming& f = m.timing;
    if (r.passes.size() != f.passes.size()) {
      ADD_FAILURE() << where.str() << ": " << r.passes.size() << " partition passes, model " << f.passes.size();
      return false;
    }
    for (std::size_t j = 0; j < f.passes.size(); ++j) {
      const PassObs& o = r.passes[j];
      const sinkattn::TopkEnginePass& p = f.passes[j];
      // lfsr_o at pass_o is the LFSR state after the pass's draw: the draw itself, or the low
      // half of a 32-bit draw (a list of 2^16 candidates or more).
      if (o.count != p.count || o.pivot != p.pivot || o.lfsr != static_cast<std::uint16_t>(p.lfsr)) {
        ADD_FAILURE() << where.str() << ": pass " << j << " (count, pivot, lfsr) = (" << o.count << ", " << o.pivot
                      << ", 0x" << std::hex << o.lfsr << "), model (" << std::dec << p.count << ", " << p.pivot
                      << ", 0x" << std::hex << p.lfsr << ")" << std::dec;
        return false;
      }
    }
    if (bp.none()) {
      if (r.t.last_in != f.last_in || r.t.decide != f.decide || r.t.last_out != f.last_out || r.t.done != f.done) {
        ADD_FAILURE() << where.str() << ": cycles (last_in, decide, last_out, done) measured (" << r.t.last_in << ", "
                      << r.t.decide << ", " << r.t.last_out << ", " << r.t.done << "), formula (" << f.last_in << ", "
                      << f.decide << ", " << f.last_out << ", " << f.done << ")";
        return false;
      }
      // pass_o is high exactly in the cycles T_1 .. T_J.
      for (std::size_t j = 0; j < f.passes.size(); ++j) {
        if (r.passes[j].cycle != f.passes[j].cycle) {
          ADD_FAILURE() << where.str() << ": pass " << j << " at cycle " << r.passes[j].cycle << ", formula "
                        << f.passes[j].cycle;
          return false;
        }
      }
    } else if (r.t.done < f.done) {
      ADD_FAILURE() << where.str() << ": finished in " << r.t.done << " cycles under back-pressure, faster than the "
                    << f.done << " of the formula";
      return false;
    }
    return !::testing::Test::HasFailure();
  }
};

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------
TEST(TopkEngine, Formula) {
  // Spot values of the formula for this build's ModSteps (model/tests/test_topk.cpp has the rest).
  EXPECT_EQ(sinkattn::topk_mod_cycles(1, kModSteps), (16 + kModSteps - 1) / kModSteps);
  EXPECT_EQ(sinkattn::topk_mod_cycles(65535, kModSteps), 1);
  sinkattn::Lfsr16 lfsr(1);
  EXPECT_EQ(model({}, 3, lfsr).timing.done, 1);
}

TEST(TopkEngine, EdgeCases) {
  const std::uint64_t seed = harness_seed();
  Checker ck(seed ^ 0x1);
  const BackPressure free_flow;
  std::vector<Vector> vs;
  auto add = [&](std::vector<std::uint64_t> s, long k) { vs.push_back({std::move(s), k}); };
  add({}, 0);
  add({}, 5);
  add({7}, 0);
  add({7}, 1);
  add({7}, 2);
  add({7}, kMaxK);
  add({3, 3}, 1);
  add({1, 2}, 1);
  add({2, 1}, 1);
  for (long n : {2L, static_cast<long>(kP) - 1, static_cast<long>(kP), static_cast<long>(kP) + 1, 2L * kP + 3,
                 static_cast<long>(kMaxN) - 1, static_cast<long>(kMaxN)}) {
    if (n < 1) continue;
    std::vector<std::uint64_t> eq(n, 42), asc(n), desc(n), zero(n, 0), top(n, kScoreMask);
    for (long i = 0; i < n; ++i) asc[i] = static_cast<std::uint64_t>(i), desc[i] = static_cast<std::uint64_t>(n - i);
    for (long k : {0L, 1L, n / 2, n - 1, n, n + 1}) {
      add(eq, k);  // all equal: the lowest k indices
      add(asc, k);
      add(desc, k);
      add(zero, k);
      add(top, k);
    }
  }
  // The pivot at every lane of the first beat and of the last beat, many ties around it.
  for (int rep = 0; rep < 64; ++rep) add(pick_scores(ck.rng, 2 * kP + rep % kP), 1 + rep % (2 * kP));
  for (const Vector& v : vs)
    if (!ck.check(v, free_flow, "edge")) return;
  // The same list again, with back-pressure everywhere.
  const BackPressure bp{0.5, 0.5, 0.4};
  for (const Vector& v : vs)
    if (!ck.check(v, bp, "edge+bp")) return;
  ck.cov.print("edge", ck.vectors);
  EXPECT_EQ(ck.cov.empty, 4);
}

// Lists of 2^16 candidates and more (a long context's alive middle) take a 32-bit draw, two
// LFSR steps a pass: around the switch, at MaxN, and random sizes above it, with and without
// back-pressure. Only a build with MaxN > 65535 has such lists (topk_engine_long_tb).
TEST(TopkEngine, LongLists) {
  if (kMaxN <= 65535) GTEST_SKIP() << "MaxN " << kMaxN << " holds no list of 2^16 candidates";
  const std::uint64_t seed = harness_seed();
  Checker ck(seed ^ 0x10);
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ULL + 3);
  std::uniform_int_distribution<long> size(65537, kMaxN);
  std::vector<long> sizes = {65535, 65536, 65537, kMaxN - 1, kMaxN};
  for (int i = 0; i < 6; ++i) sizes.push_back(size(gen));
  int wide = 0;
  for (std::size_t v = 0; v < sizes.size(); ++v) {
    const long n = sizes[v];
    std::vector<std::uint64_t> s = pick_scores(ck.rng, n);
    std::uniform_int_distribution<long> kd(1, n - 1);
    for (long k : {1L, kd(gen), n - 1}) {
      const BackPressure bp = v % 2 ? BackPressure{0.7, 0.6, 0.5} : BackPressure{};
      if (!ck.check({s, k}, bp, "long")) return;
      wide += n >= 65536;
    }
  }
  EXPECT_GT(wide, 20);
}

TEST(TopkEngine, RandomNoBackPressure) {
  const std::uint64_t seed = harness_seed();
  Checker ck(seed);
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ULL + 1);
  const BackPressure free_flow;
  for (int i = 0; i < 6000; ++i)
    if (!ck.check(random_vector(gen), free_flow, "random")) return;
  ck.cov.print("random", ck.vectors);
  EXPECT_GT(ck.cov.select, 2000);
  EXPECT_GT(ck.cov.all, 500);
  EXPECT_GT(ck.cov.none, 300);
  EXPECT_GT(ck.cov.two_segments, 500);
  EXPECT_GT(ck.cov.late_pivot, 500);
  EXPECT_GT(ck.cov.cut_ties, 500);
}

TEST(TopkEngine, RandomBackPressure) {
  const std::uint64_t seed = harness_seed();
  Checker ck(seed ^ 0xB9);
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ULL + 2);
  std::uniform_real_distribution<double> u(0.2, 1.0);
  for (int i = 0; i < 4000; ++i) {
    const BackPressure bp{u(gen), u(gen), u(gen)};
    if (!ck.check(random_vector(gen), bp, "random+bp")) return;
  }
  ck.cov.print("random+bp", ck.vectors);
  EXPECT_GT(ck.cov.select, 1500);
  EXPECT_GT(ck.cov.two_segments, 300);
}

// The engine's LFSR out of reset, against the sequence derived here from the polynomial of
// docs/numerics.md (x^16 + x^14 + x^13 + x^11 + 1, Galois, shifting right: the bit shifted out
// toggles bit e-1 for each lower term x^e), not from sinkattn::Lfsr16: one draw per partition
// pass, starting from TopkLfsrSeed, and each pivot is that draw mod the pass's count. A second
// engine, fresh from reset, starts again from the seed.
std::vector<std::uint16_t> lfsr_from_polynomial(std::uint16_t seed, std::size_t count) {
  std::uint32_t mask = 0;
  for (int e : {16, 14, 13, 11}) mask |= 1u << (e - 1);
  std::vector<std::uint16_t> seq;
  for (std::uint32_t x = seed; seq.size() < count;) {
    const std::uint32_t out = x & 1u;
    x >>= 1;
    if (out) x ^= mask;
    seq.push_back(static_cast<std::uint16_t>(x));
  }
  return seq;
}

TEST(TopkEngine, ResetStartsThePolynomialSequenceAtTheSeed) {
  harness_seed();
  std::vector<std::uint64_t> s(4 * kP + 3);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = (i * 7919 + 13) % 1000;  // distinct: k = 1 needs passes
  std::mt19937_64 rng(7);
  std::vector<PassObs> first;
  for (int engine_no = 0; engine_no < 2; ++engine_no) {
    Engine engine;  // fresh out of reset
    const RunResult r = engine.run(s, 1, BackPressure{}, rng);
    ASSERT_FALSE(r.timeout);
    ASSERT_GE(r.passes.size(), 2u) << "the vector should need several passes";
    const std::vector<std::uint16_t> seq = lfsr_from_polynomial(kLfsrSeed, r.passes.size());
    for (std::size_t j = 0; j < r.passes.size(); ++j) {
      EXPECT_EQ(r.passes[j].lfsr, seq[j]) << "engine " << engine_no << " pass " << j;
      EXPECT_EQ(r.passes[j].pivot, r.passes[j].lfsr % r.passes[j].count) << "engine " << engine_no << " pass " << j;
    }
    EXPECT_EQ(r.passes[0].count, s.size());
    EXPECT_EQ(r.lfsr_after, seq.back());
    if (engine_no == 1) {
      EXPECT_EQ(r.passes.size(), first.size());
    }
    first = r.passes;
  }
}

// ---------------------------------------------------------------------------------------------
// Bench: SpAtten's quick-select cells. One CSV line per cell (n, k) this build's MaxN allows:
//   n,k,P             the cell
//   cycles_mean/max   RTL quick-select latency over `vectors` random 48-bit score vectors:
//                     last input beat to threshold known (T_sel - T_in in topk_engine_latency.md),
//                     the metric comparable with SpAtten's (loading and index output excluded)
//   formula_mean/max  the latency formula on the same vectors (equal, or the bench fails)
//   expected_mean     the formula alone over `expect_vectors` further vectors
//   total_mean/max    RTL command handshake to last output beat (T_out)
//   spatten_mean      SpAtten's published quick-select mean for this P (-1: none)
// ---------------------------------------------------------------------------------------------
int print_bench(int vectors, int expect_vectors) {
  struct Cell {
    long n, k;
    int spatten_p4, spatten_p16, spatten_p64;
  };
  const Cell cells[] = {{1024, 128, 734, 216, 86}, {4096, 256, 2558, 670, 208}, {8192, 512, 5140, 1303, 363}};
  const std::uint64_t seed = harness_seed();
  std::mt19937_64 rng(seed);
  Engine engine;
  sinkattn::Lfsr16 lfsr(kLfsrSeed);
  std::cout << "n,k,P,cycles_mean,cycles_max,formula_mean,formula_max,expected_mean,total_mean,total_max,spatten_mean\n";
  for (const Cell& c : cells) {
    const int spatten = kP == 4 ? c.spatten_p4 : kP == 16 ? c.spatten_p16 : kP == 64 ? c.spatten_p64 : -1;
    if (c.n > kMaxN) {
      std::cout << "# n=" << c.n << " skipped: this build has MaxN=" << kMaxN << "\n";
      continue;
    }
    double sel_sum = 0, f_sum = 0, tot_sum = 0;
    long sel_max = 0, f_max = 0, tot_max = 0;
    for (int i = 0; i < vectors; ++i) {
      std::vector<std::uint64_t> s(c.n);
      for (auto& x : s) x = rng() & kScoreMask;
      const Model m = model(s, c.k, lfsr);
      const RunResult r = engine.run(s, c.k, BackPressure{}, rng);
      const sinkattn::TopkTiming& f = m.timing;
      if (r.timeout || r.idx != kept_indices(m.keep) || r.t.decide != f.decide || r.t.last_out != f.last_out) {
        std::cerr << "bench: RTL disagrees with the model or the formula (seed " << seed << ", n " << c.n << ", vector "
                  << i << ")\n";
        return 1;
      }
      sel_sum += r.t.select(), sel_max = std::max(sel_max, r.t.select());
      f_sum += f.select(), f_max = std::max(f_max, f.select());
      tot_sum += r.t.last_out, tot_max = std::max(tot_max, r.t.last_out);
    }
    // The formula alone over many more vectors: the expected value the measured mean scatters around.
    double e_sum = 0;
    sinkattn::Lfsr16 elfsr(kLfsrSeed);
    for (int i = 0; i < expect_vectors; ++i) {
      std::vector<std::uint64_t> s(c.n);
      for (auto& x : s) x = rng() & kScoreMask;
      e_sum += model(s, c.k, elfsr).timing.select();
    }
    char line[256];
    std::snprintf(line, sizeof line, "%ld,%ld,%d,%.1f,%ld,%.1f,%ld,%.1f,%.1f,%ld,%d\n", c.n, c.k, kP, sel_sum / vectors,
                  sel_max, f_sum / vectors, f_max, expect_vectors ? e_sum / expect_vectors : 0.0, tot_sum / vectors,
                  tot_max, spatten);
    std::cout << line;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The vector file for the Icarus testbench, all numbers hexadecimal, whitespace separated:
//   header   "P ScoreW MaxN ModSteps TopkLfsrSeed count"
//   vector   "n k", n scores, "kept lfsr_after done_cycle", the kept indices in ascending order
// done_cycle is the formula's cycle of done_o, counted from the command handshake. The
// vectors are meant to run in sequence through one engine fresh from reset.
// ---------------------------------------------------------------------------------------------
std::vector<Vector> icarus_vectors(std::uint64_t seed, int count) {
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ULL + 3);
  std::vector<Vector> vs;
  for (int i = 0; i < count; ++i) {
    Vector v = random_vector(gen);
    if (v.s.size() > 700) v.s.resize(1 + gen() % 700);  // keeps the event-driven simulation short
    vs.push_back(std::move(v));
  }
  return vs;
}

bool write_vector_file(const std::string& path, const std::vector<Vector>& vs) {
  std::ofstream f(path);
  if (!f) return false;
  sinkattn::Lfsr16 lfsr(kLfsrSeed);
  f << std::hex << kP << " " << kScoreW << " " << kMaxN << " " << kModSteps << " " << kLfsrSeed << " " << vs.size()
    << "\n";
  for (const Vector& v : vs) {
    const Model m = model(v.s, v.k, lfsr);
    const std::vector<std::uint32_t> idx = kept_indices(m.keep);
    f << v.s.size() << " " << v.k << "\n";
    for (const std::uint64_t x : v.s) f << x << "\n";
    f << idx.size() << " " << lfsr.state() << " " << m.timing.done << "\n";
    for (const std::uint32_t x : idx) f << x << "\n";
  }
  return static_cast<bool>(f);
}

// The Icarus vectors pass here first, so that a failure in Icarus is a simulator difference.
TEST(TopkEngine, IcarusVectors) {
  const std::uint64_t seed = harness_seed();
  const std::vector<Vector> vs = icarus_vectors(seed, 300);
  Checker ck(seed ^ 0x1CA);
  for (const Vector& v : vs)
    if (!ck.check(v, BackPressure{}, "icarus")) return;
  if (const char* dir = std::getenv("SINKATTN_RTL_VECTORS")) {
    const std::string path = std::string(dir) + "/topk_engine_vectors.txt";
    ASSERT_TRUE(write_vector_file(path, vs)) << "cannot write " << path;
    std::cout << "[ VECTORS  ] " << path << "\n";
  }
}

int write_vectors(const std::string& path, int count) {
  const std::vector<Vector> vs = icarus_vectors(harness_seed(), count);
  if (!write_vector_file(path, vs)) {
    std::cerr << "cannot write " << path << "\n";
    return 1;
  }
  std::cout << "wrote " << count << " vectors to " << path << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  int bench_vectors = 20, expect_vectors = 1000, count = 300;
  std::string vectors_file;
  bool bench = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << name << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&](const char* name) {
      const std::string v = value(name);
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 1000000) {
        std::cerr << name << ": '" << v << "' is not a count in [1, 1000000]\n";
        std::exit(2);
      }
      return static_cast<int>(n);
    };
    if (a == "--bench") bench = true;
    else if (a == "--bench-vectors") bench_vectors = number("--bench-vectors");
    else if (a == "--bench-expect") expect_vectors = number("--bench-expect");
    else if (a == "--write-vectors") vectors_file = value("--write-vectors");
    else if (a == "--vectors") count = number("--vectors");
    else if (a.rfind("+verilator", 0) == 0) continue;
    else {
      std::cerr << "unknown argument " << a
                << "\nusage: topk_engine_tb [gtest flags] | --bench [--bench-vectors N] [--bench-expect N] |"
                   " --write-vectors FILE [--vectors N]\n";
      return 2;
    }
  }
  if (bench) {
    unsetenv("WAVES");  // wave files are named after the running test; the bench is none
    return print_bench(std::max(1, bench_vectors), std::max(0, expect_vectors));
  }
  if (!vectors_file.empty()) return write_vectors(vectors_file, std::max(1, count));
  return RUN_ALL_TESTS();
}
