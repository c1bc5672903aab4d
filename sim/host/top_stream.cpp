#include "top_stream.hpp"

#include <algorithm>

#include "sinkattn/numerics.hpp"

namespace sinkattn::host {
namespace {

int plane_stride(int hw_head_dim) {
  const int max_plane = (hw_head_dim * num::kDataBits + 7) / 8;
  int s = 1;
  while (s < max_plane) s *= 2;
  return s;
}

// Packs `n` w-bit fields LSB first into bytes.
void pack(std::uint8_t* dst, const std::int16_t* src, int n, int w, int (*field)(int)) {
  for (int d = 0; d < n; ++d) {
    const std::uint32_t v = static_cast<std::uint32_t>(field(src[d])) & ((1u << w) - 1);
    for (int b = 0; b < w; ++b)
      if ((v >> b) & 1) dst[(d * w + b) / 8] |= static_cast<std::uint8_t>(1u << ((d * w + b) % 8));
  }
}

}  // namespace

std::vector<TopCommand> top_commands(const Config& cfg, const Plan& plan, const IntTrace& tr, const TopLayout& layout) {
  const Shape& s = tr.shape;
  const PolicyConfig& p = cfg.policy;
  std::vector<TopCommand> c;
  auto reg = [&c](Register addr, std::uint64_t v) { c.push_back({kOpReg, static_cast<std::uint32_t>(addr), v, nullptr}); };
  reg(kRegLayers, s.layers);
  reg(kRegQHeads, s.q_heads);
  reg(kRegKvHeads, s.kv_heads);
  reg(kRegGroup, s.group());
  reg(kRegHeadDim, s.head_dim);
  reg(kRegTokens, s.tokens);
  reg(kRegPrompt, s.prompt);
  reg(kRegSinks, p.sinks);
  reg(kRegWindow, p.window);
  reg(kRegFlags, kFlagHeadPruning.put(p.head_pruning) | kFlagGranularityHead.put(p.granularity == Granularity::kHead) |
                     kFlagCascade.put(p.cascade) | kFlagProgressiveQuant.put(p.progressive_quant));
  reg(kRegWarmup, p.head_warmup_steps);
  reg(kRegTau, plan.tau_fx);
  for (int l = 0; l < s.layers; ++l) {
    c.push_back({kOpLayer, static_cast<std::uint32_t>(l),
                 kLayerHeadsKeep.put(plan.heads_keep[l]) | kLayerBudget.put(plan.budget[l]), nullptr});
    std::uint64_t pol = 0;
    for (int g = 0; g < s.kv_heads; ++g) {
      const HeadPolicy hp = plan.policy(l, g);
      const std::uint64_t code = hp == HeadPolicy::kRetrieval   ? kPolicyRetrieval
                                 : hp == HeadPolicy::kStreaming ? kPolicyStreaming
                                                                : kPolicyTopk;
      pol |= code << (kPolicyBits * g);
    }
    c.push_back({kOpPolicy, static_cast<std::uint32_t>(l), pol, nullptr});
  }
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g)
      for (int j = 0; j < std::min(p.sinks, s.tokens); ++j) {
        const auto a = static_cast<std::uint32_t>((l * layout.max_kv_heads + g) * layout.sink_sram_tokens + j);
        c.push_back({kOpSinkK, a, 0, tr.k_row(l, g, j)});
        c.push_back({kOpSinkV, a, 0, tr.v_row(l, g, j)});
      }
  c.push_back({kOpClear, 0, 0, nullptr});
  for (int t = s.prompt; t < s.tokens; ++t)
    for (int l = 0; l < s.layers; ++l) {
      for (int h = 0; h < s.q_heads; ++h) {
        const ScoreScale sc = tr.score_scale[static_cast<std::size_t>(l) * s.q_heads + h];
        c.push_back({kOpQuery, static_cast<std::uint32_t>(h), kQueryShift.put(sc.shift) | kQueryMant.put(sc.mant),
                     tr.q_row(l, h, t)});
      }
      c.push_back({kOpRun, 0, kRunStep.put(t) | kRunLayer.put(l), nullptr});
    }
  return c;
}

std::vector<std::uint8_t> dram_image(const IntTrace& tr, int hw_head_dim) {
  const Shape& s = tr.shape;
  const std::size_t stride = static_cast<std::size_t>(plane_stride(hw_head_dim));
  std::vector<std::uint8_t> img(static_cast<std::size_t>(s.layers) * s.kv_heads * s.tokens * 4 * stride, 0);
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g)
      for (int j = 0; j < s.tokens; ++j) {
        const std::size_t row = ((static_cast<std::size_t>(l) * s.kv_heads + g) * s.tokens + j) * 4;
        const std::int16_t* k = tr.k_row(l, g, j);
        const std::int16_t* v = tr.v_row(l, g, j);
        pack(&img[(row + 0) * stride], k, s.head_dim, num::kDataBits, [](int x) { return x; });
        pack(&img[(row + 1) * stride], k, s.head_dim, num::kKeyMsbBits, [](int x) { return num::key_msb(x); });
        pack(&img[(row + 2) * stride], k, s.head_dim, num::kKeyLsbBits, [](int x) { return num::key_lsb(x); });
        pack(&img[(row + 3) * stride], v, s.head_dim, num::kDataBits, [](int x) { return x; });
      }
  return img;
}

}  // namespace sinkattn::host
