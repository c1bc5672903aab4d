// The result store of one sweep: an SQLite database (SQLiteCpp, WAL mode) with one row per
// (point, workload, fidelity), keyed by a content hash. Only the sweep's own process writes it;
// workers hand results back (through files) and never open it.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace SQLite {
class Database;
}

namespace sinkattn::sweep {

struct Row {
  std::string key;
  std::string workload, fidelity;
  long long point_index = 0;   // the point's place in the sweep's grid (mixed radix over the axes)
  nlohmann::json point;        // axis path -> value (YAML text)
  std::string status;          // ok, failed, timeout, invalid
  int exit_status = 0;         // the worker's exit code, or 128 + signal
  std::string error;           // the loader's message, or the tail of the worker's stderr
  nlohmann::json result;       // the worker's metrics (object; empty unless ok)
  double wall_seconds = 0;     // the worker's whole life, process start included
};

class Store {
 public:
  // Opens (creating if needed) `path`. Throws InputError if it cannot.
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  bool has(const std::string& key) const;
  std::set<std::string> keys() const;
  // Inserts `row` unless its key is present; returns whether it was inserted. Each insert is
  // its own transaction: a kill at any moment leaves every earlier row and no partial one.
  bool insert(const Row& row);
  std::vector<Row> rows() const;  // ordered by workload, fidelity, point index, key
  std::optional<Row> find(const std::string& key_prefix) const;

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::string path_;
};

nlohmann::json to_json(const Row& r);
Row row_from_json(const nlohmann::json& j);

}  // namespace sinkattn::sweep

namespace sinkattn::sweep {
struct Outcome;
// The row of a finished worker: `meta` (key, workload, fidelity, point) plus what the worker
// said. Exit 0 with a JSON object on stdout is ok; exit 2 is the loader refusing the point for
// this workload (invalid); anything else failed or timed out, with the tail of its stderr.
Row row_from_outcome(Row meta, const Outcome& o);
}  // namespace sinkattn::sweep
