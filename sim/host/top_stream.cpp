#include "top_stream.hpp"

#include <algorithm>
#include <stdexcept>

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
  if (prefill_applies(cfg, tr)) {
    // The host's prefill (the golden model's integer row kernel) hands over the initial
    // importance of every non-sink prompt token, then the engine cuts each layer's over-budget
    // lists at step P - 1 (docs/policy.md, "Prefill importance").
    const PrefillImportance pi = prefill_importance(cfg, tr);
    for (int sc = 0; sc < pi.scopes; ++sc)
      for (int li = 0; li < pi.lists; ++li)
        for (int j = p.sinks; j < s.prompt; ++j)
          c.push_back({kOpImportance,
                       kImportanceAddrScope.put(sc) | kImportanceAddrList.put(li) | kImportanceAddrToken.put(j),
                       pi.at(sc, li, j), nullptr});
    for (int l = 0; l < s.layers; ++l)
      c.push_back({kOpRun, 0, kRunStep.put(s.prompt - 1) | kRunLayer.put(l) | kRunPrefill.put(1), nullptr});
  }
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

DramImage::DramImage(const IntTrace& tr, int hw_head_dim)
    : tr_(tr),
      stride_(static_cast<std::size_t>(plane_stride(hw_head_dim))),
      size_(static_cast<std::uint64_t>(tr.shape.layers) * tr.shape.kv_heads * tr.shape.tokens * 4 * stride_) {}

// Token row r of (layer, KV head) in the image is 4 planes: k, key MSBs, key LSBs, v.
void DramImage::read(std::uint64_t addr, std::size_t len, std::uint8_t* dst) const {
  if (addr > size_ || len > size_ - addr) throw std::out_of_range("DramImage::read: outside the image");
  const Shape& s = tr_.shape;
  std::vector<std::uint8_t> plane(stride_);
  while (len > 0) {
    const std::uint64_t index = addr / stride_;  // plane index
    const std::size_t at = static_cast<std::size_t>(addr % stride_);
    const std::uint64_t row = index / 4;
    const int j = static_cast<int>(row % s.tokens), g = static_cast<int>(row / s.tokens % s.kv_heads),
              l = static_cast<int>(row / s.tokens / s.kv_heads);
    std::fill(plane.begin(), plane.end(), 0);
    switch (index % 4) {
      case 0: pack(plane.data(), tr_.k_row(l, g, j), s.head_dim, num::kDataBits, [](int x) { return x; }); break;
      case 1: pack(plane.data(), tr_.k_row(l, g, j), s.head_dim, num::kKeyMsbBits, [](int x) { return num::key_msb(x); }); break;
      case 2: pack(plane.data(), tr_.k_row(l, g, j), s.head_dim, num::kKeyLsbBits, [](int x) { return num::key_lsb(x); }); break;
      default: pack(plane.data(), tr_.v_row(l, g, j), s.head_dim, num::kDataBits, [](int x) { return x; }); break;
    }
    const std::size_t n = std::min<std::size_t>(len, stride_ - at);
    std::copy_n(plane.begin() + static_cast<std::ptrdiff_t>(at), n, dst);
    dst += n, addr += n, len -= n;
  }
}

std::unique_ptr<DramModel> dram_over_trace(const DramParams& p, const IntTrace& tr, int hw_head_dim) {
  const auto image = std::make_shared<const DramImage>(tr, hw_head_dim);
  return std::make_unique<DramModel>(p, image->size(),
                                     [image](std::uint64_t a, std::size_t n, std::uint8_t* d) { image->read(a, n, d); });
}

std::vector<std::uint8_t> dram_image(const IntTrace& tr, int hw_head_dim) {
  const DramImage image(tr, hw_head_dim);
  std::vector<std::uint8_t> img(image.size());
  image.read(0, img.size(), img.data());
  return img;
}

}  // namespace sinkattn::host
