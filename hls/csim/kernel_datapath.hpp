// The kernel as the golden control's JobDatapath: gathers a job's operands into the kernel's
// statically sized buffers, calls attention_job / topk_select, and scatters the results back.
#pragma once

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinkattn/golden.hpp"
#include "sinkattn/hls/job.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::hls {

template <class CONFIG_T>
class KernelDatapath : public JobDatapath {
  using D = Dims<CONFIG_T>;

 public:
  explicit KernelDatapath(const IntTrace& trace)
      : tr_(trace),
        d_(trace.shape.head_dim),
        q_(new data_t[D::kMaxHeads][D::kHeadDim]()),
        k_msb_(new key_msb_t[D::kMaxTokens][D::kHeadDim]()),
        k_lsb_(new key_lsb_t[D::kMaxTokens][D::kHeadDim]()),
        v_(new data_t[D::kMaxTokens][D::kHeadDim]()),
        out_(new out_t[D::kMaxHeads][D::kHeadDim]()),
        list_(D::kMaxTokens, 0),
        scores_(D::kMaxCandidates, 0) {
    if (d_ > D::kHeadDim || trace.shape.tokens > D::kMaxTokens || trace.shape.group() > D::kMaxHeads)
      throw std::logic_error("hls: the trace exceeds the kernel instance " + std::string(CONFIG_T::kName));
  }

  void run_job(const Job& job) override {
    const std::vector<int>& list = *job.list;
    const int n = static_cast<int>(list.size());
    if (n < 1 || n > D::kMaxTokens || job.heads < 1 || job.heads > D::kMaxHeads)
      throw std::logic_error("hls: job outside the kernel's static bounds");
    // K/V fetch: the read list's keys as MSB and LSB planes, and its values.
    for (int i = 0; i < n; ++i) {
      const int j = list[i];
      list_[i] = static_cast<token_t>(j);
      const std::int16_t* k = tr_.k_row(job.layer, job.group, j);
      const std::int16_t* v = tr_.v_row(job.layer, job.group, j);
      for (int e = 0; e < d_; ++e) {
        k_msb_[i][e] = static_cast<key_msb_t>(k[e] >> num::kKeyLsbBits);
        k_lsb_[i][e] = static_cast<key_lsb_t>(k[e] & ((1 << num::kKeyLsbBits) - 1));
        v_[i][e] = v[e];
      }
    }
    for (int h = 0; h < job.heads; ++h) {
      const int head = job.first_head + h;
      const std::int16_t* q = tr_.q_row(job.layer, head, job.token);
      std::copy(q, q + d_, q_[h]);
      const ScoreScale sc = tr_.score_scale[static_cast<std::size_t>(job.layer) * tr_.shape.q_heads + head];
      mant_[h] = sc.mant;
      shift_[h] = static_cast<std::uint8_t>(sc.shift);
      active_[h] = job.active[h];
    }
    JobArgs args;
    args.tokens = n;
    args.sinks = job.sinks;
    args.heads = job.heads;
    args.msb_first = job.msb_first;
    args.tau_fx = job.tau_fx;
    attention_job<CONFIG_T>(args, q_.get(), mant_, shift_, active_, list_.data(), k_msb_.get(), k_lsb_.get(), v_.get(),
                            job.token_importance, job.head_importance, out_.get(), refetched_);
    for (int h = 0; h < job.heads; ++h) {
      job.refetched[h] = refetched_[h];
      if (active_[h]) std::copy(out_[h], out_[h] + d_, job.out + static_cast<std::size_t>(h) * d_);
    }
  }

  TopkStats select(const std::vector<std::uint64_t>& scores, int k, Lfsr16& lfsr,
                   std::vector<std::uint8_t>& keep) override {
    const int n = static_cast<int>(scores.size());
    if (n > D::kMaxCandidates) throw std::logic_error("hls: top-k candidates exceed the kernel's bound");
    std::copy(scores.begin(), scores.end(), scores_.begin());
    lfsr_t state = lfsr.state();
    const TopkCounts c = topk_select<CONFIG_T>(scores_.data(), n, k, state, keep_);
    lfsr = Lfsr16(state);  // never zero, so the constructor keeps it as is
    keep.assign(keep_, keep_ + n);
    TopkStats st;
    st.passes = c.passes;
    st.elements = c.elements;
    return st;
  }

 private:
  const IntTrace& tr_;
  const int d_;
  std::unique_ptr<data_t[][D::kHeadDim]> q_;
  std::unique_ptr<key_msb_t[][D::kHeadDim]> k_msb_;
  std::unique_ptr<key_lsb_t[][D::kHeadDim]> k_lsb_;
  std::unique_ptr<data_t[][D::kHeadDim]> v_;
  std::unique_ptr<out_t[][D::kHeadDim]> out_;
  std::vector<token_t> list_;
  std::vector<imp_t> scores_;
  std::uint32_t mant_[D::kMaxHeads] = {};
  std::uint8_t shift_[D::kMaxHeads] = {};
  bool active_[D::kMaxHeads] = {};
  bool refetched_[D::kMaxHeads] = {};
  bool keep_[D::kMaxCandidates] = {};
};

}  // namespace sinkattn::hls
