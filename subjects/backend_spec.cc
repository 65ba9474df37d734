// ptediff: loading the O a command line or fuzz target names (see
// load_backend_spec in subject.h).
#include "engine/external.h"
#include "subjects/subject.h"

namespace ptediff {

bool load_backend_spec(const std::string& spec, CaseOptions* opts, std::string* err) {
  if (spec == kReferenceBackend) {
    for (const Subject* s : all_subjects()) s->reference_as_o(opts);
    return true;
  }
  if (exports_backend_v2(spec)) {
    opts->backend_v2 = load_external_backend_v2(spec, err);
    return opts->backend_v2 != nullptr;
  }
  if (exports_backend_v3(spec)) {
    opts->backend_v3 = load_external_backend_v3(spec, err);
    return opts->backend_v3 != nullptr;
  }
  opts->backend = load_external_backend(spec, err);
  return opts->backend != nullptr;
}

}  // namespace ptediff
