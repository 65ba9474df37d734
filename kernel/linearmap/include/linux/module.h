/* ptediff kernel linear-map shim: <linux/module.h>, the whole kernel world of klm/kernel.h. */
#include "klm/kernel.h"
