// ptediff: O's fork and zap flows run by a Linux tree's own core-mm callers
// (see kernel_flows.h).
#include "subjects/contpte/kernel_flows.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace ptediff {
namespace {

// Wrapped tables and the callers each stands for.
struct Registry {
  std::mutex mu;
  absl::flat_hash_map<const ptediff_backend*, KernelCallers*> by_table;
};
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

}  // namespace

std::unique_ptr<KernelCallers> KernelCallers::load(const std::string& path, std::string* err) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    *err = absl::StrCat(path, ": cannot load: ", dlerror());
    return nullptr;
  }
  auto get = reinterpret_cast<ptediff_callers_v1_fn>(dlsym(h, "ptediff_callers_v1"));
  if (get == nullptr) {
    *err = absl::StrCat(path, ": no ptediff_callers_v1() (not a callers library)");
    return nullptr;
  }
  const ptediff_callers* t = get();
  if (t == nullptr || t->abi_version != PTEDIFF_CALLERS_ABI_VERSION ||
      t->copy_present_ptes == nullptr || t->zap_present_ptes == nullptr) {
    *err = absl::StrCat(path, ": callers ABI ", t == nullptr ? 0 : t->abi_version, ", expected ",
                        PTEDIFF_CALLERS_ABI_VERSION);
    return nullptr;
  }
  return std::unique_ptr<KernelCallers>(new KernelCallers(*t));
}

KernelCallers::~KernelCallers() {
  if (wrapped_ == nullptr) return;
  std::lock_guard<std::mutex> lock(registry().mu);
  registry().by_table.erase(wrapped_.get());
}

const ptediff_backend* KernelCallers::wrap(const ptediff_backend* o) {
  std::lock_guard<std::mutex> lock(registry().mu);
  if (wrapped_ != nullptr) registry().by_table.erase(wrapped_.get());
  wrapped_name_ = absl::StrCat(o->name, " + ", t_.name);
  wrapped_ = std::make_unique<ptediff_backend>(*o);
  wrapped_->name = wrapped_name_.c_str();
  registry().by_table[wrapped_.get()] = this;
  return wrapped_.get();
}

KernelCallers* kernel_callers_of(const Api& api) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.by_table.find(&api.backend());
  return it == r.by_table.end() ? nullptr : it->second;
}

const ptediff_backend* with_env_kernel_callers(const ptediff_backend* o) {
  const char* path = std::getenv("PTEDIFF_KERNEL_CALLERS");
  if (path == nullptr || *path == '\0' || o == nullptr) return o;
  // One KernelCallers per O table, kept for the process (tables live as long).
  struct Wrapped {
    std::unique_ptr<KernelCallers> callers;
    const ptediff_backend* table = nullptr;
  };
  static std::mutex mu;
  static auto* wraps = new absl::flat_hash_map<const ptediff_backend*, Wrapped>;
  std::lock_guard<std::mutex> lock(mu);
  Wrapped& w = (*wraps)[o];
  if (w.table == nullptr) {
    std::string err;
    w.callers = KernelCallers::load(path, &err);
    if (w.callers == nullptr) {
      std::fprintf(stderr, "ptediff: PTEDIFF_KERNEL_CALLERS=%s\n", err.c_str());
      std::exit(2);
    }
    w.table = w.callers->wrap(o);
  }
  return w.table;
}

unsigned entries_to_table_end(const ptediff_geometry& geo, uint64_t va) {
  const uint64_t table = ptediff_pmd_size(&geo);
  return static_cast<unsigned>((table - (va & (table - 1))) >> geo.page_shift);
}

void KernelCallers::add(const kc_acct& a) {
  for (int i = 0; i < 4; ++i) totals_.rss[i] += a.rss[i];
  totals_.refcount += a.refcount;
  totals_.mapcount += a.mapcount;
  totals_.delayed += a.delayed;
  totals_.gathered += a.gathered;
  totals_.wrprotected += a.wrprotected;
  totals_.marks |= a.marks;
  totals_.warnings += a.warnings;
}

unsigned KernelCallers::copy_present_ptes(Api& api, uint64_t addr, pte_t pte, unsigned max_nr,
                                          bool* wrprotected) {
  kc_acct a{};
  const int nr =
      t_.copy_present_ptes(api.machine().abi(), &api.backend(), api.machine().mm(kUserMm),
                           api.machine().mm(kChildMm), addr, pte, static_cast<int>(max_nr), &a);
  add(a);
  *wrprotected = a.wrprotected > 0;
  // A negative errno (a page the child must get a copy of) never arises for
  // the mapping's page-cache folios; were it to, the entry stays uncopied and
  // the comparison with R's child shows it.
  return nr > 0 ? static_cast<unsigned>(nr) : 1;
}

unsigned KernelCallers::zap_present_ptes(Api& api, uint32_t mm, uint64_t addr, pte_t pte,
                                         unsigned max_nr, kc_gather* g, uint64_t* ad) {
  kc_acct a{};
  const int nr = t_.zap_present_ptes(api.machine().abi(), &api.backend(), api.machine().mm(mm),
                                     addr, pte, max_nr, g, &a);
  add(a);
  *ad = a.marks;
  return nr > 0 ? static_cast<unsigned>(nr) : 1;
}

}  // namespace ptediff
