/* ptediff kernel callers: the C ABI of a callers library (ptediff world).
 *
 * A callers library (libcallers-<version>.so, kernel/callers/) holds a
 * tree's own core-mm callers of the arm64 page-table API, cut out of its
 * mm/ by kernel/callers/extract.sh, and exports ptediff_callers_v1(). Each
 * call runs one kernel function on a machine, its entry accesses going
 * through the backend table given (O's arch code: the built-in contpte
 * backend or a kernel contpte.c), and counts what it did to folios in a
 * struct kc_acct (kc/bridge.h).
 */
#ifndef PTEDIFF_KC_CALLERS_ABI_H_
#define PTEDIFF_KC_CALLERS_ABI_H_

#include "bridge.h"
#include "ptediff/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTEDIFF_CALLERS_ABI_VERSION 1
/* The flows a library runs with the tree's code (the others keep the model). */
#define PTEDIFF_CALLERS_FORK (1u << 0)
#define PTEDIFF_CALLERS_ZAP (1u << 1)

struct ptediff_callers {
  uint32_t abi_version; /* PTEDIFF_CALLERS_ABI_VERSION */
  const char *name;     /* e.g. "linux-6.12.117-callers" */
  uint32_t flows;       /* PTEDIFF_CALLERS_* */
  /* copy_present_ptes() of fork's copy_pte_range from `src` to `dst` for the
   * present entry `pte` at addr (at most max_nr entries, one table): the
   * number of entries copied, or a negative errno. */
  int (*copy_present_ptes)(struct ptediff_machine *m, const struct ptediff_backend *be,
                           struct ptediff_mm *src, struct ptediff_mm *dst, uint64_t addr, pte_t pte,
                           int max_nr, struct kc_acct *acct);
  /* zap_present_ptes() of zap_pte_range in `mm` for the present entry `pte`
   * at addr (at most max_nr entries) under the op's mmu_gather `g`: the
   * number of entries zapped or skipped. */
  int (*zap_present_ptes)(struct ptediff_machine *m, const struct ptediff_backend *be,
                          struct ptediff_mm *mm, uint64_t addr, pte_t pte, unsigned max_nr,
                          struct kc_gather *g, struct kc_acct *acct);
  /* The Kconfig answer the library was built with (kc_config). */
  int (*config)(const char *symbol);
};

typedef const struct ptediff_callers *(*ptediff_callers_v1_fn)(void);
const struct ptediff_callers *ptediff_callers_v1(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PTEDIFF_KC_CALLERS_ABI_H_ */
