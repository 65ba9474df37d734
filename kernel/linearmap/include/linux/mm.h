/* ptediff kernel linear-map shim: <linux/mm.h>, the whole kernel world of klm/kernel.h. */
#include "klm/kernel.h"
