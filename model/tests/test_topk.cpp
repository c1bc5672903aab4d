// The quick-select top-k engine against std::nth_element with the tie rule (lower index wins).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

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

TEST(Topk, PivotSequenceIsDeterministic) {
  std::mt19937_64 rng(5);
  std::vector<std::uint64_t> s(4096);
  for (auto& v : s) v = rng();
  Lfsr16 a(0xACE1), b(0xACE1);
  std::vector<std::uint8_t> ka, kb;
  const TopkStats sa = topk_select(s, 256, a, ka), sb = topk_select(s, 256, b, kb);
  EXPECT_EQ(sa.passes, sb.passes);
  EXPECT_EQ(sa.elements, sb.elements);
  EXPECT_EQ(a.state(), b.state());
  EXPECT_GE(sa.elements, s.size());
  // Quick-select does expected O(n) work: far less than n * passes for a full sort.
  EXPECT_LT(sa.elements, 8 * s.size());
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
