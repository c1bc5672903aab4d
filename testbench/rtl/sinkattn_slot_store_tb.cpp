// GoogleTest harness: the slot store (rtl/sinkattn_slot_store.sv) against a reference of its
// lists kept here and against its SystemC model (sim/systemc/slot_store.hpp), cycle for cycle,
// on seeded random traffic of the kind the top will send (docs/slot_store.md):
//   - clears over random counts of scopes and lists (the lists outside them keep their state);
//   - the host's loads, a list's tokens in order from S;
//   - maintenance passes with random dead masks and steps, which drop the dead entries, move
//     the others down with their scores and append the tokens up to the step;
//   - the user's drops (a read of the entry's word, then the entry written back with more
//     evicted-at bits) and importance updates (a score read, then the sum written), as the
//     top's eviction and P.V retire will do them between passes.
// Checked: busy every cycle against the SystemC model; each pass's length in cycles (n +
// appended + 2) and each clear's (scopes x lists); after every pass and at random, a list's
// {n, next}, its entries and its scores read through the user's ports against the reference
// and the SystemC model's cells.
//
// The block is Verilated at a small geometry of its own (SINKATTN_TB_SLOT_*), so that lists fill
// and words hold several entries. SINKATTN_SEED reruns a seed; SINKATTN_RTL_VECTORS=DIR makes
// the test write DIR/sinkattn_slot_store_vectors.txt, the per-cycle inputs and outputs that
// sinkattn_slot_store_iverilog_tb.sv replays through Icarus.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vsinkattn_slot_store.h"
#include "harness.hpp"
#include "sinkattn/numerics.hpp"
#include "slot_store.hpp"
#include "systemc_mirror.hpp"

#ifndef SINKATTN_TB_SLOT_LAYERS
#define SINKATTN_TB_SLOT_LAYERS 4
#endif
#ifndef SINKATTN_TB_SLOT_KV_HEADS
#define SINKATTN_TB_SLOT_KV_HEADS 3
#endif
#ifndef SINKATTN_TB_SLOT_SLOTS
#define SINKATTN_TB_SLOT_SLOTS 16
#endif
#ifndef SINKATTN_TB_SLOT_SCAN_WIDTH
#define SINKATTN_TB_SLOT_SCAN_WIDTH 4
#endif
#ifndef SINKATTN_TB_SLOT_MAX_TOKENS
#define SINKATTN_TB_SLOT_MAX_TOKENS 64
#endif

namespace {

using sinkattn::sim::SlotStore;
using sinkattn::tb::test_seed;

constexpr int kLayers = SINKATTN_TB_SLOT_LAYERS, kKv = SINKATTN_TB_SLOT_KV_HEADS, kSlots = SINKATTN_TB_SLOT_SLOTS;
constexpr int kScan = SINKATTN_TB_SLOT_SCAN_WIDTH, kMaxTokens = SINKATTN_TB_SLOT_MAX_TOKENS;
constexpr int clog2(int v) {
  int b = 0;
  while ((1 << b) < v) ++b;
  return b;
}
constexpr int kLayW = kLayers > 1 ? clog2(kLayers) : 1, kKvW = kKv > 1 ? clog2(kKv) : 1;
constexpr int kTokW = clog2(kMaxTokens + 1), kEntryW = kLayers + kTokW;
constexpr int kScoreW = sinkattn::num::kImportanceBits;
static_assert(kScan * kEntryW <= 64, "the harness keeps an order-array word in 64 bits");
static_assert(kLayers <= 64, "an evicted-at mask in 64 bits");
constexpr std::uint64_t kScoreMask = (std::uint64_t{1} << kScoreW) - 1;

std::uint64_t sl(int scope, int list) { return (static_cast<std::uint64_t>(scope) << kKvW) | static_cast<std::uint64_t>(list); }
std::uint64_t pack(const SlotStore::Entry& e) { return (e.mask << kTokW) | static_cast<std::uint64_t>(e.token); }
SlotStore::Entry unpack(std::uint64_t v) {
  return {v >> kTokW & ((kLayers == 64 ? ~0ull : (std::uint64_t{1} << kLayers) - 1)),
          static_cast<int>(v & ((std::uint64_t{1} << kTokW) - 1))};
}

// A Verilated port takes v in its own C type (its width is the geometry's).
template <typename Port, typename V>
void put(Port& port, V v) {
  port = static_cast<Port>(v);
}

class Dut : public sinkattn::tb::Dut<Vsinkattn_slot_store> {
 public:
  Dut() : sinkattn::tb::Dut<Vsinkattn_slot_store>("sinkattn_slot_store", [](auto& t) { idle(t); }) {}
  static void idle(Vsinkattn_slot_store& t) {
    t.clear_i = t.pass_i = t.load_i = t.o_we_i = t.i_we_i = 0;
    t.clear_scopes_i = t.clear_lists_i = 0;
    t.sl_i = t.len_sl_i = t.o_rsl_i = t.o_wsl_i = t.i_rsl_i = t.i_wsl_i = 0;
    t.dead_mask_i = 0;
    t.first_tok_i = t.last_tok_i = t.load_tok_i = 0;
    t.load_score_i = t.i_wdata_i = 0;
    t.o_rword_i = t.o_wpos_i = t.o_wentry_i = t.i_rpos_i = t.i_wpos_i = 0;
  }
};

// One list as the user sees it.
struct RefList {
  std::vector<SlotStore::Entry> entry;
  std::vector<std::uint64_t> score;
  int next = 0;
};

// What the traffic exercised, so that a degenerate generator fails the test.
struct Coverage {
  long passes = 0, dropped = 0, appended = 0, empty_passes = 0, nothing_appended = 0, full = 0;
  long loads = 0, clears = 0, partial_clears = 0, drops = 0, updates = 0, checks = 0;
};

class Bench {
 public:
  explicit Bench(std::uint64_t seed, const char* vectors)
      : sc_(sinkattn::tb::make_mirror<SlotStore>(kLayers, kKv, kSlots)), rng_(seed), lists_(kLayers * kKv), seed_(seed) {
    if (vectors) out_.open(vectors);
  }

  const Coverage& coverage() const { return cov_; }

  // One cycle: the operation inputs set on the SystemC model (and the read addresses set on the
  // block) go to both; busy must agree; then the edge.
  // `check` says which reads this cycle requests, so that Icarus compares their registered data
  // on the next cycle's line: bit 0 the length, bit 1 the order word (bits 3 .. the lanes to
  // compare: the others may never have been written), bit 2 the score.
  void step(int check = 0) {
    drive_dut();
    dut_.settle();
    ASSERT_EQ(static_cast<bool>(dut_->busy_o), sc_->busy()) << "busy at cycle " << dut_.cycle() << " (seed " << seed_ << ")";
    if (out_) write_vector(check);
    dut_.posedge();
    sc_->edge();
    Dut::idle(*dut_.operator->());
    reset_inputs(*sc_);
  }

  void clear(int scopes, int lists) {
    sc_->clear = true;
    sc_->clear_scopes = scopes;
    sc_->clear_lists = lists;
    step();
    const int cycles = run_busy();
    EXPECT_EQ(cycles, scopes * lists) << "clear of " << scopes << " x " << lists << " (seed " << seed_ << ")";
    for (int s = 0; s < scopes; ++s)
      for (int l = 0; l < lists; ++l) ref(s, l) = RefList{};
    ++cov_.clears;
    cov_.partial_clears += scopes < kLayers || lists < kKv;
  }

  void load(int scope, int list, int first, std::uint64_t score) {
    RefList& r = ref(scope, list);
    const int tok = std::max(first, r.next);
    sc_->load = true;
    sc_->scope = scope;
    sc_->list = list;
    sc_->first_tok = first;
    sc_->load_tok = tok;
    sc_->load_score = score;
    step();
    r.entry.resize(static_cast<std::size_t>(tok - first));  // positions 0 .. tok - S - 1 are the earlier loads
    r.score.resize(r.entry.size());
    r.entry.push_back({0, tok});
    r.score.push_back(score);
    r.next = tok + 1;
    ++cov_.loads;
  }

  void pass(int scope, int list, std::uint64_t dead, int first, int last) {
    RefList& r = ref(scope, list);
    RefList out;
    for (std::size_t i = 0; i < r.entry.size(); ++i) {
      if ((r.entry[i].mask & dead) == dead) continue;
      out.entry.push_back(r.entry[i]);
      out.score.push_back(r.score[i]);
    }
    const long dropped = static_cast<long>(r.entry.size() - out.entry.size());
    const int from = std::max(first, r.next);
    for (int a = from; a <= last; ++a) {
      out.entry.push_back({0, a});
      out.score.push_back(0);
    }
    out.next = std::max(from, last + 1);
    const int n_before = static_cast<int>(r.entry.size()), appended = std::max(0, last + 1 - from);
    sc_->pass = true;
    sc_->scope = scope;
    sc_->list = list;
    sc_->dead_mask = dead;
    sc_->first_tok = first;
    sc_->last_tok = last;
    step();
    const int cycles = run_busy();
    EXPECT_EQ(cycles, n_before + appended + 2) << "pass of (" << scope << ", " << list << ") over " << n_before
                                               << " entries appending " << appended << " (seed " << seed_ << ")";
    r = out;
    ++cov_.passes;
    cov_.dropped += dropped;
    cov_.appended += appended;
    cov_.empty_passes += n_before == 0;
    cov_.nothing_appended += appended == 0;
    cov_.full += static_cast<int>(r.entry.size()) == kSlots;
    check_list(scope, list);
  }

  // The top's drop: the entry's word is read, the entry is written back with `bits` more set.
  void drop(int scope, int list, int pos, std::uint64_t bits) {
    dut_->o_rsl_i = sl(scope, list);
    dut_->o_rword_i = static_cast<std::uint32_t>(pos / kScan);
    step(2 | (1 << (3 + pos % kScan)));
    dut_.settle();
    const SlotStore::Entry e = unpack(dut_->o_rdata_o >> (pos % kScan * kEntryW));
    RefList& r = ref(scope, list);
    ASSERT_EQ(e, r.entry[static_cast<std::size_t>(pos)]) << "entry " << pos << " of (" << scope << ", " << list
                                                          << ") read for a drop (seed " << seed_ << ")";
    const SlotStore::Entry w{e.mask | bits, e.token};
    sc_->o_we = true;
    sc_->o_wscope = scope;
    sc_->o_wlist = list;
    sc_->o_wpos = pos;
    sc_->o_wentry = w;
    step();
    r.entry[static_cast<std::size_t>(pos)] = w;
    ++cov_.drops;
  }

  // The top's importance update: the score is read, the sum written the cycle after.
  void update(int scope, int list, int pos, std::uint64_t add) {
    dut_->i_rsl_i = sl(scope, list);
    dut_->i_rpos_i = static_cast<std::uint32_t>(pos);
    step(4);
    dut_.settle();
    RefList& r = ref(scope, list);
    const std::uint64_t s = dut_->i_rdata_o;
    ASSERT_EQ(s, r.score[static_cast<std::size_t>(pos)]) << "score " << pos << " of (" << scope << ", " << list
                                                  << ") read for an update (seed " << seed_ << ")";
    const std::uint64_t sum = (s + add) & kScoreMask;
    sc_->i_we = true;
    sc_->i_wscope = scope;
    sc_->i_wlist = list;
    sc_->i_wpos = pos;
    sc_->i_wdata = sum;
    step();
    r.score[static_cast<std::size_t>(pos)] = sum;
    ++cov_.updates;
  }

  // {n, next}, every entry and every score of a list through the user's ports, against the
  // reference and the SystemC model's cells.
  void check_list(int scope, int list) {
    const RefList& r = ref(scope, list);
    const std::string where = "(" + std::to_string(scope) + ", " + std::to_string(list) + "), seed " + std::to_string(seed_);
    const int n = static_cast<int>(r.entry.size());
    dut_->len_sl_i = sl(scope, list);
    step(1);
    dut_.settle();
    EXPECT_EQ(static_cast<int>(dut_->len_n_o), n) << "n of " << where;
    EXPECT_EQ(static_cast<int>(dut_->len_next_o), r.next) << "next of " << where;
    EXPECT_EQ(sc_->n(scope, list), n) << "SystemC n of " << where;
    EXPECT_EQ(sc_->next(scope, list), r.next) << "SystemC next of " << where;
    for (int w = 0; w * kScan < n; ++w) {
      dut_->o_rsl_i = sl(scope, list);
      dut_->o_rword_i = static_cast<std::uint32_t>(w);
      step(word_check(std::min(kScan, n - w * kScan)));
      dut_.settle();
      for (int i = 0; i < kScan && w * kScan + i < n; ++i) {
        const int pos = w * kScan + i;
        const SlotStore::Entry e = unpack(dut_->o_rdata_o >> (i * kEntryW));
        EXPECT_EQ(e, r.entry[static_cast<std::size_t>(pos)])
            << "entry " << pos << " of " << where << ": token " << e.token << " mask " << e.mask << ", expected token "
            << r.entry[static_cast<std::size_t>(pos)].token;
        EXPECT_EQ(sc_->entry(scope, list, pos), r.entry[static_cast<std::size_t>(pos)]) << "SystemC entry " << pos << " of " << where;
      }
    }
    for (int pos = 0; pos < n; ++pos) {
      dut_->i_rsl_i = sl(scope, list);
      dut_->i_rpos_i = static_cast<std::uint32_t>(pos);
      step(4);
      dut_.settle();
      EXPECT_EQ(dut_->i_rdata_o, r.score[static_cast<std::size_t>(pos)]) << "score " << pos << " of " << where;
      EXPECT_EQ(sc_->score(scope, list, pos), r.score[static_cast<std::size_t>(pos)]) << "SystemC score " << pos << " of " << where;
    }
    ++cov_.checks;
  }

  RefList& ref(int scope, int list) { return lists_[static_cast<std::size_t>(scope * kKv + list)]; }
  std::mt19937_64& rng() { return rng_; }

 private:
  // The block's operation and write inputs from the SystemC model's (the read addresses are the
  // block's alone: the model's cells are read directly).
  void drive_dut() {
    auto& t = *dut_.operator->();
    const SlotStore& m = *sc_;
    put(t.clear_i, m.clear);
    put(t.pass_i, m.pass);
    put(t.load_i, m.load);
    put(t.clear_scopes_i, m.clear ? m.clear_scopes : 0);
    put(t.clear_lists_i, m.clear ? m.clear_lists : 0);
    put(t.sl_i, m.pass || m.load ? sl(m.scope, m.list) : 0);
    put(t.dead_mask_i, m.pass ? m.dead_mask : 0);
    put(t.first_tok_i, m.pass || m.load ? m.first_tok : 0);
    put(t.last_tok_i, m.pass ? m.last_tok : 0);
    put(t.load_tok_i, m.load ? m.load_tok : 0);
    put(t.load_score_i, m.load ? m.load_score : 0);
    put(t.o_we_i, m.o_we);
    put(t.o_wsl_i, m.o_we ? sl(m.o_wscope, m.o_wlist) : 0);
    put(t.o_wpos_i, m.o_we ? m.o_wpos : 0);
    put(t.o_wentry_i, m.o_we ? pack(m.o_wentry) : 0);
    put(t.i_we_i, m.i_we);
    put(t.i_wsl_i, m.i_we ? sl(m.i_wscope, m.i_wlist) : 0);
    put(t.i_wpos_i, m.i_we ? m.i_wpos : 0);
    put(t.i_wdata_i, m.i_we ? m.i_wdata : 0);
  }
  // The SystemC model's inputs back to idle (its registers and cells untouched).
  static void reset_inputs(SlotStore& m) { m.clear = m.pass = m.load = m.o_we = m.i_we = false; }
  static int word_check(int lanes) { return 2 | (((1 << lanes) - 1) << 3); }
  // Cycles until busy falls.
  int run_busy() {
    int cycles = 0;
    for (;;) {
      dut_.settle();
      if (!dut_->busy_o && !sc_->busy()) return cycles;
      step();
      if (::testing::Test::HasFatalFailure()) return cycles;
      ++cycles;
      if (cycles > 10 * kSlots * kLayers * kKv) {
        ADD_FAILURE() << "busy does not fall (seed " << seed_ << ")";
        return cycles;
      }
    }
  }
  // One line a cycle: the inputs, then busy, the check mask and the three read outputs (hex).
  void write_vector(int check) {
    auto& t = *dut_.operator->();
    const std::uint64_t f[] = {t.clear_i,  t.pass_i,   t.load_i,      t.clear_scopes_i, t.clear_lists_i, t.sl_i,
                               t.dead_mask_i, t.first_tok_i, t.last_tok_i, t.load_tok_i, t.load_score_i, t.len_sl_i,
                               t.o_rsl_i,  t.o_rword_i, t.o_we_i,      t.o_wsl_i,   t.o_wpos_i,   t.o_wentry_i,
                               t.i_rsl_i,  t.i_rpos_i, t.i_we_i,      t.i_wsl_i,   t.i_wpos_i,   t.i_wdata_i,
                               t.busy_o,   static_cast<std::uint64_t>(check), t.len_n_o, t.len_next_o, t.o_rdata_o,
                               t.i_rdata_o};
    out_ << std::hex;
    for (std::size_t i = 0; i < std::size(f); ++i) out_ << (i ? " " : "") << f[i];
    out_ << std::dec << '\n';
  }

  Dut dut_;
  std::unique_ptr<SlotStore> sc_;
  std::mt19937_64 rng_;
  std::vector<RefList> lists_;
  Coverage cov_;
  std::ofstream out_;
  const std::uint64_t seed_;  // printed with every failure
};

// Random traffic: a run starts with a clear of every list; its lists then get loads (a prompt),
// passes at growing steps, drops and updates, and a partial clear now and then.
void random_traffic(Bench& b, int ops) {
  std::mt19937_64& rng = b.rng();
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  int first = pick(4);  // S of the run
  std::vector<int> step(kLayers * kKv, 0);
  auto fresh_run = [&] {
    b.clear(kLayers, kKv);
    first = pick(4);
    std::fill(step.begin(), step.end(), 0);
  };
  fresh_run();
  for (int op = 0; op < ops && !::testing::Test::HasFatalFailure(); ++op) {
    const int scope = pick(kLayers), list = pick(kKv), li = scope * kKv + list;
    RefList& r = b.ref(scope, list);
    const int n = static_cast<int>(r.entry.size());
    switch (pick(10)) {
      case 0:  // the host's loads of a prompt middle, on an empty list
        if (n == 0 && r.next == 0) {
          const int k = 1 + pick(kSlots);
          for (int i = 0; i < k && first + i < kMaxTokens; ++i) b.load(scope, list, first, rng() & kScoreMask);
          step[li] = first + k - 1;
        }
        break;
      case 1:
      case 2:
      case 3: {  // a pass at the list's next step (or the same step again), within the slots
        std::uint64_t dead = std::uint64_t{1} << pick(kLayers);
        if (pick(3) == 0) dead = ~std::uint64_t{0} >> (64 - kLayers) << pick(kLayers);  // a cascade's deeper layers
        dead &= kLayers == 64 ? ~0ull : (std::uint64_t{1} << kLayers) - 1;
        int survivors = 0;
        for (const auto& e : r.entry) survivors += (e.mask & dead) != dead;
        const int from = std::max(first, r.next);
        int last = std::max(step[li], from - 1) + pick(3);
        last = std::min({last, from - 1 + (kSlots - survivors), kMaxTokens - 1});
        if (last < step[li]) {  // no room for the step: a new run
          fresh_run();
          break;
        }
        step[li] = last;
        b.pass(scope, list, dead, first, last);
        break;
      }
      case 4:
      case 5:
      case 6:  // a drop at some layers
        if (n > 0) b.drop(scope, list, pick(n), std::uint64_t{1} << pick(kLayers));
        break;
      case 7:
      case 8:  // an importance update
        if (n > 0) b.update(scope, list, pick(n), rng() & 0xFFFFF);
        break;
      default:
        if (pick(8) == 0) b.clear(1 + pick(kLayers), 1 + pick(kKv));
        else b.check_list(scope, list);
        break;
    }
  }
}

TEST(SlotStore, RandomTrafficMatchesReferenceAndSystemC) {
  const std::uint64_t seed = test_seed(20261204);
  const char* dir = std::getenv("SINKATTN_RTL_VECTORS");
  const std::string file = dir ? std::string(dir) + "/sinkattn_slot_store_vectors.txt" : "";
  Bench b(seed, dir ? file.c_str() : nullptr);
  random_traffic(b, dir ? 1500 : 6000);
  const Coverage& c = b.coverage();
  std::cout << "[ COVERAGE ] seed " << seed << ": " << c.passes << " passes (" << c.dropped << " entries dropped, "
            << c.appended << " appended, " << c.empty_passes << " on an empty list, " << c.nothing_appended
            << " appending nothing, " << c.full << " filling the list), " << c.loads << " loads, " << c.clears
            << " clears (" << c.partial_clears << " partial), " << c.drops << " drops, " << c.updates << " updates, "
            << c.checks << " list checks\n";
  EXPECT_GT(c.passes, 100);
  EXPECT_GT(c.dropped, 50);
  EXPECT_GT(c.appended, 100);
  EXPECT_GT(c.empty_passes, 5);
  EXPECT_GT(c.nothing_appended, 5);
  EXPECT_GT(c.full, 2);
  EXPECT_GT(c.loads, 20);
  EXPECT_GT(c.partial_clears, 2);
  EXPECT_GT(c.drops, 50);
  EXPECT_GT(c.updates, 50);
}

}  // namespace
