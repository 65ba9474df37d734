// ptediff: operations and programs.
//
// A program is a header (granule, machine features, optimized-backend profile
// and mutant) and a list of ops. Every op kind has a static spec: its text
// name (the kernel function or flow it models), its kind class and the named
// operands it takes. The text .repro format, the binary fuzz encoding, the
// repair step and the executor all work from these specs, so a new op is one
// table row plus its semantics.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_PROGRAM_H_
#define PTEDIFF_SUBJECTS_CONTPTE_PROGRAM_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mmu/prot.h"
#include "ptediff/pte.h"

namespace ptediff {

enum class OpKind : uint8_t {
  // Raw API calls (docs/DESIGN.md §3.2, §8.2.1).
  kPtepGet,
  kPtepGetLockless,
  kSetPtes,
  kPteClear,
  kPtepGetAndClear,
  kPtepClearFlush,
  kPtepTestAndClearYoung,
  kPtepClearFlushYoung,
  kPtepSetWrprotect,
  kWrprotectPtes,
  kPtepSetAccessFlags,
  kClearFullPtes,
  kGetAndClearFullPtes,
  kClearYoungDirtyPtes,
  kPtepModifyProt,  // ptep_modify_prot_start + ptep_modify_prot_commit
  kPteBatchHint,
  // Hardware events.
  kAccess,
  kTlbFill,
  // Core-mm flows.
  kFault,
  kWpFault,
  kFork,
  kZap,
  kMprotect,
  kMadvFree,
  kReferenced,
  kMkclean,
  kSplitPmd,
  kMremap,
  // World set-up.
  kFolioAlloc,
  // Mid-op events (docs/DESIGN.md §5.7): each attaches to the nearest
  // non-event op before it and fires before O's primitive number `prim` of
  // that op, from another agent (text: `@ prim=N NAME ...` under the op);
  // past the op's last primitive it does not fire.
  kEvAccess,    // a hardware access with HAFDBS updates
  kEvTlbFill,   // a speculative walk / TLB fill
  kEvLockless,  // ptep_get_lockless on another CPU
  // Core-mm flows that create and consume non-present entries (PROT_NONE,
  // swap, migration entries, uffd-wp markers; docs/DESIGN.md §8.2.3). Listed
  // last so that the kinds above keep their numbers (trace hashes).
  kMprotectNone,
  kNumaFault,
  kSwapOut,
  kSwapIn,
  kTryToMigrate,
  kRemoveMigration,
  kUffdWp,
  kCount,
};
inline constexpr size_t kNumOpKinds = static_cast<size_t>(OpKind::kCount);

enum class OpClass : uint8_t { kApi, kHardware, kFlow, kWorld, kEvent };

// Whether an op kind is a mid-op event (OpClass::kEvent).
bool is_event(OpKind k);

// Operand names. An op uses a subset, listed in its spec; unused ones stay 0.
// The operands (op_fields.def, where each is described).
enum class Field : uint8_t {
#define PTEDIFF_FIELD(e, name, repr, width, symbols, max) e,
#include "subjects/contpte/ops.def"
#undef PTEDIFF_FIELD
  kCount,
};
inline constexpr size_t kNumFields = static_cast<size_t>(Field::kCount);

// Protection flags of the `prot` operand (text: `a|d|w|ro|x|nc|special`).
enum ProtFlag : uint8_t {
  kProtYoung = 1 << 0,    // PTE_AF
  kProtDirty = 1 << 1,    // PTE_DIRTY (software dirty)
  kProtWrite = 1 << 2,    // PTE_WRITE (DBM)
  kProtRdonly = 1 << 3,   // PTE_RDONLY
  kProtExec = 1 << 4,     // UXN clear
  kProtAttr = 1 << 5,     // another memory attribute index (non-cacheable)
  kProtSpecial = 1 << 6,  // PTE_SPECIAL
  kProtAll = 0x7f,
};

struct OpSpec {
  OpKind kind;
  const char* name;  // text name: the kernel function or flow name
  OpClass cls;
  std::array<Field, 6> fields;  // the operands, in text order
  uint8_t num_fields;
  const char* help;  // one line
  // What formats/op_table.h reads: the operands in text order, and no
  // operand written in the name.
  std::span<const Field> operands() const { return {fields.data(), num_fields}; }
  std::optional<Field> suffix() const { return std::nullopt; }
};

// The spec of an op kind, and lookup by text name (nullptr when unknown).
const OpSpec& op_spec(OpKind k);
const OpSpec* find_op(std::string_view name);
std::span<const OpSpec> all_op_specs();
const char* field_name(Field f);
bool find_field(std::string_view name, Field* out);  // false when unknown

struct Op {
  OpKind kind = OpKind::kPtepGet;
  std::array<uint64_t, kNumFields> f{};

  uint64_t get(Field x) const { return f[static_cast<size_t>(x)]; }
  void set(Field x, uint64_t v) { f[static_cast<size_t>(x)] = v; }
  bool operator==(const Op&) const = default;
};

// Optimized-backend profiles (the stages of the contpte series).
enum class Profile : uint8_t { kBasic = 0, kBatch = 1, kFold = 2 };
const char* profile_name(Profile p);
bool parse_profile(std::string_view s, Profile* out);

struct Header {
  ptediff_granule granule = PTEDIFF_GRANULE_4K;
  bool hafdbs = true;
  bool bbml2 = false;
  Profile profile = Profile::kFold;
  std::string mutant = "none";
  bool operator==(const Header&) const = default;
};

struct Program {
  Header header;
  std::vector<Op> ops;
  bool operator==(const Program&) const = default;
};

// Inclusive upper bound of an operand in a geometry (the window has
// `window_pages` pages). Values above it are invalid in text and reduced in
// binary decoding. kFolio is bounded by kMaxFolios.
inline constexpr uint64_t kMaxFolios = 255;
// Largest `prim` of a mid-op event, and the most events one op takes (each
// linearizes before or after the op: 2^n orders to judge).
inline constexpr uint64_t kMaxEventPrim = 4095;
inline constexpr size_t kMaxEventsPerOp = 4;
uint64_t field_max(Field f, const ptediff_geometry& geo, uint64_t window_pages);
// Order of a PMD-sized folio in this geometry (9 / 11 / 13).
uint32_t pmd_order(const ptediff_geometry& geo);

// Whether `prot` names an entry the kernel can create: a writable,
// software-dirty entry is always hardware-dirty (RDONLY clear) on arm64, as
// pte_mkdirty has made it since 8781bcbc5e69 ("arm64: mm: Fix pte_mkclean,
// pte_mkdirty semantics") and pte_modify since 3c0696076aad ("arm64: mm:
// Always make sw-dirty PTEs hw-dirty in pte_modify", v6.7). On failure *why
// says what is wrong. possible_prot() is the entry pte_mkdirty would make:
// `ro` dropped from such a combination.
bool prot_possible(uint64_t prot, std::string* why);
uint64_t possible_prot(uint64_t prot);

// The pte value of `prot` flags for pfn (base: VALID|PAGE|USER|SHARED|NG|PXN,
// UXN unless exec). A special entry maps pfnmap_pfn(pfn), a pfn without a
// memmap (mmu/folio.h).
pte_t prot_to_pte(const ptediff_geometry& geo, uint64_t pfn, uint64_t prot);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_PROGRAM_H_
