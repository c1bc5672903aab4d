// Attention traces: the float tensors a user brings (or gen-trace makes), and their integer form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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

enum class TraceTensor { kQ, kK, kV };

struct MappedTensors;  // trace_io.cpp: the mapped .npy files of an opened trace

// A trace in floating point, exactly as loaded. Tensors are C order: q [L, Hq, Tq, D], k and
// v [L, Hkv, T, D]. Tq is T (a query for every token) or T - prompt (the decode steps' queries
// only; then q_first = prompt and q's row r is token q_first + r).
//
// load_trace and gen-trace hold the tensors in memory (q, k, v). open_trace maps the files
// instead and leaves q, k, v empty: read_rows converts rows on demand and release_slice hands
// a slice's pages back, so a long trace never sits in memory twice (docs/traces.md).
struct FloatTrace {
  Shape shape;
  std::vector<float> q, k, v;
  int q_first = 0;
  // Optional prompt attention as the exporting framework accumulated it during its prefill:
  // [L, prompt_score_heads, P], prompt_score_heads being Hkv or Hq (0: none; docs/traces.md).
  std::vector<float> prompt_scores;
  int prompt_score_heads = 0;
  std::string description;
  std::string dir;        // where it was loaded from ("" if made in memory)
  nlohmann::json meta;    // meta.json as read (or to be written), minus the tensors
  std::shared_ptr<const MappedTensors> mapped;  // set by open_trace

  int q_tokens() const { return shape.tokens - q_first; }
  // In-memory traces only (q, k, v non-empty); t is a token index (>= q_first for q).
  const float* q_row(int l, int h, int t) const { return &q[offset(shape.q_heads, q_tokens(), l, h, t - q_first)]; }
  const float* k_row(int l, int g, int t) const { return &k[offset(shape.kv_heads, shape.tokens, l, g, t)]; }
  const float* v_row(int l, int g, int t) const { return &v[offset(shape.kv_heads, shape.tokens, l, g, t)]; }
  std::size_t offset(int heads, int l, int h, int t) const { return offset(heads, shape.tokens, l, h, t); }
  std::size_t offset(int heads, int rows, int l, int h, int r) const {
    return ((static_cast<std::size_t>(l) * heads + h) * rows + r) * shape.head_dim;
  }

  // Tokens t0 .. t0+n-1 of (layer l, head h) of one tensor as float, into dst (n * D values),
  // from memory or from the mapped file (float16 widened, int8 times its scale). For q, t0 is a
  // token index >= q_first.
  void read_rows(TraceTensor which, int l, int h, int t0, int n, float* dst) const;
  // Lets the OS reclaim the resident pages of slice (l, h) of a mapped tensor; no-op in memory.
  void release_slice(TraceTensor which, int l, int h) const;
};

// Loads DIR/{q,k,v}.npy (float32, float16 or int8), the optional DIR/meta.json and
// DIR/prompt_scores.npy, and validates everything: dtypes, ranks, consistent shapes, Hq a
// multiple of Hkv, finite values, the prompt length, decode-only queries. Throws InputError
// naming the file, the field and the reason. load_trace copies the tensors into memory as float;
// open_trace maps them (same checks, same values through read_rows).
FloatTrace load_trace(const std::string& dir);
FloatTrace open_trace(const std::string& dir);

// Writes DIR/{q,k,v}.npy in `dtype` (float32, float16, or int8 with per-(layer, head, tensor)
// scales recorded in meta.json) and DIR/meta.json.
void save_trace(const FloatTrace& trace, const std::string& dir, npy::DType dtype);

// Writes a trace directory one (layer, head) slice at a time, so that a long trace is never in
// memory whole (gen-trace streams with it; save_trace is it over an in-memory trace). Each
// tensor's slices come in C order, (l, h) = (0, 0), (0, 1), ...; the three tensors may
// interleave. q holds tokens q_first .. T-1 (q_first 0 or the prompt length). Values are
// converted as save_trace states; an int8 slice's scale is made from the slice.
class TraceWriter {
 public:
  TraceWriter(const std::string& dir, const Shape& s, int q_first, npy::DType dtype);
  ~TraceWriter();
  // `rows` holds the slice's (T - q_first for q, T for k and v) x D values.
  void put(TraceTensor which, int l, int h, const float* rows);
  // Closes the tensors and writes meta.json (prompt_len, description, the scales, and
  // `extra`'s generator and measured objects and its unknown keys, unchanged) and prompt_scores.npy ([L, heads, P]; removed
  // when empty). Throws std::logic_error if a slice is missing.
  void finish(const std::string& description, const nlohmann::json& extra, const std::vector<float>& prompt_scores = {},
              int prompt_score_heads = 0);

 private:
  int heads(int i) const;
  int rows(int i) const;
  std::string path(int i) const;
  std::string dir_;
  Shape shape_;
  int q_first_;
  npy::DType dtype_;
  std::unique_ptr<npy::Writer> files_[3];  // q, k, v
  int next_[3] = {0, 0, 0};                // next slice index l * heads + h
  std::vector<double> scales_[3];          // int8: per slice, in order
};

// Writes DIR/meta.json.
void write_meta(const std::string& dir, const nlohmann::json& meta);

// meta.json keys the reader interprets (prompt_len, description, scales, generator, measured);
// every other key is another tool's metadata, kept and reported, never refused.
bool is_known_meta_key(const std::string& key);
// The keys of `meta` that are not known, with their values (an empty object if none).
nlohmann::json unknown_meta(const nlohmann::json& meta);

// Score-scale constant C = mant * 2^-shift: folds the Q and K quantization steps, 1/sqrt(D) and
// log2(e) into one fixed-point multiplier (docs/numerics.md, "Scores").
struct ScoreScale {
  std::uint32_t mant = 0;
  int shift = 0;
};

// The integer trace that every implementation of the accelerator consumes. q holds the decode
// steps' queries only: [L, Hq, T - prompt, D], indexed by token through q_row. Values are signed
// data_bits-bit integers held in int16. Scales are host-side calibration, made once here.
struct IntTrace {
  Shape shape;
  std::vector<std::int16_t> q, k, v;        // q [L, Hq, T - P, D]; k, v [L, Hkv, T, D]
  // The prompt's queries [L, Hq, P, D], same scale as q, for the host's dense prefill; empty
  // when the trace holds the decode steps' queries only.
  std::vector<std::int16_t> q_prompt;
  std::vector<double> q_scale;              // [L, Hq]   real = int * scale
  std::vector<double> k_scale, v_scale;     // [L, Hkv]
  std::vector<ScoreScale> score_scale;      // [L, Hq]

  const std::int16_t* q_row(int l, int h, int t) const {
    return &q[((static_cast<std::size_t>(l) * shape.q_heads + h) * shape.steps() + (t - shape.prompt)) * shape.head_dim];
  }
  // Prompt token t < P (q_prompt non-empty).
  const std::int16_t* q_prompt_row(int l, int h, int t) const {
    return &q_prompt[((static_cast<std::size_t>(l) * shape.q_heads + h) * shape.prompt + t) * shape.head_dim];
  }
  bool has_prompt_queries() const { return shape.prompt > 0 && !q_prompt.empty(); }
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

// Sets t.score_scale from t.q_scale and t.k_scale (C = q_scale * k_scale * log2(e) / sqrt(D)).
// Throws InputError (file `where`) for a constant beyond the datapath's logit range.
void fill_score_scales(IntTrace& t, const std::string& where);

}  // namespace sinkattn
