// ptediff: caller-contract checks of the reference backend. A call with
// nr == 0, an unaligned address or a batch crossing a PTE table is reported
// through contract_error and touches nothing: no primitive is even logged.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "subjects/contpte/reference.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

// The arguments a call is driven with (`nr` is ignored by single-entry calls).
struct Args {
  const ptediff_backend* b;
  ptediff_machine* m;
  ptediff_mm* mm;
  uint64_t addr;
  unsigned nr;
};

// One API call under test.
struct Call {
  const char* name;
  std::function<void(const Args&)> fn;
};

const Call kBatchCalls[] = {
    {"set_ptes", [](const Args& x) { x.b->set_ptes(x.m, x.mm, x.addr, kRwClean, x.nr); }},
    {"wrprotect_ptes", [](const Args& x) { x.b->wrprotect_ptes(x.m, x.mm, x.addr, x.nr); }},
    {"clear_full_ptes", [](const Args& x) { x.b->clear_full_ptes(x.m, x.mm, x.addr, x.nr, 1); }},
    {"get_and_clear_full_ptes",
     [](const Args& x) {
       EXPECT_EQ(x.b->get_and_clear_full_ptes(x.m, x.mm, x.addr, x.nr, 0), 0u);
     }},
    {"clear_young_dirty_ptes",
     [](const Args& x) {
       x.b->clear_young_dirty_ptes(x.m, x.mm, x.addr, x.nr, CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
     }},
};

const Call kSingleCalls[] = {
    {"ptep_get", [](const Args& x) { EXPECT_EQ(x.b->ptep_get(x.m, x.mm, x.addr), 0u); }},
    {"ptep_get_lockless",
     [](const Args& x) { EXPECT_EQ(x.b->ptep_get_lockless(x.m, x.mm, x.addr), 0u); }},
    {"pte_clear", [](const Args& x) { x.b->pte_clear(x.m, x.mm, x.addr); }},
    {"ptep_get_and_clear",
     [](const Args& x) { EXPECT_EQ(x.b->ptep_get_and_clear(x.m, x.mm, x.addr), 0u); }},
    {"ptep_clear_flush",
     [](const Args& x) { EXPECT_EQ(x.b->ptep_clear_flush(x.m, x.mm, x.addr), 0u); }},
    {"ptep_test_and_clear_young",
     [](const Args& x) { EXPECT_EQ(x.b->ptep_test_and_clear_young(x.m, x.mm, x.addr), 0); }},
    {"ptep_clear_flush_young",
     [](const Args& x) { EXPECT_EQ(x.b->ptep_clear_flush_young(x.m, x.mm, x.addr), 0); }},
    {"ptep_set_wrprotect", [](const Args& x) { x.b->ptep_set_wrprotect(x.m, x.mm, x.addr); }},
    {"ptep_set_access_flags",
     [](const Args& x) {
       EXPECT_EQ(x.b->ptep_set_access_flags(x.m, x.mm, x.addr, kRwHwDirty | PTE_DIRTY, 1), 0);
     }},
    {"ptep_modify_prot_start",
     [](const Args& x) { EXPECT_EQ(x.b->ptep_modify_prot_start(x.m, x.mm, x.addr), 0u); }},
    {"ptep_modify_prot_commit",
     [](const Args& x) { x.b->ptep_modify_prot_commit(x.m, x.mm, x.addr, 0, kRwClean); }},
    {"pte_batch_hint",
     [](const Args& x) { EXPECT_EQ(x.b->pte_batch_hint(x.m, x.mm, x.addr, kRwClean), 1u); }},
};

using ContractParam = std::tuple<const Call*, ptediff_granule>;

class ReferenceContractTest : public ::testing::TestWithParam<ContractParam>,
                              public BackendFixture {
 protected:
  ReferenceContractTest() : BackendFixture(std::get<1>(GetParam()), ptediff_reference_backend()) {}
  const Call& call() const { return *std::get<0>(GetParam()); }

  // Fills the entries around the table boundary and index 0 with valid
  // entries, runs the call, and checks that it was refused untouched.
  void ExpectRefused(uint64_t addr, unsigned nr) {
    const uint64_t last = pmd() / page() - 1;
    for (const uint64_t i : {uint64_t{0}, uint64_t{1}, last, last + 1}) {
      poke(va(i), entry(kPfn + i, kRwHwDirty));
    }
    m_.begin_op();
    call().fn({be(), abi(), mm(), addr, nr});
    EXPECT_TRUE(m_.had_contract_error()) << call().name;
    EXPECT_TRUE(m_.log().empty()) << call().name << " touched the machine";
    for (const uint64_t i : {uint64_t{0}, uint64_t{1}, last, last + 1}) {
      EXPECT_EQ(peek(va(i)), entry(kPfn + i, kRwHwDirty)) << call().name << " entry " << i;
    }
  }
};

class SingleContractTest : public ReferenceContractTest {};
class BatchContractTest : public ReferenceContractTest {};

TEST_P(SingleContractTest, UnalignedAddressIsRefused) {
  ExpectRefused(va(1) + page() / 2, 1);
  ExpectRefused(va(1) + 8, 1);
}

TEST_P(BatchContractTest, UnalignedAddressIsRefused) {
  ExpectRefused(va(1) + page() / 2, 1);
  ExpectRefused(va(1) + 8, 3);
}

TEST_P(BatchContractTest, ZeroCountIsRefused) { ExpectRefused(va(0), 0); }

TEST_P(BatchContractTest, CrossingATableIsRefused) {
  ExpectRefused(pmd() - page(), 2);
  ExpectRefused(0, geo_.ptrs_per_pte + 1);
  ExpectRefused(va(1), ~0u);  // (nr-1)*PAGE far past the table
}

TEST_P(BatchContractTest, FillingATableExactlyIsAccepted) {
  m_.begin_op();
  call().fn({be(), abi(), mm(), pmd() - va(2), 2});
  call().fn({be(), abi(), mm(), pmd(), geo_.ptrs_per_pte});  // the whole second table
  EXPECT_FALSE(m_.had_contract_error()) << call().name;
  EXPECT_TRUE(m_.violations().empty()) << call().name;
  EXPECT_FALSE(m_.log().empty());
}

std::string ContractName(const ::testing::TestParamInfo<ContractParam>& info) {
  return std::string(std::get<0>(info.param)->name) + "_" +
         GranuleName({std::get<1>(info.param), info.index});
}

template <size_t N>
auto CallsOf(const Call (&calls)[N]) {
  std::vector<const Call*> out;
  for (const Call& c : calls) out.push_back(&c);
  return ::testing::Combine(::testing::ValuesIn(out), ::testing::ValuesIn(kAllGranules));
}

INSTANTIATE_TEST_SUITE_P(Calls, SingleContractTest, CallsOf(kSingleCalls), ContractName);
INSTANTIATE_TEST_SUITE_P(Calls, BatchContractTest, CallsOf(kBatchCalls), ContractName);

}  // namespace
}  // namespace ptediff
