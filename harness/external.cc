// ptediff: loading an external backend (see external.h).
#include "harness/external.h"

#include <dlfcn.h>

#include "absl/strings/str_cat.h"

namespace ptediff {

const ptediff_backend* load_external_backend(const std::string& path, std::string* err) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    *err = absl::StrCat(path, ": cannot load backend: ", dlerror());
    return nullptr;
  }
  auto fn = reinterpret_cast<ptediff_backend_v1_fn>(dlsym(h, "ptediff_backend_v1"));
  if (fn == nullptr) {
    *err = absl::StrCat(path, ": does not export ptediff_backend_v1()");
    return nullptr;
  }
  const ptediff_backend* b = fn();
  if (b == nullptr) {
    *err = absl::StrCat(path, ": ptediff_backend_v1() returned NULL");
    return nullptr;
  }
  if (b->abi_version != PTEDIFF_ABI_VERSION) {
    *err = absl::StrCat(path, ": backend ABI version ", b->abi_version, ", expected ",
                        PTEDIFF_ABI_VERSION);
    return nullptr;
  }
  const void* fns[] = {
      reinterpret_cast<const void*>(b->ptep_get),
      reinterpret_cast<const void*>(b->ptep_get_lockless),
      reinterpret_cast<const void*>(b->set_ptes),
      reinterpret_cast<const void*>(b->pte_clear),
      reinterpret_cast<const void*>(b->ptep_get_and_clear),
      reinterpret_cast<const void*>(b->ptep_clear_flush),
      reinterpret_cast<const void*>(b->ptep_test_and_clear_young),
      reinterpret_cast<const void*>(b->ptep_clear_flush_young),
      reinterpret_cast<const void*>(b->ptep_set_wrprotect),
      reinterpret_cast<const void*>(b->wrprotect_ptes),
      reinterpret_cast<const void*>(b->ptep_set_access_flags),
      reinterpret_cast<const void*>(b->clear_full_ptes),
      reinterpret_cast<const void*>(b->get_and_clear_full_ptes),
      reinterpret_cast<const void*>(b->clear_young_dirty_ptes),
      reinterpret_cast<const void*>(b->ptep_modify_prot_start),
      reinterpret_cast<const void*>(b->ptep_modify_prot_commit),
      reinterpret_cast<const void*>(b->pte_batch_hint)};
  for (const void* f : fns) {
    if (f == nullptr) {
      *err = absl::StrCat(path, ": backend '", b->name ? b->name : "?",
                          "' leaves an API function NULL");
      return nullptr;
    }
  }
  return b;
}

}  // namespace ptediff
