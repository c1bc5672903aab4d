// The float reference's inner loops (reference.cpp), vectorized with Google Highway and
// dispatched at run time like kernels.hpp's. Bit-exact with the scalar loops they replace:
// every lane keeps the scalar loop's own summation order (a dot product runs over d in order in
// one lane per token; an output element sums over tokens in order in one lane per element), and
// each step rounds as the scalar code's does: p.v multiplies then adds (never fused: this file
// is built with -ffp-contract=off); q.k fuses them, which is the same (the product of two floats
// is exact in double).
#pragma once

#include <cstddef>

namespace sinkattn::kernels {

// The transposed key layout: groups of kRefGroup tokens, each [d][kRefGroup] as double (token
// j of the group at [d][j]), groups one after another. kRefTile is the widest vector a target uses.
inline constexpr int kRefTile = 8;
inline constexpr int kRefGroup = 8 * kRefTile;

// scores[j] = sum over d < D, in order, of q[d] * k[j][d] for j < groups * kRefGroup, the keys
// in the group layout above. With `accumulate`, the sums continue from the values in scores
// instead of zero, so a caller can split d into chunks (the keys of each chunk stay in cache)
// and get the same bits: every lane's additions happen in the same order. `group_stride` is the
// distance in doubles between two groups' starts (D * kRefGroup for a whole layout); `D` is the
// chunk's dimensions, each row of a group kRefGroup doubles apart.
void ref_qk(const double* q, const double* k_groups, int groups, int D, std::size_t group_stride, bool accumulate,
            double* scores);

// acc[e] += p[j] * v[j][e] for j = 0 .. n-1 in order and e < width; v rows are `stride`
// doubles apart and width is a multiple of kRefTile.
void ref_pv(const double* p, const double* v, int n, int width, std::size_t stride, double* acc);

}  // namespace sinkattn::kernels
