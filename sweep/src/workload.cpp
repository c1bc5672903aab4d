#include "sinkattn/sweep/workload.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/npy.hpp"
#include "sinkattn/synth.hpp"

namespace fs = std::filesystem;

namespace sinkattn::sweep {
namespace {

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    if (!f) throw InputError(p.string(), "workload cache", "cannot write");
  }
  fs::rename(tmp, p);
}

std::string trace_digest(const std::string& dir) {
  // The cache's layout is part of its key: format 2 holds the decode steps' queries only in
  // q.int.npy (IntTrace's q), so a cache written before cannot be mistaken for a current one.
  std::string all = "cache format 2\n";
  for (const char* f : {"q.npy", "k.npy", "v.npy", "meta.json"}) {
    const fs::path p = fs::path(dir) / f;
    all += std::string(f) + ":" + (fs::exists(p) ? sha256_hex(read_bytes(p).data(), fs::file_size(p)) : "-") + "\n";
  }
  return sha256_hex(all.data(), all.size());
}

std::vector<std::size_t> dims(const Shape& s, int heads, int rows) {
  return {std::size_t(s.layers), std::size_t(heads), std::size_t(rows), std::size_t(s.head_dim)};
}

// Maps a little-endian float64 .npy of `count` elements that npy::write made (version 1.0):
// returns the mapping's owner and the first element.
std::pair<std::shared_ptr<const void>, const void*> map_doubles(const fs::path& p, std::size_t count) {
  const int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(p.string(), "workload cache", "cannot open");
  struct stat st {};
  ::fstat(fd, &st);
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  void* base = size ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  ::close(fd);
  if (base == MAP_FAILED) throw InputError(p.string(), "workload cache", "cannot map");
  std::shared_ptr<const void> owner(base, [size](const void* b) { ::munmap(const_cast<void*>(b), size); });
  const auto* bytes = static_cast<const unsigned char*>(base);
  if (size < 10 || std::memcmp(bytes, "\x93NUMPY\x01\x00", 8) != 0)
    throw InputError(p.string(), "workload cache", "not a version 1.0 .npy file");
  const std::size_t offset = 10 + (bytes[8] | (bytes[9] << 8));
  const std::string header(reinterpret_cast<const char*>(bytes) + 10, offset - 10);
  if (header.find("'descr': '<f8'") == std::string::npos || size != offset + count * sizeof(double))
    throw InputError(p.string(), "workload cache", "not " + std::to_string(count) + " float64 values; remove the cache to rebuild it");
  return {owner, bytes + offset};
}

}  // namespace

PreparedWorkload prepare_workload(const Workload& w, const std::string& root) {
  PreparedWorkload p;
  p.name = w.name;
  const fs::path dir = fs::path(root) / w.name;
  p.cache_dir = fs::absolute(dir).string();
  fs::create_directories(dir);
  if (w.generated) {
    p.trace_dir = (fs::absolute(dir) / "trace").string();
    // The generator is deterministic; its parameters decide the trace, so they key it.
    const nlohmann::json params = {{"layers", w.gen.shape.layers}, {"q_heads", w.gen.shape.q_heads},
                                   {"kv_heads", w.gen.shape.kv_heads}, {"head_dim", w.gen.shape.head_dim},
                                   {"tokens", w.gen.shape.tokens}, {"prompt", w.gen.shape.prompt},
                                   {"sinks", w.gen.sinks}, {"sink_mass", w.gen.sink_mass},
                                   {"sink_value_scale", w.gen.sink_value_scale}, {"heavy", w.gen.heavy},
                                   {"heavy_mass", w.gen.heavy_mass}, {"recency", w.gen.recency},
                                   {"recency_span", w.gen.recency_span}, {"temperature", w.gen.temperature},
                                   {"seed", w.gen.seed}};
    const fs::path made = dir / "trace.params.json";
    if (!fs::exists(made) || read_bytes(made) != params.dump()) {
      fs::remove(made);
      fs::create_directories(p.trace_dir);
      save_trace(make_synthetic_trace(w.gen), p.trace_dir, npy::DType::kFloat32);
      write_text(made, params.dump());
    }
  } else {
    p.trace_dir = w.trace_dir;
  }
  p.digest = trace_digest(p.trace_dir);
  // The loss in the loop is part of what a row reports: another window count is another row.
  if (w.loss_windows > 0) p.digest += ":loss_windows=" + std::to_string(w.loss_windows);

  const fs::path done = dir / "cache.digest";
  if (fs::exists(done) && read_bytes(done) == p.digest) {
    const nlohmann::json meta = nlohmann::json::parse(read_bytes(dir / "cache.json"));
    const auto& sh = meta.at("shape");
    p.shape = Shape{sh.at("layers"), sh.at("q_heads"), sh.at("kv_heads"), sh.at("head_dim"), sh.at("tokens"), sh.at("prompt")};
    return p;
  }
  fs::remove(done);
  const FloatTrace ft = load_trace(p.trace_dir);
  const IntTrace it = quantize_trace(ft);
  const ReferenceRows ref = compute_reference_rows(ft);
  const Shape& s = it.shape;
  p.shape = s;
  npy::write((dir / "q.int.npy").string(), npy::DType::kInt16, dims(s, s.q_heads, s.steps()), it.q.data());
  npy::write((dir / "k.int.npy").string(), npy::DType::kInt16, dims(s, s.kv_heads, s.tokens), it.k.data());
  npy::write((dir / "v.int.npy").string(), npy::DType::kInt16, dims(s, s.kv_heads, s.tokens), it.v.data());
  const std::size_t rows = static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads;
  npy::write((dir / "ref_out.npy").string(), npy::DType::kFloat64, {rows, std::size_t(s.head_dim)}, ref.out);
  npy::write((dir / "ref_probs.npy").string(), npy::DType::kFloat64, {rows, std::size_t(s.tokens)}, ref.probs);
  nlohmann::json meta;
  meta["trace_dir"] = p.trace_dir;
  meta["digest"] = p.digest;
  meta["loss_windows"] = w.loss_windows;
  meta["checkpoint"] = w.checkpoint;
  meta["shape"] = {{"layers", s.layers}, {"q_heads", s.q_heads}, {"kv_heads", s.kv_heads},
                   {"head_dim", s.head_dim}, {"tokens", s.tokens}, {"prompt", s.prompt}};
  // nlohmann writes doubles with round-trip precision, so the scales come back bit for bit.
  meta["q_scale"] = it.q_scale;
  meta["k_scale"] = it.k_scale;
  meta["v_scale"] = it.v_scale;
  nlohmann::json sc = nlohmann::json::array();
  for (const auto& x : it.score_scale) sc.push_back({x.mant, x.shift});
  meta["score_scale"] = sc;
  write_text(dir / "cache.json", meta.dump());
  write_text(done, p.digest);  // last: marks the cache complete
  return p;
}

LoadedWorkload load_workload(const std::string& cache_dir) {
  const fs::path dir(cache_dir);
  if (!fs::exists(dir / "cache.digest"))
    throw InputError(cache_dir, "--workload", "not a complete workload cache (made by sinkattn sweep)");
  const nlohmann::json meta = nlohmann::json::parse(read_bytes(dir / "cache.json"));
  LoadedWorkload w;
  w.trace_dir = meta.at("trace_dir");
  w.digest = meta.at("digest");
  w.loss_windows = meta.value("loss_windows", 0);
  w.checkpoint = meta.value("checkpoint", std::string());
  const auto& sh = meta.at("shape");
  Shape s{sh.at("layers"), sh.at("q_heads"), sh.at("kv_heads"), sh.at("head_dim"), sh.at("tokens"), sh.at("prompt")};
  IntTrace& it = w.trace;
  it.shape = s;
  const auto int16s = [&](const char* f) {
    const npy::Array a = npy::read((dir / f).string(), {npy::DType::kInt16});
    std::vector<std::int16_t> v(a.num_elements());
    std::memcpy(v.data(), a.data.data(), a.data.size());
    return v;
  };
  it.q = int16s("q.int.npy"), it.k = int16s("k.int.npy"), it.v = int16s("v.int.npy");
  const std::size_t d = static_cast<std::size_t>(s.head_dim) * s.layers;
  if (it.q.size() != d * s.q_heads * s.steps() || it.k.size() != d * s.kv_heads * s.tokens || it.v.size() != it.k.size())
    throw InputError(cache_dir, "--workload", "tensor sizes do not match the cached shape (a stale cache: delete it)");
  it.q_scale = meta.at("q_scale").get<std::vector<double>>();
  it.k_scale = meta.at("k_scale").get<std::vector<double>>();
  it.v_scale = meta.at("v_scale").get<std::vector<double>>();
  for (const auto& x : meta.at("score_scale")) it.score_scale.push_back(ScoreScale{x[0].get<std::uint32_t>(), x[1].get<int>()});
  // The reference is most of the cache's bytes: mapped, not read, so a worker pays for the
  // pages it touches from the page cache instead of zeroing and copying megabytes.
  const std::size_t rows = static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads;
  auto out = map_doubles(dir / "ref_out.npy", rows * s.head_dim);
  auto probs = map_doubles(dir / "ref_probs.npy", rows * s.tokens);
  w.reference.shape = s;
  w.reference.out = static_cast<const double*>(out.second);
  w.reference.probs = static_cast<const double*>(probs.second);
  w.reference.storage = std::make_shared<std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>>(out.first, probs.first);
  return w;
}

}  // namespace sinkattn::sweep
