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
     "4602e5757bcc \"arm64/mm: wire up PTE_CONT for user mappings\" (the missing TLBIs were "
     "found in review of the series' first posting)"},
    {"access-flags-gathered-noop",
     "ptep_set_access_flags on a CONT block decides 'nothing to do' from the gathered ptep_get "
     "value instead of checking every raw entry",
     "\"arm64: contpte: fix set_access_flags() no-op check for SMMU/ATS faults\" (v7.0-rc3, "
     "fixes 4602e5757bcc)"},
    {"clear-young-dirty-bytes",
     "clear_young_dirty_ptes passes the byte length of its block-expanded range as the entry "
     "count, cleaning far past the block",
     "\"mm: arm64: fix the out-of-bounds issue in contpte_clear_young_dirty_ptes\" (2024, "
     "fixes 89e86854fb0a)"},
    {"unfold-drops-dirty",
     "contpte_convert does not carry the block's dirty state into the unfolded entries",
     "4602e5757bcc \"arm64/mm: wire up PTE_CONT for user mappings\": contpte_convert gathers "
     "young/dirty while clearing the block"},
    {"unfold-drops-young",
     "contpte_convert does not carry the block's access flag into the unfolded entries",
     "4602e5757bcc \"arm64/mm: wire up PTE_CONT for user mappings\": contpte_convert gathers "
     "young/dirty while clearing the block"},
    {"fold-ignores-pfn", "__contpte_try_fold does not require the block's pfns to be consecutive",
     "\"arm64/mm: automatically fold contpte mappings\" (docs/DESIGN.md §7.1)"},
    {"fold-ignores-prot",
     "__contpte_try_fold does not require the block's entries to share one prot",
     "\"arm64/mm: automatically fold contpte mappings\" (docs/DESIGN.md §7.1)"},
    {"fold-across-folios", "__contpte_try_fold does not require one folio to cover the whole block",
     "\"arm64/mm: automatically fold contpte mappings\" (docs/DESIGN.md §7.1)"},
    {"fold-kernel-mm", "__contpte_try_fold folds blocks of a kernel mm (init_mm)",
     "4602e5757bcc \"arm64/mm: wire up PTE_CONT for user mappings\": user mappings only "
     "(mm_is_user), kernel mappings cannot take the transient faults"},
    {"set-ptes-va-only-align",
     "contpte_set_ptes sets CONT on chunks whose virtual range is aligned without checking the "
     "physical address",
     "4602e5757bcc \"arm64/mm: wire up PTE_CONT for user mappings\": contpte_set_ptes "
     "alignment condition"},
    {"get-no-gather",
     "ptep_get returns the raw entry of a CONT block without gathering access/dirty state",
     "4602e5757bcc \"arm64/mm: wire up PTE_CONT for user mappings\": contpte_ptep_get"},
    {"convert-no-flush",
     "contpte_convert skips the TLB flush between clearing and rewriting the block although "
     "BBML2_NOABORT is absent",
     "4602e5757bcc (break-before-make in contpte_convert); 83bbd6be7d17 \"arm64/mm: Elide "
     "tlbi in contpte_convert() under BBML2\""},
    {"clear-flush-young-one-page",
     "ptep_clear_flush_young on a CONT block flushes only the target page, not the block",
     "4602e5757bcc \"arm64/mm: wire up PTE_CONT for user mappings\": "
     "contpte_ptep_clear_flush_young"},
    {"wrprotect-no-partial-unfold",
     "wrprotect_ptes does not unfold the partially covered blocks at the ends of its range",
     "\"arm64/mm: implement new wrprotect_ptes() batch API\""},
    {"clear-full-no-partial-unfold",
     "[get_and_]clear_full_ptes do not unfold the partially covered blocks at the ends of "
     "their range",
     "\"arm64/mm: implement new [get_and_]clear_full_ptes() batch APIs\""},
    {"batch-hint-off-by-one",
     "pte_batch_hint promises one entry more than remain in the CONT block",
     "\"mm: add pte_batch_hint() to reduce scanning in folio_pte_batch()\"; \"arm64/mm: "
     "implement pte_batch_hint()\""},
    {"pa52-advance",
     "set_ptes and contpte_convert advance pfns from an address decoded with the 48-bit mask, "
     "dropping PA[51:48] of the 64K granule",
     "\"arm64/mm: convert pte_next_pfn() to pte_advance_pfn()\"; \"arm64/mm: make set_ptes() "
     "robust when OAs cross 48-bit boundary\""},
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
