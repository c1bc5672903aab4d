// Runs sweep points as child processes (Boost.Process), a few at a time, each with a timeout.
// A crash, a timeout or a non-zero exit is an outcome like any other; the pool goes on.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace sinkattn::sweep {

struct Task {
  std::string id;                 // unique among the tasks (a row key)
  std::vector<std::string> args;  // after the program name
};

struct Outcome {
  std::string id;
  std::string status;       // ok, failed (non-zero exit or signal), timeout
  int exit_status = 0;      // exit code, or 128 + signal number
  std::string out;          // the child's stdout (its result JSON when ok)
  std::string stderr_tail;  // the last lines of its stderr
  double wall_seconds = 0;  // from spawn to reaped
};

struct PoolStatus {
  long long done = 0, failed = 0, running = 0, total = 0;
  double elapsed_seconds = 0;
};

struct PoolOptions {
  std::string program;          // the worker executable
  int jobs = 1;
  double timeout_seconds = 600;
  std::string scratch_dir;      // where children's stdout and stderr go while they run
  int threads_per_job = 1;      // OMP_NUM_THREADS of each child
  std::function<void(const PoolStatus&)> progress;
};

// Runs `tasks`, at most `jobs` at once, calling `on_done` in this thread as each ends. Returns
// false if SIGINT or SIGTERM arrived (see install_interrupt_handlers): then no new task starts,
// running children are killed and their outcomes are not reported.
bool run_pool(const std::vector<Task>& tasks, const PoolOptions& opt, const std::function<void(const Outcome&)>& on_done);

// SIGINT and SIGTERM set a flag that run_pool and the sweep's loops check.
void install_interrupt_handlers();
bool interrupted();

// This process's own executable (/proc/self/exe).
std::string self_executable();

}  // namespace sinkattn::sweep
