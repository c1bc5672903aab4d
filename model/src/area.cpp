// The area model: loads configs/area/NAME.yaml and its fit file, prices logic terms with
// muparser expressions compiled once at load, and memories by geometry (docs/area.md).
#include "sinkattn/area.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

#include <muParser.h>
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

struct AreaModel {
  AreaProvenance prov;
  struct Cell {
    std::string pattern;
    std::regex re;
    double um2 = 0;
  };
  std::vector<Cell> cells;
  struct Term {
    std::string name, expr;
    double um2 = 0;  // per unit of the expression, from the fit
    std::unique_ptr<mu::Parser> parser;
  };
  struct Block {
    std::string name;
    std::vector<std::string> params;
    std::vector<Term> terms;
  };
  std::vector<Block> logic;
  struct Memory {
    long long flop_max_bits = 0;
    long long macro_max_words = 0, macro_max_width = 0;  // the largest macro the compiler builds
    double flop_um2 = 0, mux_um2 = 0, bitcell_um2 = 0, two_port_factor = 0, rom_factor = 0, array_efficiency = 0,
           row_um2 = 0, column_um2 = 0, control_um2 = 0;
  } memory;
  // The parameters the expressions read, bound by address into every parser: the generated
  // parameter names in parameter_list's fixed order. Evaluation writes them, so it is serialized.
  std::vector<std::string> var_names;
  std::unique_ptr<double[]> vars;
  mutable std::mutex eval_mutex;
};

namespace {

std::string area_dir() { return std::string(SINKATTN_SOURCE_CONFIG_DIR) + "/area"; }

std::string at(const std::string& file, const YAML::Node& n) { return file + ":" + std::to_string(n.Mark().line + 1); }

YAML::Node need(const std::string& file, const YAML::Node& parent, const std::string& key, const std::string& path) {
  const YAML::Node n = parent[key];
  if (!n) throw InputError(at(file, parent), path, "missing");
  return n;
}

std::string text(const std::string& file, const YAML::Node& parent, const std::string& key, const std::string& path) {
  const YAML::Node n = need(file, parent, key, path);
  if (!n.IsScalar() || n.Scalar().empty()) throw InputError(at(file, n), path, "must be a non-empty string");
  return n.Scalar();
}

double positive(const std::string& file, const YAML::Node& n, const std::string& path, bool allow_zero = false) {
  double v = 0;
  try {
    if (!n.IsScalar()) throw YAML::Exception(n.Mark(), "");
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    throw InputError(at(file, n), path, "must be a number");
  }
  if (!std::isfinite(v) || v < 0 || (!allow_zero && v == 0))
    throw InputError(at(file, n), path, allow_zero ? "must be a finite number >= 0" : "must be a positive finite number");
  return v;
}

void only_keys(const std::string& file, const YAML::Node& map, const std::string& path, const std::set<std::string>& keys) {
  if (!map.IsMap()) throw InputError(at(file, map), path, "must be a mapping");
  std::string expected;
  for (const auto& k : keys) expected += (expected.empty() ? "" : ", ") + k;
  for (const auto& kv : map) {
    const std::string k = kv.first.as<std::string>();
    if (!keys.count(k))
      throw InputError(at(file, kv.first), path.empty() ? k : path + "." + k, "unknown field; expected one of: " + expected);
  }
}

int clog2_int(long long x) {
  int b = 0;
  while ((1LL << b) < x) ++b;
  return b;
}
double clog2(double x) { return clog2_int(static_cast<long long>(std::ceil(x))); }

// The numeric contract's constants the expressions may use.
const std::vector<std::pair<const char*, double>>& contract_constants() {
  static const std::vector<std::pair<const char*, double>> c = {
      {"DataBits", num::kDataBits},         {"ImportanceBits", num::kImportanceBits},
      {"ProbFracBits", num::kProbFracBits}, {"ExpOutBits", num::kExpOutBits},
      {"RecipOutBits", num::kRecipOutBits}, {"KeyMsbBits", num::kKeyMsbBits},
      {"KeyLsbBits", num::kKeyLsbBits},     {"LogitFracBits", num::kLogitFracBits},
      {"ScaleMantBits", num::kScaleMantBits}, {"OutBits", num::kOutBits}};
  return c;
}

void bind(AreaModel& m, const Config& cfg) {
  const auto params = parameter_list(cfg);
  for (std::size_t i = 0; i < params.size(); ++i) m.vars[i] = static_cast<double>(params[i].second);
}

double eval_block(const AreaModel::Block& b, std::map<std::string, double>* terms) {
  double sum = 0;
  for (const auto& t : b.terms) {
    const double v = t.um2 * t.parser->Eval();
    if (terms) (*terms)[t.name] = v;
    sum += v;
  }
  return sum;
}

void load_cells(AreaModel& m, const std::string& file, const YAML::Node& cells) {
  if (!cells.IsSequence() || cells.size() == 0) throw InputError(at(file, cells), "cells", "must be a non-empty list");
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const YAML::Node c = cells[i];
    const std::string path = "cells[" + std::to_string(i) + "]";
    only_keys(file, c, path, {"pattern", "um2", "source"});
    AreaModel::Cell cell;
    cell.pattern = text(file, c, "pattern", path + ".pattern");
    try {
      cell.re = std::regex(cell.pattern);
    } catch (const std::regex_error& e) {
      throw InputError(at(file, c["pattern"]), path + ".pattern", std::string("not a regular expression: ") + e.what());
    }
    cell.um2 = positive(file, need(file, c, "um2", path + ".um2"), path + ".um2");
    text(file, c, "source", path + ".source");
    m.cells.push_back(std::move(cell));
  }
}

void load_memory(AreaModel& m, const std::string& file, const YAML::Node& mem) {
  const std::vector<std::pair<const char*, double AreaModel::Memory::*>> figures = {
      {"flop_um2", &AreaModel::Memory::flop_um2},
      {"mux_um2", &AreaModel::Memory::mux_um2},
      {"bitcell_um2", &AreaModel::Memory::bitcell_um2},
      {"two_port_factor", &AreaModel::Memory::two_port_factor},
      {"rom_factor", &AreaModel::Memory::rom_factor},
      {"array_efficiency", &AreaModel::Memory::array_efficiency},
      {"row_um2", &AreaModel::Memory::row_um2},
      {"column_um2", &AreaModel::Memory::column_um2},
      {"control_um2", &AreaModel::Memory::control_um2}};
  std::set<std::string> keys = {"flop_max_bits", "density_check", "macro_max_words", "macro_max_width"};
  for (const auto& [k, _] : figures) keys.insert(k);
  only_keys(file, mem, "memory", keys);
  m.memory.flop_max_bits = static_cast<long long>(positive(file, need(file, mem, "flop_max_bits", "memory.flop_max_bits"),
                                                           "memory.flop_max_bits", true));
  for (const auto& [k, member] : {std::pair<const char*, long long AreaModel::Memory::*>{
                                      "macro_max_words", &AreaModel::Memory::macro_max_words},
                                  {"macro_max_width", &AreaModel::Memory::macro_max_width}}) {
    const std::string path = std::string("memory.") + k;
    const YAML::Node f = need(file, mem, k, path);
    only_keys(file, f, path, {"value", "source"});
    const YAML::Node v = need(file, f, "value", path + ".value");
    const double d = positive(file, v, path + ".value");
    if (d != std::floor(d) || d > 1e12) throw InputError(at(file, v), path + ".value", "must be a whole number of at most 10^12");
    m.memory.*member = static_cast<long long>(d);
    text(file, f, "source", path + ".source");
  }
  for (const auto& [k, member] : figures) {
    const std::string path = std::string("memory.") + k;
    const YAML::Node f = need(file, mem, k, path);
    only_keys(file, f, path, {"value", "source"});
    m.memory.*member = positive(file, need(file, f, "value", path + ".value"), path + ".value");
    text(file, f, "source", path + ".source");
  }
  if (m.memory.array_efficiency > 1)
    throw InputError(at(file, mem["array_efficiency"]["value"]), "memory.array_efficiency.value", "must be at most 1");
}

void load_logic(AreaModel& m, const std::string& file, const YAML::Node& logic, const std::string& fit_file,
                const YAML::Node& fit) {
  if (!logic.IsMap() || logic.size() == 0) throw InputError(at(file, logic), "logic", "must be a non-empty mapping of blocks");
  const YAML::Node fit_blocks = need(fit_file, fit, "blocks", "blocks");
  std::set<std::string> known(m.var_names.begin(), m.var_names.end());
  for (const auto& kv : logic) {
    AreaModel::Block b;
    b.name = kv.first.as<std::string>();
    const std::string path = "logic." + b.name;
    only_keys(file, kv.second, path, {"rtl", "params", "terms"});
    text(file, kv.second, "rtl", path + ".rtl");
    const YAML::Node params = need(file, kv.second, "params", path + ".params");
    if (!params.IsSequence()) throw InputError(at(file, params), path + ".params", "must be a list of parameter names");
    for (const auto& p : params) {
      const std::string name = p.as<std::string>();
      if (!known.count(name)) throw InputError(at(file, p), path + ".params", "unknown parameter '" + name + "'");
      b.params.push_back(name);
    }
    const YAML::Node terms = need(file, kv.second, "terms", path + ".terms");
    if (!terms.IsSequence() || terms.size() == 0) throw InputError(at(file, terms), path + ".terms", "must be a non-empty list");
    const YAML::Node fitted = fit_blocks[b.name];
    if (!fitted) throw InputError(at(fit_file, fit_blocks), "blocks." + b.name, "missing: re-run scripts/area_calibrate.py");
    const YAML::Node fterms = need(fit_file, fitted, "terms", "blocks." + b.name + ".terms");
    if (!fterms.IsSequence() || fterms.size() != terms.size())
      throw InputError(at(fit_file, fterms), "blocks." + b.name + ".terms",
                       "has " + std::to_string(fterms.size()) + " terms, the model " + std::to_string(terms.size()) +
                           ": re-run scripts/area_calibrate.py");
    for (std::size_t i = 0; i < terms.size(); ++i) {
      const std::string tpath = path + ".terms[" + std::to_string(i) + "]";
      only_keys(file, terms[i], tpath, {"name", "expr", "why"});
      AreaModel::Term t;
      t.name = text(file, terms[i], "name", tpath + ".name");
      t.expr = text(file, terms[i], "expr", tpath + ".expr");
      text(file, terms[i], "why", tpath + ".why");
      const std::string fpath = "blocks." + b.name + ".terms[" + std::to_string(i) + "]";
      if (text(fit_file, fterms[i], "name", fpath + ".name") != t.name)
        throw InputError(at(fit_file, fterms[i]), fpath + ".name",
                         "is '" + fterms[i]["name"].Scalar() + "', the model's term is '" + t.name +
                             "': re-run scripts/area_calibrate.py");
      t.um2 = positive(fit_file, need(fit_file, fterms[i], "um2", fpath + ".um2"), fpath + ".um2", true);
      t.parser = std::make_unique<mu::Parser>();
      try {
        for (std::size_t v = 0; v < m.var_names.size(); ++v) t.parser->DefineVar(m.var_names[v], &m.vars[v]);
        for (const auto& [name, value] : contract_constants()) t.parser->DefineConst(name, value);
        t.parser->DefineFun("clog2", clog2);
        t.parser->SetExpr(t.expr);
        t.parser->Eval();  // parses now: an unknown name or a syntax error is a load error
      } catch (const mu::Parser::exception_type& e) {
        throw InputError(at(file, terms[i]["expr"]), tpath + ".expr", "cannot evaluate '" + t.expr + "': " + e.GetMsg());
      }
      b.terms.push_back(std::move(t));
    }
    m.logic.push_back(std::move(b));
  }
}

}  // namespace

std::vector<std::string> area_model_names() {
  std::set<std::string> names;
  if (fs::is_directory(area_dir()))
    for (const auto& e : fs::directory_iterator(area_dir()))
      if (e.path().extension() == ".yaml" && e.path().stem().string().find("_fit") == std::string::npos)
        names.insert(e.path().stem().string());
  return {names.begin(), names.end()};
}

std::shared_ptr<const AreaModel> load_area_model(const std::string& name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos || name_or_path.find(".yaml") != std::string::npos;
  const std::string file = is_path ? name_or_path : area_dir() + "/" + name_or_path + ".yaml";
  if (!is_regular_file(file, "")) {
    std::string have;
    for (const auto& n : area_model_names()) have += (have.empty() ? "" : ", ") + n;
    throw InputError(file, "", is_path ? "no such area model file" : "no area model named '" + name_or_path + "' (have: " + have + ")");
  }
  const YAML::Node root = load_yaml_file(file);
  only_keys(file, root, "", {"name", "description", "node_nm", "fit_file", "cells", "logic", "memory"});
  auto m = std::make_shared<AreaModel>();
  m->prov.file = file;
  m->prov.name = text(file, root, "name", "name");
  m->prov.description = text(file, root, "description", "description");
  const double node = positive(file, need(file, root, "node_nm", "node_nm"), "node_nm");
  if (node != std::floor(node)) throw InputError(at(file, root["node_nm"]), "node_nm", "must be a whole number of nanometres");
  m->prov.node_nm = static_cast<int>(node);
  const std::string fit_name = text(file, root, "fit_file", "fit_file");
  const std::string fit_file = (fs::path(file).parent_path() / fit_name).string();
  if (!is_regular_file(fit_file, "fit_file"))
    throw InputError(at(file, root["fit_file"]), "fit_file", "no such file " + fit_file + ": run scripts/area_calibrate.py");
  m->prov.fit_file = fit_file;
  const YAML::Node fit = load_yaml_file(fit_file);
  if (!fit.IsMap()) throw InputError(fit_file, "", "the top level must be a mapping");
  m->prov.calibration_date = text(fit_file, fit, "date", "date");
  m->prov.calibration_commit = text(fit_file, fit, "commit", "commit");
  m->prov.yosys = text(fit_file, fit, "yosys", "yosys");

  const auto params = parameter_list(Config{});
  m->vars.reset(new double[params.size()]);
  for (std::size_t i = 0; i < params.size(); ++i) m->var_names.push_back(params[i].first);
  load_cells(*m, file, need(file, root, "cells", "cells"));
  load_memory(*m, file, need(file, root, "memory", "memory"));
  load_logic(*m, file, need(file, root, "logic", "logic"), fit_file, fit);
  return m;
}

AreaProvenance provenance(const AreaModel& m) { return m.prov; }

std::map<std::string, std::vector<std::string>> logic_blocks(const AreaModel& m) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& b : m.logic) out[b.name] = b.params;
  return out;
}

MemoryArea memory_area(const AreaModel& m, const MemoryGeometry& g) {
  const AreaModel::Memory& mm = m.memory;
  MemoryArea a;
  a.geometry = g;
  const double words = static_cast<double>(g.words), width = g.width, bits = words * width;
  // A macro of the tile's shape: its cells and its periphery (a word line per word, a column per
  // bit of width, the control).
  const auto macro_um2 = [&](double cell_factor) {
    const double mw = static_cast<double>(a.macro_words), mb = a.macro_width;
    return mw * mb * mm.bitcell_um2 * cell_factor / mm.array_efficiency + mw * mm.row_um2 + mb * mm.column_um2 +
           mm.control_um2;
  };
  // The compiler's tiling: as few tiles as fit its largest macro, every tile the same shape.
  const auto tile = [&] {
    const long long word_tiles = (g.words + mm.macro_max_words - 1) / mm.macro_max_words;
    const long long width_tiles = (g.width + mm.macro_max_width - 1) / mm.macro_max_width;
    a.macro_words = (g.words + word_tiles - 1) / word_tiles;
    a.macro_width = static_cast<int>((g.width + width_tiles - 1) / width_tiles);
    return word_tiles * width_tiles;
  };
  double per_bank = 0;
  if (g.write_ports == 0) {
    a.kind = "rom";
    const long long tiles = tile();
    a.macros = tiles * g.banks;
    per_bank = static_cast<double>(tiles) * macro_um2(mm.rom_factor);
  } else if (bits < static_cast<double>(mm.flop_max_bits)) {
    // Register array: a write-enabled flop per bit and a words-to-1 mux tree per bit and read port.
    a.kind = "flops";
    per_bank = bits * mm.flop_um2 + g.read_ports * (words - 1) * width * mm.mux_um2;
  } else {
    // SRAM macros: one read and one write port in one two-port macro (a single port in a 6T
    // one); more read ports by one copy per read port.
    a.kind = "sram";
    const bool two_port = g.read_ports >= 1 && g.write_ports >= 1;
    a.copies = std::max(1, g.read_ports);
    const long long tiles = tile();
    a.macros = tiles * a.copies * g.banks;
    per_bank = static_cast<double>(a.copies * tiles) * macro_um2(two_port ? mm.two_port_factor : 1.0);
  }
  a.um2 = per_bank * g.banks;
  return a;
}

double logic_area(const AreaModel& m, const std::string& block, const std::map<std::string, long long>& params,
                  const Config& cfg) {
  for (const auto& b : m.logic) {
    if (b.name != block) continue;
    std::lock_guard<std::mutex> lock(m.eval_mutex);
    AreaModel& mut = const_cast<AreaModel&>(m);  // only the bound variables change
    bind(mut, cfg);
    for (const auto& [name, value] : params) {
      const auto it = std::find(m.var_names.begin(), m.var_names.end(), name);
      if (it == m.var_names.end()) throw InputError(m.prov.file, "logic." + block, "unknown parameter '" + name + "'");
      m.vars[static_cast<std::size_t>(it - m.var_names.begin())] = static_cast<double>(value);
    }
    return eval_block(b, nullptr);
  }
  throw InputError(m.prov.file, "logic", "no logic block '" + block + "'");
}

AreaReport area_of(const Config& cfg, const AreaModel& m) {
  AreaReport r;
  {
    std::lock_guard<std::mutex> lock(m.eval_mutex);
    bind(const_cast<AreaModel&>(m), cfg);
    for (const auto& b : m.logic) {
      const double um2 = eval_block(b, &r.logic_terms[b.name]);
      r.logic_um2[b.name] = um2;
      r.blocks_um2[b.name] += um2;
      r.logic_um2_total += um2;
    }
  }
  for (const MemoryGeometry& g : memory_inventory(cfg.hw)) {
    MemoryArea a = memory_area(m, g);
    r.blocks_um2[g.block] += a.um2;
    r.memory_um2_total += a.um2;
    r.memory_bits += g.bits();
    r.memories.push_back(std::move(a));
  }
  r.total_um2 = r.logic_um2_total + r.memory_um2_total;
  return r;
}

double yosys_cell_area(const AreaModel& m, const std::string& cell_counts) {
  std::istringstream in(cell_counts);
  std::string item;
  double total = 0;
  while (in >> item) {
    const auto eq = item.rfind('=');
    if (eq == std::string::npos) throw InputError(m.prov.file, "cells", "malformed gate count '" + item + "'");
    const std::string cell = item.substr(0, eq);
    const long long n = std::stoll(item.substr(eq + 1));
    bool priced = false;
    for (const auto& c : m.cells)
      if (std::regex_match(cell, c.re)) {
        total += n * c.um2;
        priced = true;
        break;
      }
    if (!priced) throw InputError(m.prov.file, "cells", "no cell area for Yosys gate " + cell);
  }
  return total;
}

}  // namespace sinkattn
