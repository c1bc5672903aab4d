#include "model_loss.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include <boost/process.hpp>

#include "sinkattn/error.hpp"

namespace sinkattn::cli {

namespace fs = std::filesystem;
namespace bp = boost::process;

std::string model_checkpoint(const nlohmann::json& meta) {
  const auto g = meta.find("generator");
  if (g == meta.end() || !g->is_object()) return "";
  const auto m = g->find("model");
  if (m == g->end() || !m->is_object()) return "";
  const auto c = m->find("checkpoint");
  return c != m->end() && c->is_string() ? c->get<std::string>() : "";
}

nlohmann::json model_loss(const std::string& trace_dir, const std::string& checkpoint, int prompt, const std::string& base,
                          const std::vector<FieldOverride>& overrides, int windows) {
  const std::string meta = trace_dir + "/meta.json";
  if (checkpoint.empty()) throw InputError(meta, "generator.model.checkpoint", "missing: this trace is not a model workload");
  if (!fs::is_regular_file(checkpoint))
    throw InputError(meta, "generator.model.checkpoint",
                     checkpoint + " does not exist (build the model workload: scripts/workload.sh)");
  const fs::path out = fs::temp_directory_path() / ("sinkattn-loss-" + std::to_string(::getpid()) + ".json");
  std::vector<std::string> args = {std::string(SINKATTN_SOURCE_DIR) + "/scripts/workloads/loop_eval.py",
                                   checkpoint,
                                   "--config",
                                   base,
                                   "--windows",
                                   std::to_string(windows),
                                   "--prompt",
                                   std::to_string(prompt),
                                   "--build",
                                   SINKATTN_BUILD_DIR,
                                   "--json",
                                   out.string()};
  for (const auto& o : overrides) args.insert(args.end(), {"--set", o.path + "=" + o.value});
  // The loop's table goes to stderr so that a sweep worker's stdout stays one JSON object.
  const int status = bp::system(SINKATTN_PYTHON, bp::args(args), bp::std_out > bp::null, bp::std_err > stderr,
                                bp::std_in < bp::null, bp::env["OMP_NUM_THREADS"] = "1");
  nlohmann::json r;
  try {
    std::ifstream f(out);
    if (status != 0 || !f) throw std::runtime_error("loop_eval.py exited with status " + std::to_string(status));
    r = nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    fs::remove(out);
    throw InputError(meta, "generator.model.checkpoint", std::string("the model's loss in the loop failed: ") + e.what());
  }
  fs::remove(out);
  const nlohmann::json& c = r.at("configs").at(0);
  return {{"loss", c.at("loss")},
          {"loss_se", c.at("loss_se")},
          {"loss_delta", c.at("loss_delta")},
          {"loss_delta_se", c.at("loss_delta_se")},
          {"perplexity", c.at("perplexity")},
          {"perplexity_ratio", c.at("perplexity_ratio")},
          {"float_loss", r.at("float").at("loss")},
          {"loss_windows", windows},
          {"loss_estimator", "golden streaming engine in the model's decoding loop (scripts/workloads/loop_eval.py), "
                             "next-byte loss against dense float over " + std::to_string(windows) + " windows"}};
}

}  // namespace sinkattn::cli
