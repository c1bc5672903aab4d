// Host-side calibration: float traces to the integer form every implementation consumes.
#include <cmath>

#include "sinkattn/error.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn {
namespace {

// One symmetric scale per (layer, head) slice: max|x| over every row the file holds, from
// `first` (0, or the prompt length for decode-only queries) to T, maps to DataMax. Only rows
// [keep, T) are stored (keep >= first: the decode steps' queries for q). Slice by slice through
// read_rows, handing a mapped slice's pages back once it is quantized.
// With `head` non-null, rows [first, keep) go there ([L, heads, keep - first, D]).
void quantize_tensor(const FloatTrace& f, TraceTensor which, int heads, int first, int keep,
                     std::vector<std::int16_t>& out, std::vector<double>& scales,
                     std::vector<std::int16_t>* head = nullptr) {
  const Shape& s = f.shape;
  const int rows = s.tokens - first;
  const std::size_t slice_len = static_cast<std::size_t>(rows) * s.head_dim;
  const std::size_t skip = static_cast<std::size_t>(keep - first) * s.head_dim;
  const std::size_t kept_len = slice_len - skip;
  out.resize(kept_len * s.layers * heads);
  if (head) head->resize(skip * s.layers * heads);
  scales.resize(static_cast<std::size_t>(s.layers) * heads);
  std::vector<float> src(slice_len);
  for (int l = 0; l < s.layers; ++l)
    for (int h = 0; h < heads; ++h) {
      const std::size_t sl = static_cast<std::size_t>(l) * heads + h;
      f.read_rows(which, l, h, first, rows, src.data());
      f.release_slice(which, l, h);
      double maxabs = 0;
      for (std::size_t i = 0; i < slice_len; ++i) maxabs = std::max(maxabs, std::fabs(static_cast<double>(src[i])));
      const double scale = maxabs > 0 ? maxabs / num::kDataMax : 1.0;
      scales[sl] = scale;
      // Round half away from zero (std::round); |x/scale| <= DataMax by construction.
      auto q = [scale](float x) {
        const double v = std::round(x / scale);
        return static_cast<std::int16_t>(std::max<double>(-num::kDataMax, std::min<double>(num::kDataMax, v)));
      };
      std::int16_t* dst = &out[sl * kept_len];
      for (std::size_t i = 0; i < kept_len; ++i) dst[i] = q(src[skip + i]);
      if (head)
        for (std::size_t i = 0; i < skip; ++i) (*head)[sl * skip + i] = q(src[i]);
    }
}

}  // namespace

ScoreScale make_score_scale(double c) {
  ScoreScale r;
  if (!(c > 0)) return r;  // mant 0: every logit distance is 0 (a uniform row)
  int exp2 = 0;
  const double frac = std::frexp(c, &exp2);  // c = frac * 2^exp2, frac in [0.5, 1)
  long long mant = std::llround(std::ldexp(frac, num::kScaleMantBits));
  int shift = num::kScaleMantBits - exp2;
  if (mant == (1LL << num::kScaleMantBits)) mant >>= 1, --shift;
  if (shift > num::kScaleShiftMax) {  // tiny constant: the shifter's range bounds it; may become 0
    mant = std::llround(std::ldexp(c, num::kScaleShiftMax));
    shift = num::kScaleShiftMax;
  }
  r.mant = static_cast<std::uint32_t>(mant);
  r.shift = shift;
  return r;
}

void fill_score_scales(IntTrace& t, const std::string& where) {
  const Shape& s = t.shape;
  t.score_scale.resize(static_cast<std::size_t>(s.layers) * s.q_heads);
  const double fold = 1.0 / std::log(2.0) / std::sqrt(static_cast<double>(s.head_dim));  // log2(e)/sqrt(D)
  for (int l = 0; l < s.layers; ++l)
    for (int h = 0; h < s.q_heads; ++h) {
      const std::size_t qi = static_cast<std::size_t>(l) * s.q_heads + h;
      const std::size_t ki = static_cast<std::size_t>(l) * s.kv_heads + h / s.group();
      const ScoreScale sc = make_score_scale(t.q_scale[qi] * t.k_scale[ki] * fold);
      if (sc.mant != 0 && sc.shift < num::kScaleShiftMin)
        throw InputError(where, "layer " + std::to_string(l) + ", head " + std::to_string(h),
                         "q and k scales are so large that one integer score step exceeds the datapath's logit range; "
                         "rescale the trace");
      t.score_scale[qi] = sc;
    }
}

IntTrace quantize_trace(const FloatTrace& f) {
  const Shape& s = f.shape;
  IntTrace t;
  t.shape = s;
  // The query scale covers every q row the file holds, as it always has (the pinned golden
  // digests depend on it): all T rows of a full trace, the T - P decode rows of a decode-only
  // cut, whose integer queries may therefore differ slightly from the full trace's
  // (docs/numerics.md). The decode steps' queries go to q; a full trace's prompt queries, with
  // the same scale, to q_prompt, for the host's prefill (docs/policy.md, "Prefill importance").
  quantize_tensor(f, TraceTensor::kQ, s.q_heads, f.q_first, s.prompt, t.q, t.q_scale, f.q_first == 0 ? &t.q_prompt : nullptr);
  quantize_tensor(f, TraceTensor::kK, s.kv_heads, 0, 0, t.k, t.k_scale);
  quantize_tensor(f, TraceTensor::kV, s.kv_heads, 0, 0, t.v, t.v_scale);
  fill_score_scales(t, f.dir.empty() ? "trace" : f.dir + "/q.npy");
  return t;
}

}  // namespace sinkattn
