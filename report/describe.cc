// ptediff: entries and log records in words (see describe.h).
#include "report/describe.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmu/swp.h"

namespace ptediff {
namespace {

// A swap-format entry: its type and offset as core-mm reads them.
std::string describe_swp(const ptediff_geometry& geo, pte_t pte) {
  std::string s;
  if (is_migration_pte(pte)) {
    const uint64_t t = pte_swp_type(pte);
    s = absl::StrFormat("migration-%s pfn=%#x",
                        t == kSwpMigrationWrite           ? "write"
                        : t == kSwpMigrationReadExclusive ? "read-excl"
                                                          : "read",
                        migration_pfn(geo, pte));
    if (pte & migration_young_bit(geo)) absl::StrAppend(&s, " young");
    if (pte & migration_dirty_bit(geo)) absl::StrAppend(&s, " dirty");
  } else if (is_marker_pte(pte)) {
    s = absl::StrFormat("marker=%#x", pte_swp_offset(pte));
  } else {
    s = absl::StrFormat("swap type=%d offset=%#x", pte_swp_type(pte), pte_swp_offset(pte));
  }
  if (pte & PTE_SWP_EXCLUSIVE) absl::StrAppend(&s, " excl");
  if (pte & PTE_SWP_UFFD_WP) absl::StrAppend(&s, " uffd-wp");
  return s;
}

// The record without its site.
std::string describe_prim(const LogRec& r) {
  switch (r.prim) {
    case Prim::kRead:
      return absl::StrFormat("read  mm=%d va=%#x -> %#x", r.mm, r.addr, r.val);
    case Prim::kFlushRange:
      return absl::StrFormat(
          "flush_tlb_range mm=%d [%#x, %#x) stride=%#x last_level=%d level=%d %s", r.mm, r.addr,
          r.end, r.stride, r.last_level, r.tlb_level, r.sync ? "sync" : "nosync");
    case Prim::kFlushMm:
      return absl::StrFormat("flush_tlb_mm mm=%d", r.mm);
    case Prim::kDsb:
      return "dsb";
    case Prim::kCmpxchg:
      return absl::StrFormat("cmpxchg mm=%d va=%#x %#x -> %#x%s", r.mm, r.addr, r.old, r.val,
                             r.ok ? "" : " (failed)");
    default:
      return absl::StrFormat("%-5s mm=%d va=%#x %#x -> %#x%s", prim_name(r.prim), r.mm, r.addr,
                             r.old, r.val, r.ok ? "" : " (refused: outside the window)");
  }
}

}  // namespace

std::string describe_pte(const ptediff_geometry& geo, pte_t pte) {
  if (pte_none(pte)) return "none";
  if (is_swap_pte(pte)) return describe_swp(geo, pte);
  std::string s = absl::StrFormat("pfn=%#x", pte_pfn(&geo, pte));
  const std::pair<bool, const char*> flags[] = {{pte_valid(pte), "V"},
                                                {pte_present_invalid(pte), "PROT_NONE"},
                                                {pte_young(pte), "AF"},
                                                {pte_sw_dirty(pte), "D"},
                                                {pte_write(pte), "W"},
                                                {pte_rdonly(pte), "RO"},
                                                {pte_cont(pte), "CONT"},
                                                {pte_special(pte), "SP"},
                                                {pte_uffd_wp(pte), "UFFD"},
                                                {(pte & PTE_UXN) == 0, "X"},
                                                {(pte & PTE_ATTRINDX_MASK) != 0, "NC"}};
  for (const auto& [on, name] : flags) {
    if (on) absl::StrAppend(&s, " ", name);
  }
  if (pte_hw_dirty(pte)) absl::StrAppend(&s, " (hw-dirty)");
  return s;
}

std::string describe_site(const ptediff_site& s) {
  const char* file = s.file != nullptr ? s.file : "?";
  const char* slash = std::strrchr(file, '/');
  return absl::StrFormat("%s:%d %s", slash != nullptr ? slash + 1 : file, s.line,
                         s.func != nullptr ? s.func : "?");
}

std::string describe_log(const LogRec& r) {
  std::string s = describe_prim(r);
  if (r.site != nullptr) absl::StrAppend(&s, " [", describe_site(*r.site), "]");
  return s;
}

}  // namespace ptediff
