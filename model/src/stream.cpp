// The streaming engine: an IntTrace of the stream's capacity, filled row by row as the caller
// hands the rows in, driven by the same engine steps as run_golden (engine_steps.hpp).
#include "sinkattn/stream.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine_steps.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/numerics.hpp"

namespace sinkattn {
namespace {

constexpr const char* kWhere = "stream";

void check_scales(const std::vector<double>& s, std::size_t n, const char* name) {
  if (s.size() != n)
    throw InputError(kWhere, std::string("scales.") + name,
                     "has " + std::to_string(s.size()) + " entries, the shape needs " + std::to_string(n));
  for (std::size_t i = 0; i < n; ++i)
    if (!(std::isfinite(s[i]) && s[i] > 0))
      throw InputError(kWhere, std::string("scales.") + name + "[" + std::to_string(i) + "]", "must be positive and finite");
}

// Rows must be data_bits-bit integers: the datapath's inputs are that wide, and a value beyond
// them is a caller's quantization bug, never silently clamped here.
void check_range(const std::int16_t* x, std::size_t n, const std::string& field) {
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] > num::kDataMax || x[i] < -num::kDataMax)
      throw InputError(kWhere, field + "[" + std::to_string(i) + "]",
                       std::to_string(x[i]) + " is outside +-" + std::to_string(num::kDataMax) + " (data_bits)");
}

Shape checked_shape(const Shape& s) {
  if (s.layers <= 0 || s.q_heads <= 0 || s.kv_heads <= 0 || s.head_dim <= 0 || s.tokens <= 0)
    throw InputError(kWhere, "shape", "layers, heads, head_dim and tokens must be positive");
  if (s.q_heads % s.kv_heads != 0) throw InputError(kWhere, "shape.q_heads", "must be a multiple of kv_heads");
  if (s.prompt < 0 || s.prompt >= s.tokens) throw InputError(kWhere, "shape.prompt", "must be in [0, tokens)");
  return s;
}

}  // namespace

StreamEngine::StreamEngine(const Config& cfg, const Shape& shape, const StreamScales& scales, const GoldenOptions& opt)
    : cfg_(cfg), plan_(make_plan(cfg_, checked_shape(shape), kWhere)) {
  const Shape& s = shape;
  check_scales(scales.q, static_cast<std::size_t>(s.layers) * s.q_heads, "q");
  check_scales(scales.k, static_cast<std::size_t>(s.layers) * s.kv_heads, "k");
  check_scales(scales.v, static_cast<std::size_t>(s.layers) * s.kv_heads, "v");
  trace_.shape = s;
  trace_.q.assign(static_cast<std::size_t>(s.layers) * s.q_heads * s.steps() * s.head_dim, 0);
  trace_.k.assign(static_cast<std::size_t>(s.layers) * s.kv_heads * s.tokens * s.head_dim, 0);
  trace_.v.assign(trace_.k.size(), 0);
  trace_.q_scale = scales.q;
  trace_.k_scale = scales.k;
  trace_.v_scale = scales.v;
  fill_score_scales(trace_, kWhere);
  opt_ = opt;
  next_token_ = s.prompt;
}

StreamEngine::~StreamEngine() = default;

void StreamEngine::prefill(const std::int16_t* k, const std::int16_t* v, const std::int16_t* q_prompt) {
  if (prefilled_) throw std::logic_error("StreamEngine::prefill: the prompt was already given");
  const Shape& s = trace_.shape;
  const std::size_t n = static_cast<std::size_t>(s.layers) * s.kv_heads * s.prompt * s.head_dim;
  check_range(k, n, "prefill.k");
  check_range(v, n, "prefill.v");
  const std::size_t nq = static_cast<std::size_t>(s.layers) * s.q_heads * s.prompt * s.head_dim;
  if (q_prompt) check_range(q_prompt, nq, "prefill.q");
  const std::size_t slice = static_cast<std::size_t>(s.prompt) * s.head_dim;
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g) {
      const std::size_t src = (static_cast<std::size_t>(l) * s.kv_heads + g) * slice;
      std::copy(k + src, k + src + slice, trace_.k.begin() + trace_.offset(s.kv_heads, l, g, 0));
      std::copy(v + src, v + src + slice, trace_.v.begin() + trace_.offset(s.kv_heads, l, g, 0));
    }
  if (q_prompt) trace_.q_prompt.assign(q_prompt, q_prompt + nq);  // the layout IntTrace keeps
  // The engine starts from the prompt as the whole-trace engine does: made once the prompt's
  // rows are in the trace (its prefill importance reads them), then its prefill eviction pass.
  engine_ = std::make_unique<detail::StepEngine>(cfg_, plan_, trace_, opt_);
  engine_->prefill_pass();
  prefilled_ = true;
}

void StreamEngine::step_layer(int l, const std::int16_t* q, const std::int16_t* k, const std::int16_t* v, std::int16_t* out) {
  const Shape& s = trace_.shape;
  if (!prefilled_) throw std::logic_error("StreamEngine::step_layer: prefill first");
  if (next_token_ >= s.tokens)
    throw std::logic_error("StreamEngine::step_layer: the stream is full (capacity " + std::to_string(s.tokens) + " tokens)");
  if (l != next_layer_)
    throw std::logic_error("StreamEngine::step_layer: layer " + std::to_string(l) + " given, layer " +
                           std::to_string(next_layer_) + " of token " + std::to_string(next_token_) + " expected");
  const int t = next_token_, d = s.head_dim;
  const std::string at = "step " + std::to_string(t) + " layer " + std::to_string(l);
  check_range(q, static_cast<std::size_t>(s.q_heads) * d, at + " q");
  check_range(k, static_cast<std::size_t>(s.kv_heads) * d, at + " k");
  check_range(v, static_cast<std::size_t>(s.kv_heads) * d, at + " v");
  for (int h = 0; h < s.q_heads; ++h)
    std::copy(q + h * d, q + (h + 1) * d, trace_.q.begin() + (trace_.q_row(l, h, t) - trace_.q.data()));
  for (int g = 0; g < s.kv_heads; ++g) {
    std::copy(k + g * d, k + (g + 1) * d, trace_.k.begin() + trace_.offset(s.kv_heads, l, g, t));
    std::copy(v + g * d, v + (g + 1) * d, trace_.v.begin() + trace_.offset(s.kv_heads, l, g, t));
  }
  if (l == 0) engine_->begin_step(t);
  engine_->run_layer(t, l);
  const GoldenResult& r = engine_->result();
  const std::int16_t* rows = &r.out[r.row_index(t - s.prompt, l, 0) * d];
  std::copy(rows, rows + static_cast<std::size_t>(s.q_heads) * d, out);
  if (++next_layer_ == s.layers) {
    engine_->end_step(t);
    next_layer_ = 0;
    ++next_token_;
  }
}

const GoldenResult& StreamEngine::result() const {
  if (!engine_) throw std::logic_error("StreamEngine::result: prefill first");
  return engine_->result();
}

}  // namespace sinkattn
