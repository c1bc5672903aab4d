#include "run_types.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace sinkattn::host {
namespace {

const char* kind_name(int kind) {
  return kind == kEvHeadPruning ? "head pruning" : kind == kEvJob ? "KV-head job" : kind == kEvEviction ? "eviction" : "?";
}

}  // namespace

std::string row_name(const Shape& s, int step, int layer, int head) {
  std::ostringstream os;
  os << "step " << step << " (token " << step + s.prompt << "), layer " << layer << ", head " << head
     << " (KV-head job group " << (s.group() > 0 ? head / s.group() : 0) << ")";
  return os.str();
}

std::string compare_row(const GoldenResult& gold, int step, int layer, int head, bool active, const std::int16_t* data,
                        const char* who) {
  const Shape& s = gold.shape;
  if (step < 0 || step >= s.steps() || layer < 0 || layer >= s.layers || head < 0 || head >= s.q_heads)
    return "a row outside the trace, " + row_name(s, step, layer, head);
  const std::size_t r = gold.row_index(step, layer, head);
  std::ostringstream os;
  if (static_cast<bool>(gold.row_active[r]) != active) {
    os << row_name(s, step, layer, head) << ": row " << (active ? "active" : "pruned") << ", golden "
       << (gold.row_active[r] ? "active" : "pruned");
    return os.str();
  }
  const std::int16_t* g = gold.out.data() + r * s.head_dim;
  for (int d = 0; d < s.head_dim; ++d)
    if (data[d] != g[d]) {
      os << row_name(s, step, layer, head) << ", element " << d << ": " << who << " " << data[d] << ", golden " << g[d];
      return os.str();
    }
  return "";
}

std::string compare_counters(const Counters& run, const Counters& gold, const char* who) {
  for (const CounterInfo& c : kCounters) {
    if (!c.golden_get) continue;
    const std::uint64_t x = c.golden_get(run), y = c.golden_get(gold);
    if (x != y) return "counter " + std::string(c.name) + ": " + who + " " + std::to_string(x) + ", golden " + std::to_string(y);
  }
  return "";
}

std::string compare(const GoldenResult& gold, const GoldenResult& run, const char* who) {
  const Shape& s = gold.shape;
  for (int st = 0; st < s.steps(); ++st)
    for (int l = 0; l < s.layers; ++l)
      for (int h = 0; h < s.q_heads; ++h) {
        const std::size_t r = gold.row_index(st, l, h);
        std::string d = compare_row(gold, st, l, h, run.row_active[r] != 0, run.out.data() + r * s.head_dim, who);
        if (!d.empty()) return d;
      }
  return compare_counters(run.counters, gold.counters, who);
}

std::string compare_event(std::size_t index, const PhaseEvent& a, const PhaseEvent& b, int prompt, const char* an,
                          const char* bn) {
  if (a.kind == b.kind && a.step == b.step && a.layer == b.layer && a.group == b.group && a.tokens == b.tokens &&
      a.start == b.start && a.end == b.end)
    return "";
  std::ostringstream os;
  os << "job " << index << " (" << kind_name(b.kind) << ", "
     << (b.step < prompt ? std::string("prefill pass") : "step " + std::to_string(b.step - prompt)) << " (token " << b.step
     << "), layer " << b.layer << ", group " << b.group << "): " << an << " kind " << a.kind << " step " << a.step
     << " layer " << a.layer << " group " << a.group << " tokens " << a.tokens << " cycles " << a.start << ".."
     << a.end << ", " << bn << " kind " << b.kind << " step " << b.step << " layer " << b.layer << " group "
     << b.group << " tokens " << b.tokens << " cycles " << b.start << ".." << b.end;
  return os.str();
}

std::string describe_event(const PhaseEvent& e) {
  return std::string(kind_name(e.kind)) + ", token " + std::to_string(e.step) + ", layer " + std::to_string(e.layer) +
         ", group " + std::to_string(e.group);
}

std::string compare_timing(const RunResult& a, const RunResult& b, const char* an, const char* bn) {
  const int prompt = a.run.shape.prompt;
  const std::size_t n = std::min(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::string d = compare_event(i, a.events[i], b.events[i], prompt, an, bn);
    if (!d.empty()) return d;
  }
  std::ostringstream os;
  if (a.events.size() != b.events.size()) {
    os << "event count: " << an << " " << a.events.size() << ", " << bn << " " << b.events.size();
    return os.str();
  }
  if (a.total_cycles != b.total_cycles) {
    os << "total cycles: " << an << " " << a.total_cycles << ", " << bn << " " << b.total_cycles;
    return os.str();
  }
  if (a.prefill_cycles != b.prefill_cycles) {
    os << "prefill cycles: " << an << " " << a.prefill_cycles << ", " << bn << " " << b.prefill_cycles;
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

const std::vector<std::string>& counter_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const CounterInfo& c : kCounters) v.emplace_back(c.name);
    return v;
  }();
  return names;
}

void fill_counters(const std::vector<std::pair<std::string, std::uint64_t>>& hw, Counters& c) {
  for (const CounterInfo& k : kCounters) {
    if (!k.golden_set) continue;
    const auto it = std::find_if(hw.begin(), hw.end(), [&k](const auto& nv) { return nv.first == k.name; });
    if (it == hw.end()) throw std::logic_error(std::string("hardware counter '") + k.name + "' was not read");
    k.golden_set(c, it->second);
  }
}

}  // namespace sinkattn::host
