// ptediff hugetlb: the subject's oracle (oracle.h).
#include "subjects/hugetlb/oracle.h"

namespace ptediff::hugetlb {

void Oracle::after_op(const OpView& v, const OpLogs&, std::vector<Divergence>* out) {
  check_op(v.ref, v.opt, v.op, v.pages, &uncertain_, out);
}

}  // namespace ptediff::hugetlb
