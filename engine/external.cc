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

// Whether the library at `path` loads and exports `symbol`.
bool exports(const std::string& path, const char* symbol) {
  std::string ignored;
  void* h = open_library(path, &ignored);
  return h != nullptr && dlsym(h, symbol) != nullptr;
}

}  // namespace

bool exports_backend_v2(const std::string& path) { return exports(path, "ptediff_backend_v2_get"); }
bool exports_backend_v3(const std::string& path) { return exports(path, "ptediff_backend_v3_get"); }

namespace {

// The table a library's getter (`getter`, no parameters) returns, when its
// abi_version is `version`; nullptr with *err set otherwise.
template <class Table>
const Table* table_of(const std::string& path, const char* getter, const char* what,
                      uint32_t version, std::string* err) {
  void* h = open_library(path, err);
  if (h == nullptr) return nullptr;
  auto fn = reinterpret_cast<const Table* (*)(void)>(dlsym(h, getter));
  const Table* b = fn != nullptr ? fn() : nullptr;
  if (b == nullptr) {
    *err = absl::StrCat(path, ": no ", what, " backend (", getter, "() missing or NULL)");
    return nullptr;
  }
  if (b->abi_version != version) {
    *err = absl::StrCat(path, ": backend ABI version ", b->abi_version, ", expected ", version);
    return nullptr;
  }
  return b;
}

}  // namespace

// Every call of the table `b` must be implemented (a row of its .def).
#define PTEDIFF_CHECK_CALL(ret, call, params, args)                              \
  if (b->call == nullptr) {                                                      \
    *err = absl::StrCat(path, ": backend '", b->name != nullptr ? b->name : "?", \
                        "' leaves " #call "() NULL");                            \
    return nullptr;                                                              \
  }

const ptediff_backend_v2* load_external_backend_v2(const std::string& path, std::string* err) {
  const auto* b = table_of<ptediff_backend_v2>(path, "ptediff_backend_v2_get", "v2",
                                               PTEDIFF_ABI_VERSION_V2, err);
  if (b == nullptr) return nullptr;
#define PTEDIFF_HUGETLB_API PTEDIFF_CHECK_CALL
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
  return b;
}

const ptediff_backend_v3* load_external_backend_v3(const std::string& path, std::string* err) {
  const auto* b = table_of<ptediff_backend_v3>(path, "ptediff_backend_v3_get", "v3",
                                               PTEDIFF_ABI_VERSION_V3, err);
  if (b == nullptr) return nullptr;
#define PTEDIFF_LINEARMAP_API PTEDIFF_CHECK_CALL
#include "ptediff/linearmap_api.def"
#undef PTEDIFF_LINEARMAP_API
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
#define PTEDIFF_API PTEDIFF_CHECK_CALL
#include "ptediff/backend_api.def"
#undef PTEDIFF_API
  return b;
}

}  // namespace ptediff
