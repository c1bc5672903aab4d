// DuoAttention head-pattern files (docs/policy.md, "duo").
#include "sinkattn/head_pattern.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "sinkattn/error.hpp"
#include "sinkattn/path_check.hpp"

namespace sinkattn {

HeadPattern read_head_pattern(const std::string& file) {
  if (!is_regular_file(file, "")) throw InputError(file, "file", "no such head-pattern file");
  std::ifstream in(file);
  if (!in) throw InputError(file, "file", "cannot open");
  HeadPattern p;
  p.file = file;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines, as loadtxt
    const std::string at = "line " + std::to_string(n);
    std::vector<double> row;
    std::size_t pos = 0;
    while (true) {
      const std::size_t tab = line.find('\t', pos);
      const std::string cell = line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos);
      const std::string where = at + ", column " + std::to_string(row.size() + 1);
      errno = 0;
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      if (cell.empty() || end == cell.c_str() || std::string(end).find_first_not_of(' ') != std::string::npos)
        throw InputError(file, where, "'" + cell + "' is not a number (values are separated by one tab)");
      if (!std::isfinite(v) || errno == ERANGE) throw InputError(file, where, "'" + cell + "' must be finite");
      row.push_back(std::clamp(v, 0.0, 1.0));  // load_attn_pattern clips to [0, 1]
      if (tab == std::string::npos) break;
      pos = tab + 1;
    }
    if (p.layers > 0 && static_cast<int>(row.size()) != p.kv_heads)
      throw InputError(file, at, "has " + std::to_string(row.size()) + " values but the first layer has " +
                                     std::to_string(p.kv_heads) + ": one value per KV head on every line");
    p.kv_heads = static_cast<int>(row.size());
    ++p.layers;
    p.gate.insert(p.gate.end(), row.begin(), row.end());
  }
  if (p.layers == 0) throw InputError(file, "file", "holds no gate values (one line per layer expected)");
  return p;
}

std::vector<std::string> threshold_head_pattern(const HeadPattern& p, double sparsity) {
  double threshold = 0;
  if (sparsity >= 1) {
    threshold = 2;  // above every clipped gate: all streaming
  } else if (sparsity <= 0) {
    threshold = -1;  // all retrieval
  } else {
    // numpy.quantile's default ("linear"): position s * (n - 1) in the sorted values.
    std::vector<double> v = p.gate;
    std::sort(v.begin(), v.end());
    const double pos = sparsity * static_cast<double>(v.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    threshold = v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
  }
  std::vector<std::string> map(p.layers, std::string(p.kv_heads, 'S'));
  for (int l = 0; l < p.layers; ++l)
    for (int g = 0; g < p.kv_heads; ++g)
      if (p.gate[static_cast<std::size_t>(l) * p.kv_heads + g] >= threshold) map[l][g] = 'R';
  return map;
}

}  // namespace sinkattn
