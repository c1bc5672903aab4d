// Trace directories: q.npy, k.npy, v.npy and the optional meta.json (docs/traces.md).
#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "sinkattn/error.hpp"
#include "sinkattn/path_check.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kMetaKeys = "prompt_len, description, scales, generator, measured";

std::string shape_str(const std::vector<std::size_t>& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// One mapped tensor file, with the names its errors use.
struct Tensor {
  std::string name;  // "q", "k" or "v"
  std::string path;
  struct {
    npy::DType dtype = npy::DType::kFloat32;
    std::vector<std::size_t> shape;
  } array;
  npy::MappedArray mapped;
  std::vector<double> scales;  // int8 traces: one per (layer, head); empty otherwise
};

// Maps one tensor and checks what it can alone: rank 4 and dimensions that are neither zero
// nor too large for the int fields of Shape.
Tensor read_tensor(const fs::path& dir, const std::string& name) {
  Tensor t{name, (dir / (name + ".npy")).string(), {}, {}, {}};
  if (!path_exists(t.path, "file")) throw InputError(t.path, "file", "missing: a trace directory holds q.npy, k.npy and v.npy");
  t.mapped = npy::map(t.path, {npy::DType::kFloat32, npy::DType::kFloat16, npy::DType::kInt8});
  t.array.dtype = t.mapped.dtype();
  t.array.shape = t.mapped.shape();
  const auto& s = t.array.shape;
  if (s.size() != 4)
    throw InputError(t.path, "shape", "shape " + shape_str(s) + " has rank " + std::to_string(s.size()) +
                                          "; expected 4 dimensions [L, H, T, D]");
  for (std::size_t d : s) {
    if (d == 0) throw InputError(t.path, "shape", "shape " + shape_str(s) + " has a zero-sized dimension");
    if (d > static_cast<std::size_t>(INT_MAX)) throw InputError(t.path, "shape", "shape " + shape_str(s) + " is too large");
  }
  return t;
}

// q, k and v must share one dtype, L and D; k and v also share T and Hkv, which divides Hq.
// q's T is k's T (every token's query) or smaller (the decode steps' queries only).
void check_agreement(const Tensor& q, const Tensor& k, const Tensor& v) {
  static const char* const kDimNames[4] = {"L (layers)", "H (heads)", "T (tokens)", "D (head dim)"};
  for (const Tensor* x : {&k, &v}) {
    if (x->array.dtype != q.array.dtype)
      throw InputError(x->path, "dtype", std::string(npy::dtype_name(x->array.dtype)) + " differs from q.npy's " +
                                             npy::dtype_name(q.array.dtype) + "; q, k and v must share one dtype");
    for (int d : {0, 3})
      if (x->array.shape[d] != q.array.shape[d])
        throw InputError(x->path, "shape", x->name + ".npy shape " + shape_str(x->array.shape) +
                                               " disagrees with q.npy shape " + shape_str(q.array.shape) + " in " +
                                               kDimNames[d]);
  }
  if (v.array.shape[2] != k.array.shape[2])
    throw InputError(v.path, "shape", "v.npy shape " + shape_str(v.array.shape) + " disagrees with k.npy shape " +
                                          shape_str(k.array.shape) + " in T (tokens)");
  if (q.array.shape[2] > k.array.shape[2])
    throw InputError(q.path, "shape", "q.npy shape " + shape_str(q.array.shape) + " has more tokens than k.npy shape " +
                                          shape_str(k.array.shape) + "; q holds every token's query (T rows) or the "
                                          "decode steps' only (T - prompt_len rows)");
  if (v.array.shape[1] != k.array.shape[1])
    throw InputError(v.path, "shape", "v.npy shape " + shape_str(v.array.shape) + " disagrees with k.npy shape " +
                                          shape_str(k.array.shape) + " in Hkv (KV heads)");
  if (q.array.shape[1] % k.array.shape[1] != 0)
    throw InputError(q.path, "shape", "Hq = " + std::to_string(q.array.shape[1]) + " (q.npy shape " +
                                          shape_str(q.array.shape) + ") is not a multiple of Hkv = " +
                                          std::to_string(k.array.shape[1]) + " (k.npy shape " +
                                          shape_str(k.array.shape) + ")");
}

// The first NaN or Inf of a tensor, by its [l,h,t,d] index in the file. Streams slice by slice
// and hands every slice's pages back, so a long trace is checked in a small window of memory.
void check_finite(const FloatTrace& trace, TraceTensor which, const Tensor& t) {
  const auto& sh = t.array.shape;
  const int first = which == TraceTensor::kQ ? trace.q_first : 0;
  std::vector<float> buf(sh[2] * sh[3]);
  for (std::size_t l = 0; l < sh[0]; ++l)
    for (std::size_t h = 0; h < sh[1]; ++h) {
      trace.read_rows(which, static_cast<int>(l), static_cast<int>(h), first, static_cast<int>(sh[2]), buf.data());
      trace.release_slice(which, static_cast<int>(l), static_cast<int>(h));
      const auto bad = std::find_if(buf.begin(), buf.end(), [](float f) { return !std::isfinite(f); });
      if (bad == buf.end()) continue;
      const std::size_t i = static_cast<std::size_t>(bad - buf.begin());
      const std::string at = shape_str({l, h, i / sh[3], i % sh[3]});
      throw InputError(t.path, "data", std::string(std::isnan(*bad) ? "NaN" : "Inf") + " at [l,h,t,d] = " + at +
                                           "; every value must be finite");
    }
}

json read_meta(const std::string& path) {
  if (!path_exists(path, "file")) return json::object();
  std::ifstream in(path);
  if (!in) throw InputError(path, "file", "cannot open");
  json m;
  try {
    m = json::parse(in);
  } catch (const json::exception& e) {  // e.what() carries the parser's line and column
    throw InputError(path, "", std::string("malformed JSON: ") + e.what());
  }
  if (!m.is_object())
    throw InputError(path, "", "the top level must be a JSON object (known keys: " + std::string(kMetaKeys) + ")");
  // Keys this reader does not know (a model name, a seed, the exporting tool) are other tools'
  // metadata: kept as they are and reported (unknown_meta_keys), never refused. The known keys
  // below stay strictly checked.
  for (const char* key : {"generator", "measured"})
    if (m.contains(key) && !m[key].is_object()) throw InputError(path, key, "must be a JSON object");
  if (m.contains("description") && !m["description"].is_string())
    throw InputError(path, "description", "must be a string");
  return m;
}

// meta.json "prompt_len"; when absent, T/2, or T - Tq for decode-only queries (Tq < T).
int read_prompt(const json& m, int tokens, int q_tokens, const std::string& path, const std::string& q_path) {
  const bool decode_only = q_tokens < tokens;
  if (!m.contains("prompt_len")) return decode_only ? tokens - q_tokens : tokens / 2;
  const json& p = m["prompt_len"];
  if (!p.is_number_integer()) throw InputError(path, "prompt_len", "must be an integer (got " + p.dump() + ")");
  const double v = p.get<double>();  // exact for every value that can be in range
  if (v < 0 || v > tokens - 1)
    throw InputError(path, "prompt_len", p.dump() + " is outside [0, T-1] = [0, " + std::to_string(tokens - 1) +
                                             "]: decode steps are prompt_len .. T-1");
  if (decode_only && v != tokens - q_tokens)
    throw InputError(q_path, "shape", "q.npy holds " + std::to_string(q_tokens) + " tokens and k.npy " +
                                          std::to_string(tokens) + ": decode-only queries need T - prompt_len = " +
                                          std::to_string(tokens - static_cast<int>(v)) + " rows (meta.json prompt_len " +
                                          p.dump() + ")");
  return static_cast<int>(v);
}

// meta.json "scales"[name]: [layers][heads] positive finite numbers, flattened.
std::vector<double> read_scales(const json& scales, const std::string& name, std::size_t layers, std::size_t heads,
                                const std::string& path) {
  const std::string field = "scales." + name;
  if (!scales.contains(name)) throw InputError(path, field, "missing: scales needs q, k and v");
  const json& s = scales[name];
  const std::string want = "must be an array of L = " + std::to_string(layers) + " arrays of " +
                           std::to_string(heads) + " numbers (one per layer and head)";
  if (!s.is_array() || s.size() != layers) throw InputError(path, field, want);
  std::vector<double> out;
  for (std::size_t l = 0; l < layers; ++l) {
    if (!s[l].is_array() || s[l].size() != heads) throw InputError(path, field, want);
    for (std::size_t h = 0; h < heads; ++h) {
      const json& x = s[l][h];
      if (!x.is_number() || !(x.get<double>() > 0) || !std::isfinite(x.get<double>()))
        throw InputError(path, field + "[" + std::to_string(l) + "][" + std::to_string(h) + "]",
                         "must be a positive finite number (got " + x.dump() + ")");
      out.push_back(x.get<double>());
    }
  }
  return out;
}

// DIR/prompt_scores.npy, optional: float32 [L, Hkv or Hq, P], finite and non-negative.
void read_prompt_scores(const fs::path& dir, FloatTrace& t) {
  const std::string path = (dir / "prompt_scores.npy").string();
  if (!path_exists(path, "file")) return;
  const npy::Array a = npy::read(path, {npy::DType::kFloat32});
  const Shape& s = t.shape;
  const std::string want = "; expected [L, Hkv or Hq, P] = [" + std::to_string(s.layers) + ", " +
                           std::to_string(s.kv_heads) + " or " + std::to_string(s.q_heads) + ", " +
                           std::to_string(s.prompt) + "] (P: meta.json prompt_len)";
  if (a.shape.size() != 3) throw InputError(path, "shape", "shape " + shape_str(a.shape) + " has rank " + std::to_string(a.shape.size()) + want);
  const std::size_t heads = a.shape[1];
  if (a.shape[0] != static_cast<std::size_t>(s.layers) ||
      (heads != static_cast<std::size_t>(s.kv_heads) && heads != static_cast<std::size_t>(s.q_heads)) ||
      a.shape[2] != static_cast<std::size_t>(s.prompt))
    throw InputError(path, "shape", "shape " + shape_str(a.shape) + want);
  std::vector<float> x = a.to_float();
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]) || x[i] < 0) {
      const std::string at = shape_str({i / (heads * s.prompt), i / s.prompt % heads, i % s.prompt});
      throw InputError(path, "data", "value " + std::to_string(x[i]) + " at [l,h,p] = " + at +
                                         "; accumulated attention is finite and non-negative");
    }
  t.prompt_scores = std::move(x);
  t.prompt_score_heads = static_cast<int>(heads);
}

const Tensor& tensor_of(const MappedTensors& m, TraceTensor which);

}  // namespace

bool is_known_meta_key(const std::string& key) {
  return key == "prompt_len" || key == "description" || key == "scales" || key == "generator" || key == "measured";
}

nlohmann::json unknown_meta(const nlohmann::json& meta) {
  json r = json::object();
  if (!meta.is_object()) return r;
  for (auto it = meta.begin(); it != meta.end(); ++it)
    if (!is_known_meta_key(it.key())) r[it.key()] = it.value();
  return r;
}

// The mapped files of a trace opened by open_trace.
struct MappedTensors {
  Tensor q, k, v;
};

namespace {
const Tensor& tensor_of(const MappedTensors& m, TraceTensor which) {
  return which == TraceTensor::kQ ? m.q : which == TraceTensor::kK ? m.k : m.v;
}
}  // namespace

FloatTrace open_trace(const std::string& dir) {
  auto m = std::make_shared<MappedTensors>();
  m->q = read_tensor(dir, "q"), m->k = read_tensor(dir, "k"), m->v = read_tensor(dir, "v");
  const Tensor &q = m->q, &k = m->k;
  check_agreement(q, k, m->v);
  const std::string meta_path = (fs::path(dir) / "meta.json").string();

  FloatTrace t;
  t.dir = dir;
  t.meta = read_meta(meta_path);
  const auto& qs = q.array.shape;
  Shape& s = t.shape;
  s.layers = static_cast<int>(qs[0]);
  s.q_heads = static_cast<int>(qs[1]);
  s.kv_heads = static_cast<int>(k.array.shape[1]);
  s.tokens = static_cast<int>(k.array.shape[2]);
  s.head_dim = static_cast<int>(qs[3]);
  s.prompt = read_prompt(t.meta, s.tokens, static_cast<int>(qs[2]), meta_path, q.path);
  t.q_first = s.tokens - static_cast<int>(qs[2]);
  if (t.meta.contains("description")) t.description = t.meta["description"].get<std::string>();

  if (t.meta.contains("scales")) {
    const json& sc = t.meta["scales"];
    if (!sc.is_object()) throw InputError(meta_path, "scales", "must be a JSON object with keys q, k and v");
    if (q.array.dtype != npy::DType::kInt8)
      throw InputError(meta_path, "scales", std::string("the tensors are ") + npy::dtype_name(q.array.dtype) +
                                                "; scales apply only to int8 traces");
    for (auto it = sc.begin(); it != sc.end(); ++it)
      if (it.key() != "q" && it.key() != "k" && it.key() != "v")
        throw InputError(meta_path, "scales." + it.key(), "unknown key; scales has q, k and v");
    m->q.scales = read_scales(sc, "q", qs[0], qs[1], meta_path);
    m->k.scales = read_scales(sc, "k", qs[0], k.array.shape[1], meta_path);
    m->v.scales = read_scales(sc, "v", qs[0], k.array.shape[1], meta_path);
  }
  read_prompt_scores(dir, t);
  t.mapped = m;
  check_finite(t, TraceTensor::kQ, m->q);
  check_finite(t, TraceTensor::kK, m->k);
  check_finite(t, TraceTensor::kV, m->v);
  return t;
}

FloatTrace load_trace(const std::string& dir) {
  FloatTrace t = open_trace(dir);
  const Shape& s = t.shape;
  const std::size_t D = s.head_dim;
  t.q.resize(static_cast<std::size_t>(s.layers) * s.q_heads * t.q_tokens() * D);
  t.k.resize(static_cast<std::size_t>(s.layers) * s.kv_heads * s.tokens * D);
  t.v.resize(t.k.size());
  for (int l = 0; l < s.layers; ++l) {
    for (int h = 0; h < s.q_heads; ++h)
      t.read_rows(TraceTensor::kQ, l, h, t.q_first, t.q_tokens(), &t.q[t.offset(s.q_heads, t.q_tokens(), l, h, 0)]);
    for (int g = 0; g < s.kv_heads; ++g) {
      t.read_rows(TraceTensor::kK, l, g, 0, s.tokens, &t.k[t.offset(s.kv_heads, l, g, 0)]);
      t.read_rows(TraceTensor::kV, l, g, 0, s.tokens, &t.v[t.offset(s.kv_heads, l, g, 0)]);
    }
  }
  t.mapped.reset();
  return t;
}

void FloatTrace::read_rows(TraceTensor which, int l, int h, int t0, int n, float* dst) const {
  const int heads = which == TraceTensor::kQ ? shape.q_heads : shape.kv_heads;
  const int first = which == TraceTensor::kQ ? q_first : 0;
  const int rows = shape.tokens - first;
  if (l < 0 || l >= shape.layers || h < 0 || h >= heads || n < 0 || t0 < first || t0 - first + n > rows)
    throw std::out_of_range("FloatTrace::read_rows: rows outside the tensor");
  const std::size_t at = offset(heads, rows, l, h, t0 - first);
  const std::size_t count = static_cast<std::size_t>(n) * shape.head_dim;
  if (!mapped) {
    const std::vector<float>& x = which == TraceTensor::kQ ? q : which == TraceTensor::kK ? k : v;
    if (x.size() < at + count) throw std::logic_error("FloatTrace::read_rows: tensors do not match the shape");
    std::copy(x.begin() + at, x.begin() + at + count, dst);
    return;
  }
  const Tensor& t = tensor_of(*mapped, which);
  npy::to_float(t.array.dtype, t.mapped.data() + at * npy::dtype_size(t.array.dtype), count, dst);
  if (!t.scales.empty()) {
    const double scale = t.scales[static_cast<std::size_t>(l) * heads + h];
    for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(dst[i] * scale);
  }
}

void FloatTrace::release_slice(TraceTensor which, int l, int h) const {
  if (!mapped) return;
  const Tensor& t = tensor_of(*mapped, which);
  const std::size_t slice = t.array.shape[2] * t.array.shape[3] * npy::dtype_size(t.array.dtype);
  t.mapped.release((static_cast<std::size_t>(l) * t.array.shape[1] + h) * slice, slice);
}

}  // namespace sinkattn
