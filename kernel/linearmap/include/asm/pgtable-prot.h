/* ptediff kernel linear-map shim: <asm/pgtable-prot.h>, the whole kernel world of klm/kernel.h. */
#include "klm/kernel.h"
