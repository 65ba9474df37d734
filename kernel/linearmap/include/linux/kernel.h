/* ptediff kernel linear-map shim: <linux/kernel.h>, the whole kernel world of klm/kernel.h. */
#include "klm/kernel.h"
