// ptediff: each harness-level check fires on a hand-broken backend and stays
// quiet on the reference itself. (The contpte mutants exercise the other
// classes: conformance/mutants/*.repro.)
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "mmu/swp.h"
#include "subjects/contpte/backends.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/oracle.h"
#include "subjects/contpte/reference.h"
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

// A flush of one page with the wrong level hint (2 instead of 3): it is in
// the log, but the TLB keeps the level-3 entry.
pte_t clear_flush_wrong_level(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const pte_t old = m->xchg(m, mm, addr, 0);
  const uint64_t page = 1ULL << m->geo.page_shift;
  m->flush_tlb_range(m, mm, addr, addr + page, page, true, /*tlb_level=*/2, true);
  return old;
}

// Clears the entry one page table past the end of the window too.
void pte_clear_out_of_window(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  m->write(m, mm, addr, 0);
  m->write(m, mm, addr + (4ULL << m->geo.pmd_shift), 0);
}

// Clears the entry, and the same entry of the next PTE table too (inside the
// window, but in a table the caller has not locked).
void pte_clear_next_table_too(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  m->write(m, mm, addr, 0);
  m->write(m, mm, addr + (1ULL << m->geo.pmd_shift), 0);
}

// Refuses every call as a contract violation.
unsigned batch_hint_complains(const ptediff_machine* m, ptediff_mm*, uint64_t, pte_t) {
  m->contract_error(m, "pte_batch_hint: refused");
  return 1;
}

// Applies the new access flags but never invalidates the old translation.
int set_access_flags_no_flush(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t entry,
                              int) {
  const pte_t old = m->read(m, mm, addr);
  if (old == entry) return 0;
  m->write(m, mm, addr, entry);
  return 1;
}

// The class of the first divergence (`all`: of every divergence, in order).
std::string run_with(const ptediff_backend& be, const std::string& ops, bool all = false) {
  Program p;
  ParseError err;
  const std::string text = "ptediff-repro 1\ngranule 4k\nfeatures hafdbs\nprofile fold\n" + ops;
  if (!parse_repro(text, "<test>", &p, &err)) return err.str();
  RunOptions opts;
  opts.opt = &be;
  Executor ex(with_builtin_backends(opts));
  const RunResult r = ex.run(p);
  if (!r.error.empty()) return r.error;
  if (!r.diverged()) return "none";
  std::string out = div_class_name(r.divergences.front().cls);
  for (size_t i = 1; all && i < r.divergences.size(); ++i) {
    out += std::string(" ") + div_class_name(r.divergences[i].cls);
  }
  return out;
}

constexpr const char* kOps =
    "fault mm=0 va=0x10000 order=0 write=1 place=low\n"
    "access mm=0 va=0x10000 kind=write pick=0\n"
    "ptep_clear_flush mm=0 va=0x10000\n"
    "fault mm=0 va=0x20000 order=0 write=1 place=low\n"
    "pte_clear mm=0 va=0x20000\n"
    "fault mm=0 va=0x30000 order=0 write=1 place=low\n"
    "pte_batch_hint mm=0 va=0x30000\n";

TEST(Checks, QuietOnTheReferenceAgainstItself) {
  ptediff_backend ref = *ptediff_reference_backend();
  EXPECT_EQ(run_with(ref, kOps), "none");
}

// A TLBI whose level hint names another level invalidates nothing of the
// page: the flush is missing (the shared rule, oracle/log_checks.h
// tlb_level_reaches) and the translation stays stale.
TEST(Checks, FlushMissingAndTlbStaleFireOnAFlushWithTheWrongLevelHint) {
  ptediff_backend be = *ptediff_reference_backend();
  be.ptep_clear_flush = clear_flush_wrong_level;
  EXPECT_EQ(run_with(be, kOps, /*all=*/true), "flush-missing tlb-stale");
}

TEST(Checks, LockFiresOnAWriteInATableTheCallerDidNotLock) {
  ptediff_backend be = *ptediff_reference_backend();
  be.pte_clear = pte_clear_next_table_too;
  EXPECT_EQ(run_with(be, kOps), "lock");
  // zap clears a swap entry with pte_clear; over a range spanning both
  // tables it holds both tables' locks, so the same stray write is covered.
  const std::string swapped =
      "fault mm=0 va=0x10000 order=0 write=1 place=low\n"
      "swap_out mm=0 va=0x10000 slot=0\n";
  EXPECT_EQ(run_with(be, swapped + "zap mm=0 va=0x0 nr=1024 full=1\n"), "none");
  EXPECT_EQ(run_with(be, swapped + "zap mm=0 va=0x0 nr=512 full=1\n"), "lock");
}

TEST(Checks, OutOfWindowFiresAndNothingCrashes) {
  ptediff_backend be = *ptediff_reference_backend();
  be.pte_clear = pte_clear_out_of_window;
  EXPECT_EQ(run_with(be, kOps), "out-of-window");
}

TEST(Checks, ContractFiresWhenOptimizedRefusesALegalCall) {
  ptediff_backend be = *ptediff_reference_backend();
  be.pte_batch_hint = batch_hint_complains;
  EXPECT_EQ(run_with(be, kOps), "contract");
}

// A write fault's ptep_set_access_flags (dirty=1) that makes an entry
// writable must invalidate it; one that changes nothing need not, and a
// stale translation an earlier op's deferred flush left behind is not the
// op's (R flushing it because its own entry changed is incidental).
TEST(Checks, FlushMissingFiresWhenAWriteFaultUpgradeIsNotInvalidated) {
  constexpr const char* kUpgrade =
      "fault mm=0 va=0x10000 order=0 write=0 place=low\n"
      "access mm=0 va=0x10000 kind=read pick=0\n"
      "ptep_set_access_flags mm=0 va=0x10000 write=1 dirty=1\n";
  ptediff_backend be = *ptediff_reference_backend();
  EXPECT_EQ(run_with(be, kUpgrade), "none");
  be.ptep_set_access_flags = set_access_flags_no_flush;
  EXPECT_EQ(run_with(be, kUpgrade), "flush-missing");
  // Nothing to change (already young, writable, dirty): no flush owed.
  constexpr const char* kNoop =
      "fault mm=0 va=0x10000 order=0 write=1 place=low\n"
      "access mm=0 va=0x10000 kind=write pick=0\n"
      "ptep_set_access_flags mm=0 va=0x10000 write=1 dirty=1\n";
  EXPECT_EQ(run_with(be, kNoop), "none");
}

// check_log on a hand-built op: R's version flushes; O's clears page 0 of a
// block and writes back each of `written` (0: leaves it cleared) without any TLBI (what upstream's
// BBML2 contpte_convert does to every entry of the block it repaints).
std::string transient_clear_class(pte_t before, std::initializer_list<pte_t> written) {
  const ptediff_geometry geo = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  FolioMap folios(geo);
  Machine ref(geo, PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_BBML2, &folios);
  Machine opt(geo, PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_BBML2, &folios);
  constexpr uint64_t kVa = 0x10000;
  ref.poke(kUserMm, kVa, before);
  opt.poke(kUserMm, kVa, before);
  ref.begin_op();
  opt.begin_op();
  ref.prim_flush_tlb_range(ref.mm(kUserMm), kVa, kVa + 0x1000, 0x1000, true, 3, true);
  for (pte_t e : written) {
    opt.prim_xchg(opt.mm(kUserMm), kVa, 0);
    if (e != 0) opt.prim_write(opt.mm(kUserMm), kVa, e);
  }
  const Envelope env(geo, ref.window_limit() >> geo.page_shift);
  const Prepared op;
  std::vector<Divergence> divs;
  check_log({ref, opt, env, op, 0}, &divs);
  std::string out;
  for (const Divergence& d : divs)
    out += std::string(out.empty() ? "" : " ") + div_class_name(d.cls);
  return out.empty() ? "none" : out;
}

TEST(Checks, TransientClearNeedsNoFlushOnlyWhenTheTranslationComesBack) {
  const ptediff_geometry geo = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  const pte_t w = prot_to_pte(geo, 0x10010, kProtYoung | kProtDirty | kProtWrite);
  const pte_t cont = pte_mkcont(w);
  // Same translation, CONT toggled (BBML2 allows the size change): legal.
  EXPECT_EQ(transient_clear_class(cont, {w}), "none");
  EXPECT_EQ(transient_clear_class(w, {pte_mkold(w)}), "none");
  // Back to a read-only entry: a cached writable translation stays usable.
  EXPECT_EQ(transient_clear_class(w, {pte_wrprotect(w)}), "flush-missing");
  // Through another output address and back: a TLB may have cached the
  // intermediate translation (and the address change is a bbm violation).
  const pte_t other = prot_to_pte(geo, 0x10020, kProtYoung | kProtDirty | kProtWrite);
  EXPECT_EQ(transient_clear_class(w, {other, w}), "bbm flush-missing");
  // Another output address left in place.
  EXPECT_EQ(transient_clear_class(w, {other}), "bbm flush-missing");
  // Another memory type or permission (exec) is not the same translation.
  EXPECT_EQ(transient_clear_class(w, {w | (1ULL << 2)}), "bbm flush-missing");
  const pte_t x = w & ~PTE_UXN;
  EXPECT_EQ(transient_clear_class(x, {x | PTE_UXN}), "flush-missing");
  // Left invalid: the flush is owed.
  EXPECT_EQ(transient_clear_class(w, {0}), "flush-missing");
}

// set_ptes that then folds the block of its last entry whenever the block's
// entries continue each other (break-before-make done right), without the
// special filter or the folio check of contpte_try_fold.
void set_ptes_folds_any_run(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t pte,
                            unsigned nr) {
  ptediff_reference_backend()->set_ptes(m, mm, addr, pte, nr);
  const ptediff_geometry* g = &m->geo;
  const uint64_t page = 1ULL << g->page_shift, n = g->cont_ptes;
  const uint64_t last = addr + (nr - 1) * page;
  const uint64_t start = last - (n - 1) * page;
  if ((last / page) % n != n - 1) return;
  const pte_t first = m->read(m, mm, start);
  if (!pte_valid(first) || pte_pfn(g, first) % n != 0) return;
  pte_t block[64];
  for (uint64_t i = 0; i < n; ++i) {
    block[i] = m->read(m, mm, start + i * page);
    if (!pte_valid(block[i]) || pte_pfn(g, block[i]) != pte_pfn(g, first) + i ||
        pte_pgprot(g, pte_mkold_clean(block[i])) != pte_pgprot(g, pte_mkold_clean(first))) {
      return;
    }
  }
  for (uint64_t i = 0; i < n; ++i) m->xchg(m, mm, start + i * page, 0);
  m->flush_tlb_range(m, mm, start, start + n * page, page, true, 3, true);
  for (uint64_t i = 0; i < n; ++i) m->write(m, mm, start + i * page, pte_mkcont(block[i]));
}

// set_ptes that looks up the folio of every entry it maps.
void set_ptes_asks_folio(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t pte,
                         unsigned nr) {
  ptediff_folio f;
  m->folio_of(m, pte_pfn(&m->geo, pte), &f);
  ptediff_reference_backend()->set_ptes(m, mm, addr, pte, nr);
}

// A block of 16 single-entry set_ptes of one folio with `prot`.
std::string one_by_one(const char* prot) {
  std::string ops = "folio_alloc order=4 place=low\n";
  for (int i = 0; i < 16; ++i) {
    ops += absl::StrFormat("set_ptes mm=0 va=%#x nr=1 folio=0 idx=%d prot=%s\n",
                           0x10000 + i * 0x1000, i, prot);
  }
  return ops + "ptep_get mm=0 va=0x10000\n";
}

// Special mappings have no folio (contpte_try_fold never folds them): a fold
// of special entries is malformed, and asking for their folio is a bug.
TEST(Checks, SpecialEntriesAreNeverFoldedNorAskedForTheirFolio) {
  const std::string special = one_by_one("a|w|special"), normal = one_by_one("a|w");
  EXPECT_EQ(run_with(*ptediff_reference_backend(), special), "none");
  EXPECT_EQ(run_with(*ptediff_optimized_backend(), special), "none");
  EXPECT_EQ(run_with(*ptediff_optimized_backend(), normal), "none");
  ptediff_backend folds = *ptediff_reference_backend();
  folds.set_ptes = set_ptes_folds_any_run;
  EXPECT_EQ(run_with(folds, normal), "none");  // a legal fold of one folio
  EXPECT_EQ(run_with(folds, special), "cont-malformed");
  ptediff_backend asks = *ptediff_reference_backend();
  asks.set_ptes = set_ptes_asks_folio;
  EXPECT_EQ(run_with(asks, normal), "none");
  EXPECT_EQ(run_with(asks, special), "contract");
}

// A binary input's set_ptes of special entries maps one entry at a time
// (their callers use set_pte_at), and an impossible prot is made possible.
TEST(Checks, RepairMapsSpecialEntriesOneAtATime) {
  Program p;
  p.ops.push_back(Op{OpKind::kFolioAlloc});
  p.ops.back().set(Field::kOrder, 4);
  p.ops.push_back(Op{OpKind::kSetPtes});
  p.ops.back().set(Field::kVa, 0x10000);
  p.ops.back().set(Field::kNr, 16);
  p.ops.back().set(Field::kProt, kProtYoung | kProtDirty | kProtWrite | kProtRdonly | kProtSpecial);
  Executor ex(with_builtin_backends());
  const RunResult r = ex.run(p);
  ASSERT_EQ(r.effective.ops.size(), 2u);
  EXPECT_EQ(r.effective.ops[1].get(Field::kNr), 1u);
  EXPECT_EQ(r.effective.ops[1].get(Field::kProt),
            kProtYoung | kProtDirty | kProtWrite | kProtSpecial);
  EXPECT_FALSE(r.diverged());
  const pte_t e = ex.ref_machine()->peek(kUserMm, 0x10000);
  EXPECT_TRUE(pte_special(e));
  EXPECT_FALSE(ex.ref_machine()->folio_of(pte_pfn(&ex.ref_machine()->geo(), e), nullptr));
}

// Non-present entries (docs/DESIGN.md §8.2.3): each check on them fires on a
// backend that mishandles one and stays quiet on the built-in backends.

// set_ptes writing a non-valid entry with CONT set (and nothing else changed).
void set_ptes_cont_on_nonvalid(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t pte,
                               unsigned nr) {
  ptediff_reference_backend()->set_ptes(m, mm, addr, pte, nr);
  if (!pte_valid(pte)) m->write(m, mm, addr, m->read(m, mm, addr) | PTE_CONT);
}

// set_ptes dropping PG_anon_exclusive from a swap entry.
void set_ptes_drops_swp_exclusive(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                  pte_t pte, unsigned nr) {
  ptediff_reference_backend()->set_ptes(m, mm, addr, pte & ~PTE_SWP_EXCLUSIVE, nr);
}

// set_ptes marking every migration entry it writes as remembered-dirty.
void set_ptes_migration_dirty(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t pte,
                              unsigned nr) {
  if (is_migration_pte(pte)) pte |= migration_dirty_bit(m->geo);
  ptediff_reference_backend()->set_ptes(m, mm, addr, pte, nr);
}

// ptep_modify_prot_commit through set_ptes_cont_on_nonvalid.
void commit_cont_on_nonvalid(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t,
                             pte_t pte) {
  set_ptes_cont_on_nonvalid(m, mm, addr, pte, 1);
}

// ptep_modify_prot_commit making the new entry dirty.
void commit_makes_dirty(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t old,
                        pte_t pte) {
  ptediff_reference_backend()->ptep_modify_prot_commit(m, mm, addr, old, pte_mkdirty(pte));
}

constexpr const char* kProtNoneOps =
    "fault mm=0 va=0x10000 order=4 write=1 place=low\n"
    "ptep_test_and_clear_young mm=0 va=0x10000\n"
    "mprotect_none mm=0 va=0x10000 nr=16 numa=0\n"
    "ptep_get mm=0 va=0x11000\n";
constexpr const char* kSwapOps =
    "fault mm=0 va=0x10000 order=2 write=1 place=low\n"
    "swap_out mm=0 va=0x10000 slot=8\n"
    "ptep_get mm=0 va=0x11000\n";

TEST(Checks, NonPresentEntriesQuietOnBuiltinBackends) {
  for (const ptediff_backend* be : {ptediff_reference_backend(), ptediff_optimized_backend()}) {
    EXPECT_EQ(run_with(*be, kProtNoneOps), "none") << be->name;
    EXPECT_EQ(run_with(*be, kSwapOps), "none") << be->name;
  }
}

TEST(Checks, ContMalformedFiresOnCONTInANonValidEntry) {
  ptediff_backend be = *ptediff_reference_backend();
  be.set_ptes = set_ptes_cont_on_nonvalid;
  be.ptep_modify_prot_commit = commit_cont_on_nonvalid;
  EXPECT_EQ(run_with(be, kProtNoneOps), "cont-malformed");
  EXPECT_EQ(run_with(be, kSwapOps), "cont-malformed");
}

TEST(Checks, PteStateComparesSwapEntriesBitForBit) {
  ptediff_backend be = *ptediff_reference_backend();
  be.set_ptes = set_ptes_drops_swp_exclusive;
  EXPECT_EQ(run_with(be, kSwapOps), "pte-state");
  EXPECT_EQ(run_with(be, kProtNoneOps), "none");  // nothing exclusive to drop there
}

// A migration entry's remembered young/dirty follow the envelope: a clean
// folio's entries remembered dirty are invented dirt (the new mapping would
// be made dirty); the built-in backends stay quiet.
TEST(Checks, AccessDirtyCoversMigrationEntries) {
  const std::string ops =
      "fault mm=0 va=0x10000 order=4 write=0 place=low\n"
      "try_to_migrate mm=0 va=0x10000\n";
  for (const ptediff_backend* be : {ptediff_reference_backend(), ptediff_optimized_backend()}) {
    EXPECT_EQ(run_with(*be, ops), "none") << be->name;
  }
  ptediff_backend be = *ptediff_reference_backend();
  be.set_ptes = set_ptes_migration_dirty;
  EXPECT_EQ(run_with(be, ops), "access-dirty");
}

TEST(Checks, AccessDirtyCoversProtNoneEntries) {
  ptediff_backend be = *ptediff_reference_backend();
  be.ptep_modify_prot_commit = commit_makes_dirty;
  // A clean folio made PROT_NONE: O's PROT_NONE entries invent dirty.
  EXPECT_EQ(run_with(be,
                     "fault mm=0 va=0x10000 order=4 write=0 place=low\n"
                     "mprotect_none mm=0 va=0x10000 nr=16 numa=0\n"),
            "access-dirty");
}

// A hand-built op on a 4K machine for the oracle's TLB forgiveness (stale.h):
// in it R's entry at kVa becomes `r` and O's `o` (both written under the
// table's lock); `cached`, when nonzero, is what O's TLB holds for kVa.
class HandBuiltOp {
 public:
  static constexpr uint64_t kVa = 0x10000;

  HandBuiltOp(uint32_t features, pte_t r, pte_t o, pte_t cached)
      : ref_(geo_, features, &folios_),
        opt_(geo_, features, &folios_),
        oracle_(geo_, ref_.window_limit() >> geo_.page_shift) {
    ref_.begin_op();
    opt_.begin_op();
    ref_.prim_write(ref_.mm(kUserMm), kVa, r);
    opt_.prim_write(opt_.mm(kUserMm), kVa, o);
    if (cached != 0) opt_.tlb().fill({.mm = kUserMm, .va = kVa, .size = 0x1000, .pte = cached});
    p_.locks.push_back({LockKind::kPteTable, kUserMm, kVa >> geo_.pmd_shift});
  }
  const ptediff_geometry& geo() const { return geo_; }

  // The classes the oracle finds when the op is an access of `kind` that R
  // completed by a walk and O returned `o` for.
  std::string access(AccessKind kind, AccessResult o) {
    p_.op.kind = OpKind::kAccess;
    p_.op.set(Field::kVa, kVa);
    p_.op.set(Field::kKind, static_cast<uint64_t>(kind));
    const Range one{kUserMm, kVa, 1};
    return judge({{RetType::kAccess, one, static_cast<uint64_t>(AccessResult::kOk)}},
                 {{RetType::kAccess, one, static_cast<uint64_t>(o)}}, {});
  }
  // The classes the oracle finds when a write, placed after (or before) the
  // op, was R's walk and O's TLB hit, through a translation stale or not
  // when it was made.
  std::string event_write(bool after, bool stale) {
    const EventAccess a{kUserMm, kVa,  AccessKind::kWrite, AccessResult::kOk, AccessResult::kOkTlb,
                        after,   stale};
    if (!after) oracle_.event_before_op(ref_, a);
    return judge({}, {}, {&a, 1});
  }

 private:
  std::string judge(const std::vector<Ret>& rr, const std::vector<Ret>& orr,
                    std::span<const EventAccess> events) {
    std::vector<Divergence> divs;
    oracle_.after_op({ref_, opt_, p_, 0, rr, orr, events}, &divs);
    std::string out;
    for (const Divergence& d : divs)
      out += std::string(out.empty() ? "" : " ") + div_class_name(d.cls);
    return out.empty() ? "none" : out;
  }

  const ptediff_geometry geo_ = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  FolioMap folios_{geo_};
  Machine ref_, opt_;
  Oracle oracle_;
  Prepared p_;
};

// A write R walked (setting dirty) that O served from its TLB owes no dirty
// bit only if O's translation granted more than O's table when the write was
// made (a flush a caller deferred); whether it still does after the op (whose
// own flush may have removed it) does not matter.
TEST(Checks, MidOpWriteThroughATranslationStaleWhenMadeOwesNoDirty) {
  const ptediff_geometry geo = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  const pte_t dirty = prot_to_pte(geo, 0x10010, kProtYoung | kProtDirty | kProtWrite);
  const pte_t clean = pte_mkclean(dirty);  // O's TLB cache empty after the op
  for (bool after : {false, true}) {
    EXPECT_EQ(HandBuiltOp(PTEDIFF_FEAT_HAFDBS, dirty, clean, 0).event_write(after, true), "none")
        << after;
    EXPECT_EQ(HandBuiltOp(PTEDIFF_FEAT_HAFDBS, dirty, clean, 0).event_write(after, false),
              "access-dirty")
        << after;
  }
}

// An access R walked (setting AF) that a stale cached translation of O
// refused owes no young when O's table, walked, permits it after the fault
// path (which would set AF itself): even an exec access refused by a stale
// non-exec entry (a zap's flush still pending when the address is mapped
// again). Without the stale refusal, or with a table that refuses too, the
// young bit is owed.
TEST(Checks, AccessRefusedByAStaleTranslationOwesNoYoungWhereTheTableAllowsIt) {
  const ptediff_geometry geo = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  const pte_t r = prot_to_pte(geo, 0x10010, kProtYoung | kProtRdonly | kProtExec);
  const pte_t o = pte_mkold(r);
  const pte_t stale = prot_to_pte(geo, 0x10011, kProtYoung | kProtRdonly);  // UXN, old pfn
  const AccessResult af = AccessResult::kAccessFlagFault, perm = AccessResult::kPermissionFault;
  EXPECT_EQ(HandBuiltOp(0, r, o, stale).access(AccessKind::kExec, perm), "none");
  EXPECT_EQ(HandBuiltOp(PTEDIFF_FEAT_HAFDBS, r, o, stale).access(AccessKind::kExec, perm), "none");
  // O's own walk faulted (no cached translation): young is owed.
  EXPECT_EQ(HandBuiltOp(0, r, o, 0).access(AccessKind::kExec, af), "access-dirty");
  // O's table forbids the access too (and so differs from R's).
  const std::string both = HandBuiltOp(0, r, o | PTE_UXN, stale).access(AccessKind::kExec, perm);
  EXPECT_NE(both.find("access-dirty"), std::string::npos) << both;
}

// An access a cached translation refused although its table now grants it
// (the same pages mapped again with exec while a zap's flush is owed: the
// translation grants less, so it is not stale by the grants-more rule) is a
// spurious fault, which the fault path resolves on the table, walked. An
// access O's own walk refused where the table grants it is a wrong result.
TEST(Checks, AccessRefusedByACachedTranslationIsJudgedOnTheTable) {
  const ptediff_geometry geo = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  const pte_t x = prot_to_pte(geo, 0x10010, kProtYoung | kProtRdonly | kProtExec);
  const pte_t nx = prot_to_pte(geo, 0x10010, kProtYoung | kProtRdonly);  // same page, UXN
  const AccessResult perm = AccessResult::kPermissionFault;
  EXPECT_EQ(HandBuiltOp(PTEDIFF_FEAT_HAFDBS, x, x, nx).access(AccessKind::kExec, perm), "none");
  EXPECT_EQ(HandBuiltOp(PTEDIFF_FEAT_HAFDBS, x, x, 0).access(AccessKind::kExec, perm),
            "return-value");
}

}  // namespace
}  // namespace ptediff
