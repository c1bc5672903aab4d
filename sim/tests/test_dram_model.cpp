// Unit tests of the DRAM port model: latency, bandwidth, ordering, back-pressure.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <numeric>
#include <random>

#include "dram_model.hpp"
#include "sinkattn/numerics.hpp"
#include "top_stream.hpp"

namespace sinkattn::host {
namespace {

std::vector<std::uint8_t> ramp_image(std::size_t n) {
  std::vector<std::uint8_t> img(n);
  for (std::size_t i = 0; i < n; ++i) img[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return img;
}

struct Beat {
  std::uint64_t cycle;
  std::vector<std::uint8_t> data;
  bool last;
};

// Issues `reqs` as fast as the port takes them, always ready for responses; returns every beat.
std::vector<Beat> run(DramModel& m, const std::vector<std::pair<std::uint64_t, int>>& reqs, std::uint64_t limit = 100000) {
  std::vector<Beat> beats;
  std::size_t next = 0;
  std::uint64_t expect_bytes = 0;
  for (const auto& r : reqs) expect_bytes += static_cast<std::uint64_t>(r.second);
  for (std::uint64_t c = 0; c < limit; ++c) {
    m.begin_cycle();
    const bool fire = next < reqs.size() && m.req_ready();
    if (m.resp_valid()) {
      const int w = m.params().bytes_per_cycle;
      beats.push_back({m.cycle(), std::vector<std::uint8_t>(m.resp_data(), m.resp_data() + w), m.resp_last()});
    }
    m.end_cycle(fire, fire ? reqs[next].first : 0, fire ? reqs[next].second : 0, m.resp_valid());
    next += fire;
    if (next == reqs.size() && m.bytes_returned() == expect_bytes && m.outstanding() == 0) break;
  }
  return beats;
}

TEST(DramModel, LatencyOfOneRequest) {
  DramParams p{16, 37, 64};
  DramModel m(p, ramp_image(4096));
  const auto beats = run(m, {{128, 64}});
  ASSERT_EQ(beats.size(), 4u);
  EXPECT_EQ(beats[0].cycle, 37u);  // accepted in cycle 0
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(beats[i].cycle, 37u + i);
    EXPECT_EQ(beats[i].last, i == 3);
    for (int b = 0; b < 16; ++b) EXPECT_EQ(beats[i].data[b], static_cast<std::uint8_t>((128 + i * 16 + b) * 7 + 3));
  }
}

TEST(DramModel, PartialLastBeatIsZeroPadded) {
  DramModel m({16, 5, 64}, ramp_image(1024));
  const auto beats = run(m, {{10, 20}});
  ASSERT_EQ(beats.size(), 2u);
  for (int b = 0; b < 4; ++b) EXPECT_EQ(beats[1].data[b], static_cast<std::uint8_t>((26 + b) * 7 + 3));
  for (int b = 4; b < 16; ++b) EXPECT_EQ(beats[1].data[b], 0);
  EXPECT_TRUE(beats[1].last);
}

TEST(DramModel, StreamingReachesFullBandwidth) {
  DramParams p{16, 100, 64};
  DramModel m(p, ramp_image(1 << 16));
  std::vector<std::pair<std::uint64_t, int>> reqs;
  for (int i = 0; i < 200; ++i) reqs.push_back({static_cast<std::uint64_t>(i) * 64, 64});
  const auto beats = run(m, reqs);
  ASSERT_EQ(beats.size(), 800u);
  // One beat per cycle from the first one on: 12800 bytes at 16 bytes per cycle.
  EXPECT_EQ(beats.back().cycle - beats.front().cycle + 1, 800u);
}

TEST(DramModel, InOrderAndOutstandingBound) {
  DramParams p{8, 50, 32};
  p.max_outstanding = 3;
  DramModel m(p, ramp_image(4096));
  std::vector<std::pair<std::uint64_t, int>> reqs = {{0, 32}, {1000, 8}, {64, 17}, {2000, 32}, {5, 1}};
  const auto beats = run(m, reqs);
  std::vector<std::uint8_t> got, want;
  for (const auto& b : beats) got.insert(got.end(), b.data.begin(), b.data.end());
  for (const auto& [a, len] : reqs) {
    const int nb = (len + 7) / 8;
    for (int i = 0; i < nb * 8; ++i) want.push_back(i < len ? static_cast<std::uint8_t>((a + i) * 7 + 3) : 0);
  }
  EXPECT_EQ(got, want);
  // The fourth request had to wait until the first had returned completely.
  EXPECT_GE(m.cycle(), 100u);
}

TEST(DramModel, BackPressureIsDeterministicPerSeedAndKeepsData) {
  const char* env = std::getenv("SINKATTN_SEED");
  const std::uint64_t seed = env ? std::strtoull(env, nullptr, 10) : 20260501;
  std::cout << "[   SEED   ] SINKATTN_SEED=" << seed << "\n";
  std::vector<std::pair<std::uint64_t, int>> reqs;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 100; ++i) reqs.push_back({rng() % 4000, 1 + static_cast<int>(rng() % 64)});
  auto with = [&](std::uint64_t s, double stall) {
    DramParams p{16, 20, 64};
    p.req_stall = stall;
    p.resp_stall = stall;
    p.seed = s;
    DramModel m(p, ramp_image(4096));
    auto beats = run(m, reqs);
    return std::make_pair(beats, m.cycle());
  };
  const auto a = with(seed, 0.3), b = with(seed, 0.3), c = with(seed + 1, 0.3), free = with(seed, 0.0);
  ASSERT_EQ(a.first.size(), free.first.size());
  for (std::size_t i = 0; i < a.first.size(); ++i) {
    EXPECT_EQ(a.first[i].data, free.first[i].data);
    EXPECT_EQ(a.first[i].cycle, b.first[i].cycle);  // same seed, same timing
  }
  EXPECT_GT(a.second, free.second);  // back-pressure costs cycles
  bool differs = false;
  for (std::size_t i = 0; i < a.first.size(); ++i) differs |= a.first[i].cycle != c.first[i].cycle;
  EXPECT_TRUE(differs);
}

// Bursty back-pressure: a stall drawn outside a burst lasts stall_burst cycles, so every run of
// stalled cycles is a whole number of bursts, and the stalled share is p B / (p B + 1 - p) (a
// slot is a burst of B cycles with probability p, else one free cycle). Data still intact.
TEST(DramModel, StallBurstsAreWholeBurstsAtTheExpectedRate) {
  for (const auto& [p_stall, burst] : {std::pair{0.3, 1}, {0.1, 25}, {0.6, 8}, {0.8, 3}}) {
    DramParams p{16, 20, 64};
    p.req_stall = p_stall;
    p.resp_stall = p_stall;
    p.stall_burst = burst;
    p.seed = 99;
    DramModel m(p, ramp_image(4096));
    long stalled = 0, run_len = 0, cycles = 200000;
    for (long c = 0; c < cycles; ++c) {
      m.begin_cycle();
      if (!m.req_ready()) {
        ++stalled;
        ++run_len;
      } else {
        EXPECT_EQ(run_len % burst, 0) << "p " << p_stall << " burst " << burst << ": a run of " << run_len;
        run_len = 0;
      }
      m.end_cycle(false, 0, 0, false);
    }
    const double want = p_stall * burst / (p_stall * burst + 1 - p_stall);
    EXPECT_NEAR(static_cast<double>(stalled) / cycles, want, 0.01) << "p " << p_stall << " burst " << burst;
    EXPECT_EQ(m.req_stall_cycles(), static_cast<std::uint64_t>(stalled));
  }
  std::vector<std::pair<std::uint64_t, int>> reqs;
  for (int i = 0; i < 50; ++i) reqs.push_back({static_cast<std::uint64_t>(i * 61 % 4000), 1 + i % 64});
  DramParams p{16, 20, 64};
  DramModel free(p, ramp_image(4096));
  p.req_stall = p.resp_stall = 0.7;
  p.stall_burst = 12;
  DramModel bursty(p, ramp_image(4096));
  const auto a = run(free, reqs), b = run(bursty, reqs);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].data, b[i].data);
  EXPECT_GT(bursty.cycle(), 5 * free.cycle());
}

TEST(DramModel, RejectsBadRequestsAndParams) {
  DramModel m({16, 5, 64}, ramp_image(100));
  EXPECT_THROW(m.check_request(0, 65), std::invalid_argument);
  EXPECT_THROW(m.check_request(0, 0), std::invalid_argument);
  EXPECT_THROW(m.check_request(90, 20), std::invalid_argument);
  EXPECT_THROW(DramModel({16, 5, 40}, {}), std::invalid_argument);
  EXPECT_THROW(DramModel({0, 5, 64}, {}), std::invalid_argument);
  DramParams no_burst{16, 5, 64};
  no_burst.stall_burst = 0;
  EXPECT_THROW(DramModel(no_burst, {}), std::invalid_argument);
}

// A small integer trace with random values over the whole data range.
IntTrace random_int_trace(std::uint64_t seed) {
  IntTrace t;
  t.shape = {2, 2, 2, 24, 9, 5};  // L, Hq, Hkv, D, T, P
  std::mt19937_64 rng(seed);
  const int hi = (1 << (num::kDataBits - 1)) - 1;
  std::uniform_int_distribution<int> value(-hi - 1, hi);
  t.k.resize(static_cast<std::size_t>(2) * 2 * 9 * 24), t.v.resize(t.k.size());
  for (auto& x : t.k) x = static_cast<std::int16_t>(value(rng));
  for (auto& x : t.v) x = static_cast<std::int16_t>(value(rng));
  return t;
}

// The on-demand image (what the SystemC model and the Verilated RTL run read) is the whole image
// (what the vector writer dumps) over any range, and its k and v planes hold the trace's values.
TEST(DramImage, AnyRangeIsThatRangeOfTheWholeImage) {
  const IntTrace t = random_int_trace(5);
  const int hw_head_dim = 32;  // wider than the trace's D: planes are zero-padded
  const DramImage image(t, hw_head_dim);
  const std::vector<std::uint8_t> whole = dram_image(t, hw_head_dim);
  ASSERT_EQ(image.size(), whole.size());
  std::mt19937_64 rng(9);
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t addr = rng() % whole.size();
    const std::size_t len = 1 + rng() % std::min<std::uint64_t>(200, whole.size() - addr);
    std::vector<std::uint8_t> got(len);
    image.read(addr, len, got.data());
    ASSERT_TRUE(std::equal(got.begin(), got.end(), whole.begin() + static_cast<std::ptrdiff_t>(addr)))
        << "addr " << addr << " len " << len;
  }
  EXPECT_THROW(image.read(whole.size() - 1, 2, nullptr), std::out_of_range);
  // Plane 0 (full keys) and plane 3 (values) of each token, unpacked LSB first and sign-extended.
  const std::size_t stride = whole.size() / (2 * 2 * 9 * 4);
  const auto field = [&](std::size_t plane, int d) {
    int v = 0;
    for (int b = 0; b < num::kDataBits; ++b) {
      const std::size_t bit = static_cast<std::size_t>(d) * num::kDataBits + b;
      v |= ((whole[plane * stride + bit / 8] >> (bit % 8)) & 1) << b;
    }
    return v >= (1 << (num::kDataBits - 1)) ? v - (1 << num::kDataBits) : v;
  };
  for (int l = 0; l < 2; ++l)
    for (int g = 0; g < 2; ++g)
      for (int j = 0; j < 9; ++j)
        for (int d = 0; d < 24; ++d) {
          const std::size_t row = ((static_cast<std::size_t>(l) * 2 + g) * 9 + j) * 4;
          ASSERT_EQ(field(row, d), t.k_row(l, g, j)[d]);
          ASSERT_EQ(field(row + 3, d), t.v_row(l, g, j)[d]);
        }
}

TEST(DramModel, OnDemandImageGivesTheSameBeatsAsTheWholeImage) {
  const IntTrace t = random_int_trace(6);
  const auto image = std::make_shared<const DramImage>(t, 32);
  DramParams p{16, 9, 64};
  p.req_stall = p.resp_stall = 0.3;
  DramModel whole(p, dram_image(t, 32));
  DramModel lazy(p, image->size(), [image](std::uint64_t a, std::size_t n, std::uint8_t* d) { image->read(a, n, d); });
  std::vector<std::pair<std::uint64_t, int>> reqs;
  std::mt19937_64 rng(2);
  for (int i = 0; i < 300; ++i) {
    const int len = 1 + static_cast<int>(rng() % 64);
    reqs.push_back({rng() % (image->size() - len), len});
  }
  const auto a = run(whole, reqs), b = run(lazy, reqs);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].cycle, b[i].cycle);
    EXPECT_EQ(a[i].data, b[i].data);
  }
}

}  // namespace
}  // namespace sinkattn::host
