// ptediff linear map: the built-in optimized implementation behind the v3
// backend table (include/ptediff/backend_v3.h), so that it runs the way an
// external backend does (side.h drives both).
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "subjects/linearmap/optimized.h"

namespace ptediff::linearmap {
namespace {

// One run: a view of the machine's kernel tables and O on them.
struct BuiltinRun {
  BuiltinRun(const Geometry& g, Machine& m, bool bbml2, Mutant mutant)
      : pt(g, m), opt(pt, bbml2, mutant) {}
  KernelPgtable pt;
  Optimized opt;
};

BuiltinRun& run_of(const ptediff_machine* m) { return *static_cast<BuiltinRun*>(m->backend_priv); }

// Runs one call of O and drops what it reserved.
template <class Call>
int call(const ptediff_machine* m, Call&& c) {
  BuiltinRun& r = run_of(m);
  const int ret = c(r.opt, r.pt.geometry());
  r.pt.drop_reserve();
  return ret;
}

int bi_init(ptediff_machine* m, const char* options) {
  bool bbml2 = true;
  Mutant mutant = Mutant::kNone;
  for (absl::string_view word :
       absl::StrSplit(options != nullptr ? options : "", ' ', absl::SkipEmpty())) {
    const std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(word, '=');
    int v = 0;
    if (kv.first == "bbml2" && absl::SimpleAtoi(kv.second, &v) && (v == 0 || v == 1)) {
      bbml2 = v == 1;
    } else if (kv.first != "mutant" ||
               !find_mutant(std::string_view(kv.second.data(), kv.second.size()), &mutant)) {
      m->contract_error(m, absl::StrCat("linear-map: unsupported option '", std::string(word),
                                        "' (bbml2=0|1 mutant=NAME)")
                               .c_str());
      return 1;
    }
  }
  Machine& machine = *static_cast<Machine*>(m->priv);
  m->backend_priv = new BuiltinRun(geometry_of(m->geo.granule), machine, bbml2, mutant);
  return 0;
}

void bi_fini(ptediff_machine* m) {
  delete static_cast<BuiltinRun*>(m->backend_priv);
  m->backend_priv = nullptr;
}

void bi_set_alloc_failures(const ptediff_machine* m, ptediff_mm*, uint32_t depths) {
  run_of(m).opt.set_failing(depths);
}

int bi_create_pgd_mapping(const ptediff_machine* m, ptediff_mm*, uint64_t virt, uint64_t phys,
                          uint64_t size, uint32_t flags) {
  return call(m, [&](Optimized& o, const Geometry& g) {
    return o.map(virt / g.page_size, phys / g.page_size, size / g.page_size, flags);
  });
}

int bi_split_kernel_leaf_mapping(const ptediff_machine* m, ptediff_mm*, uint64_t start,
                                 uint64_t end) {
  return call(m, [&](Optimized& o, const Geometry& g) {
    int r = o.split(start / g.page_size);
    if (r == kOk && end != start && end / g.page_size < g.window_pages)
      r = o.split(end / g.page_size);
    return r;
  });
}

// set_memory_<c> of numpages pages from addr.
int set_memory(const ptediff_machine* m, Change c, uint64_t addr, int numpages) {
  return call(m, [&](Optimized& o, const Geometry& g) {
    return o.set_memory(c, addr / g.page_size, static_cast<uint64_t>(numpages));
  });
}
int bi_set_memory_ro(const ptediff_machine* m, ptediff_mm*, uint64_t addr, int numpages) {
  return set_memory(m, Change::kRo, addr, numpages);
}
int bi_set_memory_rw(const ptediff_machine* m, ptediff_mm*, uint64_t addr, int numpages) {
  return set_memory(m, Change::kRw, addr, numpages);
}
int bi_set_memory_x(const ptediff_machine* m, ptediff_mm*, uint64_t addr, int numpages) {
  return set_memory(m, Change::kX, addr, numpages);
}
int bi_set_memory_nx(const ptediff_machine* m, ptediff_mm*, uint64_t addr, int numpages) {
  return set_memory(m, Change::kNx, addr, numpages);
}
int bi_set_memory_valid(const ptediff_machine* m, ptediff_mm*, uint64_t addr, int numpages,
                        int enable) {
  return set_memory(m, enable ? Change::kValid : Change::kInvalid, addr, numpages);
}

int bi_linear_map_split_to_ptes(const ptediff_machine* m, ptediff_mm*, uint64_t, uint64_t) {
  return call(m, [](Optimized& o, const Geometry&) { return o.repaint(); });
}

const ptediff_backend_v3 kBuiltin = {
    .abi_version = PTEDIFF_ABI_VERSION_V3,
    .name = "linear-map-builtin",
    .init = bi_init,
    .fini = bi_fini,
#define PTEDIFF_LINEARMAP_API(ret, name, params, args) .name = bi_##name,
#include "ptediff/linearmap_api.def"
#undef PTEDIFF_LINEARMAP_API
};

}  // namespace

const ptediff_backend_v3* linearmap_optimized_backend() { return &kBuiltin; }

}  // namespace ptediff::linearmap
