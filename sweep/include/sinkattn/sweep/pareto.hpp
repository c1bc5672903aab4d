// Pareto fronts (pagmo's non-dominated sorting).
#pragma once

#include <cstddef>
#include <vector>

namespace sinkattn::sweep {

// Indices into `points` of the non-dominated ones, every coordinate minimized, in increasing
// index order. Equal points are all on the front.
std::vector<std::size_t> pareto_front(const std::vector<std::vector<double>>& points);

}  // namespace sinkattn::sweep
