// ptediff hugetlb: the level-generic entry helpers (hw.h).
#include "subjects/hugetlb/hw.h"

#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ptediff::hugetlb {

void Hw::set_wrprotect(uint64_t addr, int level) const {
  pte_t old = get(addr, level);
  // A cmpxchg loop: the hardware may set AF or clear RDONLY meanwhile.
  while (!m->cmpxchg_level(m, mm, addr, level, &old, pte_wrprotect(old))) {
  }
}

int Hw::set_access_flags(uint64_t addr, int level, pte_t entry, int dirty) const {
  pte_t cur = get(addr, level);
  if (cur == entry) return 0;
  // Only the access flags and write permission travel; RDONLY ends up the
  // most permissive of the two (a & b computed as ~(~a | ~b)).
  const pte_t flags = (entry & (PTE_RDONLY | PTE_AF | PTE_WRITE | PTE_DIRTY)) ^ PTE_RDONLY;
  for (;;) {
    const pte_t want = ((cur ^ PTE_RDONLY) | flags) ^ PTE_RDONLY;
    if (m->cmpxchg_level(m, mm, addr, level, &cur, want)) break;
  }
  if (dirty) flush_page(addr);
  return 1;
}

bool parse_backend_options(ptediff_machine* m, const char* options, BackendOptions* out) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(options != nullptr ? options : "", ' ', absl::SkipEmpty());
  for (absl::string_view w : words) {
    const size_t eq = w.find('=');
    const absl::string_view key = w.substr(0, eq);
    const absl::string_view val = eq == absl::string_view::npos ? "" : w.substr(eq + 1);
    bool ok = false;
    if (key == "hsize") {
      ok = absl::SimpleAtoi(val, &out->hsize) && out->hsize != 0;
    } else if (key == "mutant") {
      out->mutant = std::string(val);
      ok = !val.empty();
    }
    if (!ok) {
      m->contract_error(m, absl::StrCat("bad hugetlb backend option `", w, "`").c_str());
      return false;
    }
  }
  if (out->hsize == 0) {
    m->contract_error(m, "hugetlb backend options lack hsize=BYTES");
    return false;
  }
  return true;
}

}  // namespace ptediff::hugetlb
