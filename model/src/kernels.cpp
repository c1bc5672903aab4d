// Highway's dynamic dispatch: this file is compiled once per target (foreach_target.h); the
// HWY_ONCE part at the end exports the table and the entry points. See kernels.hpp.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels.hpp"
#include "sinkattn/numerics.hpp"

HWY_BEFORE_NAMESPACE();
namespace sinkattn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void QkScores(const std::int16_t* q, const std::int16_t* const* k, int n, int d, bool msb_only, std::int32_t* out) {
  const hn::ScalableTag<std::int16_t> d16;
  const hn::RepartitionToWide<decltype(d16)> d32;
  const int lanes = static_cast<int>(hn::Lanes(d16));
  const int full = d - d % lanes;
  // key_msb_approx: clear the LSB field, set its top bit (the field's midpoint).
  const auto msb_mask = hn::Set(d16, static_cast<std::int16_t>(-(1 << num::kKeyLsbBits)));
  const auto msb_mid = hn::Set(d16, static_cast<std::int16_t>(1 << (num::kKeyLsbBits - 1)));
  for (int i = 0; i < n; ++i) {
    const std::int16_t* kr = k[i];
    auto sum0 = hn::Zero(d32), sum1 = hn::Zero(d32);
    int e = 0;
    for (; e < full; e += lanes) {
      auto kv = hn::LoadU(d16, kr + e);
      if (msb_only) kv = hn::Or(hn::And(kv, msb_mask), msb_mid);
      sum0 = hn::ReorderWidenMulAccumulate(d32, hn::LoadU(d16, q + e), kv, sum0, sum1);
    }
    std::int32_t acc = hn::GetLane(hn::SumOfLanes(d32, hn::RearrangeToOddPlusEven(sum0, sum1)));
    for (; e < d; ++e) acc += static_cast<std::int32_t>(q[e]) * (msb_only ? num::key_msb_approx(kr[e]) : kr[e]);
    out[i] = acc;
  }
}

void PvAccumulate(const std::uint32_t* p, const std::int16_t* const* v, int n, int d, std::int64_t* acc) {
  const hn::ScalableTag<std::int32_t> d32;
  const hn::Rebind<std::int16_t, decltype(d32)> d16;  // half-width loads, widened to int32
  const int lanes = static_cast<int>(hn::Lanes(d32));
  const int full = d - d % lanes;
  constexpr std::uint64_t kRunLimit = 1u << 16;  // sum of p over a run: |sum p v| < 2^31
  thread_local std::vector<std::int32_t> part;
  part.assign(static_cast<std::size_t>(d), 0);
  int i = 0;
  while (i < n) {
    // The longest run of tokens from i whose probabilities stay under the limit; a single
    // p >= 2^16 (never seen: probabilities are at most 2^prob_frac_bits) goes alone, in int64.
    if (p[i] >= kRunLimit) {
      for (int e = 0; e < d; ++e) acc[e] += static_cast<std::int64_t>(p[i]) * v[i][e];
      ++i;
      continue;
    }
    int end = i;
    std::uint64_t mass = 0;
    while (end < n && mass + p[end] < kRunLimit) mass += p[end++];
    // Four vectors of the output at a time stay in registers across the run's tokens.
    int e = 0;
    for (; e + 4 * lanes <= full; e += 4 * lanes) {
      auto a0 = hn::Zero(d32), a1 = hn::Zero(d32), a2 = hn::Zero(d32), a3 = hn::Zero(d32);
      for (int j = i; j < end; ++j) {
        const auto pj = hn::Set(d32, static_cast<std::int32_t>(p[j]));
        const std::int16_t* vr = v[j] + e;
        a0 = hn::Add(a0, hn::Mul(pj, hn::PromoteTo(d32, hn::LoadU(d16, vr))));
        a1 = hn::Add(a1, hn::Mul(pj, hn::PromoteTo(d32, hn::LoadU(d16, vr + lanes))));
        a2 = hn::Add(a2, hn::Mul(pj, hn::PromoteTo(d32, hn::LoadU(d16, vr + 2 * lanes))));
        a3 = hn::Add(a3, hn::Mul(pj, hn::PromoteTo(d32, hn::LoadU(d16, vr + 3 * lanes))));
      }
      hn::StoreU(a0, d32, &part[e]);
      hn::StoreU(a1, d32, &part[e + lanes]);
      hn::StoreU(a2, d32, &part[e + 2 * lanes]);
      hn::StoreU(a3, d32, &part[e + 3 * lanes]);
    }
    for (; e < full; e += lanes) {
      auto a = hn::Zero(d32);
      for (int j = i; j < end; ++j)
        a = hn::Add(a, hn::Mul(hn::Set(d32, static_cast<std::int32_t>(p[j])), hn::PromoteTo(d32, hn::LoadU(d16, v[j] + e))));
      hn::StoreU(a, d32, &part[e]);
    }
    for (; e < d; ++e) {
      std::int32_t a = 0;
      for (int j = i; j < end; ++j) a += static_cast<std::int32_t>(p[j]) * v[j][e];
      part[e] = a;
    }
    for (int x = 0; x < d; ++x) acc[x] += part[x];
    i = end;
  }
}

const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace sinkattn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sinkattn::kernels {

HWY_EXPORT(QkScores);
HWY_EXPORT(PvAccumulate);
HWY_EXPORT(TargetName);

void qk_scores(const std::int16_t* q, const std::int16_t* const* k, int n, int d, bool msb_only, std::int32_t* out) {
  HWY_DYNAMIC_DISPATCH(QkScores)(q, k, n, d, msb_only, out);
}

void pv_accumulate(const std::uint32_t* p, const std::int16_t* const* v, int n, int d, std::int64_t* acc) {
  HWY_DYNAMIC_DISPATCH(PvAccumulate)(p, v, n, d, acc);
}

const char* target_name() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

}  // namespace sinkattn::kernels
#endif  // HWY_ONCE
