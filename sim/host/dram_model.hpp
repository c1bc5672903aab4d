// A cycle-stepped model of the DRAM read port: bandwidth in bytes per cycle, a fixed latency,
// burst-sized requests and seeded random back-pressure. Plain C++ (no SystemC), so the RTL
// co-simulation harness and the SystemC model drive the very same class. docs/dram.md.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <vector>

namespace sinkattn::host {

struct DramParams {
  int bytes_per_cycle = 16;   // data beat width and peak bandwidth (one beat per cycle at most)
  int latency_cycles = 100;   // request accepted in cycle c -> its first beat can be valid in c + latency
  int burst_bytes = 64;       // longest request, a multiple of bytes_per_cycle
  int max_outstanding = 64;   // requests accepted but not fully returned; req_ready is low at this bound
  double req_stall = 0.0;     // probability that req_ready is held low in a cycle (random back-pressure)
  double resp_stall = 0.0;    // probability that a ready beat is held back in a cycle
  int stall_burst = 1;        // cycles one drawn stall lasts: > 1 gives bursty back-pressure
  std::uint64_t seed = 1;     // seeds both back-pressure streams
};

// One clock of the port, as the harness sees it. Call order per cycle:
//   1. begin_cycle(): the model decides req_ready() and the response beat (resp_valid(), ...);
//   2. the harness drives those into the DUT, evaluates, and samples the DUT's request and
//      resp_ready;
//   3. end_cycle(...) with what was transferred at the clock edge.
// Responses return in request order; a request's bytes come back in ceil(len / bytes_per_cycle)
// beats, each carrying the next bytes_per_cycle bytes of the image from the request address
// (the last beat zero-padded beyond len). The image is read at acceptance time.
class DramModel {
 public:
  DramModel(const DramParams& p, std::vector<std::uint8_t> image);
  // The image made on demand (DramImage::read): `read(addr, len, dst)` fills dst with bytes
  // [addr, addr + len) of an image of `size` bytes. Same beats, same timing, no copy held.
  using ImageReader = std::function<void(std::uint64_t addr, std::size_t len, std::uint8_t* dst)>;
  DramModel(const DramParams& p, std::uint64_t size, ImageReader read);

  void begin_cycle();
  bool req_ready() const { return req_ready_; }
  bool resp_valid() const { return resp_valid_; }
  const std::uint8_t* resp_data() const { return beat_.data(); }  // bytes_per_cycle bytes
  bool resp_last() const { return resp_last_; }
  // req_fire: a request (addr, len) was accepted this cycle (it must have seen req_ready()).
  // resp_fire: the offered beat was taken (resp_valid() && the DUT's resp_ready).
  void end_cycle(bool req_fire, std::uint64_t addr, int len, bool resp_fire);

  // Throws std::invalid_argument for a request the port cannot take (len outside
  // 1..burst_bytes, or outside the image).
  void check_request(std::uint64_t addr, int len) const;

  std::uint64_t cycle() const { return cycle_; }
  std::uint64_t bytes_returned() const { return bytes_returned_; }
  std::uint64_t requests() const { return requests_; }
  std::uint64_t req_stall_cycles() const { return req_stall_cycles_; }    // req_ready low by choice
  std::uint64_t resp_stall_cycles() const { return resp_stall_cycles_; }  // beat ready but held back
  std::size_t outstanding() const { return queue_.size(); }
  const DramParams& params() const { return p_; }

 private:
  struct Request {
    std::uint64_t ready_cycle;  // first cycle a beat may be offered
    std::vector<std::uint8_t> data;
    std::size_t sent = 0;       // bytes already returned
  };
  DramParams p_;
  std::uint64_t image_size_;
  ImageReader read_;
  std::deque<Request> queue_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uni_{0.0, 1.0};
  std::vector<std::uint8_t> beat_;
  bool req_ready_ = false, resp_valid_ = false, resp_last_ = false;
  std::uint64_t cycle_ = 0, bytes_returned_ = 0, requests_ = 0;
  std::uint64_t req_stall_cycles_ = 0, resp_stall_cycles_ = 0;
  int req_hold_ = 0, resp_hold_ = 0;  // cycles left of the current stall bursts
};

}  // namespace sinkattn::host
