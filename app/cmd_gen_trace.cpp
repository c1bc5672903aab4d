// sinkattn gen-trace: synthetic decode traces with controllable sinks, value drain, heavy
// hitters, recency and GQA.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/synth.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::cli {
namespace {

struct GenArgs {
  SynthParams p;
  std::string out, dtype = "float32";
  bool quiet = false;
};

int run_gen(GenArgs& a) {
  validate(a.p);
  npy::DType dtype;
  if (a.dtype == "float32") dtype = npy::DType::kFloat32;
  else if (a.dtype == "float16") dtype = npy::DType::kFloat16;
  else if (a.dtype == "int8") dtype = npy::DType::kInt8;
  else throw InputError("gen-trace", "--dtype", "'" + a.dtype + "' is not one of: float32, float16, int8");
  ensure_dir(a.out, "--out");
  // Streamed to disk slice by slice: a 32k-token Llama-shaped trace need not fit in memory.
  const nlohmann::json meta = write_synthetic_trace(a.p, a.out, dtype);
  if (!a.quiet) {
    const auto& m = meta["measured"];
    std::cout << "wrote " << a.out << " (" << a.dtype << "): " << meta["description"].get<std::string>() << "\n"
              << "  measured over " << m["rows_sampled"] << " rows: sink mass " << m["sink_mass_mean"]
              << ", heavy mass " << m["heavy_mass_mean"] << ", recent mass " << m["recent_mass_mean"] << "\n";
  }
  return 0;
}

}  // namespace

Action add_gen_trace(CLI::App& app) {
  auto a = std::make_shared<GenArgs>();
  SynthParams& p = a->p;
  CLI::App* sub = app.add_subcommand("gen-trace", "Write a synthetic decode trace (q.npy, k.npy, v.npy, meta.json)");
  sub->add_option("--out", a->out, "Output trace directory")->required();
  sub->add_option("--dtype", a->dtype, "float32, float16 or int8")->capture_default_str();
  sub->add_option("--layers", p.shape.layers, "Layers L")->capture_default_str();
  sub->add_option("--q-heads", p.shape.q_heads, "Query heads Hq")->capture_default_str();
  sub->add_option("--kv-heads", p.shape.kv_heads, "KV heads Hkv (GQA when < Hq)")->capture_default_str();
  sub->add_option("--head-dim", p.shape.head_dim, "Head dimension D")->capture_default_str();
  sub->add_option("--tokens", p.shape.tokens, "Tokens T (prompt + decode)")->capture_default_str();
  sub->add_option("--prompt", p.shape.prompt, "Prompt length P; decode steps are P..T-1")->capture_default_str();
  sub->add_option("--sinks", p.sinks, "Sink tokens at the start")->capture_default_str();
  sub->add_option("--sink-mass", p.sink_mass, "Share of attention the sinks draw")->capture_default_str();
  sub->add_option("--sink-value-scale", p.sink_value_scale, "Value drain: sink value norm relative to others")
      ->capture_default_str();
  sub->add_option("--heavy", p.heavy, "Heavy-hitter tokens in the prompt")->capture_default_str();
  sub->add_option("--heavy-mass", p.heavy_mass, "Share of attention the heavy hitters draw")->capture_default_str();
  sub->add_option("--recency", p.recency, "Logit bonus (nats) of the newest token")->capture_default_str();
  sub->add_option("--recency-span", p.recency_span, "Tokens over which the recency bonus decays")->capture_default_str();
  sub->add_option("--temperature", p.temperature, "Spread of the random logits")->capture_default_str();
  sub->add_option("--seed", p.seed, "Random seed")->capture_default_str();
  sub->add_flag("--decode-queries", p.decode_queries_only,
                "Write q.npy with the decode steps' queries only ([L, Hq, T-P, D]); other values unchanged");
  sub->add_flag("--quiet", a->quiet, "Print nothing on success");
  return [a] { return run_gen(*a); };
}

}  // namespace sinkattn::cli
