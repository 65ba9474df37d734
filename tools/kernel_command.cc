// ptediff: `ptediff kernel --tree DIR [--subject S|all] [--mutant NAME]` (see
// kernel_command.h, README "Running the kernel's own code").
//
// Every subject whose kernel file the tree holds (Subject::kernel_source()) is
// extracted before any is compiled, so a bad tree fails before anything is
// written; the steps are tools/kernel_build.h's.
#include "tools/kernel_command.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/kernel_build.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

int fail(const std::string& msg) {
  std::fprintf(stderr, "ptediff kernel: %s\n", msg.c_str());
  return 2;
}

// The subjects whose kernel file ptediff can build, by name.
std::vector<std::string> kernel_subject_names() {
  std::vector<std::string> names;
  for (const Subject* s : all_subjects()) {
    if (s->kernel_source() != nullptr) names.push_back(s->name());
  }
  return names;
}

// The subject whose mutant table has `name`, or nullptr.
const Subject* subject_with_kernel_mutant(const KernelBuilder& b, const std::string& name) {
  for (const Subject* s : all_subjects()) {
    for (const KernelMutant& m : b.mutants(*s)) {
      if (m.name == name) return s;
    }
  }
  return nullptr;
}

}  // namespace

int cmd_kernel(const std::vector<std::string>& args, const std::string& tree,
               const std::string& out, const std::string& mutant, const std::string& self_path,
               const std::string& subject) {
  if (!args.empty()) return fail("takes no positional arguments (use --tree DIR)");
  if (tree.empty()) return fail("missing --tree DIR (a Linux source tree or tarball)");
  KernelBuilder b(self_path);
  if (!b.ok()) return fail(b.error());
  const bool mutated = !mutant.empty() && mutant != "none";
  std::vector<const Subject*> subjects;
  if (subject == "all" || (subject.empty() && !mutated)) {
    for (const Subject* s : all_subjects()) {
      if (s->kernel_source() != nullptr) subjects.push_back(s);
    }
  } else if (subject.empty()) {
    const Subject* s = subject_with_kernel_mutant(b, mutant);
    if (s == nullptr) {
      return fail(absl::StrCat("unknown mutant '", mutant,
                               "' (kernel/mutants.tsv, kernel/hugetlb/mutants.tsv)"));
    }
    subjects = {s};
  } else {
    const Subject* s = find_subject(subject);
    if (s == nullptr || s->kernel_source() == nullptr) {
      return fail(absl::StrCat("unknown --subject '", subject, "' (",
                               absl::StrJoin(kernel_subject_names(), ", "), " or all)"));
    }
    subjects = {s};
  }
  if (mutated && subjects.size() != 1) {
    return fail(absl::StrCat("--mutant ", mutant, " is an edit of one kernel file: give --subject ",
                             absl::StrJoin(kernel_subject_names(), "|")));
  }
  std::error_code ec;
  const bool to_folder = out.empty() || out.back() == '/' || fs::is_directory(out, ec);
  if (!to_folder && subjects.size() > 1) {
    return fail(absl::StrCat("-o ", out, " names one library, but --subject all builds ",
                             subjects.size(), ": give a folder (DIR/) or --subject ",
                             absl::StrJoin(kernel_subject_names(), "|")));
  }

  std::vector<KernelExtract> built;
  for (const Subject* s : subjects) {
    KernelExtract e;
    if (!b.extract(*s, tree, s->name(), &e)) {
      // Building every subject, one only newer trees have is left out when
      // the tree lacks its code.
      const KernelSource& ks = *s->kernel_source();
      const std::string absent = absl::StrCat("no arch/arm64/mm/", ks.file);
      if (subjects.size() == 1 || !ks.optional || !absl::StrContains(b.error(), absent)) {
        return fail(b.error());
      }
      std::printf("no %s backend: %s\n", s->name(), b.error().c_str());
      continue;
    }
    if (mutated && !b.mutate(KernelExtract(e), mutant, &e)) return fail(b.error());
    built.push_back(std::move(e));
  }
  for (const KernelExtract& e : built) {
    const fs::path target =
        to_folder ? fs::path(out) / KernelBuilder::library_name(e) : fs::path(out);
    std::string name;
    if (!b.compile(e, target, &name)) return fail(b.error());
    const KernelSource& ks = *e.subject->kernel_source();
    std::printf("built %s from Linux %s (%s%s); backend '%s'. GPL-2.0: derived from %s\n",
                target.c_str(), e.full.c_str(), ks.source,
                e.mutant.empty() ? "" : absl::StrCat(", mutant ", e.mutant).c_str(), name.c_str(),
                tree.c_str());
  }
  return 0;
}

}  // namespace ptediff
