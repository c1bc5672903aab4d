// sinkattn sim: the cycle-accurate SystemC model alone on one configuration and trace.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "sim_model.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/report.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::cli {
namespace {

struct SimArgs {
  std::string config = "sinkattn";
  std::string trace, json;
  std::uint64_t seed = 1;
  double req_stall = 0, resp_stall = 0, row_stall = 0;
  bool quiet = false;
};

void check_prob(double v, const char* flag) {
  if (!(v >= 0 && v < 1)) throw InputError("command line", flag, "must be in [0, 1)");
}

int run_sim_cmd(const SimArgs& a) {
  check_prob(a.req_stall, "--req-stall");
  check_prob(a.resp_stall, "--resp-stall");
  check_prob(a.row_stall, "--row-stall");
  const Config cfg = load_config(a.config);
  const FloatTrace ft = load_trace(a.trace);
  const Plan plan = make_plan(cfg, ft.shape, a.trace);
  const IntTrace it = quantize_trace(ft);
  sim::SimOptions opt;
  opt.seed = a.seed;
  opt.req_stall = a.req_stall;
  opt.resp_stall = a.resp_stall;
  opt.row_stall = a.row_stall;
  const sim::SimResult r = sim::run_sim(cfg, plan, it, opt);

  nlohmann::json j;
  j["model"] = "systemc";
  j["config"] = cfg.name;
  j["trace"] = a.trace;
  j["seed"] = a.seed;
  j["outputs_sha256"] = sha256_hex(r.run.out.data(), r.run.out.size() * sizeof(r.run.out[0]));
  j["cycles"] = r.cycles;
  j["total_cycles"] = r.total_cycles;
  j["dram_bytes"] = r.run.counters.dram_bytes();
  j["wall_seconds"] = r.wall_seconds;
  j["cycles_per_second"] = r.wall_seconds > 0 ? static_cast<double>(r.total_cycles) / r.wall_seconds : 0.0;
  nlohmann::json ctr = nlohmann::json::object();
  for (const auto& [name, v] : r.counters) ctr[name] = v;
  j["counters"] = ctr;
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : r.events)
    ev.push_back({{"kind", e.kind}, {"step", e.step}, {"layer", e.layer}, {"group", e.group}, {"tokens", e.tokens},
                  {"start", e.start}, {"end", e.end}});
  j["events"] = ev;
  if (!a.json.empty()) write_json(a.json, j);
  if (!a.quiet) {
    std::cout << "sinkattn sim: " << cfg.name << " on " << a.trace << "\n"
              << "  busy cycles      " << r.cycles << "\n"
              << "  total cycles     " << r.total_cycles << "\n"
              << "  DRAM bytes       " << r.run.counters.dram_bytes() << "\n"
              << "  jobs (events)    " << r.events.size() << "\n"
              << "  outputs sha256   " << j["outputs_sha256"].get<std::string>() << "\n"
              << "  simulated        " << j["cycles_per_second"].get<double>() << " cycles/s\n";
  }
  return 0;
}

}  // namespace

Action add_sim(CLI::App& app) {
  auto a = std::make_shared<SimArgs>();
  CLI::App* sub = app.add_subcommand("sim", "Run the cycle-accurate SystemC model of the accelerator on a trace");
  sub->add_option("--config", a->config, "Preset name or YAML file")->capture_default_str();
  sub->add_option("--trace", a->trace, "Trace directory (q.npy, k.npy, v.npy, meta.json)")->required();
  sub->add_option("--json", a->json, "Write the result object as JSON to FILE");
  sub->add_option("--seed", a->seed, "Seed of the DRAM and row-port back-pressure")->capture_default_str();
  sub->add_option("--req-stall", a->req_stall, "DRAM request back-pressure probability per cycle");
  sub->add_option("--resp-stall", a->resp_stall, "DRAM response back-pressure probability per cycle");
  sub->add_option("--row-stall", a->row_stall, "Output-row back-pressure probability per cycle");
  sub->add_flag("--quiet", a->quiet, "Do not print the summary");
  return [a] { return run_sim_cmd(*a); };
}

}  // namespace sinkattn::cli
