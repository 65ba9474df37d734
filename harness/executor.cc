// ptediff: the differential executor (see executor.h).
#include "harness/executor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/api.h"
#include "harness/checks.h"
#include "harness/repair.h"
#include "harness/repro.h"
#include "optimized/contpte.h"
#include "reference/reference.h"

namespace ptediff {
namespace {

// A multiply-xorshift mix over 64-bit words: stable across builds,
// compilers and engines (no pointers, no iteration over unordered state).
void mix(uint64_t* h, uint64_t v) {
  *h = (*h ^ v) * 0x9e3779b97f4a7c15ULL;
  *h ^= *h >> 29;
}

bool is_access(const Ret& r) { return r.type == RetType::kAccess || r.type == RetType::kRetry; }

// Accesses that completed on either side may have set AF/dirty there.
void note_accesses(const std::vector<Ret>& rr, const std::vector<Ret>& orr, Envelope* env,
                   const Op& op) {
  for (size_t i = 0; i < rr.size() && i < orr.size(); ++i) {
    if (!is_access(rr[i]) || !is_access(orr[i])) continue;
    const bool write = rr[i].type == RetType::kRetry ||
                       static_cast<AccessKind>(op.get(Field::kKind)) == AccessKind::kWrite;
    if (access_ok(static_cast<AccessResult>(rr[i].value)) ||
        access_ok(static_cast<AccessResult>(orr[i].value))) {
      env->note_access(rr[i].range.mm, rr[i].range.va, write);
    }
  }
}

// Accesses R completed by a walk (setting AF, and dirty for a write) that
// O's TLB decided without one. Served from a cached translation (ok-tlb):
// young is a reclaim hint a TLB hit never refreshes, and a write through a
// stale entry whose flush the caller still owes updated nothing. Refused by
// a cached translation older than O's table (a read-only entry of a block
// O cached whole, whose flush a caller deferred) where the table permits
// the access: a spurious fault, which the fault path would fix by setting
// AF and dirty through ptep_set_access_flags (after_fault_path); a raw
// access op runs no fault path, so neither bit is owed.
void forgive_tlb_decided(const std::vector<Ret>& rr, const std::vector<Ret>& orr,
                         const Machine& opt, const Op& op, Envelope* env) {
  const bool hafdbs = (opt.features() & PTEDIFF_FEAT_HAFDBS) != 0;
  for (size_t i = 0; i < rr.size() && i < orr.size(); ++i) {
    const auto R = static_cast<AccessResult>(rr[i].value);
    const auto O = static_cast<AccessResult>(orr[i].value);
    if (!is_access(rr[i]) || R != AccessResult::kOk) continue;
    const uint32_t mm = rr[i].range.mm;
    const uint64_t va = rr[i].range.va;
    const TlbEntry* t = opt.tlb().lookup(mm, va);
    if (O == AccessResult::kOkTlb) {
      env->forgive_young(mm, va);
      if (t != nullptr && tlb_entry_stale(opt, *t, va)) env->exempt_dirty(mm, va);
      continue;
    }
    const AccessKind kind = rr[i].type == RetType::kRetry
                                ? AccessKind::kWrite
                                : static_cast<AccessKind>(op.get(Field::kKind));
    if (!access_ok(O) && opt.tlb_refuses(mm, va, kind) &&
        access_ok(after_fault_path(O, opt.peek(mm, va), kind, hafdbs))) {
      env->forgive_young(mm, va);
      env->exempt_dirty(mm, va);
    }
  }
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

bool parse_repro_as_written(std::string_view text, std::string_view file, Program* out,
                            ParseError* err) {
  std::vector<int> lines;
  Program p;
  if (!parse_repro(text, file, &p, err, 0, &lines)) return false;
  // The repair step reads only R's state, which O never affects: no mutant,
  // and every op is checked however the backends compare.
  RunOptions opts;
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
    w.env = std::make_unique<Envelope>(geo, w.ref->window_limit() >> geo.page_shift);
  }
  w.folios->clear();
  for (Machine* m : {w.ref.get(), w.opt.get()}) {
    m->reset(features);
    m->set_log_reads(opts_.log_reads || opts_.keep_trace || opts_.on_step);
  }
  w.env->reset();
  return w;
}

RunResult Executor::run(const Program& program) {
  RunResult res;
  res.effective.header = program.header;
  // The header's mutant names the built-in catalogue: an external O only gets
  // one the user passed explicitly (RunOptions::mutant), else "none".
  const std::string mutant = opts_.opt != nullptr && opts_.mutant.empty() ? "none" : opts_.mutant;
  if (!mutant.empty()) res.effective.header.mutant = mutant;
  res.decoded_ops = program.ops.size();
  fini_backends();

  const ptediff_geometry geo = ptediff_geometry_of(program.header.granule);
  const uint32_t features = (program.header.hafdbs ? PTEDIFF_FEAT_HAFDBS : 0) |
                            (program.header.bbml2 ? PTEDIFF_FEAT_BBML2 : 0);
  World& w = world(geo, features);
  folios_ = w.folios.get();
  ref_ = w.ref.get();
  opt_ = w.opt.get();
  const ptediff_backend* ref_be = opts_.ref ? opts_.ref : ptediff_reference_backend();
  const ptediff_backend* opt_be = opts_.opt ? opts_.opt : ptediff_optimized_backend();
  auto init = [&](const ptediff_backend* be, Machine& m, const std::string& o, const char* side) {
    if (be->abi_version != PTEDIFF_ABI_VERSION) {
      res.error = absl::StrCat(side, " backend '", be->name, "' has ABI version ", be->abi_version,
                               ", expected ", PTEDIFF_ABI_VERSION);
      return false;
    }
    if (be->init == nullptr || be->init(m.abi(), o.c_str()) == 0) return true;
    res.error = absl::StrCat(side, " backend '", be->name, "' rejected options '", o,
                             "': ", absl::StrJoin(m.violations(), "; "));
    return false;
  };
  // Only a backend whose init succeeded is fini'd (by the next run or the
  // destructor).
  if (!init(ref_be, *ref_, "", "reference")) return res;
  ref_be_ = ref_be;
  if (!init(opt_be, *opt_, backend_options(program.header, mutant), "optimized")) return res;
  opt_be_ = opt_be;

  const uint64_t window_pages = ref_->window_limit() >> geo.page_shift;
  Envelope& env = *w.env;
  Api ra(*ref_, *ref_be_), oa(*opt_, *opt_be_);
  uint64_t hash = 0xcbf29ce484222325ULL;
  std::vector<Ret> rrets, orets;
  Prepared p;
  for (size_t in_index = 0; in_index < program.ops.size(); ++in_index) {
    const Op& in = program.ops[in_index];
    ref_->begin_op();
    opt_->begin_op();
    const bool legal = prepare_op(in, *ref_, *folios_, &p);
    if (opts_.as_written && (!legal || !(p.op == in))) {
      res.rejected_op = in_index;
      res.rejected =
          legal ? rewrite_reason(in, p.op)
                : absl::StrCat(op_spec(in.kind).name,
                               ": cannot run in this state (a binary input would skip it)");
      break;
    }
    if (!legal) {
      ++res.skipped;
      continue;
    }
    const size_t idx = res.effective.ops.size();
    res.effective.ops.push_back(p.op);
    mix(&hash, static_cast<uint64_t>(p.op.kind));
    rrets.clear();
    orets.clear();
    run_op(p, ra, &rrets);
    // When R's version flushed, what O's TLB held stale before O runs
    // (check_tlb: staleness an earlier op left is not this op's).
    stale_before_.clear();
    if (log_flushes(ref_->log())) stale_before_ = stale_tlb_pages(*opt_);
    run_op(p, oa, &orets);

    std::vector<Divergence> divs;
    const CheckContext c{*ref_, *opt_, env, p, idx, &scratch_, &stale_before_};
    check_returns(c, rrets, orets, &divs);  // against the pre-op envelope
    note_accesses(rrets, orets, &env, p.op);
    const std::vector<BlockRef> blocks = touched_blocks(*ref_, *opt_);
    env.update(*ref_, p.hints, blocks);
    forgive_tlb_decided(rrets, orets, *opt_, p.op, &env);
    check_state(c, blocks, &divs);
    check_log(c, &divs);
    check_tlb(c, &divs);

    for (uint64_t v : p.op.f) mix(&hash, v);
    for (const Ret& r : rrets) mix(&hash, r.value);
    for (const Ret& r : orets) mix(&hash, r.value);
    for (const Machine* m : {ref_, opt_}) {
      for (const LogRec& l : m->log()) {
        if (l.prim != Prim::kRead)
          mix(&hash, l.val ^ (l.addr << 1) ^ static_cast<uint64_t>(l.prim));
      }
      mix(&hash, m->op_records());
    }
    for (const Divergence& d : divs) mix(&hash, 0x100 + static_cast<uint64_t>(d.cls));
    if (opts_.on_step) opts_.on_step(idx, p, rrets, orets, *ref_, *opt_);
    if (opts_.keep_trace) {
      res.trace.push_back({p, rrets, orets, ref_->log(), opt_->log()});
    }
    const bool diverged = !divs.empty();
    for (Divergence& d : divs) res.divergences.push_back(std::move(d));
    if (diverged && opts_.stop_at_first) break;
  }
  res.trace_hash = hash;
  res.ref_cost = ref_->counters();
  res.opt_cost = opt_->counters();
  const uint64_t blocks_per_mm = window_pages / geo.cont_ptes;
  for (uint32_t mm : {kUserMm, kChildMm}) {
    for (uint64_t b = 0; b < blocks_per_mm; ++b) {
      if (!env.foldable(*ref_, {mm, b})) continue;
      ++res.folds.eligible;
      if (pte_valid_cont(opt_->peek(mm, b * geo.cont_ptes << geo.page_shift))) ++res.folds.folded;
    }
  }
  return res;
}

}  // namespace ptediff
