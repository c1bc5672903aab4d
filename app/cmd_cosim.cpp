// sinkattn cosim: the main job. The golden model, the cycle-accurate SystemC model and the
// Verilated RTL run in one SystemC simulation (sim/cosim/cosim3.hpp), and with --with-hls
// the HLS kernel's C-simulation beside them; scoreboards check
// every output row against golden bit for bit and every phase event's cycle stamps of the RTL
// against the SystemC model's. Prints a summary table, writes --json, exits 1 on any mismatch
// (naming the first diverging job and the seed) and 2 on bad input.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "cosim3.hpp"
#include "cycle_run.hpp"
#include "hls_csim.hpp"
#include "rtl_run.hpp"
#include "sim_model.hpp"
#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/fidelity.hpp"
#include "sinkattn/report.hpp"

namespace sinkattn::cli {
namespace {

struct CosimArgs : CycleArgs {
  std::string waves, inject = "none";
  bool with_hls = false;
};

std::string sha(const std::vector<std::int16_t>& v) { return sha256_hex(v.data(), v.size() * sizeof(v[0])); }

int run_cosim_cmd(const CosimArgs& a) {
  cosim::CosimOptions opt;
  opt.run = cycle_options(a);
  opt.with_hls = a.with_hls;
  if (a.inject == "rtl-dram-data") opt.inject = cosim::Inject::kRtlDramData;
  else if (a.inject == "rtl-dram-latency") opt.inject = cosim::Inject::kRtlDramLatency;
  else if (a.inject == "hls-output" && a.with_hls) opt.inject = cosim::Inject::kHlsOutput;
  else if (a.inject != "none")
    throw InputError("command line", "--inject",
                     "'" + a.inject + "': expected none, rtl-dram-data, rtl-dram-latency or (with --with-hls) hls-output");
  const Config cfg = load_config(a.config);
  rtl::check_hw(cfg);
  sim::check_sim_hw(cfg);
  if (a.with_hls) hls::kernel_instance(cfg);  // hardware no kernel instance has: exit 2 before running
  const CostModels costs = load_cost_models(a);
  const FloatTrace ft = open_trace(a.trace);  // mapped: a long trace is not copied
  const Plan plan = make_plan(cfg, ft.shape, a.trace);
  const IntTrace it = quantize_trace(ft);
  const char* w = std::getenv("WAVES");
  if (w && std::string(w) == "1") opt.run.waves = a.waves.empty() ? "sinkattn_cosim.fst" : a.waves;

  const cosim::CosimResult r = cosim::run_cosim(cfg, plan, it, opt);
  const Fidelity fid = measure_fidelity(ft, it, r.golden);
  const Counters& c = r.rtl.run.counters;
  const Shape& s = it.shape;

  nlohmann::json j = report_header("cosim", cfg, a.trace, s);
  add_trace_meta(j, ft);
  add_run_options(j, a);
  if (opt.inject != cosim::Inject::kNone) j["inject"] = a.inject;
  j["match"] = r.match;
  if (!r.match) j["first_mismatch"] = r.first_mismatch;
  j["outputs_sha256"] = sha(r.rtl.run.out);
  j["systemc_outputs_sha256"] = sha(r.systemc.run.out);
  j["golden_outputs_sha256"] = sha(r.golden.out);
  j["with_hls"] = a.with_hls;
  if (a.with_hls) {
    j["hls_outputs_sha256"] = sha(r.hls.out);
    j["hls_seconds"] = r.hls_seconds;
  }
  j["rows_checked"] = r.rows_checked;
  j["events_checked"] = r.events_checked;
  j["cycles_systemc"] = r.systemc.cycles;
  j["cycles_rtl"] = r.rtl.cycles;
  j["total_cycles_systemc"] = r.systemc.total_cycles;
  j["total_cycles_rtl"] = r.rtl.total_cycles;
  add_counters(j, c, r.golden.dense_dram_bytes);
  j["golden_dram_bytes"] = r.golden.counters.dram_bytes();
  add_run_result(j, r.rtl);
  const std::uint64_t cycles = r.rtl.cycles;
  const nlohmann::json& counters = j["counters"];
  // Busy share of each block over the controller's busy cycles; DRAM: bytes over peak bandwidth.
  nlohmann::json util = nlohmann::json::object();
  const auto share = [&](std::uint64_t v) { return cycles ? static_cast<double>(v) / static_cast<double>(cycles) : 0.0; };
  for (const char* k : {"qk_busy", "softmax_busy", "pv_busy", "topk_busy", "fetch_busy"})
    util[std::string(k).substr(0, std::string(k).size() - 5)] = share(counters[k].get<std::uint64_t>());
  util["dram_bandwidth"] =
      cycles ? static_cast<double>(c.dram_bytes()) / (static_cast<double>(cycles) * cfg.hw.dram.bytes_per_cycle) : 0.0;
  j["utilization"] = util;
  add_costs(j, costs, cfg, c, s);
  add_cycle_prefill(j, "rtl", cfg, r.golden, costs.energy, r.rtl);
  j["prefill_cycles_systemc"] = r.systemc.prefill_cycles;
  add_fidelity(j, fid);
  j["golden_seconds"] = r.golden_seconds;
  j["wall_seconds"] = r.wall_seconds;
  if (!a.json.empty()) write_json(a.json, j);

  if (!a.quiet) {
    char line[200];
    const auto put = [&](const char* name, const std::string& value) {
      std::snprintf(line, sizeof line, "  %-24s %s\n", name, value.c_str());
      std::cout << line;
    };
    const auto u = [](std::uint64_t v) { return std::to_string(v); };
    const auto pct = [](double v) {
      char b[32];
      std::snprintf(b, sizeof b, "%.1f%%", 100.0 * v);
      return std::string(b);
    };
    std::cout << "cosim: golden + SystemC model + Verilated RTL in one SystemC simulation\n"
              << "  preset " << cfg.name << ", trace " << a.trace << " (L " << s.layers << ", Hq " << s.q_heads
              << ", Hkv " << s.kv_heads << ", D " << s.head_dim << ", " << s.steps() << " decode steps), seed "
              << a.seed << ", stall " << a.stall << ", row stall " << a.row_stall << "\n";
    put("cycles (SystemC, RTL)", u(r.systemc.cycles) + ", " + u(r.rtl.cycles) + "   (with loading " +
                                     u(r.systemc.total_cycles) + ", " + u(r.rtl.total_cycles) + ")");
    put("utilization", "qk " + pct(util["qk"]) + ", softmax " + pct(util["softmax"]) + ", pv " + pct(util["pv"]) +
                           ", topk " + pct(util["topk"]) + ", fetch " + pct(util["fetch"]) + ", DRAM bw " +
                           pct(util["dram_bandwidth"]));
    const double dense = static_cast<double>(r.golden.dense_dram_bytes);
    put("DRAM bytes vs dense", u(c.dram_bytes()) + " / " + u(r.golden.dense_dram_bytes) + " (" +
                                   pct(dense > 0 ? static_cast<double>(c.dram_bytes()) / dense : 0.0) + ")");
    std::snprintf(line, sizeof line, "%.4g uJ (%s)", j["energy_pj"].get<double>() * 1e-6, costs.energy.name.c_str());
    put("energy", line);
    std::snprintf(line, sizeof line, "%.4g mm2 (%s)", j["area_um2"].get<double>() * 1e-6,
                  j["area_model"].get<std::string>().c_str());
    put("area", line);
    std::snprintf(line, sizeof line, "cosine mean %.5f, min %.5f; max rel err %.4f; mass recall %.4f",
                  fid.cosine_mean, fid.cosine_min, fid.max_rel_err, fid.mass_recall_mean);
    put("fidelity vs float", line);
    put("checked", u(r.rows_checked) + " rows vs golden" + (a.with_hls ? " (RTL, SystemC, HLS)" : "") + ", " +
                       u(r.events_checked) + " job stamps SystemC vs RTL");
    if (a.with_hls)
      std::snprintf(line, sizeof line, "%.2f s (golden %.2f s, HLS C-simulation %.2f s)", r.wall_seconds,
                    r.golden_seconds, r.hls_seconds);
    else
      std::snprintf(line, sizeof line, "%.2f s (golden %.2f s)", r.wall_seconds, r.golden_seconds);
    put("wall time", line);
    put("outputs sha256", j["outputs_sha256"].get<std::string>());
    if (!opt.run.waves.empty()) put("waves", opt.run.waves);
    put("result", r.match ? "MATCH" : "MISMATCH");
  }
  if (!r.match) {
    std::cerr << "error: cosim mismatch: " << r.first_mismatch << "; rerun with --seed " << a.seed << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

Action add_cosim(CLI::App& app) {
  auto a = std::make_shared<CosimArgs>();
  CLI::App* sub = app.add_subcommand(
      "cosim", "Golden, SystemC model and Verilated RTL in one SystemC simulation, with scoreboards");
  add_cycle_options(sub, *a);
  sub->add_flag("--with-hls", a->with_hls,
                "Also run the HLS kernel's C-simulation and check its rows and counters against golden");
  sub->add_option("--waves", a->waves, "FST file of the RTL written when WAVES=1 (default sinkattn_cosim.fst)");
  sub->add_option("--inject", a->inject,
                  "Test only: a deliberate fault (none, rtl-dram-data, rtl-dram-latency, hls-output with "
                  "--with-hls) to see the scoreboards fail")
      ->capture_default_str();
  return [a] { return run_cosim_cmd(*a); };
}

}  // namespace sinkattn::cli
