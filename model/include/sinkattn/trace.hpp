// Attention traces: the float tensors a user brings (or gen-trace makes), and their integer form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sinkattn/npy.hpp"

namespace sinkattn {

// The workload shape. Decode steps are t = prompt .. tokens-1; at step t the query of token t
// attends over the keys and values of tokens 0..t.
struct Shape {
  int layers = 0;    // L
  int q_heads = 0;   // Hq
  int kv_heads = 0;  // Hkv; Hq is a multiple of Hkv (GQA when smaller)
  int head_dim = 0;  // D
  int tokens = 0;    // T
  int prompt = 0;    // P
  int steps() const { return tokens - prompt; }
  int group() const { return q_heads / kv_heads; }  // query heads per KV head
};

// A trace in floating point, exactly as loaded. Tensors are C order:
// q [L, Hq, T, D], k and v [L, Hkv, T, D].
struct FloatTrace {
  Shape shape;
  std::vector<float> q, k, v;
  std::string description;
  std::string dir;        // where it was loaded from ("" if made in memory)
  nlohmann::json meta;    // meta.json as read (or to be written), minus the tensors

  const float* q_row(int l, int h, int t) const { return &q[offset(shape.q_heads, l, h, t)]; }
  const float* k_row(int l, int g, int t) const { return &k[offset(shape.kv_heads, l, g, t)]; }
  const float* v_row(int l, int g, int t) const { return &v[offset(shape.kv_heads, l, g, t)]; }
  std::size_t offset(int heads, int l, int h, int t) const {
    return ((static_cast<std::size_t>(l) * heads + h) * shape.tokens + t) * shape.head_dim;
  }
};

// Loads DIR/{q,k,v}.npy (float32, float16 or int8) and the optional DIR/meta.json, and
// validates everything: dtypes, ranks, consistent shapes, Hq a multiple of Hkv, finite values,
// the prompt length. Throws InputError naming the file, the field and the reason.
FloatTrace load_trace(const std::string& dir);

// Writes DIR/{q,k,v}.npy in `dtype` (float32, float16, or int8 with per-(layer, head, tensor)
// scales recorded in meta.json) and DIR/meta.json.
void save_trace(const FloatTrace& trace, const std::string& dir, npy::DType dtype);

// Score-scale constant C = mant * 2^-shift: folds the Q and K quantization steps, 1/sqrt(D) and
// log2(e) into one fixed-point multiplier (docs/numerics.md, "Scores").
struct ScoreScale {
  std::uint32_t mant = 0;
  int shift = 0;
};

// The integer trace that every implementation of the accelerator consumes. Values are signed
// data_bits-bit integers held in int16. Scales are host-side calibration, made once here.
struct IntTrace {
  Shape shape;
  std::vector<std::int16_t> q, k, v;        // same layout as FloatTrace
  std::vector<double> q_scale;              // [L, Hq]   real = int * scale
  std::vector<double> k_scale, v_scale;     // [L, Hkv]
  std::vector<ScoreScale> score_scale;      // [L, Hq]

  const std::int16_t* q_row(int l, int h, int t) const { return &q[offset(shape.q_heads, l, h, t)]; }
  const std::int16_t* k_row(int l, int g, int t) const { return &k[offset(shape.kv_heads, l, g, t)]; }
  const std::int16_t* v_row(int l, int g, int t) const { return &v[offset(shape.kv_heads, l, g, t)]; }
  std::size_t offset(int heads, int l, int h, int t) const {
    return ((static_cast<std::size_t>(l) * heads + h) * shape.tokens + t) * shape.head_dim;
  }
};

// C as mant * 2^-shift, mant normalized to [2^(M-1), 2^M); constants below the shifter range
// lose mantissa bits (they may reach 0: a uniform row).
ScoreScale make_score_scale(double c);

// Symmetric quantization with one scale per (layer, head, tensor), as docs/numerics.md states.
IntTrace quantize_trace(const FloatTrace& trace);

}  // namespace sinkattn
