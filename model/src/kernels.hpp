// The golden model's inner loops, vectorized with Google Highway and dispatched at run time to
// the best instruction set the CPU has (AVX-512, AVX2, SSE4, or plain x86-64), so one binary
// runs on an older x86-64 too. Integer results are exact: the same values as the scalar loops
// in any summation order, since no partial sum can overflow (the bounds are stated per kernel).
#pragma once

#include <cstdint>

namespace sinkattn::kernels {

// out[i] = sum_e q[e] * key(k[i][e]) over e < d, where key is the stored key, or its MSB-only
// approximation (num::key_msb_approx) when msb_only. d <= num::kMaxHeadDim keeps it in int32.
void qk_scores(const std::int16_t* q, const std::int16_t* const* k, int n, int d, bool msb_only, std::int32_t* out);

// acc[e] += sum_i p[i] * v[i][e] for e < d. Partial sums run in int32 over runs of tokens whose
// probabilities add up to less than 2^16 (|p v| < 2^16 * 2^15 = 2^31), then go to int64.
void pv_accumulate(const std::uint32_t* p, const std::int16_t* const* v, int n, int d, std::int64_t* acc);

// Which Highway target the dispatch chose on this CPU ("AVX3", "AVX2", "SSE4", "SSSE3", "EMU128", ...).
const char* target_name();

}  // namespace sinkattn::kernels
