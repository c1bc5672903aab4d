#include "sinkattn/sweep/runner.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace sinkattn::sweep {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) { g_interrupted = true; }

// A child dies with the sweep: if the sweep is killed (even by SIGKILL) its points stop too,
// rather than running on unrecorded.
struct DieWithParent : bp::extend::handler {
  template <class Executor>
  void on_exec_setup(Executor&) const {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  }
};

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string tail_lines(const std::string& text, int lines, std::size_t max_chars) {
  std::vector<std::string> all;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string t;
  for (std::size_t i = all.size() > static_cast<std::size_t>(lines) ? all.size() - lines : 0; i < all.size(); ++i)
    t += (t.empty() ? "" : "\n") + all[i];
  if (t.size() > max_chars) t = "..." + t.substr(t.size() - max_chars);
  return t;
}

std::string seconds_text(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

struct Running {
  const Task* task;
  std::unique_ptr<bp::child> child;
  std::chrono::steady_clock::time_point start;
  fs::path out, err;
};

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_interrupted; }

std::string self_executable() { return fs::read_symlink("/proc/self/exe").string(); }

bool run_pool(const std::vector<Task>& tasks, const PoolOptions& opt, const std::function<void(const Outcome&)>& on_done) {
  fs::create_directories(opt.scratch_dir);
  const auto t0 = std::chrono::steady_clock::now();
  PoolStatus st;
  st.total = static_cast<long long>(tasks.size());
  std::size_t next = 0;
  std::vector<Running> running;
  auto env = boost::this_process::environment();
  bp::environment child_env = env;
  child_env["OMP_NUM_THREADS"] = std::to_string(std::max(1, opt.threads_per_job));
  auto last_progress = std::chrono::steady_clock::time_point{};

  while (next < tasks.size() || !running.empty()) {
    if (g_interrupted) {
      for (auto& r : running) {
        std::error_code ec;
        r.child->terminate(ec);
        fs::remove(r.out, ec), fs::remove(r.err, ec);
      }
      return false;
    }
    while (next < tasks.size() && static_cast<int>(running.size()) < opt.jobs) {
      const Task& t = tasks[next++];
      Running r;
      r.task = &t;
      r.out = fs::path(opt.scratch_dir) / (t.id + ".out");
      r.err = fs::path(opt.scratch_dir) / (t.id + ".err");
      r.start = std::chrono::steady_clock::now();
      r.child = std::make_unique<bp::child>(opt.program, bp::args(t.args), bp::std_out > r.out.string(),
                                            bp::std_err > r.err.string(), bp::std_in < bp::null, child_env,
                                            DieWithParent{});
      running.push_back(std::move(r));
    }
    bool reaped = false;
    for (std::size_t i = 0; i < running.size();) {
      Running& r = running[i];
      const auto now = std::chrono::steady_clock::now();
      const double age = std::chrono::duration<double>(now - r.start).count();
      std::error_code ec;
      const bool alive = r.child->running(ec);
      if (alive && age < opt.timeout_seconds) {
        ++i;
        continue;
      }
      Outcome o;
      o.id = r.task->id;
      if (alive) {
        r.child->terminate(ec);  // SIGKILL, then reaped
        o.status = "timeout";
        o.exit_status = 128 + SIGKILL;
      } else {
        const int raw = r.child->native_exit_code();
        if (WIFSIGNALED(raw)) o.exit_status = 128 + WTERMSIG(raw), o.status = "failed";
        else o.exit_status = WEXITSTATUS(raw), o.status = o.exit_status == 0 ? "ok" : "failed";
      }
      o.wall_seconds = age;
      o.out = read_file(r.out);
      o.stderr_tail = tail_lines(read_file(r.err), 12, 2000);
      if (o.status == "timeout")
        o.stderr_tail = "timed out after " + seconds_text(opt.timeout_seconds) + " s" +
                        (o.stderr_tail.empty() ? "" : "\n" + o.stderr_tail);
      fs::remove(r.out, ec), fs::remove(r.err, ec);
      running.erase(running.begin() + static_cast<long>(i));
      if (g_interrupted) continue;  // ended by the interrupt: not an outcome
      ++st.done;
      if (o.status != "ok") ++st.failed;
      on_done(o);
      reaped = true;
    }
    st.running = static_cast<long long>(running.size());
    const auto now = std::chrono::steady_clock::now();
    st.elapsed_seconds = std::chrono::duration<double>(now - t0).count();
    if (opt.progress && (reaped || now - last_progress > std::chrono::milliseconds(200))) {
      opt.progress(st);
      last_progress = now;
    }
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace sinkattn::sweep
