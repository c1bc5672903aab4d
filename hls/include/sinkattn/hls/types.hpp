// Widths and static sizes of the HLS kernel. The numeric contract comes from the generated
// numerics_gen.hpp (scripts/gen_tables.py), the sizes from a generated configuration traits
// struct (sinkattn::params::NAME, model/tools/gen_params.cpp) passed as CONFIG_T, in the manner
// of hls4ml. Nothing here restates a value of configs/.
//
// Plain <cstdint> types, each checked against the contract's bit width: a tool flow that wants
// exact widths (ap_int<W>, ac_int<W>) replaces these aliases and nothing else.
#pragma once

#include <cstdint>
#include <limits>

#include "sinkattn/numerics_gen.hpp"

namespace sinkattn::hls {

using data_t = std::int16_t;      // Q, K, V elements: kDataBits signed
using key_msb_t = std::int8_t;    // key MSB plane: kKeyMsbBits signed
using key_lsb_t = std::uint8_t;   // key LSB plane: kKeyLsbBits unsigned
using score_t = std::int32_t;     // q.k
using prob_t = std::uint32_t;     // exp2 values (kExpOutBits) and probabilities (Q1.kProbFracBits)
using acc_t = std::int64_t;       // P.V accumulator
using out_t = std::int16_t;       // output element: kOutBits signed
using imp_t = std::uint64_t;      // importance accumulators: kImportanceBits
using token_t = std::uint32_t;    // token index in the KV cache
using lfsr_t = std::uint16_t;     // the top-k engine's pivot LFSR

static_assert(num::kDataBits <= 16, "data_t holds kDataBits");
static_assert(num::kKeyMsbBits <= 8 && num::kKeyLsbBits <= 8, "key planes fit their types");
static_assert(num::kKeyMsbBits + num::kKeyLsbBits == num::kDataBits, "a key is its MSB and LSB planes");
static_assert(num::kOutBits <= 16, "out_t holds kOutBits");
static_assert(num::kExpOutBits <= 32 && num::kProbFracBits < 32, "prob_t holds exp2 values and probabilities");
static_assert(num::kImportanceBits <= 64, "imp_t holds kImportanceBits");

// Static sizes of one kernel instance.
// The largest context an HLS kernel instance is built for. Its buffers are the kernel's own
// arrays (block RAM after synthesis, automatic storage in C-simulation: the top-k engine's three
// candidate buffers alone take 24 bytes a token), so a long-context hardware such as
// sinkattn_hw_long (2^20 tokens) has no kernel instance; run_hls names hw.max_tokens for it.
inline constexpr int kHlsMaxTokens = 65535;

template <class CONFIG_T>
struct Dims {
  static constexpr int kHeadDim = static_cast<int>(CONFIG_T::kHeadDim);     // lanes are built for this D
  static constexpr int kMaxTokens = static_cast<int>(CONFIG_T::kMaxTokens); // read list capacity
  static constexpr int kMaxHeads = static_cast<int>(CONFIG_T::kMaxQHeads);  // query heads of one group
  static constexpr int kQkLanes = static_cast<int>(CONFIG_T::kQkLanes);
  static constexpr int kPvLanes = static_cast<int>(CONFIG_T::kPvLanes);
  static constexpr int kTopkParallelism = static_cast<int>(CONFIG_T::kTopkParallelism);
  // The top-k engine ranks tokens (eviction) and heads (head pruning).
  static constexpr int kMaxCandidates = kMaxTokens > kMaxHeads ? kMaxTokens : kMaxHeads;
  static constexpr int kQkTiles = (kMaxTokens + kQkLanes - 1) / kQkLanes;
  static constexpr int kPvTiles = (kMaxTokens + kPvLanes - 1) / kPvLanes;
  static constexpr int kTopkTiles = (kMaxCandidates + kTopkParallelism - 1) / kTopkParallelism;

  static_assert(kHeadDim > 0 && kMaxTokens > 0 && kMaxHeads > 0, "sizes are positive");
  static_assert(kQkLanes > 0 && kPvLanes > 0 && kTopkParallelism > 0, "lane counts are positive");
  // q.k accumulates in score_t without overflow.
  static_assert(static_cast<long long>(num::kDataMax) * num::kDataMax * 2 * kHeadDim <=
                    std::numeric_limits<score_t>::max(),
                "score_t overflows at this head dimension");
  static_assert(kMaxTokens <= kHlsMaxTokens, "an HLS kernel instance holds at most kHlsMaxTokens tokens");
};

}  // namespace sinkattn::hls
