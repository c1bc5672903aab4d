// The accelerator top against the golden model: every preset on a small synthetic trace, and
// seeded random configurations under random DRAM and output back-pressure. Outputs must be
// bit-exact, and the counters the golden model keeps (DRAM bytes by region, sink hits, LSB
// refetches, rows, MACs, evictions, top-k passes) equal.
//
// SINKATTN_SEED picks the random configurations (always printed); SINKATTN_RTL_CONFIGS sets
// how many (default 40). WAVES=1 writes <test>.fst.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "random_config.hpp"
#include "rtl_run.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/synth.hpp"
#include "test_seed.hpp"

#include <sstream>

namespace sinkattn::tb {
namespace {

std::string waves_for(const std::string& tag) {
  const char* w = std::getenv("WAVES");
  if (!w || std::string(w) != "1") return "";
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->test_suite_name()) + "." + info->name() + tag + ".fst";
}

void expect_match(const Config& cfg, const IntTrace& it, const host::RunOptions& opt, const std::string& what) {
  const Plan plan = make_plan(cfg, it.shape, "synthetic");
  const GoldenResult gold = run_golden(cfg, plan, it);
  const host::RunResult rtl = rtl::run_rtl(cfg, plan, it, opt);
  const std::string diff = host::compare(gold, rtl.run);
  EXPECT_EQ(diff, "") << what << " (seed " << opt.seed << ")";
  EXPECT_GT(rtl.cycles, 0u);
  // Per-job stamps are ordered and inside the run.
  std::uint64_t last_end = 0;
  int jobs = 0;
  for (const host::PhaseEvent& e : rtl.events) {
    EXPECT_LE(e.start, e.end);
    EXPECT_GE(e.end, last_end);
    last_end = e.end;
    jobs += e.kind == host::kEvJob;
  }
  EXPECT_EQ(jobs, it.shape.steps() * it.shape.layers * it.shape.kv_heads);
  std::cout << "[   RTL    ] " << what << ": " << rtl.cycles << " busy cycles, " << rtl.run.counters.dram_bytes()
            << " DRAM bytes, " << rtl.run.counters.lsb_refetches << " refetches, " << rtl.run.counters.evictions
            << " evictions, " << rtl.total_cycles / std::max(1e-9, rtl.wall_seconds) << " cycles/s\n";
}

class Presets : public ::testing::TestWithParam<std::string> {};

TEST_P(Presets, BitExactWithGolden) {
  const Config cfg = scaled_preset(GetParam());
  const IntTrace it = small_trace({3, 4, 2, 16, 128, 96}, 11);
  host::RunOptions opt;
  opt.seed = 7;
  opt.req_stall = 0.2;
  opt.resp_stall = 0.2;
  opt.row_stall = 0.2;
  opt.waves = waves_for("");
  expect_match(cfg, it, opt, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Top, Presets,
                         ::testing::Values("sinkattn", "streamingllm", "h2o", "spatten", "duo_hash", "dense"),
                         [](const auto& info) { return info.param; });

TEST(Top, PresetUnscaledSinkattn) {
  // The default preset exactly as shipped (S 4, W 64, K 64 -> 48) on a trace long enough to evict.
  const Config cfg = load_config("sinkattn");
  const IntTrace it = small_trace({2, 4, 2, 32, 176, 160}, 3);
  host::RunOptions opt;
  opt.seed = 3;
  opt.waves = waves_for("");
  expect_match(cfg, it, opt, "sinkattn unscaled");
}

TEST(Top, RandomConfigsUnderBackPressure) {
  const std::uint64_t seed = sinkattn::testing::test_seed(20260502);
  const char* n_env = std::getenv("SINKATTN_RTL_CONFIGS");
  const int configs = n_env ? std::atoi(n_env) : 40;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < configs; ++i) {
    const RandomCase rc = random_case(rng, i);
    std::ostringstream what;
    what << rc.what;
    const Config& cfg = rc.cfg;
    const IntTrace& it = rc.trace;
    const host::RunOptions& opt = rc.opt;
    SCOPED_TRACE(what.str());
    expect_match(cfg, it, opt, what.str());
    if (HasFailure()) {
      std::cout << "first failing configuration: " << what.str() << ", suite seed " << seed << "\n";
      return;
    }
  }
}

TEST(Top, RejectsHardwareItWasNotBuiltWith) {
  Config cfg = load_config("sinkattn");
  cfg.hw.qk_lanes = 8;
  EXPECT_THROW(rtl::check_hw(cfg), InputError);
}

}  // namespace
}  // namespace sinkattn::tb
