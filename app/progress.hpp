// Progress for long work: a one-line bar on a terminal, silence when stderr is piped.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace sinkattn::cli {

class Progress {
 public:
  explicit Progress(std::string label) : label_(std::move(label)), enabled_(isatty(STDERR_FILENO)) {}
  ~Progress() { finish(); }

  void update(long long done, long long total) {
    if (!enabled_ || total <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;  // ~10 redraws/s
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double eta = done > 0 ? secs * (total - done) / done : 0;
    std::fprintf(stderr, "\r%s %5.1f%% (%lld/%lld) %.1fs elapsed, ~%.1fs left ", label_.c_str(),
                 100.0 * done / total, done, total, secs, eta);
    std::fflush(stderr);
    drawn_ = true;
  }
  void finish() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace sinkattn::cli
