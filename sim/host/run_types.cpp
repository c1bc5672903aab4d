#include "run_types.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "sinkattn/numerics.hpp"

namespace sinkattn::host {
std::string compare(const GoldenResult& gold, const GoldenResult& rtl, const char* name) {
  const Shape& s = gold.shape;
  std::ostringstream os;
  for (int st = 0; st < s.steps(); ++st)
    for (int l = 0; l < s.layers; ++l)
      for (int h = 0; h < s.q_heads; ++h) {
        const std::size_t r = gold.row_index(st, l, h);
        if (gold.row_active[r] != rtl.row_active[r]) {
          os << "step " << st << " (token " << st + s.prompt << "), layer " << l << ", head " << h << ": row active " << name << " "
             << int(rtl.row_active[r]) << ", golden " << int(gold.row_active[r]);
          return os.str();
        }
        for (int d = 0; d < s.head_dim; ++d)
          if (gold.out[r * s.head_dim + d] != rtl.out[r * s.head_dim + d]) {
            os << "step " << st << " (token " << st + s.prompt << "), layer " << l << ", head " << h << ", element " << d
               << ": " << name << " " << rtl.out[r * s.head_dim + d] << ", golden " << gold.out[r * s.head_dim + d];
            return os.str();
          }
      }
  const Counters &a = rtl.counters, &b = gold.counters;
  const std::pair<const char*, std::pair<std::uint64_t, std::uint64_t>> cs[] = {
      {"rows", {a.rows, b.rows}},
      {"pruned_rows", {a.pruned_rows, b.pruned_rows}},
      {"lsb_refetches", {a.lsb_refetches, b.lsb_refetches}},
      {"sram_sink_hits", {a.sram_sink_hits, b.sram_sink_hits}},
      {"token_reads", {a.token_reads, b.token_reads}},
      {"macs", {a.macs, b.macs}},
      {"evictions", {a.evictions, b.evictions}},
      {"dram_window", {a.dram_window, b.dram_window}},
      {"dram_middle", {a.dram_middle, b.dram_middle}},
      {"dram_lsb", {a.dram_lsb, b.dram_lsb}},
      {"topk_passes", {static_cast<std::uint64_t>(a.topk.passes), static_cast<std::uint64_t>(b.topk.passes)}},
      {"topk_elements", {a.topk.elements, b.topk.elements}},
      {"row_tokens", {a.row_tokens, b.row_tokens}},
      {"importance_updates", {a.importance_updates, b.importance_updates}}};
  for (const auto& [counter, v] : cs)
    if (v.first != v.second) {
      os << "counter " << counter << ": " << name << " " << v.first << ", golden " << v.second;
      return os.str();
    }
  return "";
}

const std::vector<std::string>& counter_names() {
  static const std::vector<std::string> names = {
      "cycles",        "rows",          "pruned_rows", "lsb_refetches", "sram_sink_hits", "token_reads",
      "macs",          "evictions",     "dram_window", "dram_middle",   "dram_lsb",       "topk_passes",
      "topk_elements", "qk_busy",       "softmax_busy", "pv_busy",      "topk_busy",      "fetch_busy",
      "data_stall",    "dram_req_stall", "list_scan",  "select_cycles", "row_tokens",     "importance_updates"};
  return names;
}

std::string compare_timing(const RtlResult& a, const RtlResult& b, const char* an, const char* bn) {
  std::ostringstream os;
  const std::size_t n = std::min(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < n; ++i) {
    const PhaseEvent &x = a.events[i], &y = b.events[i];
    if (x.kind != y.kind || x.step != y.step || x.layer != y.layer || x.group != y.group || x.tokens != y.tokens ||
        x.start != y.start || x.end != y.end) {
      os << "event " << i << " (kind " << y.kind << " step " << y.step << " layer " << y.layer << " group " << y.group
         << "): " << an << " kind " << x.kind << " step " << x.step << " layer " << x.layer << " group " << x.group
         << " tokens " << x.tokens << " cycles " << x.start << ".." << x.end << ", " << bn << " tokens " << y.tokens
         << " cycles " << y.start << ".." << y.end;
      return os.str();
    }
  }
  if (a.events.size() != b.events.size()) {
    os << "event count: " << an << " " << a.events.size() << ", " << bn << " " << b.events.size();
    return os.str();
  }
  if (a.total_cycles != b.total_cycles) {
    os << "total cycles: " << an << " " << a.total_cycles << ", " << bn << " " << b.total_cycles;
    return os.str();
  }
  for (std::size_t i = 0; i < std::min(a.counters.size(), b.counters.size()); ++i)
    if (a.counters[i] != b.counters[i]) {
      os << "counter " << b.counters[i].first << ": " << an << " " << a.counters[i].second << ", " << bn << " "
         << b.counters[i].second;
      return os.str();
    }
  if (a.counters.size() != b.counters.size()) os << "counter count differs";
  return os.str();
}

void fill_counters(const std::vector<std::pair<std::string, std::uint64_t>>& hw, Counters& c) {
  auto get = [&hw](const char* name) {
    for (const auto& [n, v] : hw)
      if (n == name) return v;
    throw std::logic_error(std::string("hardware counter '") + name + "' was not read");
  };
  c.rows = get("rows");
  c.pruned_rows = get("pruned_rows");
  c.lsb_refetches = get("lsb_refetches");
  c.sram_sink_hits = get("sram_sink_hits");
  c.token_reads = get("token_reads");
  c.row_tokens = get("row_tokens");
  c.importance_updates = get("importance_updates");
  c.macs = get("macs");
  c.evictions = get("evictions");
  c.dram_window = get("dram_window");
  c.dram_middle = get("dram_middle");
  c.dram_lsb = get("dram_lsb");
  c.topk.passes = static_cast<int>(get("topk_passes"));
  c.topk.elements = get("topk_elements");
}

}  // namespace sinkattn::host
