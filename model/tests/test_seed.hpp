// Seeds for randomized tests: printed always, and a failing one reruns with SINKATTN_SEED=N.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

namespace sinkattn::testing {

inline std::uint64_t test_seed(std::uint64_t fallback) {
  const char* env = std::getenv("SINKATTN_SEED");
  const std::uint64_t seed = env ? std::strtoull(env, nullptr, 0) : fallback;
  std::cout << "[   SEED   ] " << seed << " (rerun with SINKATTN_SEED=" << seed << ")\n";
  return seed;
}

}  // namespace sinkattn::testing
