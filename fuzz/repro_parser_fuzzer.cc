// ptediff fuzz target: the text .repro parser (docs/DESIGN.md §4.3).
//
// Arbitrary bytes must be either rejected with a located message or
// accepted as a valid program whose canonical text parses back to the same
// program (and is a fixed point of format_repro), and whose binary encoding
// decodes back to it. Each broken property traps in its own function.
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "fuzz/trap_site.h"
#include "subjects/contpte/codec.h"
#include "subjects/contpte/text.h"

namespace {

PTEDIFF_TRAP_SITE(rejection_without_location, 0)
PTEDIFF_TRAP_SITE(accepted_invalid_program, 1)
PTEDIFF_TRAP_SITE(canonical_text_rejected, 2)
PTEDIFF_TRAP_SITE(text_roundtrip_mismatch, 3)
PTEDIFF_TRAP_SITE(canonical_text_not_fixed, 4)
PTEDIFF_TRAP_SITE(binary_roundtrip_mismatch, 5)

[[noreturn]] void fail(void (*site)(), const char* what, const std::string& detail) {
  std::fprintf(stderr, "repro_parser_fuzzer: %s\n%s\n", what, detail.c_str());
  std::fflush(stderr);
  site();
  __builtin_unreachable();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ptediff;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Program p;
  ParseError err;
  if (!parse_repro(text, "fuzz.repro", &p, &err)) {
    if (err.line < 1 || err.message.empty()) {
      fail(rejection_without_location, "rejection without line or message", err.str());
    }
    return 0;
  }
  std::string why;
  if (!validate_program(p, 0, &why))
    fail(accepted_invalid_program, "accepted invalid program", why);
  const std::string canon = format_repro(p);
  Program q;
  if (!parse_repro(canon, "canonical.repro", &q, &err)) {
    fail(canonical_text_rejected, "canonical text rejected", err.str() + "\n" + canon);
  }
  if (!(q == p)) fail(text_roundtrip_mismatch, "text round trip changed the program", canon);
  if (format_repro(q) != canon)
    fail(canonical_text_not_fixed, "format_repro not a fixed point", canon);
  if (p.ops.size() <= kMaxEncodedOps) {
    const std::vector<uint8_t> bytes = encode_program(p);
    if (!(decode_program(std::span<const uint8_t>(bytes)) == p)) {
      fail(binary_roundtrip_mismatch, "binary round trip changed the program", canon);
    }
  }
  return 0;
}
