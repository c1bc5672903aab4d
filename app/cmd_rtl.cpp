// sinkattn rtl: the whole trace through the Verilated accelerator top against the DRAM model,
// checked element by element against the golden model.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "cycle_run.hpp"
#include "rtl_build.hpp"
#include "rtl_run.hpp"

namespace sinkattn::cli {
namespace {

struct RtlArgs : CycleArgs {
  std::string waves;
};

int run_rtl_cmd(const RtlArgs& a) {
  host::RunOptions opt = cycle_options(a);
  const Config cfg = load_config(a.config);
  // Every input is checked before anything is built: a bad trace costs no Verilator build.
  const FloatTrace ft = open_trace(a.trace);  // mapped: a long trace is not copied
  const Plan plan = make_plan(cfg, ft.shape, a.trace);
  if (!rtl::built_for(cfg)) {
    // Other hardware than this program's Verilated top: its runner, built once on demand.
    try {
      const rtl::RtlBuild b = rtl::ensure_rtl_runner(cfg.hw, rtl::BuildCheck::kUpToDate, a.quiet);
      rtl::exec_rtl_runner(b, command_line());
    } catch (const rtl::RtlBuildError& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
  }
  rtl::check_hw(cfg);
  const IntTrace it = quantize_trace(ft);
  const char* w = std::getenv("WAVES");
  if (w && std::string(w) == "1") opt.waves = a.waves.empty() ? "sinkattn_rtl.fst" : a.waves;
  const host::RunResult r = rtl::run_rtl(cfg, plan, it, opt);
  RtlArgs shown = a;
  shown.model = rtl::model_name();
  const int status = report_cycle_run("rtl", shown, cfg, plan, ft, it, r);
  if (!opt.waves.empty() && !a.quiet) std::cout << "  waves                   " << opt.waves << "\n";
  return status;
}

}  // namespace

Action add_rtl(CLI::App& app) {
  auto a = std::make_shared<RtlArgs>();
  CLI::App* sub = app.add_subcommand("rtl", "Run a trace through the Verilated RTL top and check it against golden");
  add_cycle_options(sub, *a);
  sub->add_option("--waves", a->waves, "FST file written when WAVES=1 (default sinkattn_rtl.fst)");
  return [a] { return run_rtl_cmd(*a); };
}

}  // namespace sinkattn::cli
