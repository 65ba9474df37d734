// ptediff optimized backend tests: every mutant in the catalogue corrupts a
// state, a return value or a flush that mutant=none gets right on the same
// input. The interleaving-only mutants (interleaving_only_mutant()) cannot:
// interleave_mutant_test.cc shows how they change the primitive log instead.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "subjects/contpte/optimized.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

// What a scenario observes after its operations.
struct Obs {
  std::vector<pte_t> entries;
  std::vector<uint64_t> rets;
  std::vector<Flush> flushes;  // of the last op
  size_t violations = 0;       // of the last op
  bool operator==(const Obs&) const = default;
};

struct Scenario {
  ptediff_granule granule = PTEDIFF_GRANULE_4K;
  std::function<void(BackendFixture&, Obs&)> run;
  // Checks what mutant=none and the mutant observed (r = the mutant's fixture).
  std::function<void(const Obs& good, const Obs& bad, const BackendFixture& r)> check;
};

// Ends a scenario: records the last op's flushes (every one last-level, at
// level 3) and violations.
void finish(BackendFixture& r, Obs& o) {
  o.flushes = r.flushes();
  for (const Flush& f : o.flushes) {
    EXPECT_TRUE(f.last_level);
    EXPECT_EQ(f.level, 3);
  }
  o.violations = r.machine().violations().size();
}

void poke_young_dirty_entry(BackendFixture& r, uint32_t mm, uint64_t va0, uint64_t pfn0, unsigned i,
                            pte_t prot) {
  r.machine().poke(mm, va0 + i * r.page(), hw_dirty(r.entry(pfn0 + i, prot | PTE_AF | PTE_CONT)));
}

// Writes entries 0..n-2 of block 1 with set_ptes(nr = 1), `tweak` choosing
// each value, then the last entry (which attempts the fold).
void write_block_one_by_one(BackendFixture& r, uint32_t mm, uint64_t pfn0,
                            const std::function<pte_t(unsigned, pte_t)>& tweak) {
  for (unsigned i = 0; i + 1 < r.cont(); ++i)
    r.api().set_ptes(mm, r.block_va(1, i), tweak(i, r.entry(pfn0 + i)), 1);
  r.machine().begin_op();
  r.api().set_ptes(mm, r.block_va(1, r.cont() - 1), r.entry(pfn0 + (r.cont() - 1)), 1);
}

std::map<std::string, Scenario> scenarios() {
  std::map<std::string, Scenario> s;

  s["access-flags-no-tlbi"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            r.poke_block(r.block_va(1), 0x40000, kRwOld);
            r.machine().begin_op();
            o.rets.push_back(r.api().ptep_set_access_flags(
                kUserMm, r.block_va(1, 2), pte_mkdirty(r.entry(0x40000 + 2, kRwClean)), 1));
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_EQ(good.flushes, std::vector<Flush>{r.block_flush(r.block_va(1), true)});
            EXPECT_TRUE(bad.flushes.empty());
            EXPECT_EQ(good.entries, bad.entries);
          }};

  s["access-flags-gathered-noop"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            r.poke_block(r.block_va(1), 0x40000, kRwOld);
            poke_young_dirty_entry(r, kUserMm, r.block_va(1), 0x40000, 0, kRwOld);
            const pte_t entry = pte_mknoncont(r.api().ptep_get(kUserMm, r.block_va(1, 2)));
            r.machine().begin_op();
            o.rets.push_back(r.api().ptep_set_access_flags(kUserMm, r.block_va(1, 2), entry, 1));
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_EQ(good.rets, std::vector<uint64_t>{1});
            EXPECT_EQ(bad.rets, std::vector<uint64_t>{0});
            EXPECT_FALSE(pte_hw_dirty(bad.entries[3]));  // the fault's page stays read-only
            EXPECT_TRUE(pte_hw_dirty(good.entries[3]));
            EXPECT_TRUE(bad.flushes.empty());
          }};

  s["clear-young-dirty-bytes"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            r.poke_block(r.block_va(1), 0x40000, hw_dirty(kRwClean));
            r.machine().poke(kUserMm, r.block_va(3), hw_dirty(r.entry(0x50000, kRwClean)));
            r.machine().begin_op();
            r.api().clear_young_dirty_ptes(kUserMm, r.block_va(1, 1), 2, CYDP_CLEAR_DIRTY);
            o.entries = r.block_entries(r.block_va(1));
            o.entries.push_back(r.peek(r.block_va(3)));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_EQ(good.violations, 0u);
            EXPECT_GT(bad.violations, 0u);                // walked out of the window
            EXPECT_TRUE(pte_dirty(good.entries.back()));  // beyond the block: untouched
            EXPECT_FALSE(pte_dirty(bad.entries.back()));  // ... cleaned: lost data
            for (unsigned i = 0; i < r.cont(); ++i) EXPECT_FALSE(pte_dirty(good.entries[i])) << i;
          }};

  s["unfold-drops-dirty"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            r.poke_block(r.block_va(1), 0x40000, kRwClean);
            poke_young_dirty_entry(r, kUserMm, r.block_va(1), 0x40000, 5, kRwOld);
            r.machine().begin_op();
            o.rets.push_back(r.api().ptep_get_and_clear(kUserMm, r.block_va(1, 0)));
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            for (unsigned i = 1; i < r.cont(); ++i) {
              EXPECT_TRUE(pte_dirty(good.entries[i])) << i;
              EXPECT_FALSE(pte_dirty(bad.entries[i])) << i;  // even entry 5 lost its dirt
            }
            EXPECT_FALSE(pte_dirty(bad.rets[0]));
          }};

  s["unfold-drops-young"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            r.poke_block(r.block_va(1), 0x40000, kRwOld);
            r.machine().poke(kUserMm, r.block_va(1, 5), r.entry(0x40000 + 5, kRwClean | PTE_CONT));
            r.machine().begin_op();
            o.rets.push_back(r.api().ptep_get_and_clear(kUserMm, r.block_va(1, 0)));
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            for (unsigned i = 1; i < r.cont(); ++i) {
              EXPECT_TRUE(pte_young(good.entries[i])) << i;
              EXPECT_FALSE(pte_young(bad.entries[i])) << i;
            }
          }};

  s["fold-ignores-pfn"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            const uint64_t pfn0 = r.block_folio().start_pfn;
            write_block_one_by_one(r, kUserMm, pfn0, [&r](unsigned i, pte_t e) {
              return i == 3 ? r.entry(0x70000) : e;
            });
            o.entries = r.block_entries(r.block_va(1));
            o.rets.push_back(pfn0);
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_FALSE(pte_cont(good.entries[3]));
            EXPECT_EQ(pte_pfn(&r.geo(), good.entries[3]), 0x70000u);
            EXPECT_TRUE(pte_cont(bad.entries[3]));
            EXPECT_EQ(pte_pfn(&r.geo(), bad.entries[3]), bad.rets[0] + 3);  // silently remapped
          }};

  s["fold-ignores-prot"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            const uint64_t pfn0 = r.block_folio().start_pfn;
            write_block_one_by_one(r, kUserMm, pfn0, [](unsigned i, pte_t e) {
              return i == 3 ? pte_wrprotect(e) : e;
            });
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_FALSE(pte_write(good.entries[3]));
            EXPECT_TRUE(pte_write(bad.entries[3]));  // a read-only page became writable
            EXPECT_TRUE(pte_cont(bad.entries[0]));
          }};

  s["fold-across-folios"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            const unsigned half = __builtin_ctz(r.cont()) - 1;
            const uint64_t pfn0 = r.folios().alloc(half, Placement::kLow).start_pfn;
            r.folios().alloc(half, Placement::kLow);
            write_block_one_by_one(r, kUserMm, pfn0, [](unsigned, pte_t e) { return e; });
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_FALSE(pte_cont(good.entries[0]));
            EXPECT_TRUE(pte_cont(bad.entries[0]));
            EXPECT_EQ(good.flushes.size(), 0u);
          }};

  s["fold-kernel-mm"] = {.run =
                             [](BackendFixture& r, Obs& o) {
                               const uint64_t pfn0 = r.block_folio().start_pfn;
                               write_block_one_by_one(r, kKernelMm, pfn0,
                                                      [](unsigned, pte_t e) { return e; });
                               o.entries = r.block_entries(r.block_va(1), kKernelMm);
                               finish(r, o);
                             },
                         .check =
                             [](const Obs& good, const Obs& bad, const BackendFixture& r) {
                               EXPECT_FALSE(pte_cont(good.entries[0]));
                               EXPECT_TRUE(pte_cont(bad.entries[0]));
                             }};

  s["set-ptes-va-only-align"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            const ptediff_folio f = r.folios().alloc(__builtin_ctz(r.cont()) + 1, Placement::kLow);
            r.machine().begin_op();
            r.api().set_ptes(kUserMm, r.block_va(1), r.entry(f.start_pfn + 1), r.cont());
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            for (unsigned i = 0; i < r.cont(); ++i) {
              EXPECT_FALSE(pte_cont(good.entries[i])) << i;
              EXPECT_TRUE(pte_cont(bad.entries[i])) << i;  // CONT over a misaligned PA
            }
          }};

  s["get-no-gather"] = {.run =
                            [](BackendFixture& r, Obs& o) {
                              r.poke_block(r.block_va(1), 0x40000, kRwOld);
                              poke_young_dirty_entry(r, kUserMm, r.block_va(1), 0x40000, 4, kRwOld);
                              r.machine().begin_op();
                              o.rets.push_back(r.api().ptep_get(kUserMm, r.block_va(1, 0)));
                              finish(r, o);
                            },
                        .check =
                            [](const Obs& good, const Obs& bad, const BackendFixture& r) {
                              EXPECT_TRUE(pte_young(good.rets[0]) && pte_dirty(good.rets[0]));
                              EXPECT_FALSE(pte_young(bad.rets[0]) || pte_dirty(bad.rets[0]));
                            }};

  s["convert-no-flush"] = {.run =
                               [](BackendFixture& r, Obs& o) {
                                 r.poke_block(r.block_va(1), 0x40000);
                                 r.machine().begin_op();
                                 r.api().pte_clear(kUserMm, r.block_va(1, 3));
                                 o.entries = r.block_entries(r.block_va(1));
                                 finish(r, o);
                               },
                           .check =
                               [](const Obs& good, const Obs& bad, const BackendFixture& r) {
                                 EXPECT_EQ(good.flushes,
                                           std::vector<Flush>{r.block_flush(r.block_va(1), true)});
                                 EXPECT_TRUE(bad.flushes.empty());  // break without the TLBI
                                 EXPECT_EQ(good.entries, bad.entries);
                               }};

  s["clear-flush-young-one-page"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            r.poke_block(r.block_va(1), 0x40000, kRwOld);
            r.machine().poke(kUserMm, r.block_va(1, 3), r.entry(0x40000 + 3, kRwClean | PTE_CONT));
            r.machine().begin_op();
            o.rets.push_back(r.api().ptep_clear_flush_young(kUserMm, r.block_va(1, 5)));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_EQ(good.flushes, std::vector<Flush>{r.block_flush(r.block_va(1), false)});
            EXPECT_EQ(bad.flushes, std::vector<Flush>{r.page_flush(r.block_va(1, 5), false)});
          }};

  s["wrprotect-no-partial-unfold"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            r.poke_block(r.block_va(1), 0x40000);
            r.machine().begin_op();
            r.api().wrprotect_ptes(kUserMm, r.block_va(1), 2);
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_FALSE(pte_cont(good.entries[0]));
            // CONT over mixed permissions: entries 0-1 read-only, 2.. writable.
            EXPECT_TRUE(pte_cont(bad.entries[0]) && pte_cont(bad.entries[2]));
            EXPECT_FALSE(pte_write(bad.entries[1]));
            EXPECT_TRUE(pte_write(bad.entries[2]));
          }};

  s["clear-full-no-partial-unfold"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            r.poke_block(r.block_va(1), 0x40000);
            r.poke_block(r.block_va(2), 0x40000 + r.cont());
            r.api().clear_full_ptes(kUserMm, r.block_va(1), 2, 1);
            r.machine().begin_op();
            o.rets.push_back(r.api().get_and_clear_full_ptes(kUserMm, r.block_va(2, 1), 2, 1));
            o.entries = r.block_entries(r.block_va(1));
            const std::vector<pte_t> b2 = r.block_entries(r.block_va(2));
            o.entries.insert(o.entries.end(), b2.begin(), b2.end());
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_FALSE(pte_cont(good.entries[2]));
            EXPECT_FALSE(pte_cont(good.entries[r.cont()]));
            EXPECT_TRUE(pte_cont(bad.entries[2]));  // CONT next to a hole
            EXPECT_TRUE(pte_cont(bad.entries[r.cont()]));
            EXPECT_EQ(bad.entries[r.cont() + 1], 0u);
          }};

  s["batch-hint-off-by-one"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            o.rets.push_back(
                r.api().pte_batch_hint(kUserMm, r.block_va(1, 3), r.entry(0x40000 + 3) | PTE_CONT));
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_EQ(good.rets[0], r.cont() - 3);
            EXPECT_EQ(bad.rets[0], r.cont() - 2);  // one past the block
          }};

  s["pa52-advance"] = {
      .granule = PTEDIFF_GRANULE_64K,
      .run =
          [](BackendFixture& r, Obs& o) {
            const ptediff_folio f = r.block_folio(Placement::kHigh);
            r.api().set_ptes(kUserMm, r.block_va(1), r.entry(f.start_pfn), r.cont());
            o.rets.push_back(f.start_pfn);
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            ASSERT_GE(good.rets[0] << r.geo().page_shift, 1ULL << 48);
            for (unsigned i = 0; i < r.cont(); ++i) {
              EXPECT_EQ(pte_pfn(&r.geo(), good.entries[i]), good.rets[0] + i) << i;
              EXPECT_LT(pte_pfn(&r.geo(), bad.entries[i]) << r.geo().page_shift, 1ULL << 48) << i;
            }
          }};

  // A PROT_NONE entry of pfn: present-invalid, no user access (PAGE_NONE).
  static constexpr auto protnone = [](const BackendFixture& r, uint64_t pfn) {
    return pte_mkinvalid((r.entry(pfn) & ~PTE_USER) | PTE_UXN);
  };

  s["set-ptes-cont-nonvalid"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            const ptediff_folio f = r.block_folio();
            r.machine().begin_op();
            r.api().set_ptes(kUserMm, r.block_va(1), protnone(r, f.start_pfn), r.cont());
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            for (unsigned i = 0; i < r.cont(); ++i) {
              EXPECT_TRUE(pte_protnone(good.entries[i])) << i;
              EXPECT_FALSE(pte_cont(good.entries[i])) << i;
              EXPECT_TRUE(pte_valid_cont(bad.entries[i])) << i;  // pte_mkcont made it valid
            }
          }};

  s["fold-counts-protnone"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            const ptediff_folio f = r.block_folio();
            write_block_one_by_one(r, kUserMm, f.start_pfn, [&](unsigned i, pte_t e) {
              return i < r.cont() / 2 ? protnone(r, f.start_pfn + i) : e;
            });
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_TRUE(pte_protnone(good.entries[0]));
            EXPECT_FALSE(pte_cont(good.entries[r.cont() - 1]));
            EXPECT_TRUE(pte_valid_cont(bad.entries[0]));  // the PROT_NONE page is accessible
          }};

  s["get-gathers-nonpresent"] = {
      .run =
          [](BackendFixture& r, Obs& o) {
            const unsigned half = r.cont() / 2;
            for (unsigned i = 0; i < r.cont(); ++i) {
              // Swap entries whose offset sets bit 51 (DBM in a valid entry).
              r.machine().poke(kUserMm, r.block_va(1, i),
                               i < half ? r.entry(0x40000 + i, kRwClean & ~PTE_AF)
                                        : ptediff_swp_entry(0, (1ULL << 39) + i));
            }
            r.machine().begin_op();
            o.rets.push_back(r.api().get_and_clear_full_ptes(kUserMm, r.block_va(1), half, 1));
            o.entries = r.block_entries(r.block_va(1));
            finish(r, o);
          },
      .check =
          [](const Obs& good, const Obs& bad, const BackendFixture& r) {
            EXPECT_FALSE(pte_dirty(good.rets[0]));
            EXPECT_FALSE(pte_young(good.rets[0]));
            EXPECT_TRUE(pte_dirty(bad.rets[0]));  // the swap offset read as hardware dirt
            EXPECT_EQ(good.entries, bad.entries);
          }};
  return s;
}

class MutantTest : public ::testing::TestWithParam<MutantInfo> {};

TEST_P(MutantTest, CorruptsWhatMutantNoneGetsRight) {
  const MutantInfo& mi = GetParam();
  const std::map<std::string, Scenario> all = scenarios();
  const auto it = all.find(mi.name);
  ASSERT_NE(it, all.end()) << "no scenario for mutant " << mi.name;
  const Scenario& sc = it->second;

  BackendFixture good(sc.granule, ptediff_optimized_backend(), "mutant=none");
  BackendFixture bad(sc.granule, ptediff_optimized_backend(),
                     (std::string("mutant=") + mi.name).c_str());
  ASSERT_EQ(good.init_rc(), 0);
  ASSERT_EQ(bad.init_rc(), 0);
  Obs og, ob;
  sc.run(good, og);
  sc.run(bad, ob);
  EXPECT_FALSE(og == ob) << mi.name << ": the mutant changed nothing";
  sc.check(og, ob, bad);
}

// The catalogue minus the interleaving-only mutants.
std::vector<MutantInfo> sequential_mutants() {
  std::vector<MutantInfo> out;
  for (const MutantInfo& mi : optimized_mutants()) {
    if (!interleaving_only_mutant(mi.name)) out.push_back(mi);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, MutantTest, ::testing::ValuesIn(sequential_mutants()),
                         [](const ::testing::TestParamInfo<MutantInfo>& info) {
                           std::string n = info.param.name;
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace ptediff
