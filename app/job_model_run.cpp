#include "job_model_run.hpp"

#include <chrono>
#include <iostream>

#include "progress.hpp"
#include "sinkattn/fidelity.hpp"
#include "sinkattn/report.hpp"

namespace sinkattn::cli {

void add_job_model_options(CLI::App* sub, JobModelArgs& a) {
  add_trace_run_options(sub, a);
  sub->add_option("--csv", a.csv, "Write the result as one tidy CSV row to FILE");
  sub->add_flag("--quiet", a.quiet, "Do not print the summary table");
}

JobModelRun run_job_model(const char* mode, const JobModelArgs& a, const Config& cfg, const JobModel& model,
                          bool want_out_float) {
  const CostModels costs = load_cost_models(a);
  const FloatTrace ft = open_trace(a.trace);  // mapped: a long trace is not copied
  const Plan plan = make_plan(cfg, ft.shape, a.trace);
  const IntTrace it = quantize_trace(ft);

  GoldenOptions opt;
  opt.record_keep = true;  // fidelity's mass recall and golden's --dump need the keep masks
  Progress bar(mode);
  opt.progress = [&bar](int done, int total) { bar.update(done, total); };
  const auto t0 = std::chrono::steady_clock::now();
  JobModelRun r;
  r.run = model(cfg, plan, it, opt);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bar.finish();

  const Fidelity fid = measure_fidelity(ft, it, r.run, want_out_float ? &r.out_float : nullptr);
  r.report = golden_report(cfg, plan, a.trace, r.run, fid, wall, costs.energy, *costs.area);
  r.report["mode"] = mode;
  add_trace_meta(r.report, ft);
  return r;
}

int publish_job_model(const JobModelArgs& a, const nlohmann::json& report) {
  if (!a.json.empty()) write_json(a.json, report);
  if (!a.csv.empty()) write_csv(a.csv, report);
  if (!a.quiet) std::cout << summary_table(report);
  return 0;
}

}  // namespace sinkattn::cli
