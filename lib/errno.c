/* Names for hyparm's error codes (include/hyparm/errno.h), for messages. */
#include <hyparm/errno.h>

const char *hv_strerror(int err)
{
	/* Callers pass the negative return value or the positive code: accept both
	 * (unsigned negation, so even INT_MIN cannot overflow). */
	unsigned code = err < 0 ? 0u - (unsigned)err : (unsigned)err;

	switch (code) {
	case HV_OK:
		return "ok";
	case HV_EINVAL:
		return "invalid argument";
	case HV_ENOMEM:
		return "out of memory";
	case HV_EEXIST:
		return "already exists";
	case HV_ENOENT:
		return "not found";
	case HV_ERANGE:
		return "out of range";
	case HV_EFAULT:
		return "bad address";
	case HV_ENOTSUP:
		return "not supported";
	case HV_EBUSY:
		return "busy";
	case HV_EIO:
		return "input/output error";
	case HV_ENODEV:
		return "no device";
	default:
		return "unknown error";
	}
}
