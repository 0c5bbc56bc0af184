/*
 * The guest-image bundle: a cpio archive ("newc" format, as made by
 * `cpio -o -H newc`) that the boot loader places in RAM as an initrd
 * (QEMU -initrd, U-Boot's booti). It holds manifest.dtb (the VM manifest)
 * and every file it names.
 */
#ifndef HYPARM_BUNDLE_H
#define HYPARM_BUNDLE_H

#include <hyparm/types.h>

/* Find a file by name. HV_OK, -HV_ENOENT, or -HV_EINVAL if the archive is malformed. */
int bundle_find(const void *base, u64 len, const char *name, const void **data, u64 *size);
/* Walk the archive once to check every header; -HV_EINVAL with a message in err. */
int bundle_check(const void *base, u64 len, char *err, size_t errlen);

#endif
