// Synthetic decode traces with controllable attention structure (sinkattn gen-trace).
#pragma once

#include <cstdint>
#include <string>

#include "sinkattn/trace.hpp"

namespace sinkattn {

struct SynthParams {
  Shape shape{4, 8, 2, 64, 512, 256};  // L, Hq, Hkv, D, T, P
  int sinks = 4;                 // tokens [0, sinks) act as attention sinks
  double sink_mass = 0.4;        // share of a row's attention the sinks draw (at mid-decode length)
  double sink_value_scale = 0.1; // value drain: norm of sink values relative to other tokens
  int heavy = 16;                // heavy-hitter tokens, placed at random in [sinks, prompt)
  double heavy_mass = 0.25;      // share of attention the heavy hitters draw together
  double recency = 2.0;          // logit bonus (nats) of the newest token over distant ones
  int recency_span = 32;         // tokens over which the recency bonus decays
  double temperature = 1.0;      // spread of the random part of the logits
  std::uint64_t seed = 1;
  bool decode_queries_only = false;  // q holds the decode steps' queries only (docs/traces.md)
};

// Checks the parameters; throws InputError(file="gen-trace", field=flag name, reason).
void validate(const SynthParams& p);

// Builds the trace. Deterministic for a given seed (portable RNG, not std:: distributions).
// meta holds prompt_len, description, the generator parameters and the measured masses
// (sink, heavy, recent) that the float reference sees, so the user can check the controls.
FloatTrace make_synthetic_trace(const SynthParams& p);

// Writes the same trace to DIR in `dtype` one (layer, head) slice at a time (TraceWriter), so that
// a trace larger than memory can be made; "measured" is then taken on the trace as written and
// read back (float16 or int8 values as stored). Returns the meta.json written.
nlohmann::json write_synthetic_trace(const SynthParams& p, const std::string& dir, npy::DType dtype);

}  // namespace sinkattn
