// ptediff optimized backend tests: random operation sequences run on the
// optimized backend (every profile, granule, with and without BBML2) and on
// the reference backend side by side, checking after every op what must hold
// whatever the folding did: the same mappings and permissions, no lost dirty
// state, well-formed CONT blocks, break-before-make, no stray accesses.
// A small in-directory cousin of the harness's differential executor.
#include <random>
#include <string>
#include <vector>

#include "subjects/contpte/optimized.h"
#include "subjects/contpte/reference.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

struct Param {
  ptediff_granule granule;
  const char* profile;
  bool bbml2;
};

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  static const char* kGranule[] = {"4K", "16K", "64K"};
  return std::string(kGranule[info.param.granule]) + "_" + info.param.profile +
         (info.param.bbml2 ? "_bbml2" : "");
}

class RandomDiff : public ::testing::TestWithParam<Param> {
 protected:
  RandomDiff()
      : features_(PTEDIFF_FEAT_HAFDBS | (GetParam().bbml2 ? PTEDIFF_FEAT_BBML2 : 0)),
        o_(GetParam().granule, ptediff_optimized_backend(),
           (std::string("profile=") + GetParam().profile).c_str(), features_),
        rm_(o_.geo(), features_, &o_.folios()),
        ref_(ptediff_reference_backend()) {
    entries_ = static_cast<uint64_t>(o_.machine().window_limit() >> o_.geo().page_shift);
  }

  uint64_t va_of(uint64_t i) const { return i * o_.page(); }
  pte_t r_at(uint64_t i) const { return rm_.peek(kUserMm, va_of(i)); }
  pte_t o_at(uint64_t i) const { return o_.peek(va_of(i)); }
  uint64_t table_entries() const { return o_.geo().ptrs_per_pte; }

  // O's logical entry: gathered over the block when valid+CONT.
  pte_t o_logical(uint64_t i) const {
    pte_t p = o_at(i);
    if (!pte_valid_cont(p)) return p;
    const uint64_t first = i & ~static_cast<uint64_t>(o_.cont() - 1);
    for (uint64_t j = first; j < first + o_.cont(); ++j) p = gather(p, o_at(j));
    return p;
  }
  static pte_t gather(pte_t into, pte_t from) {
    if (pte_dirty(from)) into = pte_mkdirty(into);
    if (pte_young(from)) into = pte_mkyoung(into);
    return into;
  }

  void begin() {
    o_.machine().begin_op();
    rm_.begin_op();
  }

  // A random run of present (in R) entries in one table: [first, first+nr).
  bool pick_present_run(std::mt19937_64& rng, uint64_t* first, unsigned* nr) {
    for (int tries = 0; tries < 16; ++tries) {
      const uint64_t i = rng() % entries_;
      if (!pte_valid(r_at(i))) continue;
      uint64_t end = i + 1;
      const uint64_t table_end = (i / table_entries() + 1) * table_entries();
      const uint64_t max_len = 1 + rng() % (2 * o_.cont() + 2);
      while (end < table_end && end - i < max_len && pte_valid(r_at(end))) ++end;
      *first = i;
      *nr = static_cast<unsigned>(end - i);
      return true;
    }
    return false;
  }

  // Maps a fresh folio (order up to one block + 1) over none entries.
  void op_fault(std::mt19937_64& rng) {
    const unsigned max_order = __builtin_ctz(o_.cont()) + 1;
    const unsigned order = rng() % (max_order + 1);
    const uint64_t nr = 1ULL << order;
    const uint64_t i = (rng() % (entries_ / nr)) * nr;
    for (uint64_t j = i; j < i + nr; ++j) {
      if (!pte_none(r_at(j))) return;
    }
    const Placement where = rng() % 4 == 0 ? Placement::kHigh : Placement::kLow;
    // Sometimes map part of a bigger folio at a physical offset (as after
    // mremap): VA aligned, PA not.
    const bool offset = nr > 1 && rng() % 4 == 0;
    const ptediff_folio f = o_.folios().alloc(offset ? order + 1 : order, where);
    static constexpr pte_t kProts[] = {kRwOld, kRwClean, (kRwClean & ~PTE_WRITE) | PTE_RDONLY};
    const pte_t pte = pfn_pte(&o_.geo(), f.start_pfn + (offset ? 1 : 0), kProts[rng() % 3]);
    begin();
    o_.api().set_ptes(kUserMm, va_of(i), pte, static_cast<unsigned>(nr));
    ref_->set_ptes(rm_.abi(), rm_.mm(kUserMm), va_of(i), pte, static_cast<unsigned>(nr));
  }

  // mprotect-like: start/commit over a run with one new protection; the last
  // commit of a block may refold it.
  void op_mprotect(std::mt19937_64& rng) {
    uint64_t i;
    unsigned nr;
    if (!pick_present_run(rng, &i, &nr)) return;
    const bool make_ro = rng() % 2;
    for (uint64_t j = i; j < i + nr; ++j) {
      begin();
      const pte_t po = o_.api().ptep_modify_prot_start(kUserMm, va_of(j));
      const pte_t pr = ref_->ptep_modify_prot_start(rm_.abi(), rm_.mm(kUserMm), va_of(j));
      expect_returned(po, pr, "modify_prot_start");
      const auto change = [make_ro](pte_t p) {
        return make_ro ? pte_wrprotect(p) : pte_mkwrite(p);
      };
      o_.api().ptep_modify_prot_commit(kUserMm, va_of(j), po, change(po));
      ref_->ptep_modify_prot_commit(rm_.abi(), rm_.mm(kUserMm), va_of(j), pr, change(pr));
      check_bbm("mprotect");
    }
  }

  void op_batch(std::mt19937_64& rng) {
    uint64_t i;
    unsigned nr;
    if (!pick_present_run(rng, &i, &nr)) return;
    const uint64_t va = va_of(i);
    begin();
    switch (rng() % 4) {
      case 0:
        o_.api().wrprotect_ptes(kUserMm, va, nr);
        ref_->wrprotect_ptes(rm_.abi(), rm_.mm(kUserMm), va, nr);
        break;
      case 1:
        o_.api().clear_full_ptes(kUserMm, va, nr, 0);
        ref_->clear_full_ptes(rm_.abi(), rm_.mm(kUserMm), va, nr, 0);
        break;
      case 2:
        expect_returned(o_.api().get_and_clear_full_ptes(kUserMm, va, nr, 1),
                        ref_->get_and_clear_full_ptes(rm_.abi(), rm_.mm(kUserMm), va, nr, 1),
                        "get_and_clear_full_ptes");
        break;
      case 3: {
        // MADV_FREE acts on whole folios; whole aligned blocks keep the
        // reference's cleaning equal to contpte's block-wide cleaning.
        const uint64_t first = i & ~static_cast<uint64_t>(o_.cont() - 1);
        for (uint64_t j = first; j < first + o_.cont(); ++j) {
          if (!pte_valid(r_at(j))) return;
        }
        const unsigned flags = 1 + rng() % 3;
        o_.api().clear_young_dirty_ptes(kUserMm, va_of(first), o_.cont(), flags);
        ref_->clear_young_dirty_ptes(rm_.abi(), rm_.mm(kUserMm), va_of(first), o_.cont(), flags);
        break;
      }
    }
  }

  void op_single(std::mt19937_64& rng) {
    const uint64_t i = rng() % entries_;
    if (!pte_valid(r_at(i))) return;
    const uint64_t va = va_of(i);
    begin();
    switch (rng() % 6) {
      case 0:
        expect_returned(o_.api().ptep_clear_flush(kUserMm, va),
                        ref_->ptep_clear_flush(rm_.abi(), rm_.mm(kUserMm), va), "clear_flush");
        break;
      case 1:
        o_.api().ptep_set_wrprotect(kUserMm, va);
        ref_->ptep_set_wrprotect(rm_.abi(), rm_.mm(kUserMm), va);
        break;
      case 2:
        o_.api().ptep_clear_flush_young(kUserMm, va);
        ref_->ptep_clear_flush_young(rm_.abi(), rm_.mm(kUserMm), va);
        break;
      case 3: {
        // The fault path: each side computes its entry from its own ptep_get.
        const bool write = pte_write(r_at(i));
        const auto entry = [write](pte_t p) {
          p = pte_mkyoung(p);
          return write ? pte_mkdirty(p) : p;
        };
        const pte_t eo = entry(o_.api().ptep_get(kUserMm, va));
        const pte_t er = entry(ref_->ptep_get(rm_.abi(), rm_.mm(kUserMm), va));
        begin();
        o_.api().ptep_set_access_flags(kUserMm, va, eo, write);
        ref_->ptep_set_access_flags(rm_.abi(), rm_.mm(kUserMm), va, er, write);
        break;
      }
      case 4:
        expect_returned(o_.api().ptep_get_lockless(kUserMm, va),
                        ref_->ptep_get_lockless(rm_.abi(), rm_.mm(kUserMm), va), "lockless");
        break;
      case 5: {
        const pte_t p = o_.api().ptep_get(kUserMm, va);
        expect_returned(p, ref_->ptep_get(rm_.abi(), rm_.mm(kUserMm), va), "ptep_get");
        // pte_batch_hint soundness: the promised entries are one block's,
        // consecutive, one prot modulo access/dirty.
        const unsigned n = o_.api().pte_batch_hint(kUserMm, va, p);
        ASSERT_GE(n, 1u);
        ASSERT_LE(i % o_.cont() + n, o_.cont());
        for (unsigned k = 1; k < n; ++k) {
          const pte_t q = o_at(i + k);
          EXPECT_EQ(pte_mknoncont(pte_mkold_clean(q)),
                    pfn_pte(&o_.geo(), pte_pfn(&o_.geo(), p) + k,
                            pte_pgprot(&o_.geo(), pte_mknoncont(pte_mkold_clean(p)))));
        }
        break;
      }
    }
  }

  void op_access(std::mt19937_64& rng) {
    const uint64_t i = rng() % entries_;
    const AccessKind kind = rng() % 2 ? AccessKind::kWrite : AccessKind::kRead;
    const uint32_t pick = static_cast<uint32_t>(rng());
    begin();
    o_.machine().access(kUserMm, va_of(i), kind, pick);
    rm_.access(kUserMm, va_of(i), kind, pick);
  }

  void expect_returned(pte_t o, pte_t r, const char* what) {
    EXPECT_EQ(pte_mknoncont(pte_mkold_clean(o)), pte_mkold_clean(r)) << what;
    if (pte_dirty(r)) EXPECT_TRUE(pte_dirty(o)) << what << ": lost dirty";
  }

  // Everything that must hold after every op.
  void check_all(const char* op) {
    ASSERT_TRUE(o_.machine().violations().empty()) << op << ": " << o_.machine().violations()[0];
    ASSERT_TRUE(rm_.violations().empty()) << op;
    for (uint64_t i = 0; i < entries_; ++i) {
      const pte_t o = o_at(i), r = r_at(i);
      ASSERT_EQ(pte_mknoncont(pte_mkold_clean(o)), pte_mkold_clean(r)) << op << " entry " << i;
      if (pte_dirty(r)) ASSERT_TRUE(pte_dirty(o_logical(i))) << op << " lost dirty at " << i;
    }
    check_cont_well_formed(op);
    check_bbm(op);
  }

  void check_cont_well_formed(const char* op) {
    for (uint64_t b = 0; b < entries_; b += o_.cont()) {
      bool any = false;
      for (uint64_t j = b; j < b + o_.cont(); ++j) any |= pte_valid_cont(o_at(j));
      if (!any) continue;
      const pte_t p0 = o_at(b);
      ASSERT_TRUE(pte_valid_cont(p0)) << op << " block at entry " << b;
      const uint64_t pfn0 = pte_pfn(&o_.geo(), p0);
      ASSERT_EQ(pfn0 % o_.cont(), 0u) << op;
      ptediff_folio f;
      ASSERT_TRUE(o_.folios().lookup(pfn0, &f)) << op;
      ASSERT_GE(f.start_pfn + f.nr_pages, pfn0 + o_.cont()) << op << " block spans folios";
      for (uint64_t j = b; j < b + o_.cont(); ++j) {
        ASSERT_EQ(pte_mkold_clean(o_at(j)),
                  pfn_pte(&o_.geo(), pfn0 + (j - b), pte_pgprot(&o_.geo(), pte_mkold_clean(p0))))
            << op << " malformed block at entry " << j;
      }
    }
  }

  // A valid entry may only become another valid entry of a different output
  // address or size (CONT) after an invalid entry and a synced flush; BBML2
  // allows size-only changes.
  void check_bbm(const char* op) {
    for (const LogRec& rec : o_.machine().log()) {
      if (rec.prim != Prim::kWrite && rec.prim != Prim::kXchg && rec.prim != Prim::kCmpxchg) {
        continue;
      }
      if (!pte_valid(rec.old) || !pte_valid(rec.val)) continue;
      const bool oa = pte_pfn(&o_.geo(), rec.old) != pte_pfn(&o_.geo(), rec.val);
      const bool size = pte_cont(rec.old) != pte_cont(rec.val);
      EXPECT_FALSE(oa) << op << ": valid->valid OA change at " << std::hex << rec.addr;
      if (!GetParam().bbml2) EXPECT_FALSE(size) << op << ": CONT toggled live at " << rec.addr;
    }
  }

  uint32_t features_;
  BackendFixture o_;
  Machine rm_;
  const ptediff_backend* ref_;
  uint64_t entries_ = 0;
};

TEST_P(RandomDiff, AgreesWithTheReference) {
  ASSERT_EQ(o_.init_rc(), 0);
  uint64_t folds = 0;
  // The big granules have 16x / 64x more entries to check per step.
  const uint64_t seeds = GetParam().granule == PTEDIFF_GRANULE_4K ? 40 : 10;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    std::mt19937_64 rng(seed * 7919 + GetParam().granule);
    for (int step = 0; step < 120; ++step) {
      const unsigned what = rng() % 10;
      if (what < 3) {
        op_fault(rng);
      } else if (what < 4) {
        op_mprotect(rng);
      } else if (what < 6) {
        op_batch(rng);
      } else if (what < 8) {
        op_single(rng);
      } else {
        op_access(rng);
      }
      check_all("step");
      if (HasFatalFailure() || HasFailure()) {
        FAIL() << "seed " << seed << " step " << step;
      }
      for (uint64_t b = 0; b < entries_; b += o_.cont()) folds += pte_cont(o_at(b)) ? 1 : 0;
    }
    // Next program: empty tables (folios are never freed; the arena is large).
    for (uint64_t i = 0; i < entries_; ++i) {
      o_.machine().poke(kUserMm, va_of(i), 0);
      rm_.poke(kUserMm, va_of(i), 0);
    }
  }
  EXPECT_GT(folds, 0u) << "the programs never produced a CONT block";
}

INSTANTIATE_TEST_SUITE_P(Configs, RandomDiff,
                         ::testing::Values(Param{PTEDIFF_GRANULE_4K, "fold", false},
                                           Param{PTEDIFF_GRANULE_4K, "fold", true},
                                           Param{PTEDIFF_GRANULE_4K, "batch", false},
                                           Param{PTEDIFF_GRANULE_4K, "basic", false},
                                           Param{PTEDIFF_GRANULE_16K, "fold", false},
                                           Param{PTEDIFF_GRANULE_16K, "basic", true},
                                           Param{PTEDIFF_GRANULE_64K, "fold", false},
                                           Param{PTEDIFF_GRANULE_64K, "batch", true}),
                         param_name);

}  // namespace
}  // namespace ptediff
