// sinkattn sweep: design-space exploration (docs/sweep.md). Plans the points of a sweep file,
// skips those already in the store, runs the rest as worker processes on a local pool or a
// Slurm job array, and writes the store's exports, plots and report.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <sstream>
#include <thread>

#include <boost/process.hpp>

#include "commands.hpp"
#ifdef SINKATTN_CYCLE_MODELS
#include "rtl_build.hpp"
#include "rtl_run.hpp"
#endif
#include "sinkattn/error.hpp"
#include "sinkattn/sweep/export.hpp"
#include "sinkattn/sweep/point_config.hpp"
#include "sinkattn/sweep/runner.hpp"
#include "sinkattn/sweep/search.hpp"
#include "sinkattn/sweep/slurm.hpp"
#include "sinkattn/sweep/space.hpp"
#include "sinkattn/sweep/spec.hpp"
#include "sinkattn/sweep/store.hpp"
#include "sinkattn/sweep/workload.hpp"

#ifndef SINKATTN_PYTHON
#error "SINKATTN_PYTHON must be defined by the build"
#endif
#ifndef SINKATTN_SOURCE_DIR
#error "SINKATTN_SOURCE_DIR must be defined by the build"
#endif

namespace fs = std::filesystem;

namespace sinkattn::cli {

void add_sweep_worker_commands(CLI::App* sweep, std::vector<std::pair<CLI::App*, Action>>& actions);

namespace {

using namespace sinkattn::sweep;

struct SweepArgs {
  std::string file, out, backend = "local", worker;
  bool resume = false, wait = false, no_plots = false;
  int jobs = 0, shard_size = 0, concurrency = 0, task_jobs = 1;
  double timeout = 0;
  std::vector<std::string> sbatch;
};

// done, failed, running and an ETA on one line of a terminal; nothing when stderr is piped.
class PoolProgress {
 public:
  PoolProgress() : enabled_(isatty(STDERR_FILENO)) {}
  ~PoolProgress() { finish(); }
  void update(const PoolStatus& s, long long skipped) {
    if (!enabled_) return;
    const double eta = s.done > 0 ? s.elapsed_seconds * (s.total - s.done) / s.done : 0;
    std::fprintf(stderr, "\r\033[Ksweep: %lld/%lld done, %lld failed, %lld running, %lld already stored, %.0fs elapsed, ETA %.0fs",
                 s.done, s.total, s.failed, s.running, skipped, s.elapsed_seconds, eta);
    std::fflush(stderr);
    drawn_ = true;
  }
  void finish() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  bool enabled_, drawn_ = false;
};

// sinkattn-worker beside this binary (it starts faster: no search library), else this binary;
// both take the same "sweep run-point ..." arguments.
std::string default_worker() {
  const fs::path self = self_executable();
  const fs::path worker = self.parent_path() / "sinkattn-worker";
  return fs::exists(worker) ? worker.string() : self.string();
}

struct Planned {
  std::vector<ShardTask> tasks;
  long long stored = 0, invalid = 0, filtered = 0;
  std::map<std::string, HwConfig> rtl_hw;  // task key -> hardware, for rtl points this binary's top lacks
};

class Sweeper {
 public:
  Sweeper(const SweepArgs& a, SweepSpec spec) : a_(a), spec_(std::move(spec)) {
    dir_ = a.out.empty() ? "sweeps/" + spec_.name : a.out;
    if (a.resume && !fs::exists(fs::path(dir_) / "store.db"))
      throw InputError(dir_, "--resume", "no sweep store here to resume (store.db)");
    ensure_dir(dir_, "--out");
    dir_ = fs::absolute(dir_).string();
    store_ = std::make_unique<Store>(dir_ + "/store.db");
    jobs_ = a.jobs > 0 ? a.jobs : spec_.jobs;
    timeout_ = a.timeout > 0 ? a.timeout : spec_.timeout_seconds;
    write_meta();
  }

  int run() {
    for (const auto& w : spec_.workloads) {
      if (!quiet()) std::cerr << "workload " << w.name << ": preparing trace, quantization and float reference\n";
      workloads_.push_back(prepare_workload(w, dir_ + "/workloads"));
    }
    bool finished = true;
    if (spec_.strategy.kind == StrategyKind::kNsga2) {
      if (a_.backend == "slurm") throw InputError(spec_.file, "strategy.kind", "nsga2 runs on the local backend only (each generation depends on the last)");
      finished = nsga2_search(spec_, [this](const std::vector<Point>& batch) { return evaluate(batch); });
    } else {
      const std::vector<Point> points = spec_.strategy.kind == StrategyKind::kGrid ? grid_points(spec_)
                                                                                   : random_points(spec_, spec_.strategy.count);
      Planned p = plan(points, spec_.fidelity);
      finished = execute(p);
    }
    if (finished && spec_.verify > 0 && a_.backend == "local") finished = verify();
    if (spec_.verify > 0 && a_.backend == "slurm")
      std::cerr << "verify: not on the slurm backend (it needs the collected front); run the same sweep locally afterwards\n";
    if (!finished) {
      std::cerr << "interrupted: " << store_->keys().size() << " rows kept in " << dir_
                << "/store.db; run the same command again (or with --resume) to continue\n";
      return 130;
    }
    if (a_.backend == "slurm" && !a_.wait) {
      std::cerr << "submitted; when the arrays finish: sinkattn sweep collect " << dir_ << "\n";
      return 0;
    }
    return outputs(spec_, dir_, *store_, a_.no_plots);
  }

  static int outputs(const SweepSpec& spec, const std::string& dir, Store& store, bool no_plots) {
    const std::vector<Row> rows = store.rows();
    write_exports(tidy(spec, rows), dir);
    long long ok = 0, bad = 0;
    for (const auto& r : rows) (r.status == "ok" ? ok : bad)++;
    std::cout << "sweep " << spec.name << ": " << rows.size() << " rows (" << ok << " ok, " << bad
              << " failed or invalid) in " << dir << "/store.db\n  " << dir << "/results.csv, results.json";
    if (!no_plots) {
      const std::string script = std::string(SINKATTN_SOURCE_DIR) + "/scripts/plot_sweep.py";
      int status = 127;
      try {
        status = boost::process::system(SINKATTN_PYTHON, script, dir, boost::process::std_in < boost::process::null);
      } catch (const std::exception& e) {
        std::cerr << "\nwarning: cannot run " << SINKATTN_PYTHON << ": " << e.what();
      }
      if (status == 0) std::cout << ", report.md, plots/";
      else std::cerr << "\nwarning: " << script << " failed (status " << status << "); plots and report.md not written\n";
    }
    std::cout << "\n";
    return 0;
  }

 private:
  bool quiet() const { return !isatty(STDERR_FILENO); }

  void write_meta() {
    nlohmann::json j;
    j["sweep_file"] = spec_.file;
    j["name"] = spec_.name;
    j["fidelity"] = to_string(spec_.fidelity);
    j["objectives"] = nlohmann::json::array();
    for (const auto& o : spec_.objectives) j["objectives"].push_back({{"metric", o.metric}, {"goal", o.maximize ? "max" : "min"}});
    j["axes"] = nlohmann::json::array();
    for (const auto& ax : spec_.axes) j["axes"].push_back(ax.path);
    j["tool_version"] = tool_version();
    std::ofstream(dir_ + "/sweep.json") << j.dump(2) << "\n";
  }

  // Every (point, workload) at `f` (only workload `only` if given): already stored, refused by
  // the loader (stored now as invalid), filtered by a constraint, or to run.
  Planned plan(const std::vector<Point>& points, sweep::Fidelity f, const std::string& only = "") {
    Planned out;
    const std::set<std::string> have = store_->keys();
    std::set<std::string> queued;
    for (const Point& p : points) {
      const Resolved r = resolve(spec_, p);
      if (r.valid && !r.feasible) {
        out.filtered += only.empty() ? static_cast<long long>(workloads_.size()) : 1;
        continue;
      }
      for (const auto& w : workloads_) {
        if (!only.empty() && w.name != only) continue;
        Row meta;
        meta.key = row_key(r, w.digest, f, spec_.energy);
        meta.workload = w.name;
        meta.fidelity = to_string(f);
        meta.point_index = point_index(spec_, p);
        meta.point = point_json(spec_, p);
        if (have.count(meta.key)) {
          ++out.stored;
          continue;
        }
        if (!r.valid) {
          meta.status = "invalid";
          meta.exit_status = 2;
          meta.error = r.error;
          meta.result = nlohmann::json::object();
          store_->insert(meta);
          ++out.invalid;
          continue;
        }
        if (!queued.insert(meta.key).second) continue;  // two points that resolve to one configuration
        out.tasks.push_back({meta, run_point_args(r, w.cache_dir, f, spec_.energy)});
#ifdef SINKATTN_CYCLE_MODELS
        if (f == sweep::Fidelity::kRtl && !rtl::built_for(r.cfg)) out.rtl_hw[meta.key] = r.cfg.hw;
#endif
      }
    }
    return out;
  }

  bool execute(Planned& p) {
    // One line per batch, also when piped (logs of batch jobs say what a run did).
    std::cerr << "sweep " << spec_.name << ": " << p.tasks.size() << " to run, " << p.stored << " already stored, "
                << p.invalid << " refused by the configuration loader, " << p.filtered << " filtered by constraints\n";
    if (!build_rtl_runners(p)) return false;
    if (a_.backend == "slurm") return submit(p);
    std::map<std::string, Row> metas;
    std::vector<Task> tasks;
    for (const auto& t : p.tasks) {
      metas[t.meta.key] = t.meta;
      tasks.push_back({t.meta.key, t.args});
    }
    PoolOptions opt;
    opt.program = a_.worker.empty() ? default_worker() : a_.worker;
    opt.jobs = jobs_;
    opt.timeout_seconds = timeout_;
    opt.scratch_dir = dir_ + "/scratch";
    opt.threads_per_job = std::max(1u, std::thread::hardware_concurrency() / static_cast<unsigned>(jobs_));
    PoolProgress bar;
    const long long stored = p.stored;
    opt.progress = [&bar, stored](const PoolStatus& s) { bar.update(s, stored); };
    const bool finished = run_pool(tasks, opt, [&](const Outcome& o) { store_->insert(row_from_outcome(metas.at(o.id), o)); });
    bar.finish();
    return finished;
  }

  // The RTL runner of every hardware the rtl points need, built (or brought up to date) once,
  // before any point starts, so that no point's timeout includes a Verilator build and the
  // workers find their runner ready. Points whose runner fails to build are stored as failed
  // with the build log's tail, and not run. Returns false if interrupted (Ctrl-C also stops the
  // build, which is then not a failure: nothing is stored).
  bool build_rtl_runners(Planned& p) {
#ifdef SINKATTN_CYCLE_MODELS
    std::map<std::string, std::pair<HwConfig, std::string>> by_digest;  // digest -> (hw, error)
    for (const auto& [key, hw] : p.rtl_hw) by_digest.emplace(rtl::rtl_hw_digest(hw), std::make_pair(hw, std::string()));
    for (auto& [digest, hw_err] : by_digest) {
      try {
        const rtl::RtlBuild b = rtl::ensure_rtl_runner(hw_err.first, rtl::BuildCheck::kUpToDate);
        std::cerr << "rtl: hw " << digest.substr(0, 12) << ": runner " << b.runner
                  << (b.variant.empty() ? "" : " (the main build's Verilated top of " + b.variant + ")") << "\n";
      } catch (const rtl::RtlBuildError& e) {
        if (interrupted()) return false;
        hw_err.second = e.what();
        std::cerr << "error: " << e.what() << "\n";
      }
      if (interrupted()) return false;
    }
    std::vector<ShardTask> kept;
    for (auto& t : p.tasks) {
      const auto hw = p.rtl_hw.find(t.meta.key);
      const std::string& err = hw == p.rtl_hw.end() ? std::string() : by_digest.at(rtl::rtl_hw_digest(hw->second)).second;
      if (err.empty()) {
        kept.push_back(std::move(t));
        continue;
      }
      Row row = t.meta;
      row.status = "failed";
      row.exit_status = 1;
      row.error = err;
      row.result = nlohmann::json::object();
      store_->insert(row);
    }
    p.tasks = std::move(kept);
#else
    (void)p;
#endif
    return true;
  }

  bool submit(Planned& p) {
    SlurmOptions opt;
    opt.program = default_worker();
    opt.worker = a_.worker;
    opt.shard_size = a_.shard_size;
    opt.concurrency = a_.concurrency;
    opt.jobs_per_task = a_.task_jobs;
    opt.timeout_seconds = timeout_;
    opt.sbatch_args = a_.sbatch;
    const Submission sub = submit_slurm(p.tasks, dir_, opt);
    if (sub.shards == 0) return true;
    std::cerr << "slurm: " << p.tasks.size() << " points in " << sub.shards << " array tasks, job";
    for (const auto& id : sub.job_ids) std::cerr << " " << id;
    std::cerr << "\n";
    if (!a_.wait) return true;
    if (!wait_slurm(sub.job_ids, nullptr)) return false;
    const CollectReport rep = collect_slurm(dir_, *store_);
    std::cerr << "collected " << rep.inserted << " new rows (" << rep.already << " already stored)\n";
    for (const auto& s : rep.incomplete) std::cerr << "  incomplete: " << s << "\n";
    return true;
  }

  // NSGA-II's batches: every point on every workload; a point's objectives are their means
  // over the workloads (each workload still gets its own front in the export).
  std::vector<std::optional<std::vector<double>>> evaluate(const std::vector<Point>& batch) {
    Planned p = plan(batch, spec_.fidelity);
    std::vector<std::optional<std::vector<double>>> out(batch.size());
    if (!execute(p)) return out;
    std::map<std::string, Row> by_key;
    for (auto& r : store_->rows()) by_key[r.key] = r;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Resolved r = resolve(spec_, batch[i]);
      if (!r.valid || !r.feasible) continue;
      std::vector<double> sum(spec_.objectives.size(), 0.0);
      bool all = true;
      for (const auto& w : workloads_) {
        const auto it = by_key.find(row_key(r, w.digest, spec_.fidelity, spec_.energy));
        const auto v = it == by_key.end() ? std::nullopt : objective_values(spec_, it->second);
        if (!v) {
          all = false;
          break;
        }
        for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += (*v)[k] / static_cast<double>(workloads_.size());
      }
      // A point that failed on some workload is feasible but as bad as can be.
      out[i] = all ? sum : std::vector<double>(sum.size(), std::numeric_limits<double>::max());
    }
    return out;
  }

  // verify: N: the N best front points of each workload once more, one fidelity higher; both
  // rows are kept. "Best" is the first objective in its goal's direction, ties broken by the
  // lower point index (docs/sweep.md). A front smaller than N is verified whole, and said so.
  bool verify() {
    const sweep::Fidelity higher = spec_.fidelity == sweep::Fidelity::kGolden ? sweep::Fidelity::kSystemc : sweep::Fidelity::kRtl;
    const std::vector<Row> rows = store_->rows();
    const std::vector<bool> front = pareto_marks(spec_, rows);
    Planned all;
    for (const auto& w : workloads_) {
      std::vector<Point> chosen;
      std::vector<std::pair<double, long long>> best;  // (first objective, minimized; point index)
      for (std::size_t i = 0; i < rows.size(); ++i)
        if (front[i] && rows[i].workload == w.name && rows[i].fidelity == to_string(spec_.fidelity))
          best.emplace_back((*objective_values(spec_, rows[i]))[0], rows[i].point_index);
      std::sort(best.begin(), best.end());
      if (static_cast<long long>(best.size()) < spec_.verify)
        std::cerr << "verify: workload " << w.name << ": the front has " << best.size() << " point"
                  << (best.size() == 1 ? "" : "s") << ", fewer than verify: " << spec_.verify << "; verifying all of them\n";
      for (std::size_t k = 0; k < best.size() && static_cast<int>(k) < spec_.verify; ++k) {
        const Point p = point_at(spec_, best[k].second);
        if (std::find(chosen.begin(), chosen.end(), p) == chosen.end()) chosen.push_back(p);
      }
      std::cerr << "verify: workload " << w.name << ": " << chosen.size() << " front point" << (chosen.size() == 1 ? "" : "s")
                << " at " << to_string(higher) << "\n";
      Planned p = plan(chosen, higher, w.name);
      all.tasks.insert(all.tasks.end(), p.tasks.begin(), p.tasks.end());
      all.stored += p.stored;
      all.invalid += p.invalid;
      all.filtered += p.filtered;
      all.rtl_hw.insert(p.rtl_hw.begin(), p.rtl_hw.end());
    }
    return execute(all);
  }

  const SweepArgs& a_;
  SweepSpec spec_;
  std::string dir_;
  std::unique_ptr<Store> store_;
  std::vector<PreparedWorkload> workloads_;
  int jobs_ = 1;
  double timeout_ = 600;
};

int run_sweep_cmd(const SweepArgs& a) {
  if (a.file.empty()) throw InputError("command line", "sweep", "give a sweep file (or a subcommand; see --help)");
  if (a.backend != "local" && a.backend != "slurm") throw InputError("command line", "--backend", "must be local or slurm");
  SweepSpec spec = load_sweep(a.file);
  install_interrupt_handlers();
  Sweeper s(a, std::move(spec));
  return s.run();
}

// The sweep a directory holds (sweep.json names its file).
SweepSpec spec_of(const std::string& dir) {
  const fs::path meta = fs::path(dir) / "sweep.json";
  std::ifstream f(meta);
  if (!f) throw InputError(dir, "sweep directory", "no sweep.json: not a directory made by sinkattn sweep");
  return load_sweep(nlohmann::json::parse(f).at("sweep_file").get<std::string>());
}

int collect_cmd(const std::string& dir, bool no_plots) {
  const SweepSpec spec = spec_of(dir);
  Store store(dir + "/store.db");
  const CollectReport rep = collect_slurm(dir, store);
  std::cout << "collected " << rep.inserted << " new rows, " << rep.already << " already stored, of " << rep.expected
            << " submitted points\n";
  for (const auto& s : rep.incomplete) std::cout << "  incomplete: " << s << "\n";
  Sweeper::outputs(spec, dir, store, no_plots);
  return rep.incomplete.empty() ? 0 : 1;
}

int show_point_cmd(const std::string& dir, const std::string& key) {
  const SweepSpec spec = spec_of(dir);
  Store store(dir + "/store.db");
  const auto row = store.find(key);
  if (!row) throw InputError(dir + "/store.db", "key", "no row with key " + key);
  // The point from the row's own axis values, so that a sweep file edited since still finds it.
  Point p;
  for (const auto& axis : spec.axes) {
    const std::string v = row->point.value(axis.path, std::string());
    const auto it = std::find(axis.values.begin(), axis.values.end(), v);
    if (it == axis.values.end())
      throw InputError(spec.file, "axes." + axis.path, "has no value '" + v + "' any more; the row was made by an earlier version of the sweep file");
    p.push_back(static_cast<int>(it - axis.values.begin()));
  }
  const Resolved r = resolve(spec, p);
  const std::string short_key = row->key.substr(0, 12);
  std::cout << "point " << row->key << "\n  workload " << row->workload << ", fidelity " << row->fidelity << ", status "
            << row->status << "\n";
  for (auto it = row->point.begin(); it != row->point.end(); ++it) std::cout << "  " << it.key() << " = " << it.value().get<std::string>() << "\n";
  if (!row->error.empty()) std::cout << "  error: " << row->error << "\n";
  if (!r.valid) return 0;
  const std::string cache = dir + "/workloads/" + row->workload;
  const LoadedWorkload w = load_workload(cache);
  fs::create_directories(dir + "/points");
  const std::string cfg_file = dir + "/points/" + short_key + ".yaml";
  write_point_config(r, "sweep-point-" + short_key, cfg_file);
  sweep::Fidelity f;
  parse_fidelity(row->fidelity, f);
  std::cout << "re-run this row exactly:\n  sinkattn";
  for (const auto& arg : run_point_args(r, cache, f, spec.energy)) std::cout << " " << arg;
  const char* cmd = f == sweep::Fidelity::kGolden ? "golden" : f == sweep::Fidelity::kSystemc ? "sim" : "rtl";
  std::cout << "\nrun it alone (" << cfg_file << " holds the configuration):\n  sinkattn " << cmd << " --config " << cfg_file
            << " --trace " << w.trace_dir << " --energy " << spec.energy << "\n";
  return 0;
}

}  // namespace

Action add_sweep(CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  auto nested = std::make_shared<std::vector<std::pair<CLI::App*, Action>>>();
  CLI::App* sub = app.add_subcommand("sweep", "Design-space exploration over a sweep file (docs/sweep.md)");
  sub->require_subcommand(0, 1);
  sub->add_option("file", a->file, "Sweep file (YAML)");
  sub->add_option("--out", a->out, "Sweep directory: store, exports, plots, report (default sweeps/NAME)");
  sub->add_flag("--resume", a->resume, "Continue the sweep in --out (running the same command again does too)");
  sub->add_option("--jobs", a->jobs, "Points run at once (default: the file's jobs)");
  sub->add_option("--timeout", a->timeout, "Seconds per point (default: the file's timeout)");
  sub->add_option("--backend", a->backend, "local or slurm")->capture_default_str();
  sub->add_option("--worker", a->worker, "Program run for each point instead of this binary (a wrapper, e.g. for srun)");
  sub->add_flag("--no-plots", a->no_plots, "Skip plots and report.md");
  sub->add_option("--shard-size", a->shard_size, "slurm: points per array task (default by fidelity: 64, 16, 1)");
  sub->add_option("--array-limit", a->concurrency, "slurm: at most N array tasks at once (%N)");
  sub->add_option("--task-jobs", a->task_jobs, "slurm: points run at once inside a task")->capture_default_str();
  sub->add_option("--sbatch", a->sbatch, "slurm: an sbatch option, e.g. --sbatch=--partition=P (repeatable)")->allow_extra_args(false);
  sub->add_flag("--wait", a->wait, "slurm: wait for the arrays (polling squeue), then collect");

  auto collect = std::make_shared<std::pair<std::string, bool>>();
  CLI::App* c = sub->add_subcommand("collect", "Merge a Slurm sweep's result files into its store (idempotent)");
  c->add_option("dir", collect->first, "Sweep directory")->required();
  c->add_flag("--no-plots", collect->second, "Skip plots and report.md");
  nested->emplace_back(c, [collect] { return collect_cmd(collect->first, collect->second); });

  auto show = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* sp = sub->add_subcommand("show-point", "Print one row and the commands that re-run its point alone");
  sp->add_option("dir", show->first, "Sweep directory")->required();
  sp->add_option("key", show->second, "Row key (a unique prefix is enough)")->required();
  nested->emplace_back(sp, [show] { return show_point_cmd(show->first, show->second); });

  auto exp = std::make_shared<std::pair<std::string, bool>>();
  CLI::App* ex = sub->add_subcommand("export", "Write results.csv, results.json, plots and report.md from the store");
  ex->add_option("dir", exp->first, "Sweep directory")->required();
  ex->add_flag("--no-plots", exp->second, "Skip plots and report.md");
  nested->emplace_back(ex, [exp] {
    Store store(exp->first + "/store.db");
    return Sweeper::outputs(spec_of(exp->first), exp->first, store, exp->second);
  });

  add_sweep_worker_commands(sub, *nested);
  return [a, nested] {
    for (auto& [app_, action] : *nested)
      if (app_->parsed()) return action();
    return run_sweep_cmd(*a);
  };
}

}  // namespace sinkattn::cli
