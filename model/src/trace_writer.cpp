// Writing trace directories slice by slice (TraceWriter), and save_trace on top of it.
#include <algorithm>
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
constexpr const char* kNames[3] = {"q", "k", "v"};
}  // namespace

TraceWriter::TraceWriter(const std::string& dir, const Shape& s, int q_first, npy::DType dtype)
    : dir_(dir), shape_(s), q_first_(q_first), dtype_(dtype) {
  if (dtype != npy::DType::kFloat32 && dtype != npy::DType::kFloat16 && dtype != npy::DType::kInt8)
    throw std::invalid_argument(std::string("save_trace: traces are float32, float16 or int8, not ") +
                                npy::dtype_name(dtype));
  if (q_first != 0 && q_first != s.prompt)
    throw std::invalid_argument("TraceWriter: q starts at token 0 or at the prompt's end");
  fs::create_directories(dir);
  for (int i = 0; i < 3; ++i) {
    const std::vector<std::size_t> shape = {static_cast<std::size_t>(s.layers), static_cast<std::size_t>(heads(i)),
                                            static_cast<std::size_t>(rows(i)), static_cast<std::size_t>(s.head_dim)};
    files_[i] = std::make_unique<npy::Writer>(path(i), dtype, shape);
  }
}

TraceWriter::~TraceWriter() = default;

int TraceWriter::heads(int i) const { return i == 0 ? shape_.q_heads : shape_.kv_heads; }
int TraceWriter::rows(int i) const { return i == 0 ? shape_.tokens - q_first_ : shape_.tokens; }
std::string TraceWriter::path(int i) const { return (fs::path(dir_) / (std::string(kNames[i]) + ".npy")).string(); }

void TraceWriter::put(TraceTensor which, int l, int h, const float* x) {
  const int i = static_cast<int>(which);
  if (l * heads(i) + h != next_[i] || l >= shape_.layers || h >= heads(i))
    throw std::logic_error("TraceWriter: slices of " + std::string(kNames[i]) + ".npy out of order");
  ++next_[i];
  const std::size_t n = static_cast<std::size_t>(rows(i)) * shape_.head_dim;
  if (dtype_ == npy::DType::kFloat32) {
    files_[i]->append(x, n * sizeof(float));
  } else if (dtype_ == npy::DType::kFloat16) {
    std::vector<std::uint16_t> out(n);
    for (std::size_t e = 0; e < n; ++e) {
      out[e] = npy::float_to_half(x[e]);
      if (std::isfinite(x[e]) && !std::isfinite(npy::half_to_float(out[e])))
        throw InputError(path(i), "dtype", "value " + std::to_string(x[e]) + " overflows float16 (largest 65504); use float32");
    }
    files_[i]->append(out.data(), n * sizeof(std::uint16_t));
  } else {
    // One symmetric scale per (layer, head): max|x| maps to 127.
    double maxabs = 0;
    for (std::size_t e = 0; e < n; ++e) maxabs = std::max(maxabs, std::fabs(static_cast<double>(x[e])));
    const double scale = maxabs > 0 ? maxabs / 127 : 1.0;
    std::vector<std::int8_t> out(n);
    // std::round rounds half away from zero; the clamp only guards the last ulp of x/scale.
    for (std::size_t e = 0; e < n; ++e)
      out[e] = static_cast<std::int8_t>(std::clamp(std::round(x[e] / scale), -127.0, 127.0));
    files_[i]->append(out.data(), n);
    scales_[i].push_back(scale);
  }
}

void TraceWriter::finish(const std::string& description, const json& extra, const std::vector<float>& prompt_scores,
                         int prompt_score_heads) {
  for (auto& f : files_) f->finish();
  const Shape& s = shape_;
  // prompt_len and description come from the arguments, scales are made here; of the rest of
  // meta the free-form generator and measured objects and other tools' keys carry over.
  json meta = unknown_meta(extra);
  meta["prompt_len"] = s.prompt;
  meta["description"] = description;
  for (const char* key : {"generator", "measured"})
    if (extra.contains(key)) meta[key] = extra[key];
  if (dtype_ == npy::DType::kInt8)
    for (int i = 0; i < 3; ++i) {
      json per_layer = json::array();
      for (int l = 0; l < s.layers; ++l)
        per_layer.push_back(std::vector<double>(scales_[i].begin() + static_cast<std::ptrdiff_t>(l) * heads(i),
                                                scales_[i].begin() + static_cast<std::ptrdiff_t>(l + 1) * heads(i)));
      meta["scales"][kNames[i]] = per_layer;
    }

  const std::string scores_path = (fs::path(dir_) / "prompt_scores.npy").string();
  if (!prompt_scores.empty()) {
    if (prompt_scores.size() != static_cast<std::size_t>(s.layers) * prompt_score_heads * s.prompt)
      throw std::invalid_argument("save_trace: prompt_scores do not match [L, prompt_score_heads, P]");
    npy::write(scores_path, npy::DType::kFloat32,
               {static_cast<std::size_t>(s.layers), static_cast<std::size_t>(prompt_score_heads),
                static_cast<std::size_t>(s.prompt)},
               prompt_scores.data());
  } else {
    fs::remove(scores_path);  // a stale one from an earlier trace would not match this one
  }
  write_meta(dir_, meta);
}

void write_meta(const std::string& dir, const json& meta) {
  const std::string meta_path = (fs::path(dir) / "meta.json").string();
  std::ofstream out(meta_path);
  out << meta.dump(2) << '\n';
  if (!out) throw std::runtime_error("cannot write " + meta_path);
}

void save_trace(const FloatTrace& trace, const std::string& dir, npy::DType dtype) {
  const Shape& s = trace.shape;
  if (trace.mapped) throw std::invalid_argument("save_trace: the trace is mapped (open_trace); load_trace it");
  const std::size_t slice = static_cast<std::size_t>(s.tokens) * s.head_dim;
  const std::size_t q_slice = static_cast<std::size_t>(trace.q_tokens()) * s.head_dim;
  if (trace.q.size() != static_cast<std::size_t>(s.layers) * s.q_heads * q_slice ||
      trace.k.size() != static_cast<std::size_t>(s.layers) * s.kv_heads * slice || trace.v.size() != trace.k.size())
    throw std::invalid_argument("save_trace: tensor sizes do not match the shape");
  TraceWriter w(dir, s, trace.q_first, dtype);
  for (int l = 0; l < s.layers; ++l)
    for (int h = 0; h < s.q_heads; ++h)
      w.put(TraceTensor::kQ, l, h, &trace.q[trace.offset(s.q_heads, trace.q_tokens(), l, h, 0)]);
  for (TraceTensor which : {TraceTensor::kK, TraceTensor::kV})
    for (int l = 0; l < s.layers; ++l)
      for (int g = 0; g < s.kv_heads; ++g)
        w.put(which, l, g, (which == TraceTensor::kK ? trace.k : trace.v).data() + trace.offset(s.kv_heads, l, g, 0));
  w.finish(trace.description, trace.meta, trace.prompt_scores, trace.prompt_score_heads);
}

}  // namespace sinkattn
