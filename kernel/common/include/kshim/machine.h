/* ptediff kernel shim: the ptediff world's common side of every kernel
 * backend (kernel/common/machine.c).
 *
 * The primitives of kshim/bridge.h onto the machine of the current call,
 * and what each backend table (a backend's shim/backend.c) needs around a
 * call into the kernel world: entering a call (the machine becomes the
 * current one of this thread, with its geometry and a fresh primitive
 * budget), the caller contract checks they share, the mapping of the
 * harness's mms to kernel mm_structs, and init/fini with the option list.
 * Per-run state lives in backend_priv (a struct kshim_run); the thread-local
 * current machine is cleared on the way out of every call. Only the ptediff
 * world includes this header.
 */
#ifndef PTEDIFF_KSHIM_MACHINE_H_
#define PTEDIFF_KSHIM_MACHINE_H_

#include <stdbool.h>
#include <stdint.h>

#include "kshim/bridge.h"
#include "ptediff/backend.h"

/* One run of a kernel backend (backend_priv, from init to fini). */
struct kshim_run {
  struct mm_struct mms[KSHIM_MAX_MMS]; /* user mms from slot 1; slot 0 is init_mm */
  unsigned nr_mms;
  uint64_t hsize; /* the VMA's huge page size (option hsize=), or 0 */
};

/* The machine of the current call; NULL between calls. */
extern _Thread_local const struct ptediff_machine *kshim_cur;

/* Reports a contract error on the current machine. */
void kshim_report(const char *what);

/* Enters a call on machine m: makes it the current one, sets kshim_geo
 * (and its hsize from the run) and a fresh primitive budget. */
void kshim_enter(const struct ptediff_machine *m);

/* Why `addr` cannot name an entry of the current machine (not page
 * aligned, beyond the shim's table window), or NULL. */
const char *kshim_addr_problem(uint64_t addr);

/* Reports a call that must not run, "FN: WHY (addr ADDR, WHAT VALUE)";
 * returns NULL. */
struct mm_struct *kshim_refuse(const char *fn, const char *why, uint64_t addr, const char *what,
                               long long value);

/* The kernel mm_struct of the harness's mm for this call (init_mm for the
 * machine's non-user mm), or NULL (reported). */
struct mm_struct *kshim_mm_struct_of(struct ptediff_mm *pmm);

/* Leaves a call: nothing of it stays in the thread-local state. */
void kshim_leave(void);

/* The body of a backend entry: `enter` yields the mm_struct (NULL when the
 * call must not run, already reported), then `call` runs, then the call is
 * left. The entry's parameters are in scope as written. */
#define KSHIM_CALL(ret_type, fallback, enter, call) \
  struct mm_struct *mm = (enter);                   \
  ret_type r = (fallback);                          \
  if (mm != NULL) r = (call);                       \
  kshim_leave();                                    \
  return r
#define KSHIM_VOID_CALL(enter, call) \
  struct mm_struct *mm = (enter);    \
  if (mm != NULL) call;              \
  kshim_leave()

/* Takes one word of the init options (NUL-terminated) into the run; false
 * when the backend does not support it. */
typedef bool (*kshim_option_fn)(const char *word, struct kshim_run *run);

/* init of a backend table: a new run in m->backend_priv, each
 * space-separated word of `options` given to `accept`. Returns 0, or 1
 * after a contract error "NAME: unsupported option 'WORD' (USAGE)" (no run
 * is left behind). */
int kshim_init(struct ptediff_machine *m, const char *options, const char *name,
               kshim_option_fn accept, const char *usage);

/* fini of a backend table: releases the run; safe on a machine init never
 * set up. */
void kshim_fini(struct ptediff_machine *m);

#endif /* PTEDIFF_KSHIM_MACHINE_H_ */
