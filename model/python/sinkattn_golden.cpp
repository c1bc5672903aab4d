// Python binding of the golden model's streaming engine (pybind11): what the trained-model
// workload's closed loop (scripts/workloads/loop_eval.py) calls once per layer of every decode
// step, so that the policy's keep decisions and the integer numerics replace the model's own
// attention. Arrays are NumPy arrays in C order; errors become ValueError (bad input, naming the
// field) or RuntimeError (calls out of order).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/report.hpp"
#include "sinkattn/stream.hpp"

namespace py = pybind11;

namespace sinkattn {
namespace {

using I16 = py::array_t<std::int16_t, py::array::c_style | py::array::forcecast>;
using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Checks an array's shape, naming the argument.
void expect_shape(const py::array& a, std::vector<py::ssize_t> want, const std::string& name) {
  bool ok = a.ndim() == static_cast<py::ssize_t>(want.size());
  for (std::size_t i = 0; ok && i < want.size(); ++i) ok = a.shape(i) == want[i];
  if (ok) return;
  std::string got, exp;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) got += (i ? "," : "") + std::to_string(a.shape(i));
  for (std::size_t i = 0; i < want.size(); ++i) exp += (i ? "," : "") + std::to_string(want[i]);
  throw InputError("stream", name, "shape [" + got + "], expected [" + exp + "]");
}

std::vector<double> flat(const F64& a) { return {a.data(), a.data() + a.size()}; }

// The engine with the numpy-facing checks; owns the Config it was made from.
class PyStream {
 public:
  PyStream(const std::string& config, int layers, int q_heads, int kv_heads, int head_dim, int tokens, int prompt,
           const F64& q_scale, const F64& k_scale, const F64& v_scale, bool record_keep,
           const std::vector<std::pair<std::string, std::string>>& overrides)
      : shape_{layers, q_heads, kv_heads, head_dim, tokens, prompt} {
    GoldenOptions opt;
    opt.record_keep = record_keep;
    expect_shape(q_scale, {layers, q_heads}, "q_scale");
    expect_shape(k_scale, {layers, kv_heads}, "k_scale");
    expect_shape(v_scale, {layers, kv_heads}, "v_scale");
    std::vector<FieldOverride> fields;
    for (const auto& [path, value] : overrides) fields.push_back({path, value, "overrides"});
    engine_ = std::make_unique<StreamEngine>(load_config(config, fields), shape_, StreamScales{flat(q_scale), flat(k_scale), flat(v_scale)},
                                             opt);
  }

  void prefill(const I16& k, const I16& v, const std::optional<I16>& q) {
    const Shape& s = shape_;
    expect_shape(k, {s.layers, s.kv_heads, s.prompt, s.head_dim}, "prefill k");
    expect_shape(v, {s.layers, s.kv_heads, s.prompt, s.head_dim}, "prefill v");
    if (q) expect_shape(*q, {s.layers, s.q_heads, s.prompt, s.head_dim}, "prefill q");
    engine_->prefill(k.data(), v.data(), q ? q->data() : nullptr);
  }

  I16 step_layer(int layer, const I16& q, const I16& k, const I16& v) {
    const Shape& s = shape_;
    expect_shape(q, {s.q_heads, s.head_dim}, "q");
    expect_shape(k, {s.kv_heads, s.head_dim}, "k");
    expect_shape(v, {s.kv_heads, s.head_dim}, "v");
    I16 out({s.q_heads, s.head_dim});
    engine_->step_layer(layer, q.data(), k.data(), v.data(), out.mutable_data());
    return out;
  }

  // Keep mask of (step, layer) [Hkv, T], 1 where a token was read (needs record_keep).
  py::array_t<std::uint8_t> keep(int step, int layer) const {
    const GoldenResult& r = engine_->result();
    const Shape& s = shape_;
    if (r.keep.empty()) throw std::logic_error("Stream.keep: the stream was made with record_keep=False");
    check_done(step, layer);
    py::array_t<std::uint8_t> a({s.kv_heads, s.tokens});
    const std::uint8_t* src = &r.keep[((static_cast<std::size_t>(step) * s.layers + layer) * s.kv_heads) * s.tokens];
    std::copy(src, src + static_cast<std::size_t>(s.kv_heads) * s.tokens, a.mutable_data());
    return a;
  }

  // Rows that ran at (step, layer) [Hq]: 0 where head pruning skipped the query head.
  py::array_t<std::uint8_t> row_active(int step, int layer) const {
    const GoldenResult& r = engine_->result();
    check_done(step, layer);
    py::array_t<std::uint8_t> a(shape_.q_heads);
    const std::uint8_t* src = &r.row_active[r.row_index(step, layer, 0)];
    std::copy(src, src + shape_.q_heads, a.mutable_data());
    return a;
  }

  // Every counter so far under the report's names (docs/cli.md): dram_bytes, dense_dram_bytes
  // (of the whole capacity), dram_bytes_by_region, counters.
  py::object counters() const {
    nlohmann::json j = nlohmann::json::object();
    const GoldenResult& r = engine_->result();
    add_counters(j, r.counters, r.dense_dram_bytes);
    return py::module_::import("json").attr("loads")(j.dump());
  }

  int next_token() const { return engine_->next_token(); }
  int next_layer() const { return engine_->next_layer(); }

 private:
  void check_done(int step, int layer) const {
    const int done = (engine_->next_token() - shape_.prompt) * shape_.layers + engine_->next_layer();
    if (step < 0 || layer < 0 || layer >= shape_.layers || step * shape_.layers + layer >= done)
      throw std::logic_error("step " + std::to_string(step) + " layer " + std::to_string(layer) + " has not run yet");
  }

  Shape shape_;
  std::unique_ptr<StreamEngine> engine_;
};

// docs/numerics.md's quantization rule for a value x with scale s: round(x / s) half away from
// zero, then saturation to +-DataMax. Returns the integers and how many values saturated (a
// stream's scales are fixed before the values they quantize exist).
py::tuple quantize(const F64& x, double scale) {
  if (!(std::isfinite(scale) && scale > 0)) throw InputError("quantize", "scale", "must be positive and finite");
  I16 out(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
  std::int16_t* o = out.mutable_data();
  std::size_t saturated = 0;
  for (py::ssize_t i = 0; i < x.size(); ++i) {
    const double v = std::round(x.data()[i] / scale);
    if (!std::isfinite(v)) throw InputError("quantize", "x[" + std::to_string(i) + "]", "is not finite");
    const double c = std::max<double>(-num::kDataMax, std::min<double>(num::kDataMax, v));
    saturated += c != v;
    o[i] = static_cast<std::int16_t>(c);
  }
  return py::make_tuple(out, saturated);
}

}  // namespace
}  // namespace sinkattn

PYBIND11_MODULE(sinkattn_golden, m) {
  using namespace sinkattn;
  m.doc() = "The sinkattn golden model's streaming policy engine (model/include/sinkattn/stream.hpp)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.attr("DATA_MAX") = num::kDataMax;
  m.attr("OUT_FRAC_BITS") = num::kOutFracBits;
  m.def("preset_names", &preset_names, "The preset names configs/presets holds.");
  m.def("quantize", &quantize, py::arg("x"), py::arg("scale"),
        "(int16 array, saturated count): round(x / scale) half away from zero, saturated to +-DATA_MAX.");
  py::class_<PyStream>(m, "Stream", "One decode stream through the policy engine, one layer of one step at a time.")
      .def(py::init<const std::string&, int, int, int, int, int, int, const F64&, const F64&, const F64&, bool,
                    const std::vector<std::pair<std::string, std::string>>&>(),
           py::arg("config"), py::arg("layers"), py::arg("q_heads"), py::arg("kv_heads"), py::arg("head_dim"),
           py::arg("tokens"), py::arg("prompt"), py::arg("q_scale"), py::arg("k_scale"), py::arg("v_scale"),
           py::arg("record_keep") = false, py::arg("overrides") = std::vector<std::pair<std::string, std::string>>{},
           "config: a preset name or YAML file; tokens: the capacity; scales: real = int * scale, [L, heads]; "
           "overrides: (field path, YAML value) pairs set on top of config, as a sweep sets them.")
      .def("prefill", &PyStream::prefill, py::arg("k"), py::arg("v"), py::arg("q") = py::none(),
           "The prompt's keys and values, int16 [L, Hkv, P, D], and its queries [L, Hq, P, D] "
           "(prefill importance; None: none).")
      .def("step_layer", &PyStream::step_layer, py::arg("layer"), py::arg("q"), py::arg("k"), py::arg("v"),
           "Layer `layer` of the next token: q [Hq, D], k, v [Hkv, D] int16 -> outputs int16 [Hq, D] "
           "(real = out * v_scale * 2^-OUT_FRAC_BITS).")
      .def("keep", &PyStream::keep, py::arg("step"), py::arg("layer"))
      .def("row_active", &PyStream::row_active, py::arg("step"), py::arg("layer"))
      .def("counters", &PyStream::counters)
      .def_property_readonly("next_token", &PyStream::next_token)
      .def_property_readonly("next_layer", &PyStream::next_layer);
}
