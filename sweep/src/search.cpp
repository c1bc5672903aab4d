#include "sinkattn/sweep/search.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>

#include <pagmo/algorithms/nsga2.hpp>
#include <pagmo/bfe.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/problems/unconstrain.hpp>

#include "sinkattn/sweep/runner.hpp"

namespace sinkattn::sweep {
namespace {

// Results by point, shared by the problem's copies (pagmo copies problems freely).
struct Memo {
  const SweepSpec* spec = nullptr;
  BatchEvaluator eval;
  std::map<Point, std::optional<std::vector<double>>> seen;
};

Point to_point(const SweepSpec& s, const pagmo::vector_double& dv) {
  Point p(s.axes.size());
  for (std::size_t a = 0; a < p.size(); ++a) {
    const long v = std::lround(dv[a]);
    p[a] = static_cast<int>(std::min<long>(std::max<long>(v, 0), static_cast<long>(s.axes[a].values.size()) - 1));
  }
  return p;
}

// The user-defined problem: decision variables are axis value indices (all integer); one
// inequality constraint, <= 0 when the point is valid and feasible.
struct SweepProblem {
  std::shared_ptr<Memo> memo;

  pagmo::vector_double fitness(const pagmo::vector_double& dv) const {
    const Point p = to_point(*memo->spec, dv);
    auto it = memo->seen.find(p);
    if (it == memo->seen.end()) it = memo->seen.emplace(p, memo->eval({p}).at(0)).first;
    const std::size_t nobj = memo->spec->objectives.size();
    pagmo::vector_double f(nobj + 1, 0.0);
    if (!it->second) {
      f[nobj] = 1.0;  // infeasible: unconstrain's death penalty replaces the objectives
      return f;
    }
    for (std::size_t i = 0; i < nobj; ++i) f[i] = (*it->second)[i];
    return f;
  }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
    pagmo::vector_double lo, hi;
    for (const auto& a : memo->spec->axes) lo.push_back(0), hi.push_back(static_cast<double>(a.values.size() - 1));
    return {lo, hi};
  }
  pagmo::vector_double::size_type get_nobj() const { return memo->spec->objectives.size(); }
  pagmo::vector_double::size_type get_nic() const { return 1; }
  pagmo::vector_double::size_type get_nix() const { return memo->spec->axes.size(); }
  std::string get_name() const { return "sinkattn sweep"; }
};

// The batch fitness evaluator: runs the batch's new points in parallel, then lets the problem
// (unconstrain around SweepProblem) turn each into a fitness.
struct SweepBfe {
  std::shared_ptr<Memo> memo;

  pagmo::vector_double operator()(const pagmo::problem& prob, const pagmo::vector_double& dvs) const {
    const std::size_t dim = prob.get_nx();
    std::vector<Point> fresh;
    for (std::size_t i = 0; i + dim <= dvs.size(); i += dim) {
      const Point p = to_point(*memo->spec, pagmo::vector_double(dvs.begin() + i, dvs.begin() + i + dim));
      if (!memo->seen.count(p) && std::find(fresh.begin(), fresh.end(), p) == fresh.end()) fresh.push_back(p);
    }
    if (!fresh.empty()) {
      const auto results = memo->eval(fresh);
      if (interrupted()) throw std::runtime_error("interrupted");
      for (std::size_t i = 0; i < fresh.size(); ++i) memo->seen[fresh[i]] = results[i];
    }
    pagmo::vector_double out;
    for (std::size_t i = 0; i + dim <= dvs.size(); i += dim) {
      const auto f = prob.fitness(pagmo::vector_double(dvs.begin() + i, dvs.begin() + i + dim));
      out.insert(out.end(), f.begin(), f.end());
    }
    return out;
  }
};

}  // namespace

bool nsga2_search(const SweepSpec& s, const BatchEvaluator& eval) {
  auto memo = std::make_shared<Memo>();
  memo->spec = &s;
  memo->eval = eval;
  const pagmo::problem prob{pagmo::unconstrain{SweepProblem{memo}, "death penalty"}};
  const pagmo::bfe batch{SweepBfe{memo}};
  const auto seed = static_cast<unsigned>(s.seed & 0xffffffffu);
  try {
    pagmo::population pop(prob, batch, static_cast<pagmo::population::size_type>(s.strategy.population), seed);
    pagmo::nsga2 algo(static_cast<unsigned>(s.strategy.generations), 0.95, 10., 0.01, 50., seed);
    algo.set_bfe(batch);
    algo.evolve(pop);
  } catch (const std::exception&) {
    if (interrupted()) return false;
    throw;
  }
  return !interrupted();
}

}  // namespace sinkattn::sweep
