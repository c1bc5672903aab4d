// scripts/bench.sh simspeed: simulated cycles per second of the SystemC model and of the
// Verilated RTL on the same configuration, trace and back-pressure, measured in one run, and
// their ratio. Both must agree cycle for cycle (else the bench fails).
//   bench_simspeed [PRESET] [STEPS]   default: sinkattn, 32 decode steps
#include <cstdlib>
#include <iostream>

#include "random_config.hpp"
#include "rtl_run.hpp"
#include "sim_model.hpp"

int main(int argc, char** argv) {
  using namespace sinkattn;
  const std::string preset = argc > 1 ? argv[1] : "sinkattn";
  const int steps = argc > 2 ? std::atoi(argv[2]) : 32;
  const Config cfg = load_config(preset);
  const IntTrace it = tb::small_trace({2, 4, 2, cfg.hw.head_dim, 160 + steps, 160}, 3);
  const Plan plan = make_plan(cfg, it.shape, "synthetic");
  host::RunOptions opt;
  opt.seed = 1;
  opt.req_stall = opt.resp_stall = opt.row_stall = 0.1;
  const host::RunResult sc = sim::run_sim(cfg, plan, it, opt);
  const host::RunResult rtl = rtl::run_rtl(cfg, plan, it, opt);
  const std::string diff = host::compare_timing(sc, rtl);
  const double sc_rate = static_cast<double>(sc.total_cycles) / sc.wall_seconds;
  const double rtl_rate = static_cast<double>(rtl.total_cycles) / rtl.wall_seconds;
  std::cout << "{\"preset\": \"" << preset << "\", \"steps\": " << steps << ", \"cycles\": " << sc.total_cycles
            << ", \"systemc_cycles_per_s\": " << sc_rate << ", \"rtl_cycles_per_s\": " << rtl_rate
            << ", \"ratio\": " << sc_rate / rtl_rate << ", \"cycle_exact\": " << (diff.empty() ? "true" : "false")
            << "}\n";
  if (!diff.empty()) {
    std::cerr << "bench_simspeed: SystemC and RTL disagree: " << diff << "\n";
    return 1;
  }
  return 0;
}
