// ptediff: the Subject interface, the one spine every kind of page-table code plugs into.
//
// A subject is one body of kernel page-table code that ptediff compares with a
// per-entry reference: the contpte user page tables (`contpte`), the kernel
// linear map (`linear-map`), ... Each subject owns its program formats (text
// .repro and binary fuzz input), its executor and checks, its reports and its
// mutant catalogue; the command-line tool, the fuzz command and the gate know
// subjects only through this interface (docs/DESIGN.md §6.1), so a new subject
// plugs in by adding one row to the registry (subjects/registry.cc) without
// touching the CLI.
//
// A Case is one loaded program of a subject. Every operation the tool offers
// (run, explain, minimize, encode, decode) is a method of Case, so each one
// works for every subject; what a subject cannot do (an external backend for
// a subject without a backend ABI) is refused with an error, never skipped.
#ifndef PTEDIFF_SUBJECTS_SUBJECT_H_
#define PTEDIFF_SUBJECTS_SUBJECT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/text.h"  // ParseError
#include "include/ptediff/backend.h"
#include "include/ptediff/backend_v2.h"
#include "include/ptediff/backend_v3.h"
#include "oracle/divergence.h"

namespace ptediff {

class Subject;

// What the command line asks of a run, common to every subject.
struct CaseOptions {
  std::string mutant;                              // overrides the program's mutant when non-empty
  const ptediff_backend* backend = nullptr;        // an external backend run as O
  const ptediff_backend_v2* backend_v2 = nullptr;  // the same for a v2 subject
  const ptediff_backend_v3* backend_v3 = nullptr;  // the same for a v3 subject
  bool stop_at_first = true;                       // stop after the first op that diverges
  bool color = false;                              // ANSI highlights in text reports
};

// The outcome of one run, already rendered.
struct CaseRun {
  std::string error;  // setup failure: exit status 2
  std::vector<Divergence> divergences;
  size_t ops = 0;  // ops executed
  uint64_t trace_hash = 0;
  std::string report;   // text: one block per divergence ("" when clean)
  std::string summary;  // one line, no newline: "ok, ops N, ..." / "DIVERGED, ..."
  std::string json;     // one JSON object (no newline)
  std::string state;    // the final tables of R and O, one line per entry
  bool diverged() const { return !divergences.empty(); }
};

// What minimize kept.
struct CaseMinimized {
  DivClass cls{};
  std::string at;  // the op kind the divergence shows at ("ptep_get", "split", ...)
  size_t before_ops = 0, after_ops = 0, runs = 0;
};

// What explore did.
struct CaseExplored {
  uint64_t candidates = 0;  // single events tried
  uint64_t schedules = 0;   // schedules run
  bool complete = false;    // every schedule within the bound was run
  std::string report;       // the failing run's divergence reports ("" when clean)
};

// One loaded program of a subject.
class Case {
 public:
  virtual ~Case() = default;
  virtual const Subject& subject() const = 0;
  // The number of ops.
  virtual size_t size() const = 0;
  // The canonical .repro text (parse(format()) is the same program).
  virtual std::string format() const = 0;
  // The binary fuzz input that decodes to this program.
  virtual std::vector<uint8_t> encode() const = 0;
  // The mutant named in the program's header ("none" when none).
  virtual std::string mutant() const = 0;

  // Runs R and O with every check. `name` labels the JSON object.
  virtual CaseRun run(const CaseOptions& opts, std::string_view name) const = 0;
  // A step-by-step trace of the run; *status gets 0 clean, 1 divergence, 2 error.
  virtual std::string explain(const CaseOptions& opts, int* status) const = 0;
  // The program a run actually executes (binary inputs are repaired), as a
  // Case, with a one-line comment saying how it was obtained.
  virtual std::unique_ptr<Case> effective(const CaseOptions& opts, std::string* comment,
                                          std::string* err) const = 0;
  // Shrinks a diverging program to a minimal one keeping the divergence class
  // and the op kind it shows at. Returns nullptr when the program does not
  // diverge under `opts` (*err empty) or on a setup error (*err set).
  virtual std::unique_ptr<Case> minimize(const CaseOptions& opts, CaseMinimized* what,
                                         std::string* err) const = 0;
  // Runs the program under every schedule of up to `bound` mid-op events
  // (docs/DESIGN.md §5.8), at most `max_schedules` of them (0: all). Returns
  // the first diverging schedule's program, or nullptr (clean, *err empty;
  // or an error, *err set: the default for a subject without mid-op events).
  virtual std::unique_ptr<Case> explore(const CaseOptions& opts, int bound, uint64_t max_schedules,
                                        CaseExplored* what, std::string* err) const;
};

// What a fuzz target asks of a subject (from its environment).
struct FuzzOptions {
  std::string mutant = "none";  // O's injected bug ($PTEDIFF_MUTANT)
  // Another O ($PTEDIFF_BACKEND, loaded by load_backend_spec): nullptr for
  // the subject's built-in one.
  const ptediff_backend* backend = nullptr;
  const ptediff_backend_v2* backend_v2 = nullptr;
  const ptediff_backend_v3* backend_v3 = nullptr;
};

// The verdict on one fuzz input.
struct FuzzVerdict {
  std::string error;  // a setup failure (not a divergence)
  bool diverged = false;
  DivClass cls{};  // the first divergence's class, when diverged
};

// One fuzzing process's runner for one subject. It may keep what can be
// reused between inputs (machines, a loaded backend) but resets it for every
// input, so no state of one input reaches the next (docs/DESIGN.md §2.9).
// run() renders nothing; report() is only called for an input that diverged.
class FuzzSession {
 public:
  virtual ~FuzzSession() = default;
  // Decodes and runs one binary input with every check.
  virtual FuzzVerdict run(std::span<const uint8_t> input) = 0;
  // The text report of the first divergence of `input`, followed by the
  // program that ran as .repro text (what `ptediff run` replays).
  virtual std::string report(std::span<const uint8_t> input) = 0;
};

// What fuzzing needs of a subject, as plain functions (subjects/NAME/fuzz.cc).
struct FuzzFace {
  // A runner for `opts`, or nullptr with *err set (an unknown mutant, a
  // backend that does not load or does not apply to the subject).
  std::unique_ptr<FuzzSession> (*session)(const FuzzOptions& opts, std::string* err);
  // Structure-aware mutation and cross-over of binary inputs
  // (engine/op_mutator.h), with the contracts of libFuzzer's
  // LLVMFuzzerCustomMutator and LLVMFuzzerCustomCrossOver; deterministic in `seed`.
  size_t (*mutate)(uint8_t* data, size_t size, size_t max_size, unsigned seed);
  size_t (*cross_over)(const uint8_t* data1, size_t size1, const uint8_t* data2, size_t size2,
                       uint8_t* out, size_t max_out_size, unsigned seed);
};

// One row of a subject's mutant catalogue.
struct MutantRow {
  std::string name;
  std::string what;    // the bug, one line
  std::string source;  // the upstream commit or patch it models ("" when none)
  // Only mid-op events expose it (docs/DESIGN.md §5.7): it replaces an
  // atomic primitive by a sequence that behaves the same single-threaded, so
  // its program carries events and runs clean without them.
  bool needs_events = false;
};

// The kernel file of a Linux tree that holds a subject's code, built into a
// backend by `ptediff kernel` and `ptediff gate` (docs/DESIGN.md §7): its
// shim, its extraction script and its source-level mutants sit in `dir`.
struct KernelSource {
  const char* dir;      // under kernel/: "" (contpte.c's shim) or "hugetlb"
  const char* library;  // the library's name: <library>-<version>[-<mutant>].so
  const char* file;     // the kernel file, for messages: "contpte.c"
  const char* source;   // what the backend is compiled from, for messages
  // Only newer trees have it: building every subject, a tree whose
  // extraction says it has none ("no arch/arm64/mm/<file>") leaves it out.
  bool optional = false;
};

// One kind of page-table code.
class Subject {
 public:
  virtual ~Subject() = default;
  // The name used in `.repro` headers (`subject NAME`) and `--subject`.
  virtual const char* name() const = 0;
  // A one-line description for `ptediff mutants` and help texts.
  virtual const char* title() const = 0;
  // Parses .repro text strictly; on error fills *err (file:line) and returns nullptr.
  virtual std::unique_ptr<Case> parse(std::string_view text, std::string_view file,
                                      ParseError* err) const = 0;
  // Decodes any byte string into a valid program (the fuzz alphabet).
  virtual std::unique_ptr<Case> decode(std::span<const uint8_t> bytes) const = 0;
  // The injectable bugs of this subject's optimized implementation.
  virtual std::vector<MutantRow> mutants() const = 0;
  // Whether an external backend (`--backend PATH.so`) can be run as O: a
  // v1 backend (backend.h), a v2 one (backend_v2.h), or a v3 one (backend_v3.h).
  virtual bool takes_backend() const = 0;
  virtual bool takes_backend_v2() const { return false; }
  virtual bool takes_backend_v3() const { return false; }
  // Sets in *opts this subject's built-in reference run as O (`--backend
  // reference`), when it has one that can run as O.
  virtual void reference_as_o(CaseOptions* opts) const {}
  // Whether `opts` names no external backend, or one this subject takes
  // (`--backend reference` names one of each).
  bool accepts_backend_of(const CaseOptions& opts) const {
    if (opts.backend == nullptr && opts.backend_v2 == nullptr && opts.backend_v3 == nullptr) {
      return true;
    }
    return (opts.backend != nullptr && takes_backend()) ||
           (opts.backend_v2 != nullptr && takes_backend_v2()) ||
           (opts.backend_v3 != nullptr && takes_backend_v3());
  }
  // The kernel file a tree holds this subject's code in, or nullptr when
  // ptediff runs only its own model of it.
  virtual const KernelSource* kernel_source() const = 0;
  // The libFuzzer target that fuzzes this subject (built next to ptediff in fuzz/).
  virtual const char* fuzz_target() const = 0;

  // The fuzz face (fuzz/subject_fuzzer.cc is its only user, one target
  // body for every subject).
  virtual const FuzzFace& fuzz() const = 0;

  // The largest program each format of this subject holds: the lines of its
  // longest legal text body (ops and their events) and the bytes of its
  // longest meaningful binary input. The tool's input caps must hold them
  // (tools/input.h; tools_test checks every subject).
  struct FormatLimits {
    size_t text_lines = 0;
    size_t binary_bytes = 0;
  };
  virtual FormatLimits limits() const = 0;

  // Whether `name` is "none" or in mutants().
  bool known_mutant(std::string_view name) const;
};

// The --backend name of the built-in references.
inline constexpr const char* kReferenceBackend = "reference";

// Loads the O that `spec` names (--backend, $PTEDIFF_BACKEND) into *opts:
// `reference`, every subject's built-in reference that can run as O (each
// must be clean against itself); otherwise a library, a v2 backend when it
// exports ptediff_backend_v2_get(), a v3 one when it exports
// ptediff_backend_v3_get(), else a v1 one. The one place backends
// are loaded. False with *err (one line) when it cannot be.
bool load_backend_spec(const std::string& spec, CaseOptions* opts, std::string* err);

// Every subject, the default (contpte) first.
std::span<const Subject* const> all_subjects();
// The subject called `name`, or nullptr.
const Subject* find_subject(std::string_view name);
// The subject whose catalogue holds mutant `name` (not "none"), or nullptr.
const Subject* subject_of_mutant(std::string_view name);
// The subject a text repro's header declares with `subject NAME` (contpte
// when it declares none). An unknown name is an error at its line: returns
// nullptr and fills *err.
const Subject* subject_for_text(std::string_view text, std::string_view file, ParseError* err);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_SUBJECT_H_
