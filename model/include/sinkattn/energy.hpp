// Energy in the style of Accelergy: action counts times a per-action energy table
// (configs/energy/*.yaml, each entry with its source). Every model (golden, SystemC, RTL)
// reports the same Counters, and this one function turns them into energy, so their energy
// figures agree whenever their counters do. docs/energy.md maps counters to actions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn {

// The actions a table prices, in pJ per action.
struct EnergyTable {
  std::string name, description, source;  // source: the file it came from
  double mac = 0;              // one 12x12-bit multiply-accumulate into a wide register
  double add = 0;              // one wide integer add (row sum, importance accumulation)
  double multiply = 0;         // one 16x16-bit multiply (softmax normalization)
  double compare = 0;          // one score comparison (row max, top-k partition)
  double sram_read_byte = 0;   // on-chip SRAM, per byte
  double sram_write_byte = 0;
  double dram_byte = 0;        // DRAM read, per byte
  double register_byte = 0;    // per byte latched into a lane's operand register
  std::map<std::string, std::string> sources;  // action -> where its figure comes from
};

// The tables in configs/energy, by file stem.
std::vector<std::string> energy_table_names();

// Loads a table by name (configs/energy/NAME.yaml) or by path. Throws InputError naming the
// file, the field and the reason for anything missing, unknown, non-numeric or not positive.
EnergyTable load_energy_table(const std::string& name_or_path);

// Energy of one run, in pJ, by accelerator block (keys of `blocks`: qk_lanes, softmax_unit,
// pv_lanes, topk_engine, importance, sink_sram, kv_buffer, dram).
struct EnergyReport {
  std::map<std::string, double> blocks;
  double total_pj = 0;
};
EnergyReport energy_of(const Counters& c, const Shape& shape, const EnergyTable& table);

}  // namespace sinkattn
