// Multi-objective search over a sweep's axes with pagmo's NSGA-II.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "sinkattn/sweep/space.hpp"
#include "sinkattn/sweep/spec.hpp"

namespace sinkattn::sweep {

// Objective values (all minimized) of each point of a batch, or nullopt for a point that
// breaks a constraint or that the configuration loader refuses. A batch runs in parallel.
using BatchEvaluator = std::function<std::vector<std::optional<std::vector<double>>>(const std::vector<Point>&)>;

// NSGA-II (pagmo::nsga2) with the sweep's population, generations and seed, over one integer
// decision variable per axis (the value index). Infeasible points are handled as pagmo does:
// pagmo::unconstrain with the death penalty. Every evaluation goes through `eval` in batches
// (a pagmo batch fitness evaluator), each distinct point once. Returns false if interrupted.
bool nsga2_search(const SweepSpec& s, const BatchEvaluator& eval);

}  // namespace sinkattn::sweep
