// Work that depends only on the workload, done once per sweep and reused by every point: the
// trace (made by gen-trace's generator if the sweep asks for one), its quantized integer form
// and the float reference of every decode row (what fidelity compares against; it dominates a
// golden run on long traces). A cache directory holds them; workers load it in milliseconds.
#pragma once

#include <string>

#include "sinkattn/fidelity.hpp"
#include "sinkattn/sweep/spec.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::sweep {

struct PreparedWorkload {
  std::string name;
  std::string cache_dir;  // what workers get (--workload)
  std::string trace_dir;  // the trace itself (for show-point's stand-alone command lines)
  std::string digest;     // SHA-256 of the trace's files
  Shape shape;
};

// Makes (or reuses, when the trace's digest is unchanged) `root`/NAME. Safe to call again
// after a kill: the cache is marked complete only after everything in it is written.
PreparedWorkload prepare_workload(const Workload& w, const std::string& root);

// What a worker loads from a cache directory.
struct LoadedWorkload {
  std::string trace_dir, digest;
  int loss_windows = 0;    // > 0: a model workload whose points report the loss in the loop
  std::string checkpoint;  // its checkpoint
  IntTrace trace;
  ReferenceRows reference;
};
LoadedWorkload load_workload(const std::string& cache_dir);

}  // namespace sinkattn::sweep
