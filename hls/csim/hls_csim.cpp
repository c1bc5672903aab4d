#include "hls_csim.hpp"

#include <tuple>
#include <utility>

#include "kernel_datapath.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/params/all.hpp"

namespace sinkattn::hls {
namespace {

// The static hardware an instance is compiled with, beside the configuration's, in the
// configuration's field names. The rest of hw (max_layers, max_kv_heads, the sink SRAM, DRAM)
// belongs to the control and memory system, not to the kernel.
template <class T>
std::vector<std::pair<const char*, std::pair<long long, long long>>> static_hw(const HwConfig& hw) {
  return {{"hw.head_dim", {T::kHeadDim, hw.head_dim}},
          {"hw.max_tokens", {T::kMaxTokens, hw.max_tokens}},
          {"hw.max_q_heads", {T::kMaxQHeads, hw.max_q_heads}},
          {"hw.qk_lanes", {T::kQkLanes, hw.qk_lanes}},
          {"hw.pv_lanes", {T::kPvLanes, hw.pv_lanes}},
          {"hw.topk_parallelism", {T::kTopkParallelism, hw.topk_parallelism}},
          {"hw.topk_lfsr_seed", {T::kTopkLfsrSeed, hw.topk_lfsr_seed}}};
}

template <class T>
bool fits(const HwConfig& hw) {
  for (const auto& [field, v] : static_hw<T>(hw))
    if (v.first != v.second) return false;
  return true;
}

// Calls f(T*) for the first preset traits T whose hardware matches; returns false if none
// does. Presets whose hardware is too large for a kernel instance (kHlsMaxTokens) have none.
template <class T, class F>
bool call_if_instance(const HwConfig& hw, F& f) {
  if constexpr (T::kMaxTokens > kHlsMaxTokens) {
    return false;
  } else {
    if (!fits<T>(hw)) return false;
    f(static_cast<T*>(nullptr));
    return true;
  }
}
template <class F, std::size_t... I>
bool dispatch(const HwConfig& hw, F&& f, std::index_sequence<I...>) {
  bool done = false;
  ((done = done || call_if_instance<std::tuple_element_t<I, params::AllPresets>>(hw, f)), ...);
  return done;
}
template <class F>
bool dispatch(const HwConfig& hw, F&& f) {
  return dispatch(hw, std::forward<F>(f), std::make_index_sequence<std::tuple_size_v<params::AllPresets>>{});
}

[[noreturn]] void no_instance(const Config& cfg) {
  if (cfg.hw.max_tokens > kHlsMaxTokens)
    throw InputError(cfg.source, "hw.max_tokens",
                     std::to_string(cfg.hw.max_tokens) + ": the HLS kernel is built for at most " +
                         std::to_string(kHlsMaxTokens) + " tokens (its buffers are the kernel's own arrays)");
  using First = std::tuple_element_t<0, params::AllPresets>;
  for (const auto& [field, v] : static_hw<First>(cfg.hw))
    if (v.first != v.second)
      throw InputError(cfg.source, field,
                       std::to_string(v.second) + ": the HLS kernel is compiled for the hardware of the presets in "
                       "configs/presets (" + field + " " + std::to_string(v.first) +
                       "); add a preset with this hardware and rebuild");
  throw InputError(cfg.source, "hw", "no HLS kernel instance has this hardware");
}

}  // namespace

std::string kernel_instance(const Config& cfg) {
  std::string name;
  if (!dispatch(cfg.hw, [&](auto* t) { name = std::remove_pointer_t<decltype(t)>::kName; })) no_instance(cfg);
  return name;
}

GoldenResult run_hls(const Config& cfg, const Plan& plan, const IntTrace& trace, const GoldenOptions& opt) {
  GoldenResult res;
  const bool ran = dispatch(cfg.hw, [&](auto* t) {
    using Traits = std::remove_pointer_t<decltype(t)>;
    KernelDatapath<Traits> kernel(trace);
    GoldenOptions o = opt;
    o.datapath = &kernel;
    res = run_golden(cfg, plan, trace, o);
  });
  if (!ran) no_instance(cfg);
  return res;
}

}  // namespace sinkattn::hls
