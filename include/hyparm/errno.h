/*
 * Error codes travel as negative return values with names, so that every
 * refusal (a bad config, a guest asking for something it may not have) can
 * be told apart and tested. Prefixed to avoid clashing with the host's errno.h
 * in unit tests.
 */
#ifndef HYPARM_ERRNO_H
#define HYPARM_ERRNO_H

#define HV_OK 0
#define HV_EINVAL 1 /* malformed or unaligned request */
#define HV_ENOMEM 2 /* allocator exhausted */
#define HV_EEXIST 3 /* range already mapped / registered */
#define HV_ENOENT 4 /* nothing there */
#define HV_ERANGE 5 /* outside the supported address range */
#define HV_EFAULT 6 /* access to memory the caller does not own */
#define HV_ENOTSUP 7 /* valid but not implemented */
#define HV_EBUSY 8 /* resource in use */
#define HV_EIO 9 /* a device reported a failure */
#define HV_ENODEV 10 /* a device slot with nothing attached */

const char *hv_strerror(int err);

#endif
