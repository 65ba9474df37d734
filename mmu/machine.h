// ptediff: the simulated machine one backend runs on.
//
// A Machine owns the page tables of three address spaces (user mm 0, child mm
// 1, the kernel mm 2), a TLB, the primitive log of the current op, cost
// counters, and the hardware agent that performs accesses with FEAT_HAFDBS
// access-flag and dirty-state updates. Backends see it only through the C
// table `ptediff_machine` (abi()). The harness runs two Machines (reference
// and optimized) over one shared FolioMap.
#ifndef PTEDIFF_MMU_MACHINE_H_
#define PTEDIFF_MMU_MACHINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "mmu/folio.h"
#include "mmu/table.h"
#include "mmu/tlb.h"
#include "ptediff/backend.h"

struct ptediff_mm {
  uint32_t id;
  bool user;
  ptediff::TableWindow window;
};

namespace ptediff {

inline constexpr uint32_t kNumMms = 3;
inline constexpr uint32_t kUserMm = 0;
inline constexpr uint32_t kChildMm = 1;
inline constexpr uint32_t kKernelMm = 2;
inline constexpr uint32_t kDefaultWindowTables = 2;

// One primitive call (or hardware update) as the log records it.
enum class Prim : uint8_t { kRead, kWrite, kXchg, kCmpxchg, kFlushRange, kFlushMm, kDsb, kHw };
const char* prim_name(Prim p);

// Who made a primitive call or update: the backend's op, or another agent
// interfering with it (a hardware access or walk, or a lockless reader on
// another CPU; docs/DESIGN.md §5.7).
enum class Agent : uint8_t { kBackend = 0, kHardware = 1, kReader = 2 };

struct LogRec {
  Prim prim;
  uint8_t mm = 0;
  Agent agent = Agent::kBackend;
  bool ok = true;           // cmpxchg success; false when refused (out of window)
  bool last_level = false;  // flush_tlb_range
  bool sync = false;        // flush_tlb_range
  int8_t tlb_level = 0;     // flush_tlb_range
  int8_t level = 3;         // entry primitives: the level of the entry (docs/DESIGN.md §2.4)
  uint64_t addr = 0;        // entry VA, or flush start
  uint64_t end = 0;         // flush end
  uint64_t stride = 0;      // flush stride
  pte_t old = 0;            // entry before (write/xchg/cmpxchg/hw) or value read
  pte_t val = 0;            // entry after
  // Where the backend's source issued it (machine v3 set_site), or nullptr.
  // Shown in reports only: no check or hash reads it.
  const ptediff_site* site = nullptr;
};

// A contiguous block of one mm (CONT_PTES entries, CONT-aligned): the unit in
// which the machine tracks what an op wrote and the checks look at state.
struct BlockRef {
  uint32_t mm;
  uint64_t index;  // va / CONT_PTE_SIZE
  auto operator<=>(const BlockRef&) const = default;
};

// Cost counters, in model units (one per primitive; one TLBI per address).
struct Counters {
  uint64_t reads = 0, writes = 0, atomics = 0, tlbis = 0, dsbs = 0;
  Counters& operator+=(const Counters& o);
};

// Interference points (docs/DESIGN.md §5.7): a hook the machine calls before
// every primitive (read, write, xchg, cmpxchg, flush, dsb), whoever makes it.
// It may run other agents on the machine; their records carry their Agent.
class PrimitiveHook {
 public:
  virtual ~PrimitiveHook() = default;
  // Before a primitive of the machine's current agent. Returns false to make
  // a read of the reader agent see an empty entry (a livelocked reader).
  virtual bool on_primitive() = 0;
};

enum class AccessKind : uint8_t { kRead = 0, kWrite = 1, kExec = 2 };

enum class AccessResult : uint8_t {
  kOk = 0,                // completed (by a table walk)
  kOkTlb = 1,             // completed from a cached translation, no walk
  kTranslationFault = 2,  // invalid entry
  kAccessFlagFault = 3,   // AF clear and no hardware AF management
  kPermissionFault = 4,   // write to read-only / exec of UXN
};
const char* access_result_name(AccessResult r);
inline bool access_ok(AccessResult r) {
  return r == AccessResult::kOk || r == AccessResult::kOkTlb;
}

class Machine {
 public:
  Machine(const ptediff_geometry& geo, uint32_t features, const FolioMap* folios,
          uint32_t window_tables = kDefaultWindowTables);
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  const ptediff_geometry& geo() const { return abi_.geo; }
  uint32_t features() const { return abi_.features; }
  ptediff_machine* abi() { return &abi_; }
  ptediff_mm* mm(uint32_t id) { return &mms_[id]; }
  const ptediff_mm* mm(uint32_t id) const { return &mms_[id]; }
  uint64_t window_limit() const { return mms_[0].window.limit(); }

  // Reads an entry without logging (for the harness and checkers).
  pte_t peek(uint32_t mm, uint64_t va) const { return mms_[mm].window.pte_value(va); }
  // The same at `level` (3 PTE, 2 PMD, 1 PUD; an upper entry the window does
  // not hold reads as a table descriptor).
  pte_t peek_level(uint32_t mm, uint64_t va, int level) const {
    return level == kPteLevel ? peek(mm, va) : mms_[mm].window.upper_value(va, level);
  }
  // The n entries from va as an array when they lie in one table (a
  // contiguous block always does), else nullptr.
  const pte_t* entries(uint32_t mm, uint64_t va, uint64_t n) const {
    return mms_[mm].window.entries(va, n);
  }
  // Occupancy searches over mm's window (TableWindow::next_valid etc.):
  // the first valid / none entry at or after va, wrapping; window_limit()
  // when there is none.
  uint64_t next_valid(uint32_t mm, uint64_t va) const { return mms_[mm].window.next_valid(va); }
  uint64_t next_none(uint32_t mm, uint64_t va) const { return mms_[mm].window.next_none(va); }
  uint64_t next_used(uint32_t mm, uint64_t va) const { return mms_[mm].window.next_used(va); }
  // Whether every entry of [va, va + n pages) is none.
  bool all_none(uint32_t mm, uint64_t va, uint64_t n) const {
    return mms_[mm].window.all_none(va, n);
  }
  // Writes an entry without logging (hand-built states in tests).
  void poke(uint32_t mm, uint64_t va, pte_t v);
  // The same at `level` (set-up of a subject's table shape, tests).
  void poke_level(uint32_t mm, uint64_t va, int level, pte_t v);

  // Returns the machine to its just-constructed state with `features`: empty
  // tables, TLB, log, violations and counters, no backend state. An executor
  // reuses machines across runs; nothing of one run may reach the next.
  void reset(uint32_t features);

  // Starts a new op: clears the log and the op's violations.
  void begin_op();
  const std::vector<LogRec>& log() const { return log_; }
  // Whether reads are recorded in the log (the default). No check looks at
  // reads; they are for reports and traces. Off, a read is only counted.
  void set_log_reads(bool on) { log_reads_ = on; }
  bool log_reads() const { return log_reads_; }
  // Records of this op, logged or not: log().size() plus the unlogged reads,
  // so the trace hash is the same either way.
  uint64_t op_records() const { return log_.size() + unlogged_reads_; }
  const Counters& counters() const { return counters_; }
  void reset_counters() { counters_ = {}; }
  // The blocks whose entries this op wrote (write, xchg, a successful
  // cmpxchg, a hardware update), each once, in the order first written.
  // Tracked as the entries are written, so no pass over the log is needed.
  const std::vector<BlockRef>& touched_blocks() const { return touched_; }
  // Out-of-window primitive calls and backend contract errors of this op.
  const std::vector<std::string>& violations() const { return violations_; }
  bool had_contract_error() const { return contract_errors_ > 0; }

  // Interference: `hook` (or nullptr) is called before every primitive
  // until it is removed; the agent is who makes the calls now.
  void set_hook(PrimitiveHook* hook) { hook_ = hook; }
  PrimitiveHook* hook() const { return hook_; }
  Agent agent() const { return agent_; }
  void set_agent(Agent a) { agent_ = a; }
  // The source site the current agent's next records carry (set_site of the
  // machine ABI; one per agent, nullptr until the backend names one).
  void set_site(const ptediff_site* s) { site_[static_cast<size_t>(agent_)] = s; }
  const ptediff_site* site() const { return site_[static_cast<size_t>(agent_)]; }

  // What a run needs to go back to a point of an op: tables, TLB and cost
  // counters (the log and violations start over with begin_op).
  struct Snapshot {
    std::vector<TableWindow> windows;
    Tlb tlb;
    Counters counters;
  };
  void save(Snapshot* s) const;
  // Restores `s` and begins a new op (begin_op).
  void restore(const Snapshot& s);

  Tlb& tlb() { return tlb_; }
  const Tlb& tlb() const { return tlb_; }

  // The hardware agent. An access to `va` walks the TLB, then the table; on a
  // valid contiguous block the access/dirty update lands on the entry `pick`
  // selects inside the block. Faults are returned, never thrown.
  AccessResult access(uint32_t mm, uint64_t va, AccessKind kind, uint32_t pick);
  // Whether mm's TLB holds a translation of va that makes an access of
  // `kind` fault without a walk (a cached read-only entry for a write that
  // hardware dirty management cannot fix, or UXN for an exec).
  bool tlb_refuses(uint32_t mm, uint64_t va, AccessKind kind) const;
  // A speculative walk: caches the translation of `va` (the whole contiguous
  // block when `block` and the entry is valid+CONT). Entries with AF clear are
  // never cached. Returns whether something was cached.
  bool tlb_fill(uint32_t mm, uint64_t va, bool block, uint32_t pick);

  // Primitive implementations (also reachable through abi()). `level`: the
  // entry mapping addr at that level (machine v2; 3 is the v1 primitives').
  pte_t prim_read(ptediff_mm* mm, uint64_t addr, int level = kPteLevel);
  void prim_write(ptediff_mm* mm, uint64_t addr, pte_t val, int level = kPteLevel);
  pte_t prim_xchg(ptediff_mm* mm, uint64_t addr, pte_t val, int level = kPteLevel);
  bool prim_cmpxchg(ptediff_mm* mm, uint64_t addr, pte_t* old, pte_t val, int level = kPteLevel);
  void prim_flush_tlb_range(ptediff_mm* mm, uint64_t start, uint64_t end, uint64_t stride,
                            bool last_level, int tlb_level, bool sync);
  void prim_flush_tlb_mm(ptediff_mm* mm);
  void prim_dsb();
  void report_contract_error(const char* what);
  bool folio_of(uint64_t pfn, ptediff_folio* out) const;

 private:
  static constexpr size_t kMaxViolations = 16;
  // The entry (mm, addr) at `level` a primitive `prim` may touch, or a null
  // ref after recording why not (refuse_entry): out of the window, or a PTE
  // whose table an upper leaf has made unreachable. Inline: every primitive
  // asks.
  [[gnu::always_inline]] EntryRef checked_entry(ptediff_mm* mm, uint64_t addr, Prim prim,
                                                int level) {
    if (valid_mm(mm)) {
      if (level == kPteLevel) [[likely]] {
        EntryRef e = mm->window.pte_entry(addr);
        if (e.table != nullptr && mm->window.upper_leaf(addr).table == nullptr) return e;
      } else {
        EntryRef e = mm->window.upper_entry(addr, level);
        if (e.table != nullptr) return e;
      }
    }
    refuse_entry(mm, addr, prim, level);
    return {};
  }
  [[gnu::cold]] void refuse_entry(const ptediff_mm* mm, uint64_t addr, Prim prim, int level);
  // The leaf a walk of (mm, va) ends at: the PTE, or an upper entry that is
  // not a table descriptor; with the size it maps and the number of entries
  // of its contiguous block (CONT_PTES / CONT_PMDS, 1 for a PUD).
  struct Leaf {
    EntryRef e;
    int level = kPteLevel;
    uint64_t size = 0;
    uint32_t cont = 1;
  };
  Leaf walk(ptediff_mm& mm, uint64_t va);
  // The leaf entry `pick` selects in e's contiguous block, when e is
  // valid+CONT and so is the picked one; e otherwise.
  EntryRef pick_in_block(ptediff_mm& mm, uint64_t va, const Leaf& l, uint32_t pick);
  // Appends a log record built in place (a temporary copied in stalls on
  // store forwarding, a tenth of every primitive).
  LogRec& add_rec(Prim prim, uint32_t mm, uint64_t addr, int level = kPteLevel) {
    LogRec& r = log_.emplace_back();
    r.prim = prim;
    r.mm = static_cast<uint8_t>(mm);
    r.agent = agent_;
    r.level = static_cast<int8_t>(level);
    r.addr = addr;
    r.site = site();
    return r;
  }
  void add_violation(std::string what);
  // Replaces an entry (WRITE_ONCE or xchg), logging it as `prim`.
  pte_t store(ptediff_mm* mm, uint64_t addr, pte_t val, Prim prim, int level);
  bool valid_mm(const ptediff_mm* mm) const {
    return mm != nullptr && mm >= mms_.data() && mm < mms_.data() + mms_.size();
  }
  // Records that the entry of (mm, addr), inside the window, was written.
  void note_write(uint32_t mm, uint64_t addr) {
    const uint64_t block = addr >> block_shift_;
    uint32_t& stamp = block_stamp_[mm * blocks_per_mm_ + block];
    if (stamp == epoch_) return;
    stamp = epoch_;
    touched_.push_back({mm, block});
  }

  // The interference hook before a primitive; false: a read sees none.
  bool interfere() { return hook_ == nullptr || hook_->on_primitive(); }

  ptediff_machine abi_{};
  PrimitiveHook* hook_ = nullptr;
  Agent agent_ = Agent::kBackend;
  const ptediff_site* site_[3] = {};  // per Agent
  std::vector<ptediff_mm> mms_;
  const FolioMap* folios_;
  Tlb tlb_;
  std::vector<LogRec> log_;
  Counters counters_;
  std::vector<std::string> violations_;
  uint32_t contract_errors_ = 0;
  bool log_reads_ = true;
  uint64_t unlogged_reads_ = 0;  // this op's
  // Touched-block tracking: the op's blocks, and per (mm, block) the epoch
  // (op number) in which it was last recorded.
  std::vector<BlockRef> touched_;
  std::vector<uint32_t> block_stamp_;
  uint32_t epoch_ = 1;
  uint32_t block_shift_ = 0;
  uint64_t blocks_per_mm_ = 0;
};

}  // namespace ptediff

#endif  // PTEDIFF_MMU_MACHINE_H_
