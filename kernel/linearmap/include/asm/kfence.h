/* ptediff kernel linear-map shim: <asm/kfence.h>, the whole kernel world of klm/kernel.h. */
#include "klm/kernel.h"
