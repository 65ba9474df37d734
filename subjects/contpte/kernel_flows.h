// ptediff: O's fork and zap flows run by a Linux tree's own core-mm callers.
//
// A callers library (kernel/callers/, kc/callers_abi.h) holds a tree's
// copy_present_ptes / folio_pte_batch and zap_present_ptes, cut out of its
// mm/ verbatim. KernelCallers loads one and wraps O's backend table: a run
// whose O is the wrapped table (RunOptions::opt) runs fork's and zap's
// present-entry batches through the tree's functions, which call O's arch
// code through the table, while R keeps ptediff's model flows
// (subjects/contpte/flows.cc; docs/DESIGN.md §8.2.4). The loops around them
// (copy_pte_range, zap_pte_range), non-present entries and the flushes stay
// the model's on both sides. What the callers did to folios (refcount,
// mapcount, rss, deferred rmap) is summed in totals().
#ifndef PTEDIFF_SUBJECTS_CONTPTE_KERNEL_FLOWS_H_
#define PTEDIFF_SUBJECTS_CONTPTE_KERNEL_FLOWS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "kernel/callers/include/kc/callers_abi.h"
#include "subjects/contpte/api.h"

namespace ptediff {

class KernelCallers {
 public:
  // Loads the callers library at `path` (dlopen; never unloaded). nullptr
  // and *err ("PATH: why") when it cannot be loaded or has another ABI.
  static std::unique_ptr<KernelCallers> load(const std::string& path, std::string* err);
  ~KernelCallers();
  KernelCallers(const KernelCallers&) = delete;
  KernelCallers& operator=(const KernelCallers&) = delete;

  const ptediff_callers& table() const { return t_; }
  bool runs_fork() const { return (t_.flows & PTEDIFF_CALLERS_FORK) != 0; }
  bool runs_zap() const { return (t_.flows & PTEDIFF_CALLERS_ZAP) != 0; }

  // A copy of backend table `o` (same functions, name "<o> + <library>")
  // whose fork and zap flows are this library's callers; valid while this
  // object lives. Put it in RunOptions::opt.
  const ptediff_backend* wrap(const ptediff_backend* o);

  // fork (copy_pte_range): copy_present_ptes() for the present entry `pte`
  // at addr of the user mm into the child, at most max_nr entries (the
  // caller keeps them in one table). Returns how many it copied (>= 1);
  // *wrprotected: whether it write-protected the parent.
  unsigned copy_present_ptes(Api& api, uint64_t addr, pte_t pte, unsigned max_nr,
                             bool* wrprotected);
  // zap (zap_pte_range): zap_present_ptes() for the present entry `pte` at
  // addr of `mm` under the op's mmu_gather `g`. Returns how many entries it
  // zapped; *ad the folio accounting it did (bit 0 folio_mark_accessed,
  // bit 1 folio_mark_dirty).
  unsigned zap_present_ptes(Api& api, uint32_t mm, uint64_t addr, pte_t pte, unsigned max_nr,
                            kc_gather* g, uint64_t* ad);

  // Everything the callers did to folios since load (or reset_totals).
  const kc_acct& totals() const { return totals_; }
  void reset_totals() { totals_ = {}; }

 private:
  explicit KernelCallers(const ptediff_callers& t) : t_(t) {}
  void add(const kc_acct& a);

  const ptediff_callers& t_;
  kc_acct totals_{};
  std::unique_ptr<ptediff_backend> wrapped_;
  std::string wrapped_name_;
};

// `o` (O's table) wrapped by the callers library $PTEDIFF_KERNEL_CALLERS
// names (the run option of every ptediff command: `PTEDIFF_KERNEL_CALLERS=
// build/kernel/libcallers-6.12.so ptediff run ...`), loaded once per
// process; `o` itself when the variable is unset or empty. A library that
// cannot be loaded is a setup error: one line on stderr, exit status 2.
const ptediff_backend* with_env_kernel_callers(const ptediff_backend* o);

// The callers O's flows run when `api` is a table KernelCallers::wrap made
// (the dispatch flows.cc asks); nullptr otherwise.
KernelCallers* kernel_callers_of(const Api& api);

// The number of entries from `va` to the end of its page table: the most a
// batch of core-mm's may span.
unsigned entries_to_table_end(const ptediff_geometry& geo, uint64_t va);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_KERNEL_FLOWS_H_
