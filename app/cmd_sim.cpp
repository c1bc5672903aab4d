// sinkattn sim: the cycle-accurate SystemC model alone on one configuration and trace, checked
// against the golden model; the result object has the keys of `sinkattn rtl`'s.
#include <memory>

#include "commands.hpp"
#include "cycle_run.hpp"
#include "sim_model.hpp"

namespace sinkattn::cli {
namespace {

int run_sim_cmd(const CycleArgs& a) {
  const host::RunOptions opt = cycle_options(a);
  const Config cfg = load_config(a.config);
  sim::check_sim_hw(cfg);
  const FloatTrace ft = open_trace(a.trace);  // mapped: a long trace is not copied
  const Plan plan = make_plan(cfg, ft.shape, a.trace);
  const IntTrace it = quantize_trace(ft);
  CycleArgs shown = a;
  // Results say what produced them; rtl writes its Verilated build here (rtl::model_name()).
  shown.model = "SystemC model (sim/systemc), its hardware parameters taken from the configuration at run time";
  return report_cycle_run("systemc", shown, cfg, plan, ft, it, sim::run_sim(cfg, plan, it, opt));
}

}  // namespace

Action add_sim(CLI::App& app) {
  auto a = std::make_shared<CycleArgs>();
  CLI::App* sub = app.add_subcommand("sim", "Run the cycle-accurate SystemC model of the accelerator on a trace");
  add_cycle_options(sub, *a);
  return [a] { return run_sim_cmd(*a); };
}

}  // namespace sinkattn::cli
