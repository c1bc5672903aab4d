#include "sinkattn/sweep/slurm.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/process.hpp>

#include "sinkattn/error.hpp"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace sinkattn::sweep {
namespace {

// Runs a Slurm client command; returns its exit code and stdout (stderr appended).
int run_client(const std::string& tool, const std::vector<std::string>& args, std::string& out) {
  const auto path = bp::search_path(tool);
  if (path.empty()) throw std::runtime_error(tool + " not found on PATH (Slurm client tools, Debian package slurm-client)");
  bp::ipstream o, e;
  bp::child c(path, bp::args(args), bp::std_out > o, bp::std_err > e, bp::std_in < bp::null);
  std::ostringstream so, se;
  so << o.rdbuf();
  se << e.rdbuf();
  c.wait();
  out = so.str() + se.str();
  return c.exit_code();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

int default_shard_size(const std::string& fidelity) {
  if (fidelity == "golden") return 64;
  if (fidelity == "systemc") return 16;
  return 1;
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream f(p);
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

}  // namespace

int max_array_size() {
  std::string out;
  try {
    if (run_client("scontrol", {"show", "config"}, out) != 0) return 1001;
  } catch (const std::exception&) {
    return 1001;
  }
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("MaxArraySize", 0) != 0) continue;
    const auto eq = line.find('=');
    if (eq != std::string::npos) return std::stoi(line.substr(eq + 1));
  }
  return 1001;
}

Submission submit_slurm(const std::vector<ShardTask>& tasks, const std::string& dir, const SlurmOptions& opt) {
  Submission sub;
  if (tasks.empty()) return sub;
  const fs::path root = fs::absolute(fs::path(dir) / "slurm");
  fs::create_directories(root / "shards");
  fs::create_directories(root / "results");
  fs::create_directories(root / "logs");
  const int size = opt.shard_size > 0 ? opt.shard_size : default_shard_size(tasks.front().meta.fidelity);
  // Shards continue the numbering of earlier submissions into this directory (a resumed sweep).
  int first = 0;
  while (fs::exists(root / "shards" / (std::to_string(first) + ".json"))) ++first;
  int shard = first;
  for (std::size_t i = 0; i < tasks.size(); i += static_cast<std::size_t>(size), ++shard) {
    nlohmann::json j;
    j["worker"] = opt.worker.empty() ? opt.program : opt.worker;
    j["timeout_seconds"] = opt.timeout_seconds;
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t k = i; k < std::min(tasks.size(), i + static_cast<std::size_t>(size)); ++k)
      list.push_back({{"meta", to_json(tasks[k].meta)}, {"args", tasks[k].args}});
    j["tasks"] = list;
    std::ofstream(root / "shards" / (std::to_string(shard) + ".json")) << j.dump() << "\n";
  }
  sub.shards = shard - first;

  const fs::path script = root / "job.sh";
  {
    std::ofstream f(script);
    f << "#!/bin/sh\n"
      << "# One array task of a sinkattn sweep: the shard SINKATTN_SHARD_OFFSET + SLURM_ARRAY_TASK_ID.\n"
      << "shard=$((SINKATTN_SHARD_OFFSET + SLURM_ARRAY_TASK_ID))\n"
      << "exec " << quote(opt.program) << " sweep run-shard " << quote((root / "shards").string()) << "/$shard.json --out "
      << quote((root / "results").string()) << "/$shard.jsonl --jobs " << opt.jobs_per_task << "\n";
  }
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);

  // Array indices must stay below MaxArraySize: more shards go into further arrays.
  const int max_size = std::max(1, max_array_size());
  for (int offset = first; offset < shard; offset += max_size) {
    const int count = std::min(max_size, shard - offset);
    std::string array = "0-" + std::to_string(count - 1);
    if (opt.concurrency > 0) array += "%" + std::to_string(opt.concurrency);
    std::vector<std::string> args = {"--parsable", "--array=" + array, "--job-name=sinkattn-sweep",
                                     "--output=" + (root / "logs" / "%A_%a.out").string(),
                                     "--error=" + (root / "logs" / "%A_%a.err").string(),
                                     "--export=ALL,SINKATTN_SHARD_OFFSET=" + std::to_string(offset)};
    args.insert(args.end(), opt.sbatch_args.begin(), opt.sbatch_args.end());
    args.push_back(script.string());
    std::string out;
    if (run_client("sbatch", args, out) != 0) throw std::runtime_error("sbatch failed: " + trim(out));
    std::string id = trim(out);
    id = id.substr(0, id.find(';'));  // --parsable: "jobid[;cluster]"
    sub.job_ids.push_back(id);
    std::ofstream(root / "jobs.txt", std::ios::app) << id << " offset " << offset << " tasks " << count << "\n";
  }
  return sub;
}

bool wait_slurm(const std::vector<std::string>& job_ids, const std::function<void(int)>& progress) {
  std::string list;
  for (const auto& id : job_ids) list += (list.empty() ? "" : ",") + id;
  while (true) {
    if (interrupted()) return false;
    std::string out;
    if (run_client("squeue", {"-h", "-r", "-o", "%i %t", "-j", list}, out) != 0) {
      // squeue refuses ids that have left the queue entirely once MinJobAge has passed.
      if (out.find("Invalid job id") != std::string::npos) return true;
      throw std::runtime_error("squeue failed: " + trim(out));
    }
    int alive = 0;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (!trim(line).empty()) ++alive;
    if (progress) progress(alive);
    if (alive == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

bool run_shard(const std::string& shard_file, const std::string& out, int jobs) {
  nlohmann::json shard;
  {
    std::ifstream f(shard_file);
    if (!f) throw InputError(shard_file, "run-shard", "no such shard file");
    shard = nlohmann::json::parse(f);
  }
  std::set<std::string> done;
  for (const auto& line : read_lines(out)) {
    try {
      done.insert(nlohmann::json::parse(line).at("key").get<std::string>());
    } catch (const std::exception&) {
      // A line cut short by a kill: its point runs again.
    }
  }
  std::vector<Task> tasks;
  std::map<std::string, Row> metas;
  for (const auto& t : shard.at("tasks")) {
    Row meta = row_from_json(t.at("meta"));
    if (done.count(meta.key)) continue;
    tasks.push_back(Task{meta.key, t.at("args").get<std::vector<std::string>>()});
    metas[meta.key] = meta;
  }
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) throw InputError(out, "--out", "cannot open for appending");
  PoolOptions opt;
  opt.program = shard.at("worker").get<std::string>();
  opt.jobs = std::max(1, jobs);
  opt.timeout_seconds = shard.at("timeout_seconds").get<double>();
  opt.scratch_dir = out + ".scratch";
  const bool finished = run_pool(tasks, opt, [&](const Outcome& o) {
    const std::string line = to_json(row_from_outcome(metas.at(o.id), o)).dump() + "\n";
    // One write per row, then fsync: a row is in the file whole or not at all.
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd) != 0)
      throw std::runtime_error("cannot append to " + out);
  });
  ::close(fd);
  std::error_code ec;
  fs::remove_all(opt.scratch_dir, ec);
  return finished;
}

CollectReport collect_slurm(const std::string& dir, Store& store) {
  CollectReport rep;
  const fs::path root = fs::path(dir) / "slurm";
  if (!fs::is_directory(root / "shards")) throw InputError(dir, "collect", "no Slurm submission here (no slurm/shards)");
  std::map<int, fs::path> shards;
  for (const auto& e : fs::directory_iterator(root / "shards")) shards[std::stoi(e.path().stem().string())] = e.path();
  // Which log belongs to which shard: jobs.txt records each array's id and offset.
  std::vector<std::tuple<std::string, int, int>> arrays;
  {
    std::ifstream f(root / "jobs.txt");
    std::string id, word1, word2;
    int offset = 0, count = 0;
    while (f >> id >> word1 >> offset >> word2 >> count) arrays.emplace_back(id, offset, count);
  }
  for (const auto& [index, path] : shards) {
    std::ifstream f(path);
    const nlohmann::json shard = nlohmann::json::parse(f);
    std::set<std::string> expected;
    for (const auto& t : shard.at("tasks")) expected.insert(t.at("meta").at("key").get<std::string>());
    rep.expected += static_cast<int>(expected.size());
    std::set<std::string> got;
    for (const auto& line : read_lines(root / "results" / (std::to_string(index) + ".jsonl"))) {
      Row r;
      try {
        r = row_from_json(nlohmann::json::parse(line));
      } catch (const std::exception&) {
        continue;  // cut short by a kill
      }
      if (!expected.count(r.key)) continue;
      got.insert(r.key);
      if (store.insert(r)) ++rep.inserted;
      else ++rep.already;
    }
    // Points missing from the result file may still be in the store from an earlier collect of a
    // requeued task; only those in neither are missing.
    int missing = 0;
    for (const auto& k : expected)
      if (!got.count(k) && !store.has(k)) ++missing;
    if (missing) {
      std::string log = "no log found";
      for (const auto& [id, offset, count] : arrays)
        if (index >= offset && index < offset + count)
          log = (root / "logs" / (id + "_" + std::to_string(index - offset) + ".err")).string() + ", array task " + id +
                "_" + std::to_string(index - offset);
      rep.incomplete.push_back("shard " + std::to_string(index) + ": " + std::to_string(missing) + " of " +
                               std::to_string(expected.size()) + " points missing (" + log + ")");
    }
  }
  return rep;
}

}  // namespace sinkattn::sweep
