#include "sinkattn/report.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/host_contract_gen.hpp"

namespace sinkattn {

nlohmann::json report_header(const std::string& mode, const Config& cfg, const std::string& trace_dir, const Shape& s) {
  nlohmann::json j;
  j["mode"] = mode;
  j["preset"] = cfg.name;
  j["config_file"] = cfg.source;
  j["trace"] = {{"dir", trace_dir}};
  j["shape"] = {{"layers", s.layers}, {"q_heads", s.q_heads}, {"kv_heads", s.kv_heads},
                {"head_dim", s.head_dim}, {"tokens", s.tokens}, {"prompt", s.prompt}, {"steps", s.steps()}};
  return j;
}

void add_trace_meta(nlohmann::json& j, const FloatTrace& trace) {
  nlohmann::json& t = j["trace"];
  if (!trace.description.empty()) t["description"] = trace.description;
  // Other tools' meta.json keys, as they came: listed so that a result says what it ran on.
  t["unknown_meta"] = unknown_meta(trace.meta);
}

void add_counters(nlohmann::json& j, const Counters& c, std::uint64_t dense_dram_bytes) {
  j["dram_bytes"] = c.dram_bytes();
  j["dense_dram_bytes"] = dense_dram_bytes;
  j["dram_bytes_by_region"] = {{"sink", 0}, {"window", c.dram_window}, {"middle", c.dram_middle}, {"lsb", c.dram_lsb}};
  // Every counter the golden model keeps, under its name in the counter table.
  for (const host::CounterInfo& k : host::kCounters)
    if (k.golden_get) j[k.name] = k.golden_get(c);
}

void add_fidelity(nlohmann::json& j, const Fidelity& f) {
  j["fidelity"] = {{"cosine_mean", f.cosine_mean}, {"cosine_min", f.cosine_min},
                   {"max_rel_err", f.max_rel_err}, {"mass_recall_mean", f.mass_recall_mean}};
}

nlohmann::json golden_report(const Config& cfg, const Plan& plan, const std::string& trace_dir,
                             const GoldenResult& run, const Fidelity& fid, double wall_seconds,
                             const EnergyTable& energy, const AreaModel& area) {
  const Shape& s = run.shape;
  nlohmann::json j = report_header("golden", cfg, trace_dir, s);
  j["outputs_sha256"] = sha256_hex(run.out.data(), run.out.size() * sizeof(run.out[0]));
  add_counters(j, run.counters, run.dense_dram_bytes);
  add_energy(j, run.counters, s, energy);
  add_area(j, cfg, area);
  nlohmann::json kept = nlohmann::json::array();
  const double jobs = static_cast<double>(s.steps()) * s.kv_heads;
  for (int l = 0; l < s.layers; ++l) kept.push_back(jobs > 0 ? run.token_reads_per_layer[l] / jobs : 0.0);
  j["kept_tokens_per_layer"] = kept;
  j["budget_per_layer"] = plan.budget;
  j["heads_kept_per_layer"] = plan.heads_keep;
  add_prefill(j, cfg, run, energy);
  add_fidelity(j, fid);
  j["wall_seconds"] = wall_seconds;
  return j;
}

void add_prefill(nlohmann::json& j, const Config& cfg, const GoldenResult& gold, const EnergyTable& energy,
                 const PrefillCycles* cycles) {
  const Shape& s = gold.shape;
  const PrefillCost host = prefill_cost(s);
  nlohmann::json p;
  p["tokens"] = host.tokens;
  p["importance"] = gold.prefill_importance;
  p["importance_source"] = gold.prefill_importance ? "host dense prefill, integer numerics (golden row kernel)"
                           : !cfg.policy.prefill_importance ? "off (policy.prefill_importance false)"
                           : s.prompt == 0 ? "none (no prompt)"
                                           : "none (the trace holds the decode steps' queries only)";
  p["host"] = {{"model", "host dense prefill: causal q.k and p.v over the prompt, integer numerics"},
               {"macs", host.macs}, {"dram_bytes", host.dram_bytes}};
  const Counters& c = gold.prefill;
  const EnergyReport e = energy_of(c, s, energy);
  nlohmann::json eng = {{"importance_loads", c.importance_loads}, {"evictions", c.evictions},
                        {"topk_passes", c.topk.passes}, {"topk_elements", c.topk.elements},
                        {"dram_bytes", c.dram_bytes()}, {"energy_pj", e.total_pj}, {"energy_table", energy.name},
                        {"counts_model", "golden (prefill pass)"}};
  if (cycles) {
    eng["cycles_model"] = cycles->model;
    eng["cycles"] = cycles->total;
    eng["eviction_pass_cycles"] = cycles->eviction_pass;
    eng["importance_loads_counted"] = cycles->loads;
  }
  p["engine"] = eng;
  p["totals_with_host"] = {{"macs", gold.counters.macs + host.macs},
                           {"dram_bytes", gold.counters.dram_bytes() + host.dram_bytes}};
  j["prefill"] = p;
}

void add_energy(nlohmann::json& j, const Counters& c, const Shape& shape, const EnergyTable& energy) {
  const EnergyReport e = energy_of(c, shape, energy);
  j["energy_pj"] = e.total_pj;
  j["energy_pj_by_block"] = e.blocks;
  j["energy_table"] = energy.name;
}

void add_area(nlohmann::json& j, const Config& cfg, const AreaModel& area) {
  const AreaReport a = area_of(cfg, area);
  j["area_um2"] = a.total_um2;
  j["area_um2_by_block"] = a.blocks_um2;
  j["area_memory_bits"] = a.memory_bits;
  j["area_model"] = provenance(area).name;
}

nlohmann::json area_report(const Config& cfg, const AreaModel& area) {
  const AreaReport a = area_of(cfg, area);
  const AreaProvenance p = provenance(area);
  nlohmann::json j;
  j["mode"] = "area";
  j["preset"] = cfg.name;
  j["config_file"] = cfg.source;
  j["area_um2"] = a.total_um2;
  j["area_mm2"] = a.total_um2 * 1e-6;
  j["area_logic_um2"] = a.logic_um2_total;
  j["area_memory_um2"] = a.memory_um2_total;
  j["area_memory_bits"] = a.memory_bits;
  j["area_um2_by_block"] = a.blocks_um2;
  j["logic_um2_by_term"] = a.logic_terms;
  nlohmann::json mems = nlohmann::json::array();
  for (const MemoryArea& m : a.memories)
    mems.push_back({{"name", m.geometry.name}, {"block", m.geometry.block}, {"words", m.geometry.words},
                    {"width", m.geometry.width}, {"read_ports", m.geometry.read_ports},
                    {"write_ports", m.geometry.write_ports}, {"banks", m.geometry.banks}, {"bits", m.geometry.bits()},
                    {"kind", m.kind}, {"copies", m.copies}, {"macro_words", m.macro_words},
                    {"macro_width", m.macro_width}, {"macros", m.macros}, {"um2", m.um2}});
  j["memories"] = mems;
  j["area_model"] = p.name;
  j["provenance"] = {{"table", p.file}, {"fit", p.fit_file}, {"description", p.description}, {"node_nm", p.node_nm},
                     {"calibration_date", p.calibration_date}, {"calibration_commit", p.calibration_commit},
                     {"yosys", p.yosys}};
  return j;
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream f(path);
  if (!f) throw InputError(path, "--json", "cannot open for writing");
  f << j.dump(2) << "\n";
  if (!f) throw InputError(path, "--json", "write failed");
}

namespace {

std::string csv_quote(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string q = "\"";  // RFC 4180 quoting
  for (char ch : cell) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

void flatten(const nlohmann::json& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  std::string cell;
  if (j.is_array()) {
    for (const auto& x : j) cell += (cell.empty() ? "" : " ") + (x.is_string() ? x.get<std::string>() : x.dump());
  } else {
    cell = j.is_string() ? j.get<std::string>() : j.dump();
  }
  // Header cells are quoted too: a trace's unknown meta.json keys (trace.unknown_meta.KEY) are
  // whatever another tool wrote.
  out.emplace_back(csv_quote(prefix), csv_quote(cell));
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", b, units[u]);
  return buf;
}

}  // namespace

void write_csv(const std::string& path, const nlohmann::json& j) {
  std::vector<std::pair<std::string, std::string>> cells;
  flatten(j, "", cells);
  std::ofstream f(path);
  if (!f) throw InputError(path, "--csv", "cannot open for writing");
  for (std::size_t i = 0; i < cells.size(); ++i) f << (i ? "," : "") << cells[i].first;
  f << "\n";
  for (std::size_t i = 0; i < cells.size(); ++i) f << (i ? "," : "") << cells[i].second;
  f << "\n";
}

std::string summary_table(const nlohmann::json& j) {
  std::ostringstream o;
  char line[256];
  const auto& s = j["shape"];
  o << "sinkattn " << j["mode"].get<std::string>() << ": preset " << j["preset"].get<std::string>() << ", trace "
    << j["trace"]["dir"].get<std::string>() << "\n";
  if (j["trace"].contains("unknown_meta") && !j["trace"]["unknown_meta"].empty()) {
    o << "  trace meta.json keys kept, not used:";
    for (const auto& kv : j["trace"]["unknown_meta"].items()) o << " " << kv.key();
    o << "\n";
  }
  o << "  shape L=" << s["layers"] << " Hq=" << s["q_heads"] << " Hkv=" << s["kv_heads"] << " D=" << s["head_dim"]
    << " T=" << s["tokens"] << " prompt=" << s["prompt"] << " decode steps=" << s["steps"] << "\n";
  const double dram = j["dram_bytes"].get<double>(), dense = j["dense_dram_bytes"].get<double>();
  std::snprintf(line, sizeof line, "  %-22s %14s   (dense %s, %.1f%%)\n", "DRAM read", human_bytes(dram).c_str(),
                human_bytes(dense).c_str(), dense > 0 ? 100.0 * dram / dense : 0.0);
  o << line;
  const double rows = j["rows"].get<double>();
  std::snprintf(line, sizeof line, "  %-22s %14llu\n", "sink SRAM hits", j["sram_sink_hits"].get<unsigned long long>());
  o << line;
  std::snprintf(line, sizeof line, "  %-22s %14llu   (%.1f%% of %llu rows; %llu rows pruned)\n", "LSB refetches",
                j["lsb_refetches"].get<unsigned long long>(), rows > 0 ? 100.0 * j["lsb_refetches"].get<double>() / rows : 0.0,
                j["rows"].get<unsigned long long>(), j["pruned_rows"].get<unsigned long long>());
  o << line;
  std::snprintf(line, sizeof line, "  %-22s %14llu\n", "MACs", j["macs"].get<unsigned long long>());
  o << line;
  o << "  kept tokens per layer  ";
  for (const auto& k : j["kept_tokens_per_layer"]) {
    std::snprintf(line, sizeof line, " %.1f", k.get<double>());
    o << line;
  }
  o << "\n";
  const auto& f = j["fidelity"];
  std::snprintf(line, sizeof line, "  %-22s cosine mean %.5f, min %.5f; max rel err %.4f; mass recall %.4f\n",
                "fidelity vs float", f["cosine_mean"].get<double>(), f["cosine_min"].get<double>(),
                f["max_rel_err"].get<double>(), f["mass_recall_mean"].get<double>());
  o << line;
  if (j.contains("energy_pj")) {
    const double total = j["energy_pj"].get<double>();
    std::snprintf(line, sizeof line, "  %-22s %14.4g uJ   (%s):", "energy", total * 1e-6, j["energy_table"].get<std::string>().c_str());
    o << line;
    for (const auto& [block, pj] : j["energy_pj_by_block"].items()) {
      std::snprintf(line, sizeof line, " %s %.1f%%", block.c_str(), total > 0 ? 100.0 * pj.get<double>() / total : 0.0);
      o << line;
    }
    o << "\n";
  }
  if (j.contains("area_um2")) {
    std::snprintf(line, sizeof line, "  %-22s %14.4g mm2  (%s, %.3g Mbit on chip)\n", "area",
                  j["area_um2"].get<double>() * 1e-6, j["area_model"].get<std::string>().c_str(),
                  j["area_memory_bits"].get<double>() * 1e-6);
    o << line;
  }
  o << "  outputs sha256          " << j["outputs_sha256"].get<std::string>() << "\n";
  std::snprintf(line, sizeof line, "  %-22s %14.3f s\n", "wall", j["wall_seconds"].get<double>());
  o << line;
  return o.str();
}

}  // namespace sinkattn
