// ptediff fuzz target: the hugetlb subject's .repro parser and binary codec.
//
// Any text either parses or is rejected with a line and a message; what
// parses is valid op by op, its canonical text parses back to the same
// program and is a fixed point of format/parse, and its binary encoding
// decodes to the same program. Each broken property traps in its own site.
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "fuzz/trap_site.h"
#include "subjects/hugetlb/program.h"

namespace {

PTEDIFF_TRAP_SITE(hugetlb_rejection_without_location, 0)
PTEDIFF_TRAP_SITE(hugetlb_accepted_invalid_op, 1)
PTEDIFF_TRAP_SITE(hugetlb_canonical_text_rejected, 2)
PTEDIFF_TRAP_SITE(hugetlb_text_roundtrip_mismatch, 3)
PTEDIFF_TRAP_SITE(hugetlb_binary_roundtrip_mismatch, 4)

[[noreturn]] void fail(void (*site)(), const char* what, const std::string& detail) {
  std::fprintf(stderr, "hugetlb_parser_fuzzer: %s\n%s\n", what, detail.c_str());
  std::fflush(stderr);
  site();
  __builtin_unreachable();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ptediff::hugetlb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Program p;
  ptediff::ParseError err;
  if (!parse_program(text, "fuzz.repro", &p, &err)) {
    if (err.line < 1 || err.message.empty()) {
      fail(hugetlb_rejection_without_location, "rejection without line or message", err.str());
    }
    return 0;
  }
  const HState h = hstate_of(p.granule, p.size);
  std::string why;
  for (const Op& op : p.ops) {
    if (!validate_op(op, h, &why)) fail(hugetlb_accepted_invalid_op, "accepted invalid op", why);
  }
  const std::string canon = format_program(p);
  Program q;
  if (!parse_program(canon, "canonical.repro", &q, &err)) {
    fail(hugetlb_canonical_text_rejected, "canonical text rejected", err.str() + "\n" + canon);
  }
  if (q.ops != p.ops || format_program(q) != canon) {
    fail(hugetlb_text_roundtrip_mismatch, "text round trip changed the program", canon);
  }
  const Program b = decode_program(encode_program(p));
  if (b.ops != p.ops || format_program(b) != canon) {
    fail(hugetlb_binary_roundtrip_mismatch, "binary round trip changed the program", canon);
  }
  return 0;
}
