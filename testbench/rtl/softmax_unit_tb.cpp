// GoogleTest harness: the Verilated rtl/softmax_unit.sv against num::softmax_row, bit for bit.
//
// Every test drives groups of rows through the unit with the valid/ready protocol (valid is held
// until taken): rows alone (groups of one) and groups of up to MaxGroup rows of the same n, whose
// probabilities leave token-major, a token's G probabilities in one entry. It compares every
// probability (zero beyond the group's rows), the row count, the last flag and the group's
// p_max vector, and fails with the seed, the group (vector) number and the token. The SystemC
// model's block (sim/systemc/softmax_unit.hpp) runs beside the RTL in every test and must agree
// with it every cycle: both readies and valids and every output field (systemc_mirror.hpp).
// Random back-pressure on both streams must not change any result; with it off, the measured
// cycles must equal the formulas of rtl/datapath_latency.md.
//
// Environment: SINKATTN_SEED (default 1) seeds every random test and is always printed;
// WAVES=1 writes <test>.fst (VerilatedFstC); SINKATTN_RTL_VECTORS=DIR writes the random groups
// test's groups to DIR/softmax_unit_vectors.txt for testbench/rtl/softmax_unit_iverilog_tb.sv.
//
// The Verilated model must be built with the same MaxTokens and MaxGroup as
// SINKATTN_TB_MAX_TOKENS and SINKATTN_TB_MAX_GROUP.
#include <gtest/gtest.h>
#include <verilated.h>
#include <verilated_fst_c.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "Vsoftmax_unit.h"
#include "harness.hpp"
#include "sinkattn/latency.hpp"
#include "softmax_unit.hpp"
#include "systemc_mirror.hpp"
#include "sinkattn/numerics.hpp"
#include "vl_bits.hpp"

#ifndef SINKATTN_TB_MAX_TOKENS
#define SINKATTN_TB_MAX_TOKENS 4096
#endif
#ifndef SINKATTN_TB_MAX_GROUP
#define SINKATTN_TB_MAX_GROUP 1
#endif

namespace {

using sinkattn::tb::test_seed;

class Dut : public sinkattn::tb::Dut<Vsoftmax_unit> {
 public:
  Dut() : sinkattn::tb::Dut<Vsoftmax_unit>("softmax_unit", [](auto& t) {
    t.s_valid_i = 0;
    t.p_ready_i = 0;
  }) {}
};

namespace num = sinkattn::num;

constexpr int kMaxTokens = SINKATTN_TB_MAX_TOKENS;
constexpr int kMaxGroup = SINKATTN_TB_MAX_GROUP;
constexpr int kPBits = num::kProbFracBits + 1;
static_assert(sizeof(Vsoftmax_unit::p_max_o) == sinkattn::rtl::vl_bytes(kMaxGroup * kPBits),
              "the Verilated softmax_unit was built with another MaxGroup");

// One Verilated unit with optional FST tracing; a cycle is settle (inputs applied, clock low,
// combinational outputs valid) then posedge.

struct Row {
  std::vector<std::int32_t> s;
  std::uint32_t mant = 0;
  int shift = 0;
  std::vector<std::uint32_t> p;  // expected
  std::uint32_t pmax = 0;        // expected
};

void finish(Row& r) {
  r.p.assign(r.s.size(), 0);
  r.pmax = num::softmax_row(r.s.data(), static_cast<int>(r.s.size()), r.mant, r.shift, r.p.data());
}

Row make_row(std::vector<std::int32_t> s, std::uint32_t mant, int shift) {
  Row r;
  r.s = std::move(s);
  r.mant = mant;
  r.shift = shift;
  finish(r);
  return r;
}

int bit_length(std::uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

// A random row: lengths skewed short (most traffic) with a tail up to MaxTokens, and score and
// scale distributions that reach every part of the datapath (underflowing octaves, equal
// maxima, the full int32 range, M = 0, E at both ends).
Row random_row(std::mt19937_64& rng) {
  auto uni = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  const int bucket = static_cast<int>(rng() % 100);
  const int n = bucket < 60 ? static_cast<int>(uni(1, 32))
              : bucket < 90 ? static_cast<int>(uni(1, std::min(256, kMaxTokens)))
              : bucket < 98 ? static_cast<int>(uni(1, std::min(1024, kMaxTokens)))
                            : static_cast<int>(uni(1, kMaxTokens));
  std::vector<std::int32_t> s(n);
  const int mode = static_cast<int>(rng() % 7);
  const std::int64_t lo32 = std::numeric_limits<std::int32_t>::min(), hi32 = std::numeric_limits<std::int32_t>::max();
  switch (mode) {
    case 0: {  // uniform in +-2^k
      const int k = static_cast<int>(uni(0, 31));
      const std::int64_t m = (k == 31) ? hi32 : (std::int64_t{1} << k);
      for (auto& x : s) x = static_cast<std::int32_t>(uni(std::max(lo32, -m), m));
      break;
    }
    case 1: {  // clustered around a random base
      const std::int64_t spread = std::int64_t{1} << uni(0, 20);
      const std::int64_t base = uni(lo32 + spread, hi32 - spread);
      for (auto& x : s) x = static_cast<std::int32_t>(base + uni(-spread, spread));
      break;
    }
    case 2: {  // all equal
      const auto v = static_cast<std::int32_t>(uni(lo32, hi32));
      std::fill(s.begin(), s.end(), v);
      break;
    }
    case 3: {  // extremes of int32
      const std::int32_t pick[] = {std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max(),
                                   0, -1, 1};
      for (auto& x : s) x = (rng() % 4) ? pick[rng() % 5] : static_cast<std::int32_t>(uni(lo32, hi32));
      break;
    }
    case 4: {  // q.k-like: D = 64 products of 12-bit values
      for (auto& x : s) x = static_cast<std::int32_t>(uni(-(std::int64_t{1} << 28), std::int64_t{1} << 28));
      break;
    }
    case 5: {  // several tokens tie at the maximum
      const std::int64_t top = uni(-1000000, 1000000);
      for (auto& x : s) x = static_cast<std::int32_t>((rng() % 3) ? top : top - uni(0, 5000));
      break;
    }
    default: {  // a few large values, the rest far below (sink-like)
      for (auto& x : s) x = static_cast<std::int32_t>((rng() % 8) ? uni(-100000, 100000) : uni(1 << 24, 1 << 26));
      break;
    }
  }
  const auto [mn, mx] = std::minmax_element(s.begin(), s.end());
  const std::uint64_t spread = static_cast<std::uint64_t>(static_cast<std::int64_t>(*mx) - *mn);
  std::uint32_t mant;
  int shift;
  const int smode = static_cast<int>(rng() % 10);
  if (smode < 7) {  // normalized M, E so the row spans 2^-2 .. 2^6 octaves: exercises the table
    mant = static_cast<std::uint32_t>(uni(1 << 15, (1 << 16) - 1));
    shift = std::clamp(bit_length(spread) + 16 - static_cast<int>(uni(-2, 6)), num::kScaleShiftMin, num::kScaleShiftMax);
  } else if (smode < 9) {  // anything the contract allows
    mant = static_cast<std::uint32_t>(uni(1 << 15, (1 << 16) - 1));
    shift = static_cast<int>(uni(num::kScaleShiftMin, num::kScaleShiftMax));
  } else {  // E = 62 with a small or zero M (C below 2^-47)
    mant = static_cast<std::uint32_t>(uni(0, (1 << 16) - 1));
    shift = num::kScaleShiftMax;
  }
  return make_row(std::move(s), mant, shift);
}

struct RunOptions {
  double valid_prob = 1.0;  // probability a new score is offered in a cycle
  double ready_prob = 1.0;  // probability p_ready_i is high in a cycle
  std::uint64_t bp_seed = 0;
};

struct RunResult {
  bool ok = true;
  std::string error;
  std::uint64_t first_in = 0, first_out = 0, last_out = 0;  // cycles of the first score taken,
                                                            // the first and last probability taken
  std::uint64_t cycles() const { return last_out - first_in + 1; }
};

// A group: up to MaxGroup rows of the same n, retired together token-major.
using Group = std::vector<Row>;

// What the SystemC mirror shows differently from the RTL before this cycle's edge, or "".
std::string mirror_divergence(const sinkattn::sim::SoftmaxUnit& m, Dut& dut) {
  std::ostringstream os;
  if (m.s_ready != static_cast<bool>(dut->s_ready_o)) {
    os << "s_ready rtl " << int(dut->s_ready_o) << " systemc " << m.s_ready;
  } else if (m.p_valid != static_cast<bool>(dut->p_valid_o)) {
    os << "p_valid rtl " << int(dut->p_valid_o) << " systemc " << m.p_valid;
  } else if (m.p_valid) {
    const auto& e = m.head();
    if (e.rows != static_cast<int>(dut->p_rows_o) || e.last != static_cast<bool>(dut->p_last_o))
      os << "entry rtl (rows " << int(dut->p_rows_o) << ", last " << int(dut->p_last_o) << ") systemc (rows "
         << e.rows << ", last " << e.last << ")";
    for (int k = 0; k < kMaxGroup && os.tellp() == 0; ++k) {
      const auto got = sinkattn::rtl::get_bits(dut->p_o, k * kPBits, kPBits);
      if (got != m.head_p(k)) os << "p of row " << k << " rtl " << got << " systemc " << m.head_p(k);
    }
    for (int k = 0; k < kMaxGroup && os.tellp() == 0; ++k) {
      const auto got = sinkattn::rtl::get_bits(dut->p_max_o, k * kPBits, kPBits);
      if (got != m.head_pmax(k)) os << "p_max of row " << k << " rtl " << got << " systemc " << m.head_pmax(k);
    }
  }
  return os.str();
}

// Streams `groups` back to back and checks every output entry: for each group and token j, the
// probabilities of rows 0 .. G-1 (zero beyond), G, the group's p_max vector and the last flag on
// token n - 1.
RunResult run_groups(const std::vector<Group>& groups, const RunOptions& opt, std::uint64_t seed) {
  Dut dut;
  auto mirror = sinkattn::tb::make_mirror<sinkattn::sim::SoftmaxUnit>(kMaxTokens, kMaxGroup);
  std::mt19937_64 bp(opt.bp_seed);
  std::bernoulli_distribution offer(opt.valid_prob), take(opt.ready_prob);
  RunResult res;
  std::size_t in_grp = 0, in_row = 0, in_elem = 0, out_grp = 0, out_elem = 0;
  bool held = false, any_in = false;
  std::uint64_t total = 0;
  for (const Group& g : groups)
    for (const Row& r : g) total += r.s.size();
  const std::uint64_t limit = 200 + 40 * total + 20 * groups.size();
  auto fail = [&](const std::string& what) {
    std::ostringstream os;
    os << "seed " << seed << ", vector (group) " << out_grp << " of " << groups.size() << ", token " << out_elem
       << ": " << what;
    res.ok = false;
    res.error = os.str();
  };
  while (out_grp < groups.size()) {
    if (dut.cycle() > limit) {
      fail("timeout: no progress after " + std::to_string(dut.cycle()) + " cycles");
      return res;
    }
    const bool have = in_grp < groups.size();
    if (!held) held = have && offer(bp);
    dut->s_valid_i = held;
    if (held) {
      const Group& g = groups[in_grp];
      const Row& r = g[in_row];
      dut->s_i = static_cast<std::uint32_t>(r.s[in_elem]);
      dut->s_last_i = in_elem + 1 == r.s.size();
      // The group-last flag is only read with a row's last score; other beats carry noise.
      dut->s_glast_i = dut->s_last_i ? in_row + 1 == g.size() : (bp() & 1);
      // M and E are only read with the first score; other beats carry noise to prove it.
      dut->mant_i = in_elem == 0 ? r.mant : static_cast<std::uint32_t>(bp() & 0xffff);
      dut->shift_i = in_elem == 0 ? r.shift : static_cast<int>(bp() % 64);
    }
    dut->p_ready_i = take(bp);
    dut.settle();
    mirror->comb_in();
    mirror->s_valid = dut->s_valid_i;
    mirror->s_last = dut->s_last_i;
    mirror->s_glast = dut->s_glast_i;
    mirror->s_in = static_cast<std::int32_t>(dut->s_i);
    mirror->mant_in = dut->mant_i;
    mirror->shift_in = dut->shift_i;
    mirror->p_ready = dut->p_ready_i;
    mirror->comb();
    if (const std::string d = mirror_divergence(*mirror, dut); !d.empty()) {
      fail("the SystemC mirror differs from the RTL in cycle " + std::to_string(dut.cycle()) + ": " + d);
      return res;
    }
    if (dut->s_valid_i && dut->s_ready_o) {
      if (!any_in) res.first_in = dut.cycle();
      any_in = true;
      held = false;
      if (++in_elem == groups[in_grp][in_row].s.size()) {
        in_elem = 0;
        if (++in_row == groups[in_grp].size()) {
          in_row = 0;
          ++in_grp;
        }
      }
    }
    if (dut->p_valid_o && dut->p_ready_i) {
      const Group& g = groups[out_grp];
      const std::size_t n = g[0].s.size();
      const bool last = out_elem + 1 == n;
      bool ok = dut->p_last_o == last && dut->p_rows_o == g.size();
      std::ostringstream pv, pm;
      for (int k = 0; k < kMaxGroup; ++k) {
        const auto got = sinkattn::rtl::get_bits(dut->p_o, k * kPBits, kPBits);
        const std::uint32_t want = k < static_cast<int>(g.size()) ? g[k].p[out_elem] : 0;
        ok &= got == want;
        pv << (k ? "," : "") << got << "/" << want;
        const auto got_max = sinkattn::rtl::get_bits(dut->p_max_o, k * kPBits, kPBits);
        const std::uint32_t want_max = k < static_cast<int>(g.size()) ? g[k].pmax : 0;
        ok &= got_max == want_max;
        pm << (k ? "," : "") << got_max << "/" << want_max;
      }
      if (!ok) {
        std::ostringstream os;
        os << "G " << g.size() << " n " << n << " (row 0: M " << g[0].mant << " E " << g[0].shift << " score "
           << g[0].s[out_elem] << "): got rows " << int(dut->p_rows_o) << " last " << int(dut->p_last_o)
           << ", expected rows " << g.size() << " last " << last << "; p got/expected per row " << pv.str()
           << "; p_max got/expected per row " << pm.str();
        fail(os.str());
        return res;
      }
      if (out_grp == 0 && out_elem == 0) res.first_out = dut.cycle();
      res.last_out = dut.cycle();
      if (++out_elem == n) {
        out_elem = 0;
        ++out_grp;
      }
    }
    mirror->edge();
    dut.posedge();
  }
  // Nothing more may come out.
  const auto quiet = [](Vsoftmax_unit& t) { t.s_valid_i = 0, t.p_ready_i = 1; };
  if (!dut.stays_silent(50, quiet, [](Vsoftmax_unit& t) { return t.p_valid_o != 0; }))
    fail("extra output beat after the last group");
  return res;
}

// Rows alone: each a group of one.
RunResult run_rows(const std::vector<Row>& rows, const RunOptions& opt, std::uint64_t seed) {
  std::vector<Group> groups;
  for (const Row& r : rows) groups.push_back({r});
  return run_groups(groups, opt, seed);
}

// A random group of 1 .. MaxGroup rows of one random n, each with its own scores and scale.
Group random_group(std::mt19937_64& rng) {
  const int g = 1 + static_cast<int>(rng() % kMaxGroup);
  Group grp{random_row(rng)};
  const std::size_t n = grp[0].s.size();
  while (static_cast<int>(grp.size()) < g) {
    Row r = random_row(rng);
    r.s.resize(n, r.s.empty() ? 0 : r.s[rng() % r.s.size()]);
    finish(r);
    grp.push_back(std::move(r));
  }
  return grp;
}

void write_vectors(const std::vector<Group>& groups) {
  const char* dir = std::getenv("SINKATTN_RTL_VECTORS");
  if (!dir) return;
  const std::string path = std::string(dir) + "/softmax_unit_vectors.txt";
  std::ofstream f(path);
  ASSERT_TRUE(f) << "cannot write " << path;
  // Per group: "G n", then per row "mant shift pmax" (decimal), then the G * n outputs in their
  // order, token-major: lines "score_hex p" for (j, r) = (0, 0), (0, 1), ... (score of row r as
  // 8 hex digits, its probability in decimal).
  std::size_t rows = 0;
  for (const Group& g : groups) {
    const std::size_t n = g[0].s.size();
    f << g.size() << ' ' << n << '\n';
    for (const Row& r : g) f << r.mant << ' ' << r.shift << ' ' << r.pmax << '\n';
    char buf[16];
    for (std::size_t j = 0; j < n; ++j) {
      for (const Row& r : g) {
        std::snprintf(buf, sizeof buf, "%08x", static_cast<std::uint32_t>(r.s[j]));
        f << buf << ' ' << r.p[j] << '\n';
      }
    }
    rows += g.size();
  }
  std::cout << "[ VECTORS  ] " << groups.size() << " groups, " << rows << " rows -> " << path << "\n";
}

std::vector<Row> edge_rows() {
  std::vector<Row> rows;
  const std::int32_t kMin = std::numeric_limits<std::int32_t>::min(), kMax = std::numeric_limits<std::int32_t>::max();
  const std::uint32_t mants[] = {0, 1, 1u << 15, 46341, (1u << 16) - 1};
  const int shifts[] = {num::kScaleShiftMin, num::kScaleShiftMin + 1, 24, num::kScaleShiftMax - 1, num::kScaleShiftMax};
  for (std::uint32_t m : mants) {
    for (int e : shifts) {
      rows.push_back(make_row({0}, m, e));                                   // n = 1
      rows.push_back(make_row({kMin}, m, e));
      rows.push_back(make_row({kMax, kMin}, m, e));                          // diff 2^32 - 1
      rows.push_back(make_row({kMin, kMax, kMin, kMax, 0}, m, e));
      rows.push_back(make_row(std::vector<std::int32_t>(7, 12345), m, e));  // all equal
      rows.push_back(make_row({100, 99, 98, 90, 50, 0, -1000, -100000}, m, e));
    }
  }
  // exp2 underflow: every non-maximal score is more than 15 octaves down.
  rows.push_back(make_row({1000000, 0, -5, 999000, 1000000, -2000000}, 1u << 15, 16));
  // Every distance d = 0 .. 16 * 256 + 16 in one row: M = 2^15, E = 23 makes d = s_max - s exactly.
  {
    std::vector<std::int32_t> s;
    for (int d = 0; d <= 16 * 256 + 16; ++d) s.push_back(-d);
    s.resize(std::min<std::size_t>(s.size(), kMaxTokens));
    rows.push_back(make_row(s, 1u << 15, 23));
  }
  // Longest rows: all equal (Z = MaxTokens * 2^15, the widest sum) and random.
  rows.push_back(make_row(std::vector<std::int32_t>(kMaxTokens, -7), (1u << 16) - 1, num::kScaleShiftMin));
  rows.push_back(make_row(std::vector<std::int32_t>(kMaxTokens, kMin), 0, num::kScaleShiftMax));
  {
    std::mt19937_64 rng(99);
    std::vector<std::int32_t> s(kMaxTokens);
    for (auto& x : s) x = static_cast<std::int32_t>(rng() % 2000000) - 1000000;
    rows.push_back(make_row(s, 40000, 30));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

TEST(SoftmaxUnit, RandomRowsWithBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  std::vector<Row> rows;
  std::uint64_t scores = 0;
  for (int i = 0; i < 10000; ++i) {
    rows.push_back(random_row(rng));
    scores += rows.back().s.size();
  }
  std::cout << "[   INFO   ] " << rows.size() << " rows, " << scores << " scores\n";
  RunOptions opt;
  opt.valid_prob = 0.7;
  opt.ready_prob = 0.6;
  opt.bp_seed = seed * 7919 + 1;
  const RunResult r = run_rows(rows, opt, seed);
  EXPECT_TRUE(r.ok) << r.error;
}

TEST(SoftmaxUnit, RandomRowsWithoutBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed ^ 0x5eed);
  std::vector<Row> rows;
  for (int i = 0; i < 2000; ++i) rows.push_back(random_row(rng));
  const RunResult r = run_rows(rows, RunOptions{}, seed);
  EXPECT_TRUE(r.ok) << r.error;
}

TEST(SoftmaxUnit, RandomGroupsWithBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed ^ 0x6709);
  std::vector<Group> groups;
  std::uint64_t rows = 0;
  for (int i = 0; i < 3000; ++i) {
    groups.push_back(random_group(rng));
    rows += groups.back().size();
  }
  std::cout << "[   INFO   ] " << groups.size() << " groups of up to " << kMaxGroup << " rows, " << rows << " rows\n";
  write_vectors(groups);
  for (const auto& [v, rd] : {std::pair{1.0, 1.0}, std::pair{0.7, 0.6}, std::pair{1.0, 0.2}}) {
    RunOptions opt;
    opt.valid_prob = v;
    opt.ready_prob = rd;
    opt.bp_seed = seed * 31 + 7;
    const RunResult r = run_groups(groups, opt, seed);
    EXPECT_TRUE(r.ok) << "valid " << v << " ready " << rd << ": " << r.error;
  }
}

TEST(SoftmaxUnit, HeavyAndBurstyBackPressure) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed ^ 0xb00);
  for (const auto& [v, rd] : {std::pair{1.0, 0.1}, std::pair{0.1, 1.0}, std::pair{0.3, 0.3}}) {
    std::vector<Row> rows;
    for (int i = 0; i < 300; ++i) rows.push_back(random_row(rng));
    RunOptions opt;
    opt.valid_prob = v;
    opt.ready_prob = rd;
    opt.bp_seed = seed + 17;
    const RunResult r = run_rows(rows, opt, seed);
    EXPECT_TRUE(r.ok) << "valid " << v << " ready " << rd << ": " << r.error;
  }
}

TEST(SoftmaxUnit, EdgeCases) {
  const std::uint64_t seed = test_seed();
  const std::vector<Row> rows = edge_rows();
  // Sanity of the edge set itself: it must reach the underflow and the uniform-row cases.
  bool saw_zero = false, saw_uniform = false;
  for (const Row& r : rows) {
    saw_zero |= std::find(r.p.begin(), r.p.end(), 0u) != r.p.end();
    saw_uniform |= r.mant == 0 && r.s.size() > 1;
  }
  EXPECT_TRUE(saw_zero && saw_uniform);
  RunResult r = run_rows(rows, RunOptions{}, seed);
  EXPECT_TRUE(r.ok) << "no back-pressure: " << r.error;
  RunOptions opt;
  opt.valid_prob = 0.5;
  opt.ready_prob = 0.5;
  opt.bp_seed = seed;
  r = run_rows(rows, opt, seed);
  EXPECT_TRUE(r.ok) << "back-pressure: " << r.error;
}

// rtl/datapath_latency.md: one row alone takes 3n + 9 cycles from its first score taken to its
// last probability taken, the first probability being taken 2n + 9 cycles after the first score;
// R back-to-back rows take (R + 2) n + 6 floor((R + 1) / 2) + 3.
std::uint64_t documented_cycles(std::uint64_t n, std::uint64_t rows) { return sinkattn::latency::softmax_cycles(n, rows); }

TEST(SoftmaxUnit, LatencyMatchesDocumentedFormula) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int n : {1, 2, 3, 4, 5, 7, 8, 16, 31, 64, 100, 257, 1000, kMaxTokens}) {
    if (n > kMaxTokens) continue;
    for (int count : {1, 2, 3, 4, 5, 8}) {
      if (n * count > 20000) continue;
      std::vector<Row> rows;
      for (int i = 0; i < count; ++i) {
        std::vector<std::int32_t> s(n);
        for (auto& x : s) x = static_cast<std::int32_t>(rng() % 100000);
        rows.push_back(make_row(std::move(s), 50000, 20));
      }
      const RunResult r = run_rows(rows, RunOptions{}, seed);
      ASSERT_TRUE(r.ok) << r.error;
      EXPECT_EQ(r.cycles(), documented_cycles(n, count)) << "n " << n << " rows " << count;
      EXPECT_EQ(r.first_out - r.first_in, sinkattn::latency::softmax_first_out(n)) << "n " << n;
    }
  }
}

// Groups of G rows back to back (rtl/datapath_latency.md, "Groups").
TEST(SoftmaxUnit, GroupLatencyMatchesDocumentedFormula) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int n : {1, 2, 3, 5, 8, 31, 64, 133, 1000}) {
    if (n > kMaxTokens) continue;
    for (int g = 1; g <= kMaxGroup; ++g) {
      for (int count : {1, 2, 3, 5}) {
        std::vector<Group> groups;
        for (int i = 0; i < count; ++i) {
          Group grp;
          for (int r = 0; r < g; ++r) {
            std::vector<std::int32_t> s(n);
            for (auto& x : s) x = static_cast<std::int32_t>(rng() % 100000);
            grp.push_back(make_row(std::move(s), 50000, 20));
          }
          groups.push_back(std::move(grp));
        }
        const RunResult r = run_groups(groups, RunOptions{}, seed);
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.cycles(), sinkattn::latency::softmax_group_cycles(n, g, count)) << "n " << n << " G " << g << " groups " << count;
        EXPECT_EQ(r.first_out - r.first_in, sinkattn::latency::softmax_group_first_out(n, g)) << "n " << n << " G " << g;
      }
    }
  }
}

}  // namespace
