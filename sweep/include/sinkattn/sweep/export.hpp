// Tidy exports of a sweep's store: one row per (point, workload, fidelity), every axis a
// column, the metrics and the estimator behind each figure, and the Pareto front of each
// workload (and fidelity) over the sweep's objectives marked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sinkattn/sweep/spec.hpp"
#include "sinkattn/sweep/store.hpp"

namespace sinkattn::sweep {

// The objective values of a result, all to be minimized (maximized ones negated); nullopt if
// the row did not succeed or lacks one of them.
std::optional<std::vector<double>> objective_values(const SweepSpec& s, const Row& r);

// For each row, whether it is on its (workload, fidelity) group's Pareto front.
std::vector<bool> pareto_marks(const SweepSpec& s, const std::vector<Row>& rows);

// The tidy table: ordered column names and one JSON object per row (absent cells absent).
struct Tidy {
  std::vector<std::string> columns;
  std::vector<nlohmann::json> rows;
};
Tidy tidy(const SweepSpec& s, const std::vector<Row>& rows);

// DIR/results.csv and DIR/results.json.
void write_exports(const Tidy& t, const std::string& dir);

}  // namespace sinkattn::sweep
