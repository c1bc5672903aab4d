#include "sinkattn/sweep/store.hpp"

#include <cstdint>

#include <SQLiteCpp/SQLiteCpp.h>

#include "sinkattn/error.hpp"

namespace sinkattn::sweep {

Store::Store(const std::string& path) : path_(path) {
  try {
    db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    // WAL: readers (export, show-point) never block the writer. synchronous=NORMAL keeps every
    // committed row across a kill of the process (only a power cut can lose the last ones).
    db_->exec("PRAGMA journal_mode=WAL");
    db_->exec("PRAGMA synchronous=NORMAL");
    db_->setBusyTimeout(10000);
    db_->exec(
        "CREATE TABLE IF NOT EXISTS rows ("
        " key TEXT PRIMARY KEY, workload TEXT NOT NULL, fidelity TEXT NOT NULL, point_index INTEGER NOT NULL,"
        " point TEXT NOT NULL, status TEXT NOT NULL, exit_status INTEGER NOT NULL, error TEXT NOT NULL,"
        " result TEXT NOT NULL, wall_seconds REAL NOT NULL)");
  } catch (const SQLite::Exception& e) {
    throw InputError(path, "store", std::string("cannot open the sweep's SQLite store: ") + e.what());
  }
}

Store::~Store() = default;

bool Store::has(const std::string& key) const {
  SQLite::Statement q(*db_, "SELECT 1 FROM rows WHERE key = ?");
  q.bind(1, key);
  return q.executeStep();
}

std::set<std::string> Store::keys() const {
  std::set<std::string> out;
  SQLite::Statement q(*db_, "SELECT key FROM rows");
  while (q.executeStep()) out.insert(q.getColumn(0).getString());
  return out;
}

bool Store::insert(const Row& r) {
  SQLite::Statement q(*db_,
                      "INSERT OR IGNORE INTO rows (key, workload, fidelity, point_index, point, status, exit_status,"
                      " error, result, wall_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, r.key);
  q.bind(2, r.workload);
  q.bind(3, r.fidelity);
  q.bind(4, static_cast<std::int64_t>(r.point_index));
  q.bind(5, r.point.dump());
  q.bind(6, r.status);
  q.bind(7, r.exit_status);
  q.bind(8, r.error);
  q.bind(9, r.result.is_null() ? std::string("{}") : r.result.dump());
  q.bind(10, r.wall_seconds);
  return q.exec() == 1;
}

namespace {
Row read_row(SQLite::Statement& q) {
  Row r;
  r.key = q.getColumn(0).getString();
  r.workload = q.getColumn(1).getString();
  r.fidelity = q.getColumn(2).getString();
  r.point_index = q.getColumn(3).getInt64();
  r.point = nlohmann::json::parse(q.getColumn(4).getString());
  r.status = q.getColumn(5).getString();
  r.exit_status = q.getColumn(6).getInt();
  r.error = q.getColumn(7).getString();
  r.result = nlohmann::json::parse(q.getColumn(8).getString());
  r.wall_seconds = q.getColumn(9).getDouble();
  return r;
}
const char* kColumns = "key, workload, fidelity, point_index, point, status, exit_status, error, result, wall_seconds";
}  // namespace

std::vector<Row> Store::rows() const {
  std::vector<Row> out;
  SQLite::Statement q(*db_, std::string("SELECT ") + kColumns +
                                " FROM rows ORDER BY workload, fidelity, point_index, key");
  while (q.executeStep()) out.push_back(read_row(q));
  return out;
}

std::optional<Row> Store::find(const std::string& key_prefix) const {
  SQLite::Statement q(*db_, std::string("SELECT ") + kColumns + " FROM rows WHERE substr(key, 1, ?) = ? ORDER BY key");
  q.bind(1, static_cast<int>(key_prefix.size()));
  q.bind(2, key_prefix);
  if (!q.executeStep()) return std::nullopt;
  Row r = read_row(q);
  if (q.executeStep() && key_prefix.size() < 64)
    throw InputError(path_, "key", "'" + key_prefix + "' matches more than one row; give more of the key");
  return r;
}

nlohmann::json to_json(const Row& r) {
  return {{"key", r.key},
          {"workload", r.workload},
          {"fidelity", r.fidelity},
          {"point_index", r.point_index},
          {"point", r.point},
          {"status", r.status},
          {"exit_status", r.exit_status},
          {"error", r.error},
          {"result", r.result.is_null() ? nlohmann::json::object() : r.result},
          {"wall_seconds", r.wall_seconds}};
}

Row row_from_json(const nlohmann::json& j) {
  Row r;
  r.key = j.at("key").get<std::string>();
  r.workload = j.at("workload").get<std::string>();
  r.fidelity = j.at("fidelity").get<std::string>();
  r.point_index = j.at("point_index").get<long long>();
  r.point = j.at("point");
  r.status = j.at("status").get<std::string>();
  r.exit_status = j.at("exit_status").get<int>();
  r.error = j.at("error").get<std::string>();
  r.result = j.at("result");
  r.wall_seconds = j.at("wall_seconds").get<double>();
  return r;
}

}  // namespace sinkattn::sweep

#include "sinkattn/sweep/runner.hpp"

namespace sinkattn::sweep {

Row row_from_outcome(Row r, const Outcome& o) {
  r.wall_seconds = o.wall_seconds;
  r.exit_status = o.exit_status;
  r.result = nlohmann::json::object();
  if (o.status == "ok") {
    try {
      r.result = nlohmann::json::parse(o.out);
      if (!r.result.is_object()) throw std::runtime_error("not an object");
      r.status = "ok";
    } catch (const std::exception& e) {
      r.status = "failed";
      r.error = std::string("worker printed no result object: ") + e.what();
      r.result = nlohmann::json::object();
    }
    return r;
  }
  r.status = o.status == "timeout" ? "timeout" : o.exit_status == 2 ? "invalid" : "failed";
  r.error = o.stderr_tail;
  return r;
}

}  // namespace sinkattn::sweep
