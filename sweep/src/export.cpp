#include "sinkattn/sweep/export.hpp"

#include <fstream>
#include <map>
#include <set>

#include "sinkattn/error.hpp"
#include "sinkattn/sweep/pareto.hpp"

namespace sinkattn::sweep {

std::optional<std::vector<double>> objective_values(const SweepSpec& s, const Row& r) {
  if (r.status != "ok") return std::nullopt;
  std::vector<double> v;
  for (const auto& o : s.objectives) {
    const auto it = r.result.find(o.metric);
    if (it == r.result.end() || !it->is_number()) return std::nullopt;
    const double x = it->get<double>();
    v.push_back(o.maximize ? -x : x);
  }
  return v;
}

std::vector<bool> pareto_marks(const SweepSpec& s, const std::vector<Row>& rows) {
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> groups;
  std::vector<std::vector<double>> values(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (auto v = objective_values(s, rows[i])) {
      values[i] = *v;
      groups[{rows[i].workload, rows[i].fidelity}].push_back(i);
    }
  }
  std::vector<bool> marks(rows.size(), false);
  for (const auto& [group, members] : groups) {
    (void)group;
    std::vector<std::vector<double>> pts;
    for (std::size_t i : members) pts.push_back(values[i]);
    for (std::size_t f : pareto_front(pts)) marks[members[f]] = true;
  }
  return marks;
}

namespace {

// Metric columns in the order a reader wants them; anything else a result carries follows.
const std::vector<std::string>& preferred_metrics() {
  static const std::vector<std::string> m = {
      "preset", "cycles", "total_cycles", "dram_bytes", "dram_bytes_sink", "dram_bytes_window", "dram_bytes_middle",
      "dram_bytes_lsb", "dense_dram_bytes", "energy_pj", "cosine_mean", "cosine_min", "mass_recall", "max_rel_err",
      "loss", "loss_se", "loss_delta", "loss_delta_se", "perplexity", "perplexity_ratio", "float_loss", "loss_windows",
      "lsb_refetches", "sram_sink_hits", "area_um2", "cycles_estimator", "dram_estimator", "energy_estimator",
      "accuracy_estimator", "loss_estimator", "area_estimator", "model_seconds", "load_seconds", "outputs_sha256"};
  return m;
}

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n") != std::string::npos) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  return s;
}

}  // namespace

Tidy tidy(const SweepSpec& s, const std::vector<Row>& rows) {
  Tidy t;
  const std::vector<bool> front = pareto_marks(s, rows);
  std::set<std::string> present;
  for (const auto& r : rows)
    for (auto it = r.result.begin(); it != r.result.end(); ++it) present.insert(it.key());

  t.columns = {"key", "workload", "fidelity"};
  for (const auto& a : s.axes) t.columns.push_back(a.path);
  t.columns.insert(t.columns.end(), {"status", "exit_status", "error", "pareto"});
  std::set<std::string> placed(t.columns.begin(), t.columns.end());
  for (const auto& m : preferred_metrics())
    if (present.count(m) && placed.insert(m).second) t.columns.push_back(m);
  for (const auto& m : present)  // e.g. energy_pj_<block>
    if (placed.insert(m).second) t.columns.push_back(m);
  t.columns.push_back("wall_seconds");

  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    nlohmann::json j = nlohmann::json::object();
    j["key"] = r.key;
    j["workload"] = r.workload;
    j["fidelity"] = r.fidelity;
    for (const auto& a : s.axes)
      if (r.point.contains(a.path)) j[a.path] = r.point[a.path];
    j["status"] = r.status;
    j["exit_status"] = r.exit_status;
    j["error"] = r.error;
    j["pareto"] = front[i];
    for (auto it = r.result.begin(); it != r.result.end(); ++it) j[it.key()] = it.value();
    j["wall_seconds"] = r.wall_seconds;
    t.rows.push_back(j);
  }
  return t;
}

void write_exports(const Tidy& t, const std::string& dir) {
  const std::string csv = dir + "/results.csv", js = dir + "/results.json";
  std::ofstream c(csv);
  if (!c) throw InputError(csv, "--out", "cannot write");
  for (std::size_t i = 0; i < t.columns.size(); ++i) c << (i ? "," : "") << cell(t.columns[i]);
  c << "\n";
  for (const auto& r : t.rows) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const auto it = r.find(t.columns[i]);
      c << (i ? "," : "") << (it == r.end() ? std::string() : cell(*it));
    }
    c << "\n";
  }
  std::ofstream j(js);
  if (!j) throw InputError(js, "--out", "cannot write");
  j << nlohmann::json(t.rows).dump(1) << "\n";
}

}  // namespace sinkattn::sweep
