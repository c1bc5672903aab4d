// sinkattn rtl: the whole trace through the Verilated accelerator top against the DRAM model,
// checked element by element against the golden model.
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "rtl_cosim.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/report.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::cli {
namespace {

struct RtlArgs {
  std::string config = "sinkattn";
  std::string trace, json, waves;
  std::uint64_t seed = 1;
  double stall = 0.0;
  bool quiet = false;
};

int run_rtl_cmd(const RtlArgs& a) {
  const Config cfg = load_config(a.config);
  cosim::check_hw(cfg);
  if (a.stall < 0 || a.stall >= 1) throw InputError("command line", "--stall", "must be in [0, 1)");
  const FloatTrace ft = load_trace(a.trace);
  const Plan plan = make_plan(cfg, ft.shape, a.trace);
  const IntTrace it = quantize_trace(ft);

  cosim::RtlOptions opt;
  opt.seed = a.seed;
  opt.req_stall = opt.resp_stall = a.stall;
  const char* w = std::getenv("WAVES");
  if (w && std::string(w) == "1") opt.waves = a.waves.empty() ? "sinkattn_rtl.fst" : a.waves;
  const cosim::RtlResult r = cosim::run_rtl(cfg, plan, it, opt);
  const GoldenResult gold = run_golden(cfg, plan, it);
  const std::string diff = cosim::compare(gold, r.run);

  nlohmann::json j;
  j["mode"] = "rtl";
  j["config"] = cfg.name;
  j["trace"] = a.trace;
  j["seed"] = a.seed;
  j["shape"] = {{"layers", it.shape.layers}, {"q_heads", it.shape.q_heads}, {"kv_heads", it.shape.kv_heads},
                {"tokens", it.shape.tokens}, {"prompt", it.shape.prompt}};
  j["head_dim"] = it.shape.head_dim;
  j["stall"] = a.stall;
  j["outputs_sha256"] = sha256_hex(r.run.out.data(), r.run.out.size() * sizeof(r.run.out[0]));
  j["golden_outputs_sha256"] = sha256_hex(gold.out.data(), gold.out.size() * sizeof(gold.out[0]));
  j["match"] = diff.empty();
  if (!diff.empty()) j["first_mismatch"] = diff;
  j["cycles"] = r.cycles;
  j["total_cycles"] = r.total_cycles;
  const Counters& c = r.run.counters;
  j["dram_bytes"] = c.dram_bytes();
  j["golden_dram_bytes"] = gold.counters.dram_bytes();
  j["dram_bytes_by_region"] = {{"sink", 0}, {"window", c.dram_window}, {"middle", c.dram_middle}, {"lsb", c.dram_lsb}};
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& [name, v] : r.counters) counters[name] = v;
  j["counters"] = counters;
  j["dram_backpressure_cycles"] = {{"request", r.dram_req_stall}, {"response", r.dram_resp_stall}};
  j["jobs"] = r.events.size();
  j["wall_seconds"] = r.wall_seconds;
  j["simulated_cycles_per_second"] = r.wall_seconds > 0 ? r.total_cycles / r.wall_seconds : 0.0;
  if (!a.json.empty()) write_json(a.json, j);
  if (!a.quiet) {
    std::cout << "rtl " << cfg.name << " on " << a.trace << " (seed " << a.seed << ")\n"
              << "  cycles                  " << r.cycles << " (" << r.total_cycles << " with loading)\n"
              << "  DRAM bytes              " << c.dram_bytes() << " (golden " << gold.counters.dram_bytes() << ")\n"
              << "  sink-SRAM hits          " << c.sram_sink_hits << "\n"
              << "  LSB refetches           " << c.lsb_refetches << "\n"
              << "  outputs sha256          " << j["outputs_sha256"].get<std::string>() << "\n"
              << "  simulated cycles/s      " << j["simulated_cycles_per_second"].get<double>() << "\n";
    if (!opt.waves.empty()) std::cout << "  waves                   " << opt.waves << "\n";
  }
  if (!diff.empty()) {
    std::cerr << "error: rtl differs from golden: first mismatch at " << diff << " (seed " << a.seed
              << "; rerun with --seed " << a.seed << ")\n";
    return 1;
  }
  if (!a.quiet) std::cout << "  bit-exact with golden   yes\n";
  return 0;
}

}  // namespace

Action add_rtl(CLI::App& app) {
  auto a = std::make_shared<RtlArgs>();
  CLI::App* sub = app.add_subcommand("rtl", "Run a trace through the Verilated RTL top and check it against golden");
  sub->add_option("--config", a->config, "Preset name or YAML file")->capture_default_str();
  sub->add_option("--trace", a->trace, "Trace directory (q.npy, k.npy, v.npy, meta.json)")->required();
  sub->add_option("--json", a->json, "Write the result object as JSON to FILE");
  sub->add_option("--seed", a->seed, "Seed of the random DRAM back-pressure")->capture_default_str();
  sub->add_option("--stall", a->stall, "DRAM back-pressure probability per cycle (request and response)")
      ->capture_default_str();
  sub->add_option("--waves", a->waves, "FST file written when WAVES=1 (default sinkattn_rtl.fst)");
  sub->add_flag("--quiet", a->quiet, "Print nothing on success");
  return [a] { return run_rtl_cmd(*a); };
}

}  // namespace sinkattn::cli
