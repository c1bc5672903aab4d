#include "cycle_run.hpp"

#include <cstdio>
#include <iostream>

#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/report.hpp"

namespace sinkattn::cli {

void add_cycle_options(CLI::App* sub, CycleArgs& a) {
  add_trace_run_options(sub, a);
  sub->add_option("--seed", a.seed, "Seed of the random DRAM and row-port back-pressure")->capture_default_str();
  sub->add_option("--stall", a.stall, "DRAM back-pressure probability per cycle (request and response)")
      ->capture_default_str();
  sub->add_option("--row-stall", a.row_stall, "Output-row back-pressure probability per cycle")->capture_default_str();
  sub->add_option("--stall-burst", a.stall_burst, "Cycles each DRAM stall lasts (bursty back-pressure)")
      ->capture_default_str();
  sub->add_flag("--quiet", a.quiet, "Print nothing on success");
}

host::RunOptions cycle_options(const CycleArgs& a) {
  if (!(a.stall >= 0 && a.stall < 1)) throw InputError("command line", "--stall", "must be in [0, 1)");
  if (!(a.row_stall >= 0 && a.row_stall < 1)) throw InputError("command line", "--row-stall", "must be in [0, 1)");
  if (a.stall_burst < 1) throw InputError("command line", "--stall-burst", "must be at least 1");
  host::RunOptions opt;
  opt.seed = a.seed;
  opt.req_stall = opt.resp_stall = a.stall;
  opt.row_stall = a.row_stall;
  opt.stall_burst = a.stall_burst;
  return opt;
}

void add_run_options(nlohmann::json& j, const CycleArgs& a) {
  j["seed"] = a.seed;
  j["stall"] = a.stall;
  j["row_stall"] = a.row_stall;
}

void add_cycle_prefill(nlohmann::json& j, const char* model, const Config& cfg, const GoldenResult& gold,
                       const EnergyTable& energy, const host::RunResult& r) {
  PrefillCycles pc;
  pc.model = model;
  pc.total = r.prefill_cycles;
  for (const auto& [name, v] : r.counters) {
    if (name == "prefill_cycles") pc.eviction_pass = v;
    if (name == "importance_loads") pc.loads = v;
  }
  add_prefill(j, cfg, gold, energy, &pc);
}

void add_run_result(nlohmann::json& j, const host::RunResult& r) {
  j["cycles"] = r.cycles;
  j["total_cycles"] = r.total_cycles;
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& [name, v] : r.counters) counters[name] = v;
  j["counters"] = counters;
  j["dram_backpressure_cycles"] = {{"request", r.dram_req_stall}, {"response", r.dram_resp_stall}};
  j["jobs"] = r.events.size();
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : r.events)
    ev.push_back({{"kind", e.kind}, {"step", e.step}, {"layer", e.layer}, {"group", e.group}, {"tokens", e.tokens},
                  {"start", e.start}, {"end", e.end}});
  j["events"] = ev;
}

int report_cycle_run(const char* mode, const CycleArgs& a, const Config& cfg, const Plan& plan, const FloatTrace& ft,
                     const IntTrace& it,
                     const host::RunResult& r) {
  const CostModels costs = load_cost_models(a);
  const GoldenResult gold = run_golden(cfg, plan, it);
  const std::string diff = host::compare(gold, r.run, mode);
  const Counters& c = r.run.counters;
  const Shape& s = it.shape;

  nlohmann::json j = report_header(mode, cfg, a.trace, s);
  add_trace_meta(j, ft);
  add_run_options(j, a);
  if (!a.model.empty()) j["model"] = a.model;
  j["hw"] = {{"qk_lanes", cfg.hw.qk_lanes}, {"pv_lanes", cfg.hw.pv_lanes}, {"out_lanes", cfg.hw.out_lanes},
             {"head_dim", cfg.hw.head_dim},
             {"topk_parallelism", cfg.hw.topk_parallelism}, {"scan_width", cfg.hw.scan_width},
             {"dram_bytes_per_cycle", cfg.hw.dram.bytes_per_cycle},
             {"dram_latency_cycles", cfg.hw.dram.latency_cycles}, {"dram_burst_bytes", cfg.hw.dram.burst_bytes}};
  j["outputs_sha256"] = sha256_hex(r.run.out.data(), r.run.out.size() * sizeof(r.run.out[0]));
  j["golden_outputs_sha256"] = sha256_hex(gold.out.data(), gold.out.size() * sizeof(gold.out[0]));
  j["match"] = diff.empty();
  if (!diff.empty()) j["first_mismatch"] = diff;
  add_counters(j, c, gold.dense_dram_bytes);
  j["golden_dram_bytes"] = gold.counters.dram_bytes();
  add_costs(j, costs, cfg, c, s);
  add_cycle_prefill(j, mode, cfg, gold, costs.energy, r);
  add_run_result(j, r);
  j["wall_seconds"] = r.wall_seconds;
  j["simulated_cycles_per_second"] = r.wall_seconds > 0 ? static_cast<double>(r.total_cycles) / r.wall_seconds : 0.0;
  if (!a.json.empty()) write_json(a.json, j);

  if (!a.quiet) {
    char line[160];
    std::cout << mode << ": preset " << cfg.name << ", trace " << a.trace << " (seed " << a.seed << ")\n";
    if (!a.model.empty()) std::cout << "  model                  " << a.model << "\n";
    std::snprintf(line, sizeof line, "  %-22s %14llu   (%llu with loading)\n", "cycles",
                  static_cast<unsigned long long>(r.cycles), static_cast<unsigned long long>(r.total_cycles));
    std::cout << line;
    std::snprintf(line, sizeof line, "  %-22s %14llu   (of which %llu importance loads, %llu eviction pass)\n",
                  "prefill cycles", static_cast<unsigned long long>(r.prefill_cycles),
                  static_cast<unsigned long long>(j["prefill"]["engine"]["importance_loads_counted"].get<std::uint64_t>()),
                  static_cast<unsigned long long>(j["prefill"]["engine"]["eviction_pass_cycles"].get<std::uint64_t>()));
    std::cout << line;
    std::snprintf(line, sizeof line, "  %-22s %14llu   (golden %llu, dense %llu)\n", "DRAM bytes",
                  static_cast<unsigned long long>(c.dram_bytes()), static_cast<unsigned long long>(gold.counters.dram_bytes()),
                  static_cast<unsigned long long>(gold.dense_dram_bytes));
    std::cout << line;
    std::snprintf(line, sizeof line, "  %-22s %14llu\n  %-22s %14llu\n", "sink SRAM hits",
                  static_cast<unsigned long long>(c.sram_sink_hits), "LSB refetches",
                  static_cast<unsigned long long>(c.lsb_refetches));
    std::cout << line;
    std::snprintf(line, sizeof line, "  %-22s %14.4g uJ (%s)\n", "energy", j["energy_pj"].get<double>() * 1e-6,
                  costs.energy.name.c_str());
    std::cout << line;
    std::snprintf(line, sizeof line, "  %-22s %14.4g mm2 (%s)\n", "area", j["area_um2"].get<double>() * 1e-6,
                  j["area_model"].get<std::string>().c_str());
    std::cout << line;
    std::snprintf(line, sizeof line, "  %-22s %14.4g\n", "simulated cycles/s", j["simulated_cycles_per_second"].get<double>());
    std::cout << line << "  outputs sha256          " << j["outputs_sha256"].get<std::string>() << "\n";
  }
  if (!diff.empty()) {
    std::cerr << "error: " << mode << " differs from golden: first mismatch at " << diff << " (seed " << a.seed
              << "; rerun with --seed " << a.seed << ")\n";
    return 1;
  }
  if (!a.quiet) std::cout << "  bit-exact with golden   yes\n";
  return 0;
}

}  // namespace sinkattn::cli
