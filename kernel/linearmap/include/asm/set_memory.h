/* ptediff kernel linear-map shim: <asm/set_memory.h>, the whole kernel world of klm/kernel.h. */
#include "klm/kernel.h"
