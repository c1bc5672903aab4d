#include "rtl_build.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <boost/process.hpp>

#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"

#if !defined(SINKATTN_SOURCE_DIR) || !defined(SINKATTN_BINARY_DIR) || !defined(SINKATTN_CMAKE_COMMAND) || \
    !defined(SINKATTN_HW_VARIANTS)
#error "the build defines SINKATTN_SOURCE_DIR, SINKATTN_BINARY_DIR, SINKATTN_CMAKE_COMMAND and SINKATTN_HW_VARIANTS"
#endif

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace sinkattn::rtl {
namespace {

constexpr const char* kRunnerEnv = "SINKATTN_RTL_RUNNER";  // set in a runner: its hardware must match

std::string hw_header(const HwConfig& hw) { return rtl_hardware_header(hw); }

std::string cache_root() {
  const char* env = std::getenv("SINKATTN_RTL_CACHE");
  return env && *env ? std::string(env) : std::string(SINKATTN_BINARY_DIR) + "/rtl_hw";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string tail_of(const fs::path& log, int lines) {
  const std::string text = read_text(log);
  std::vector<std::string> all = split(text, '\n');
  std::string t;
  for (std::size_t i = all.size() > static_cast<std::size_t>(lines) ? all.size() - lines : 0; i < all.size(); ++i)
    t += "\n  " + all[i];
  return t;
}

// flock() on a file beside the build: held for the lifetime of this object; another process
// asking for the same lock waits. Released by the kernel if the holder dies.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw InputError(path.string(), "rtl build", "cannot open the lock file");
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw InputError(path.string(), "rtl build", "cannot lock");
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// The last "[n/m] ..." line of a Ninja log: how far the build is.
std::string last_step(const fs::path& log) {
  const std::string text = read_text(log);
  std::size_t end = text.size();
  while (end > 0) {
    const std::size_t start = text.rfind('\n', end - 1);
    const std::size_t from = start == std::string::npos ? 0 : start + 1;
    if (from < end && text[from] == '[') return text.substr(from, std::min<std::size_t>(end - from, 90));
    if (start == std::string::npos) break;
    end = start;
  }
  return "";
}

// Runs one build command with its output appended to `log`; on a terminal, redraws one line
// with the build's current step. Returns the exit status.
int run_logged(const std::vector<std::string>& cmd, const fs::path& log, const std::string& what) {
  {
    std::ofstream l(log, std::ios::app);
    l << "$";
    for (const auto& c : cmd) l << " " << c;
    l << "\n";
  }
  const bool tty = isatty(STDERR_FILENO);
  std::FILE* out = std::fopen(log.c_str(), "a");
  if (!out) throw InputError(log.string(), "rtl build", "cannot write the build log");
  bp::child child(cmd.front(), bp::args(std::vector<std::string>(cmd.begin() + 1, cmd.end())), bp::std_out > out,
                  bp::std_err > out, bp::std_in < bp::null);
  std::fclose(out);
  while (!child.wait_for(std::chrono::milliseconds(500)))
    if (tty) {
      std::fprintf(stderr, "\r\033[Krtl: %s %s", what.c_str(), last_step(log).c_str());
      std::fflush(stderr);
    }
  if (tty) std::fprintf(stderr, "\r\033[K");
  return child.exit_code();
}

std::string build_generator() {
  // The main build's generator (Ninja for scripts/lib.sh), read from its cache.
  std::ifstream f(std::string(SINKATTN_BINARY_DIR) + "/CMakeCache.txt");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("CMAKE_GENERATOR:INTERNAL=", 0) == 0) return line.substr(25);
  return "Unix Makefiles";
}

}  // namespace

std::string rtl_hw_digest(const HwConfig& hw) {
  const std::string h = hw_header(hw);
  return sha256_hex(h.data(), h.size());
}

RtlBuild rtl_build_for(const HwConfig& hw) {
  RtlBuild b;
  b.digest = rtl_hw_digest(hw);
  b.dir = cache_root() + "/" + b.digest.substr(0, 16);
  b.runner = b.dir + "/build/sinkattn-rtl";
  for (const std::string& v : split(SINKATTN_HW_VARIANTS, ','))
    if (rtl_parameter_list(load_config(v).hw) == rtl_parameter_list(hw)) b.variant = v;
  return b;
}

RtlBuild ensure_rtl_runner(const HwConfig& hw, BuildCheck check, bool quiet) {
  RtlBuild b = rtl_build_for(hw);
  std::error_code ec;
  fs::create_directories(b.dir, ec);
  if (ec) throw InputError(b.dir, "rtl build", "cannot create the build directory: " + ec.message());
  const FileLock lock(fs::path(b.dir) / "build.lock");
  if (check == BuildCheck::kIfMissing && fs::exists(b.runner)) return b;

  // The generated parameter header, the one input that makes this build this hardware's.
  const fs::path svh = fs::path(b.dir) / "hw.svh";
  if (read_text(svh) != hw_header(hw)) std::ofstream(svh) << hw_header(hw);
  // The same parameters as the C++ traits the runner includes, and as the CMake fragment the
  // on-demand project reads them (and the traits header's path) from.
  const fs::path traits = fs::path(b.dir) / "hw.hpp";
  if (read_text(traits) != rtl_hardware_traits(hw)) std::ofstream(traits) << rtl_hardware_traits(hw);
  const fs::path fragment = fs::path(b.dir) / "hw.cmake";
  const std::string cmake = rtl_hardware_cmake(hw, traits.string());
  if (read_text(fragment) != cmake) std::ofstream(fragment) << cmake;
  const fs::path log = fs::path(b.dir) / "build.log";
  // Appended, one section per check: which process built what stays readable.
  std::ofstream(log, std::ios::app) << "== pid " << ::getpid() << ": the RTL runner for hw " << b.digest << "\n";
  std::string summary;
  for (const auto& [k, v] : rtl_parameter_list(hw)) summary += (summary.empty() ? "" : " ") + k + "=" + std::to_string(v);
  const std::string what = "hw " + b.digest.substr(0, 12) +
                           (b.variant.empty() ? " (Verilating the top):" : " (variant " + b.variant + "):");
  const bool tty = isatty(STDERR_FILENO);
  if (!tty && !quiet)
    std::cerr << "rtl: hw " << b.digest.substr(0, 12) << " [" << summary << "]: building its runner, or checking it is up to date, in "
              << b.dir << "\n";

  const std::string jobs = std::to_string(std::max(1u, std::thread::hardware_concurrency()));
  auto fail = [&](const std::string& step) -> RtlBuildError {
    return RtlBuildError("building the RTL runner for hw " + b.digest.substr(0, 12) + " [" + summary + "] failed at " +
                         step + " (log " + log.string() + "):" + tail_of(log, 15));
  };
  // What the runner links from the main build (and, for a variant preset's hardware, its
  // Verilated top): brought up to date there, one process at a time. The lock lives in the main
  // build, not in the runner cache: two processes with different caches ($SINKATTN_RTL_CACHE,
  // as two tests running side by side have) still share the main build, and two build tools in
  // one build directory at once corrupt its state.
  std::vector<std::string> main_cmd = {SINKATTN_CMAKE_COMMAND, "--build", SINKATTN_BINARY_DIR, "-j", jobs, "--target",
                                       "sinkattn_rtl_runner_deps"};
  if (!b.variant.empty()) main_cmd.push_back("sinkattn_rtl_" + b.variant);
  {
    const FileLock main_lock(fs::path(SINKATTN_BINARY_DIR) / "rtl_runner_deps.lock");
    if (run_logged(main_cmd, log, what) != 0) throw fail("the main build's libraries");
  }
  const fs::path build = fs::path(b.dir) / "build";
  if (!fs::exists(build / "CMakeCache.txt")) {
    const std::vector<std::string> cfg_cmd = {SINKATTN_CMAKE_COMMAND, "-S", std::string(SINKATTN_SOURCE_DIR) + "/sim/rtl/ondemand",
                                              "-B", build.string(), "-G", build_generator(),
                                              "-DSINKATTN_BUILD_DIR=" + std::string(SINKATTN_BINARY_DIR),
                                              "-DSINKATTN_HW_CMAKE=" + fragment.string(), "-DSINKATTN_HW_VARIANT=" + b.variant,
                                              "-DSINKATTN_HW_DIGEST=" + b.digest};
    if (run_logged(cfg_cmd, log, what) != 0) {
      fs::remove_all(build, ec);  // configure again next time
      throw fail("configure");
    }
  }
  if (run_logged({SINKATTN_CMAKE_COMMAND, "--build", build.string(), "-j", jobs}, log, what) != 0) throw fail("build");
  if (!fs::exists(b.runner)) throw fail("build (no " + b.runner + ")");
  return b;
}

void exec_rtl_runner(const RtlBuild& b, const std::vector<std::string>& argv) {
  if (std::getenv(kRunnerEnv))
    throw std::logic_error("the RTL runner " + b.runner + " was asked for hardware it was not built for (digest " + b.digest + ")");
  ::setenv(kRunnerEnv, b.digest.c_str(), 1);
  std::vector<std::string> args = argv;
  args.at(0) = b.runner;
  std::vector<char*> p;
  for (auto& a : args) p.push_back(a.data());
  p.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  ::execv(b.runner.c_str(), p.data());
  throw std::runtime_error("cannot run " + b.runner + ": " + std::strerror(errno));
}

}  // namespace sinkattn::rtl
