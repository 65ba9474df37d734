// ptediff optimized backend: option parsing and the mutant catalogue.
#include "subjects/contpte/config.h"

#include <array>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "subjects/contpte/optimized.h"

namespace ptediff {
namespace {

constexpr MutantInfo kMutants[] = {
    {Mutant::kNone, "none", "the backend as written", ""},
#define PTEDIFF_MUTANT(e, name, what, source) {Mutant::e, name, what, source},
#include "subjects/contpte/mutants.def"
#undef PTEDIFF_MUTANT
};

// The mutants interleaving_only_mutant() names (see contpte.h).
constexpr Mutant kInterleavingOnly[] = {
    Mutant::kConvertReadThenClear,      Mutant::kTcyPlainWrite,
    Mutant::kWrprotectPlainWrite,       Mutant::kAccessFlagsPlainWrite,
    Mutant::kClearYoungDirtyPlainWrite, Mutant::kBbml2RepaintPlainWrite,
    Mutant::kLocklessNoRetry,
};

constexpr MutantCatalogue<Mutant> kCatalogue(kMutants, kInterleavingOnly);

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
    if (kCatalogue.find(std::string_view(value.data(), value.size()), &cfg->mutant)) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat("optimized: unknown mutant '", value, "'"));
  }
  return absl::InvalidArgumentError(absl::StrCat("optimized: unknown option key '", key, "'"));
}

}  // namespace

const MutantCatalogue<Mutant>& mutant_catalogue(Mutant) { return kCatalogue; }

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
