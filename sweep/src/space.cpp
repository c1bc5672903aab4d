#include "sinkattn/sweep/space.hpp"

#include <algorithm>
#include <set>

#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/sweep/constraints.hpp"

#ifndef SINKATTN_VERSION
#error "SINKATTN_VERSION must be defined by the build"
#endif

namespace sinkattn::sweep {

long long grid_size(const SweepSpec& s) {
  constexpr long long kMax = 1LL << 50;
  long long n = 1;
  for (const auto& a : s.axes) {
    // Checked before multiplying: 2^50 times an axis of 100000 values overflows a long long.
    const auto size = static_cast<long long>(a.values.size());
    if (size > kMax / n) throw InputError(s.file, "axes", "the grid has more than 2^50 points");
    n *= size;
  }
  return n;
}

long long point_index(const SweepSpec& s, const Point& p) {
  long long i = 0;
  for (std::size_t a = 0; a < s.axes.size(); ++a) i = i * static_cast<long long>(s.axes[a].values.size()) + p[a];
  return i;
}

Point point_at(const SweepSpec& s, long long index) {
  Point p(s.axes.size());
  for (std::size_t a = s.axes.size(); a-- > 0;) {
    const long long n = static_cast<long long>(s.axes[a].values.size());
    p[a] = static_cast<int>(index % n);
    index /= n;
  }
  return p;
}

std::vector<Point> grid_points(const SweepSpec& s) {
  const long long n = grid_size(s);
  if (n > 10000000) throw InputError(s.file, "axes", "the grid has " + std::to_string(n) + " points; use strategy random or nsga2");
  std::vector<Point> out;
  out.reserve(static_cast<std::size_t>(n));
  for (long long i = 0; i < n; ++i) out.push_back(point_at(s, i));
  return out;
}

namespace {
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
}  // namespace

std::vector<Point> random_points(const SweepSpec& s, int count) {
  const long long n = grid_size(s);
  std::vector<long long> picked;
  if (count >= n) {
    for (long long i = 0; i < n; ++i) picked.push_back(i);
  } else {
    // Rejection of repeats: count <= n, and a sweep draws few points from a large grid.
    std::uint64_t state = s.seed;
    std::set<long long> seen;
    while (static_cast<int>(picked.size()) < count) {
      const long long i = static_cast<long long>(splitmix(state) % static_cast<std::uint64_t>(n));
      if (seen.insert(i).second) picked.push_back(i);
    }
  }
  std::vector<Point> out;
  for (long long i : picked) out.push_back(point_at(s, i));
  return out;
}

nlohmann::json point_json(const SweepSpec& s, const Point& p) {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t a = 0; a < s.axes.size(); ++a) j[s.axes[a].path] = s.axes[a].values[p[a]];
  return j;
}

Resolved resolve(const SweepSpec& s, const Point& p) {
  Resolved r;
  r.base = s.base;
  for (std::size_t a = 0; a < s.axes.size(); ++a) {
    const Axis& ax = s.axes[a];
    if (ax.path == "base") r.base = ax.values[p[a]];
    else r.overrides.push_back({ax.path, ax.values[p[a]], ax.where + " (axis " + ax.path + " = " + ax.values[p[a]] + ")"});
  }
  try {
    r.cfg = load_config(r.base, r.overrides);
    r.valid = true;
  } catch (const InputError& e) {
    r.error = e.what();
    return r;
  }
  const auto fields = numeric_fields(r.cfg);
  for (const auto& c : s.constraints) {
    if (evaluate(c.expr, fields) == 0) {
      r.error = "constraint '" + c.expr + "' (" + c.where + ") does not hold";
      return r;
    }
  }
  r.feasible = true;
  return r;
}

std::string tool_version() { return std::string("sinkattn ") + SINKATTN_VERSION; }

std::string row_key(const Resolved& r, const std::string& workload_digest, Fidelity f, const std::string& energy) {
  std::string text;
  if (r.valid) {
    text = "config\n" + r.cfg.canonical;
  } else {
    text = "unresolved\nbase: " + r.base + "\n";
    for (const auto& o : r.overrides) text += o.path + ": " + o.value + "\n";
  }
  text += "workload: " + workload_digest + "\nfidelity: " + to_string(f) + "\nenergy: " + energy +
          "\nversion: " + tool_version() + "\n";
  return sha256_hex(text.data(), text.size());
}

std::vector<std::string> run_point_args(const Resolved& r, const std::string& workload_dir, Fidelity f,
                                        const std::string& energy) {
  std::vector<std::string> a = {"sweep", "run-point", "--base", r.base};
  for (const auto& o : r.overrides) a.insert(a.end(), {"--set", o.path + "=" + o.value});
  a.insert(a.end(), {"--workload", workload_dir, "--fidelity", to_string(f), "--energy", energy});
  return a;
}

}  // namespace sinkattn::sweep
