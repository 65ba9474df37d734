/* ptediff kernel linear-map shim: <linux/vmalloc.h>, the whole kernel world of klm/kernel.h. */
#include "klm/kernel.h"
