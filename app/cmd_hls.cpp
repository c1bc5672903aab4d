// sinkattn hls: the HLS kernel's C-simulation on one configuration and trace. The golden model's
// control drives the kernel (hls/) job by job; the result carries the same keys as `golden`
// (one report builder), with mode "hls" and the kernel instance that ran.
#include <memory>

#include "commands.hpp"
#include "hls_csim.hpp"
#include "job_model_run.hpp"
#include "sinkattn/config.hpp"

namespace sinkattn::cli {
namespace {

int run_hls_cmd(const JobModelArgs& a) {
  const Config cfg = load_config(a.config);
  const std::string instance = hls::kernel_instance(cfg);  // bad hardware fails before the trace loads
  JobModelRun r = run_job_model("hls", a, cfg, hls::run_hls);
  r.report["kernel_instance"] = "sinkattn::params::" + instance;
  return publish_job_model(a, r.report);
}

}  // namespace

Action add_hls(CLI::App& app) {
  auto a = std::make_shared<JobModelArgs>();
  CLI::App* sub = app.add_subcommand("hls", "Run the HLS kernel's C-simulation on a trace (same report as golden)");
  add_job_model_options(sub, *a);
  return [a] { return run_hls_cmd(*a); };
}

}  // namespace sinkattn::cli
