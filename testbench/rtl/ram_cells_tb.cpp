// GoogleTest harness: the Verilated SRAM cells rtl/cells/ram_2p.sv and rtl/cells/ram_1p.sv
// against a reference memory written here, cycle by cycle, on seeded random traffic.
//
// What is checked, every cycle: the registered read (the word read shows one cycle after the
// request), read-first on a same-cycle write to the read address (ram_2p), the held output
// while no read is requested, and the write mask (only the selected lanes change). Words or
// lanes never written are not compared: their contents are undefined in the cell, as in an SRAM.
//
// Both cells are Verilated with SINKATTN_TB_RAM_WIDTH / _DEPTH / _MASK_BITS (a few lanes, so
// that partial writes happen); SINKATTN_SEED reruns a seed, and a mismatch prints the cycle,
// the address and both words.
#include <gtest/gtest.h>
#include <verilated.h>

#include <cstdint>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "Vram_1p.h"
#include "Vram_2p.h"
#include "Vram_2p_wf.h"
#include "test_seed.hpp"

#ifndef SINKATTN_TB_RAM_WIDTH
#define SINKATTN_TB_RAM_WIDTH 24
#endif
#ifndef SINKATTN_TB_RAM_DEPTH
#define SINKATTN_TB_RAM_DEPTH 64
#endif
#ifndef SINKATTN_TB_RAM_MASK_BITS
#define SINKATTN_TB_RAM_MASK_BITS 8
#endif

namespace {

constexpr int kWidth = SINKATTN_TB_RAM_WIDTH, kDepth = SINKATTN_TB_RAM_DEPTH, kMaskBits = SINKATTN_TB_RAM_MASK_BITS;
constexpr int kLanes = kWidth / kMaskBits;
static_assert(kWidth <= 32 && kWidth % kMaskBits == 0, "the harness keeps a word in 32 bits");
constexpr std::uint32_t kWordMask = kWidth == 32 ? 0xFFFFFFFFu : ((1u << kWidth) - 1);
constexpr int kCycles = 20000;

std::uint32_t lane_bits(int lanes_mask) {
  std::uint32_t m = 0;
  for (int l = 0; l < kLanes; ++l)
    if (lanes_mask >> l & 1) m |= ((kMaskBits == 32 ? 0xFFFFFFFFu : ((1u << kMaskBits) - 1)) << (l * kMaskBits));
  return m;
}

// The memory as a user of the cell sees it: each word's value and which of its bits are known.
struct Reference {
  std::vector<std::uint32_t> word = std::vector<std::uint32_t>(kDepth, 0);
  std::vector<std::uint32_t> known = std::vector<std::uint32_t>(kDepth, 0);
  void write(int addr, std::uint32_t data, int lanes) {
    const std::uint32_t m = lane_bits(lanes);
    word[addr] = (word[addr] & ~m) | (data & m);
    known[addr] |= m;
  }
};

// The read port's expected output: the word read, and which of its bits are defined.
struct Expected {
  std::uint32_t value = 0, known = 0;
  bool matches(std::uint32_t got) const { return ((got ^ value) & known) == 0; }
};

std::string mismatch(const char* cell, std::uint64_t seed, int cycle, int addr, const Expected& e, std::uint32_t got) {
  std::ostringstream s;
  s << cell << ": seed " << seed << ", cycle " << cycle << ", read of word " << addr << ": expected 0x" << std::hex
    << e.value << " (defined bits 0x" << e.known << "), got 0x" << got;
  return s.str();
}

template <typename Top>
void tick(Top& t) {
  t.clk_i = 1;
  t.eval();
  t.clk_i = 0;
  t.eval();
}

// ram_2p, read-first (WriteFirst = 0) or with the write-first bypass (WriteFirst = 1).
template <typename Top>
void ram_2p_random_traffic(bool write_first) {
  const char* cell = write_first ? "ram_2p (WriteFirst)" : "ram_2p";
  const std::uint64_t seed = sinkattn::testing::test_seed(1);
  std::mt19937_64 rng(seed);
  auto ctx = std::make_unique<VerilatedContext>();
  Top t(ctx.get(), "ram_2p");
  t.clk_i = 0;
  t.we_i = 0;
  t.re_i = 0;
  t.eval();
  Reference ref;
  Expected out;
  int last_addr = -1, reads = 0, collisions = 0, partial = 0;
  for (int c = 0; c < kCycles; ++c) {
    const bool we = rng() % 2, re = rng() % 3 != 0;
    const int waddr = static_cast<int>(rng() % kDepth);
    // A quarter of the reads go to the address being written: read-first (or write-first) must hold.
    const int raddr = rng() % 4 == 0 ? waddr : static_cast<int>(rng() % kDepth);
    const std::uint32_t wdata = static_cast<std::uint32_t>(rng()) & kWordMask;
    const int lanes = rng() % 2 ? (1 << kLanes) - 1 : static_cast<int>(rng() % (1u << kLanes));
    t.we_i = we;
    t.waddr_i = waddr;
    t.wdata_i = wdata;
    t.wmask_i = lanes;
    t.re_i = re;
    t.raddr_i = raddr;
    if (re && !write_first) {  // read-first: the word as it is before this cycle's write
      out = {ref.word[raddr], ref.known[raddr]};
      last_addr = raddr;
    }
    if (we) {
      ref.write(waddr, wdata, lanes);
      partial += lanes != (1 << kLanes) - 1;
    }
    if (re && write_first) {  // write-first: the written lanes are the new ones
      out = {ref.word[raddr], ref.known[raddr]};
      last_addr = raddr;
    }
    if (re) {
      ++reads;
      collisions += we && raddr == waddr && lanes != 0;
    }
    tick(t);
    ASSERT_TRUE(out.matches(t.rdata_o)) << mismatch(cell, seed, c, last_addr, out, t.rdata_o);
  }
  // The traffic exercised what it claims to.
  EXPECT_GT(reads, kCycles / 2);
  EXPECT_GT(collisions, kCycles / 20);
  EXPECT_GT(partial, kCycles / 8);
}

TEST(Ram2p, RandomTrafficMatchesReference) { ram_2p_random_traffic<Vram_2p>(false); }

TEST(Ram2p, WriteFirstRandomTrafficMatchesReference) { ram_2p_random_traffic<Vram_2p_wf>(true); }

TEST(Ram1p, RandomTrafficMatchesReference) {
  const std::uint64_t seed = sinkattn::testing::test_seed(1);
  std::mt19937_64 rng(seed);
  auto ctx = std::make_unique<VerilatedContext>();
  Vram_1p t(ctx.get(), "ram_1p");
  t.clk_i = 0;
  t.req_i = 0;
  t.we_i = 0;
  t.eval();
  Reference ref;
  Expected out;
  int last_addr = -1, reads = 0, held = 0;
  for (int c = 0; c < kCycles; ++c) {
    const bool req = rng() % 4 != 0, we = rng() % 2;
    const int addr = static_cast<int>(rng() % kDepth);
    const std::uint32_t wdata = static_cast<std::uint32_t>(rng()) & kWordMask;
    const int lanes = rng() % 2 ? (1 << kLanes) - 1 : static_cast<int>(rng() % (1u << kLanes));
    t.req_i = req;
    t.we_i = we;
    t.addr_i = addr;
    t.wdata_i = wdata;
    t.wmask_i = lanes;
    if (req && we) {
      ref.write(addr, wdata, lanes);
      held += last_addr >= 0;  // a write must not disturb the word last read
    } else if (req) {
      out = {ref.word[addr], ref.known[addr]};
      last_addr = addr;
      ++reads;
    }
    tick(t);
    ASSERT_TRUE(out.matches(t.rdata_o)) << mismatch("ram_1p", seed, c, last_addr, out, t.rdata_o);
  }
  EXPECT_GT(reads, kCycles / 4);
  EXPECT_GT(held, kCycles / 4);
}

}  // namespace
