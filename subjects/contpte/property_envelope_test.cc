// ptediff conformance: algebraic properties of the pte helpers not covered by
// mmu/pte_test.cc, and of the envelope itself: it accepts the reference
// against itself on random programs, and it is monotone in its documented
// relaxations (spread young/dirty inside a foldable region is accepted, a
// lost dirty bit never is), checked on hand-built machine pairs.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <vector>

#include "subjects/contpte/property_test_util.h"
#include "subjects/contpte/checks.h"
#include "subjects/contpte/envelope.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/text.h"
#include "mmu/folio.h"
#include "subjects/contpte/reference.h"
#include "subjects/contpte/backends.h"

namespace ptediff {
namespace {

rc::Gen<ptediff_granule> gen_granule() {
  return rc::gen::element(PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K);
}

// ---- pte.h algebra ---------------------------------------------------------

RC_GTEST_PROP(PteAlgebra, NormalisingHelpersAreIdempotent, (pte_t raw)) {
  RC_ASSERT(pte_mkold_clean(pte_mkold_clean(raw)) == pte_mkold_clean(raw));
  RC_ASSERT(pte_mkclean(pte_mkclean(raw)) == pte_mkclean(raw));
  RC_ASSERT(pte_wrprotect(pte_wrprotect(raw)) == pte_wrprotect(raw));
  RC_ASSERT(pte_mkwrite(pte_mkwrite(raw)) == pte_mkwrite(raw));
  RC_ASSERT(pte_mkdirty(pte_mkdirty(raw)) == pte_mkdirty(raw));
  // The compared state forgets access/dirty whatever order they were set in.
  RC_ASSERT(pte_mkold_clean(pte_mkyoung(pte_mkdirty(raw))) == pte_mkold_clean(raw));
}

RC_GTEST_PROP(PteAlgebra, WriteProtectionNeverLeavesHardwareWrite, (pte_t raw)) {
  const pte_t p = pte_wrprotect(raw);
  RC_ASSERT(!pte_write(p));
  RC_ASSERT(pte_rdonly(p));
  RC_ASSERT(!pte_hw_dirty(p));
  RC_ASSERT(pte_hw_dirty(pte_mkwrite(pte_mkdirty(raw))));
  // A clean writable entry is what hardware DBM dirties by clearing RDONLY.
  RC_ASSERT(!pte_dirty(pte_mkclean(pte_mkwrite(pte_mkclean(raw)))));
}

RC_GTEST_PROP(PteAlgebra, ProtFlagsRoundTripThroughAnEntry, ()) {
  const ptediff_geometry g = ptediff_geometry_of(*gen_granule());
  const uint64_t pfn = *rc::gen::inRange<uint64_t>(0, ptediff_max_pfn(&g) + 1);
  const uint64_t prot = *rc::gen::inRange<uint64_t>(0, kProtAll + 1);
  const pte_t e = prot_to_pte(g, pfn, prot);
  // A special entry maps a pfn without a memmap.
  const bool special = (prot & kProtSpecial) != 0;
  RC_ASSERT(pte_pfn(&g, e) == (special ? pfnmap_pfn(g, pfn) : pfn));
  RC_ASSERT(!special || is_pfnmap_pfn(g, pte_pfn(&g, e)));
  // A possible prot names an entry pte_mkdirty can make: never writable,
  // software-dirty and read-only at once.
  RC_ASSERT(prot_possible(prot, nullptr) == !(pte_write(e) && pte_sw_dirty(e) && pte_rdonly(e)));
  RC_ASSERT(pfn_pte(&g, pte_pfn(&g, e), pte_pgprot(&g, e)) == e);
  // The protection does not depend on the pfn (what fold and batching rely on).
  RC_ASSERT(pte_pgprot(&g, e) == pte_pgprot(&g, prot_to_pte(g, pfn ^ 1, prot)));
  RC_ASSERT(pte_valid(e) && !pte_cont(e));
  RC_ASSERT(pte_young(e) == ((prot & kProtYoung) != 0));
  RC_ASSERT(pte_write(e) == ((prot & kProtWrite) != 0));
  RC_ASSERT(pte_sw_dirty(e) == ((prot & kProtDirty) != 0));
  RC_ASSERT(pte_special(e) == ((prot & kProtSpecial) != 0));
}

RC_GTEST_PROP(ChangeNeedsFlush, AccessAndDirtyOnlyChangesNeverDo, (pte_t raw)) {
  const ptediff_geometry g = ptediff_geometry_of(*gen_granule());
  const pte_t v = raw | PTE_VALID;
  RC_ASSERT(!change_needs_flush(g, v, v));
  RC_ASSERT(!change_needs_flush(g, v, pte_mkold(v)));
  RC_ASSERT(!change_needs_flush(g, v, pte_mkyoung(v)));
  RC_ASSERT(!change_needs_flush(g, v, pte_mkdirty(v)));
  RC_ASSERT(!change_needs_flush(g, v & ~PTE_VALID, v));  // from invalid: nothing cached
  RC_ASSERT(change_needs_flush(g, v, 0));
  RC_ASSERT(change_needs_flush(g, v, pfn_pte(&g, pte_pfn(&g, v) ^ 1, pte_pgprot(&g, v))));
  // Losing hardware write (dirty) state needs one; gaining it does not.
  if (pte_hw_dirty(v)) RC_ASSERT(change_needs_flush(g, v, pte_wrprotect(v)));
}

// ---- the envelope accepts R against itself -----------------------------------

// The reference as O. Its init rejects the optimized backend's options
// (profile=, mutant=) that the executor hands to O, so it gets none.
const ptediff_backend* reference_as_opt() {
  static const ptediff_backend be = [] {
    ptediff_backend b = *ptediff_reference_backend();
    b.name = "reference-as-O";
    b.init = nullptr;
    b.fini = nullptr;
    return b;
  }();
  return &be;
}

RC_GTEST_PROP(EnvelopeSelf, AcceptsTheReferenceAgainstItself, ()) {
  Program p;
  p.header.granule = *gen_granule();
  p.header.hafdbs = *rc::gen::arbitrary<bool>();
  p.header.bbml2 = *rc::gen::arbitrary<bool>();
  p.ops = *rc::gen::resize(40, rc::gen::container<std::vector<Op>>(gen_op(p.header.granule)));
  RunOptions opts;
  opts.opt = reference_as_opt();
  Executor ex(with_builtin_backends(opts));
  const RunResult r = ex.run(p);
  RC_ASSERT(r.error.empty());
  RC_CLASSIFY(r.effective.ops.size() >= 10, "10+ ops executed");
  if (r.diverged()) {
    RC_FAIL(std::string(div_class_name(r.divergences.front().cls)) + ": " +
            r.divergences.front().what + "\n" + format_repro(r.effective));
  }
}

// ---- monotonicity, on hand-built machine pairs -------------------------------

// One foldable 4K block at kVa (one order-4 folio) on R and O, and the
// envelope after one update from R's state.
class EnvelopePair {
 public:
  static constexpr uint64_t kVa = 0x10000;

  EnvelopePair()
      : geo_(ptediff_geometry_of(PTEDIFF_GRANULE_4K)),
        folios_(geo_),
        ref_(geo_, PTEDIFF_FEAT_HAFDBS, &folios_),
        opt_(geo_, PTEDIFF_FEAT_HAFDBS, &folios_),
        env_(geo_, ref_.window_limit() >> geo_.page_shift),
        folio_(folios_.alloc(4, Placement::kLow)) {}

  uint64_t va(uint32_t i) const { return kVa + (static_cast<uint64_t>(i) << geo_.page_shift); }
  // A writable-clean entry of the folio with the requested state.
  pte_t entry(uint32_t i, bool young, bool dirty, bool cont = false) const {
    pte_t e = prot_to_pte(geo_, folio_.start_pfn + i, kProtWrite | kProtRdonly);
    if (young) e = pte_mkyoung(e);
    if (dirty) e = pte_mkdirty(e);
    return cont ? pte_mkcont(e) : e;
  }
  void set(bool opt_side, uint32_t i, pte_t e) { (opt_side ? opt_ : ref_).poke(0, va(i), e); }

  // Updates the envelope from R (with `hints`) and returns the state checks' classes.
  std::vector<DivClass> check(const EnvelopeHints& hints = {}) {
    const std::vector<BlockRef> blocks = {{0, kVa >> (geo_.page_shift + 4)}};
    env_.update(ref_, hints, blocks);
    Prepared p;
    p.range = {0, kVa, 16};
    std::vector<Divergence> divs;
    check_state(CheckContext{ref_, opt_, env_, p, 0}, blocks, &divs);
    std::vector<DivClass> out;
    for (const Divergence& d : divs) out.push_back(d.cls);
    return out;
  }

 private:
  ptediff_geometry geo_;
  FolioMap folios_;
  Machine ref_, opt_;
  Envelope env_;
  ptediff_folio folio_;
};

using Classes = std::vector<DivClass>;

RC_GTEST_PROP(EnvelopeMonotone, SpreadInsideAFoldableBlockIsAccepted, ()) {
  EnvelopePair m;
  const auto ry = *rc::gen::container<std::vector<bool>>(16, rc::gen::arbitrary<bool>());
  const auto rd = *rc::gen::container<std::vector<bool>>(16, rc::gen::arbitrary<bool>());
  bool any_y = false, any_d = false;
  for (uint32_t i = 0; i < 16; ++i) {
    any_y |= ry[i];
    any_d |= rd[i];
  }
  const bool folded = *rc::gen::arbitrary<bool>();
  for (uint32_t i = 0; i < 16; ++i) {
    m.set(false, i, m.entry(i, ry[i], rd[i]));
    // O: at least R's bits, at most the union over the block.
    const bool oy = ry[i] || (any_y && *rc::gen::arbitrary<bool>());
    const bool od = rd[i] || (any_d && *rc::gen::arbitrary<bool>());
    m.set(true, i, m.entry(i, oy, od, folded));
  }
  RC_ASSERT(m.check() == Classes{});
}

RC_GTEST_PROP(EnvelopeMonotone, ALostDirtyBitIsRejected, ()) {
  EnvelopePair m;
  const uint32_t lost = *rc::gen::inRange<uint32_t>(0, 16);
  const bool young = *rc::gen::arbitrary<bool>();
  for (uint32_t i = 0; i < 16; ++i) {
    m.set(false, i, m.entry(i, young, i == lost));
    m.set(true, i, m.entry(i, young, false));
  }
  // Even after a young-clearing call forgave the block's young state.
  EnvelopeHints hints;
  if (*rc::gen::arbitrary<bool>()) hints.young_cleared.push_back({0, EnvelopePair::kVa, 1});
  RC_ASSERT(m.check(hints) == Classes{DivClass::kAccessDirty});
}

TEST(EnvelopeMonotone, GatheredDirtyOnASiblingCountsForAFoldedBlock) {
  EnvelopePair m;
  for (uint32_t i = 0; i < 16; ++i) {
    m.set(false, i, m.entry(i, true, i == 3));
    m.set(true, i, m.entry(i, true, i == 9, /*cont=*/true));
  }
  EXPECT_EQ(m.check(), Classes{});
}

TEST(EnvelopeMonotone, TheSameMoveOnAnUnfoldedBlockLosesDirty) {
  EnvelopePair m;
  for (uint32_t i = 0; i < 16; ++i) {
    m.set(false, i, m.entry(i, true, i == 3));
    m.set(true, i, m.entry(i, true, i == 9));
  }
  EXPECT_EQ(m.check(), Classes{DivClass::kAccessDirty});
}

TEST(EnvelopeMonotone, InventedYoungOutsideAFoldableRegionIsRejected) {
  EnvelopePair m;
  // Entry 15 missing in R: the block is not foldable, nothing may spread.
  for (uint32_t i = 0; i < 15; ++i) {
    m.set(false, i, m.entry(i, i == 2, false));
    m.set(true, i, m.entry(i, i == 2 || i == 7, false));
  }
  EXPECT_EQ(m.check(), Classes{DivClass::kAccessDirty});
}

TEST(EnvelopeMonotone, YoungClearedBlockWideIsForgivenOnlyAfterAYoungClearingCall) {
  for (const bool hinted : {false, true}) {
    EnvelopePair m;
    for (uint32_t i = 0; i < 16; ++i) {
      m.set(false, i, m.entry(i, i != 5, false));
      m.set(true, i, m.entry(i, false, false));
    }
    EnvelopeHints hints;
    if (hinted) hints.young_cleared.push_back({0, m.va(5), 1});
    EXPECT_EQ(m.check(hints), hinted ? Classes{} : Classes{DivClass::kAccessDirty}) << hinted;
  }
}

TEST(EnvelopeMonotone, CleanedRegionMayNotKeepSpreadDirty) {
  EnvelopePair m;
  for (uint32_t i = 0; i < 16; ++i) {
    m.set(false, i, m.entry(i, true, i == 4));
    m.set(true, i, m.entry(i, true, i == 4 || i == 8));
  }
  ASSERT_EQ(m.check(), Classes{});  // spread from entry 4: accepted
  for (uint32_t i = 0; i < 16; ++i) m.set(false, i, m.entry(i, true, false));
  EnvelopeHints clean;
  clean.clean_dirty.push_back({0, EnvelopePair::kVa, 16});
  m.set(true, 4, m.entry(4, true, false));
  // folio_mkclean cleaned the folio in R; O still has the spread bit on 8.
  EXPECT_EQ(m.check(clean), Classes{DivClass::kAccessDirty});
}

}  // namespace
}  // namespace ptediff
