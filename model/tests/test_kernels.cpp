// The vectorized kernels (Highway, dispatched at run time) against the scalar loops they
// replace, bit for bit, on random rows of every head dimension up to the hardware bound (so
// that every vector width's remainder path runs) and with extreme values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels.hpp"
#include "sinkattn/numerics.hpp"
#include "test_seed.hpp"

namespace sinkattn {
namespace {

std::int32_t scalar_dot(const std::int16_t* q, const std::int16_t* k, int d, bool msb) {
  std::int32_t acc = 0;
  for (int i = 0; i < d; ++i) acc += static_cast<std::int32_t>(q[i]) * (msb ? num::key_msb_approx(k[i]) : k[i]);
  return acc;
}

struct Rows {
  std::vector<std::int16_t> data;
  std::vector<const std::int16_t*> ptr;
};

// n rows of d values in [-DataMax, DataMax], every third row at the extremes, in shuffled order
// (the golden model hands the kernels rows of kept tokens, not consecutive memory).
Rows random_rows(std::mt19937_64& rng, int n, int d) {
  Rows r;
  r.data.resize(static_cast<std::size_t>(n) * d + 1);  // +1: rows start unaligned below
  std::uniform_int_distribution<int> val(-num::kDataMax, num::kDataMax);
  for (std::size_t i = 0; i < r.data.size(); ++i)
    r.data[i] = static_cast<std::int16_t>((i / d) % 3 == 2 ? (val(rng) < 0 ? -num::kDataMax : num::kDataMax) : val(rng));
  for (int i = 0; i < n; ++i) r.ptr.push_back(&r.data[1 + static_cast<std::size_t>(i) * d]);
  std::shuffle(r.ptr.begin(), r.ptr.end(), rng);
  return r;
}

TEST(Kernels, QkScoresEqualTheScalarDot) {
  std::mt19937_64 rng(testing::test_seed(31));
  std::cout << "Highway target: " << kernels::target_name() << "\n";
  for (int d = 1; d <= num::kMaxHeadDim && d <= 256; d += (d < 40 ? 1 : 23)) {
    const int n = 1 + static_cast<int>(rng() % 40);
    const Rows k = random_rows(rng, n, d), q = random_rows(rng, 1, d);
    for (bool msb : {false, true}) {
      std::vector<std::int32_t> out(n);
      kernels::qk_scores(q.ptr[0], k.ptr.data(), n, d, msb, out.data());
      for (int i = 0; i < n; ++i)
        ASSERT_EQ(out[i], scalar_dot(q.ptr[0], k.ptr[i], d, msb)) << "d " << d << " row " << i << " msb " << msb;
    }
  }
}

TEST(Kernels, PvAccumulateEqualsTheScalarSum) {
  std::mt19937_64 rng(testing::test_seed(37));
  for (int d = 1; d <= 256; d += (d < 40 ? 1 : 29)) {
    const int n = 1 + static_cast<int>(rng() % 300);
    const Rows v = random_rows(rng, n, d);
    std::vector<std::uint32_t> p(n);
    // Probabilities up to one (2^prob_frac_bits), their sum well past the kernel's int32 run
    // limit of 2^16, and an occasional p at that limit, which goes alone.
    for (auto& x : p) x = static_cast<std::uint32_t>(rng() % (num::kProbOne + 1));
    if (n > 5) p[n / 2] = 1u << 16;
    std::vector<std::int64_t> acc(d, 7), want(d, 7);  // accumulates onto what is there
    kernels::pv_accumulate(p.data(), v.ptr.data(), n, d, acc.data());
    for (int i = 0; i < n; ++i)
      for (int e = 0; e < d; ++e) want[e] += static_cast<std::int64_t>(p[i]) * v.ptr[i][e];
    ASSERT_EQ(acc, want) << "d " << d << " n " << n;
  }
}

}  // namespace
}  // namespace sinkattn
