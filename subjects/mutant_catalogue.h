// ptediff: a subject's mutant catalogue, written once over the subject's
// enum of injectable bugs.
//
// Each subject lists its O's bugs in mutants.def and makes from it an enum
// (kNone first, then one per row) and a table of MutantInfoOf rows, kNone's
// first; a MutantCatalogue over that table resolves names, says which bugs
// only mid-op events expose, and gives the rows `ptediff mutants` prints
// (Subject::mutants()). The subject's header declares where its catalogue
// is,
//
//   const MutantCatalogue<Mutant>& mutant_catalogue(Mutant);
//
// (found by argument-dependent lookup), and find_mutant works for it.
#ifndef PTEDIFF_SUBJECTS_MUTANT_CATALOGUE_H_
#define PTEDIFF_SUBJECTS_MUTANT_CATALOGUE_H_

#include <algorithm>
#include <span>
#include <string_view>
#include <vector>

#include "subjects/subject.h"  // MutantRow

namespace ptediff {

// One row of a catalogue: one injectable bug of a subject's O.
template <typename Bug>
struct MutantInfoOf {
  Bug id;
  const char* name;    // the value of --mutant and of a program's `mutant` line
  const char* what;    // one line: what the faulty code does
  const char* source;  // the upstream commit or text whose behaviour it breaks ("" when none)
};

template <typename Bug>
class MutantCatalogue {
 public:
  // `rows`: kNone's first, then one per bug; `interleaving_only`: the bugs
  // only mid-op events expose (docs/DESIGN.md §5.7), each replacing an
  // atomic primitive by a sequence that behaves the same single-threaded.
  constexpr MutantCatalogue(std::span<const MutantInfoOf<Bug>> rows,
                            std::span<const Bug> interleaving_only)
      : rows_(rows), interleaving_only_(interleaving_only) {}

  // Every row, kNone's first.
  std::span<const MutantInfoOf<Bug>> all() const { return rows_; }
  // The bugs: every row but kNone's.
  std::span<const MutantInfoOf<Bug>> bugs() const { return rows_.subspan(1); }
  // Resolves a name ("none" included); false when unknown.
  bool find(std::string_view name, Bug* out) const {
    for (const MutantInfoOf<Bug>& m : rows_) {
      if (name == m.name) {
        *out = m.id;
        return true;
      }
    }
    return false;
  }
  // Whether `name` is "none" or a bug of the catalogue.
  bool known(std::string_view name) const {
    Bug b;
    return find(name, &b);
  }
  bool interleaving_only(Bug b) const {
    return std::find(interleaving_only_.begin(), interleaving_only_.end(), b) !=
           interleaving_only_.end();
  }
  // Subject::mutants(): the bugs, in catalogue order.
  std::vector<MutantRow> rows() const {
    std::vector<MutantRow> out;
    for (const MutantInfoOf<Bug>& m : bugs()) {
      out.push_back({m.name, m.what, m.source, interleaving_only(m.id)});
    }
    return out;
  }

 private:
  std::span<const MutantInfoOf<Bug>> rows_;
  std::span<const Bug> interleaving_only_;
};

// Resolves a mutant name of the subject whose enum is Bug ("none"
// included); false when unknown.
template <typename Bug>
bool find_mutant(std::string_view name, Bug* out) {
  return mutant_catalogue(Bug{}).find(name, out);
}

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_MUTANT_CATALOGUE_H_
