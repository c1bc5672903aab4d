// Trace directories: q.npy, k.npy, v.npy and the optional meta.json (docs/traces.md).
#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "sinkattn/error.hpp"
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

struct Tensor {
  std::string name;  // "q", "k" or "v"
  std::string path;
  npy::Array array;
};

// Reads one tensor and checks what it can alone: rank 4 and dimensions that are neither zero
// nor too large for the int fields of Shape.
Tensor read_tensor(const fs::path& dir, const std::string& name) {
  Tensor t{name, (dir / (name + ".npy")).string(), {}};
  if (!fs::exists(t.path)) throw InputError(t.path, "file", "missing: a trace directory holds q.npy, k.npy and v.npy");
  t.array = npy::read(t.path, {npy::DType::kFloat32, npy::DType::kFloat16, npy::DType::kInt8});
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

// q, k and v must share one dtype, L, T and D; k and v also share Hkv, which divides Hq.
void check_agreement(const Tensor& q, const Tensor& k, const Tensor& v) {
  static const char* const kDimNames[4] = {"L (layers)", "H (heads)", "T (tokens)", "D (head dim)"};
  for (const Tensor* x : {&k, &v}) {
    if (x->array.dtype != q.array.dtype)
      throw InputError(x->path, "dtype", std::string(npy::dtype_name(x->array.dtype)) + " differs from q.npy's " +
                                             npy::dtype_name(q.array.dtype) + "; q, k and v must share one dtype");
    for (int d : {0, 2, 3})
      if (x->array.shape[d] != q.array.shape[d])
        throw InputError(x->path, "shape", x->name + ".npy shape " + shape_str(x->array.shape) +
                                               " disagrees with q.npy shape " + shape_str(q.array.shape) + " in " +
                                               kDimNames[d]);
  }
  if (v.array.shape[1] != k.array.shape[1])
    throw InputError(v.path, "shape", "v.npy shape " + shape_str(v.array.shape) + " disagrees with k.npy shape " +
                                          shape_str(k.array.shape) + " in Hkv (KV heads)");
  if (q.array.shape[1] % k.array.shape[1] != 0)
    throw InputError(q.path, "shape", "Hq = " + std::to_string(q.array.shape[1]) + " (q.npy shape " +
                                          shape_str(q.array.shape) + ") is not a multiple of Hkv = " +
                                          std::to_string(k.array.shape[1]) + " (k.npy shape " +
                                          shape_str(k.array.shape) + ")");
}

void check_finite(const std::vector<float>& x, const Tensor& t) {
  const auto bad = std::find_if(x.begin(), x.end(), [](float f) { return !std::isfinite(f); });
  if (bad == x.end()) return;
  std::size_t i = static_cast<std::size_t>(bad - x.begin());
  std::vector<std::size_t> idx(4);
  for (int d = 3; d >= 0; --d) idx[d] = i % t.array.shape[d], i /= t.array.shape[d];
  std::string at = shape_str(idx);
  throw InputError(t.path, "data", std::string(std::isnan(*bad) ? "NaN" : "Inf") + " at [l,h,t,d] = " + at +
                                       "; every value must be finite");
}

json read_meta(const std::string& path) {
  if (!fs::exists(path)) return json::object();
  std::ifstream in(path);
  if (!in) throw InputError(path, "file", "cannot open");
  json m;
  try {
    m = json::parse(in);
  } catch (const json::exception& e) {  // e.what() carries the parser's line and column
    throw InputError(path, "", std::string("malformed JSON: ") + e.what());
  }
  if (!m.is_object()) throw InputError(path, "", "the top level must be a JSON object with keys " + std::string(kMetaKeys));
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string& key = it.key();
    if (key != "prompt_len" && key != "description" && key != "scales" && key != "generator" && key != "measured")
      throw InputError(path, key, "unknown key; allowed keys: " + std::string(kMetaKeys));
  }
  for (const char* key : {"generator", "measured"})
    if (m.contains(key) && !m[key].is_object()) throw InputError(path, key, "must be a JSON object");
  if (m.contains("description") && !m["description"].is_string())
    throw InputError(path, "description", "must be a string");
  return m;
}

// meta.json "prompt_len", or T/2 when absent.
int read_prompt(const json& m, int tokens, const std::string& path) {
  if (!m.contains("prompt_len")) return tokens / 2;
  const json& p = m["prompt_len"];
  if (!p.is_number_integer()) throw InputError(path, "prompt_len", "must be an integer (got " + p.dump() + ")");
  const double v = p.get<double>();  // exact for every value that can be in range
  if (v < 0 || v > tokens - 1)
    throw InputError(path, "prompt_len", p.dump() + " is outside [0, T-1] = [0, " + std::to_string(tokens - 1) +
                                             "]: decode steps are prompt_len .. T-1");
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

// Widens one tensor to float; int8 values are multiplied by their (layer, head) scale.
std::vector<float> to_values(const Tensor& t, const std::vector<double>& scales) {
  std::vector<float> x = t.array.to_float();
  check_finite(x, t);
  if (scales.empty()) return x;
  const std::size_t slice = t.array.shape[2] * t.array.shape[3];
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(x[i] * scales[i / slice]);
  return x;
}

}  // namespace

FloatTrace load_trace(const std::string& dir) {
  const Tensor q = read_tensor(dir, "q"), k = read_tensor(dir, "k"), v = read_tensor(dir, "v");
  check_agreement(q, k, v);
  const std::string meta_path = (fs::path(dir) / "meta.json").string();

  FloatTrace t;
  t.dir = dir;
  t.meta = read_meta(meta_path);
  const auto& qs = q.array.shape;
  Shape& s = t.shape;
  s.layers = static_cast<int>(qs[0]);
  s.q_heads = static_cast<int>(qs[1]);
  s.kv_heads = static_cast<int>(k.array.shape[1]);
  s.tokens = static_cast<int>(qs[2]);
  s.head_dim = static_cast<int>(qs[3]);
  s.prompt = read_prompt(t.meta, s.tokens, meta_path);
  if (t.meta.contains("description")) t.description = t.meta["description"].get<std::string>();

  std::vector<double> q_scale, k_scale, v_scale;  // empty: no scaling
  if (t.meta.contains("scales")) {
    const json& sc = t.meta["scales"];
    if (!sc.is_object()) throw InputError(meta_path, "scales", "must be a JSON object with keys q, k and v");
    if (q.array.dtype != npy::DType::kInt8)
      throw InputError(meta_path, "scales", std::string("the tensors are ") + npy::dtype_name(q.array.dtype) +
                                                "; scales apply only to int8 traces");
    for (auto it = sc.begin(); it != sc.end(); ++it)
      if (it.key() != "q" && it.key() != "k" && it.key() != "v")
        throw InputError(meta_path, "scales." + it.key(), "unknown key; scales has q, k and v");
    q_scale = read_scales(sc, "q", qs[0], qs[1], meta_path);
    k_scale = read_scales(sc, "k", qs[0], k.array.shape[1], meta_path);
    v_scale = read_scales(sc, "v", qs[0], k.array.shape[1], meta_path);
  }
  t.q = to_values(q, q_scale);
  t.k = to_values(k, k_scale);
  t.v = to_values(v, v_scale);
  return t;
}

void save_trace(const FloatTrace& trace, const std::string& dir, npy::DType dtype) {
  const Shape& s = trace.shape;
  const std::size_t slice = static_cast<std::size_t>(s.tokens) * s.head_dim;
  const std::size_t q_heads = static_cast<std::size_t>(s.layers) * s.q_heads;
  const std::size_t kv_heads = static_cast<std::size_t>(s.layers) * s.kv_heads;
  if (trace.q.size() != q_heads * slice || trace.k.size() != kv_heads * slice || trace.v.size() != kv_heads * slice)
    throw std::invalid_argument("save_trace: tensor sizes do not match the shape");
  if (dtype != npy::DType::kFloat32 && dtype != npy::DType::kFloat16 && dtype != npy::DType::kInt8)
    throw std::invalid_argument(std::string("save_trace: traces are float32, float16 or int8, not ") +
                                npy::dtype_name(dtype));
  fs::create_directories(dir);

  // prompt_len and description come from the trace's fields, scales are made here; of the
  // rest of meta only the free-form generator and measured objects carry over.
  json meta = {{"prompt_len", s.prompt}, {"description", trace.description}};
  for (const char* key : {"generator", "measured"})
    if (trace.meta.contains(key)) meta[key] = trace.meta[key];

  const struct {
    const char* name;
    const std::vector<float>& x;
    int heads;
  } tensors[] = {{"q", trace.q, s.q_heads}, {"k", trace.k, s.kv_heads}, {"v", trace.v, s.kv_heads}};
  for (const auto& t : tensors) {
    const std::string path = (fs::path(dir) / (std::string(t.name) + ".npy")).string();
    const std::vector<std::size_t> shape = {static_cast<std::size_t>(s.layers), static_cast<std::size_t>(t.heads),
                                            static_cast<std::size_t>(s.tokens), static_cast<std::size_t>(s.head_dim)};
    if (dtype == npy::DType::kFloat32) {
      npy::write(path, dtype, shape, t.x.data());
    } else if (dtype == npy::DType::kFloat16) {
      std::vector<std::uint16_t> h(t.x.size());
      for (std::size_t i = 0; i < h.size(); ++i) {
        h[i] = npy::float_to_half(t.x[i]);
        if (std::isfinite(t.x[i]) && !std::isfinite(npy::half_to_float(h[i])))
          throw InputError(path, "dtype", "value " + std::to_string(t.x[i]) +
                                              " overflows float16 (largest 65504); use float32");
      }
      npy::write(path, dtype, shape, h.data());
    } else {
      // One symmetric scale per (layer, head): max|x| maps to 127.
      std::vector<std::int8_t> out(t.x.size());
      json scales = json::array();
      for (int l = 0; l < s.layers; ++l) {
        json row = json::array();
        for (int h = 0; h < t.heads; ++h) {
          const std::size_t base = (static_cast<std::size_t>(l) * t.heads + h) * slice;
          double maxabs = 0;
          for (std::size_t i = 0; i < slice; ++i) maxabs = std::max(maxabs, std::fabs(static_cast<double>(t.x[base + i])));
          const double scale = maxabs > 0 ? maxabs / 127 : 1.0;
          // std::round rounds half away from zero; the clamp only guards the last ulp of x/scale.
          for (std::size_t i = 0; i < slice; ++i)
            out[base + i] = static_cast<std::int8_t>(std::clamp(std::round(t.x[base + i] / scale), -127.0, 127.0));
          row.push_back(scale);
        }
        scales.push_back(row);
      }
      meta["scales"][t.name] = scales;
      npy::write(path, dtype, shape, out.data());
    }
  }

  const std::string meta_path = (fs::path(dir) / "meta.json").string();
  std::ofstream out(meta_path);
  out << meta.dump(2) << '\n';
  if (!out) throw std::runtime_error("cannot write " + meta_path);
}

}  // namespace sinkattn
