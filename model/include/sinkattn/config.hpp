// The one configuration source: YAML presets in configs/presets, loaded and validated here.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sinkattn/trace.hpp"

namespace sinkattn {

enum class HeadPolicy : std::uint8_t {
  kRetrieval,  // full cache
  kStreaming,  // sinks + window
  kTopk,       // sinks + window + heavy hitters
};
enum class Granularity : std::uint8_t { kToken, kHead };
enum class BudgetSchedule : std::uint8_t { kConstant, kRamp, kList };

const char* to_string(HeadPolicy p);

struct BudgetConfig {
  BudgetSchedule schedule = BudgetSchedule::kConstant;
  int tokens = 64;
  int min_tokens = 64;
  double unpruned_frac = 0.15;
  std::vector<int> per_layer;
};

struct PolicyConfig {
  int sinks = 0;
  int window = 0;
  HeadPolicy default_head_policy = HeadPolicy::kRetrieval;
  double retrieval_ratio = 0.0;
  std::uint64_t map_seed = 1;
  std::vector<std::string> map;  // one string per layer, R/S/T per KV head
  std::string pattern_file;      // DuoAttention head-pattern file the map was read from ("" none)
  std::string pattern_file_at;   // where pattern_file was set (file:line), for errors
  double pattern_sparsity = 0.5; // its threshold: the share of heads made streaming
  Granularity granularity = Granularity::kToken;
  bool cascade = true;
  BudgetConfig budget;
  bool head_pruning = false;
  int head_warmup_steps = 8;
  double head_min_keep_frac = 1.0;
  double head_unpruned_frac = 0.15;
  bool progressive_quant = false;
  double tau = 0.1;
  // The prompt's causal attention seeds the token importance and over-budget lists are cut at
  // the end of prefill (docs/policy.md, "Prefill importance"); false: decode rows only.
  bool prefill_importance = true;
};

struct DramConfig {
  int bytes_per_cycle = 16;
  int latency_cycles = 100;
  int burst_bytes = 64;
};

// The context limit: the most tokens a configuration can name (hw.max_tokens, and with it the
// token indices of the host contract and the top-k engine's largest candidate list).
inline constexpr int kMaxContextTokens = (1 << 24) - 1;
// The per-token importance store ({scope, list, token}) must stay addressable in the RTL's
// 32-bit parameters: at most 2^30 words.
inline constexpr int kMaxImportanceAddrBits = 30;

struct HwConfig {
  int head_dim = 128;
  int max_tokens = 4096;
  int max_layers = 32;
  int max_q_heads = 32;
  int max_kv_heads = 32;
  int sink_sram_tokens = 8;
  int qk_lanes = 4;
  int pv_lanes = 4;
  int out_lanes = 16;  // P.V output elements per beat (a divisor of head_dim)
  int topk_parallelism = 16;
  int topk_lfsr_seed = 0xACE1;
  int scan_width = 8;  // tokens the list scan looks at per cycle (one alive-bitmap word)
  DramConfig dram;
};

struct Config {
  std::string name;
  std::string description;
  std::string source;  // the file it was loaded from
  PolicyConfig policy;
  HwConfig hw;
  // Every resolved field but name and description, one "dotted.path: value" line each in the
  // schema's order: two configurations that compute the same thing have the same text (what a
  // sweep's content hash covers).
  std::string canonical;
};

// Where preset names are looked up: $SINKATTN_CONFIG_DIR if set, else the source tree's
// configs/presets (compiled in).
std::string presets_dir();
std::vector<std::string> preset_names();

// Loads a preset by name ("sinkattn") or a YAML file path, resolving its `base:` chain, and
// checks types, ranges and cross-field rules. Throws InputError naming file:line, the dotted
// field and the reason.
Config load_config(const std::string& name_or_path);

// One field set on top of a loaded preset, as a later file of its base chain would set it:
// `value` is YAML text ("8", "[64, 32]", "token"), `where` says where it came from (for example
// "sweep.yaml:12") and is what errors about this value name.
struct FieldOverride {
  std::string path, value, where;
};
Config load_config(const std::string& name_or_path, const std::vector<FieldOverride>& overrides);

// Whether `path` is a field a preset may set ("hw.qk_lanes", "policy.window", ...).
bool is_config_field(const std::string& path);

// What a configuration means for one workload shape: the per-layer budgets, head-keep counts
// and head-policy map. Rules that need the shape (trace fits the hardware, list lengths) are
// checked here; `trace_name` names the trace in errors.
struct Plan {
  Shape shape;
  std::vector<int> budget;            // K_l: middle tokens kept per (layer, KV head), [L]
  std::vector<int> heads_keep;        // query heads kept per layer, [L]
  std::vector<HeadPolicy> head_policy;  // [L, Hkv]
  std::uint32_t tau_fx = 0;           // tau in probability units (Q1.prob_frac_bits)
  HeadPolicy policy(int l, int g) const { return head_policy[static_cast<std::size_t>(l) * shape.kv_heads + g]; }
};
Plan make_plan(const Config& cfg, const Shape& shape, const std::string& trace_name);

// tau in probability units (Q1.prob_frac_bits), at least 1.
std::uint32_t tau_fixed(double tau);

// The configuration as named integer parameters (UpperCamelCase), in one fixed order: what the
// generated C++ traits and Verilog headers carry. Budgets here are the first layer's.
std::vector<std::pair<std::string, long long>> parameter_list(const Config& cfg);

// The hardware parameters the RTL top is Verilated with (parameter_list's names): what one
// Verilated build of the top is for. The DRAM latency is not among them (the DRAM model lives
// on the host side).
std::vector<std::pair<std::string, long long>> rtl_parameter_list(const HwConfig& hw);
// The inverse: sets the field of `hw` that rtl_parameter_list calls `name`; false (nothing set)
// for a name that is not one of the top's parameters.
bool set_rtl_parameter(HwConfig& hw, const std::string& name, long long value);

// A generated Verilog header: "localparam int Name = value;" per parameter under an include
// guard, with a banner naming `source`. What sinkattn_gen_params writes for every preset and
// what the on-demand Verilation of the top (sim/rtl/rtl_build.hpp) writes for other hardware.
std::string verilog_params_header(const std::string& guard_id, const std::string& source,
                                  const std::vector<std::pair<std::string, long long>>& params);

// The header a Verilated top for `hw` is built from (rtl_parameter_list); its SHA-256 names that
// build (sim/rtl/rtl_build.hpp, rtl::model_name()).
std::string rtl_hardware_header(const HwConfig& hw);

// The same parameters as a C++ traits struct sinkattn::params::ID: kName, k<Name> per parameter
// and kAll, the list in order. What sinkattn_gen_params writes for every preset
// (sinkattn/params/NAME.hpp) and the on-demand build for other hardware (rtl_hardware_traits).
std::string cpp_params_traits(const std::string& id, const std::string& name, const std::string& source,
                              const std::vector<std::pair<std::string, long long>>& params);

// The same parameters for CMake: SINKATTN_PARAM_NAMES, then SINKATTN_PARAM_<Name> per parameter,
// SINKATTN_PARAM_TOP_NAMES (which of them the RTL top takes, rtl_parameter_list's names) and
// SINKATTN_PARAM_TRAITS_HEADER / SINKATTN_PARAM_TRAITS (the generated C++ traits with the same
// values, which an RTL runner built from the fragment includes instead of taking -D macros).
// sinkattn_read_params (cmake/SinkattnTop.cmake) turns them into the caller's variables. What
// sinkattn_gen_params writes beside every preset's Verilog header, and the on-demand build beside
// rtl_hardware_header's.
std::string cmake_params_fragment(const std::string& source, const std::vector<std::pair<std::string, long long>>& params,
                                  const std::string& traits_header, const std::string& traits_type);
// The on-demand build's fragment and traits (struct sinkattn::params::rtl_hw, written to
// `traits_header`).
std::string rtl_hardware_cmake(const HwConfig& hw, const std::string& traits_header);
std::string rtl_hardware_traits(const HwConfig& hw);

// The ramp used by budgets and head keeps: `top` for the leading ceil(unpruned_frac * L)
// layers, then a linear, non-increasing ramp that reaches `bottom` at the last layer.
std::vector<int> ramp_schedule(int layers, int top, int bottom, double unpruned_frac);

}  // namespace sinkattn
