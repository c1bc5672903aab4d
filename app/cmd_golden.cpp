// sinkattn golden: the bit-exact integer model on one configuration and trace, with its
// accuracy against float full attention.
#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "progress.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/energy.hpp"
#include "sinkattn/fidelity.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/npy.hpp"
#include "sinkattn/report.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::cli {
namespace {

struct GoldenArgs {
  std::string config = "sinkattn";
  std::string energy = "horowitz45";
  std::string area = "nangate45";
  std::string trace, json, csv, dump;
  bool quiet = false;
};

void dump_arrays(const std::string& dir, const GoldenResult& run, const std::vector<float>& out_float) {
  ensure_dir(dir, "--dump");
  const Shape& s = run.shape;
  const std::vector<std::size_t> out_shape = {std::size_t(s.steps()), std::size_t(s.layers), std::size_t(s.q_heads),
                                              std::size_t(s.head_dim)};
  npy::write(dir + "/out_int.npy", npy::DType::kInt16, out_shape, run.out.data());
  npy::write(dir + "/out_float.npy", npy::DType::kFloat32, out_shape, out_float.data());
  npy::write(dir + "/keep.npy", npy::DType::kUInt8,
             {std::size_t(s.steps()), std::size_t(s.layers), std::size_t(s.kv_heads), std::size_t(s.tokens)},
             run.keep.data());
}

int run_golden_cmd(const GoldenArgs& a) {
  const Config cfg = load_config(a.config);
  const EnergyTable energy = load_energy_table(a.energy);
  const auto area = load_area_model(a.area);
  const FloatTrace ft = open_trace(a.trace);  // mapped: a long trace is not copied
  const Plan plan = make_plan(cfg, ft.shape, a.trace);
  const IntTrace it = quantize_trace(ft);

  GoldenOptions opt;
  opt.record_keep = true;  // fidelity's mass recall and --dump need the keep masks
  Progress bar("golden");
  opt.progress = [&bar](int done, int total) { bar.update(done, total); };
  const auto t0 = std::chrono::steady_clock::now();
  const GoldenResult run = run_golden(cfg, plan, it, opt);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bar.finish();

  std::vector<float> out_float;
  const Fidelity fid = measure_fidelity(ft, it, run, a.dump.empty() ? nullptr : &out_float);
  nlohmann::json report = golden_report(cfg, plan, a.trace, run, fid, wall, energy);
  add_area(report, cfg, *area);
  if (!a.json.empty()) write_json(a.json, report);
  if (!a.csv.empty()) write_csv(a.csv, report);
  if (!a.dump.empty()) dump_arrays(a.dump, run, out_float);
  if (!a.quiet) std::cout << summary_table(report);
  return 0;
}

}  // namespace

Action add_golden(CLI::App& app) {
  auto a = std::make_shared<GoldenArgs>();
  CLI::App* sub = app.add_subcommand("golden", "Run the bit-exact integer golden model on a trace");
  sub->add_option("--config", a->config, "Preset name or YAML file")->capture_default_str();
  sub->add_option("--trace", a->trace, "Trace directory (q.npy, k.npy, v.npy, meta.json)")->required();
  sub->add_option("--energy", a->energy, "Energy table: a name in configs/energy or a YAML file")->capture_default_str();
  sub->add_option("--area", a->area, "Area model: a name in configs/area or a YAML file")->capture_default_str();
  sub->add_option("--json", a->json, "Write the result object as JSON to FILE");
  sub->add_option("--csv", a->csv, "Write the result as one tidy CSV row to FILE");
  sub->add_option("--dump", a->dump, "Write out_int.npy, out_float.npy and keep.npy to DIR");
  sub->add_flag("--quiet", a->quiet, "Do not print the summary table");
  return [a] { return run_golden_cmd(*a); };
}

}  // namespace sinkattn::cli
