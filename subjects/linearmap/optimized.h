// ptediff linear map: the optimized implementation (O).
//
// The BBML2 linear-map code on the machine's kernel tables (pgtable.h): `map`
// paints with the largest leaves alignment and flags allow (pages only when
// the boot CPU lacks BBML2, as under rodata=full); `split` breaks only the
// leaves containing an address, each to the largest pieces that put the
// address on a boundary, live (BBML2); set_memory_* splits at both ends and
// then rewrites every leaf in the range whole, whatever its level; `repaint`
// turns the whole map into pages when a late CPU lacks BBML2. Every op that
// needs page tables reserves them all first, so -ENOMEM changes nothing.
// Named mutants (off by default) inject the bugs the gate must catch.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_OPTIMIZED_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_OPTIMIZED_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "include/ptediff/backend_v3.h"
#include "subjects/linearmap/pgtable.h"
#include "subjects/linearmap/program.h"
#include "subjects/mutant_catalogue.h"

namespace ptediff::linearmap {

// The named fault injections (mutants.def), kNone first.
enum class Mutant : uint8_t {
  kNone,
#define PTEDIFF_LM_MUTANT(e, name, what, source) e,
#include "subjects/linearmap/mutants.def"
#undef PTEDIFF_LM_MUTANT
  kCount,
};
using MutantInfo = MutantInfoOf<Mutant>;
// The catalogue (subjects/mutant_catalogue.h; find_mutant resolves its names).
const MutantCatalogue<Mutant>& mutant_catalogue(Mutant);
// Every mutant, kNone first.
inline std::span<const MutantInfo> linearmap_mutants() {
  return mutant_catalogue(Mutant::kNone).all();
}

// O on kernel tables it does not own, one call of the linear-map API
// (include/ptediff/linearmap_api.def) per method, in base pages; each
// returns its error code. The tables it reserves stay reserved until the
// caller drops them (KernelPgtable::drop_reserve) after the call.
class Optimized {
 public:
  Optimized(KernelPgtable& pt, bool bbml2, Mutant mutant = Mutant::kNone);

  // set_alloc_failures: bit d, allocations at depth d fail.
  void set_failing(uint32_t depths) { failing_ = depths; }
  // create_pgd_mapping of pages [page, page + nr) to pa.
  int map(uint64_t page, uint64_t pa, uint64_t nr, uint32_t flags);
  // split_kernel_leaf_mapping at one page.
  int split(uint64_t page);
  // set_memory_<c> of [page, page + nr).
  int set_memory(Change c, uint64_t page, uint64_t nr);
  // linear_map_split_to_ptes of the whole window.
  int repaint();

  const KernelPgtable& tables() const { return pt_; }
  bool bbml2() const { return bbml2_; }

 private:
  // Paints [p, end) in table `t` (`exists` false in a dry run where the
  // table is not allocated yet); pa(p) = p + delta. Counts the tables it
  // allocates in need[level].
  void paint(TableRef t, bool exists, uint64_t p, uint64_t end, uint64_t delta, pte_t attrs,
             uint32_t flags, bool dry, uint64_t need[4]);
  // Replaces the leaf in entry `i` of `t` by a new table mapping the same
  // range from pa (CONT groups when `cont`; down to pages when `deep`) and
  // returns it. The table is installed first and filled after: the machine
  // holds no table that is not installed.
  TableRef fill(TableRef t, uint32_t i, uint64_t pa, pte_t attrs, bool cont, bool deep);
  // Rewrites the cont group holding entry `i` of `t` without CONT.
  void uncont(TableRef t, uint32_t i);
  // Whether some leaf of `t` intersects [s, e).
  bool any_leaf(TableRef t, uint64_t s, uint64_t e) const;
  // Applies `c` to every leaf entry intersecting [s, e), whole groups at a
  // time; true when it wrote something.
  bool change_range(TableRef t, uint64_t s, uint64_t e, Change c);
  bool change_ptes(TableRef t, uint64_t lo, uint64_t hi, Change c);
  bool mutant(Mutant m) const { return mutant_ == m; }

  const Geometry& g_;
  KernelPgtable& pt_;
  bool bbml2_;
  Mutant mutant_;
  uint32_t failing_ = 0;
};

// The built-in O as a v3 backend table (builtin.cc): init takes bbml2=0|1
// and mutant=NAME; the machine is a KernelPgtable's.
const ptediff_backend_v3* linearmap_optimized_backend();

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_OPTIMIZED_H_
