// Sweeps on Slurm job arrays: points bundled into shards, one array task per shard, each task
// writing its own result file; `collect` merges them into the store (idempotently).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sinkattn/sweep/runner.hpp"
#include "sinkattn/sweep/store.hpp"

namespace sinkattn::sweep {

// One point of a shard: the row it will fill (key, workload, fidelity, point) and the worker's
// arguments.
struct ShardTask {
  Row meta;
  std::vector<std::string> args;
};

struct SlurmOptions {
  std::string program;               // sinkattn itself (runs run-shard on the node)
  std::string worker;                // the per-point worker (default: program)
  int shard_size = 0;                // points per array task; 0: by fidelity (golden 64, systemc 16, rtl 1)
  int concurrency = 0;               // the array's %N limit; 0: none
  int jobs_per_task = 1;             // points run at once inside one task
  double timeout_seconds = 600;      // per point
  std::vector<std::string> sbatch_args;  // e.g. --partition=P --account=A --time=01:00:00
};

struct Submission {
  std::vector<std::string> job_ids;  // one per array (more than one when shards > MaxArraySize)
  int shards = 0;
};

// Writes DIR/slurm/{shards/N.json, job.sh} and submits the arrays with sbatch. Throws
// std::runtime_error with sbatch's message if submission fails.
Submission submit_slurm(const std::vector<ShardTask>& tasks, const std::string& dir, const SlurmOptions& opt);

// Polls squeue until none of `job_ids` is pending or running (sbatch --wait would add ~10 s).
// Returns false if interrupted.
bool wait_slurm(const std::vector<std::string>& job_ids, const std::function<void(int pending_or_running)>& progress);

// Runs one shard file's points (in an array task) and appends one JSON row per finished point to
// `out` (flushed and synced line by line; points already there are skipped on a requeue).
bool run_shard(const std::string& shard_file, const std::string& out, int jobs);

// Merges every DIR/slurm/results/N.jsonl into the store. Rows already present are left alone,
// so collecting twice changes nothing. Tasks with missing points are reported by shard index.
struct CollectReport {
  int inserted = 0, already = 0, expected = 0;
  std::vector<std::string> incomplete;  // "shard N: K of M points missing (log ...)"
};
CollectReport collect_slurm(const std::string& dir, Store& store);

// MaxArraySize of the cluster (scontrol show config), 1001 if it cannot be read.
int max_array_size();

}  // namespace sinkattn::sweep
