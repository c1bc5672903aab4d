// The quick-select top-k engine against std::nth_element with the tie rule (lower index wins).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "sinkattn/topk.hpp"
#include "test_seed.hpp"

namespace sinkattn {
namespace {

// Independent reference: order by (score desc, index asc), the first k are kept.
std::vector<std::uint8_t> reference(const std::vector<std::uint64_t>& s, int k) {
  std::vector<int> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<std::uint8_t> keep(s.size(), 0);
  const int kk = std::clamp(k, 0, static_cast<int>(s.size()));
  auto better = [&](int a, int b) { return s[a] != s[b] ? s[a] > s[b] : a < b; };
  if (kk > 0) {
    std::nth_element(idx.begin(), idx.begin() + (kk - 1), idx.end(), better);
    for (int i = 0; i < kk; ++i) keep[idx[i]] = 1;
  }
  return keep;
}

std::string describe(const std::vector<std::uint64_t>& s, int k) {
  std::string d = "k=" + std::to_string(k) + " scores=";
  for (auto v : s) d += std::to_string(v) + " ";
  return d;
}

TEST(Topk, ExhaustiveSmallSizesWithTies) {
  // Every score vector over {0,1,2,3} of length 0..7 and every k in [-1, n+1].
  Lfsr16 lfsr(0xACE1);
  std::vector<std::uint8_t> keep;
  for (int n = 0; n <= 7; ++n) {
    const int combos = 1 << (2 * n);
    for (int c = 0; c < combos; ++c) {
      std::vector<std::uint64_t> s(n);
      for (int i = 0; i < n; ++i) s[i] = (c >> (2 * i)) & 3;
      for (int k = -1; k <= n + 1; ++k) {
        topk_select(s, k, lfsr, keep);
        ASSERT_EQ(keep, reference(s, k)) << describe(s, k);
      }
    }
  }
}

TEST(Topk, RandomLargeSizes) {
  const std::uint64_t seed = testing::test_seed(20261123);
  std::mt19937_64 rng(seed);
  Lfsr16 lfsr(0x1234);
  std::vector<std::uint8_t> keep;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 9000);
    const int k = static_cast<int>(rng() % (n + 2));
    const std::uint64_t range = trial % 3 == 0 ? 16 : (1ULL << 40);  // many ties, or few
    std::vector<std::uint64_t> s(n);
    for (auto& v : s) v = rng() % range;
    topk_select(s, k, lfsr, keep);
    ASSERT_EQ(keep, reference(s, k)) << "seed " << seed << " trial " << trial << " n " << n << " k " << k;
  }
}

TEST(Topk, EdgeCases) {
  Lfsr16 lfsr(1);
  std::vector<std::uint8_t> keep;
  EXPECT_EQ(topk_select({5}, 1, lfsr, keep).passes, 0);  // k >= n: no pass needed
  EXPECT_EQ(keep, std::vector<std::uint8_t>{1});
  topk_select({5}, 0, lfsr, keep);
  EXPECT_EQ(keep, std::vector<std::uint8_t>{0});
  topk_select(std::vector<std::uint64_t>(10, 7), 3, lfsr, keep);  // all equal: lowest indices
  EXPECT_EQ(keep, (std::vector<std::uint8_t>{1, 1, 1, 0, 0, 0, 0, 0, 0, 0}));
  topk_select({}, 4, lfsr, keep);
  EXPECT_TRUE(keep.empty());
}

// docs/numerics.md: a 16-bit Galois LFSR for x^16 + x^14 + x^13 + x^11 + 1, shifting right. The
// bit shifted out is fed back into bit e-1 for each term x^e below the top one and x^0, i.e. the
// toggle mask is built from the polynomial here, not copied from the model's constant.
std::vector<std::uint16_t> lfsr_from_polynomial(std::uint16_t seed, int count) {
  std::uint32_t mask = 0;
  for (int e : {16, 14, 13, 11}) mask |= 1u << (e - 1);
  std::vector<std::uint16_t> seq;
  std::uint32_t x = seed;
  for (int i = 0; i < count; ++i) {
    const std::uint32_t out = x & 1u;
    x >>= 1;
    if (out) x ^= mask;
    seq.push_back(static_cast<std::uint16_t>(x));
  }
  return seq;
}

TEST(Lfsr16, FirstDrawsByHandAndFromThePolynomial) {
  // By hand from 0xACE1 = 1010110011100001b: the LSB is 1, so 0x5670 ^ 0xB400 = 0xE270; then
  // the LSB is 0: 0x7138; again 0: 0x389C; again 0: 0x1C4E.
  const std::vector<std::uint16_t> by_hand = {0xE270, 0x7138, 0x389C, 0x1C4E};
  EXPECT_EQ(lfsr_from_polynomial(0xACE1, 4), by_hand);
  for (std::uint16_t seed : {0x0001, 0xACE1, 0xFFFF, 0x8000}) {
    Lfsr16 l(seed);
    for (std::uint16_t want : lfsr_from_polynomial(seed, 5000)) ASSERT_EQ(l.next(), want) << "seed " << seed;
  }
}

// Each pass's pivot is candidate number (L_j mod c_j) of the current candidates in stream
// order, with L_j the LFSR sequence from the polynomial; the candidates of the next pass are
// the side holding rank k, in stream order. Replayed here from the scores alone.
TEST(Topk, PivotsFollowThePolynomialSequenceAndTheCandidateLists) {
  const std::uint64_t seed = testing::test_seed(20261126);
  std::mt19937_64 rng(seed);
  Lfsr16 lfsr(0xACE1);
  std::uint16_t state = 0xACE1;
  std::vector<std::uint8_t> keep;
  std::vector<TopkPass> trace;
  std::uint64_t total_elements = 0, total_n = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 2 + static_cast<int>(rng() % 3000);
    const int k = 1 + static_cast<int>(rng() % (n - 1));
    std::vector<std::uint64_t> s(n);
    const std::uint64_t range = trial % 2 ? 12 : (1ULL << 40);
    for (auto& v : s) v = rng() % range;
    const TopkStats st = topk_select(s, k, lfsr, keep, &trace);
    const std::vector<std::uint16_t> draws = lfsr_from_polynomial(state, static_cast<int>(trace.size()));
    std::vector<std::uint64_t> cand = s;
    std::size_t rank = static_cast<std::size_t>(k);
    const std::string where = "seed " + std::to_string(seed) + " trial " + std::to_string(trial);
    for (std::size_t j = 0; j < trace.size(); ++j) {
      ASSERT_EQ(trace[j].lfsr, draws[j]) << where << " pass " << j;
      ASSERT_EQ(trace[j].count, cand.size()) << where << " pass " << j;
      const std::uint64_t pivot = cand[draws[j] % cand.size()];
      ASSERT_EQ(trace[j].pivot_value, pivot) << where << " pass " << j;
      std::vector<std::uint64_t> above, below;
      for (std::uint64_t v : cand) (v > pivot ? above : below).push_back(v);
      const std::size_t equal = static_cast<std::size_t>(std::count(cand.begin(), cand.end(), pivot));
      below.erase(std::remove(below.begin(), below.end(), pivot), below.end());
      if (rank <= above.size()) {
        ASSERT_EQ(trace[j].kept, TopkSide::Above) << where << " pass " << j;
        cand = above;
      } else if (rank <= above.size() + equal) {
        ASSERT_EQ(trace[j].kept, TopkSide::Threshold) << where << " pass " << j;
        ASSERT_EQ(j + 1, trace.size()) << where << ": the threshold pass must be the last";
      } else {
        ASSERT_EQ(trace[j].kept, TopkSide::Below) << where << " pass " << j;
        rank -= above.size() + equal;
        cand = below;
      }
    }
    state = draws.empty() ? state : draws.back();
    ASSERT_EQ(lfsr.state(), state) << where;
    total_elements += st.elements;
    total_n += n;
  }
  // Quick-select does expected O(n) work (about 2n to 4n streamed), far below a sort's n log n.
  EXPECT_LT(total_elements, 5 * total_n);
}

// ---------------------------------------------------------------------------------------------
// The pass trace and the engine timing (rtl/topk_engine_latency.md)
// ---------------------------------------------------------------------------------------------
std::vector<std::uint64_t> random_scores(std::mt19937_64& rng, int n) {
  const std::uint64_t range = rng() % 3 == 0 ? 8 : (1ULL << 48);  // many ties, or few
  std::vector<std::uint64_t> s(n);
  for (auto& v : s) v = rng() % range;
  return s;
}

TEST(TopkTrace, AgreesWithStatsAndLfsr) {
  const std::uint64_t seed = testing::test_seed(20261124);
  std::mt19937_64 rng(seed);
  Lfsr16 lfsr(0xACE1);
  std::vector<std::uint8_t> keep;
  std::vector<TopkPass> trace(3);  // stale records must be replaced
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = static_cast<int>(rng() % 1200);
    const int k = static_cast<int>(rng() % (n + 3)) - 1;
    const std::vector<std::uint64_t> s = random_scores(rng, n);
    Lfsr16 replay = lfsr;
    const TopkStats st = topk_select(s, k, lfsr, keep, &trace);
    const std::string where = "seed " + std::to_string(seed) + " trial " + std::to_string(trial);
    ASSERT_EQ(static_cast<int>(trace.size()), st.passes) << where;
    std::uint64_t streamed = 0;
    for (std::size_t j = 0; j < trace.size(); ++j) {
      const TopkPass& p = trace[j];
      streamed += p.count;
      ASSERT_EQ(p.lfsr, replay.next()) << where << " pass " << j;  // one draw per pass, in order
      ASSERT_EQ(p.pivot, p.lfsr % p.count) << where << " pass " << j;
      ASSERT_EQ(p.kept == TopkSide::Threshold, j + 1 == trace.size()) << where << " pass " << j;
      if (j > 0) {
        ASSERT_LT(p.count, trace[j - 1].count) << where << " pass " << j;
      }
    }
    ASSERT_EQ(streamed, st.elements) << where;
    ASSERT_EQ(replay.state(), lfsr.state()) << where;
    if (!trace.empty()) {
      ASSERT_EQ(trace[0].count, static_cast<std::uint32_t>(n)) << where;
      ASSERT_EQ(trace[0].pivot_value, s[trace[0].pivot]) << where;
      // The last pivot is the threshold: the smallest kept score.
      std::uint64_t smallest = ~0ULL;
      for (int i = 0; i < n; ++i)
        if (keep[i]) smallest = std::min(smallest, s[i]);
      ASSERT_EQ(trace.back().pivot_value, smallest) << where;
    }
  }
}

TEST(TopkTrace, DoesNotChangeTheSelection) {
  const std::uint64_t seed = testing::test_seed(20261125);
  std::mt19937_64 rng(seed);
  Lfsr16 with(0x5EED), without(0x5EED);
  std::vector<std::uint8_t> keep_with, keep_without;
  std::vector<TopkPass> trace;
  for (int trial = 0; trial < 3000; ++trial) {
    const int n = static_cast<int>(rng() % 2000);
    const int k = static_cast<int>(rng() % (n + 3)) - 1;
    const std::vector<std::uint64_t> s = random_scores(rng, n);
    const TopkStats a = topk_select(s, k, with, keep_with, &trace);
    const TopkStats b = topk_select(s, k, without, keep_without);
    const std::string where = "seed " + std::to_string(seed) + " trial " + std::to_string(trial);
    ASSERT_EQ(keep_with, keep_without) << where;
    ASSERT_EQ(a.passes, b.passes) << where;
    ASSERT_EQ(a.elements, b.elements) << where;
    ASSERT_EQ(with.state(), without.state()) << where;
  }
}

TEST(TopkEngineTiming, ModuloCycles) {
  EXPECT_EQ(topk_mod_cycles(1, 1), 16);     // bitlen(1) = 1: 16 restoring steps
  EXPECT_EQ(topk_mod_cycles(4096, 1), 4);   // bitlen(4096) = 13
  EXPECT_EQ(topk_mod_cycles(255, 8), 2);    // ModSteps 8: 2 cycles below 256 ...
  EXPECT_EQ(topk_mod_cycles(256, 8), 1);    // ... 1 from 256 on
  EXPECT_EQ(topk_mod_cycles(65535, 8), 1);
  EXPECT_EQ(topk_mod_cycles(1, 16), 1);     // ModSteps 16: always one cycle
  // From 2^16 candidates on the draw is 32 bits: 33 - bitlen(c) steps.
  EXPECT_EQ(topk_mod_cycles(65536, 1), 16);
  EXPECT_EQ(topk_mod_cycles(65536, 8), 2);
  EXPECT_EQ(topk_mod_cycles(1u << 20, 8), 2);       // bitlen 21: 12 steps
  EXPECT_EQ(topk_mod_cycles((1u << 24) - 1, 8), 2);  // bitlen 24: 9 steps
  EXPECT_EQ(topk_mod_cycles((1u << 24) - 1, 16), 1);
}

// A pass over 2^16 candidates or more draws twice: L = (first << 16) | second, from the
// polynomial's sequence; a smaller list draws once, as before. A long list's passes then reach
// pivots past position 65535, which a 16-bit draw never could.
TEST(Topk, LongListsDrawThirtyTwoBits) {
  const std::uint64_t seed = testing::test_seed(20261203);
  std::mt19937_64 rng(seed);
  Lfsr16 lfsr(0xACE1);
  std::uint16_t state = 0xACE1;
  std::vector<std::uint8_t> keep;
  std::vector<TopkPass> trace;
  int wide = 0, far = 0;
  for (int trial = 0; trial < 12; ++trial) {
    const int n = trial < 2 ? 65535 + trial : 65536 + static_cast<int>(rng() % 1000000);
    const int k = 1 + static_cast<int>(rng() % (n - 1));
    std::vector<std::uint64_t> s(n);
    for (auto& v : s) v = rng() % (1ULL << 40);
    topk_select(s, k, lfsr, keep, &trace);
    const std::string where = "seed " + std::to_string(seed) + " trial " + std::to_string(trial);
    for (std::size_t j = 0; j < trace.size(); ++j) {
      const bool two = trace[j].count >= 65536;
      const std::vector<std::uint16_t> d = lfsr_from_polynomial(state, two ? 2 : 1);
      const std::uint32_t want = two ? (std::uint32_t{d[0]} << 16 | d[1]) : d[0];
      ASSERT_EQ(trace[j].lfsr, want) << where << " pass " << j << " count " << trace[j].count;
      ASSERT_EQ(trace[j].pivot, want % trace[j].count) << where << " pass " << j;
      state = d.back();
      wide += two;
      far += trace[j].pivot > 65535;
    }
    ASSERT_EQ(lfsr.state(), state) << where;
    // The selection is still the k largest, lowest index first among ties.
    std::vector<std::uint64_t> sorted(s);
    std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<>());
    const std::uint64_t kth = sorted[k - 1];
    long kept = 0;
    for (int i = 0; i < n; ++i) {
      kept += keep[i];
      if (s[i] > kth) {
        ASSERT_TRUE(keep[i]) << where << " index " << i;
      }
    }
    ASSERT_EQ(kept, k) << where;
  }
  EXPECT_GT(wide, 10);
  EXPECT_GT(far, 3);
}

TopkTiming timing_of(const std::vector<std::uint64_t>& s, int k, int p, int mod_steps, std::uint16_t seed = 0xACE1) {
  Lfsr16 lfsr(seed);
  std::vector<std::uint8_t> keep;
  std::vector<TopkPass> trace;
  topk_select(s, k, lfsr, keep, &trace);
  return topk_engine_timing(s, k, keep, trace, p, mod_steps);
}

void expect_times(const TopkTiming& t, long last_in, long decide, long last_out, long done) {
  EXPECT_EQ(t.last_in, last_in);
  EXPECT_EQ(t.decide, decide);
  EXPECT_EQ(t.last_out, last_out);
  EXPECT_EQ(t.done, done);
}

TEST(TopkEngineTiming, NoSelection) {
  expect_times(timing_of({}, 3, 4, 8), -1, -1, -1, 1);                  // n = 0: done right away
  expect_times(timing_of({1, 2, 3, 4, 5}, 0, 4, 8), 2, -1, -1, 3);      // k = 0: nb = 2 beats, done
  // Keep all: T_out = nb + 1 + n (one index per cycle after the last beat), done one later.
  expect_times(timing_of({1, 2, 3, 4, 5}, 5, 4, 8), 2, -1, 8, 9);
  expect_times(timing_of({1, 2, 3, 4, 5}, 99, 4, 8), 2, -1, 8, 9);
  expect_times(timing_of({7}, 1, 4, 8), 1, -1, 3, 4);                   // n = 1
  expect_times(timing_of({7}, 0, 4, 8), 1, -1, -1, 2);
  EXPECT_TRUE(timing_of({7}, 1, 4, 8).passes.empty());
}

// Two passes, by hand. LFSR 0xACE1 draws L_1 = 0xE270 = 57968 and L_2 = 0x7138 = 28984.
// n = 7, k = 1: m_1 = 57968 mod 7 = 1, pivot 50; above = {70 @2, 60 @4} holds rank 1.
// Pass 2: c_2 = 2, m_2 = 28984 mod 2 = 0, pivot 70 = the threshold; only position 2 is kept.
const std::vector<std::uint64_t> kTwoPass = {10, 50, 70, 20, 60, 30, 40};

TEST(TopkEngineTiming, TwoPassesByHand) {
  Lfsr16 lfsr(0xACE1);
  std::vector<std::uint8_t> keep;
  std::vector<TopkPass> trace;
  topk_select(kTwoPass, 1, lfsr, keep, &trace);
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[0].count, 7u);
  EXPECT_EQ(trace[0].pivot, 1u);
  EXPECT_EQ(trace[0].lfsr, 0xE270);
  EXPECT_EQ(trace[0].pivot_value, 50u);
  EXPECT_EQ(trace[0].kept, TopkSide::Above);
  EXPECT_EQ(trace[1].count, 2u);
  EXPECT_EQ(trace[1].pivot, 0u);
  EXPECT_EQ(trace[1].lfsr, 0x7138);
  EXPECT_EQ(trace[1].pivot_value, 70u);
  EXPECT_EQ(trace[1].kept, TopkSide::Threshold);
  EXPECT_EQ(keep, (std::vector<std::uint8_t>{0, 0, 1, 0, 0, 0, 0}));

  // P = 4, ModSteps = 8: nb = 2, D(7) = ceil(14/8) = 2, T_in = 4. PB = 1/4 = 0, T_1 = 4+0+3 = 7.
  // E = min(7, 4) = 4: 70 @2 is early, 60 @4 late, so len0 = len1 = 1 and B_2 = 2 beats;
  // D(2) = ceil(15/8) = 2, T_2 = 7+2+2+1 = 12. Row 0 holds the one kept index: T_out = 12+1+1.
  const TopkTiming t = topk_engine_timing(kTwoPass, 1, keep, trace, 4, 8);
  expect_times(t, 4, 12, 14, 15);
  EXPECT_EQ(t.select(), 8);
  ASSERT_EQ(t.passes.size(), 2u);
  EXPECT_EQ(t.passes[0].len0, 7u);
  EXPECT_EQ(t.passes[0].len1, 0u);
  EXPECT_EQ(t.passes[0].cycle, 7);
  EXPECT_EQ(t.passes[1].len0, 1u);
  EXPECT_EQ(t.passes[1].len1, 1u);
  EXPECT_EQ(t.passes[1].cycle, 12);
  EXPECT_EQ(t.passes[1].count, 2u);
  EXPECT_EQ(t.passes[1].pivot, 0u);
  EXPECT_EQ(t.passes[1].lfsr, 0x7138);

  // ModSteps = 16: every D is 1. T_in = 3, T_1 = 6, T_2 = 6+1+2+1 = 10, T_out = 12.
  expect_times(topk_engine_timing(kTwoPass, 1, keep, trace, 4, 16), 3, 10, 12, 13);
  // P = 8: one beat, E = 7, so pass 2 is one segment (len0 = 2) of one beat.
  // T_in = 2+1 = 3, T_1 = 6, T_2 = 6+2+1+1 = 10, T_out = 12.
  const TopkTiming wide = topk_engine_timing(kTwoPass, 1, keep, trace, 8, 8);
  expect_times(wide, 3, 10, 12, 13);
  EXPECT_EQ(wide.passes[1].len0, 2u);
  EXPECT_EQ(wide.passes[1].len1, 0u);
}

TEST(TopkEngineTiming, SegmentsOfTheKeptBelowSide) {
  // k = 5 keeps the side below 50 after pass 1: {10 @0, 20 @3} early, {30 @5, 40 @6} late.
  Lfsr16 lfsr(0xACE1);
  std::vector<std::uint8_t> keep;
  std::vector<TopkPass> trace;
  topk_select(kTwoPass, 5, lfsr, keep, &trace);
  ASSERT_GE(trace.size(), 2u);
  EXPECT_EQ(trace[0].kept, TopkSide::Below);
  const TopkTiming t = topk_engine_timing(kTwoPass, 5, keep, trace, 4, 8);
  EXPECT_EQ(t.passes[1].len0, 2u);
  EXPECT_EQ(t.passes[1].len1, 2u);
  for (std::size_t j = 2; j < t.passes.size(); ++j) EXPECT_EQ(t.passes[j].len0, t.passes[j].count);
  EXPECT_EQ(t.decide, t.passes.back().cycle);
}

TEST(TopkEngineTiming, RejectsATraceOfAnotherSelection) {
  const std::vector<std::uint8_t> keep = {0, 0, 1, 0, 0, 0, 0};
  EXPECT_THROW(topk_engine_timing(kTwoPass, 1, keep, {}, 4, 8), std::invalid_argument);
  EXPECT_THROW(topk_engine_timing(kTwoPass, 1, {1, 0}, {}, 4, 8), std::invalid_argument);
  EXPECT_THROW(topk_engine_timing({1, 2}, 0, {0, 0}, {TopkPass{}}, 4, 8), std::invalid_argument);
  EXPECT_THROW(topk_engine_timing({}, 0, {}, {}, 0, 8), std::invalid_argument);
}

TEST(Lfsr16, HasMaximalPeriod) {
  Lfsr16 l(1);
  int period = 0;
  do {
    l.next();
    ++period;
  } while (l.state() != 1 && period < 70000);
  EXPECT_EQ(period, 65535);
}

}  // namespace
}  // namespace sinkattn
