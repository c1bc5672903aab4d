// The SystemC model and the Verilated RTL against the golden model (outputs bit-exact, golden
// counters equal) and against each other (total cycles, every phase event's stamps, every
// hardware counter equal), on all six presets (duo as its hash fallback, and the duo preset on a trace of its pattern's shape) and on seeded random small configurations with
// random (some bursty) DRAM and row-port back-pressure. A mismatch names the first diverging job and the seed.
//
// SINKATTN_SEED picks the random configurations (always printed); SINKATTN_SIM_CONFIGS sets
// how many (default 200).
#include <gtest/gtest.h>

#include <cstdlib>
#include <exception>
#include <iostream>

#include "random_config.hpp"
#include "rtl_run.hpp"
#include "sim_model.hpp"
#include "three_way_check.hpp"
#include "sinkattn/error.hpp"
#include "test_seed.hpp"

namespace sinkattn::tb {
namespace {

SpeedTally g_speed;
PrefillTally g_prefill;

std::string check_case(const Config& cfg, const IntTrace& it, const host::RunOptions& opt) {
  return check_three_way(cfg, it, opt, &g_speed, &g_prefill);
}

class SimPresets : public ::testing::TestWithParam<std::string> {};

TEST_P(SimPresets, CycleExactWithRtlBitExactWithGolden) {
  const Config cfg = scaled_preset(GetParam());
  const IntTrace it = small_trace({3, 4, 2, 16, 128, 96}, 11);
  host::RunOptions opt;
  opt.seed = 7;
  opt.req_stall = 0.2;
  opt.resp_stall = 0.2;
  opt.row_stall = 0.2;
  EXPECT_EQ(check_case(cfg, it, opt), "") << GetParam() << " (seed " << opt.seed << ")";
}

INSTANTIATE_TEST_SUITE_P(Sim, SimPresets,
                         ::testing::Values("sinkattn", "streamingllm", "h2o", "spatten", "duo_hash", "dense"),
                         [](const auto& info) { return info.param; });

// The duo preset itself, with the head pattern it names (DuoAttention's for Llama-3.1-8B), on a
// trace of that shape: 32 layers x 8 KV heads, each its own retrieval or streaming head.
TEST(Sim, DuoPresetOnItsLlamaShapedPattern) {
  const Config cfg = scaled_preset("duo");
  const IntTrace it = small_trace({32, 8, 8, 8, 44, 36}, 5);
  const Plan plan = make_plan(cfg, it.shape, "llama-shaped");
  int retrieval = 0;
  for (int l = 0; l < 32; ++l)
    for (int g = 0; g < 8; ++g) retrieval += plan.policy(l, g) == HeadPolicy::kRetrieval;
  ASSERT_EQ(retrieval, 128);  // sparsity 0.5
  ASSERT_LT(cfg.policy.sinks + cfg.policy.window, it.shape.prompt);  // the streaming heads are cut
  host::RunOptions opt;
  opt.seed = 5;
  opt.req_stall = opt.resp_stall = opt.row_stall = 0.1;
  EXPECT_EQ(check_case(cfg, it, opt), "") << "duo, Llama-3.1-8B pattern (seed 5)";
}

TEST(Sim, PresetUnscaledSinkattn) {
  const Config cfg = load_config("sinkattn");
  const IntTrace it = small_trace({2, 4, 2, 32, 176, 160}, 3);
  host::RunOptions opt;
  opt.seed = 3;
  EXPECT_EQ(check_case(cfg, it, opt), "") << "sinkattn unscaled (seed 3)";
}

TEST(Sim, RandomConfigsUnderBackPressure) {
  const std::uint64_t seed = sinkattn::testing::test_seed(20260601);
  const char* n_env = std::getenv("SINKATTN_SIM_CONFIGS");
  const int configs = n_env ? std::atoi(n_env) : 200;
  std::mt19937_64 rng(seed);
  g_prefill = {};
  for (int i = 0; i < configs; ++i) {
    const RandomCase rc = random_case(rng, i);
    std::string diff;
    try {
      diff = check_case(rc.cfg, rc.trace, rc.opt);
    } catch (const std::exception& e) {  // a model that stops making progress, with the case
      diff = e.what();
    }
    if (!diff.empty()) {
      ADD_FAILURE() << rc.what << ", case seed " << rc.opt.seed << ", suite seed " << seed << ": " << diff;
      return;
    }
  }
  std::cout << "[  SPEED   ] systemc " << g_speed.sim_cycles / g_speed.sim_s << " cycles/s, rtl "
            << g_speed.rtl_cycles / g_speed.rtl_s << " cycles/s, ratio "
            << (g_speed.sim_cycles / g_speed.sim_s) / (g_speed.rtl_cycles / g_speed.rtl_s) << "\n";
  // The prefill path (importance loads, the eviction pass) must be what most cases exercise.
  std::cout << "[ PREFILL  ] " << g_prefill.seeded << " of " << g_prefill.cases << " cases seeded by the prefill, "
            << g_prefill.cut << " cut at its end\n";
  EXPECT_GT(g_prefill.seeded, g_prefill.cases * 3 / 4);
  EXPECT_GE(g_prefill.cut, g_prefill.cases / 8);  // 50 of the default 200 (a quarter of the draws have no topk head)
}

// The full head dimension the default hardware is built for (hw.head_dim = 128).
TEST(Sim, FullHeadDimension) {
  const Config cfg = scaled_preset("sinkattn");
  ASSERT_EQ(cfg.hw.head_dim, 128);
  const IntTrace it = small_trace({2, 4, 2, cfg.hw.head_dim, 80, 64}, 19);
  host::RunOptions opt;
  opt.seed = 19;
  opt.req_stall = opt.resp_stall = 0.3;
  opt.row_stall = 0.3;
  EXPECT_EQ(check_case(cfg, it, opt), "") << "D 128 (seed 19)";
}

// Bursty back-pressure: long DRAM stalls (bursts of 8 to 40 cycles) and stall probabilities
// above 0.5 on the DRAM port and the output rows; outputs, stamps and counters must still agree.
TEST(Sim, BurstyAndHeavyBackPressure) {
  const IntTrace it = small_trace({2, 4, 2, 16, 64, 56}, 13);
  struct Pressure {
    double req, resp, row;
    int burst;
  };
  for (const Pressure& bp : {Pressure{0.8, 0.8, 0.7, 1}, Pressure{0.1, 0.15, 0.6, 40}, Pressure{0.55, 0.6, 0.0, 8}}) {
    for (const char* preset : {bp.burst == 40 ? "h2o" : "sinkattn"}) {
      host::RunOptions opt;
      opt.seed = 17;
      opt.req_stall = bp.req;
      opt.resp_stall = bp.resp;
      opt.row_stall = bp.row;
      opt.stall_burst = bp.burst;
      const Config cfg = scaled_preset(preset);
      const host::RunResult rtl = rtl::run_rtl(cfg, make_plan(cfg, it.shape, "bursty"), it, opt);
      EXPECT_GT(rtl.dram_resp_stall, rtl.cycles / 4) << "the back-pressure should dominate";
      EXPECT_EQ(check_case(cfg, it, opt), "")
          << preset << " stall " << bp.req << "/" << bp.resp << " row " << bp.row << " burst " << bp.burst;
    }
  }
}

TEST(Sim, RejectsHardwareItCannotModel) {
  Config cfg = load_config("sinkattn");
  cfg.hw.head_dim = 30;
  EXPECT_THROW(sim::check_sim_hw(cfg), InputError);
}

}  // namespace
}  // namespace sinkattn::tb
