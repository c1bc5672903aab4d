// A block's SystemC model (sim/systemc/*.hpp) run beside its Verilated RTL in the block's
// harness. The harness gives both the same inputs every cycle and compares their handshakes and
// outputs before the edge, so every test of a block also checks its SystemC mirror cycle for
// cycle, under the same back-pressure, before the top's co-simulation uses it.
#pragma once

#include <systemc>

#include <cstdlib>
#include <memory>
#include <utility>

namespace sinkattn::tb {

// A block model is an sc_module, which needs an elaboration context. Each mirror gets a fresh
// one, as each run of sim/systemc/sim_model.cpp does (SystemC allows one elaboration per
// context). The kernel never starts: the harness calls the model's comb() and edge() itself, in
// the order sim/systemc/cells.hpp describes.
template <typename Model, typename... Args>
std::unique_ptr<Model> make_mirror(Args&&... args) {
  setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  return std::make_unique<Model>("mirror", std::forward<Args>(args)...);
}

}  // namespace sinkattn::tb
