// Loading and checking sweep files (yaml-cpp). Errors name file:line, the field and the reason,
// as the preset loader's do.
#include "sinkattn/sweep/spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "sinkattn/config.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/path_check.hpp"
#include "sinkattn/sweep/constraints.hpp"
#include "sinkattn/yaml_file.hpp"

namespace fs = std::filesystem;

namespace sinkattn::sweep {

const char* to_string(Fidelity f) {
  switch (f) {
    case Fidelity::kGolden: return "golden";
    case Fidelity::kSystemc: return "systemc";
    case Fidelity::kRtl: return "rtl";
  }
  return "?";
}

bool parse_fidelity(const std::string& s, Fidelity& out) {
  for (Fidelity f : {Fidelity::kGolden, Fidelity::kSystemc, Fidelity::kRtl})
    if (s == to_string(f)) return out = f, true;
  return false;
}

const std::vector<MetricInfo>& metric_catalog() {
  static const std::vector<MetricInfo> m = {
      {"cycles", true, "decode cycles with the controller busy (systemc or rtl)"},
      {"total_cycles", true, "every simulated cycle, loading included"},
      {"dram_bytes", false, "DRAM bytes read in decode"},
      {"dram_bytes_window", false, "DRAM bytes of the recent window"},
      {"dram_bytes_middle", false, "DRAM bytes of heavy hitters and retrieval heads' middle"},
      {"dram_bytes_lsb", false, "DRAM bytes of key LSB refetches"},
      {"dram_bytes_sink", false, "DRAM bytes of sinks (0: the sink SRAM holds them)"},
      {"energy_pj", false, "energy of decode, pJ (action counts x energy table)"},
      {"cosine_mean", false, "mean cosine of outputs against float full attention"},
      {"cosine_min", false, "worst row's cosine"},
      {"mass_recall", false, "mean share of full attention mass on kept tokens"},
      {"max_rel_err", false, "worst row's relative L2 error"},
      {"lsb_refetches", false, "rows recomputed with full keys"},
      {"loss_delta", false, "model workloads with loss_windows: next-byte loss change against dense float, nats/byte"},
      {"loss", false, "model workloads with loss_windows: next-byte loss with the policy in the loop, nats/byte"},
      {"perplexity_ratio", false, "model workloads with loss_windows: perplexity over dense float's"},
      {"area_um2", false, "area, where an area model is available"},
  };
  return m;
}

namespace {

std::string at(const std::string& file, const YAML::Node& n) { return file + ":" + std::to_string(n.Mark().line + 1); }

std::string flow_text(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

class SweepReader {
 public:
  explicit SweepReader(std::string file) : file_(std::move(file)) {}
  [[noreturn]] void fail(const YAML::Node& n, const std::string& field, const std::string& reason) const {
    throw InputError(at(file_, n), field, reason);
  }
  long long integer(const YAML::Node& n, const std::string& field, long long lo, long long hi) const {
    long long v = 0;
    if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) fail(n, field, "must be an integer, got '" + flow_text(n) + "'");
    if (v < lo || v > hi)
      fail(n, field, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  }
  double real(const YAML::Node& n, const std::string& field, double lo, double hi) const {
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) fail(n, field, "must be a number, got '" + flow_text(n) + "'");
    if (!(v >= lo && v <= hi)) fail(n, field, flow_text(n) + " is out of range");
    return v;
  }
  std::string string(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar()) fail(n, field, "must be a string");
    return n.Scalar();
  }
  // A mapping key as text; a list or mapping as key (YAML allows it) is an error, not a crash.
  std::string key(const YAML::Node& k, const std::string& field) const {
    if (!k.IsScalar()) fail(k, field, "a key must be a plain name, got '" + flow_text(k) + "'");
    return k.Scalar();
  }
  void keys(const YAML::Node& map, const std::string& field, const std::set<std::string>& allowed) const {
    if (!map.IsMap()) fail(map, field, "must be a mapping");
    for (const auto& kv : map) {
      const std::string k = key(kv.first, field);
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(kv.first, field.empty() ? k : field + "." + k, "unknown field; expected one of: " + list);
      }
    }
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// The offset of the first byte that is not part of well-formed UTF-8 (no overlongs, no
// surrogates, at most U+10FFFF), or npos. Sweep files are YAML, which is Unicode text, and their
// values end up in JSON (the store, the exports), which cannot hold anything else.
std::size_t first_invalid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) n = 2, lo = 0xA0;
    else if (c == 0xED) n = 2, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF) n = 2;
    else if (c == 0xF0) n = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) n = 3, hi = 0x8F;
    else return i;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return i;
    }
    i += static_cast<std::size_t>(n) + 1;
  }
  return std::string::npos;
}

bool is_pow2(long long v) { return v > 0 && (v & (v - 1)) == 0; }

// A preset name stays a name; anything that looks like a path is taken relative to the sweep file.
std::string resolve_config_ref(const std::string& ref, const std::string& sweep_file) {
  if (ref.find('/') == std::string::npos && ref.find(".yaml") == std::string::npos) return ref;
  return fs::absolute(fs::path(sweep_file).parent_path() / ref).lexically_normal().string();
}

Axis read_axis(const SweepReader& r, const std::string& path, const YAML::Node& n) {
  Axis a;
  a.path = path;
  a.where = at(r.file(), n);
  const std::string field = "axes." + path;
  if (path != "base" && !is_config_field(path))
    r.fail(n, field, "not a configuration field (docs/config.md lists them) and not 'base'");
  if (n.IsSequence()) {
    for (const auto& v : n) a.values.push_back(flow_text(v));
  } else if (n.IsMap()) {
    r.keys(n, field, {"range", "pow2"});
    if (n.size() != 1) r.fail(n, field, "give one of range or pow2");
    if (const YAML::Node range = n["range"]) {
      if (!range.IsSequence() || range.size() < 2 || range.size() > 3)
        r.fail(range, field + ".range", "must be [start, stop] or [start, stop, step] (stop included)");
      const long long lo = r.integer(range[0], field + ".range", -(1LL << 40), 1LL << 40);
      const long long hi = r.integer(range[1], field + ".range", -(1LL << 40), 1LL << 40);
      const long long step = range.size() == 3 ? r.integer(range[2], field + ".range", 1, 1LL << 40) : 1;
      if (hi < lo) r.fail(range, field + ".range", "stop " + std::to_string(hi) + " is below start " + std::to_string(lo));
      if ((hi - lo) / step >= 100000) r.fail(range, field + ".range", "more than 100000 values");
      for (long long v = lo; v <= hi; v += step) a.values.push_back(std::to_string(v));
    } else {
      const YAML::Node p2 = n["pow2"];
      if (!p2.IsSequence() || p2.size() != 2) r.fail(p2, field + ".pow2", "must be [low, high], both powers of two");
      const long long lo = r.integer(p2[0], field + ".pow2", 1, 1LL << 40), hi = r.integer(p2[1], field + ".pow2", 1, 1LL << 40);
      if (!is_pow2(lo) || !is_pow2(hi)) r.fail(p2, field + ".pow2", "low and high must be powers of two");
      if (hi < lo) r.fail(p2, field + ".pow2", "high is below low");
      for (long long v = lo; v <= hi; v *= 2) a.values.push_back(std::to_string(v));
    }
  } else {
    r.fail(n, field, "must be a list of values, {range: [start, stop, step]} or {pow2: [low, high]}");
  }
  if (a.values.empty()) r.fail(n, field, "has no values");
  std::set<std::string> seen;
  for (const auto& v : a.values)
    if (!seen.insert(v).second) r.fail(n, field, "value " + v + " is listed twice");
  if (path == "policy.head_policy.pattern_file") {
    // A head-pattern file is relative to this sweep file, as in a configuration file; made
    // absolute here, so that every point finds it from any working directory (a Slurm job's, a
    // worker's --set).
    for (auto& v : a.values) {
      const YAML::Node value = YAML::Load(v);
      if (!value.IsScalar()) r.fail(n, field, "values must be file paths (\"\" for none)");
      const std::string file = value.Scalar();
      if (!file.empty() && !fs::path(file).is_absolute())
        v = flow_text(YAML::Node(fs::absolute(fs::path(r.file()).parent_path() / file).lexically_normal().string()));
    }
  }
  if (path == "base") {
    for (auto& v : a.values) {
      v = resolve_config_ref(v, r.file());
      try {
        load_config(v);
      } catch (const InputError& e) {
        r.fail(n, field, "'" + v + "' does not load: " + e.what());
      }
    }
  }
  return a;
}

// The checkpoint a model trace's meta.json names (export_trace.py writes it), or "".
std::string model_checkpoint_of(const std::string& trace_dir) {
  std::ifstream f(trace_dir + "/meta.json");
  if (!f) return "";
  const nlohmann::json m = nlohmann::json::parse(f, nullptr, false);
  if (m.is_discarded() || !m.is_object()) return "";
  const nlohmann::json c = m.value("generator", nlohmann::json::object()).value("model", nlohmann::json::object()).value(
      "checkpoint", nlohmann::json());
  return c.is_string() ? c.get<std::string>() : "";
}

Workload read_workload(const SweepReader& r, const YAML::Node& n, std::size_t i) {
  const std::string field = "workloads[" + std::to_string(i) + "]";
  r.keys(n, field, {"name", "trace", "gen", "loss_windows"});
  Workload w;
  w.where = at(r.file(), n);
  if (!n["name"]) r.fail(n, field + ".name", "missing: every workload has a name (a column of the results)");
  w.name = r.string(n["name"], field + ".name");
  if (w.name.empty() || w.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
                            std::string::npos)
    r.fail(n["name"], field + ".name", "'" + w.name + "' must be letters, digits, '_', '-' or '.' (it names a directory)");
  if (!!n["trace"] == !!n["gen"]) r.fail(n, field, "give exactly one of trace (a directory) or gen (gen-trace parameters)");
  if (const YAML::Node t = n["trace"]) {
    w.trace_dir = fs::absolute(fs::path(r.file()).parent_path() / r.string(t, field + ".trace")).lexically_normal().string();
    // Never std::filesystem_error: a name over NAME_MAX or a component without permission is an
    // input error too (as path_check.hpp's checks).
    std::error_code ec;
    if (!fs::is_directory(w.trace_dir, ec))
      r.fail(t, field + ".trace", ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory
                                      ? "cannot access " + w.trace_dir + ": " + ec.message()
                                      : "no such trace directory: " + w.trace_dir);
    if (const YAML::Node lw = n["loss_windows"]) {
      w.loss_windows = static_cast<int>(r.integer(lw, field + ".loss_windows", 2, 10000));
      w.checkpoint = model_checkpoint_of(w.trace_dir);
      if (w.checkpoint.empty())
        r.fail(lw, field + ".loss_windows",
               w.trace_dir + "/meta.json names no generator.model.checkpoint: not a model workload (docs/workloads.md)");
    }
    return w;
  }
  const YAML::Node g = n["gen"];
  const std::string gf = field + ".gen";
  r.keys(g, gf, {"layers", "q_heads", "kv_heads", "head_dim", "tokens", "prompt", "sinks", "sink_mass",
                 "sink_value_scale", "heavy", "heavy_mass", "recency", "recency_span", "temperature", "seed"});
  w.generated = true;
  SynthParams& p = w.gen;
  const auto int_of = [&](const char* k, int& dst) {
    if (g[k]) dst = static_cast<int>(r.integer(g[k], gf + "." + k, -(1LL << 30), 1LL << 30));
  };
  const auto real_of = [&](const char* k, double& dst) {
    if (g[k]) dst = r.real(g[k], gf + "." + k, -1e9, 1e9);
  };
  int_of("layers", p.shape.layers), int_of("q_heads", p.shape.q_heads), int_of("kv_heads", p.shape.kv_heads);
  int_of("head_dim", p.shape.head_dim), int_of("tokens", p.shape.tokens), int_of("prompt", p.shape.prompt);
  int_of("sinks", p.sinks), int_of("heavy", p.heavy), int_of("recency_span", p.recency_span);
  real_of("sink_mass", p.sink_mass), real_of("sink_value_scale", p.sink_value_scale);
  real_of("heavy_mass", p.heavy_mass), real_of("recency", p.recency), real_of("temperature", p.temperature);
  if (g["seed"]) p.seed = static_cast<std::uint64_t>(r.integer(g["seed"], gf + ".seed", 0, 1LL << 62));
  try {
    validate(p);
  } catch (const InputError& e) {
    // gen-trace names its flags (--q-heads); the sweep file names keys (q_heads).
    std::string key = e.field();
    if (key.rfind("--", 0) == 0) key = key.substr(2);
    for (auto& c : key) c = c == '-' ? '_' : c;
    r.fail(g, gf + "." + key, e.reason());
  }
  return w;
}

}  // namespace

SweepSpec load_sweep(const std::string& path) {
  if (!is_regular_file(path, "")) throw InputError(path, "", "no such sweep file");
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) throw InputError(path, "", "cannot read the file");
  }
  if (const std::size_t bad = first_invalid_utf8(text); bad != std::string::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
    throw InputError(path + ":" + std::to_string(line), "", std::string("not UTF-8 text: byte ") + hex +
                                                             " does not start a valid UTF-8 character");
  }
  YAML::Node root = parse_yaml_text(text, path);
  if (!root.IsMap()) throw InputError(path, "", "the top level must be a mapping of fields");
  SweepSpec s;
  s.file = fs::absolute(path).lexically_normal().string();
  const SweepReader r(path);
  r.keys(root, "", {"name", "base", "axes", "workloads", "constraints", "objectives", "strategy", "fidelity", "verify",
                    "jobs", "timeout", "seed", "energy"});
  const auto need = [&](const char* k) {
    if (!root[k]) throw InputError(path, k, "missing (docs/sweep.md)");
    return root[k];
  };

  s.name = root["name"] ? r.string(root["name"], "name") : fs::path(path).stem().string();
  s.base = resolve_config_ref(r.string(need("base"), "base"), s.file);
  try {
    load_config(s.base);
  } catch (const InputError& e) {
    r.fail(root["base"], "base", std::string("does not load: ") + e.what());
  }

  const YAML::Node axes = need("axes");
  if (!axes.IsMap() || axes.size() == 0) r.fail(axes, "axes", "must be a non-empty mapping of field path to values");
  for (const auto& kv : axes) s.axes.push_back(read_axis(r, r.key(kv.first, "axes"), kv.second));

  const YAML::Node wl = need("workloads");
  if (!wl.IsSequence() || wl.size() == 0) r.fail(wl, "workloads", "must be a non-empty list");
  std::set<std::string> names;
  for (std::size_t i = 0; i < wl.size(); ++i) {
    s.workloads.push_back(read_workload(r, wl[i], i));
    if (!names.insert(s.workloads.back().name).second)
      r.fail(wl[i]["name"], "workloads[" + std::to_string(i) + "].name", "'" + s.workloads.back().name + "' is used twice");
  }

  if (const YAML::Node fid = root["fidelity"]) {
    if (!parse_fidelity(r.string(fid, "fidelity"), s.fidelity)) r.fail(fid, "fidelity", "must be golden, systemc or rtl");
  }

  const Config base_cfg = load_config(s.base);
  if (const YAML::Node cs = root["constraints"]) {
    if (!cs.IsSequence()) r.fail(cs, "constraints", "must be a list of expressions");
    for (std::size_t i = 0; i < cs.size(); ++i) {
      Constraint c{r.string(cs[i], "constraints[" + std::to_string(i) + "]"), at(path, cs[i])};
      try {
        evaluate(c.expr, numeric_fields(base_cfg));  // syntax and names, checked before anything runs
      } catch (const std::invalid_argument& e) {
        r.fail(cs[i], "constraints[" + std::to_string(i) + "]", "'" + c.expr + "': " + e.what());
      }
      s.constraints.push_back(c);
    }
  }

  const YAML::Node objs = need("objectives");
  if (!objs.IsSequence() || objs.size() == 0) r.fail(objs, "objectives", "must be a non-empty list of {metric, goal}");
  for (std::size_t i = 0; i < objs.size(); ++i) {
    const std::string f = "objectives[" + std::to_string(i) + "]";
    r.keys(objs[i], f, {"metric", "goal"});
    if (!objs[i]["metric"] || !objs[i]["goal"]) r.fail(objs[i], f, "needs metric and goal (min or max)");
    Objective o;
    o.metric = r.string(objs[i]["metric"], f + ".metric");
    const std::string goal = r.string(objs[i]["goal"], f + ".goal");
    if (goal != "min" && goal != "max") r.fail(objs[i]["goal"], f + ".goal", "must be min or max");
    o.maximize = goal == "max";
    const MetricInfo* info = nullptr;
    std::string known;
    for (const auto& m : metric_catalog()) {
      if (o.metric == m.name) info = &m;
      known += (known.empty() ? "" : ", ") + std::string(m.name);
    }
    if (!info) r.fail(objs[i]["metric"], f + ".metric", "'" + o.metric + "' is not a metric; one of: " + known);
    if (info->cycle_level && s.fidelity == Fidelity::kGolden)
      r.fail(objs[i]["metric"], f + ".metric", "'" + o.metric + "' needs fidelity systemc or rtl (golden has no cycles)");
    for (const auto& prev : s.objectives)
      if (prev.metric == o.metric) r.fail(objs[i]["metric"], f + ".metric", "'" + o.metric + "' is named twice");
    s.objectives.push_back(o);
  }

  if (const YAML::Node st = root["strategy"]) {
    r.keys(st, "strategy", {"kind", "count", "population", "generations"});
    if (!st["kind"]) r.fail(st, "strategy.kind", "missing: grid, random or nsga2");
    const std::string kind = r.string(st["kind"], "strategy.kind");
    const auto only = [&](std::set<std::string> allowed) {
      allowed.insert("kind");
      r.keys(st, "strategy", allowed);
    };
    if (kind == "grid") {
      only({});
    } else if (kind == "random") {
      only({"count"});
      s.strategy.kind = StrategyKind::kRandom;
      if (!st["count"]) r.fail(st, "strategy.count", "missing: how many points to draw");
      s.strategy.count = static_cast<int>(r.integer(st["count"], "strategy.count", 1, 10000000));
    } else if (kind == "nsga2") {
      only({"population", "generations"});
      s.strategy.kind = StrategyKind::kNsga2;
      if (!st["population"] || !st["generations"]) r.fail(st, "strategy", "nsga2 needs population and generations");
      s.strategy.population = static_cast<int>(r.integer(st["population"], "strategy.population", 8, 100000));
      if (s.strategy.population % 4)
        r.fail(st["population"], "strategy.population", "pagmo's NSGA-II needs a multiple of 4");
      s.strategy.generations = static_cast<int>(r.integer(st["generations"], "strategy.generations", 1, 100000));
      if (s.objectives.size() < 2) r.fail(st["kind"], "strategy.kind", "nsga2 needs at least two objectives");
    } else {
      r.fail(st["kind"], "strategy.kind", "'" + kind + "' is not one of: grid, random, nsga2");
    }
  }
  if (const YAML::Node v = root["verify"]) s.verify = static_cast<int>(r.integer(v, "verify", 0, 1000));
  if (s.verify > 0 && s.fidelity == Fidelity::kRtl) r.fail(root["verify"], "verify", "rtl is the highest fidelity; nothing to verify with");
  if (const YAML::Node v = root["jobs"]) s.jobs = static_cast<int>(r.integer(v, "jobs", 1, 4096));
  if (const YAML::Node v = root["timeout"]) s.timeout_seconds = r.real(v, "timeout", 0.01, 1e7);
  if (const YAML::Node v = root["seed"]) s.seed = static_cast<std::uint64_t>(r.integer(v, "seed", 0, 1LL << 62));
  if (const YAML::Node v = root["energy"]) s.energy = r.string(v, "energy");
  return s;
}

}  // namespace sinkattn::sweep
