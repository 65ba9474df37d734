// ptediff linear map: geometry tables and permission changes (see geometry.h).
#include "subjects/linearmap/geometry.h"

#include <bit>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_format.h"

namespace ptediff::linearmap {
namespace {

Geometry build(ptediff_granule g) {
  Geometry m;
  m.geo = ptediff_geometry_of(g);
  m.page_size = ptediff_page_size(&m.geo);
  m.table_entries = m.geo.ptrs_per_pte;
  m.span[3] = 1;
  m.span[2] = m.geo.ptrs_per_pte;
  m.span[1] = m.span[2] * m.geo.ptrs_per_pte;
  m.cont[2] = m.geo.cont_pmds;
  m.cont[3] = m.geo.cont_ptes;
  m.pud_block = g == PTEDIFF_GRANULE_4K;
  if (m.pud_block) m.kinds.push_back({1, false, m.span[1], "pud"});
  m.kinds.push_back({2, true, m.span[2] * m.cont[2], "cont-pmd"});
  m.kinds.push_back({2, false, m.span[2], "pmd"});
  m.kinds.push_back({3, true, m.cont[3], "cont-pte"});
  m.kinds.push_back({3, false, 1, "pte"});
  m.window_pages = 2 * m.kinds.front().pages;
  m.root_entries = static_cast<uint32_t>((m.window_pages + m.span[1] - 1) / m.span[1]);
  // align_down() and is_aligned() rely on powers of two.
  for (int l = 1; l <= 3; ++l) {
    if (!std::has_single_bit(m.span[l]) || !std::has_single_bit(m.group_pages(l))) std::abort();
    m.span_shift[l] = static_cast<uint32_t>(std::countr_zero(m.span[l]));
  }
  for (const LeafKind& k : m.kinds) {
    if (!std::has_single_bit(k.pages)) std::abort();
  }
  return m;
}

}  // namespace

bool Geometry::allowed(const LeafKind& k, uint32_t flags) {
  if ((flags & kNoBlock) && k.level < 3) return false;
  if ((flags & kNoCont) && k.cont) return false;
  return true;
}

const Geometry& geometry_of(ptediff_granule g) {
  static const Geometry k4 = build(PTEDIFF_GRANULE_4K);
  static const Geometry k16 = build(PTEDIFF_GRANULE_16K);
  static const Geometry k64 = build(PTEDIFF_GRANULE_64K);
  switch (g) {
    case PTEDIFF_GRANULE_16K:
      return k16;
    case PTEDIFF_GRANULE_64K:
      return k64;
    default:
      return k4;
  }
}

std::string size_text(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (u < 4 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return absl::StrFormat("%d%s", bytes, kUnits[u]);
}

std::string leaf_text(const Leaf& l, const Geometry& g) {
  const LeafKind* kind = &g.kinds.back();
  for (const LeafKind& k : g.kinds) {
    if (k.level == l.level && k.cont == l.cont) kind = &k;
  }
  return absl::StrFormat("%s %s @0x%x pa=0x%x attrs=0x%x", size_text(l.pages * g.page_size),
                         kind->name, l.page * g.page_size, l.pa * g.page_size, l.attrs);
}

std::vector<std::string> summarize(const std::vector<Leaf>& leaves, const Geometry& g) {
  std::vector<std::string> out;
  const uint64_t kib = g.page_size / 1024;
  for (size_t i = 0; i < leaves.size();) {
    size_t j = i;
    while (j < leaves.size() && leaves[j].pages == leaves[i].pages &&
           leaves[j].page == leaves[i].page + (j - i) * leaves[i].pages)
      ++j;
    out.push_back(absl::StrFormat("%s x%d [%dK, %dK)", size_text(leaves[i].pages * g.page_size),
                                  j - i, leaves[i].page * kib,
                                  (leaves[j - 1].page + leaves[j - 1].pages) * kib));
    i = j;
  }
  return out;
}

const char* change_name(Change c) {
  return kChangeNames[static_cast<size_t>(c) % std::size(kChangeNames)];
}

}  // namespace ptediff::linearmap
