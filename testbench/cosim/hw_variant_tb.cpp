// The accelerator on hardware other than the default preset's: this binary is built once per
// hardware preset (SINKATTN_HW_PRESET, e.g. sinkattn_hw_small, sinkattn_hw_wide), against the
// top Verilated with that preset's parameters. Golden, the SystemC model and the RTL must agree
// (three_way_check.hpp) on the preset itself at the full head dimension, on seeded random
// policies under random and bursty back-pressure, and (HwVariant.LongTrace, label slow) on a
// trace of 2048 tokens.
//
// SINKATTN_SEED picks the random cases (always printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>

#include "random_config.hpp"
#include "three_way_check.hpp"
#include "test_seed.hpp"

#ifndef SINKATTN_HW_PRESET
#error "build with -DSINKATTN_HW_PRESET=\"<preset>\""
#endif

namespace sinkattn::tb {
namespace {

// The preset's policy scaled to the short traces (scaled_preset), with its own hardware.
Config variant() {
  Config cfg = scaled_preset(SINKATTN_HW_PRESET);
  std::cout << "[    HW    ] " << SINKATTN_HW_PRESET << ": D " << cfg.hw.head_dim << ", lanes " << cfg.hw.qk_lanes << "/"
            << cfg.hw.pv_lanes << ", top-k P " << cfg.hw.topk_parallelism << ", bus " << cfg.hw.dram.bytes_per_cycle
            << " B, burst " << cfg.hw.dram.burst_bytes << " B\n";
  return cfg;
}

TEST(HwVariant, PresetAtFullHeadDimension) {
  const Config cfg = variant();
  const IntTrace it = small_trace({2, 4, 2, cfg.hw.head_dim, 72, 56}, 23);
  host::RunOptions opt;
  opt.seed = 23;
  opt.req_stall = opt.resp_stall = 0.2;
  opt.row_stall = 0.2;
  EXPECT_EQ(check_three_way(cfg, it, opt), "") << SINKATTN_HW_PRESET << " D " << cfg.hw.head_dim << " (seed 23)";
}

TEST(HwVariant, RandomPoliciesUnderBackPressure) {
  const Config hw = variant();
  const std::uint64_t seed = sinkattn::testing::test_seed(20261203);
  std::mt19937_64 rng(seed);
  for (int i = 0, run = 0; run < 12; ++i) {
    RandomCase rc = random_case(rng, i);
    const Shape& s = rc.trace.shape;
    if (s.q_heads > hw.hw.max_q_heads || s.kv_heads > hw.hw.max_kv_heads || s.layers > hw.hw.max_layers ||
        s.head_dim > hw.hw.head_dim || s.tokens > hw.hw.max_tokens)
      continue;  // drawn for the default hardware; this one is smaller
    ++run;
    rc.cfg.hw = hw.hw;  // the policy drawn, on this binary's hardware
    rc.cfg.policy.sinks = std::min(rc.cfg.policy.sinks, hw.hw.sink_sram_tokens);
    std::string diff;
    try {
      diff = check_three_way(rc.cfg, rc.trace, rc.opt);
    } catch (const std::exception& e) {
      diff = e.what();
    }
    if (!diff.empty()) {
      ADD_FAILURE() << SINKATTN_HW_PRESET << " " << rc.what << ", case seed " << rc.opt.seed << ", suite seed " << seed
                    << ": " << diff;
      return;
    }
  }
}

// A long trace at the full head dimension: 2048 tokens, 32 decode steps (label slow).
TEST(HwVariant, LongTrace) {
  const Config cfg = variant();
  const IntTrace it = small_trace({2, 4, 2, cfg.hw.head_dim, 2048, 2016}, 29);
  host::RunOptions opt;
  opt.seed = 29;
  opt.req_stall = opt.resp_stall = 0.1;
  EXPECT_EQ(check_three_way(cfg, it, opt), "") << SINKATTN_HW_PRESET << " T 2048 (seed 29)";
}

}  // namespace
}  // namespace sinkattn::tb
