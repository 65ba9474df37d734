// ptediff optimized backend: option parsing and the mutant catalogue.
#include "optimized/config.h"

#include <array>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "optimized/contpte.h"

namespace ptediff {
namespace {

// Indexed by Mutant - 1; keep in the order of the enum.
constexpr std::array<MutantInfo, 17> kMutants = {{
    {"access-flags-no-tlbi",
     "ptep_set_access_flags on a CONT block updates every entry but never flushes the block, "
     "even when dirty",
     "seed 000 cover letter, changes since v1: missing TLBIs found in review"},
    {"access-flags-gathered-noop",
     "ptep_set_access_flags on a CONT block decides 'nothing to do' from the gathered ptep_get "
     "value instead of checking every raw entry",
     "upstream fix (2026): per-entry no-op check in contpte_ptep_set_access_flags"},
    {"clear-young-dirty-bytes",
     "clear_young_dirty_ptes passes the byte length of its block-expanded range as the entry "
     "count, cleaning far past the block",
     "upstream fix (2024): out-of-bounds access in contpte_clear_young_dirty_ptes"},
    {"unfold-drops-dirty",
     "contpte_convert does not carry the block's dirty state into the unfolded entries",
     "seed 000 patch 19: contpte_convert gathers dirty/young while clearing the block"},
    {"unfold-drops-young",
     "contpte_convert does not carry the block's access flag into the unfolded entries",
     "seed 000 patch 19: contpte_convert gathers dirty/young while clearing the block"},
    {"fold-ignores-pfn", "__contpte_try_fold does not require the block's pfns to be consecutive",
     "seed 000 patch 25 (automatic fold); DESIGN.md section 7"},
    {"fold-ignores-prot",
     "__contpte_try_fold does not require the block's entries to share one prot",
     "seed 000 patch 25 (automatic fold); DESIGN.md section 7"},
    {"fold-across-folios", "__contpte_try_fold does not require one folio to cover the whole block",
     "seed 000 patch 25 (automatic fold); DESIGN.md section 7"},
    {"fold-kernel-mm", "__contpte_try_fold folds blocks of a kernel mm (init_mm)",
     "seed 000 patch 19 review: mm_is_user, kernel mappings cannot take the transient faults"},
    {"set-ptes-va-only-align",
     "contpte_set_ptes sets CONT on chunks whose virtual range is aligned without checking the "
     "physical address",
     "seed 000 patch 19: contpte_set_ptes alignment condition"},
    {"get-no-gather",
     "ptep_get returns the raw entry of a CONT block without gathering access/dirty state",
     "seed 000 patch 19: contpte_ptep_get"},
    {"convert-no-flush",
     "contpte_convert skips the TLB flush between clearing and rewriting the block although "
     "BBML2_NOABORT is absent",
     "seed 000 patch 19 (break-before-make in contpte_convert); upstream BBML2 elision (2025)"},
    {"clear-flush-young-one-page",
     "ptep_clear_flush_young on a CONT block flushes only the target page, not the block",
     "seed 000 patch 19: contpte_ptep_clear_flush_young"},
    {"wrprotect-no-partial-unfold",
     "wrprotect_ptes does not unfold the partially covered blocks at the ends of its range",
     "seed 000 patch 20 (wrprotect_ptes batch API)"},
    {"clear-full-no-partial-unfold",
     "[get_and_]clear_full_ptes do not unfold the partially covered blocks at the ends of "
     "their range",
     "seed 000 patch 21 ([get_and_]clear_full_ptes batch APIs)"},
    {"batch-hint-off-by-one",
     "pte_batch_hint promises one entry more than remain in the CONT block",
     "seed 000 patches 22-23 (pte_batch_hint)"},
    {"pa52-advance",
     "set_ptes and contpte_convert advance pfns from an address decoded with the 48-bit mask, "
     "dropping PA[51:48] of the 64K granule",
     "seed 000 patches 3-8 (pte_advance_pfn); arm64 52-bit PA layout"},
}};

absl::Status set_option(absl::string_view key, absl::string_view value, ContpteConfig* cfg) {
  if (key == "profile") {
    if (value == "basic") {
      cfg->profile = ContptePolicy::kBasic;
    } else if (value == "batch") {
      cfg->profile = ContptePolicy::kBatch;
    } else if (value == "fold") {
      cfg->profile = ContptePolicy::kFold;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("optimized: unknown profile '", value, "' (basic, batch, fold)"));
    }
    return absl::OkStatus();
  }
  if (key == "mutant") {
    if (value == "none") {
      cfg->mutant = Mutant::kNone;
      return absl::OkStatus();
    }
    for (size_t i = 0; i < kMutants.size(); ++i) {
      if (value == kMutants[i].name) {
        cfg->mutant = static_cast<Mutant>(i + 1);
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(absl::StrCat("optimized: unknown mutant '", value, "'"));
  }
  return absl::InvalidArgumentError(absl::StrCat("optimized: unknown option key '", key, "'"));
}

}  // namespace

std::span<const MutantInfo> optimized_mutants() { return kMutants; }

std::string_view mutant_name(Mutant m) {
  const size_t i = static_cast<size_t>(m);
  return i == 0 || i > kMutants.size() ? "none" : kMutants[i - 1].name;
}

absl::StatusOr<ContpteConfig> parse_contpte_options(const char* options) {
  ContpteConfig cfg;
  if (options == nullptr) return cfg;
  for (absl::string_view token :
       absl::StrSplit(options, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(token, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimized: option '", token, "' is not key=value"));
    }
    if (absl::Status s = set_option(kv[0], kv[1], &cfg); !s.ok()) return s;
  }
  return cfg;
}

}  // namespace ptediff
