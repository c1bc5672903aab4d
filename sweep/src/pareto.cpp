#include "sinkattn/sweep/pareto.hpp"

#include <algorithm>

#include <pagmo/utils/multi_objective.hpp>

namespace sinkattn::sweep {

std::vector<std::size_t> pareto_front(const std::vector<std::vector<double>>& points) {
  if (points.empty()) return {};
  if (points.size() == 1) return {0};
  if (points[0].size() == 1) {  // one objective: the minima (pagmo sorts two or more)
    double best = points[0][0];
    for (const auto& p : points) best = std::min(best, p[0]);
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < points.size(); ++i)
      if (points[i][0] == best) out.push_back(i);
    return out;
  }
  const auto sorted = pagmo::fast_non_dominated_sorting(points);
  std::vector<std::size_t> front(std::get<0>(sorted).front().begin(), std::get<0>(sorted).front().end());
  std::sort(front.begin(), front.end());
  return front;
}

}  // namespace sinkattn::sweep
