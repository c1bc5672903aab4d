// A million-token context through golden, the SystemC model and the RTL top Verilated with
// configs/presets/sinkattn_hw_long.yaml's hardware (hw.max_tokens 2^20): the same outputs bit
// for bit, the same cycles, phase events and counters (three_way_check.hpp). The prompt is
// 2^20 - 3 tokens and three decode steps follow:
//   - the preset's own policy (sinkattn, no host prefill): the first decode step reads the whole
//     prompt middle, about a million tokens a job, and its eviction ranks them, so the top-k
//     engine partitions lists of 2^16 candidates and more (its 32-bit pivot draws);
//   - streamingllm's policy on the same hardware: sinks and window, every step's list scan
//     walking a million tokens.
// Token indices, list positions and counts are 21 bits wide here; every host command field that
// carries one (a step, a budget, an OpImportance token) is the host contract's 32 bits.
//
// SINKATTN_SEED picks the trace (always printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "random_config.hpp"
#include "three_way_check.hpp"
#include "test_seed.hpp"

namespace sinkattn::tb {
namespace {

constexpr int kSteps = 3;

Config long_hw() {
  const Config cfg = load_config("sinkattn_hw_long");
  EXPECT_EQ(cfg.hw.max_tokens, 1 << 20);
  return cfg;
}

std::string run(const Config& cfg, const IntTrace& it, std::uint64_t seed, SpeedTally& speed) {
  host::RunOptions opt;
  opt.seed = seed;
  opt.req_stall = opt.resp_stall = 0.05;  // some back-pressure on the DRAM port
  return check_three_way(cfg, it, opt, &speed);
}

void print(const char* what, const SpeedTally& s) {
  std::cout << "[  CYCLES  ] " << what << ": " << static_cast<long long>(s.rtl_cycles) << " (SystemC "
            << s.sim_s << " s, RTL " << s.rtl_s << " s)\n";
}

TEST(LongContext, TopkPolicyRanksAMillionTokens) {
  const Config cfg = long_hw();
  const std::uint64_t seed = sinkattn::testing::test_seed(20261203);
  const int t = cfg.hw.max_tokens;
  const IntTrace it = small_trace({2, 2, 1, cfg.hw.head_dim, t, t - kSteps}, seed, cfg.policy.sinks);
  const GoldenResult gold = run_golden(cfg, make_plan(cfg, it.shape, "synthetic"), it);
  // The first step's eviction ranked the whole prompt middle: one list of about a million
  // candidates per layer (cascade: layer 0's list, then what it keeps at layer 1).
  EXPECT_GT(gold.counters.topk.elements, static_cast<std::uint64_t>(t));
  EXPECT_GT(gold.counters.evictions, static_cast<std::uint64_t>(t - 1000));
  SpeedTally speed;
  EXPECT_EQ(run(cfg, it, seed, speed), "") << "seed " << seed;
  print("sinkattn, T 2^20", speed);
}

TEST(LongContext, StreamingPolicyOverAMillionTokens) {
  const Config hw = long_hw();
  Config cfg = load_config("streamingllm");
  cfg.hw = hw.hw;
  cfg.policy.sinks = std::min(cfg.policy.sinks, hw.hw.sink_sram_tokens);
  cfg.policy.prefill_importance = false;
  const std::uint64_t seed = sinkattn::testing::test_seed(20261204);
  const int t = cfg.hw.max_tokens;
  const IntTrace it = small_trace({1, 2, 1, cfg.hw.head_dim, t, t - kSteps}, seed, cfg.policy.sinks);
  SpeedTally speed;
  EXPECT_EQ(run(cfg, it, seed, speed), "") << "seed " << seed;
  print("streamingllm, T 2^20", speed);
}

}  // namespace
}  // namespace sinkattn::tb
