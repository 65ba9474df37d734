// ptediff linear map: the differential executor (executor.h).
#include "subjects/linearmap/executor.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ptediff::linearmap {

namespace {

// The init options of O: the boot CPU's BBML2, then `more`.
std::string options_of(const Program& program, const std::string& more) {
  return absl::StrCat("bbml2=", program.bbml2 ? 1 : 0, more.empty() ? "" : " ", more);
}

}  // namespace

Session::Session(const Program& program, const ptediff_backend_v3* backend,
                 const std::string& options)
    : g_(geometry_of(program.granule)),
      ref_(g_, program.bbml2),
      opt_(g_, backend, options_of(program, options)),
      oracle_(g_) {}

Session::Session(const Program& program, Mutant mutant)
    : Session(program, nullptr,
              absl::StrCat("mutant=",
                           mutant_catalogue(mutant).all()[static_cast<size_t>(mutant)].name)) {}

std::vector<Leaf> Session::opt_leaves() const {
  std::vector<std::string> problems;
  uint64_t page = 0;
  return opt_.tables().leaves(&problems, &page);
}

int Session::step(const Op& op, size_t index, std::vector<Divergence>* out) {
  OpView v{ref_, opt_.tables(), op, index};
  oracle_.before_op(v);
  v.ref_ret = last_ref_ret_ = ref_.apply(op);
  v.opt_ret = opt_.apply(op);
  oracle_.after_op(v, {{}, opt_.tables().log()}, out);
  return v.opt_ret;
}

RunResult run_program(const Program& program, const RunOptions& opts) {
  RunResult res;
  std::string options;
  if (opts.opt == nullptr) {
    Mutant m = Mutant::kNone;
    const std::string& name = opts.mutant.empty() ? program.mutant : opts.mutant;
    if (!find_mutant(name, &m)) {
      res.error = absl::StrCat("unknown linear-map mutant `", name, "`");
      return res;
    }
    options = absl::StrCat("mutant=", name);
  } else {
    if (!opts.mutant.empty() && opts.mutant != "none")
      options = absl::StrCat("mutant=", opts.mutant);
    // The knobs of another O (e.g. the kernel backend's rodata_full=0).
    if (const char* more = std::getenv("PTEDIFF_BACKEND_OPTIONS"); more != nullptr && *more) {
      options = absl::StrCat(options, options.empty() ? "" : " ", more);
    }
  }
  Session s(program, opts.opt, options);
  if (!s.error().empty()) {
    res.error = s.error();
    return res;
  }
  for (size_t i = 0; i < program.ops.size(); ++i) {
    const size_t before = res.divergences.size();
    const int r = s.step(program.ops[i], i, &res.divergences);
    ++res.ops_run;
    if (opts.on_step) opts.on_step(i, r, s.last_ref_ret(), s);
    if (opts.stop_at_first && res.divergences.size() > before) break;
  }
  return res;
}

std::string format_report(const RunResult& result, const Program& program) {
  std::string out;
  if (!result.error.empty()) absl::StrAppend(&out, "error: ", result.error, "\n");
  for (const Divergence& d : result.divergences) {
    const std::string op =
        d.op_index < program.ops.size() ? format_op(program.ops[d.op_index]) : "?";
    absl::StrAppendFormat(&out, "op %d `%s`: %s at 0x%x: %s\n", d.op_index, op,
                          div_class_name(d.cls), d.va, d.what);
  }
  if (result.diverged()) absl::StrAppend(&out, "--- program ---\n", format_program(program));
  return out;
}

}  // namespace ptediff::linearmap
