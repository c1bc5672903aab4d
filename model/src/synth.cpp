// Synthetic decode traces whose attention has a known structure (docs/traces.md, "Synthetic
// traces"). Per (layer, KV head) the head dimensions split into
//   [0, R)  recency: R/2 rotating 2-D pairs (RoPE-like), R = 8, or 0 when recency is off;
//   [R, D)  a random unit direction u that carries the sink and heavy-hitter boosts, and
//           Gaussian noise orthogonal to u.
// The logit q_t . k_j / sqrt(D) is then, exactly:
//   sink key:      b_s                          (the key is b_s-sized along u, nothing else)
//   heavy key:     b_h + noise                  (no recency component)
//   ordinary key:  noise + recency_bonus(t - j)
// with noise ~ N(0, temperature^2) for every query, which makes the expected masses computable.
#include "sinkattn/synth.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <numeric>
#include <sstream>

#include "sinkattn/error.hpp"
#include "sinkattn/reference.hpp"

namespace sinkattn {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRecencyPairs = 4;
constexpr int kMeasuredSteps = 64;  // decode steps sampled for meta "measured"

// xoshiro256** seeded through splitmix64, with its own Box-Muller normal: std:: distributions
// differ between standard libraries, and the same seed must give the same bytes everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (std::uint64_t& w : s_) {
      std::uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      w = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2 * std::log(1 - uniform()));  // 1 - uniform() is in (0, 1]
    const double a = 2 * kPi * uniform();
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

// Pair f rotates at pi / (2 span) * (2/3)^f per token: the fastest turns a quarter circle per
// span, so the bonus halves after about one span. The 2/3 ratio (not octaves) keeps the pairs
// from re-aligning early: beyond 4 spans the bonus stays below 0.63 of its peak until 108 spans,
// where all four periods (4, 6, 9 and 13.5 spans) first come back in phase.
double recency_omega(int f, int span) { return kPi / (2.0 * span) * std::pow(2.0 / 3.0, f); }

double recency_bonus(const SynthParams& p, int delta) {
  double b = 0;
  for (int f = 0; f < kRecencyPairs; ++f) b += std::cos(recency_omega(f, p.recency_span) * delta);
  return p.recency / kRecencyPairs * b;
}

std::string num(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

// A random unit vector in dims [from, D) of v (the rest zero).
void random_unit(Rng& rng, std::vector<double>& v, int from) {
  std::fill(v.begin(), v.end(), 0.0);
  double n2 = 0;
  for (std::size_t d = from; d < v.size(); ++d) n2 += (v[d] = rng.normal()) * v[d];
  for (double& x : v) x /= std::sqrt(n2);
}

// Gaussian N(0, sd^2) in dims [from, D) of v, minus its component along the unit vector u.
void noise_orthogonal(Rng& rng, std::vector<double>& v, int from, double sd, const std::vector<double>& u) {
  std::fill(v.begin(), v.end(), 0.0);
  double along = 0;
  for (std::size_t d = from; d < v.size(); ++d) along += (v[d] = sd * rng.normal()) * u[d];
  for (std::size_t d = from; d < v.size(); ++d) v[d] -= along * u[d];
}

}  // namespace

void validate(const SynthParams& p) {
  const auto fail = [](const char* flag, const std::string& why) { throw InputError("gen-trace", flag, why); };
  const Shape& s = p.shape;
  if (s.layers < 1) fail("--layers", "must be at least 1 (got " + std::to_string(s.layers) + ")");
  if (s.q_heads < 1) fail("--q-heads", "must be at least 1 (got " + std::to_string(s.q_heads) + ")");
  if (s.kv_heads < 1) fail("--kv-heads", "must be at least 1 (got " + std::to_string(s.kv_heads) + ")");
  if (s.q_heads % s.kv_heads != 0)
    fail("--q-heads", std::to_string(s.q_heads) + " is not a multiple of --kv-heads " + std::to_string(s.kv_heads) +
                          " (each KV head serves a whole group of query heads)");
  if (s.head_dim < 4)
    fail("--head-dim", "must be at least 4 (one direction for sinks and heavy hitters, the rest noise; got " +
                           std::to_string(s.head_dim) + ")");
  if (p.recency > 0 && s.head_dim < 16)
    fail("--head-dim", "must be at least 16 when --recency is on (8 dimensions carry the recency component; got " +
                           std::to_string(s.head_dim) + "); use --recency 0 for smaller heads");
  if (s.tokens < 1) fail("--tokens", "must be at least 1 (got " + std::to_string(s.tokens) + ")");
  if (s.prompt < 0 || s.prompt > s.tokens - 1)
    fail("--prompt", std::to_string(s.prompt) + " is outside [0, --tokens - 1] = [0, " + std::to_string(s.tokens - 1) +
                         "]: there must be at least one decode step");
  if (p.sinks < 0) fail("--sinks", "must not be negative (got " + std::to_string(p.sinks) + ")");
  if (p.sinks > 0 && p.sinks >= s.prompt)
    fail("--sinks", std::to_string(p.sinks) + " must be below --prompt " + std::to_string(s.prompt) +
                        " (sinks are the first prompt tokens, and the prompt needs others too)");
  if (!(p.sink_mass >= 0 && p.sink_mass < 1)) fail("--sink-mass", "must be in [0, 1) (got " + num(p.sink_mass) + ")");
  if (p.sinks == 0 && p.sink_mass > 0)
    fail("--sink-mass", "must be 0 when --sinks is 0: there are no sink tokens to draw the mass");
  if (!(p.sink_value_scale >= 0 && std::isfinite(p.sink_value_scale)))
    fail("--sink-value-scale", "must be a finite number >= 0 (got " + num(p.sink_value_scale) + ")");
  if (p.heavy < 0 || p.heavy > s.prompt - p.sinks)
    fail("--heavy", std::to_string(p.heavy) + " is outside [0, --prompt - --sinks] = [0, " +
                        std::to_string(std::max(0, s.prompt - p.sinks)) +
                        "]: heavy hitters are distinct prompt tokens after the sinks");
  if (!(p.heavy_mass >= 0 && p.heavy_mass < 1))
    fail("--heavy-mass", "must be in [0, 1) (got " + num(p.heavy_mass) + ")");
  if (p.heavy == 0 && p.heavy_mass > 0)
    fail("--heavy-mass", "must be 0 when --heavy is 0: there are no heavy-hitter tokens to draw the mass");
  if (!(p.sink_mass + p.heavy_mass < 1))
    fail("--heavy-mass", "--sink-mass + --heavy-mass = " + num(p.sink_mass + p.heavy_mass) +
                             " must be below 1: the other tokens need some attention");
  if (!(p.recency >= 0 && std::isfinite(p.recency)))
    fail("--recency", "must be a finite number >= 0 (got " + num(p.recency) + ")");
  if (p.recency_span < 1) fail("--recency-span", "must be at least 1 (got " + std::to_string(p.recency_span) + ")");
  if (!(p.temperature > 0 && std::isfinite(p.temperature)))
    fail("--temperature", "must be a finite number > 0 (got " + num(p.temperature) + ")");
}

namespace {

// What the generator knows beyond the tensors: the heavy tokens (meta and the measurement).
struct Made {
  std::vector<int> heavy_tokens;
  std::vector<bool> is_heavy;
};

// Where each finished (layer, head) slice of a tensor goes: rows x D floats.
using SliceSink = std::function<void(TraceTensor which, int l, int h, const float* rows)>;

// Makes the trace one KV head at a time: its k and v slices, then the q slices of its group.
// Every value is drawn in the same order whatever the sink does with it, so a trace written to
// disk slice by slice has the very bytes of the trace made in memory.
Made generate(const SynthParams& p, const SliceSink& sink) {
  validate(p);
  const Shape& s = p.shape;
  const int D = s.head_dim, T = s.tokens, P = s.prompt;
  Rng rng(p.seed);

  // Heavy hitters: distinct prompt tokens after the sinks (partial Fisher-Yates), the same in
  // every layer and head, because cascade pruning assumes token-level importance.
  std::vector<int> heavy_tokens(P - p.sinks);
  std::iota(heavy_tokens.begin(), heavy_tokens.end(), p.sinks);
  for (int i = 0; i < p.heavy; ++i) {
    const int j = i + static_cast<int>(rng.uniform() * (heavy_tokens.size() - i));
    std::swap(heavy_tokens[i], heavy_tokens[j]);
  }
  heavy_tokens.resize(p.heavy);
  std::sort(heavy_tokens.begin(), heavy_tokens.end());
  std::vector<bool> is_heavy(T, false);
  for (int j : heavy_tokens) is_heavy[j] = true;

  // A zero mass makes those tokens ordinary rather than boosted towards -infinity.
  enum Role : std::uint8_t { kOrdinary, kSink, kHeavy };
  std::vector<Role> role(T, kOrdinary);
  for (int j = 0; j < T; ++j) {
    if (j < p.sinks && p.sink_mass > 0) role[j] = kSink;
    if (is_heavy[j] && p.heavy_mass > 0) role[j] = kHeavy;
  }

  // Boost calibration at n_ref, the mean of the decode context lengths P+1 .. T (at least one
  // ordinary token is always in it, even with a single decode step). Each ordinary token's expected
  // weight is E0 * e^{bonus(t - j)} with E0 = exp(sigma^2 / 2), the mean of a lognormal; W is their
  // sum (in logs, so large temperatures or recency cannot overflow). The sinks (noise-free) need
  // S e^{b_s} = m_s / (1 - m_s - m_h) W, the heavy hitters (noisy) H e^{b_h} E0 = m_h / (...) W.
  const int n_ref = (P + 1 + T) / 2;
  const double sigma = p.temperature, log_e0 = sigma * sigma / 2;
  std::vector<double> bonus;
  for (int j = 0; j < n_ref; ++j)
    if (role[j] == kOrdinary) bonus.push_back(recency_bonus(p, n_ref - 1 - j));
  const double top = *std::max_element(bonus.begin(), bonus.end());
  double sum = 0;
  for (double b : bonus) sum += std::exp(b - top);
  const double log_w = log_e0 + top + std::log(sum) - std::log(1 - p.sink_mass - p.heavy_mass);
  const double b_sink = p.sink_mass > 0 ? std::log(p.sink_mass) + log_w - std::log(p.sinks) : 0.0;
  const double b_heavy = p.heavy_mass > 0 ? std::log(p.heavy_mass) + log_w - std::log(p.heavy) - log_e0 : 0.0;

  // Magnitudes. Noise: a query's noise has norm r_q and keys' noise is N(0, s_k^2) per dim, so a
  // query's noise logits over the keys are exactly N(0, (r_q s_k)^2 / D) = N(0, sigma^2); both
  // are sized to the same per-dimension spread, which keeps the int quantization ranges alike.
  const int R = p.recency > 0 ? 2 * kRecencyPairs : 0;
  const int noise_dims = D - R - 1;  // orthogonal to u
  const double sqrt_d = std::sqrt(static_cast<double>(D));
  const double s_k = std::sqrt(sigma * std::sqrt(static_cast<double>(D) / noise_dims));
  const double r_q = s_k * std::sqrt(static_cast<double>(noise_dims));
  const double amp = std::sqrt(p.recency / kRecencyPairs * sqrt_d);  // q and k alike
  std::vector<std::array<double, 2 * kRecencyPairs>> rot(T);          // amp (cos, sin) per pair
  for (int t = 0; t < T; ++t)
    for (int f = 0; f < kRecencyPairs; ++f) {
      rot[t][2 * f] = amp * std::cos(recency_omega(f, p.recency_span) * t);
      rot[t][2 * f + 1] = amp * std::sin(recency_omega(f, p.recency_span) * t);
    }

  const int q_first = p.decode_queries_only ? s.prompt : 0;
  const int q_rows = T - q_first;
  std::vector<float> k(static_cast<std::size_t>(T) * D), v(k.size()), q(static_cast<std::size_t>(q_rows) * D);
  std::vector<double> u(D), x(D);
  const auto store = [&](std::vector<float>& dst, int row) {
    std::transform(x.begin(), x.end(), dst.begin() + static_cast<std::ptrdiff_t>(row) * D,
                   [](double d) { return static_cast<float>(d); });
  };
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g) {
      random_unit(rng, u, R);
      const double b_h = b_heavy + std::log(0.75 + 0.5 * rng.uniform());  // per-head strength, +-25%
      // The boost b = a_q * c / sqrt(D) is split so that neither the queries' nor the keys' u
      // component grows much beyond the other.
      const double a_q = std::sqrt(std::max({1.0, std::fabs(b_sink), std::fabs(b_h)}) * sqrt_d);
      for (int t = 0; t < T; ++t) {
        if (role[t] == kSink) {
          for (int d = 0; d < D; ++d) x[d] = b_sink * sqrt_d / a_q * u[d];
        } else {
          noise_orthogonal(rng, x, R, s_k, u);
          if (role[t] == kHeavy)
            for (int d = R; d < D; ++d) x[d] += b_h * sqrt_d / a_q * u[d];
          else
            std::copy_n(rot[t].begin(), R, x.begin());
        }
        store(k, t);
        // Value drain: sinks draw attention but contribute little to the output.
        const double v_sd = t < p.sinks ? p.sink_value_scale : 1.0;
        for (int d = 0; d < D; ++d) x[d] = v_sd * rng.normal();
        store(v, t);
      }
      sink(TraceTensor::kK, l, g, k.data());
      sink(TraceTensor::kV, l, g, v.data());
      for (int h = g * s.group(); h < (g + 1) * s.group(); ++h) {  // the group shares u
        for (int t = 0; t < T; ++t) {
          noise_orthogonal(rng, x, R, 1.0, u);
          double n2 = 0;
          for (int d = R; d < D; ++d) n2 += x[d] * x[d];
          const double to_r = r_q / std::sqrt(n2);
          for (int d = R; d < D; ++d) x[d] = x[d] * to_r + a_q * u[d];
          std::copy_n(rot[t].begin(), R, x.begin());
          // Made for every token either way, so that the random stream (and so every other
          // value) is the same with and without the prompt's queries.
          if (t >= q_first) store(q, t - q_first);
        }
        sink(TraceTensor::kQ, l, h, q.data());
      }
    }
  return {heavy_tokens, is_heavy};
}

// What the float reference actually sees, over evenly spaced decode steps (all layers and
// heads): the mean sink, heavy and recent mass. Per-row results are summed in a fixed order so
// the meta bytes are deterministic.
nlohmann::json measure(const FloatTrace& tr, const SynthParams& p, const Made& made) {
  const Shape& s = tr.shape;
  const int samples = std::min(s.steps(), kMeasuredSteps);
  const int rows = samples * s.layers * s.q_heads;
  std::vector<int> tokens(samples), sample_of(s.tokens, -1);
  for (int i = 0; i < samples; ++i) {
    tokens[i] = s.prompt + (samples > 1 ? static_cast<int>(static_cast<long long>(i) * (s.steps() - 1) / (samples - 1)) : 0);
    sample_of[tokens[i]] = i;
  }
  std::vector<std::array<double, 3>> mass(rows);  // sink, heavy, recent
  for_each_reference_row(tr, tokens, [&](int step, int l, int h, const std::vector<double>& probs, const std::vector<double>&) {
    const int t = s.prompt + step;
    std::array<double, 3> m{0, 0, 0};
    for (int j = 0; j <= t; ++j) {
      if (j < p.sinks) m[0] += probs[j];
      else if (made.is_heavy[j]) m[1] += probs[j];
      else if (j > t - p.recency_span) m[2] += probs[j];
    }
    mass[(static_cast<std::size_t>(sample_of[t]) * s.layers + l) * s.q_heads + h] = m;
  });
  std::array<double, 3> mean{0, 0, 0};
  for (const auto& m : mass)
    for (int c = 0; c < 3; ++c) mean[c] += m[c] / rows;
  return {{"sink_mass_mean", mean[0]}, {"heavy_mass_mean", mean[1]}, {"recent_mass_mean", mean[2]}, {"rows_sampled", rows}};
}

std::string describe(const SynthParams& p) {
  const Shape& s = p.shape;
  std::ostringstream desc;
  desc << "synthetic: L=" << s.layers << " Hq=" << s.q_heads << " Hkv=" << s.kv_heads << " D=" << s.head_dim
       << " T=" << s.tokens << " P=" << s.prompt << "; " << p.sinks << " sinks drawing " << p.sink_mass
       << " (value scale " << p.sink_value_scale << "); " << p.heavy << " heavy hitters drawing " << p.heavy_mass
       << "; recency " << p.recency << " nats over " << p.recency_span << " tokens; temperature " << p.temperature
       << "; seed " << p.seed;
  return desc.str();
}

nlohmann::json generator_meta(const SynthParams& p, const Made& made) {
  const Shape& s = p.shape;
  return {{"layers", s.layers}, {"q_heads", s.q_heads}, {"kv_heads", s.kv_heads}, {"head_dim", s.head_dim},
          {"tokens", s.tokens}, {"prompt", s.prompt}, {"sinks", p.sinks}, {"sink_mass", p.sink_mass},
          {"sink_value_scale", p.sink_value_scale}, {"heavy", p.heavy}, {"heavy_mass", p.heavy_mass},
          {"recency", p.recency}, {"recency_span", p.recency_span}, {"temperature", p.temperature},
          {"seed", p.seed}, {"heavy_tokens", made.heavy_tokens}};
}

}  // namespace

FloatTrace make_synthetic_trace(const SynthParams& p) {
  validate(p);  // before the shape sizes anything
  const Shape& s = p.shape;
  FloatTrace tr;
  tr.shape = s;
  tr.q_first = p.decode_queries_only ? s.prompt : 0;
  tr.q.resize(static_cast<std::size_t>(s.layers) * s.q_heads * tr.q_tokens() * s.head_dim);
  tr.k.resize(static_cast<std::size_t>(s.layers) * s.kv_heads * s.tokens * s.head_dim);
  tr.v.resize(tr.k.size());
  const Made made = generate(p, [&](TraceTensor which, int l, int h, const float* rows) {
    const bool is_q = which == TraceTensor::kQ;
    const int heads = is_q ? s.q_heads : s.kv_heads, n = is_q ? tr.q_tokens() : s.tokens;
    std::vector<float>& dst = is_q ? tr.q : which == TraceTensor::kK ? tr.k : tr.v;
    std::copy_n(rows, static_cast<std::size_t>(n) * s.head_dim, dst.begin() + static_cast<std::ptrdiff_t>(tr.offset(heads, n, l, h, 0)));
  });
  tr.description = describe(p);
  tr.meta = {{"prompt_len", s.prompt}, {"description", tr.description}, {"generator", generator_meta(p, made)}};
  tr.meta["measured"] = measure(tr, p, made);
  return tr;
}

nlohmann::json write_synthetic_trace(const SynthParams& p, const std::string& dir, npy::DType dtype) {
  const Shape& s = p.shape;
  validate(p);
  TraceWriter w(dir, s, p.decode_queries_only ? s.prompt : 0, dtype);
  const Made made = generate(p, [&](TraceTensor which, int l, int h, const float* rows) { w.put(which, l, h, rows); });
  const std::string description = describe(p);
  nlohmann::json meta = {{"generator", generator_meta(p, made)}};
  w.finish(description, meta);
  // Measured on the trace as written (float16 or int8 values as stored), read back mapped.
  const FloatTrace written = open_trace(dir);
  meta = {{"prompt_len", s.prompt}, {"description", description}, {"generator", meta["generator"]},
          {"measured", measure(written, p, made)}};
  if (written.meta.contains("scales")) meta["scales"] = written.meta["scales"];
  write_meta(dir, meta);
  return meta;
}

}  // namespace sinkattn
