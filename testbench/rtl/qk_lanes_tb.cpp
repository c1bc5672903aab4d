// GoogleTest harness: the Verilated rtl/qk_lanes.sv against the contract's scores,
// s = sum_d q_d * k_d in int32 with k replaced by num::key_msb_approx(k) in MSB-only beats.
//
// Rows of key beats stream through the lanes with the valid/ready protocol (valid is held
// until taken); each row's query is written with q_we_i, in the cycle its predecessor's last
// beat is taken when possible (the documented overlap) and otherwise in a bubble before the
// row. Every score of every lane, the lane-valid mask and the last flag are compared. Random
// back-pressure on both streams must not change results; without it the measured cycles must
// equal rtl/datapath_latency.md: B beats take B + 1 + ceil(log2(HeadDim) / LevelsPerStage).
//
// Environment: SINKATTN_SEED (default 1), always printed; WAVES=1 writes <test>.fst;
// SINKATTN_RTL_VECTORS=DIR writes the random test's beats to DIR/qk_lanes_vectors.txt for
// testbench/rtl/qk_lanes_iverilog_tb.sv.
//
// The Verilated model's parameters must equal SINKATTN_TB_HEAD_DIM, SINKATTN_TB_QK_LANES and
// SINKATTN_TB_LEVELS_PER_STAGE (the port widths are checked at compile time).
#include <gtest/gtest.h>
#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "Vqk_lanes.h"
#include "harness.hpp"
#include "sinkattn/latency.hpp"
#include "sinkattn/numerics.hpp"

#ifndef SINKATTN_TB_HEAD_DIM
#define SINKATTN_TB_HEAD_DIM 64
#endif
#ifndef SINKATTN_TB_QK_LANES
#define SINKATTN_TB_QK_LANES 4
#endif
#ifndef SINKATTN_TB_LEVELS_PER_STAGE
#define SINKATTN_TB_LEVELS_PER_STAGE 2
#endif

namespace {

using sinkattn::rtl::vl_bytes;
using sinkattn::rtl::packed_hex;
using sinkattn::rtl::put_bits;
using sinkattn::rtl::get_bits;
using sinkattn::tb::test_seed;

class Dut : public sinkattn::tb::Dut<Vqk_lanes> {
 public:
  Dut() : sinkattn::tb::Dut<Vqk_lanes>("qk_lanes", [](auto& t) {
    t.k_valid_i = 0;
    t.q_we_i = 0;
    t.s_ready_i = 0;
  }) {}
};

namespace num = sinkattn::num;

constexpr int kHeadDim = SINKATTN_TB_HEAD_DIM;
constexpr int kLanes = SINKATTN_TB_QK_LANES;
constexpr int kLevelsPerStage = SINKATTN_TB_LEVELS_PER_STAGE;

// rtl/datapath_latency.md: key beat taken in cycle t -> its scores valid in cycle t + Latency.
constexpr std::uint64_t kLatency = sinkattn::latency::qk_latency(kHeadDim, kLevelsPerStage);

// Size of the C++ member Verilator generates for a port of `bits` bits.
static_assert(sizeof(Vqk_lanes::q_i) == vl_bytes(kHeadDim * num::kDataBits), "HeadDim differs from the model");
static_assert(sizeof(Vqk_lanes::k_i) == vl_bytes(kLanes * kHeadDim * num::kDataBits), "QkLanes differs from the model");
static_assert(sizeof(Vqk_lanes::s_o) == vl_bytes(kLanes * 32), "QkLanes differs from the model");

struct Beat {
  std::vector<std::int32_t> k;  // kLanes * kHeadDim, lane-major
  bool msb = false;
  std::uint32_t lane_valid = 0;
  bool last = false;
  std::vector<std::int32_t> s;  // expected, kLanes
};
struct Row {
  std::vector<std::int32_t> q;
  std::vector<Beat> beats;
};

void expect_scores(const Row& row, Beat& b) {
  b.s.assign(kLanes, 0);
  for (int l = 0; l < kLanes; ++l) {
    std::int64_t acc = 0;
    for (int d = 0; d < kHeadDim; ++d) {
      const std::int32_t k = b.k[l * kHeadDim + d];
      acc += static_cast<std::int64_t>(row.q[d]) * (b.msb ? num::key_msb_approx(k) : k);
    }
    // The contract: |s| < 2^31 for D <= kMaxHeadDim and |q|, |k| <= DataMax.
    EXPECT_TRUE(acc >= std::numeric_limits<std::int32_t>::min() && acc <= std::numeric_limits<std::int32_t>::max());
    b.s[l] = static_cast<std::int32_t>(acc);
  }
}

std::int32_t random_elem(std::mt19937_64& rng, int mode) {
  const int m = num::kDataMax;
  switch (mode) {
    case 0: return static_cast<std::int32_t>(rng() % (2 * m + 1)) - m;       // uniform
    case 1: return (rng() & 1) ? m : -m;                                       // extremes
    case 2: return static_cast<std::int32_t>(rng() % 17) - 8;                 // small
    case 3: return (rng() % 8) ? 0 : static_cast<std::int32_t>(rng() % (2 * m + 1)) - m;  // sparse
    default: return static_cast<std::int32_t>(rng() % 32) - 16 + ((rng() & 1) ? m - 16 : -m + 16);  // near the ends
  }
}

Row random_row(std::mt19937_64& rng, int beats) {
  Row row;
  const int qmode = static_cast<int>(rng() % 5);
  row.q.resize(kHeadDim);
  for (auto& x : row.q) x = random_elem(rng, qmode);
  const bool msb_row = rng() % 2;  // a pass is MSB-only or full for all its keys
  for (int i = 0; i < beats; ++i) {
    Beat b;
    const int kmode = static_cast<int>(rng() % 5);
    b.k.resize(kLanes * kHeadDim);
    for (auto& x : b.k) x = random_elem(rng, kmode);
    b.msb = (rng() % 8) ? msb_row : !msb_row;  // the mode is per beat; mix it up
    b.lane_valid = static_cast<std::uint32_t>(rng() & ((1u << kLanes) - 1));
    b.last = i + 1 == beats;
    expect_scores(row, b);
    row.beats.push_back(std::move(b));
  }
  return row;
}

struct RunOptions {
  double valid_prob = 1.0, ready_prob = 1.0, overlap_prob = 1.0;
  std::uint64_t bp_seed = 0;
};
struct RunResult {
  bool ok = true;
  std::string error;
  std::uint64_t first_in = 0, last_out = 0;
  std::uint64_t cycles() const { return last_out - first_in + 1; }
};

RunResult run_rows(const std::vector<Row>& rows, const RunOptions& opt, std::uint64_t seed) {
  Dut dut;
  std::mt19937_64 bp(opt.bp_seed);
  std::bernoulli_distribution offer(opt.valid_prob), take(opt.ready_prob), overlap(opt.overlap_prob);
  RunResult res;
  std::vector<const Beat*> order;
  for (const Row& r : rows)
    for (const Beat& b : r.beats) order.push_back(&b);
  std::size_t in_row = 0, in_beat = 0, out = 0;
  long loaded = -1;  // row whose query is in the register
  bool held = false, any_in = false;
  const Beat* shown = nullptr;  // beat currently on k_i
  const std::uint64_t limit = 100 + 20 * order.size() + 4 * rows.size();
  auto fail = [&](const std::string& what) {
    std::ostringstream os;
    os << "seed " << seed << ", vector (beat) " << out << " of " << order.size() << ": " << what;
    res.ok = false;
    res.error = os.str();
  };
  auto load_query = [&](std::size_t r) {
    dut->q_we_i = 1;
    for (int d = 0; d < kHeadDim; ++d)
      put_bits(dut->q_i, d * num::kDataBits, num::kDataBits, static_cast<std::uint32_t>(rows[r].q[d]));
    loaded = static_cast<long>(r);
  };
  while (out < order.size()) {
    if (dut.cycle() > limit) {
      fail("timeout after " + std::to_string(dut.cycle()) + " cycles");
      return res;
    }
    dut->q_we_i = 0;
    const bool have = in_row < rows.size() && loaded == static_cast<long>(in_row);
    if (!held) held = have && offer(bp);
    dut->k_valid_i = held;
    if (held) {
      const Beat& b = rows[in_row].beats[in_beat];
      if (shown != &b) {  // the wide key vector is rewritten only when the beat changes
        for (int i = 0; i < kLanes * kHeadDim; ++i)
          put_bits(dut->k_i, i * num::kDataBits, num::kDataBits, static_cast<std::uint32_t>(b.k[i]));
        shown = &b;
      }
      dut->k_msb_only_i = b.msb;
      dut->k_lane_valid_i = b.lane_valid;
      dut->k_last_i = b.last;
    }
    dut->s_ready_i = take(bp);
    dut.settle();
    if (in_row < rows.size() && loaded != static_cast<long>(in_row)) {
      load_query(in_row);  // a bubble: no beat of this row was offered
    } else if (dut->k_valid_i && dut->k_ready_o) {
      if (!any_in) res.first_in = dut.cycle();
      any_in = true;
      held = false;
      if (++in_beat == rows[in_row].beats.size()) {
        in_beat = 0;
        ++in_row;
        // The next row's query may be written in the cycle the last beat is taken.
        if (in_row < rows.size() && overlap(bp)) load_query(in_row);
      }
    }
    if (dut->s_valid_o && dut->s_ready_i) {
      const Beat& b = *order[out];
      for (int l = 0; l < kLanes; ++l) {
        const auto got = static_cast<std::int32_t>(get_bits(dut->s_o, l * 32, 32));
        if (got != b.s[l]) {
          fail("lane " + std::to_string(l) + (b.msb ? " (MSB-only)" : " (full keys)") + ": got score " +
               std::to_string(got) + ", expected " + std::to_string(b.s[l]));
          return res;
        }
      }
      if (dut->s_lane_valid_o != b.lane_valid || dut->s_last_o != b.last) {
        fail("side band: got lane_valid " + std::to_string(dut->s_lane_valid_o) + " last " +
             std::to_string(dut->s_last_o) + ", expected " + std::to_string(b.lane_valid) + " " +
             std::to_string(b.last));
        return res;
      }
      res.last_out = dut.cycle();
      ++out;
    }
    dut.posedge();
  }
  const auto quiet = [](Vqk_lanes& t) { t.k_valid_i = 0, t.s_ready_i = 1; };
  if (!dut.stays_silent(20, quiet, [](Vqk_lanes& t) { return t.s_valid_o != 0; }))
    fail("extra score beat after the last key");
  return res;
}

void write_vectors(const std::vector<Row>& rows) {
  const char* dir = std::getenv("SINKATTN_RTL_VECTORS");
  if (!dir) return;
  const std::string path = std::string(dir) + "/qk_lanes_vectors.txt";
  std::ofstream f(path);
  ASSERT_TRUE(f) << "cannot write " << path;
  // Per row: "beats", then the query as one packed hex vector (q_i); per beat:
  // "msb lane_valid last", the keys as one packed hex vector (k_i), QkLanes expected scores
  // (decimal).
  std::size_t beats = 0;
  for (const Row& r : rows) {
    f << r.beats.size() << '\n' << packed_hex({r.q.begin(), r.q.end()}, num::kDataBits) << '\n';
    for (const Beat& b : r.beats) {
      f << b.msb << ' ' << b.lane_valid << ' ' << b.last << '\n';
      f << packed_hex({b.k.begin(), b.k.end()}, num::kDataBits) << '\n';
      for (int x : b.s) f << x << ' ';
      f << '\n';
      ++beats;
    }
  }
  std::cout << "[ VECTORS  ] " << beats << " beats -> " << path << "\n";
}

// ---------------------------------------------------------------------------------------------

TEST(QkLanes, RandomBeatsWithBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  std::vector<Row> rows;
  std::size_t beats = 0;
  while (beats < 10000) {
    rows.push_back(random_row(rng, 1 + static_cast<int>(rng() % 40)));
    beats += rows.back().beats.size();
  }
  write_vectors(rows);
  std::cout << "[   INFO   ] " << rows.size() << " rows, " << beats << " beats of " << kLanes << " keys\n";
  RunOptions opt;
  opt.valid_prob = 0.7;
  opt.ready_prob = 0.6;
  opt.overlap_prob = 0.5;
  opt.bp_seed = seed * 7919 + 1;
  const RunResult r = run_rows(rows, opt, seed);
  EXPECT_TRUE(r.ok) << r.error;
}

TEST(QkLanes, RandomBeatsWithoutBackPressureMatchReference) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed ^ 0x5eed);
  std::vector<Row> rows;
  for (int i = 0; i < 200; ++i) rows.push_back(random_row(rng, 1 + static_cast<int>(rng() % 20)));
  const RunResult r = run_rows(rows, RunOptions{}, seed);
  EXPECT_TRUE(r.ok) << r.error;
}

TEST(QkLanes, ExtremeDataAtTheInt32Bound) {
  const std::uint64_t seed = test_seed();
  std::vector<Row> rows;
  const int m = num::kDataMax;
  for (int sq : {1, -1}) {
    for (int sk : {1, -1}) {
      Row row;
      row.q.assign(kHeadDim, sq * m);
      for (bool msb : {false, true}) {
        Beat b;
        b.k.assign(kLanes * kHeadDim, sk * m);
        for (int d = 0; d < kHeadDim; ++d) b.k[(kLanes - 1) * kHeadDim + d] = (d % 2) ? m : -m;  // cancels
        b.msb = msb;
        b.lane_valid = (1u << kLanes) - 1;
        b.last = msb;
        expect_scores(row, b);
        row.beats.push_back(b);
      }
      rows.push_back(row);
    }
  }
  // Every LSB pattern under MSB-only mode, and a one-hot query picking each key element.
  for (int hot = 0; hot < kHeadDim; ++hot) {
    Row row;
    row.q.assign(kHeadDim, 0);
    row.q[hot] = (hot % 2) ? m : -m;
    Beat b;
    b.k.resize(kLanes * kHeadDim);
    for (int i = 0; i < kLanes * kHeadDim; ++i) b.k[i] = ((i * 37 + hot) % (2 * m + 1)) - m;
    b.msb = hot % 2;
    b.lane_valid = 1;
    b.last = true;
    expect_scores(row, b);
    row.beats.push_back(b);
    rows.push_back(row);
  }
  RunResult r = run_rows(rows, RunOptions{}, seed);
  EXPECT_TRUE(r.ok) << r.error;
  RunOptions opt;
  opt.valid_prob = opt.ready_prob = 0.5;
  opt.bp_seed = seed;
  r = run_rows(rows, opt, seed);
  EXPECT_TRUE(r.ok) << "back-pressure: " << r.error;
}

TEST(QkLanes, LatencyMatchesDocumentedFormula) {
  const std::uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (int beats : {1, 2, 3, 5, 16, 100}) {
    for (int nrows : {1, 3}) {
      std::vector<Row> rows;
      for (int i = 0; i < nrows; ++i) rows.push_back(random_row(rng, beats));
      const RunResult r = run_rows(rows, RunOptions{}, seed);
      ASSERT_TRUE(r.ok) << r.error;
      // The queries of later rows are written in the cycle the previous last beat is taken,
      // so the beats of all rows stream back to back.
      EXPECT_EQ(r.cycles(), sinkattn::latency::qk_cycles(beats * nrows, kHeadDim, kLevelsPerStage)) << beats << " beats x " << nrows;
    }
  }
}

}  // namespace
