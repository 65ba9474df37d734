// ptediff: the binary fuzz-input encoding (docs/DESIGN.md §8.3.3).
//
// Decoding is total: every byte string is a valid Program. Layout:
//   byte 0      header: bits[1:0] granule (3 -> 4K), bit 2 hafdbs, bit 3 bbml2,
//               bits[5:4] profile (3 -> fold); bits 7:6 ignored.
//   byte 1      mutant name length L (masked to 0..63; 0 = "none"),
//   L bytes     the name (bytes outside [a-z0-9-] read as 'x'; a name the
//               mutant catalogue does not know reads as "none", as text rejects it),
//   then ops until the bytes run out (at most kMaxEncodedOps): an opcode byte
//   (modulo kNumOpKinds), then the op's operands in spec order, each in its
//   the operand's width, little-endian, reduced into range (formats/op_table.h).
// Bytes missing at the end read as 0, so a truncated last op still decodes.
// A mid-op event (an event opcode, ops.h) belongs to the op before it: one
// under no op or past kMaxEventsPerOp is dropped, and an event's prim is
// raised to the prim of the event above it (text lists them in firing order).
#ifndef PTEDIFF_SUBJECTS_CONTPTE_CODEC_H_
#define PTEDIFF_SUBJECTS_CONTPTE_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "subjects/contpte/program.h"

namespace ptediff {

// Ops past this many are ignored by decode_program.
inline constexpr size_t kMaxEncodedOps = 4096;

// Decodes any byte string into a valid program (validate_program holds with
// the same window). `window_pages` 0 means the default window (2 * ptrs_per_pte).
Program decode_program(std::span<const uint8_t> bytes, uint64_t window_pages = 0);

// The canonical bytes of a program. decode_program(encode_program(p)) == p for
// every program valid under the decoder's window that has at most
// kMaxEncodedOps ops and whose address/nr operands fit in 16-bit page numbers
// (true for the default windows).
std::vector<uint8_t> encode_program(const Program& p);

// The largest number of bytes one encoded op takes (opcode included).
size_t max_encoded_op_size();

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_CODEC_H_
