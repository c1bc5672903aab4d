#include "sinkattn/energy.hpp"

#include <cmath>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "sinkattn/error.hpp"
#include "sinkattn/path_check.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/yaml_file.hpp"

#ifndef SINKATTN_SOURCE_CONFIG_DIR
#error "SINKATTN_SOURCE_CONFIG_DIR must be defined by the build"
#endif

namespace fs = std::filesystem;

namespace sinkattn {
namespace {

std::string energy_dir() { return std::string(SINKATTN_SOURCE_CONFIG_DIR) + "/energy"; }

std::string at(const std::string& file, const YAML::Node& n) { return file + ":" + std::to_string(n.Mark().line + 1); }

std::string text(const std::string& file, const YAML::Node& parent, const char* key) {
  const YAML::Node n = parent[key];
  if (!n) throw InputError(at(file, parent), key, "missing");
  if (!n.IsScalar() || n.Scalar().empty()) throw InputError(at(file, n), key, "must be a non-empty string");
  return n.Scalar();
}

// A mapping key as a name; a list, mapping or null key (legal YAML) is an input error, not a
// bare yaml-cpp conversion exception.
std::string key_name(const std::string& file, const std::string& where, const YAML::Node& key) {
  if (!key.IsScalar()) throw InputError(at(file, key), where, "a key must be a plain name, not a list, mapping or null");
  return key.Scalar();
}

}  // namespace

std::vector<std::string> energy_table_names() {
  std::set<std::string> names;
  if (fs::is_directory(energy_dir()))
    for (const auto& e : fs::directory_iterator(energy_dir()))
      if (e.path().extension() == ".yaml") names.insert(e.path().stem().string());
  return {names.begin(), names.end()};
}

EnergyTable load_energy_table(const std::string& name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos || name_or_path.find(".yaml") != std::string::npos;
  const std::string file = is_path ? name_or_path : energy_dir() + "/" + name_or_path + ".yaml";
  if (!is_regular_file(file, "")) {
    std::string have;
    for (const auto& n : energy_table_names()) have += (have.empty() ? "" : ", ") + n;
    throw InputError(file, "", is_path ? "no such energy table file" : "no energy table named '" + name_or_path + "' (have: " + have + ")");
  }
  const YAML::Node root = load_yaml_file(file);
  if (!root.IsMap()) throw InputError(file, "", "the top level must be a mapping with name, description and actions");
  for (const auto& kv : root) {
    const std::string k = key_name(file, "(top level)", kv.first);
    if (k != "name" && k != "description" && k != "actions")
      throw InputError(at(file, kv.first), k, "unknown field; expected one of: name, description, actions");
  }
  EnergyTable t;
  t.source = file;
  t.name = text(file, root, "name");
  t.description = text(file, root, "description");
  const YAML::Node actions = root["actions"];
  if (!actions) throw InputError(file, "actions", "missing");
  if (!actions.IsMap()) throw InputError(at(file, actions), "actions", "must be a mapping of action: {pj, source}");

  const std::map<std::string, double EnergyTable::*> fields = {
      {"mac", &EnergyTable::mac},
      {"add", &EnergyTable::add},
      {"multiply", &EnergyTable::multiply},
      {"compare", &EnergyTable::compare},
      {"sram_read_byte", &EnergyTable::sram_read_byte},
      {"sram_write_byte", &EnergyTable::sram_write_byte},
      {"dram_byte", &EnergyTable::dram_byte},
      {"register_byte", &EnergyTable::register_byte},
  };
  std::string expected;
  for (const auto& [name, member] : fields) expected += (expected.empty() ? "" : ", ") + name;
  // The entries present are checked in file order first, so the first error is the first bad line.
  for (const auto& kv : actions) {
    const std::string name = key_name(file, "actions", kv.first);
    const std::string path = "actions." + name;
    if (!fields.count(name)) throw InputError(at(file, kv.first), path, "unknown action; expected one of: " + expected);
    const YAML::Node a = kv.second;
    if (!a.IsMap()) throw InputError(at(file, a), path, "must be a mapping with pj and source");
    for (const auto& f : a) {
      const std::string k = key_name(file, path, f.first);
      if (k != "pj" && k != "source") throw InputError(at(file, f.first), path + "." + k, "unknown field; expected pj, source");
    }
    const YAML::Node pj = a["pj"];
    if (!pj) throw InputError(at(file, a), path + ".pj", "missing");
    double v = 0;
    try {
      v = pj.as<double>();
    } catch (const YAML::Exception&) {
      throw InputError(at(file, pj), path + ".pj", "must be a number of picojoules");
    }
    if (!std::isfinite(v) || v <= 0) throw InputError(at(file, pj), path + ".pj", "must be a positive finite number of picojoules");
    t.*fields.at(name) = v;
    t.sources[name] = text(file, a, "source");
  }
  for (const auto& [name, member] : fields)
    if (!actions[name]) throw InputError(at(file, actions), "actions." + name, "missing");
  return t;
}

EnergyReport energy_of(const Counters& c, const Shape& shape, const EnergyTable& e) {
  const double d = shape.head_dim;
  const TokenBytes tb = token_bytes(shape.head_dim);
  const double data_bytes = num::kDataBits / 8.0;
  // Scores computed: every attended (row, token) pair once, plus again for the LSB recomputes
  // (macs counts 2 D per pair and D more per recomputed pair).
  const double pairs = static_cast<double>(c.row_tokens);
  const double scores = d > 0 ? static_cast<double>(c.macs) / d - pairs : 0;
  const double softmax_rows = static_cast<double>(c.rows + c.lsb_refetches);
  const double sink_bytes = static_cast<double>(c.sram_sink_hits) * (tb.key_full + tb.value);
  const double dram = static_cast<double>(c.dram_bytes());
  const double score_bytes = num::kImportanceBits / 8.0;

  EnergyReport r;
  // Q.K: one MAC per element, the key element latched into the lane's operand register.
  r.blocks["qk_lanes"] = scores * d * (e.mac + data_bytes * e.register_byte);
  // Softmax: per score a max compare, an exp2 table read (2 bytes), a sum add and the
  // normalizing multiply; per row one reciprocal table read.
  r.blocks["softmax_unit"] = scores * (e.compare + 2 * e.sram_read_byte + e.add + e.multiply) +
                             softmax_rows * 2 * e.sram_read_byte;
  // P.V: one MAC per element of each attended value, the value element latched likewise.
  r.blocks["pv_lanes"] = pairs * d * (e.mac + data_bytes * e.register_byte);
  // Top-k: every streamed candidate is compared with the pivot, read from and written back to
  // the engine's score memory.
  r.blocks["topk_engine"] = static_cast<double>(c.topk.elements) *
                            (e.compare + score_bytes * (e.sram_read_byte + e.sram_write_byte));
  // Importance: read-add-write of one score per (row, non-sink token), and one write per
  // initial score the host's prefill loads.
  r.blocks["importance"] = static_cast<double>(c.importance_updates) *
                               (e.add + score_bytes * (e.sram_read_byte + e.sram_write_byte)) +
                           static_cast<double>(c.importance_loads) * score_bytes * e.sram_write_byte;
  // Sink SRAM: read only during decode (it is loaded once, before the first step).
  r.blocks["sink_sram"] = sink_bytes * e.sram_read_byte;
  // K/V buffer: every byte fetched from DRAM is written once and read once.
  r.blocks["kv_buffer"] = dram * (e.sram_write_byte + e.sram_read_byte);
  r.blocks["dram"] = dram * e.dram_byte;
  for (const auto& [block, pj] : r.blocks) r.total_pj += pj;
  return r;
}

}  // namespace sinkattn
