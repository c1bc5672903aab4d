#include "dram_model.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

namespace sinkattn::host {

DramModel::DramModel(const DramParams& p, std::vector<std::uint8_t> image) : DramModel(p, 0, nullptr) {
  const auto held = std::make_shared<const std::vector<std::uint8_t>>(std::move(image));
  image_size_ = held->size();
  read_ = [held](std::uint64_t addr, std::size_t len, std::uint8_t* dst) {
    std::copy_n(held->begin() + static_cast<std::ptrdiff_t>(addr), len, dst);
  };
}

DramModel::DramModel(const DramParams& p, std::uint64_t size, ImageReader read)
    : p_(p), image_size_(size), read_(std::move(read)), rng_(p.seed),
      beat_(static_cast<std::size_t>(std::max(1, p.bytes_per_cycle)), 0) {
  if (p.bytes_per_cycle < 1) throw std::invalid_argument("dram: bytes_per_cycle must be >= 1");
  if (p.latency_cycles < 1) throw std::invalid_argument("dram: latency_cycles must be >= 1");
  if (p.burst_bytes < 1 || p.burst_bytes % p.bytes_per_cycle != 0)
    throw std::invalid_argument("dram: burst_bytes must be a positive multiple of bytes_per_cycle");
  if (p.max_outstanding < 1) throw std::invalid_argument("dram: max_outstanding must be >= 1");
  if (p.stall_burst < 1) throw std::invalid_argument("dram: stall_burst must be >= 1");
  if (p.req_stall < 0 || p.req_stall >= 1 || p.resp_stall < 0 || p.resp_stall >= 1)
    throw std::invalid_argument("dram: stall probabilities must be in [0, 1)");
}

void DramModel::check_request(std::uint64_t addr, int len) const {
  if (len < 1 || len > p_.burst_bytes)
    throw std::invalid_argument("dram: request length " + std::to_string(len) + " outside 1.." + std::to_string(p_.burst_bytes));
  if (addr + static_cast<std::uint64_t>(len) > image_size_)
    throw std::invalid_argument("dram: request [" + std::to_string(addr) + ", +" + std::to_string(len) +
                                ") outside the image of " + std::to_string(image_size_) + " bytes");
}

void DramModel::begin_cycle() {
  // Both random draws happen every cycle, whatever the DUT does, so the back-pressure pattern
  // is a function of the seed and the cycle number only. A draw outside a burst starts one of
  // stall_burst cycles (the default 1: independent stalls per cycle).
  const bool req_draw = p_.req_stall > 0 && uni_(rng_) < p_.req_stall;
  const bool resp_draw = p_.resp_stall > 0 && uni_(rng_) < p_.resp_stall;
  if (req_hold_ == 0 && req_draw) req_hold_ = p_.stall_burst;
  if (resp_hold_ == 0 && resp_draw) resp_hold_ = p_.stall_burst;
  const bool req_stall = req_hold_ > 0, resp_stall = resp_hold_ > 0;
  req_hold_ -= req_stall;
  resp_hold_ -= resp_stall;
  req_ready_ = !req_stall && queue_.size() < static_cast<std::size_t>(p_.max_outstanding);
  if (req_stall) ++req_stall_cycles_;

  resp_valid_ = false;
  resp_last_ = false;
  if (!queue_.empty() && queue_.front().ready_cycle <= cycle_) {
    if (resp_stall) {
      ++resp_stall_cycles_;
    } else {
      const Request& r = queue_.front();
      const std::size_t n = std::min<std::size_t>(p_.bytes_per_cycle, r.data.size() - r.sent);
      std::fill(beat_.begin(), beat_.end(), 0);
      std::copy_n(r.data.begin() + static_cast<std::ptrdiff_t>(r.sent), n, beat_.begin());
      resp_valid_ = true;
      resp_last_ = r.sent + n == r.data.size();
    }
  }
}

void DramModel::end_cycle(bool req_fire, std::uint64_t addr, int len, bool resp_fire) {
  if (resp_fire) {
    if (!resp_valid_) throw std::logic_error("dram: response taken while no beat was valid");
    Request& r = queue_.front();
    const std::size_t n = std::min<std::size_t>(p_.bytes_per_cycle, r.data.size() - r.sent);
    r.sent += n;
    bytes_returned_ += n;
    if (r.sent == r.data.size()) queue_.pop_front();
  }
  if (req_fire) {
    if (!req_ready_) throw std::logic_error("dram: request taken while req_ready was low");
    check_request(addr, len);
    Request r;
    r.ready_cycle = cycle_ + static_cast<std::uint64_t>(p_.latency_cycles);
    r.data.resize(static_cast<std::size_t>(len));
    read_(addr, r.data.size(), r.data.data());
    queue_.push_back(std::move(r));
    ++requests_;
  }
  ++cycle_;
}

}  // namespace sinkattn::host
