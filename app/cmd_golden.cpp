// sinkattn golden: the bit-exact integer model on one configuration and trace, with its
// accuracy against float full attention.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "job_model_run.hpp"
#include "model_loss.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/npy.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::cli {
namespace {

struct GoldenArgs : JobModelArgs {
  std::string dump;
  int loss_windows = 0;
};

void dump_arrays(const std::string& dir, const GoldenResult& run, const std::vector<float>& out_float) {
  ensure_dir(dir, "--dump");
  const Shape& s = run.shape;
  const std::vector<std::size_t> out_shape = {std::size_t(s.steps()), std::size_t(s.layers), std::size_t(s.q_heads),
                                              std::size_t(s.head_dim)};
  npy::write(dir + "/out_int.npy", npy::DType::kInt16, out_shape, run.out.data());
  npy::write(dir + "/out_float.npy", npy::DType::kFloat32, out_shape, out_float.data());
  npy::write(dir + "/keep.npy", npy::DType::kUInt8,
             {std::size_t(s.steps()), std::size_t(s.layers), std::size_t(s.kv_heads), std::size_t(s.tokens)},
             run.keep.data());
}

int run_golden_cmd(const GoldenArgs& a) {
  JobModelRun r = run_job_model("golden", a, load_config(a.config), run_golden, !a.dump.empty());
  if (!a.dump.empty()) dump_arrays(a.dump, r.run, r.out_float);
  const FloatTrace ft = open_trace(a.trace);  // mapped: only meta.json is read here
  if (a.loss_windows == 0 && !a.quiet && !model_checkpoint(ft.meta).empty())
    std::printf("model workload (%s): --loss-windows N adds the model's loss with this configuration in its loop\n",
                model_checkpoint(ft.meta).c_str());
  if (a.loss_windows > 0) {
    const nlohmann::json m = model_loss(a.trace, model_checkpoint(ft.meta), ft.shape.prompt, a.config, {}, a.loss_windows);
    r.report["model_loss"] = m;
    if (!a.quiet)
      std::printf("model loss in the loop: %+.4f +- %.4f nats/byte against dense float (%.4f), perplexity x%.4f, %d windows\n",
                  m["loss_delta"].get<double>(), m["loss_delta_se"].get<double>(), m["float_loss"].get<double>(),
                  m["perplexity_ratio"].get<double>(), a.loss_windows);
  }
  return publish_job_model(a, r.report);
}

}  // namespace

Action add_golden(CLI::App& app) {
  auto a = std::make_shared<GoldenArgs>();
  CLI::App* sub = app.add_subcommand("golden", "Run the bit-exact integer golden model on a trace");
  add_job_model_options(sub, *a);
  sub->add_option("--dump", a->dump, "Write out_int.npy, out_float.npy and keep.npy to DIR");
  sub->add_option("--loss-windows", a->loss_windows,
                  "On a model workload (meta.json names its checkpoint): also decode N text windows with the model, "
                  "this configuration in its loop, and report the loss change against float (model_loss)")
      ->check(CLI::Range(0, 100000));
  return [a] { return run_golden_cmd(*a); };
}

}  // namespace sinkattn::cli
