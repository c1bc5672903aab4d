// The SystemC model against the golden model (outputs bit-exact, golden counters equal) and
// against the Verilated RTL (total cycles, every phase event's stamps, every hardware counter
// equal), on all six presets and on seeded random small configurations with random DRAM and
// row-port back-pressure. A mismatch names the first diverging job and the seed.
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
#include "sinkattn/error.hpp"

namespace sinkattn::tb {
namespace {

std::uint64_t seed_from_env(std::uint64_t fallback) {
  const char* env = std::getenv("SINKATTN_SEED");
  const std::uint64_t seed = env ? std::strtoull(env, nullptr, 0) : fallback;
  std::cout << "[   SEED   ] " << seed << " (rerun with SINKATTN_SEED=" << seed << ")\n";
  return seed;
}

struct Speed {
  double sim_cycles = 0, sim_s = 0, rtl_cycles = 0, rtl_s = 0;
};
Speed g_speed;

// Returns "" or the first difference (golden outputs and counters, then RTL timing).
std::string check_case(const Config& cfg, const IntTrace& it, const host::RunOptions& opt) {
  const Plan plan = make_plan(cfg, it.shape, "synthetic");
  const GoldenResult gold = run_golden(cfg, plan, it);
  const host::RunResult sc = sim::run_sim(cfg, plan, it, opt);
  const host::RunResult rtl = rtl::run_rtl(cfg, plan, it, opt);
  g_speed.sim_cycles += static_cast<double>(sc.total_cycles);
  g_speed.sim_s += sc.wall_seconds;
  g_speed.rtl_cycles += static_cast<double>(rtl.total_cycles);
  g_speed.rtl_s += rtl.wall_seconds;
  std::string diff = host::compare(gold, sc.run);
  if (!diff.empty()) return "systemc vs golden: " + diff;
  diff = host::compare_timing(sc, rtl);
  if (!diff.empty()) {
    if (std::getenv("SINKATTN_SIM_DEBUG"))
      for (std::size_t i = 0; i < sc.counters.size(); ++i)
        std::cout << sc.counters[i].first << " " << sc.counters[i].second << " " << rtl.counters[i].second << "\n";
    return "systemc vs rtl: " + diff;
  }
  if (sc.cycles != rtl.cycles) return "busy cycles differ";
  int jobs = 0;
  for (const host::PhaseEvent& e : sc.events) jobs += e.kind == host::kEvJob;
  if (jobs != it.shape.steps() * it.shape.layers * it.shape.kv_heads) return "wrong number of job events";
  return "";
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
                         ::testing::Values("sinkattn", "streamingllm", "h2o", "spatten", "duo", "dense"),
                         [](const auto& info) { return info.param; });

TEST(Sim, PresetUnscaledSinkattn) {
  const Config cfg = load_config("sinkattn");
  const IntTrace it = small_trace({2, 4, 2, 32, 176, 160}, 3);
  host::RunOptions opt;
  opt.seed = 3;
  EXPECT_EQ(check_case(cfg, it, opt), "") << "sinkattn unscaled (seed 3)";
}

TEST(Sim, RandomConfigsUnderBackPressure) {
  const std::uint64_t seed = seed_from_env(20260601);
  const char* n_env = std::getenv("SINKATTN_SIM_CONFIGS");
  const int configs = n_env ? std::atoi(n_env) : 200;
  std::mt19937_64 rng(seed);
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
}

TEST(Sim, RejectsHardwareItCannotModel) {
  Config cfg = load_config("sinkattn");
  cfg.hw.head_dim = 30;
  EXPECT_THROW(sim::check_sim_hw(cfg), InputError);
}

}  // namespace
}  // namespace sinkattn::tb
