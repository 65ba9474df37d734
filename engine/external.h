// ptediff: loading an external backend (a shared library exporting
// ptediff_backend_v1()).
#ifndef PTEDIFF_ENGINE_EXTERNAL_H_
#define PTEDIFF_ENGINE_EXTERNAL_H_

#include <string>

#include "ptediff/backend.h"
#include "ptediff/backend_v2.h"
#include "ptediff/backend_v3.h"

namespace ptediff {

// Loads `path` and returns its backend table, or nullptr with *err set (one
// line). The library stays loaded for the life of the process. Checks the ABI
// version and that every function of the table is present.
const ptediff_backend* load_external_backend(const std::string& path, std::string* err);

// The same for a v2 backend (ptediff_backend_v2_get(), backend_v2.h).
const ptediff_backend_v2* load_external_backend_v2(const std::string& path, std::string* err);

// Whether the library at `path` exports ptediff_backend_v2_get() (false when
// it cannot be loaded: load_external_backend then says why).
bool exports_backend_v2(const std::string& path);

// The same for a v3 backend (ptediff_backend_v3_get(), backend_v3.h).
const ptediff_backend_v3* load_external_backend_v3(const std::string& path, std::string* err);
bool exports_backend_v3(const std::string& path);

}  // namespace ptediff

#endif  // PTEDIFF_ENGINE_EXTERNAL_H_
