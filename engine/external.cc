// ptediff: loading an external backend (see external.h).
#include "engine/external.h"

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
