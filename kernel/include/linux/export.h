/* ptediff kernel shim, contpte.c: <linux/export.h>. A userspace .so has no module
 * symbol table: EXPORT_SYMBOL_GPL(sym) becomes a harmless redeclaration. */
#ifndef PTEDIFF_KSHIM_LINUX_EXPORT_H_
#define PTEDIFF_KSHIM_LINUX_EXPORT_H_

#define EXPORT_SYMBOL_GPL(sym) extern __typeof__(sym) sym
#define EXPORT_SYMBOL(sym) extern __typeof__(sym) sym

#endif /* PTEDIFF_KSHIM_LINUX_EXPORT_H_ */
