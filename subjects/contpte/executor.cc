// ptediff: the differential executor (see executor.h).
#include "subjects/contpte/executor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "subjects/contpte/api.h"
#include "subjects/contpte/block.h"
#include "subjects/contpte/repair.h"
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

// A multiply-xorshift mix over 64-bit words: stable across builds,
// compilers and engines (no pointers, no iteration over unordered state).
// By value: through a pointer every step would store and reload the hash (it
// may alias the log records it reads).
[[nodiscard]] inline uint64_t mix(uint64_t h, uint64_t v) {
  h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}

// The trace hash of one executed op: its kind and operands, both sides'
// returns, logged entry writes and flushes, record counts and divergence
// classes (docs/DESIGN.md §2.9).
[[nodiscard]] uint64_t mix_op(uint64_t h, const Op& op, const std::vector<Ret>& rr,
                              const std::vector<Ret>& orr, const Machine& ref, const Machine& opt,
                              const std::vector<Divergence>& divs) {
  // Every operand before `prim` (an event's: 0 in every op), then the later
  // ones only when set, tagged with their index: mixing `prim` or a zero
  // later operand would change every hash recorded before they existed.
  constexpr size_t kPrimIndex = static_cast<size_t>(Field::kPrim);
  for (size_t i = 0; i < kPrimIndex; ++i) h = mix(h, op.f[i]);
  for (size_t i = kPrimIndex + 1; i < kNumFields; ++i) {
    if (op.f[i] != 0) h = mix(h, op.f[i] ^ (i << 56));
  }
  for (const Ret& r : rr) h = mix(h, r.value);
  for (const Ret& r : orr) h = mix(h, r.value);
  for (const Machine* m : {&ref, &opt}) {
    for (const LogRec& l : m->log()) {
      if (l.prim != Prim::kRead) {
        // (An upper level's records also mix their level; PTE records, whose
        // level XOR 3 is 0, as ever.)
        const uint64_t lvl = static_cast<uint64_t>(static_cast<uint8_t>(l.level ^ kPteLevel)) << 56;
        h = mix(h, l.val ^ (l.addr << 1) ^ static_cast<uint64_t>(l.prim) ^ lvl);
      }
    }
    h = mix(h, m->op_records());
  }
  for (const Divergence& d : divs) h = mix(h, 0x100 + static_cast<uint64_t>(d.cls));
  return h;
}

// Initialises backend `be` on machine m with options `o`; false with
// `*error` set when its ABI version is wrong or it rejects the options.
bool init_backend(const ptediff_backend* be, Machine& m, const std::string& o, const char* side,
                  std::string* error) {
  if (be->abi_version != PTEDIFF_ABI_VERSION) {
    *error = absl::StrCat(side, " backend '", be->name, "' has ABI version ", be->abi_version,
                          ", expected ", PTEDIFF_ABI_VERSION);
    return false;
  }
  if (be->init == nullptr || be->init(m.abi(), o.c_str()) == 0) return true;
  *error = absl::StrCat(side, " backend '", be->name, "' rejected options '", o,
                        "': ", absl::StrJoin(m.violations(), "; "));
  return false;
}

// Why an op does not run as written: its first operand the repair step
// changes, with the value a binary input would run instead.
std::string rewrite_reason(const Op& in, const Op& out) {
  const OpSpec& spec = op_spec(in.kind);
  for (size_t i = 0; i < spec.num_fields; ++i) {
    const Field f = spec.fields[i];
    if (in.get(f) == out.get(f)) continue;
    return absl::StrCat(spec.name, ": ", field_name(f), "=", format_value(f, in.get(f)),
                        " is not legal in this state (a binary input would run ", field_name(f),
                        "=", format_value(f, out.get(f)), ")");
  }
  return absl::StrCat(spec.name, ": not legal in this state");
}

}  // namespace

bool parse_repro_as_written(std::string_view text, std::string_view file,
                            const RunOptions& backends, Program* out, ParseError* err) {
  std::vector<int> lines;
  Program p;
  if (!parse_repro(text, file, &p, err, 0, &lines)) return false;
  // The repair step reads only R's state, which O never affects: no mutant,
  // and every op is checked however the backends compare.
  RunOptions opts;
  opts.ref = backends.ref;
  opts.opt = backends.opt;
  opts.as_written = true;
  opts.mutant = "none";
  opts.stop_at_first = false;
  opts.log_reads = false;
  Executor ex(opts);
  const RunResult r = ex.run(p);
  if (r.rejected_op < lines.size()) {
    *err = ParseError{std::string(file), lines[r.rejected_op], r.rejected};
    return false;
  }
  *out = std::move(p);
  return true;
}

std::string backend_options(const Header& h, const std::string& mutant_override) {
  return absl::StrCat("profile=", profile_name(h.profile),
                      " mutant=", mutant_override.empty() ? h.mutant : mutant_override);
}

Executor::Executor(RunOptions opts) : opts_(std::move(opts)) {}

Executor::~Executor() { fini_backends(); }

void Executor::fini_backends() {
  if (opt_ && opt_be_ && opt_be_->fini) opt_be_->fini(opt_->abi());
  if (ref_ && ref_be_ && ref_be_->fini) ref_be_->fini(ref_->abi());
  ref_be_ = opt_be_ = nullptr;
}

Executor::World& Executor::world(const ptediff_geometry& geo, uint32_t features) {
  World& w = worlds_[geo.granule];
  if (!w.ref) {
    w.folios = std::make_unique<FolioMap>(geo);
    w.ref = std::make_unique<Machine>(geo, features, w.folios.get(), opts_.window_tables);
    w.opt = std::make_unique<Machine>(geo, features, w.folios.get(), opts_.window_tables);
    w.oracle = std::make_unique<Oracle>(geo, w.ref->window_limit() >> geo.page_shift);
  }
  w.folios->clear();
  for (Machine* m : {w.ref.get(), w.opt.get()}) {
    m->reset(features);
    m->set_log_reads(opts_.log_reads || opts_.keep_trace || opts_.on_step);
  }
  w.oracle->reset();
  return w;
}

bool Executor::start_run(const Program& program, const std::string& mutant, RunResult* res) {
  if (opts_.ref == nullptr || opts_.opt == nullptr) {
    res->error = "no backend: RunOptions::ref and ::opt are required (with_builtin_backends)";
    return false;
  }
  const ptediff_geometry geo = ptediff_geometry_of(program.header.granule);
  const uint32_t features = (program.header.hafdbs ? PTEDIFF_FEAT_HAFDBS : 0) |
                            (program.header.bbml2 ? PTEDIFF_FEAT_BBML2 : 0);
  world_ = &world(geo, features);
  folios_ = world_->folios.get();
  ref_ = world_->ref.get();
  opt_ = world_->opt.get();
  // Only a backend whose init succeeded is fini'd (by the next run or the
  // destructor).
  if (!init_backend(opts_.ref, *ref_, "", "reference", &res->error)) return false;
  ref_be_ = opts_.ref;
  if (!init_backend(opts_.opt, *opt_, backend_options(program.header, mutant), "optimized",
                    &res->error)) {
    return false;
  }
  opt_be_ = opts_.opt;
  return true;
}

RunResult Executor::run(const Program& program) {
  RunResult res;
  res.effective.header = program.header;
  // The header's mutant names the built-in catalogue: any other O only gets
  // one the user passed explicitly (RunOptions::mutant), else "none".
  const std::string mutant =
      !opts_.opt_takes_header_mutant && opts_.mutant.empty() ? "none" : opts_.mutant;
  if (!mutant.empty()) res.effective.header.mutant = mutant;
  res.decoded_ops = program.ops.size();
  fini_backends();
  if (!start_run(program, mutant, &res)) return res;
  hash_ = 0xcbf29ce484222325ULL;
  res.effective.ops.reserve(program.ops.size());
  const std::vector<Op>& ops = program.ops;
  for (size_t in_index = 0; in_index < ops.size();) {
    // An op owns the events listed under it (at most kMaxEventsPerOp);
    // events under no op, or past that limit, are skipped.
    size_t end = in_index + 1;
    while (end < ops.size() && is_event(ops[end].kind)) ++end;
    if (is_event(ops[in_index].kind)) {
      res.skipped += end - in_index;
      in_index = end;
      continue;
    }
    const size_t n = std::min(end - in_index - 1, kMaxEventsPerOp);
    res.skipped += end - in_index - 1 - n;
    if (!step(program, in_index, std::span<const Op>(ops).subspan(in_index + 1, n), &res)) break;
    in_index = end;
  }
  res.trace_hash = hash_;
  res.ref_cost = ref_->counters();
  res.opt_cost = opt_->counters();
  res.folds = fold_stats();
  return res;
}

bool Executor::step(const Program& program, size_t in_index, std::span<const Op> events,
                    RunResult* res) {
  const Op& in = program.ops[in_index];
  Prepared& p = prepared_;
  ref_->begin_op();
  opt_->begin_op();
  const bool legal = prepare_op(in, *ref_, *folios_, &p);
  if (opts_.as_written && (!legal || !(p.op == in))) {
    res->rejected_op = in_index;
    res->rejected = legal
                        ? rewrite_reason(in, p.op)
                        : absl::StrCat(op_spec(in.kind).name,
                                       ": cannot run in this state (a binary input would skip it)");
    return false;
  }
  if (!legal) {
    res->skipped += 1 + events.size();
    return true;
  }
  const size_t idx = res->effective.ops.size();
  res->effective.ops.push_back(p.op);
  ++res->ops_run;
  hash_ = mix(hash_, static_cast<uint64_t>(p.op.kind));
  std::vector<Divergence> divs;
  if (!events.empty()) {
    divs = step_events(p, events, idx, res);
  } else {
    rrets_.clear();
    orets_.clear();
    Api ra(*ref_, *ref_be_), oa(*opt_, *opt_be_);
    Oracle& oracle = *world_->oracle;
    const OpContext ctx{*ref_, *opt_, p, idx, rrets_, orets_};
    run_op(p, ra, &rrets_);
    oracle.before_op(ctx);
    run_op_bounded(p, oa, &orets_);
    oracle.after_op(ctx, {ref_->log(), opt_->log()}, &divs);
    record_step(p, idx, {}, nullptr, nullptr, divs, res);
  }
  const bool diverged = !divs.empty();
  for (Divergence& d : divs) res->divergences.push_back(std::move(d));
  return !(diverged && opts_.stop_at_first);
}

void Executor::record_step(const Prepared& p, size_t idx, std::span<const Op> events,
                           const std::vector<EventOutcome>* outs,
                           const std::vector<RefEvent>* ref_events,
                           const std::vector<Divergence>& divs, RunResult* res) {
  hash_ = mix_op(hash_, p.op, rrets_, orets_, *ref_, *opt_, divs);
  for (size_t i = 0; i < events.size(); ++i) {
    for (uint64_t v : events[i].f) hash_ = mix(hash_, v);
    const EventOutcome& o = (*outs)[i];
    const RefEvent& r = (*ref_events)[i];
    hash_ = mix(hash_, static_cast<uint64_t>(o.access) | o.filled << 8 | o.saw_none << 9 |
                           r.placed << 10 | r.after << 11 | static_cast<uint64_t>(r.access) << 12);
    hash_ = mix(hash_, o.value ^ (r.value << 1));
  }
  if (opts_.on_events && outs != nullptr) opts_.on_events(idx, events, *outs, *ref_events);
  if (opts_.on_step) opts_.on_step(idx, p, rrets_, orets_, *ref_, *opt_);
  if (!opts_.keep_trace) return;
  TraceStep& t = res->trace.emplace_back(TraceStep{p, rrets_, orets_, ref_->log(), opt_->log()});
  t.events.assign(events.begin(), events.end());
  if (outs != nullptr) t.opt_events = *outs;
  if (ref_events != nullptr) t.ref_events = *ref_events;
}

FoldStats Executor::fold_stats() const {
  FoldStats folds;
  const ptediff_geometry& geo = ref_->geo();
  const uint64_t blocks_per_mm = (ref_->window_limit() >> geo.page_shift) / geo.cont_ptes;
  for (uint32_t mm : {kUserMm, kChildMm}) {
    for (uint64_t b = 0; b < blocks_per_mm; ++b) {
      if (!block_foldable(*ref_, {mm, b})) continue;
      ++folds.eligible;
      if (pte_valid_cont(opt_->peek(mm, b * geo.cont_ptes << geo.page_shift))) ++folds.folded;
    }
  }
  return folds;
}

}  // namespace ptediff
