// ptediff: the registry of subjects (see subject.h). A new subject is one
// more row in kSubjects.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "formats/header.h"
#include "subjects/subject.h"

namespace ptediff {

const Subject& contpte_subject();
const Subject& linearmap_subject();
const Subject& hugetlb_subject();

std::unique_ptr<Case> Case::explore(const CaseOptions&, int, uint64_t, CaseExplored*,
                                    std::string* err) const {
  *err = absl::StrCat("explore does not apply to the ", subject().name(),
                      " subject (its ops have no mid-op events)");
  return nullptr;
}

bool Subject::known_mutant(std::string_view mutant) const {
  if (mutant == "none") return true;
  for (const MutantRow& m : mutants()) {
    if (m.name == mutant) return true;
  }
  return false;
}

std::span<const Subject* const> all_subjects() {
  static const Subject* const kSubjects[] = {&contpte_subject(), &linearmap_subject(),
                                                &hugetlb_subject()};
  return kSubjects;
}

const Subject* find_subject(std::string_view name) {
  for (const Subject* s : all_subjects()) {
    if (name == s->name()) return s;
  }
  return nullptr;
}

const Subject* subject_of_mutant(std::string_view name) {
  if (name == "none") return nullptr;
  for (const Subject* s : all_subjects()) {
    if (s->known_mutant(name)) return s;
  }
  return nullptr;
}

const Subject* subject_for_text(std::string_view text, std::string_view file, ParseError* err) {
  // The same front end as every subject's parser reads the subject line.
  std::string name;
  int line = 0;
  if (!read_repro_subject(text, file, &name, &line, err)) return nullptr;
  if (name.empty()) return find_subject(kDefaultSubject);
  const Subject* s = find_subject(name);
  if (s != nullptr) return s;
  std::vector<const char*> known;
  for (const Subject* k : all_subjects()) known.push_back(k->name());
  *err = ParseError{
      std::string(file), line,
      absl::StrCat("unknown subject ", quote(name), " (known: ", absl::StrJoin(known, ", "), ")")};
  return nullptr;
}

}  // namespace ptediff
