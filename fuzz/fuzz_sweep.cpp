// libFuzzer harness of the sweep file loader (sweep/src/spec.cpp): the input is a sweep file,
// loaded and checked, then its point space is walked the way `sinkattn sweep` starts a run: the
// grid's size, its first, last and a few random points resolved against the configuration loader
// and the constraints (muparser), and each point's worker arguments and configuration file made.
// A relative `trace:` workload may name the scratch directory's (empty) subdirectory "trace".
#include <algorithm>
#include <filesystem>

#include "fuzz_files.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/sweep/point_config.hpp"
#include "sinkattn/sweep/space.hpp"
#include "sinkattn/sweep/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sinkattn;
  using namespace sinkattn::sweep;
  const std::string dir = fuzz::scratch_dir();
  static const bool made_trace_dir = std::filesystem::create_directories(dir + "/trace") || true;
  (void)made_trace_dir;
  const std::string path = dir + "/input.yaml";
  fuzz::write_file(path, {reinterpret_cast<const char*>(data), size});
  try {
    const SweepSpec s = load_sweep(path);
    const long long n = grid_size(s);
    std::vector<Point> points = {point_at(s, 0), point_at(s, n - 1)};
    // A few, not strategy.count: the count is bounded by the loader, but drawing ten million
    // points is the run's work, not the loader's.
    const auto drawn = random_points(s, static_cast<int>(std::min<long long>(n, 4)));
    points.insert(points.end(), drawn.begin(), drawn.end());
    for (const Point& p : points) {
      if (point_index(s, p) < 0 || point_index(s, p) >= n) std::abort();  // the space's own contract
      (void)point_json(s, p).dump();
      const Resolved r = resolve(s, p);
      (void)row_key(r, "workload-digest", s.fidelity, s.energy);
      (void)run_point_args(r, dir + "/trace", s.fidelity, s.energy);
      write_point_config(r, "point", dir + "/point.yaml");
      // point_config.hpp's promise: the point's file loads to the very configuration it resolved to.
      if (r.valid && load_config(dir + "/point.yaml").canonical != r.cfg.canonical) std::abort();
    }
  } catch (const InputError&) {
  }
  return 0;
}
