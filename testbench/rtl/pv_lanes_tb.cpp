// GoogleTest harness: the Verilated rtl/pv_lanes.sv against the contract's output,
// out_d = num::output_round(sum_j p_j * v_jd), bit for bit.
//
// Groups of G <= PvLanes query rows stream in as beats with the valid/ready protocol (valid is
// held until taken), one token a beat: lane r carries row r's probability, v_i the token's value
// vector. Lanes marked invalid (rows without the token, and lanes beyond G) carry random garbage
// that must be ignored. A group leaves as G rows of outputs; every output element and the last
// flag are compared. The SystemC model's block (sim/systemc/pv_lanes.hpp) runs beside the RTL in
// every test and must agree with it every cycle: ready, valid, last and every output element
// (systemc_mirror.hpp). Random back-pressure on both streams must not change results; without it
// the measured cycles must equal rtl/datapath_latency.md (sinkattn::latency::pv_group_cycles):
// R groups of G rows and n tokens take n + 1 + G D + (R - 1) P cycles, D = HeadDim / OutLanes
// output beats per row, P = max(n, D) for G = 1 and (G - 1) D + max(n - 1, D) for G > 1 (a
// group's rows wait in its accumulators).
//
// Environment: SINKATTN_SEED (default 1), always printed; WAVES=1 writes <test>.fst;
// SINKATTN_RTL_VECTORS=DIR writes the random test's groups to DIR/pv_lanes_vectors.txt for
// testbench/rtl/pv_lanes_iverilog_tb.sv.
//
// The Verilated model's parameters must equal SINKATTN_TB_HEAD_DIM, SINKATTN_TB_PV_LANES,
// SINKATTN_TB_OUT_LANES and SINKATTN_TB_MAX_TOKENS (port widths are checked at compile time).
#include <gtest/gtest.h>
#include <verilated.h>
#include <verilated_fst_c.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "Vpv_lanes.h"
#include "harness.hpp"
#include "pv_lanes.hpp"
#include "systemc_mirror.hpp"
#include "sinkattn/latency.hpp"
#include "sinkattn/numerics.hpp"

#ifndef SINKATTN_TB_HEAD_DIM
#define SINKATTN_TB_HEAD_DIM 64
#endif
#ifndef SINKATTN_TB_PV_LANES
#define SINKATTN_TB_PV_LANES 4
#endif
#ifndef SINKATTN_TB_OUT_LANES
#define SINKATTN_TB_OUT_LANES 4
#endif
#ifndef SINKATTN_TB_MAX_TOKENS
#define SINKATTN_TB_MAX_TOKENS 4096
#endif

namespace {

using sinkattn::rtl::vl_bytes;
using sinkattn::rtl::packed_hex;
using sinkattn::rtl::put_bits;
using sinkattn::rtl::get_bits;
using sinkattn::tb::test_seed;

class Dut : public sinkattn::tb::Dut<Vpv_lanes> {
 public:
  Dut() : sinkattn::tb::Dut<Vpv_lanes>("pv_lanes", [](auto& t) {
    t.pv_valid_i = 0;
    t.out_ready_i = 0;
  }) {}
};

namespace num = sinkattn::num;

constexpr int kHeadDim = SINKATTN_TB_HEAD_DIM;
constexpr int kLanes = SINKATTN_TB_PV_LANES;
constexpr int kOutLanes = SINKATTN_TB_OUT_LANES;
constexpr int kMaxTokens = SINKATTN_TB_MAX_TOKENS;
constexpr int kPBits = num::kProbFracBits + 1;
constexpr int kOutBeats = kHeadDim / kOutLanes;

static_assert(sizeof(Vpv_lanes::p_i) == vl_bytes(kLanes * kPBits), "PvLanes differs from the model");
static_assert(sizeof(Vpv_lanes::v_i) == vl_bytes(kHeadDim * num::kDataBits), "HeadDim differs from the model");
static_assert(sizeof(Vpv_lanes::out_o) == vl_bytes(kOutLanes * num::kOutBits), "OutLanes differs from the model");

// One token of a group.
struct Beat {
  std::vector<std::uint32_t> p;  // kLanes: row r's probability in lane r
  std::vector<std::int32_t> v;   // kHeadDim: the token's value vector
  std::uint32_t lane_valid = 0;  // the rows that take the token
};
struct Group {
  std::vector<Beat> beats;
  int rows = 1;
  std::vector<std::int32_t> out;  // expected, rows * kHeadDim, row r's element d at r * kHeadDim + d
};

// Row r's accumulator for element d: the products of the tokens row r takes.
std::int64_t reference_acc(const Group& grp, int r, int d) {
  std::int64_t acc = 0;
  for (const Beat& b : grp.beats)
    if ((b.lane_valid >> r) & 1) acc += static_cast<std::int64_t>(b.p[r]) * b.v[d];
  return acc;
}

void expect_outputs(Group& grp) {
  grp.out.resize(static_cast<std::size_t>(grp.rows) * kHeadDim);
  for (int r = 0; r < grp.rows; ++r)
    for (int d = 0; d < kHeadDim; ++d) grp.out[r * kHeadDim + d] = num::output_round(reference_acc(grp, r, d));
}

// A group of g rows over n tokens, one beat each: lanes r < g valid (an occasional hole), every
// other lane garbage. Probabilities: mostly a real softmax-like spread (sum near 2^15),
// sometimes the full 16-bit range (saturating outputs); values uniform, extreme or small.
Group random_group(std::mt19937_64& rng, int n, int g) {
  Group grp;
  grp.rows = g;
  const int pmode = static_cast<int>(rng() % 4), vmode = static_cast<int>(rng() % 4);
  const int m = num::kDataMax;
  for (int j = 0; j < n; ++j) {
    Beat b;
    b.p.resize(kLanes);
    b.v.resize(kHeadDim);
    for (int l = 0; l < kLanes; ++l) {
      switch (pmode) {
        case 0: b.p[l] = static_cast<std::uint32_t>(rng() % (num::kProbOne / n + 2)); break;  // a spread row
        case 1: b.p[l] = static_cast<std::uint32_t>(rng() % (1u << kPBits)); break;            // full field
        case 2: b.p[l] = (rng() % 4) ? 0 : static_cast<std::uint32_t>(num::kProbOne + rng() % 17); break;  // sink-like
        default: b.p[l] = static_cast<std::uint32_t>(rng() % 64); break;
      }
    }
    for (auto& x : b.v) {
      switch (vmode) {
        case 0: x = static_cast<std::int32_t>(rng() % (2 * m + 1)) - m; break;
        case 1: x = (rng() & 1) ? m : -m; break;
        case 2: x = static_cast<std::int32_t>(rng() % 9) - 4; break;
        default: x = (rng() % 2) ? m : static_cast<std::int32_t>(rng() % (2 * m + 1)) - m; break;
      }
    }
    b.lane_valid = (1u << g) - 1;
    if (rng() % 8 == 0) b.lane_valid &= ~(1u << (rng() % g));
    grp.beats.push_back(std::move(b));
  }
  expect_outputs(grp);
  return grp;
}

int random_n(std::mt19937_64& rng) {
  const int bucket = static_cast<int>(rng() % 100);
  if (bucket < 70) return 1 + static_cast<int>(rng() % 32);
  if (bucket < 97) return 1 + static_cast<int>(rng() % std::min(512, kMaxTokens));
  return 1 + static_cast<int>(rng() % kMaxTokens);
}
int random_g(std::mt19937_64& rng) { return 1 + static_cast<int>(rng() % kLanes); }

// What the SystemC mirror shows differently from the RTL before this cycle's edge, or "".
std::string mirror_divergence(const sinkattn::sim::PvLanes& m, Dut& dut) {
  std::ostringstream os;
  if (m.pv_ready != static_cast<bool>(dut->pv_ready_o)) os << "pv_ready rtl " << int(dut->pv_ready_o) << " systemc " << m.pv_ready;
  else if (m.out_valid != static_cast<bool>(dut->out_valid_o))
    os << "out_valid rtl " << int(dut->out_valid_o) << " systemc " << m.out_valid;
  else if (m.out_valid && m.out_last != static_cast<bool>(dut->out_last_o))
    os << "out_last rtl " << int(dut->out_last_o) << " systemc " << m.out_last;
  else if (m.out_valid) {
    for (int i = 0; i < kOutLanes; ++i) {
      const int d = m.out_beat() * kOutLanes + i;
      const auto got = static_cast<std::int16_t>(get_bits(dut->out_o, i * num::kOutBits, num::kOutBits));
      if (m.ob[d] != got) {
        os << "output element " << d << " rtl " << got << " systemc " << m.ob[d];
        break;
      }
    }
  }
  return os.str();
}

struct RunOptions {
  double valid_prob = 1.0, ready_prob = 1.0;
  std::uint64_t bp_seed = 0;
};
struct RunResult {
  bool ok = true;
  std::string error;
  std::uint64_t first_in = 0, last_in = 0, first_out = 0, last_out = 0;
  std::uint64_t cycles() const { return last_out - first_in + 1; }
};

// The SystemC mirror's beat for `b`: it takes the probabilities of the valid lanes only and
// reads the value through a pointer, here into an int16 copy that `store` keeps until the beat
// has left the mirror's product stage.
using MirrorBeat = sinkattn::sim::PvLanes::Beat;
MirrorBeat mirror_beat(const Group& g, const Beat& b, bool last,
                       std::deque<std::pair<const Beat*, std::vector<std::int16_t>>>& store) {
  if (store.empty() || store.back().first != &b) {
    store.emplace_back(&b, std::vector<std::int16_t>(b.v.begin(), b.v.end()));
    if (store.size() > 3) store.pop_front();
  }
  MirrorBeat m;
  m.last = last;
  m.rows = g.rows;
  m.p.resize(kLanes);
  for (int l = 0; l < kLanes; ++l) m.p[l] = ((b.lane_valid >> l) & 1) ? b.p[l] : 0;
  m.v = store.back().second.data();
  return m;
}

RunResult run_groups(const std::vector<Group>& groups, const RunOptions& opt, std::uint64_t seed) {
  Dut dut;
  auto mirror = sinkattn::tb::make_mirror<sinkattn::sim::PvLanes>(kHeadDim, kHeadDim, kLanes, kOutLanes);
  std::deque<std::pair<const Beat*, std::vector<std::int16_t>>> mirror_store;
  std::mt19937_64 bp(opt.bp_seed);
  std::bernoulli_distribution offer(opt.valid_prob), take(opt.ready_prob);
  RunResult res;
  std::size_t in_grp = 0, in_beat = 0, out_grp = 0, out_row = 0, out_beat = 0;  // out_row: row of the group
  bool held = false, any_in = false;
  const Beat* shown = nullptr;  // beat currently on p_i / v_i
  std::uint64_t beats = 0;
  for (const Group& g : groups) beats += g.beats.size() + g.rows * kOutBeats;
  const std::uint64_t limit = 100 + 20 * beats;
  auto fail = [&](const std::string& what) {
    std::ostringstream os;
    os << "seed " << seed << ", group " << out_grp << " of " << groups.size() << ", row " << out_row
       << ", output beat " << out_beat << ": " << what;
    res.ok = false;
    res.error = os.str();
  };
  while (out_grp < groups.size()) {
    if (dut.cycle() > limit) {
      fail("timeout after " + std::to_string(dut.cycle()) + " cycles");
      return res;
    }
    const bool have = in_grp < groups.size();
    if (!held) held = have && offer(bp);
    dut->pv_valid_i = held;
    MirrorBeat mirror_in;
    if (held) {
      const Group& g = groups[in_grp];
      const Beat& b = g.beats[in_beat];
      mirror_in = mirror_beat(g, b, in_beat + 1 == g.beats.size(), mirror_store);
      if (shown != &b) {  // the wide vectors are rewritten only when the beat changes
        for (int l = 0; l < kLanes; ++l) put_bits(dut->p_i, l * kPBits, kPBits, b.p[l]);
        for (int d = 0; d < kHeadDim; ++d)
          put_bits(dut->v_i, d * num::kDataBits, num::kDataBits, static_cast<std::uint32_t>(b.v[d]));
        shown = &b;
      }
      dut->pv_lane_valid_i = b.lane_valid;
      dut->pv_last_i = in_beat + 1 == g.beats.size();
      dut->pv_rows_i = g.rows;
    }
    dut->out_ready_i = take(bp);
    dut.settle();
    mirror->pv_valid = dut->pv_valid_i;
    mirror->out_ready = dut->out_ready_i;
    mirror->comb();
    if (const std::string d = mirror_divergence(*mirror, dut); !d.empty()) {
      fail("the SystemC mirror differs from the RTL in cycle " + std::to_string(dut.cycle()) + ": " + d);
      return res;
    }
    if (dut->pv_valid_i && dut->pv_ready_o) {
      if (!any_in) res.first_in = dut.cycle();
      any_in = true;
      held = false;
      if (in_grp == 0) res.last_in = dut.cycle();
      if (++in_beat == groups[in_grp].beats.size()) {
        in_beat = 0;
        ++in_grp;
      }
    }
    if (dut->out_valid_o && dut->out_ready_i) {
      const Group& g = groups[out_grp];
      for (int i = 0; i < kOutLanes; ++i) {
        const int d = out_beat * kOutLanes + i;
        const auto got = static_cast<std::int16_t>(get_bits(dut->out_o, i * num::kOutBits, num::kOutBits));
        const std::int32_t want = g.out[out_row * kHeadDim + d];
        if (got != want) {
          fail("element " + std::to_string(d) + " (acc " + std::to_string(reference_acc(g, static_cast<int>(out_row), d)) +
               "): got " + std::to_string(got) + ", expected " + std::to_string(want));
          return res;
        }
      }
      const bool last = out_beat + 1 == kOutBeats;
      if (dut->out_last_o != last) {
        fail("last flag " + std::to_string(dut->out_last_o) + ", expected " + std::to_string(last));
        return res;
      }
      if (out_grp == 0 && out_row == 0 && out_beat == 0) res.first_out = dut.cycle();
      res.last_out = dut.cycle();
      if (++out_beat == kOutBeats) {
        out_beat = 0;
        if (static_cast<int>(++out_row) == g.rows) {
          out_row = 0;
          ++out_grp;
        }
      }
    }
    mirror->edge(mirror_in);
    dut.posedge();
  }
  const auto quiet = [](Vpv_lanes& t) { t.pv_valid_i = 0, t.out_ready_i = 1; };
  if (!dut.stays_silent(20, quiet, [](Vpv_lanes& t) { return t.out_valid_o != 0; }))
    fail("extra output beat after the last group");
  return res;
}

void write_vectors(const std::vector<Group>& groups) {
  const char* dir = std::getenv("SINKATTN_RTL_VECTORS");
  if (!dir) return;
  const std::string path = std::string(dir) + "/pv_lanes_vectors.txt";
  std::ofstream f(path);
  ASSERT_TRUE(f) << "cannot write " << path;
  // Per group: "beats rows"; per beat: "lane_valid", the probabilities as one packed hex vector
  // (p_i), the value vector as one packed hex vector (v_i); then rows * HeadDim expected outputs
  // (decimal), row by row.
  for (const Group& g : groups) {
    f << g.beats.size() << ' ' << g.rows << '\n';
    for (const Beat& b : g.beats) {
      f << b.lane_valid << '\n';
      f << packed_hex({b.p.begin(), b.p.end()}, kPBits) << '\n';
      f << packed_hex({b.v.begin(), b.v.end()}, num::kDataBits) << '\n';
    }
    for (auto x : g.out) f << x << ' ';
    f << '\n';
  }
  std::cout << "[ VECTORS  ] " << groups.size() << " groups -> " << path << "\n";
}

// ---------------------------------------------------------------------------------------------

TEST(PvLanes, RandomGroupsWithBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  std::vector<Group> groups;
  std::size_t beats = 0;
  int saturated = 0;
  while (groups.size() < 2000 || beats < 10000) {
    const int n = random_n(rng);
    groups.push_back(random_group(rng, n, random_g(rng)));
    beats += groups.back().beats.size();
    for (auto x : groups.back().out) saturated += (x == 32767 || x == -32768);
  }
  std::cout << "[   INFO   ] " << groups.size() << " groups, " << beats << " input beats, " << saturated
            << " saturated outputs\n";
  EXPECT_GT(saturated, 0) << "the random set should reach saturation";
  RunOptions opt;
  opt.valid_prob = 0.7;
  opt.ready_prob = 0.6;
  opt.bp_seed = seed * 7919 + 1;
  const RunResult r = run_groups(groups, opt, seed);
  EXPECT_TRUE(r.ok) << r.error;
}

// Groups of 1 .. PvLanes rows of up to 300 tokens, as the top sends them, under three kinds of
// back-pressure; these are also the Icarus testbench's vectors.
TEST(PvLanes, RandomGroupsUnderBackPressuresMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed ^ 0x6709);
  std::vector<Group> groups;
  std::vector<int> of_size(kLanes + 1, 0);
  for (int i = 0; i < 1000; ++i) {
    const int n = random_n(rng) % 300 + 1;
    groups.push_back(random_group(rng, n, random_g(rng)));
    ++of_size[groups.back().rows];
  }
  write_vectors(groups);
  std::cout << "[   INFO   ] " << groups.size() << " groups; of 1 .. " << kLanes << " rows:";
  for (int g = 1; g <= kLanes; ++g) std::cout << ' ' << of_size[g];
  std::cout << "\n";
  for (const auto& [v, rd] : {std::pair{1.0, 1.0}, std::pair{0.7, 0.6}, std::pair{1.0, 0.3}}) {
    RunOptions opt;
    opt.valid_prob = v;
    opt.ready_prob = rd;
    opt.bp_seed = seed * 31 + 7;
    const RunResult r = run_groups(groups, opt, seed);
    EXPECT_TRUE(r.ok) << "valid " << v << " ready " << rd << ": " << r.error;
  }
}

TEST(PvLanes, RandomGroupsWithoutBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed ^ 0x5eed);
  std::vector<Group> groups;
  for (int i = 0; i < 500; ++i) {
    const int n = random_n(rng);
    groups.push_back(random_group(rng, n, random_g(rng)));
  }
  const RunResult r = run_groups(groups, RunOptions{}, seed);
  EXPECT_TRUE(r.ok) << r.error;
}

TEST(PvLanes, EdgeCases) {
  const std::uint64_t seed = test_seed();
  const int m = num::kDataMax;
  std::vector<Group> groups;
  // n tokens of value v for g rows, row r's probability p + r (every row differs).
  auto uniform_group = [&](int n, int g, std::uint32_t p, std::int32_t v) {
    Group grp;
    grp.rows = g;
    for (int j = 0; j < n; ++j) {
      Beat b;
      for (int l = 0; l < kLanes; ++l) b.p.push_back(std::min<std::uint32_t>(p + l, (1u << kPBits) - 1));
      b.v.assign(kHeadDim, v);
      b.lane_valid = (1u << g) - 1;
      grp.beats.push_back(b);
    }
    expect_outputs(grp);
    return grp;
  };
  groups.push_back(uniform_group(1, 1, num::kProbOne, m));                  // one token, p = 1: out = 16 * 2047
  groups.push_back(uniform_group(1, 1, num::kProbOne, -m));
  groups.push_back(uniform_group(2, 1, num::kProbOne, m));                  // saturates high
  groups.push_back(uniform_group(2, 1, num::kProbOne, -m));                 // saturates low
  groups.push_back(uniform_group(kMaxTokens, kLanes, (1u << kPBits) - 1, m));  // widest accumulators
  groups.push_back(uniform_group(kMaxTokens, kLanes, (1u << kPBits) - 1, -m));
  groups.push_back(uniform_group(kMaxTokens, 1, 8, 1));                     // sum exactly representable
  groups.push_back(uniform_group(3, kLanes, 0, m));                         // p = 0 .. : row 0 out 0
  groups.push_back(uniform_group(1, 1, 1024, 1));                           // acc = 2^10: exactly half, rounds up to 1
  groups.push_back(uniform_group(1, 1, 1023, 1));                           // just below half: 0
  groups.push_back(uniform_group(1, 1, 1024, -1));                          // -2^10: -0.5 rounds up to 0
  groups.push_back(uniform_group(1, 1, 1025, -1));                          // below -0.5: -1
  {
    Group grp;  // no row takes the first token, every row the second
    grp.rows = kLanes;
    Beat b;
    b.p.assign(kLanes, 12345);
    b.v.assign(kHeadDim, m);
    b.lane_valid = 0;
    grp.beats.push_back(b);
    b.lane_valid = (1u << kLanes) - 1;
    grp.beats.push_back(b);
    expect_outputs(grp);
    groups.push_back(grp);
  }
  EXPECT_EQ(groups[0].out[0], 16 * m);
  EXPECT_EQ(groups[2].out[0], 32767);
  EXPECT_EQ(groups[3].out[0], -32768);
  EXPECT_EQ(groups[7].out[0], 0);
  EXPECT_EQ(groups[8].out[0], 1);
  EXPECT_EQ(groups[9].out[0], 0);
  EXPECT_EQ(groups[10].out[0], 0);
  EXPECT_EQ(groups[11].out[0], -1);
  RunResult r = run_groups(groups, RunOptions{}, seed);
  EXPECT_TRUE(r.ok) << r.error;
  RunOptions opt;
  opt.valid_prob = opt.ready_prob = 0.5;
  opt.bp_seed = seed;
  r = run_groups(groups, opt, seed);
  EXPECT_TRUE(r.ok) << "back-pressure: " << r.error;
}

// Groups of G rows back to back (rtl/datapath_latency.md).
TEST(PvLanes, GroupLatencyMatchesDocumentedFormula) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int n : {1, 2, 7, kOutBeats - 1, kOutBeats, kOutBeats + 1, 2 * kOutBeats * kLanes + 3, 300}) {
    for (int g = 1; g <= kLanes; ++g) {
      for (int count : {1, 2, 5}) {
        std::vector<Group> groups;
        for (int i = 0; i < count; ++i) groups.push_back(random_group(rng, n, g));
        const RunResult r = run_groups(groups, RunOptions{}, seed);
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.cycles(), sinkattn::latency::pv_group_cycles(n, g, count, kHeadDim, kOutLanes))
            << "n " << n << " G " << g << " groups " << count;
        // The first group's outputs start 2 cycles after its last beat was taken.
        EXPECT_EQ(r.first_out - r.last_in, sinkattn::latency::pv_first_out_after_last_in()) << "n " << n;
      }
    }
  }
}

}  // namespace
