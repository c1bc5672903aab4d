// Loading, resolving and validating YAML presets (yaml-cpp).
#include "sinkattn/config.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "sinkattn/error.hpp"
#include "sinkattn/head_pattern.hpp"
#include "sinkattn/host_contract_gen.hpp"
#include "sinkattn/latency.hpp"
#include "sinkattn/path_check.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/yaml_file.hpp"

#ifndef SINKATTN_SOURCE_CONFIG_DIR
#error "SINKATTN_SOURCE_CONFIG_DIR must be defined by the build"
#endif

namespace fs = std::filesystem;

namespace sinkattn {
namespace {

// Layers and heads of an instance: the most the host contract's layer and head fields hold
// (configs/host_contract.yaml: layer_bits, head_bits).
constexpr int kMaxLayers = (1 << host::kLayerBits) - 1;
constexpr int kMaxHeads = (1 << host::kHeadBits) - 1;

enum class Kind { kInt, kFloat, kBool, kString, kIntList, kStringList };

// Every parameter a preset may set, by dotted path. A resolved preset must set all of them.
const std::map<std::string, Kind>& schema() {
  static const std::map<std::string, Kind> s = {
      {"name", Kind::kString},
      {"description", Kind::kString},
      {"policy.sinks", Kind::kInt},
      {"policy.window", Kind::kInt},
      {"policy.window_includes_current", Kind::kBool},
      {"policy.head_policy.default", Kind::kString},
      {"policy.head_policy.retrieval_ratio", Kind::kFloat},
      {"policy.head_policy.map_seed", Kind::kInt},
      {"policy.head_policy.map", Kind::kStringList},
      {"policy.head_policy.pattern_file", Kind::kString},
      {"policy.head_policy.pattern_sparsity", Kind::kFloat},
      {"policy.heavy_hitters.granularity", Kind::kString},
      {"policy.heavy_hitters.cascade", Kind::kBool},
      {"policy.heavy_hitters.budget.schedule", Kind::kString},
      {"policy.heavy_hitters.budget.tokens", Kind::kInt},
      {"policy.heavy_hitters.budget.min_tokens", Kind::kInt},
      {"policy.heavy_hitters.budget.unpruned_frac", Kind::kFloat},
      {"policy.heavy_hitters.budget.per_layer", Kind::kIntList},
      {"policy.head_pruning.enabled", Kind::kBool},
      {"policy.head_pruning.warmup_steps", Kind::kInt},
      {"policy.head_pruning.min_keep_frac", Kind::kFloat},
      {"policy.head_pruning.unpruned_frac", Kind::kFloat},
      {"policy.progressive_quant.enabled", Kind::kBool},
      {"policy.progressive_quant.tau", Kind::kFloat},
      {"policy.prefill_importance", Kind::kBool},
      {"hw.head_dim", Kind::kInt},
      {"hw.max_tokens", Kind::kInt},
      {"hw.max_layers", Kind::kInt},
      {"hw.max_q_heads", Kind::kInt},
      {"hw.max_kv_heads", Kind::kInt},
      {"hw.sink_sram_tokens", Kind::kInt},
      {"hw.qk_lanes", Kind::kInt},
      {"hw.pv_lanes", Kind::kInt},
      {"hw.out_lanes", Kind::kInt},
      {"hw.topk_parallelism", Kind::kInt},
      {"hw.topk_lfsr_seed", Kind::kInt},
      {"hw.scan_width", Kind::kInt},
      {"hw.dram.bytes_per_cycle", Kind::kInt},
      {"hw.dram.latency_cycles", Kind::kInt},
      {"hw.dram.burst_bytes", Kind::kInt},
  };
  return s;
}

// The keys the schema allows directly below `prefix` ("" for the top level).
std::vector<std::string> children(const std::string& prefix) {
  std::set<std::string> out;
  for (const auto& [path, kind] : schema()) {
    (void)kind;
    if (!prefix.empty() && path.rfind(prefix + ".", 0) != 0) continue;
    std::string rest = prefix.empty() ? path : path.substr(prefix.size() + 1);
    out.insert(rest.substr(0, rest.find('.')));
  }
  return {out.begin(), out.end()};
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

struct Leaf {
  YAML::Node node;
  std::string where;  // file:line, or what set it (a --set, a sweep axis)
  std::string file;   // the YAML file that set it; "" for an override (no file)
};
using Leaves = std::map<std::string, Leaf>;

std::string where(const std::string& file, const YAML::Node& n) {
  return file + ":" + std::to_string(n.Mark().line + 1);
}

// A mapping key as a field name. YAML allows lists and mappings as keys ("? [a, b]: 1"); no
// field is named so, and converting one to a string would throw a bare yaml-cpp exception.
std::string key_name(const std::string& file, const std::string& prefix, const YAML::Node& key) {
  if (!key.IsScalar())
    throw InputError(where(file, key), prefix.empty() ? "(top level)" : prefix,
                     "a key must be a plain field name, not a list, mapping or null");
  return key.Scalar();
}

void flatten(const YAML::Node& map, const std::string& prefix, const std::string& file, Leaves& out) {
  for (const auto& kv : map) {
    const std::string key = key_name(file, prefix, kv.first);
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (prefix.empty() && key == "base") continue;  // handled by the resolver
    if (schema().count(path)) {
      out[path] = Leaf{kv.second, where(file, kv.second), file};
      continue;
    }
    const auto allowed = children(path);
    if (allowed.empty()) {
      auto here = children(prefix);
      if (prefix.empty()) here.push_back("base");
      throw InputError(where(file, kv.first), path, "unknown field; expected one of: " + join(here));
    }
    if (!kv.second.IsMap())
      throw InputError(where(file, kv.second), path, "must be a mapping with fields: " + join(allowed));
    flatten(kv.second, path, file, out);
  }
}

YAML::Node parse_file(const std::string& file) {
  if (!is_regular_file(file, "")) throw InputError(file, "", "no such configuration file");
  const YAML::Node root = load_yaml_file(file);
  if (!root.IsMap()) throw InputError(file, "", "the top level must be a mapping of fields");
  return root;
}

std::string resolve_base(const std::string& base, const std::string& from_file, const YAML::Node& n) {
  if (base.find('/') == std::string::npos && base.find(".yaml") == std::string::npos) {
    const fs::path p = fs::path(presets_dir()) / (base + ".yaml");
    if (!is_regular_file(p, "base"))
      throw InputError(where(from_file, n), "base",
                       "no preset named '" + base + "' in " + presets_dir() + " (have: " +
                           join(preset_names()) + ")");
    return p.string();
  }
  return (fs::path(from_file).parent_path() / base).lexically_normal().string();
}

// Loads `file` and its base chain; later files override earlier ones leaf by leaf.
void load_chain(const std::string& file, std::vector<std::string>& seen, Leaves& out) {
  std::error_code ec;
  std::string canon = fs::weakly_canonical(file, ec).string();
  if (ec) canon = fs::path(file).lexically_normal().string();  // parse_file reports why it cannot be read
  if (std::find(seen.begin(), seen.end(), canon) != seen.end())
    throw InputError(file, "base", "preset inheritance loops back to " + file);
  seen.push_back(canon);
  const YAML::Node root = parse_file(file);
  if (!root["name"]) throw InputError(file, "name", "missing: every preset file names itself");
  if (const YAML::Node b = root["base"]) {
    if (!b.IsScalar()) throw InputError(where(file, b), "base", "must be a preset name or a file path");
    load_chain(resolve_base(b.as<std::string>(), file, b), seen, out);
  }
  flatten(root, "", file, out);
}

class Reader {
 public:
  Reader(const Leaves& leaves, std::string file) : leaves_(leaves), file_(std::move(file)) {}

  const Leaf& at(const std::string& path) const {
    auto it = leaves_.find(path);
    if (it == leaves_.end())
      throw InputError(file_, path, "missing: set it here or in a base preset");
    return it->second;
  }
  // Names the file the user gave; where the value came from another file of the base chain,
  // says where too.
  [[noreturn]] void fail(const std::string& path, const std::string& reason) const {
    auto it = leaves_.find(path);
    if (it == leaves_.end()) throw InputError(file_, path, reason);
    const std::string& at = it->second.where;
    if (at.rfind(file_ + ":", 0) == 0) throw InputError(at, path, reason);
    throw InputError(file_, path, reason + " (value set at " + at + ")");
  }
  long long integer(const std::string& path, long long lo, long long hi) const {
    const Leaf& l = at(path);
    long long v = 0;
    if (!l.node.IsScalar() || !YAML::convert<long long>::decode(l.node, v))
      fail(path, "must be an integer, got '" + text(l.node) + "'");
    if (v < lo || v > hi)
      fail(path, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  }
  double real(const std::string& path, double lo, double hi, bool lo_open = false) const {
    const Leaf& l = at(path);
    double v = 0;
    if (!l.node.IsScalar() || !YAML::convert<double>::decode(l.node, v))
      fail(path, "must be a number, got '" + text(l.node) + "'");
    const bool ok = (lo_open ? v > lo : v >= lo) && v <= hi;  // also false for NaN
    if (!ok) {
      std::ostringstream s;
      s << text(l.node) << " is out of range " << (lo_open ? "(" : "[") << lo << ", " << hi << "]";
      fail(path, s.str());
    }
    return v;
  }
  bool boolean(const std::string& path) const {
    const Leaf& l = at(path);
    bool v = false;
    if (!l.node.IsScalar() || !YAML::convert<bool>::decode(l.node, v))
      fail(path, "must be true or false, got '" + text(l.node) + "'");
    return v;
  }
  std::string string(const std::string& path) const {
    const Leaf& l = at(path);
    if (!l.node.IsScalar()) fail(path, "must be a string");
    return l.node.as<std::string>();
  }
  int choice(const std::string& path, const std::vector<std::string>& options) const {
    const std::string v = string(path);
    for (std::size_t i = 0; i < options.size(); ++i)
      if (options[i] == v) return static_cast<int>(i);
    fail(path, "'" + v + "' is not one of: " + join(options));
  }
  std::vector<int> int_list(const std::string& path, int lo, int hi) const {
    const Leaf& l = at(path);
    if (!l.node.IsSequence()) fail(path, "must be a list of integers");
    std::vector<int> out;
    for (const auto& item : l.node) {
      long long v = 0;
      if (!item.IsScalar() || !YAML::convert<long long>::decode(item, v) || v < lo || v > hi)
        fail(path, "entry '" + text(item) + "' must be an integer in [" + std::to_string(lo) + ", " +
                       std::to_string(hi) + "]");
      out.push_back(static_cast<int>(v));
    }
    return out;
  }
  std::vector<std::string> string_list(const std::string& path) const {
    const Leaf& l = at(path);
    if (!l.node.IsSequence()) fail(path, "must be a list of strings");
    std::vector<std::string> out;
    for (const auto& item : l.node) {
      if (!item.IsScalar()) fail(path, "entries must be strings");
      out.push_back(item.as<std::string>());
    }
    return out;
  }

 private:
  static std::string text(const YAML::Node& n) {
    if (n.IsScalar()) return n.Scalar();
    return n.IsSequence() ? "<list>" : n.IsMap() ? "<mapping>" : "<null>";
  }
  const Leaves& leaves_;
  std::string file_;
};

bool is_pow2(long long v) { return v > 0 && (v & (v - 1)) == 0; }

Config read_config(const Reader& r, const std::string& file) {
  Config c;
  c.source = file;
  c.name = r.string("name");
  c.description = r.string("description");

  const long long kBig = kMaxContextTokens;
  HwConfig& hw = c.hw;
  hw.head_dim = static_cast<int>(r.integer("hw.head_dim", 2, num::kMaxHeadDim));
  if (hw.head_dim % 2) r.fail("hw.head_dim", "must be even (12-bit values pack two per 3 bytes)");
  // The context limit: token indices and counts up to 2^24 - 1, the top-k engine's largest
  // candidate list (its pivots draw 32 bits past 2^16 candidates; topk_draw).
  hw.max_tokens = static_cast<int>(r.integer("hw.max_tokens", 1, kMaxContextTokens));
  // The top's layer and head registers and its row and event ports carry the host contract's
  // layer_bits and head_bits (a layer, a query or KV head, Hq, Hkv, a group, a head count); the
  // SystemC model's mirror them. A larger instance would wrap them silently, so the loader stops
  // at the largest count they hold.
  hw.max_layers = static_cast<int>(r.integer("hw.max_layers", 1, kMaxLayers));
  hw.max_q_heads = static_cast<int>(r.integer("hw.max_q_heads", 1, kMaxHeads));
  hw.max_kv_heads = static_cast<int>(r.integer("hw.max_kv_heads", 1, kMaxHeads));
  if (hw.max_kv_heads > hw.max_q_heads)
    r.fail("hw.max_kv_heads", "must not exceed hw.max_q_heads (" + std::to_string(hw.max_q_heads) + ")");
  {
    // The importance accumulators are num::kImportanceBits wide and must not overflow at the
    // hardware's limits: a token gains at most one probability (< 2^16) per (step, layer, query
    // head), a head at most head_dim saturated outputs (< 2^15) per (step, layer).
    const long double limit = std::ldexp(1.0L, num::kImportanceBits);
    const long double steps = hw.max_tokens, token_worst = steps * hw.max_layers * hw.max_q_heads * 65536.0L;
    const long double head_worst = steps * hw.max_layers * hw.head_dim * 32768.0L;
    if (token_worst >= limit || head_worst >= limit)
      r.fail("hw.max_tokens", "max_tokens x max_layers x max_q_heads (or x head_dim) overflows the " +
                                  std::to_string(num::kImportanceBits) + "-bit importance accumulators of configs/numerics.yaml");
  }
  {
    // The on-chip state that is still kept per token (the importance store, {scope, list,
    // token}; docs/slot_store.md removes it) must stay addressable: at most 2^30 words.
    using latency::ceil_log2;  // SystemVerilog's $clog2, as the RTL sizes the store
    const int bits = ceil_log2(hw.max_layers) + ceil_log2(hw.max_kv_heads) + ceil_log2(hw.max_tokens);
    if (bits > kMaxImportanceAddrBits)
      r.fail("hw.max_tokens", "the per-token importance store of max_layers x max_kv_heads x max_tokens needs a " +
                                  std::to_string(bits) + "-bit address, more than " + std::to_string(kMaxImportanceAddrBits) +
                                  " (lower max_tokens, max_layers or max_kv_heads)");
  }
  hw.sink_sram_tokens = static_cast<int>(r.integer("hw.sink_sram_tokens", 0, 4096));
  hw.qk_lanes = static_cast<int>(r.integer("hw.qk_lanes", 1, 64));
  hw.pv_lanes = static_cast<int>(r.integer("hw.pv_lanes", 1, 64));
  // A row leaves the P.V lanes in head_dim / out_lanes output beats.
  hw.out_lanes = static_cast<int>(r.integer("hw.out_lanes", 1, num::kMaxHeadDim));
  if (hw.head_dim % hw.out_lanes)
    r.fail("hw.out_lanes", std::to_string(hw.out_lanes) + " does not divide hw.head_dim (" + std::to_string(hw.head_dim) +
                               "): a row leaves the P.V lanes in head_dim / out_lanes whole beats");
  // max_tokens in two or more whole units of n tokens (the top-k engine's bank rows, the alive
  // bitmap's words).
  const auto whole_units = [&hw](int n) { return hw.max_tokens % n == 0 && hw.max_tokens >= 2 * n; };
  // Two comparators at least: the engine's score memory is P banks of one row per beat.
  hw.topk_parallelism = static_cast<int>(r.integer("hw.topk_parallelism", 2, 256));
  if (!is_pow2(hw.topk_parallelism)) r.fail("hw.topk_parallelism", "must be a power of two");
  // The top-k engine keeps max_tokens / P rows in each of its P score banks, two at least
  // (rtl/topk_engine.sv refuses any other size at elaboration).
  if (!whole_units(hw.topk_parallelism))
    r.fail("hw.max_tokens", std::to_string(hw.max_tokens) + " is not a multiple of hw.topk_parallelism (" +
                                std::to_string(hw.topk_parallelism) +
                                ") of at least two: the top-k engine keeps max_tokens / topk_parallelism rows in each "
                                "of its banks");
  hw.topk_lfsr_seed = static_cast<int>(r.integer("hw.topk_lfsr_seed", 1, 65535));
  // The list scan reads one alive-bitmap word of scan_width tokens a cycle. The bitmap holds
  // whole words, two per list at least (a RAM of one word has no address).
  hw.scan_width = static_cast<int>(r.integer("hw.scan_width", 1, 64));
  if (!is_pow2(hw.scan_width)) r.fail("hw.scan_width", "must be a power of two");
  if (!whole_units(hw.scan_width))
    r.fail("hw.scan_width", std::to_string(hw.scan_width) + " does not divide hw.max_tokens (" +
                                std::to_string(hw.max_tokens) +
                                ") into two words at least: the alive bitmap holds max_tokens / scan_width words "
                                "per list");
  hw.dram.bytes_per_cycle = static_cast<int>(r.integer("hw.dram.bytes_per_cycle", 1, 4096));
  hw.dram.latency_cycles = static_cast<int>(r.integer("hw.dram.latency_cycles", 0, 100000));
  hw.dram.burst_bytes = static_cast<int>(r.integer("hw.dram.burst_bytes", 1, 65536));
  if (!is_pow2(hw.dram.burst_bytes)) r.fail("hw.dram.burst_bytes", "must be a power of two");

  PolicyConfig& p = c.policy;
  p.sinks = static_cast<int>(r.integer("policy.sinks", 0, kBig));
  if (p.sinks > hw.sink_sram_tokens)
    r.fail("policy.sinks", std::to_string(p.sinks) + " sinks do not fit hw.sink_sram_tokens (" +
                               std::to_string(hw.sink_sram_tokens) + ")");
  p.window = static_cast<int>(r.integer("policy.window", 0, kBig));
  // The engine's W counts the step's own token. StreamingLLM's and DuoAttention's recent_size
  // counts cached tokens only, and the new token is attended on top: with
  // window_includes_current false, `window` is that recent_size and W = window + 1.
  if (!r.boolean("policy.window_includes_current")) p.window += 1;
  if (p.sinks + p.window > hw.max_tokens)
    r.fail("policy.window", "sinks + window (" + std::to_string(p.sinks + p.window) +
                                ") must fit the KV cache, hw.max_tokens (" + std::to_string(hw.max_tokens) + ")");

  p.default_head_policy = static_cast<HeadPolicy>(
      r.choice("policy.head_policy.default", {"retrieval", "streaming", "topk"}));
  p.retrieval_ratio = r.real("policy.head_policy.retrieval_ratio", 0.0, 1.0);
  p.map_seed = static_cast<std::uint64_t>(r.integer("policy.head_policy.map_seed", 0, (1LL << 62)));
  p.map = r.string_list("policy.head_policy.map");
  for (const auto& row : p.map)
    if (row.empty() || row.find_first_not_of("RST") != std::string::npos)
      r.fail("policy.head_policy.map", "entry '" + row + "' must be a non-empty string of R, S and T (retrieval, streaming, topk)");
  if (!p.map.empty() && p.retrieval_ratio > 0)
    r.fail("policy.head_policy.retrieval_ratio", "set either an explicit map or a retrieval_ratio, not both");
  // DuoAttention's released gate values, thresholded as its code does (head_pattern.hpp). The
  // path is relative to the file that sets it.
  p.pattern_sparsity = r.real("policy.head_policy.pattern_sparsity", 0.0, 1.0);
  if (const std::string pf = r.string("policy.head_policy.pattern_file"); !pf.empty()) {
    if (!p.map.empty()) r.fail("policy.head_policy.pattern_file", "set either an explicit map or a pattern_file, not both");
    if (p.retrieval_ratio > 0)
      r.fail("policy.head_policy.pattern_file",
             "set either a retrieval_ratio (the hash fallback) or a pattern_file, not both; for the hash fallback "
             "set pattern_file: \"\" as well (configs/duo/duo_hash.yaml does)");
    // Set in a YAML file: relative to that file's directory, so a preset's pattern is found from
    // any working directory. Set by an override (--set, a sweep point), which has no file:
    // relative to the working directory (a sweep makes its axis values absolute first).
    const Leaf& leaf = r.at("policy.head_policy.pattern_file");
    std::error_code cwd_error;  // a working directory that is gone: the path stays relative
    const fs::path from = leaf.file.empty() ? fs::current_path(cwd_error) : fs::path(leaf.file).parent_path();
    p.pattern_file = fs::path(pf).is_absolute() ? pf : (from / pf).lexically_normal().string();
    p.pattern_file_at = leaf.where;
    if (!is_regular_file(p.pattern_file, "policy.head_policy.pattern_file"))
      r.fail("policy.head_policy.pattern_file", "no such head-pattern file: " + p.pattern_file);
    p.map = threshold_head_pattern(read_head_pattern(p.pattern_file), p.pattern_sparsity);
  }
  // A streaming head attends the sinks and the window only; with neither, its softmax row would
  // be empty (nothing to normalise), which no model defines.
  const bool any_streaming = p.map.empty() ? p.default_head_policy == HeadPolicy::kStreaming
                                           : std::any_of(p.map.begin(), p.map.end(), [](const std::string& row) {
                                               return row.find('S') != std::string::npos;
                                             });
  if (any_streaming && p.sinks + p.window == 0)
    r.fail("policy.window", "streaming heads attend the sinks and the window only; with sinks 0 and window 0 they "
                            "attend no token (set policy.window or policy.sinks to at least 1)");

  p.granularity = static_cast<Granularity>(r.choice("policy.heavy_hitters.granularity", {"token", "head"}));
  p.cascade = r.boolean("policy.heavy_hitters.cascade");
  BudgetConfig& b = p.budget;
  b.schedule = static_cast<BudgetSchedule>(
      r.choice("policy.heavy_hitters.budget.schedule", {"constant", "ramp", "list"}));
  b.tokens = static_cast<int>(r.integer("policy.heavy_hitters.budget.tokens", 0, kBig));
  b.min_tokens = static_cast<int>(r.integer("policy.heavy_hitters.budget.min_tokens", 0, kBig));
  b.unpruned_frac = r.real("policy.heavy_hitters.budget.unpruned_frac", 0.0, 1.0);
  b.per_layer = r.int_list("policy.heavy_hitters.budget.per_layer", 0, static_cast<int>(kBig));
  if (b.schedule == BudgetSchedule::kRamp && b.min_tokens > b.tokens)
    r.fail("policy.heavy_hitters.budget.min_tokens",
           "must not exceed budget.tokens (" + std::to_string(b.tokens) + "): budgets are non-increasing over layers");
  if (b.schedule == BudgetSchedule::kList) {
    if (b.per_layer.empty()) r.fail("policy.heavy_hitters.budget.per_layer", "schedule 'list' needs one budget per layer");
    for (std::size_t i = 1; i < b.per_layer.size(); ++i)
      if (b.per_layer[i] > b.per_layer[i - 1])
        r.fail("policy.heavy_hitters.budget.per_layer",
               "budgets must be non-increasing over layers, but layer " + std::to_string(i) + " has " +
                   std::to_string(b.per_layer[i]) + " > " + std::to_string(b.per_layer[i - 1]));
  } else if (!b.per_layer.empty()) {
    r.fail("policy.heavy_hitters.budget.per_layer", "is only read with schedule 'list'; remove it or set schedule: list");
  }
  const int top_budget = b.schedule == BudgetSchedule::kList ? b.per_layer.front() : b.tokens;
  if (p.sinks + p.window + top_budget > hw.max_tokens)
    r.fail("policy.heavy_hitters.budget.tokens",
           "sinks + window + budget (" + std::to_string(p.sinks + p.window + top_budget) +
               ") must fit the KV cache, hw.max_tokens (" + std::to_string(hw.max_tokens) + ")");

  p.head_pruning = r.boolean("policy.head_pruning.enabled");
  p.head_warmup_steps = static_cast<int>(r.integer("policy.head_pruning.warmup_steps", 0, kBig));
  p.head_min_keep_frac = r.real("policy.head_pruning.min_keep_frac", 0.0, 1.0, /*lo_open=*/true);
  p.head_unpruned_frac = r.real("policy.head_pruning.unpruned_frac", 0.0, 1.0);
  p.progressive_quant = r.boolean("policy.progressive_quant.enabled");
  p.tau = r.real("policy.progressive_quant.tau", 0.0, 1.0, /*lo_open=*/true);
  p.prefill_importance = r.boolean("policy.prefill_importance");
  return c;
}

// splitmix64: a fixed, portable hash for the retrieval-head choice.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// ceil(frac * n), robust to the representation error of decimal fractions (0.3 * 10).
int ceil_frac(double frac, int n) { return static_cast<int>(std::ceil(frac * n - 1e-9)); }

}  // namespace

const char* to_string(HeadPolicy p) {
  switch (p) {
    case HeadPolicy::kRetrieval: return "retrieval";
    case HeadPolicy::kStreaming: return "streaming";
    case HeadPolicy::kTopk: return "topk";
  }
  return "?";
}

std::string presets_dir() {
  if (const char* env = std::getenv("SINKATTN_CONFIG_DIR")) return env;
  return std::string(SINKATTN_SOURCE_CONFIG_DIR) + "/presets";
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(presets_dir(), ec))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

Config load_config(const std::string& name_or_path) { return load_config(name_or_path, {}); }

bool is_config_field(const std::string& path) { return schema().count(path) > 0; }

Config load_config(const std::string& name_or_path, const std::vector<FieldOverride>& overrides) {
  std::string file = name_or_path;
  if (!path_exists(file, "--config") && name_or_path.find('/') == std::string::npos &&
      name_or_path.find(".yaml") == std::string::npos) {
    file = (fs::path(presets_dir()) / (name_or_path + ".yaml")).string();
    if (!path_exists(file, "--config"))
      throw InputError(name_or_path, "--config",
                       "neither a file nor a preset name (presets: " + join(preset_names()) + ")");
  }
  Leaves leaves;
  std::vector<std::string> seen;
  load_chain(file, seen, leaves);
  for (const FieldOverride& o : overrides) {
    if (!schema().count(o.path)) throw InputError(o.where, o.path, "not a configuration field (see docs/config.md)");
    YAML::Node value;
    try {
      value = YAML::Load(o.value);
    } catch (const YAML::Exception& e) {
      throw InputError(o.where, o.path, "value '" + o.value + "' is not valid YAML: " + e.msg);
    }
    leaves[o.path] = Leaf{value, o.where, ""};
  }
  Config c = read_config(Reader(leaves, file), file);
  for (const auto& [path, kind] : schema()) {
    (void)kind;
    if (path == "name" || path == "description") continue;
    YAML::Emitter e;
    e.SetMapFormat(YAML::Flow);
    e.SetSeqFormat(YAML::Flow);
    e << leaves.at(path).node;
    c.canonical += path + ": " + e.c_str() + "\n";
  }
  // What a head-pattern file resolves to, not only its name: the same name over another file's
  // contents computes something else.
  if (!c.policy.pattern_file.empty()) {
    std::string rows;
    for (const std::string& row : c.policy.map) rows += (rows.empty() ? "" : ", ") + row;
    c.canonical += "policy.head_policy.pattern_map: [" + rows + "]\n";
  }
  return c;
}

std::uint32_t tau_fixed(double tau) {
  return static_cast<std::uint32_t>(std::max<long long>(1, std::llround(tau * num::kProbOne)));
}

std::vector<std::pair<std::string, long long>> parameter_list(const Config& c) {
  const HwConfig& h = c.hw;
  const PolicyConfig& p = c.policy;
  const long long budget = p.budget.schedule == BudgetSchedule::kList ? p.budget.per_layer.front() : p.budget.tokens;
  // The RTL top's hardware parameters, with the DRAM latency (the DRAM model's, not the top's)
  // before the burst size, then the policy's.
  std::vector<std::pair<std::string, long long>> list = rtl_parameter_list(h);
  list.insert(list.end() - 1, {"DramLatencyCycles", h.dram.latency_cycles});
  list.insert(list.end(), {
      {"Sinks", p.sinks},
      {"Window", p.window},
      {"BudgetTokens", budget},
      {"GranularityHead", p.granularity == Granularity::kHead},
      {"Cascade", p.cascade},
      {"HeadPruning", p.head_pruning},
      {"HeadWarmupSteps", p.head_warmup_steps},
      {"ProgressiveQuant", p.progressive_quant},
      {"TauFx", tau_fixed(p.tau)},
  });
  return list;
}

namespace {

// The RTL top's hardware parameters, each with the field it is: the one table both directions
// (rtl_parameter_list, set_rtl_parameter) read.
using HwField = int& (*)(HwConfig&);
const std::vector<std::pair<const char*, HwField>>& rtl_fields() {
  static const std::vector<std::pair<const char*, HwField>> fields = {
      {"HeadDim", [](HwConfig& h) -> int& { return h.head_dim; }},
      {"MaxTokens", [](HwConfig& h) -> int& { return h.max_tokens; }},
      {"MaxLayers", [](HwConfig& h) -> int& { return h.max_layers; }},
      {"MaxQHeads", [](HwConfig& h) -> int& { return h.max_q_heads; }},
      {"MaxKvHeads", [](HwConfig& h) -> int& { return h.max_kv_heads; }},
      {"SinkSramTokens", [](HwConfig& h) -> int& { return h.sink_sram_tokens; }},
      {"QkLanes", [](HwConfig& h) -> int& { return h.qk_lanes; }},
      {"PvLanes", [](HwConfig& h) -> int& { return h.pv_lanes; }},
      {"OutLanes", [](HwConfig& h) -> int& { return h.out_lanes; }},
      {"TopkParallelism", [](HwConfig& h) -> int& { return h.topk_parallelism; }},
      {"TopkLfsrSeed", [](HwConfig& h) -> int& { return h.topk_lfsr_seed; }},
      {"ScanWidth", [](HwConfig& h) -> int& { return h.scan_width; }},
      {"DramBytesPerCycle", [](HwConfig& h) -> int& { return h.dram.bytes_per_cycle; }},
      {"DramBurstBytes", [](HwConfig& h) -> int& { return h.dram.burst_bytes; }},
  };
  return fields;
}

}  // namespace

std::vector<std::pair<std::string, long long>> rtl_parameter_list(const HwConfig& h) {
  HwConfig copy = h;  // the table's accessors take a mutable HwConfig
  std::vector<std::pair<std::string, long long>> list;
  for (const auto& [name, field] : rtl_fields()) list.emplace_back(name, field(copy));
  return list;
}

bool set_rtl_parameter(HwConfig& hw, const std::string& name, long long value) {
  for (const auto& [n, field] : rtl_fields())
    if (name == n) {
      field(hw) = static_cast<int>(value);
      return true;
    }
  return false;
}

std::string verilog_params_header(const std::string& guard_id, const std::string& source,
                                  const std::vector<std::pair<std::string, long long>>& params) {
  std::string guard = "SINKATTN_PARAMS_" + guard_id + "_SVH";
  for (char& c : guard) c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_';
  std::string sv = "// Generated by sinkattn_gen_params from " + source + ". Do not edit.\n`ifndef " + guard + "\n`define " + guard + "\n";
  for (const auto& [key, value] : params) sv += "localparam int " + key + " = " + std::to_string(value) + ";\n";
  return sv + "`endif\n";
}

std::string cpp_params_traits(const std::string& id, const std::string& name, const std::string& source,
                              const std::vector<std::pair<std::string, long long>>& params) {
  std::ostringstream cpp;
  cpp << "// Generated by sinkattn_gen_params from " << source << ". Do not edit.\n#pragma once\n\n#include <array>\n"
      << "#include <utility>\n\nnamespace sinkattn::params {\n\nstruct " << id << " {\n"
      << "  static constexpr const char* kName = \"" << name << "\";\n";
  for (const auto& [key, value] : params) cpp << "  static constexpr long long k" << key << " = " << value << ";\n";
  // The same values as a list, so a test can compare the header with the loader in one loop.
  cpp << "  static constexpr std::array<std::pair<const char*, long long>, " << params.size() << "> kAll = {{\n";
  for (const auto& [key, value] : params) cpp << "      {\"" << key << "\", " << value << "},\n";
  cpp << "  }};\n};\n\n}  // namespace sinkattn::params\n";
  return cpp.str();
}

std::string cmake_params_fragment(const std::string& source, const std::vector<std::pair<std::string, long long>>& params,
                                  const std::string& traits_header, const std::string& traits_type) {
  std::string names, values, top;
  for (const auto& [key, value] : params) {
    names += (names.empty() ? "" : " ") + key;
    values += "set(SINKATTN_PARAM_" + key + " " + std::to_string(value) + ")\n";
  }
  for (const auto& kv : rtl_parameter_list(HwConfig{})) top += (top.empty() ? "" : " ") + kv.first;
  return "# Generated by sinkattn_gen_params from " + source + ". Do not edit.\nset(SINKATTN_PARAM_NAMES " + names + ")\n" +
         values + "# The RTL top's parameters (rtl_parameter_list), passed to it under these names.\nset(SINKATTN_PARAM_TOP_NAMES " +
         top + ")\n# The same values as C++ traits, which the RTL runner built from this fragment includes.\n" +
         "set(SINKATTN_PARAM_TRAITS_HEADER \"" + traits_header + "\")\nset(SINKATTN_PARAM_TRAITS " + traits_type + ")\n";
}

namespace {
const char* const kOnDemandSource = "the hardware of a configuration (on-demand Verilation of the top)";
}  // namespace

std::string rtl_hardware_cmake(const HwConfig& hw, const std::string& traits_header) {
  return cmake_params_fragment(kOnDemandSource, rtl_parameter_list(hw), traits_header, "sinkattn::params::rtl_hw");
}

std::string rtl_hardware_traits(const HwConfig& hw) {
  return cpp_params_traits("rtl_hw", "rtl_hw", kOnDemandSource, rtl_parameter_list(hw));
}

std::string rtl_hardware_header(const HwConfig& hw) {
  return verilog_params_header("rtl_hw", kOnDemandSource, rtl_parameter_list(hw));
}

std::vector<int> ramp_schedule(int layers, int top, int bottom, double unpruned_frac) {
  const int flat = std::min(layers, ceil_frac(unpruned_frac, layers));
  std::vector<int> out(layers, top);
  const long long span = layers - flat;
  for (int l = flat; l < layers; ++l)
    out[l] = top - static_cast<int>(((top - bottom) * (l - flat + 1LL) + span / 2) / span);
  return out;
}

Plan make_plan(const Config& cfg, const Shape& s, const std::string& trace_name) {
  const HwConfig& hw = cfg.hw;
  const PolicyConfig& p = cfg.policy;
  auto too_big = [&](const char* what, int have, const char* field, int limit) {
    if (have > limit)
      throw InputError(trace_name, what,
                       std::to_string(have) + " exceeds " + field + " = " + std::to_string(limit) +
                           " of configuration " + cfg.source);
  };
  too_big("layers", s.layers, "hw.max_layers", hw.max_layers);
  too_big("q_heads", s.q_heads, "hw.max_q_heads", hw.max_q_heads);
  too_big("kv_heads", s.kv_heads, "hw.max_kv_heads", hw.max_kv_heads);
  too_big("head_dim", s.head_dim, "hw.head_dim", hw.head_dim);
  too_big("tokens", s.tokens, "hw.max_tokens", hw.max_tokens);
  if (s.kv_heads <= 0 || s.q_heads % s.kv_heads)
    throw InputError(trace_name, "q_heads", "Hq must be a multiple of Hkv");

  Plan plan;
  plan.shape = s;
  switch (p.budget.schedule) {
    case BudgetSchedule::kConstant: plan.budget.assign(s.layers, p.budget.tokens); break;
    case BudgetSchedule::kRamp:
      plan.budget = ramp_schedule(s.layers, p.budget.tokens, p.budget.min_tokens, p.budget.unpruned_frac);
      break;
    case BudgetSchedule::kList:
      if (static_cast<int>(p.budget.per_layer.size()) != s.layers)
        throw InputError(cfg.source, "policy.heavy_hitters.budget.per_layer",
                         "has " + std::to_string(p.budget.per_layer.size()) + " entries but trace " +
                             trace_name + " has " + std::to_string(s.layers) + " layers");
      plan.budget = p.budget.per_layer;
      break;
  }
  if (p.head_pruning) {
    const int bottom = std::max(1, ceil_frac(p.head_min_keep_frac, s.q_heads));
    plan.heads_keep = ramp_schedule(s.layers, s.q_heads, bottom, p.head_unpruned_frac);
  } else {
    plan.heads_keep.assign(s.layers, s.q_heads);
  }

  plan.head_policy.assign(static_cast<std::size_t>(s.layers) * s.kv_heads, p.default_head_policy);
  if (!p.map.empty()) {
    const auto kv_heads_of = [&](int l) { return static_cast<int>(p.map[l].size()); };
    if (!p.pattern_file.empty()) {
      // A map read from a head-pattern file was trained on one model: a trace of another shape is
      // refused, never cut or padded to fit, and the error says how to run such a trace.
      const int rows = static_cast<int>(p.map.size()), cols = kv_heads_of(0);
      if (rows != s.layers || cols != s.kv_heads)
        throw InputError(cfg.source, "policy.head_policy.pattern_file",
                         "head-pattern file " + p.pattern_file + " (set at " + p.pattern_file_at + ") has " +
                             std::to_string(rows) + " layers x " + std::to_string(cols) + " KV heads but trace " +
                             trace_name + " has " + std::to_string(s.layers) + " layers x " +
                             std::to_string(s.kv_heads) +
                             " KV heads; give a head-pattern file of the trace's shape, or choose the hash fallback "
                             "(pattern_file: \"\" with retrieval_ratio: 0.5, as configs/duo/duo_hash.yaml does; "
                             "docs/policy.md, \"duo\")");
    }
    if (static_cast<int>(p.map.size()) != s.layers)
      throw InputError(cfg.source, "policy.head_policy.map",
                       "has " + std::to_string(p.map.size()) + " rows but trace " + trace_name + " has " +
                           std::to_string(s.layers) + " layers");
    for (int l = 0; l < s.layers; ++l) {
      if (kv_heads_of(l) != s.kv_heads)
        throw InputError(cfg.source, "policy.head_policy.map",
                         "row " + std::to_string(l) + " has " + std::to_string(kv_heads_of(l)) + " letters but trace " +
                             trace_name + " has " + std::to_string(s.kv_heads) + " KV heads");
      for (int g = 0; g < s.kv_heads; ++g) {
        const char c = p.map[l][g];
        plan.head_policy[static_cast<std::size_t>(l) * s.kv_heads + g] =
            c == 'R' ? HeadPolicy::kRetrieval : c == 'S' ? HeadPolicy::kStreaming : HeadPolicy::kTopk;
      }
    }
  } else if (p.retrieval_ratio > 0) {
    // Per layer, the round(ratio * Hkv) heads with the smallest hash become retrieval heads.
    const int count = static_cast<int>(std::floor(p.retrieval_ratio * s.kv_heads + 0.5));
    for (int l = 0; l < s.layers; ++l) {
      std::vector<std::pair<std::uint64_t, int>> order;
      for (int g = 0; g < s.kv_heads; ++g)
        order.emplace_back(mix(p.map_seed ^ mix((static_cast<std::uint64_t>(l) << 32) | g)), g);
      std::sort(order.begin(), order.end());
      for (int i = 0; i < count; ++i)
        plan.head_policy[static_cast<std::size_t>(l) * s.kv_heads + order[i].second] = HeadPolicy::kRetrieval;
    }
  }
  plan.tau_fx = tau_fixed(p.tau);
  // With no sink and no window a top-k head's row reads only its alive list. Attention comes
  // before eviction, so a layer reads the token that just left the window even on a budget of 0,
  // but with cascade that layer's eviction then empties the lists of every deeper layer, whose
  // rows would attend no token: no model defines an empty softmax row (the RTL would wait for it).
  const bool any_topk = std::find(plan.head_policy.begin(), plan.head_policy.end(), HeadPolicy::kTopk) !=
                        plan.head_policy.end();
  if (any_topk && p.cascade && p.sinks + p.window == 0)
    for (int l = 0; l + 1 < s.layers; ++l)
      if (plan.budget[l] == 0)
        throw InputError(cfg.source,
                         p.budget.schedule == BudgetSchedule::kList   ? "policy.heavy_hitters.budget.per_layer"
                         : p.budget.schedule == BudgetSchedule::kRamp ? "policy.heavy_hitters.budget.min_tokens"
                                                                       : "policy.heavy_hitters.budget.tokens",
                         "layer " + std::to_string(l) + " of trace " + trace_name +
                             " has a budget of 0 with sinks 0, window 0 and cascade, so the rows of the deeper "
                             "layers would attend no token (set a budget of at least 1, a sink or a window)");

  return plan;
}

}  // namespace sinkattn
