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
  auto reg = [&c](int addr, std::uint64_t v) { c.push_back({kOpReg, static_cast<std::uint32_t>(addr), v, nullptr}); };
  reg(0, s.layers);
  reg(1, s.q_heads);
  reg(2, s.kv_heads);
  reg(3, s.group());
  reg(4, s.head_dim);
  reg(5, s.tokens);
  reg(6, s.prompt);
  reg(7, p.sinks);
  reg(8, p.window);
  reg(9, (p.head_pruning ? 8 : 0) | (p.granularity == Granularity::kHead ? 4 : 0) | (p.cascade ? 2 : 0) |
             (p.progressive_quant ? 1 : 0));
  reg(10, p.head_warmup_steps);
  reg(11, plan.tau_fx);
  for (int l = 0; l < s.layers; ++l) {
    c.push_back({kOpLayer, static_cast<std::uint32_t>(l),
                 (static_cast<std::uint64_t>(plan.heads_keep[l]) << 32) | static_cast<std::uint64_t>(plan.budget[l]), nullptr});
    std::uint64_t pol = 0;
    for (int g = 0; g < s.kv_heads; ++g) {
      const HeadPolicy hp = plan.policy(l, g);
      const std::uint64_t code = hp == HeadPolicy::kRetrieval ? 0 : hp == HeadPolicy::kStreaming ? 1 : 2;
      pol |= code << (2 * g);
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
        c.push_back({kOpQuery, static_cast<std::uint32_t>(h), (static_cast<std::uint64_t>(sc.shift) << 16) | sc.mant,
                     tr.q_row(l, h, t)});
      }
      c.push_back({kOpRun, 0, (static_cast<std::uint64_t>(t) << 16) | static_cast<std::uint64_t>(l), nullptr});
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
