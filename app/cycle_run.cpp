#include "cycle_run.hpp"

#include <cstdio>
#include <iostream>

#include "sinkattn/digest.hpp"
#include "sinkattn/energy.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/report.hpp"

namespace sinkattn::cli {

void add_cycle_options(CLI::App* sub, CycleArgs& a) {
  sub->add_option("--config", a.config, "Preset name or YAML file")->capture_default_str();
  sub->add_option("--trace", a.trace, "Trace directory (q.npy, k.npy, v.npy, meta.json)")->required();
  sub->add_option("--json", a.json, "Write the result object as JSON to FILE");
  sub->add_option("--energy", a.energy, "Energy table: a name in configs/energy or a YAML file")->capture_default_str();
  sub->add_option("--area", a.area, "Area model: a name in configs/area or a YAML file")->capture_default_str();
  sub->add_option("--seed", a.seed, "Seed of the random DRAM and row-port back-pressure")->capture_default_str();
  sub->add_option("--stall", a.stall, "DRAM back-pressure probability per cycle (request and response)")
      ->capture_default_str();
  sub->add_option("--row-stall", a.row_stall, "Output-row back-pressure probability per cycle")->capture_default_str();
  sub->add_option("--stall-burst", a.stall_burst, "Cycles each DRAM stall lasts (bursty back-pressure)")
      ->capture_default_str();
  sub->add_flag("--quiet", a.quiet, "Print nothing on success");
}

host::RtlOptions cycle_options(const CycleArgs& a) {
  if (!(a.stall >= 0 && a.stall < 1)) throw InputError("command line", "--stall", "must be in [0, 1)");
  if (!(a.row_stall >= 0 && a.row_stall < 1)) throw InputError("command line", "--row-stall", "must be in [0, 1)");
  if (a.stall_burst < 1) throw InputError("command line", "--stall-burst", "must be at least 1");
  host::RtlOptions opt;
  opt.stall_burst = a.stall_burst;
  opt.seed = a.seed;
  opt.req_stall = opt.resp_stall = a.stall;
  opt.row_stall = a.row_stall;
  return opt;
}

int report_cycle_run(const char* mode, const CycleArgs& a, const Config& cfg, const Plan& plan, const IntTrace& it,
                     const host::RtlResult& r) {
  const EnergyTable energy = load_energy_table(a.energy);
  const auto area = load_area_model(a.area);
  const GoldenResult gold = run_golden(cfg, plan, it);
  const std::string diff = host::compare(gold, r.run);
  const Counters& c = r.run.counters;
  const Shape& s = it.shape;

  nlohmann::json j;
  j["mode"] = mode;
  if (!a.model.empty()) j["model"] = a.model;
  j["preset"] = cfg.name;
  j["config_file"] = cfg.source;
  j["trace"] = a.trace;
  j["seed"] = a.seed;
  j["stall"] = a.stall;
  j["row_stall"] = a.row_stall;
  j["shape"] = {{"layers", s.layers}, {"q_heads", s.q_heads}, {"kv_heads", s.kv_heads}, {"head_dim", s.head_dim},
                {"tokens", s.tokens}, {"prompt", s.prompt}, {"steps", s.steps()}};
  j["hw"] = {{"qk_lanes", cfg.hw.qk_lanes}, {"pv_lanes", cfg.hw.pv_lanes}, {"head_dim", cfg.hw.head_dim},
             {"topk_parallelism", cfg.hw.topk_parallelism}, {"dram_bytes_per_cycle", cfg.hw.dram.bytes_per_cycle},
             {"dram_latency_cycles", cfg.hw.dram.latency_cycles}, {"dram_burst_bytes", cfg.hw.dram.burst_bytes}};
  j["outputs_sha256"] = sha256_hex(r.run.out.data(), r.run.out.size() * sizeof(r.run.out[0]));
  j["golden_outputs_sha256"] = sha256_hex(gold.out.data(), gold.out.size() * sizeof(gold.out[0]));
  j["match"] = diff.empty();
  if (!diff.empty()) j["first_mismatch"] = diff;
  j["cycles"] = r.cycles;
  j["total_cycles"] = r.total_cycles;
  j["dram_bytes"] = c.dram_bytes();
  j["golden_dram_bytes"] = gold.counters.dram_bytes();
  j["dense_dram_bytes"] = gold.dense_dram_bytes;
  j["dram_bytes_by_region"] = {{"sink", 0}, {"window", c.dram_window}, {"middle", c.dram_middle}, {"lsb", c.dram_lsb}};
  j["sram_sink_hits"] = c.sram_sink_hits;
  j["lsb_refetches"] = c.lsb_refetches;
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& [name, v] : r.counters) counters[name] = v;
  j["counters"] = counters;
  add_energy(j, c, s, energy);
  add_area(j, cfg, *area);
  j["dram_backpressure_cycles"] = {{"request", r.dram_req_stall}, {"response", r.dram_resp_stall}};
  j["jobs"] = r.events.size();
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : r.events)
    ev.push_back({{"kind", e.kind}, {"step", e.step}, {"layer", e.layer}, {"group", e.group}, {"tokens", e.tokens},
                  {"start", e.start}, {"end", e.end}});
  j["events"] = ev;
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
    std::snprintf(line, sizeof line, "  %-22s %14llu   (golden %llu, dense %llu)\n", "DRAM bytes",
                  static_cast<unsigned long long>(c.dram_bytes()), static_cast<unsigned long long>(gold.counters.dram_bytes()),
                  static_cast<unsigned long long>(gold.dense_dram_bytes));
    std::cout << line;
    std::snprintf(line, sizeof line, "  %-22s %14llu\n  %-22s %14llu\n", "sink SRAM hits",
                  static_cast<unsigned long long>(c.sram_sink_hits), "LSB refetches",
                  static_cast<unsigned long long>(c.lsb_refetches));
    std::cout << line;
    std::snprintf(line, sizeof line, "  %-22s %14.4g uJ (%s)\n", "energy", j["energy_pj"].get<double>() * 1e-6,
                  energy.name.c_str());
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
