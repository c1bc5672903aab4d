// Area in the style of Accelergy's per-component models: the logic of every RTL block is a sum
// of terms in the configuration's parameters (coefficients fitted to Yosys synthesis,
// scripts/area_calibrate.py), and every on-chip memory is priced by its geometry (words, width,
// ports, banks). The table is configs/area/NAME.yaml with its fit file; docs/area.md says where
// each figure comes from and how close the model is to Yosys on configurations held out of the
// fit. Pricing one configuration takes microseconds (scripts/bench.sh area).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sinkattn/config.hpp"

namespace sinkattn {

// One on-chip memory of the RTL: `banks` identical arrays of words x width bits, each with its
// own read and write ports (a ROM has no write port).
struct MemoryGeometry {
  std::string name;   // the RTL memory as Yosys names it (u_imp_mem.mem, u_kv.u_msb.g_lane[].u_ram.mem, ...)
  std::string block;  // the block it belongs to in the breakdown
  long long words = 0;
  int width = 0;
  int read_ports = 1;
  int write_ports = 1;
  int banks = 1;
  long long bits() const { return words * width * static_cast<long long>(banks); }
};

// Every memory the RTL instantiates for this hardware, sized from the same parameters the RTL
// sizes them with (model/src/area_memories.cpp mirrors the declarations, one entry each).
std::vector<MemoryGeometry> memory_inventory(const HwConfig& hw);

struct AreaModel;  // the loaded table; opaque

// Loads a table by name (configs/area/NAME.yaml and its fit file) or by path. Throws InputError
// naming file:line, the field and the reason for anything missing, unknown or malformed,
// including a term expression that does not parse or names an unknown parameter.
std::shared_ptr<const AreaModel> load_area_model(const std::string& name_or_path);
std::vector<std::string> area_model_names();

// What a result says produced its area figures.
struct AreaProvenance {
  std::string name, description, file, fit_file;
  int node_nm = 0;
  std::string calibration_date, calibration_commit, yosys;
};
AreaProvenance provenance(const AreaModel& m);

struct MemoryArea {
  MemoryGeometry geometry;
  std::string kind;  // "flops" (register array), "sram" (macro), "rom" (macro)
  int copies = 1;    // macro copies per bank (one per read port beyond a two-port macro)
  // The macros a memory compiler builds it from ("sram" and "rom"; 0 for "flops"): the array
  // split into word and width tiles of at most the model's largest macro, every tile the same
  // macro_words x macro_width shape, `macros` of them in all (banks x copies x tiles).
  long long macro_words = 0;
  int macro_width = 0;
  long long macros = 0;
  double um2 = 0;
};

struct AreaReport {
  std::map<std::string, double> logic_um2;                          // per logic block
  std::map<std::string, std::map<std::string, double>> logic_terms;  // block -> term -> um2
  std::vector<MemoryArea> memories;
  std::map<std::string, double> blocks_um2;  // logic and memories, by block
  double logic_um2_total = 0, memory_um2_total = 0, total_um2 = 0;
  long long memory_bits = 0;
};

// Prices a configuration's hardware (cfg.hw and the numeric contract).
AreaReport area_of(const Config& cfg, const AreaModel& m);

// The logic area of one block at the given parameters (generated names, e.g. HeadDim); parameters
// not given take `cfg`'s values. Throws InputError for an unknown block.
double logic_area(const AreaModel& m, const std::string& block, const std::map<std::string, long long>& params,
                  const Config& cfg);

// The area of one memory by the table's memory model.
MemoryArea memory_area(const AreaModel& m, const MemoryGeometry& g);

// Area of a Yosys netlist from its gate counts ("$_AND_=12 $_DFF_P_=3 ..."), priced with the
// table's cell areas (how the calibration turns Yosys into um2). Throws InputError for a gate
// type the table does not price.
double yosys_cell_area(const AreaModel& m, const std::string& cell_counts);

// The logic blocks the table models, with the preset parameters each depends on.
std::map<std::string, std::vector<std::string>> logic_blocks(const AreaModel& m);

}  // namespace sinkattn
