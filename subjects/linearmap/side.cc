// ptediff linear map: the optimized side behind the v3 table (side.h).
#include "subjects/linearmap/side.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "subjects/linearmap/optimized.h"

namespace ptediff::linearmap {

OptSide::OptSide(const Geometry& g, const ptediff_backend_v3* backend, const std::string& options)
    : g_(g),
      pt_(g),
      b_(backend != nullptr ? backend : linearmap_optimized_backend()),
      m_(pt_.machine().abi()),
      mm_(pt_.machine().mm(kKernelMm)) {
  pt_.begin_op();
  if (b_->init != nullptr && b_->init(m_, options.c_str()) != 0) {
    error_ = absl::StrCat("backend '", b_->name != nullptr ? b_->name : "?",
                          "' refused its options: ", absl::StrJoin(pt_.violations(), "; "));
    return;
  }
  ready_ = true;
}

OptSide::~OptSide() {
  if (ready_ && b_->fini != nullptr) b_->fini(m_);
}

bool OptSide::any_mapped(uint64_t lo, uint64_t hi) const {
  struct First {
    bool found = false;
    bool problem(uint64_t, const char*) { return true; }
    bool leaf(const Leaf&, uint64_t*) {
      found = true;
      return false;
    }
  } first;
  pt_.visit_leaves(lo, hi, first);
  return first.found;
}

int OptSide::set_memory(Change c, uint64_t page, uint64_t nr) {
  if (nr == 0) return kOk;
  if (page + nr > g_.window_pages || pt_.first_unmapped(page, page + nr) < page + nr) {
    return kEinval;
  }
  const uint64_t addr = page * g_.page_size;
  const int n = static_cast<int>(nr);
  switch (c) {
    case Change::kRo:
      return b_->set_memory_ro(m_, mm_, addr, n);
    case Change::kRw:
      return b_->set_memory_rw(m_, mm_, addr, n);
    case Change::kX:
      return b_->set_memory_x(m_, mm_, addr, n);
    case Change::kNx:
      return b_->set_memory_nx(m_, mm_, addr, n);
    case Change::kValid:
    case Change::kInvalid:
      return b_->set_memory_valid(m_, mm_, addr, n, c == Change::kValid);
    default:
      return kEinval;
  }
}

int OptSide::apply(const Op& op) {
  pt_.begin_op();
  if (alloc_.begin(op)) return kOk;
  b_->set_alloc_failures(m_, mm_, alloc_.failing);
  const uint64_t page = op.va / g_.page_size;
  switch (op.kind) {
    case OpKind::kMap: {
      const uint64_t nr = op.size / g_.page_size;
      if (nr == 0 || page + nr > g_.window_pages || any_mapped(page, page + nr)) return kEinval;
      return b_->create_pgd_mapping(m_, mm_, op.va, op.pa, op.size, op.flags);
    }
    case OpKind::kSplit:
      if (!pt_.find_leaf(page).has_value()) return kEinval;
      return b_->split_kernel_leaf_mapping(m_, mm_, op.va, op.va);
    case OpKind::kSetMemory:
      return set_memory(op.change, page, op.nr);
    case OpKind::kSetAlias:
      for (uint64_t k = 0; k < op.nr; ++k) {
        const uint64_t p = page + k * op.stride;
        const int r = p < g_.window_pages ? set_memory(op.change, p, 1) : kEinval;
        if (r != kOk) return r;
      }
      return kOk;
    case OpKind::kRepaint:
      return b_->linear_map_split_to_ptes(m_, mm_, 0, g_.window_pages * g_.page_size);
    default:
      return kEinval;
  }
}

}  // namespace ptediff::linearmap
