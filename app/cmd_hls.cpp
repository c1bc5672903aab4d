// sinkattn hls: the HLS kernel's C-simulation on one configuration and trace. The golden model's
// control drives the kernel (hls/) job by job; the result carries the same keys as `golden`
// (one report builder), with mode "hls" and the kernel instance that ran.
#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "hls_csim.hpp"
#include "progress.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/energy.hpp"
#include "sinkattn/fidelity.hpp"
#include "sinkattn/report.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::cli {
namespace {

struct HlsArgs {
  std::string config = "sinkattn";
  std::string energy = "horowitz45";
  std::string area = "nangate45";
  std::string trace, json, csv;
  bool quiet = false;
};

int run_hls_cmd(const HlsArgs& a) {
  const Config cfg = load_config(a.config);
  const std::string instance = hls::kernel_instance(cfg);  // bad hardware fails before the trace loads
  const EnergyTable energy = load_energy_table(a.energy);
  const auto area = load_area_model(a.area);
  const FloatTrace ft = load_trace(a.trace);
  const Plan plan = make_plan(cfg, ft.shape, a.trace);
  const IntTrace it = quantize_trace(ft);

  GoldenOptions opt;
  opt.record_keep = true;  // fidelity's mass recall
  Progress bar("hls");
  opt.progress = [&bar](int done, int total) { bar.update(done, total); };
  const auto t0 = std::chrono::steady_clock::now();
  const GoldenResult run = hls::run_hls(cfg, plan, it, opt);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bar.finish();

  const Fidelity fid = measure_fidelity(ft, it, run);
  nlohmann::json report = golden_report(cfg, plan, a.trace, run, fid, wall, energy);
  add_area(report, cfg, *area);
  report["mode"] = "hls";
  report["kernel_instance"] = "sinkattn::params::" + instance;
  if (!a.json.empty()) write_json(a.json, report);
  if (!a.csv.empty()) write_csv(a.csv, report);
  if (!a.quiet) std::cout << summary_table(report);
  return 0;
}

}  // namespace

Action add_hls(CLI::App& app) {
  auto a = std::make_shared<HlsArgs>();
  CLI::App* sub = app.add_subcommand("hls", "Run the HLS kernel's C-simulation on a trace (same report as golden)");
  sub->add_option("--config", a->config, "Preset name or YAML file")->capture_default_str();
  sub->add_option("--trace", a->trace, "Trace directory (q.npy, k.npy, v.npy, meta.json)")->required();
  sub->add_option("--energy", a->energy, "Energy table: a name in configs/energy or a YAML file")->capture_default_str();
  sub->add_option("--area", a->area, "Area model: a name in configs/area or a YAML file")->capture_default_str();
  sub->add_option("--json", a->json, "Write the result object as JSON to FILE");
  sub->add_option("--csv", a->csv, "Write the result as one tidy CSV row to FILE");
  sub->add_flag("--quiet", a->quiet, "Do not print the summary table");
  return [a] { return run_hls_cmd(*a); };
}

}  // namespace sinkattn::cli
