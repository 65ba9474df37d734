/* ptediff kernel shim, contpte.c: <linux/mm.h>. The kernel types and the
 * arm64 arch layer (kernel/common: kshim/pgtable.h), then the public API of
 * the tree: its CONFIG_ARM64_CONTPTE wrapper block, cut verbatim from
 * arch/arm64/include/asm/pgtable.h by kernel/extract.sh (build folder), and
 * core-mm's generic helpers over it (kshim/generic.h; kshim/batch.h for the
 * batch helpers the block does not define). */
#ifndef PTEDIFF_KSHIM_LINUX_MM_H_
#define PTEDIFF_KSHIM_LINUX_MM_H_

#include "kshim/pgtable.h"
/* Extracted verbatim (build folder). */
#include "contpte_wrappers.h"
#include "kshim/batch.h"
#include "kshim/generic.h"

#endif /* PTEDIFF_KSHIM_LINUX_MM_H_ */
