/* ptediff kernel linear-map shim: <linux/mem_encrypt.h>, the whole kernel world of klm/kernel.h. */
#include "klm/kernel.h"
