// libFuzzer harness of the energy table loader (model/src/energy.cpp): the input is a YAML
// table, loaded and applied to a fixed set of counters.
#include "fuzz_files.hpp"
#include "sinkattn/energy.hpp"
#include "sinkattn/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sinkattn;
  const std::string path = fuzz::scratch_dir() + "/input.yaml";
  fuzz::write_file(path, {reinterpret_cast<const char*>(data), size});
  try {
    const EnergyTable t = load_energy_table(path);
    Counters c;
    c.rows = c.token_reads = c.row_tokens = c.macs = c.dram_window = 1000;
    Shape s;
    s.layers = 2, s.q_heads = 4, s.kv_heads = 2, s.head_dim = 16, s.tokens = 64, s.prompt = 32;
    (void)energy_of(c, s, t);
  } catch (const InputError&) {
  }
  return 0;
}
