// GoogleTest harness: the Verilated rtl/pv_lanes.sv against the contract's output,
// out_d = num::output_round(sum_j p_j * v_jd), bit for bit.
//
// Rows of (p, v) beats stream in with the valid/ready protocol (valid is held until taken);
// lanes marked invalid carry random garbage that must be ignored. Groups of G <= MaxGroup rows
// stream in as group beats (lane r: row r's probability of one token, lane 0: its value; the
// other lanes' values are garbage) and leave as G rows of outputs. Every output element and
// the last flag are compared. The SystemC model's block (sim/systemc/pv_lanes.hpp) runs beside
// the RTL in every test and must agree with it every cycle: ready, valid, last and every output
// element (systemc_mirror.hpp). Random back-pressure on both streams must not change results;
// without it the measured cycles must equal rtl/datapath_latency.md:
// R rows of B = ceil(n / PvLanes) beats take B + 1 + D + (R - 1) max(B, D) cycles,
// D = HeadDim / OutLanes output beats per row; R groups of G > 1 rows, n beats each, take
// n + 1 + G D + (R - 1) ((G - 1) D + max(n - 1, D)) (a group's rows wait in its accumulators).
//
// Environment: SINKATTN_SEED (default 1), always printed; WAVES=1 writes <test>.fst;
// SINKATTN_RTL_VECTORS=DIR writes the random test's rows to DIR/pv_lanes_vectors.txt for
// testbench/rtl/pv_lanes_iverilog_tb.sv.
//
// The Verilated model's parameters must equal SINKATTN_TB_HEAD_DIM, SINKATTN_TB_PV_LANES,
// SINKATTN_TB_OUT_LANES, SINKATTN_TB_MAX_TOKENS and SINKATTN_TB_MAX_GROUP (port widths are
// checked at compile time).
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
#ifndef SINKATTN_TB_MAX_GROUP
#define SINKATTN_TB_MAX_GROUP 1
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
constexpr int kMaxGroup = SINKATTN_TB_MAX_GROUP;

static_assert(sizeof(Vpv_lanes::p_i) == vl_bytes(kLanes * kPBits), "PvLanes differs from the model");
static_assert(sizeof(Vpv_lanes::v_i) == vl_bytes(kLanes * kHeadDim * num::kDataBits), "HeadDim differs from the model");
static_assert(sizeof(Vpv_lanes::out_o) == vl_bytes(kOutLanes * num::kOutBits), "OutLanes differs from the model");
static_assert(kMaxGroup >= 1 && kMaxGroup <= kLanes, "MaxGroup must be in 1 .. PvLanes");
static_assert(kOutLanes == sinkattn::sim::PvLanes::kOutLanes, "the SystemC mirror has another OutLanes");

struct Beat {
  std::vector<std::uint32_t> p;  // kLanes
  std::vector<std::int32_t> v;   // kLanes * kHeadDim, lane-major
  std::uint32_t lane_valid = 0;
};
// A row (row beats, one row of outputs) or a group (group beats, `rows` rows of outputs).
struct Row {
  std::vector<Beat> beats;
  bool grp = false;
  int rows = 1;
  std::vector<std::int32_t> out;  // expected, rows * kHeadDim, row r's element d at r * kHeadDim + d
};

// Row r's accumulator for element d: a row beat sums its valid lanes, a group beat adds lane r
// times lane 0's value.
std::int64_t reference_acc(const Row& row, int r, int d) {
  std::int64_t acc = 0;
  for (const Beat& b : row.beats) {
    if (row.grp) {
      if ((b.lane_valid >> r) & 1) acc += static_cast<std::int64_t>(b.p[r]) * b.v[d];
    } else {
      for (int l = 0; l < kLanes; ++l)
        if ((b.lane_valid >> l) & 1) acc += static_cast<std::int64_t>(b.p[l]) * b.v[l * kHeadDim + d];
    }
  }
  return acc;
}

void expect_outputs(Row& row) {
  row.out.resize(static_cast<std::size_t>(row.rows) * kHeadDim);
  for (int r = 0; r < row.rows; ++r)
    for (int d = 0; d < kHeadDim; ++d) row.out[r * kHeadDim + d] = num::output_round(reference_acc(row, r, d));
}

// n tokens in ceil(n / lanes) beats. Probabilities: mostly a real softmax-like spread (sum near
// 2^15), sometimes the full 16-bit range (saturating outputs); values uniform, extreme or small.
Row random_row(std::mt19937_64& rng, int n) {
  Row row;
  const int pmode = static_cast<int>(rng() % 4), vmode = static_cast<int>(rng() % 4);
  const int m = num::kDataMax;
  int left = n;
  while (left > 0) {
    Beat b;
    b.p.resize(kLanes);
    b.v.resize(kLanes * kHeadDim);
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
    const int k = std::min(left, kLanes);
    // The first k lanes carry tokens, with an occasional hole; the rest are garbage.
    b.lane_valid = (1u << k) - 1;
    if (k > 1 && rng() % 4 == 0) b.lane_valid &= ~(1u << (rng() % k));
    left -= k;
    row.beats.push_back(std::move(b));
  }
  expect_outputs(row);
  return row;
}

// A group of g rows over n tokens: n group beats, lane r < g row r's probability (an occasional
// hole), lane 0's value; every other lane and value is garbage.
Row random_group(std::mt19937_64& rng, int n, int g) {
  Row grp = random_row(rng, n);  // random probabilities and values of the same kinds
  grp.grp = true;
  grp.rows = g;
  grp.beats.clear();
  Row src = random_row(rng, n * kLanes);  // one beat per token, kLanes probabilities each
  for (int j = 0; j < n; ++j) {
    Beat b = src.beats[j];
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
// reads values through pointers (lane 0's for every row of a group beat), here into int16 copies
// that `store` keeps until the beat has left the mirror's product stage.
using MirrorBeat = sinkattn::sim::PvLanes::Beat;
MirrorBeat mirror_beat(const Row& r, const Beat& b, bool last,
                       std::deque<std::pair<const Beat*, std::vector<std::int16_t>>>& store) {
  if (store.empty() || store.back().first != &b) {
    store.emplace_back(&b, std::vector<std::int16_t>(b.v.begin(), b.v.end()));
    if (store.size() > 3) store.pop_front();
  }
  const std::int16_t* vals = store.back().second.data();
  MirrorBeat m;
  m.last = last;
  m.grp = r.grp;
  m.rows = r.rows;
  m.p.resize(kLanes);
  m.v.resize(kLanes);
  for (int l = 0; l < kLanes; ++l) {
    const bool valid = (b.lane_valid >> l) & 1;
    m.p[l] = valid ? b.p[l] : 0;
    m.v[l] = r.grp ? (l == 0 ? vals : nullptr) : (valid ? vals + l * kHeadDim : nullptr);
  }
  return m;
}

RunResult run_rows(const std::vector<Row>& rows, const RunOptions& opt, std::uint64_t seed) {
  Dut dut;
  auto mirror = sinkattn::tb::make_mirror<sinkattn::sim::PvLanes>(kHeadDim, kHeadDim, kMaxGroup);
  std::deque<std::pair<const Beat*, std::vector<std::int16_t>>> mirror_store;
  std::mt19937_64 bp(opt.bp_seed);
  std::bernoulli_distribution offer(opt.valid_prob), take(opt.ready_prob);
  RunResult res;
  std::size_t in_row = 0, in_beat = 0, out_row = 0, out_sub = 0, out_beat = 0;  // out_sub: row of a group
  bool held = false, any_in = false;
  const Beat* shown = nullptr;  // beat currently on p_i / v_i
  std::uint64_t beats = 0;
  for (const Row& r : rows) beats += r.beats.size() + r.rows * kOutBeats;
  const std::uint64_t limit = 100 + 20 * beats;
  auto fail = [&](const std::string& what) {
    std::ostringstream os;
    os << "seed " << seed << ", vector (row or group) " << out_row << " of " << rows.size() << ", row " << out_sub
       << ", output beat " << out_beat << ": " << what;
    res.ok = false;
    res.error = os.str();
  };
  while (out_row < rows.size()) {
    if (dut.cycle() > limit) {
      fail("timeout after " + std::to_string(dut.cycle()) + " cycles");
      return res;
    }
    const bool have = in_row < rows.size();
    if (!held) held = have && offer(bp);
    dut->pv_valid_i = held;
    MirrorBeat mirror_in;
    if (held) {
      const Row& r = rows[in_row];
      const Beat& b = r.beats[in_beat];
      mirror_in = mirror_beat(r, b, in_beat + 1 == r.beats.size(), mirror_store);
      if (shown != &b) {  // the wide vectors are rewritten only when the beat changes
        for (int l = 0; l < kLanes; ++l) put_bits(dut->p_i, l * kPBits, kPBits, b.p[l]);
        for (int i = 0; i < kLanes * kHeadDim; ++i)
          put_bits(dut->v_i, i * num::kDataBits, num::kDataBits, static_cast<std::uint32_t>(b.v[i]));
        shown = &b;
      }
      dut->pv_lane_valid_i = b.lane_valid;
      dut->pv_last_i = in_beat + 1 == r.beats.size();
      dut->pv_grp_i = r.grp;
      dut->pv_rows_i = r.rows;
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
      if (in_row == 0) res.last_in = dut.cycle();
      if (++in_beat == rows[in_row].beats.size()) {
        in_beat = 0;
        ++in_row;
      }
    }
    if (dut->out_valid_o && dut->out_ready_i) {
      const Row& r = rows[out_row];
      for (int i = 0; i < kOutLanes; ++i) {
        const int d = out_beat * kOutLanes + i;
        const auto got = static_cast<std::int16_t>(get_bits(dut->out_o, i * num::kOutBits, num::kOutBits));
        const std::int32_t want = r.out[out_sub * kHeadDim + d];
        if (got != want) {
          fail("element " + std::to_string(d) + " (acc " + std::to_string(reference_acc(r, static_cast<int>(out_sub), d)) +
               "): got " + std::to_string(got) + ", expected " + std::to_string(want));
          return res;
        }
      }
      const bool last = out_beat + 1 == kOutBeats;
      if (dut->out_last_o != last) {
        fail("last flag " + std::to_string(dut->out_last_o) + ", expected " + std::to_string(last));
        return res;
      }
      if (out_row == 0 && out_sub == 0 && out_beat == 0) res.first_out = dut.cycle();
      res.last_out = dut.cycle();
      if (++out_beat == kOutBeats) {
        out_beat = 0;
        if (static_cast<int>(++out_sub) == r.rows) {
          out_sub = 0;
          ++out_row;
        }
      }
    }
    mirror->edge(mirror_in);
    dut.posedge();
  }
  const auto quiet = [](Vpv_lanes& t) { t.pv_valid_i = 0, t.out_ready_i = 1; };
  if (!dut.stays_silent(20, quiet, [](Vpv_lanes& t) { return t.out_valid_o != 0; }))
    fail("extra output beat after the last row");
  return res;
}

void write_vectors(const std::vector<Row>& rows) {
  const char* dir = std::getenv("SINKATTN_RTL_VECTORS");
  if (!dir) return;
  const std::string path = std::string(dir) + "/pv_lanes_vectors.txt";
  std::ofstream f(path);
  ASSERT_TRUE(f) << "cannot write " << path;
  // Per row or group: "beats grp rows"; per beat: "lane_valid", the probabilities as one packed
  // hex vector (p_i), the values as one packed hex vector (v_i); then rows * HeadDim expected
  // outputs (decimal), row by row.
  for (const Row& r : rows) {
    f << r.beats.size() << ' ' << int(r.grp) << ' ' << r.rows << '\n';
    for (const Beat& b : r.beats) {
      f << b.lane_valid << '\n';
      f << packed_hex({b.p.begin(), b.p.end()}, kPBits) << '\n';
      f << packed_hex({b.v.begin(), b.v.end()}, num::kDataBits) << '\n';
    }
    for (auto x : r.out) f << x << ' ';
    f << '\n';
  }
  std::cout << "[ VECTORS  ] " << rows.size() << " rows and groups -> " << path << "\n";
}

// ---------------------------------------------------------------------------------------------

TEST(PvLanes, RandomRowsWithBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  std::vector<Row> rows;
  std::size_t beats = 0;
  int saturated = 0;
  while (rows.size() < 2000 || beats < 10000) {
    rows.push_back(random_row(rng, random_n(rng)));
    beats += rows.back().beats.size();
    for (auto x : rows.back().out) saturated += (x == 32767 || x == -32768);
  }
  std::cout << "[   INFO   ] " << rows.size() << " rows, " << beats << " input beats, " << saturated
            << " saturated outputs\n";
  EXPECT_GT(saturated, 0) << "the random set should reach saturation";
  RunOptions opt;
  opt.valid_prob = 0.7;
  opt.ready_prob = 0.6;
  opt.bp_seed = seed * 7919 + 1;
  const RunResult r = run_rows(rows, opt, seed);
  EXPECT_TRUE(r.ok) << r.error;
}

// Rows and groups of 1 .. MaxGroup rows mixed, as the top sends them.
TEST(PvLanes, RandomRowsAndGroupsWithBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed ^ 0x6709);
  std::vector<Row> units;
  int groups = 0;
  for (int i = 0; i < 1000; ++i) {
    const int n = random_n(rng) % 300 + 1;
    if (rng() % 3 == 0) {
      units.push_back(random_row(rng, n));
    } else {
      units.push_back(random_group(rng, n, 1 + static_cast<int>(rng() % kMaxGroup)));
      ++groups;
    }
  }
  write_vectors(units);
  std::cout << "[   INFO   ] " << units.size() << " units, " << groups << " of them groups of up to " << kMaxGroup
            << " rows\n";
  for (const auto& [v, rd] : {std::pair{1.0, 1.0}, std::pair{0.7, 0.6}, std::pair{1.0, 0.3}}) {
    RunOptions opt;
    opt.valid_prob = v;
    opt.ready_prob = rd;
    opt.bp_seed = seed * 31 + 7;
    const RunResult r = run_rows(units, opt, seed);
    EXPECT_TRUE(r.ok) << "valid " << v << " ready " << rd << ": " << r.error;
  }
}

TEST(PvLanes, RandomRowsWithoutBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed ^ 0x5eed);
  std::vector<Row> rows;
  for (int i = 0; i < 500; ++i) rows.push_back(random_row(rng, random_n(rng)));
  const RunResult r = run_rows(rows, RunOptions{}, seed);
  EXPECT_TRUE(r.ok) << r.error;
}

TEST(PvLanes, EdgeCases) {
  const std::uint64_t seed = test_seed();
  const int m = num::kDataMax;
  std::vector<Row> rows;
  auto uniform_row = [&](int n, std::uint32_t p, std::int32_t v) {
    Row row;
    for (int left = n; left > 0; left -= kLanes) {
      Beat b;
      b.p.assign(kLanes, p);
      b.v.assign(kLanes * kHeadDim, v);
      b.lane_valid = (1u << std::min(left, kLanes)) - 1;
      row.beats.push_back(b);
    }
    expect_outputs(row);
    return row;
  };
  rows.push_back(uniform_row(1, num::kProbOne, m));                // one token, p = 1: out = 16 * 2047
  rows.push_back(uniform_row(1, num::kProbOne, -m));
  rows.push_back(uniform_row(2, num::kProbOne, m));                // saturates high
  rows.push_back(uniform_row(2, num::kProbOne, -m));               // saturates low
  rows.push_back(uniform_row(kMaxTokens, (1u << kPBits) - 1, m));  // widest accumulator
  rows.push_back(uniform_row(kMaxTokens, (1u << kPBits) - 1, -m));
  rows.push_back(uniform_row(kMaxTokens, 8, 1));                   // sum exactly representable
  rows.push_back(uniform_row(3, 0, m));                            // p = 0: out 0
  rows.push_back(uniform_row(1, 1024, 1));                         // acc = 2^10: exactly half, rounds up to 1
  rows.push_back(uniform_row(1, 1023, 1));                         // just below half: 0
  rows.push_back(uniform_row(1, 1024, -1));                        // -2^10: -0.5 rounds up to 0
  rows.push_back(uniform_row(1, 1025, -1));                        // below -0.5: -1
  {
    Row row;  // no lane valid at all in a beat, then one
    Beat b;
    b.p.assign(kLanes, 12345);
    b.v.assign(kLanes * kHeadDim, m);
    b.lane_valid = 0;
    row.beats.push_back(b);
    b.lane_valid = 1;
    row.beats.push_back(b);
    expect_outputs(row);
    rows.push_back(row);
  }
  EXPECT_EQ(rows[0].out[0], 16 * m);
  EXPECT_EQ(rows[2].out[0], 32767);
  EXPECT_EQ(rows[3].out[0], -32768);
  EXPECT_EQ(rows[8].out[0], 1);
  EXPECT_EQ(rows[9].out[0], 0);
  EXPECT_EQ(rows[10].out[0], 0);
  EXPECT_EQ(rows[11].out[0], -1);
  RunResult r = run_rows(rows, RunOptions{}, seed);
  EXPECT_TRUE(r.ok) << r.error;
  RunOptions opt;
  opt.valid_prob = opt.ready_prob = 0.5;
  opt.bp_seed = seed;
  r = run_rows(rows, opt, seed);
  EXPECT_TRUE(r.ok) << "back-pressure: " << r.error;
}

// rtl/datapath_latency.md, shared with the SystemC model.
std::uint64_t documented_cycles(std::uint64_t beats, std::uint64_t rows) {
  return sinkattn::latency::pv_cycles(beats, rows, kHeadDim, kOutLanes);
}

TEST(PvLanes, LatencyMatchesDocumentedFormula) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int n : {1, 2, kLanes, kLanes + 1, 7 * kLanes, kOutBeats * kLanes, kOutBeats * kLanes + 1, 200, 1000}) {
    for (int count : {1, 2, 5}) {
      std::vector<Row> rows;
      for (int i = 0; i < count; ++i) rows.push_back(random_row(rng, n));
      const RunResult r = run_rows(rows, RunOptions{}, seed);
      ASSERT_TRUE(r.ok) << r.error;
      const std::uint64_t beats = (n + kLanes - 1) / kLanes;
      EXPECT_EQ(r.cycles(), documented_cycles(beats, count)) << "n " << n << " rows " << count;
      // The first row's outputs start 2 cycles after its last beat was taken.
      EXPECT_EQ(r.first_out - r.last_in, sinkattn::latency::pv_first_out_after_last_in()) << "n " << n;
    }
  }
}

// Groups of G rows back to back (rtl/datapath_latency.md).
TEST(PvLanes, GroupLatencyMatchesDocumentedFormula) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int n : {1, 2, 7, kOutBeats - 1, kOutBeats, kOutBeats + 1, 2 * kOutBeats * kMaxGroup + 3, 300}) {
    for (int g = 1; g <= kMaxGroup; ++g) {
      for (int count : {1, 2, 5}) {
        std::vector<Row> units;
        for (int i = 0; i < count; ++i) units.push_back(random_group(rng, n, g));
        const RunResult r = run_rows(units, RunOptions{}, seed);
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.cycles(), sinkattn::latency::pv_group_cycles(n, g, count, kHeadDim, kOutLanes))
            << "n " << n << " G " << g << " groups " << count;
        EXPECT_EQ(r.first_out - r.last_in, sinkattn::latency::pv_first_out_after_last_in()) << "n " << n;
      }
    }
  }
}

}  // namespace
