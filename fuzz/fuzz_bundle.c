/*
 * The cpio bundle reader on arbitrary bytes: the bundle is whatever the
 * boot loader put in RAM as the initrd. Checks: every answer is one of the
 * documented codes, a failed check says why, a found file lies inside the
 * archive, and an archive that passes bundle_check never makes
 * bundle_find report it malformed.
 */
#include <string.h>
#include <hyparm/bundle.h>
#include <hyparm/errno.h>
#include "input.h"

static void find(const uint8_t *data, size_t size, const char *name, bool checked)
{
	const void *file = NULL;
	u64 len = 0;
	int rc = bundle_find(data, size, name, &file, &len);

	FUZZ_CHECK(rc == HV_OK || rc == -HV_ENOENT || rc == -HV_EINVAL);
	if (checked)
		FUZZ_CHECK(rc != -HV_EINVAL);
	if (rc == HV_OK) {
		const uint8_t *f = file;
		FUZZ_CHECK(f >= data && f <= data + size && len <= (u64)(data + size - f));
		if (len)
			(void)*(volatile const uint8_t *)(f + len -
							  1); /* ASan: the last byte is ours to read */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	int rc;

	memset(err, 0x55, sizeof(err));
	rc = bundle_check(data, size, err, sizeof(err));
	FUZZ_CHECK(rc == HV_OK || rc == -HV_EINVAL);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)));
	if (rc)
		FUZZ_CHECK(err[0]);
	find(data, size, "vms.conf", rc == HV_OK);
	find(data, size, "./guest0.bin", rc == HV_OK);
	find(data, size, "a", rc == HV_OK);
	return 0;
}
