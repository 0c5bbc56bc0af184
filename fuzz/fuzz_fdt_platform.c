/*
 * platform_from_fdt on arbitrary bytes: the device tree comes from the
 * boot loader, and everything hyparm knows about the machine is read from
 * it. The harness keeps the boot loader's side of the contract (the blob
 * is at least totalsize bytes long); inside that, anything goes. Checks
 * the result is within its bounds: counts, NUL-terminated strings, a
 * message on failure.
 */
#include <string.h>
#include <drivers/platform.h>
#include <hyparm/errno.h>
#include <libfdt.h>
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct platform p;
	char err[128];
	int rc;

	if (size < sizeof(struct fdt_header) || fdt_totalsize(data) > size)
		return 0;
	memset(err, 0, sizeof(err));
	rc = platform_from_fdt(data, &p, err, sizeof(err));
	FUZZ_CHECK(rc == HV_OK || rc == -HV_EINVAL);
	if (rc) {
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)));
		return 0;
	}
	FUZZ_CHECK(memchr(p.model, '\0', sizeof(p.model)));
	FUZZ_CHECK(p.nr_mem >= 1 && p.nr_mem <= PLAT_MAX_MEM);
	FUZZ_CHECK(p.nr_reserved <= PLAT_MAX_RESERVED);
	FUZZ_CHECK(p.nr_cpus >= 1 && p.nr_cpus <= MAX_PCPUS);
	for (unsigned i = 0; i < p.nr_mem; i++)
		FUZZ_CHECK(p.mem[i].size);
	for (unsigned i = 0; i < p.nr_reserved; i++)
		FUZZ_CHECK(p.reserved[i].size);
	FUZZ_CHECK(p.gic_version == 0 || p.gic_version == 2 || p.gic_version == 3);
	FUZZ_CHECK(p.initrd_start <= p.initrd_end);
	return 0;
}
