// The float reference's inner loops (reference.cpp), vectorized with Google Highway and
// dispatched at run time like kernels.hpp's. Bit-exact with the scalar loops they replace:
// every lane keeps the scalar loop's own summation order (a dot product runs over d in order in
// one lane per token; an output element sums over tokens in order in one lane per element), and
// each step is a double multiply then a double add, as the scalar code does (no fused
// multiply-add: this file is built with -ffp-contract=off).
#pragma once

namespace sinkattn::kernels {

// Tokens per tile of the transposed key layout: keys [tile][d][kRefTile] as double.
inline constexpr int kRefTile = 8;

// scores[j] = sum over d < D, in order, of q[d] * k[j][d] for j < tiles * kRefTile, the keys in
// the tiled layout above.
void ref_qk(const double* q, const double* k_tiles, int tiles, int D, double* scores);

// acc[e] += p[j] * v[j][e] for j = 0 .. n-1 in order and e < Dp; v rows hold Dp doubles and Dp
// is a multiple of kRefTile.
void ref_pv(const double* p, const double* v, int n, int Dp, double* acc);

}  // namespace sinkattn::kernels
