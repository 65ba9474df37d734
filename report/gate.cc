// ptediff: the gate's verdict, the names its formats print and the text
// they can hold (see gate.h).
#include "report/gate.h"

#include <algorithm>
#include <cstdint>

namespace ptediff {
namespace {

// The length of the valid UTF-8 sequence at the start of `s` (no overlong
// form, no surrogate, nothing past U+10FFFF) with its code point in *cp, or 0.
size_t utf8_char_len(std::string_view s, uint32_t* cp) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, *cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, *cp = c & 0x0f;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, *cp = c & 0x07;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
    *cp = *cp << 6 | (b(i) & 0x3f);
  }
  return n;
}

// Whether code point `cp` is a control character (C0, DEL, C1) or one XML
// forbids (U+FFFE, U+FFFF).
bool is_control(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xfffe || cp == 0xffff;
}

}  // namespace

bool GateSubject::errored() const {
  for (const GatePhase& p : phases) {
    if (p.result == GatePhaseResult::kError) return true;
  }
  return false;
}

bool GateSubject::fails() const {
  for (const GateFinding& f : findings) {
    if (f.fails()) return true;
  }
  return false;
}

int GateReport::exit_status() const {
  if (!error.empty()) return 2;
  for (const GateSubject& s : subjects) {
    if (s.errored()) return 2;
  }
  for (const GateSubject& s : subjects) {
    if (s.fails()) return 1;
  }
  return 0;
}

const char* gate_phase_result_name(GatePhaseResult r) {
  switch (r) {
    case GatePhaseResult::kPass:
      return "pass";
    case GatePhaseResult::kFail:
      return "fail";
    case GatePhaseResult::kCut:
      return "cut";
    case GatePhaseResult::kSkip:
      return "skip";
    case GatePhaseResult::kError:
      return "error";
  }
  return "?";
}

const char* gate_status_name(GateStatus s) {
  switch (s) {
    case GateStatus::kFound:
      return "found";
    case GateStatus::kNew:
      return "new";
    case GateStatus::kPreExisting:
      return "pre-existing";
    case GateStatus::kFixed:
      return "fixed";
  }
  return "?";
}

std::string gate_printable(std::string_view s, bool one_line) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = static_cast<unsigned char>(s[i]);
    const size_t n = cp < 0x80 ? 1 : utf8_char_len(s.substr(i), &cp);
    if (n == 0) {
      out += "\xef\xbf\xbd";
    } else if (cp == '\n' || cp == '\t') {
      out.push_back(one_line ? ' ' : static_cast<char>(cp));
    } else if (is_control(cp)) {
      out.push_back('?');
    } else {
      out.append(s.substr(i, n));
    }
    i += std::max<size_t>(n, 1);
  }
  return out;
}

}  // namespace ptediff
