// ptediff: the registry of subjects (see subject.h). A new subject is one
// more row in kSubjects.
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "subjects/subject.h"

namespace ptediff {

const Subject& contpte_subject();
const Subject& linearmap_subject();
const Subject& hugetlb_subject();

namespace {

// The header keywords a subject line may follow.
constexpr const char* kHeaderWords[] = {"granule", "features", "profile", "mutant", "size"};

}  // namespace

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
  int line_no = 0;
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_no;
    const absl::string_view body = absl::StripAsciiWhitespace(raw.substr(0, raw.find('#')));
    if (body.empty() || body == "ptediff-repro 1") continue;
    const std::vector<absl::string_view> t =
        absl::StrSplit(body, absl::ByAnyChar(" \t"), absl::SkipWhitespace());
    if (t[0] == "subject") {
      const Subject* s =
          t.size() == 2 ? find_subject(std::string_view(t[1].data(), t[1].size())) : nullptr;
      if (s != nullptr) return s;
      err->file = std::string(file);
      err->line = line_no;
      err->message = absl::StrCat("unknown subject (known:");
      for (const Subject* k : all_subjects()) absl::StrAppend(&err->message, " ", k->name());
      absl::StrAppend(&err->message, ")");
      return nullptr;
    }
    bool header = false;
    for (const char* w : kHeaderWords) header |= t[0] == w;
    if (!header) break;
  }
  return &contpte_subject();
}

}  // namespace ptediff
