// The synthetic traces the model's tests share: gen-trace's generator with 4 sinks, 6 heavy
// hitters and a recency span of 8 (what every policy has something to find in).
#pragma once

#include <cstdint>

#include "sinkattn/synth.hpp"

namespace sinkattn::testing {

// `temperature` spreads the random part of the logits: above 1, a flatter middle whose heavy
// hitters are not all obvious.
inline FloatTrace synthetic_trace(std::uint64_t seed, Shape shape, double temperature = 1.0) {
  SynthParams p;
  p.shape = shape;
  p.sinks = 4;
  p.heavy = 6;
  p.recency_span = 8;
  p.temperature = temperature;
  p.seed = seed;
  return make_synthetic_trace(p);
}

}  // namespace sinkattn::testing
