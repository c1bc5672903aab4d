// Highway's dynamic dispatch, as kernels.cpp: compiled once per target. See ref_kernels.hpp.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ref_kernels.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include "ref_kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace sinkattn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// At most a tile's worth of lanes, so that a tile is a whole number of vectors on every target.
using DTag = hn::CappedTag<double, kRefTile>;

// Stores eight vectors `step` doubles apart from `out`.
template <class D, class V>
HWY_INLINE void StoreEight(D d, double* out, int step, V a0, V a1, V a2, V a3, V a4, V a5, V a6, V a7) {
  hn::StoreU(a0, d, out);
  hn::StoreU(a1, d, out + step);
  hn::StoreU(a2, d, out + 2 * step);
  hn::StoreU(a3, d, out + 3 * step);
  hn::StoreU(a4, d, out + 4 * step);
  hn::StoreU(a5, d, out + 5 * step);
  hn::StoreU(a6, d, out + 6 * step);
  hn::StoreU(a7, d, out + 7 * step);
}

// A key and a query element are floats widened to double, so their product is exact in double
// (24 + 24 significant bits): a fused multiply-add rounds once, as the scalar multiply (exact)
// then add does, and gives the same bits with half the floating-point operations.
void RefQk(const double* q, const double* k_groups, int groups, int D, std::size_t group_stride, bool accumulate,
           double* scores) {
  const DTag d;
  const int lanes = static_cast<int>(hn::Lanes(d));
  // A group's eight tiles side by side: each d reads 64 consecutive doubles. Eight independent
  // add chains cover the multiply-add's latency times its two-per-cycle issue.
  for (int g = 0; g < groups; ++g) {
    const double* k0 = k_groups + static_cast<std::size_t>(g) * group_stride;
    double* out = scores + static_cast<std::size_t>(g) * kRefGroup;
    for (int c = 0; c < kRefTile; c += lanes) {
      const auto start = [&](int t) { return accumulate ? hn::LoadU(d, out + c + t * kRefTile) : hn::Zero(d); };
      auto a0 = start(0), a1 = start(1), a2 = start(2), a3 = start(3);
      auto a4 = start(4), a5 = start(5), a6 = start(6), a7 = start(7);
      for (int e = 0; e < D; ++e) {
        const auto qe = hn::Set(d, q[e]);
        const double* row = k0 + static_cast<std::size_t>(e) * kRefGroup + c;
        a0 = hn::MulAdd(qe, hn::LoadU(d, row), a0);
        a1 = hn::MulAdd(qe, hn::LoadU(d, row + kRefTile), a1);
        a2 = hn::MulAdd(qe, hn::LoadU(d, row + 2 * kRefTile), a2);
        a3 = hn::MulAdd(qe, hn::LoadU(d, row + 3 * kRefTile), a3);
        a4 = hn::MulAdd(qe, hn::LoadU(d, row + 4 * kRefTile), a4);
        a5 = hn::MulAdd(qe, hn::LoadU(d, row + 5 * kRefTile), a5);
        a6 = hn::MulAdd(qe, hn::LoadU(d, row + 6 * kRefTile), a6);
        a7 = hn::MulAdd(qe, hn::LoadU(d, row + 7 * kRefTile), a7);
      }
      StoreEight(d, out + c, kRefTile, a0, a1, a2, a3, a4, a5, a6, a7);
    }
  }
}

void RefPv(const double* p, const double* v, int n, int width, std::size_t stride, double* acc) {
  const DTag d;
  const int lanes = static_cast<int>(hn::Lanes(d));
  int e = 0;
  // Eight vectors of the output stay in registers across all the tokens: eight add chains, and
  // at D 128 two passes over the block's values instead of four.
  for (; e + 8 * lanes <= width; e += 8 * lanes) {
    double* o = acc + e;
    auto a0 = hn::LoadU(d, o), a1 = hn::LoadU(d, o + lanes), a2 = hn::LoadU(d, o + 2 * lanes);
    auto a3 = hn::LoadU(d, o + 3 * lanes), a4 = hn::LoadU(d, o + 4 * lanes), a5 = hn::LoadU(d, o + 5 * lanes);
    auto a6 = hn::LoadU(d, o + 6 * lanes), a7 = hn::LoadU(d, o + 7 * lanes);
    for (int j = 0; j < n; ++j) {
      const auto pj = hn::Set(d, p[j]);
      const double* row = v + static_cast<std::size_t>(j) * stride + e;
      a0 = hn::Add(a0, hn::Mul(pj, hn::LoadU(d, row)));
      a1 = hn::Add(a1, hn::Mul(pj, hn::LoadU(d, row + lanes)));
      a2 = hn::Add(a2, hn::Mul(pj, hn::LoadU(d, row + 2 * lanes)));
      a3 = hn::Add(a3, hn::Mul(pj, hn::LoadU(d, row + 3 * lanes)));
      a4 = hn::Add(a4, hn::Mul(pj, hn::LoadU(d, row + 4 * lanes)));
      a5 = hn::Add(a5, hn::Mul(pj, hn::LoadU(d, row + 5 * lanes)));
      a6 = hn::Add(a6, hn::Mul(pj, hn::LoadU(d, row + 6 * lanes)));
      a7 = hn::Add(a7, hn::Mul(pj, hn::LoadU(d, row + 7 * lanes)));
    }
    StoreEight(d, o, lanes, a0, a1, a2, a3, a4, a5, a6, a7);
  }
  for (; e + 4 * lanes <= width; e += 4 * lanes) {
    auto a0 = hn::LoadU(d, acc + e), a1 = hn::LoadU(d, acc + e + lanes);
    auto a2 = hn::LoadU(d, acc + e + 2 * lanes), a3 = hn::LoadU(d, acc + e + 3 * lanes);
    for (int j = 0; j < n; ++j) {
      const auto pj = hn::Set(d, p[j]);
      const double* row = v + static_cast<std::size_t>(j) * stride + e;
      a0 = hn::Add(a0, hn::Mul(pj, hn::LoadU(d, row)));
      a1 = hn::Add(a1, hn::Mul(pj, hn::LoadU(d, row + lanes)));
      a2 = hn::Add(a2, hn::Mul(pj, hn::LoadU(d, row + 2 * lanes)));
      a3 = hn::Add(a3, hn::Mul(pj, hn::LoadU(d, row + 3 * lanes)));
    }
    hn::StoreU(a0, d, acc + e);
    hn::StoreU(a1, d, acc + e + lanes);
    hn::StoreU(a2, d, acc + e + 2 * lanes);
    hn::StoreU(a3, d, acc + e + 3 * lanes);
  }
  for (; e < width; e += lanes) {
    auto a = hn::LoadU(d, acc + e);
    for (int j = 0; j < n; ++j) a = hn::Add(a, hn::Mul(hn::Set(d, p[j]), hn::LoadU(d, v + static_cast<std::size_t>(j) * stride + e)));
    hn::StoreU(a, d, acc + e);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace sinkattn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sinkattn::kernels {

HWY_EXPORT(RefQk);
HWY_EXPORT(RefPv);

void ref_qk(const double* q, const double* k_groups, int groups, int D, std::size_t group_stride, bool accumulate,
            double* scores) {
  HWY_DYNAMIC_DISPATCH(RefQk)(q, k_groups, groups, D, group_stride, accumulate, scores);
}

void ref_pv(const double* p, const double* v, int n, int width, std::size_t stride, double* acc) {
  HWY_DYNAMIC_DISPATCH(RefPv)(p, v, n, width, stride, acc);
}

}  // namespace sinkattn::kernels
#endif  // HWY_ONCE
