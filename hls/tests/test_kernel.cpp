// The kernel's blocks against the numeric contract's reference functions (model/): the top-k
// engine against topk_select (kept set, tie rule, pass counts, LFSR state), the softmax unit
// against num::softmax_row, the Q.K lanes in both modes and the output rounding. Seeded; the
// seed is printed (SINKATTN_SEED=N reruns one).
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "sinkattn/hls/job.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/params/base.hpp"
#include "sinkattn/topk.hpp"
#include "sinkattn/trace.hpp"
#include "test_seed.hpp"

namespace sinkattn::hls {
namespace {

using Traits = params::base;
using D = Dims<Traits>;

TEST(HlsKernel, TopkMatchesTheEngineModel) {
  std::mt19937_64 rng(sinkattn::testing::test_seed(14));
  std::vector<imp_t> scores(D::kMaxCandidates);
  bool keep[D::kMaxCandidates];
  for (int c = 0; c < 2000; ++c) {
    const int n = 1 + static_cast<int>(rng() % (c < 1900 ? 200 : D::kMaxCandidates));
    const int k = static_cast<int>(rng() % static_cast<std::uint64_t>(n + 3)) - 1;  // -1 .. n+1
    const std::uint64_t range = c % 3 == 0 ? 4 : c % 3 == 1 ? 64 : (1ULL << 40);  // many ties, some, none
    std::vector<std::uint64_t> ref(n);
    for (int i = 0; i < n; ++i) scores[i] = ref[i] = rng() % range;
    const std::uint16_t seed = static_cast<std::uint16_t>(1 + rng() % 65535);
    Lfsr16 golden_lfsr(seed);
    std::vector<std::uint8_t> golden_keep;
    const TopkStats st = topk_select(ref, k, golden_lfsr, golden_keep);
    lfsr_t state = seed;
    const TopkCounts got = topk_select<Traits>(scores.data(), n, k, state, keep);
    ASSERT_EQ(got.passes, st.passes) << "case " << c << " n " << n << " k " << k;
    ASSERT_EQ(got.elements, st.elements) << "case " << c;
    ASSERT_EQ(state, golden_lfsr.state()) << "case " << c;
    for (int i = 0; i < n; ++i) ASSERT_EQ(keep[i], golden_keep[i] != 0) << "case " << c << " position " << i;
  }
}

TEST(HlsKernel, SoftmaxMatchesTheContract) {
  std::mt19937_64 rng(sinkattn::testing::test_seed(15));
  std::vector<score_t> scores(D::kMaxTokens);
  std::vector<prob_t> probs(D::kMaxTokens);
  std::vector<std::uint32_t> ref(D::kMaxTokens);
  for (int c = 0; c < 500; ++c) {
    const int n = 1 + static_cast<int>(rng() % (c < 450 ? 300 : D::kMaxTokens));
    const int spread = 1 << (rng() % 28);
    for (int i = 0; i < n; ++i)
      scores[i] = static_cast<score_t>(static_cast<std::int64_t>(rng() % (2ULL * spread + 1)) - spread);
    const ScoreScale sc = make_score_scale(std::ldexp(1.0, -static_cast<int>(rng() % 24)) * (1.0 + (rng() % 1000) / 1000.0));
    const prob_t pmax = softmax_row<Traits>(scores.data(), n, sc.mant, sc.shift, probs.data());
    const std::uint32_t ref_max = num::softmax_row(scores.data(), n, sc.mant, sc.shift, ref.data());
    ASSERT_EQ(pmax, ref_max) << "case " << c;
    for (int i = 0; i < n; ++i) ASSERT_EQ(probs[i], ref[i]) << "case " << c << " entry " << i;
  }
}

TEST(HlsKernel, QkLanesInBothModes) {
  std::mt19937_64 rng(sinkattn::testing::test_seed(16));
  std::unique_ptr<key_msb_t[][D::kHeadDim]> msb(new key_msb_t[D::kMaxTokens][D::kHeadDim]());
  std::unique_ptr<key_lsb_t[][D::kHeadDim]> lsb(new key_lsb_t[D::kMaxTokens][D::kHeadDim]());
  std::vector<score_t> scores(D::kMaxTokens);
  data_t q[D::kHeadDim];
  const int n = 37, d = D::kHeadDim;
  std::vector<std::int16_t> keys(static_cast<std::size_t>(n) * d);
  auto val = [&] { return static_cast<std::int16_t>(static_cast<int>(rng() % (2 * num::kDataMax + 1)) - num::kDataMax); };
  for (int e = 0; e < d; ++e) q[e] = val();
  for (int i = 0; i < n; ++i)
    for (int e = 0; e < d; ++e) {
      const std::int16_t k = keys[static_cast<std::size_t>(i) * d + e] = val();
      msb[i][e] = static_cast<key_msb_t>(num::key_msb(k));
      lsb[i][e] = static_cast<key_lsb_t>(num::key_lsb(k));
    }
  for (const bool full : {false, true}) {
    if (full) qk_row<Traits, true>(q, msb.get(), lsb.get(), n, scores.data());
    else qk_row<Traits, false>(q, msb.get(), lsb.get(), n, scores.data());
    for (int i = 0; i < n; ++i) {
      std::int64_t ref = 0;
      for (int e = 0; e < d; ++e) {
        const std::int32_t k = keys[static_cast<std::size_t>(i) * d + e];
        ref += static_cast<std::int64_t>(q[e]) * (full ? k : num::key_msb_approx(k));
      }
      ASSERT_EQ(scores[i], ref) << (full ? "full" : "MSB") << " key " << i;
    }
  }
}

TEST(HlsKernel, OutputRoundingAndSaturation) {
  std::mt19937_64 rng(sinkattn::testing::test_seed(17));
  for (int c = 0; c < 100000; ++c) {
    const acc_t acc = static_cast<acc_t>(rng() % (1ULL << 40)) - (acc_t{1} << 39);
    ASSERT_EQ(output_round(acc), num::output_round(acc)) << acc;
  }
  for (acc_t acc = -5000; acc <= 5000; ++acc) ASSERT_EQ(output_round(acc), num::output_round(acc)) << acc;
}

}  // namespace
}  // namespace sinkattn::hls
