#include "trace_run.hpp"

#include "sinkattn/report.hpp"

namespace sinkattn::cli {

void add_trace_run_options(CLI::App* sub, TraceRunArgs& a) {
  sub->add_option("--config", a.config, "Preset name or YAML file")->capture_default_str();
  sub->add_option("--trace", a.trace, "Trace directory (q.npy, k.npy, v.npy, meta.json)")->required();
  sub->add_option("--json", a.json, "Write the result object as JSON to FILE");
  sub->add_option("--energy", a.energy, "Energy table: a name in configs/energy or a YAML file")->capture_default_str();
  sub->add_option("--area", a.area, "Area model: a name in configs/area or a YAML file")->capture_default_str();
}

CostModels load_cost_models(const TraceRunArgs& a) { return {load_energy_table(a.energy), load_area_model(a.area)}; }

void add_costs(nlohmann::json& j, const CostModels& m, const Config& cfg, const Counters& c, const Shape& s) {
  add_energy(j, c, s, m.energy);
  add_area(j, cfg, *m.area);
}

}  // namespace sinkattn::cli
