// ptediff linear map: helpers for tests that drive the subject op by op.
//
// A Driver parses op lines in the .repro syntax, runs each on R and O with
// every check, and keeps the divergences. Header-only; tests link
// ptediff_linearmap.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_TESTING_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_TESTING_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "subjects/linearmap/executor.h"

namespace ptediff::linearmap::testing {

class Driver {
 public:
  explicit Driver(ptediff_granule g = PTEDIFF_GRANULE_4K, bool bbml2 = true,
                  Mutant m = Mutant::kNone)
      : program_(header(g, bbml2)), session_(program_, m) {}

  // Runs one op line (e.g. "split va=0x201000"); returns O's error code, or
  // 1000 when the line does not parse (with the message in last_error()).
  int run(const std::string& line) {
    Program p;
    ParseError err;
    const std::string text = absl::StrCat("ptediff-repro 1\nsubject linear-map\ngranule ",
                                          granule_name(program_.granule), "\n", line, "\n");
    if (!parse_program(text, "op", &p, &err) || p.ops.size() != 1) {
      error_ = err.str();
      return 1000;
    }
    program_.ops.push_back(p.ops[0]);
    return session_.step(p.ops[0], program_.ops.size() - 1, &divergences_);
  }

  // O's leaves grouped as summarize() does ("2M x4 [0K, 8192K)").
  std::vector<std::string> shape() const {
    return summarize(session_.opt_leaves(), session_.geometry());
  }
  // Only the leaves whose attributes satisfy (attrs & mask) == want.
  std::vector<std::string> shape_where(pte_t mask, pte_t want) const {
    std::vector<Leaf> l;
    for (const Leaf& x : session_.opt_leaves()) {
      if ((x.attrs & mask) == want) l.push_back(x);
    }
    return summarize(l, session_.geometry());
  }

  const std::vector<Divergence>& divergences() const { return divergences_; }
  bool clean() const { return divergences_.empty(); }
  std::string report() const {
    RunResult r;
    r.divergences = divergences_;
    return format_report(r, program_);
  }
  const std::string& last_error() const { return error_; }
  const Session& session() const { return session_; }

 private:
  static Program header(ptediff_granule g, bool bbml2) {
    Program p;
    p.granule = g;
    p.bbml2 = bbml2;
    return p;
  }

  Program program_;
  Session session_;
  std::vector<Divergence> divergences_;
  std::string error_;
};

}  // namespace ptediff::linearmap::testing

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_TESTING_H_
