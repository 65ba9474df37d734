/* ptediff kernel shim, contpte.c: <linux/efi.h>. The machine has no EFI
 * runtime-services mm (efi_mm), so no mm is the EFI one. */
#ifndef PTEDIFF_KSHIM_LINUX_EFI_H_
#define PTEDIFF_KSHIM_LINUX_EFI_H_

#include "kshim/types.h"

static inline bool mm_is_efi(struct mm_struct *mm) { return false; }

#endif /* PTEDIFF_KSHIM_LINUX_EFI_H_ */
