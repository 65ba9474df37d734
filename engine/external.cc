// ptediff: loading an external backend (see external.h).
#include "engine/external.h"

#include <dlfcn.h>

#include "absl/strings/str_cat.h"

namespace ptediff {

namespace {

// dlopen of `path` (kept loaded), or nullptr with *err set.
void* open_library(const std::string& path, std::string* err) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) *err = absl::StrCat(path, ": cannot load backend: ", dlerror());
  return h;
}

}  // namespace

bool exports_backend_v2(const std::string& path) {
  std::string ignored;
  void* h = open_library(path, &ignored);
  return h != nullptr && dlsym(h, "ptediff_backend_v2_get") != nullptr;
}

const ptediff_backend_v2* load_external_backend_v2(const std::string& path, std::string* err) {
  void* h = open_library(path, err);
  if (h == nullptr) return nullptr;
  auto fn = reinterpret_cast<ptediff_backend_v2_fn>(dlsym(h, "ptediff_backend_v2_get"));
  const ptediff_backend_v2* b = fn != nullptr ? fn() : nullptr;
  if (b == nullptr) {
    *err = absl::StrCat(path, ": no v2 backend (ptediff_backend_v2_get() missing or NULL)");
    return nullptr;
  }
  if (b->abi_version != PTEDIFF_ABI_VERSION_V2) {
    *err = absl::StrCat(path, ": backend ABI version ", b->abi_version, ", expected ",
                        PTEDIFF_ABI_VERSION_V2);
    return nullptr;
  }
  const char* backend_name = b->name != nullptr ? b->name : "?";
#define PTEDIFF_HUGETLB_API(ret, call, params, args)                                     \
  if (b->call == nullptr) {                                                              \
    *err = absl::StrCat(path, ": backend '", backend_name, "' leaves " #call "() NULL"); \
    return nullptr;                                                                      \
  }
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
  return b;
}

const ptediff_backend* load_external_backend(const std::string& path, std::string* err) {
  void* h = open_library(path, err);
  if (h == nullptr) return nullptr;
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
  // Every call of backend_api.def must be implemented.
  const char* backend_name = b->name != nullptr ? b->name : "?";
#define PTEDIFF_API(ret, call, params, args)                                             \
  if (b->call == nullptr) {                                                              \
    *err = absl::StrCat(path, ": backend '", backend_name, "' leaves " #call "() NULL"); \
    return nullptr;                                                                      \
  }
#include "ptediff/backend_api.def"
#undef PTEDIFF_API
  return b;
}

}  // namespace ptediff
