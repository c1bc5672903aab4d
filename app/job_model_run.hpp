// What `sinkattn golden` and `sinkattn hls` share: both run a model of one job at a time under
// the golden model's control (the golden datapath, or the HLS kernel's C-simulation), untimed,
// and report the same keys (golden_report) with the same options.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"
#include "trace_run.hpp"

namespace sinkattn::cli {

struct JobModelArgs : TraceRunArgs {
  std::string csv;
};

// The trace-run options, --csv and --quiet.
void add_job_model_options(CLI::App* sub, JobModelArgs& a);

using JobModel = std::function<GoldenResult(const Config&, const Plan&, const IntTrace&, const GoldenOptions&)>;

struct JobModelRun {
  GoldenResult run;
  nlohmann::json report;         // golden_report: counters, energy, area, fidelity, wall_seconds
  std::vector<float> out_float;  // float full attention's rows, when asked for
};

// Loads the cost models and the trace (mapped, not copied), runs `model` under a progress bar
// named `mode`, measures its fidelity against float attention and builds the report (mode
// `mode`). `want_out_float` keeps float attention's rows (sinkattn golden --dump).
JobModelRun run_job_model(const char* mode, const JobModelArgs& a, const Config& cfg, const JobModel& model,
                          bool want_out_float = false);

// Writes --json and --csv, prints the summary table unless --quiet. Returns 0.
int publish_job_model(const JobModelArgs& a, const nlohmann::json& report);

}  // namespace sinkattn::cli
