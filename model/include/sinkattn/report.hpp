// Results as users read them: one JSON object (and one tidy CSV row) per (configuration,
// workload), and a short table for the terminal. Every run mode reports the same key names.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "sinkattn/area.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/energy.hpp"
#include "sinkattn/fidelity.hpp"
#include "sinkattn/golden.hpp"

namespace sinkattn {

// The one report builder: every subcommand's result object is made of these pieces, so the
// same quantity has the same key in every mode (keys documented in docs/cli.md).

// mode, preset, config_file, trace (the section: {"dir": trace_dir}), shape.
nlohmann::json report_header(const std::string& mode, const Config& cfg, const std::string& trace_dir, const Shape& s);

// Adds the trace's description and its unknown meta.json keys (unknown_meta, an object, empty if
// none) to the report's trace section.
void add_trace_meta(nlohmann::json& j, const FloatTrace& trace);

// dram_bytes, dense_dram_bytes, dram_bytes_by_region and every counter the golden model keeps,
// under its name in the counter table (configs/host_contract.yaml).
void add_counters(nlohmann::json& j, const Counters& c, std::uint64_t dense_dram_bytes);

// fidelity: cosine_mean, cosine_min, max_rel_err, mass_recall_mean.
void add_fidelity(nlohmann::json& j, const Fidelity& f);

// The golden run's result object (also the HLS kernel's), priced with `energy` and `area`.
nlohmann::json golden_report(const Config& cfg, const Plan& plan, const std::string& trace_dir,
                             const GoldenResult& run, const Fidelity& fid, double wall_seconds,
                             const EnergyTable& energy, const AreaModel& area);

// What a cycle-level model measured of the prefill (absent for golden, which has no cycles).
struct PrefillCycles {
  std::string model;               // "systemc" or "rtl"
  std::uint64_t total = 0;         // first importance load until idle after the last pass
  std::uint64_t eviction_pass = 0; // controller cycles of the prefill passes (prefill_cycles counter)
  std::uint64_t loads = 0;         // importance loads the hardware counted (one command cycle each)
};

// The report's `prefill` object (docs/policy.md, "Prefill importance"): the host's dense
// prefill (MACs and DRAM bytes, model named) and the engine's share (importance loads, the
// eviction pass's evictions and top-k work from golden's prefill counters, its energy from
// `energy`, and with `cycles` the cycle-level model's measured cycles). The report's top-level
// counters, energy and cycles are the engine's whole run, prefill included; `totals_with_host`
// adds the host's MACs and DRAM bytes to them.
void add_prefill(nlohmann::json& j, const Config& cfg, const GoldenResult& gold, const EnergyTable& energy,
                 const PrefillCycles* cycles = nullptr);

// The energy keys every mode's report carries: energy_pj, energy_pj_by_block, energy_table.
void add_energy(nlohmann::json& j, const Counters& c, const Shape& shape, const EnergyTable& energy);

// The area keys every mode's report carries: area_um2, area_um2_by_block, area_memory_bits and
// area_model, priced from the configuration's hardware (docs/area.md).
void add_area(nlohmann::json& j, const Config& cfg, const AreaModel& area);

// The full area object of `sinkattn area --json`: totals, blocks, logic terms, every memory with
// its geometry and kind, and the model's provenance.
nlohmann::json area_report(const Config& cfg, const AreaModel& area);

// Writes `j` pretty-printed. Throws InputError(path, "--json", reason) if it cannot.
void write_json(const std::string& path, const nlohmann::json& j);

// Writes a header line and one row: nested objects become dotted column names, arrays one
// space-separated cell.
void write_csv(const std::string& path, const nlohmann::json& j);

// The terminal summary of a report.
std::string summary_table(const nlohmann::json& j);

}  // namespace sinkattn
