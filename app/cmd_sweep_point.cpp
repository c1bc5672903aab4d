// sinkattn sweep run-point / run-shard: the worker side of a sweep. run-point evaluates one
// configuration on one prepared workload at one fidelity and prints its metrics as one JSON
// object; run-shard runs a Slurm array task's points (each again as a run-point child).
#include <chrono>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "model_loss.hpp"
#ifdef SINKATTN_CYCLE_MODELS
#include "rtl_build.hpp"
#include "rtl_run.hpp"
#include "sim_model.hpp"
#endif
#include "sinkattn/digest.hpp"
#include "sinkattn/energy.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/sweep/slurm.hpp"
#include "sinkattn/sweep/spec.hpp"
#include "sinkattn/sweep/workload.hpp"

namespace sinkattn::cli {
namespace {

struct PointArgs {
  std::string base = "sinkattn", workload, fidelity = "golden", energy = "horowitz45";
  std::vector<std::string> sets;
};

std::vector<FieldOverride> parse_sets(const std::vector<std::string>& sets) {
  std::vector<FieldOverride> out;
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw InputError("command line", "--set", "'" + s + "' is not FIELD=VALUE");
    out.push_back({s.substr(0, eq), s.substr(eq + 1), "command line --set " + s});
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Metrics of one run, flat, with the estimator of each figure (docs/sweep.md).
nlohmann::json metrics(const Config& cfg, const GoldenResult& run, const sinkattn::Fidelity& fid,
                       const EnergyTable& energy, const std::string& counters_by) {
  const Counters& c = run.counters;
  nlohmann::json m;
  m["preset"] = cfg.name;
  m["dram_bytes"] = c.dram_bytes();
  m["dram_bytes_sink"] = 0;  // sinks live in the sink SRAM, loaded once with the prompt
  m["dram_bytes_window"] = c.dram_window;
  m["dram_bytes_middle"] = c.dram_middle;
  m["dram_bytes_lsb"] = c.dram_lsb;
  m["dense_dram_bytes"] = run.dense_dram_bytes;
  const EnergyReport e = energy_of(c, run.shape, energy);
  m["energy_pj"] = e.total_pj;
  for (const auto& [block, pj] : e.blocks) m["energy_pj_" + block] = pj;
  m["cosine_mean"] = fid.cosine_mean;
  m["cosine_min"] = fid.cosine_min;
  m["mass_recall"] = fid.mass_recall_mean;
  m["max_rel_err"] = fid.max_rel_err;
  m["lsb_refetches"] = c.lsb_refetches;
  m["sram_sink_hits"] = c.sram_sink_hits;
  m["dram_estimator"] = counters_by;
  m["energy_estimator"] = counters_by + " counters x energy table " + energy.name;
  m["outputs_sha256"] = sha256_hex(run.out.data(), run.out.size() * sizeof(run.out[0]));
  return m;
}

int run_point(const PointArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  sweep::Fidelity level;
  if (!sweep::parse_fidelity(a.fidelity, level)) throw InputError("command line", "--fidelity", "must be golden, systemc or rtl");
  const Config cfg = load_config(a.base, parse_sets(a.sets));
  const EnergyTable energy = load_energy_table(a.energy);
  const sweep::LoadedWorkload w = sweep::load_workload(a.workload);
  const Plan plan = make_plan(cfg, w.trace.shape, w.trace_dir);
#ifdef SINKATTN_CYCLE_MODELS
  if (level == sweep::Fidelity::kSystemc) sim::check_sim_fit(cfg, w.trace);
  if (level == sweep::Fidelity::kRtl && !rtl::built_for(cfg)) {
    // Other hardware than this program's Verilated top: hand the point to its runner (which
    // the sweep built before starting its points; built here only when run alone).
    try {
      rtl::exec_rtl_runner(rtl::ensure_rtl_runner(cfg.hw, rtl::BuildCheck::kIfMissing, true), command_line());
    } catch (const rtl::RtlBuildError& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 1;
    }
  }
  if (level == sweep::Fidelity::kRtl) rtl::check_hw(cfg);
#else
  if (level != sweep::Fidelity::kGolden)
    throw InputError("command line", "--fidelity", a.fidelity + ": this build has no cycle models (SINKATTN_CYCLE_MODELS=OFF)");
#endif
  const double load_seconds = seconds_since(t0);

  const auto t1 = std::chrono::steady_clock::now();
  GoldenOptions gopt;
  gopt.record_keep = true;  // mass recall needs the keep masks
  GoldenResult gold = run_golden(cfg, plan, w.trace, gopt);
  nlohmann::json m;
  if (level == sweep::Fidelity::kGolden) {
    m = metrics(cfg, gold, measure_fidelity(w.reference, w.trace, gold), energy, "golden");
    m["accuracy_estimator"] = "golden integer model against float full attention";
  } else {
#ifdef SINKATTN_CYCLE_MODELS
    host::RunOptions opt;  // seed 1, no back-pressure: the figures of sinkattn sim / rtl by default
    host::RunResult r = level == sweep::Fidelity::kSystemc ? sim::run_sim(cfg, plan, w.trace, opt)
                                                            : rtl::run_rtl(cfg, plan, w.trace, opt);
    const std::string diff = host::compare(gold, r.run, sweep::to_string(level));
    if (!diff.empty()) {
      std::cerr << "error: " << a.fidelity << " differs from golden: first mismatch at " << diff << "\n";
      return 1;
    }
    // Every figure from the cycle model's own outputs and counters (checked equal to golden's
    // above); only the keep masks that mass recall needs, which the hardware does not export,
    // and the dense reference traffic come from the golden run.
    r.run.keep = std::move(gold.keep);
    r.run.dense_dram_bytes = gold.dense_dram_bytes;
    m = metrics(cfg, r.run, measure_fidelity(w.reference, w.trace, r.run), energy, sweep::to_string(level));
    m["accuracy_estimator"] = std::string(sweep::to_string(level)) +
                              " outputs against float full attention (mass recall: golden keep masks)";
    m["cycles"] = r.cycles;
    m["total_cycles"] = r.total_cycles;
    m["cycles_estimator"] = sweep::to_string(level);
    if (level == sweep::Fidelity::kRtl) m["rtl_model"] = rtl::model_name();
#endif
  }
  if (w.loss_windows > 0) m.update(model_loss(w.trace_dir, w.checkpoint, w.trace.shape.prompt, a.base, parse_sets(a.sets),
                                             w.loss_windows));
  // What the row was computed from, so rows of one point at two fidelities (verify) can be
  // matched by content, not only by their axis values.
  m["config_sha256"] = sha256_hex(cfg.canonical.data(), cfg.canonical.size());
  m["workload_digest"] = w.digest;
  m["model_seconds"] = seconds_since(t1);
  m["load_seconds"] = load_seconds;
  std::cout << m.dump() << "\n";
  return 0;
}

struct ShardArgs {
  std::string shard, out;
  int jobs = 1;
};

}  // namespace

void add_sweep_worker_commands(CLI::App* sweep, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto a = std::make_shared<PointArgs>();
  CLI::App* p = sweep->add_subcommand("run-point", "Evaluate one point on a prepared workload (what each sweep worker runs)");
  p->add_option("--base", a->base, "Preset name or configuration file")->capture_default_str();
  p->add_option("--set", a->sets, "FIELD=VALUE applied on top of --base (repeatable)");
  p->add_option("--workload", a->workload, "Workload cache directory made by sinkattn sweep")->required();
  p->add_option("--fidelity", a->fidelity, "golden, systemc or rtl")->capture_default_str();
  p->add_option("--energy", a->energy, "Energy table")->capture_default_str();
  actions.emplace_back(p, [a] { return run_point(*a); });

  auto s = std::make_shared<ShardArgs>();
  CLI::App* sh = sweep->add_subcommand("run-shard", "Run one Slurm array task's points (written by sinkattn sweep --backend slurm)");
  sh->add_option("shard", s->shard, "Shard file")->required();
  sh->add_option("--out", s->out, "Result file (JSON lines, appended)")->required();
  sh->add_option("--jobs", s->jobs, "Points run at once")->capture_default_str();
  actions.emplace_back(sh, [s] {
    sweep::install_interrupt_handlers();
    return sweep::run_shard(s->shard, s->out, s->jobs) ? 0 : 130;
  });
}

}  // namespace sinkattn::cli
