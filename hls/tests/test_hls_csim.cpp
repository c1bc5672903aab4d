// C-simulation of the HLS kernel on whole traces against the golden model: every preset (window
// and budgets scaled to the small traces, as the RTL's tests do), the default preset unscaled,
// and seeded random configurations from the generator the RTL and SystemC suites share
// (testbench/cosim/random_config.hpp). Outputs element by element, row activity and every
// counter the golden model keeps. A mismatch names the first differing step, layer, head and
// element, the configuration and the seeds.
//
// SINKATTN_SEED picks the random configurations (always printed); SINKATTN_HLS_CONFIGS sets how
// many (default 60).
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "hls_csim.hpp"
#include "random_config.hpp"
#include "run_types.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/params/all.hpp"
#include "test_seed.hpp"

namespace sinkattn::hls {
namespace {

using host::compare;

std::string check(const Config& cfg, const IntTrace& it) {
  const Plan plan = make_plan(cfg, it.shape, "synthetic");
  const GoldenResult gold = run_golden(cfg, plan, it);
  const GoldenResult kernel = run_hls(cfg, plan, it);
  return compare(gold, kernel, "hls");
}

class Presets : public ::testing::TestWithParam<std::string> {};

TEST_P(Presets, BitExactWithGolden) {
  const Config cfg = tb::scaled_preset(GetParam());
  EXPECT_EQ(check(cfg, tb::small_trace({3, 4, 2, 16, 128, 96}, 11)), "") << GetParam() << " (trace seed 11)";
}

INSTANTIATE_TEST_SUITE_P(Hls, Presets,
                         ::testing::Values("base", "sinkattn", "streamingllm", "h2o", "spatten", "duo_hash", "dense"),
                         [](const auto& info) { return info.param; });

TEST(Hls, PresetUnscaledSinkattn) {
  // The default preset as shipped (S 4, W 64, K 64 -> 48, head pruning after 8 steps) on a trace
  // long enough to evict and to prune heads, with a GQA group of 4.
  const Config cfg = load_config("sinkattn");
  EXPECT_EQ(check(cfg, tb::small_trace({2, 8, 2, 64, 200, 160}, 3)), "") << "sinkattn unscaled (trace seed 3)";
}

TEST(Hls, RandomConfigs) {
  const std::uint64_t seed = sinkattn::testing::test_seed(20260502);
  const char* n_env = std::getenv("SINKATTN_HLS_CONFIGS");
  const int configs = n_env ? std::atoi(n_env) : 60;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < configs; ++i) {
    const tb::RandomCase rc = tb::random_case(rng, i);
    const std::string diff = check(rc.cfg, rc.trace);
    ASSERT_EQ(diff, "") << rc.what << ", case seed " << rc.opt.seed << ", suite seed " << seed
                        << " (rerun with SINKATTN_SEED=" << seed << ")";
  }
  std::cout << "[   HLS    ] " << configs << " random configurations bit-exact with golden\n";
}

TEST(Hls, CompareNamesTheFirstDifference) {
  // The check can fail, and says where: one element changed in the kernel's result.
  const Config cfg = tb::scaled_preset("sinkattn");
  const IntTrace it = tb::small_trace({2, 4, 2, 16, 100, 90}, 5);
  const Plan plan = make_plan(cfg, it.shape, "synthetic");
  const GoldenResult gold = run_golden(cfg, plan, it);
  GoldenResult kernel = run_hls(cfg, plan, it);
  ASSERT_EQ(compare(gold, kernel, "hls"), "");
  kernel.out[kernel.row_index(3, 1, 2) * 16 + 5] ^= 1;
  EXPECT_EQ(compare(gold, kernel, "hls").rfind("step 3 (token 93), layer 1, head 2 (KV-head job group 1), element 5: hls ", 0), 0u)
      << compare(gold, kernel, "hls");
}

TEST(Hls, OneInstancePerPreset) {
  // params/all.hpp is generated from the same preset directory the loader reads.
  EXPECT_EQ(std::tuple_size_v<params::AllPresets>, preset_names().size());
}

TEST(Hls, RejectsHardwareNoInstanceHas) {
  Config cfg = load_config("sinkattn");
  EXPECT_EQ(kernel_instance(cfg), "base");  // every shipped preset has base's hardware
  cfg.hw.qk_lanes = 8;
  try {
    kernel_instance(cfg);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("hw.qk_lanes"), std::string::npos) << e.what();
  }
}

TEST(Hls, RejectsALongContextHardware) {
  // sinkattn_hw_long (2^20 tokens) is a preset without a kernel instance: a clear error, no crash.
  const Config cfg = load_config("sinkattn_hw_long");
  try {
    kernel_instance(cfg);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("hw.max_tokens"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("65535 tokens"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sinkattn::hls
