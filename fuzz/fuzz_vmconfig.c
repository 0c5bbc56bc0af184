/*
 * The vms.conf parser on arbitrary text (it comes out of the bundle and
 * may have been written by hand). Checks on success that every VM is
 * complete and within the documented limits (kernel named, valid unique
 * name, 1..8 vCPUs, RAM a multiple of 2 MiB, pcpus 0..255), strings are
 * NUL-terminated inside their fields; on failure, that the message names
 * the file.
 *
 * Input: one byte for the VM limit, then the text.
 */
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/vmconfig.h>
#include "input.h"

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);
	unsigned max = 1 + fuzz_u8(&in) % VMCONF_MAX_VMS, count = 12345;
	struct vm_config out[VMCONF_MAX_VMS];
	char err[160];
	int rc;

	memset(out, 0x5A, sizeof(out));
	rc = vmconfig_parse((const char *)in.p, in.left, "vms.conf", out, max, &count, err, sizeof(err));
	FUZZ_CHECK(rc == HV_OK || rc == -HV_EINVAL);
	if (rc) {
		FUZZ_CHECK(count == 0);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) && strncmp(err, "vms.conf", 8) == 0);
		return 0;
	}
	FUZZ_CHECK(count >= 1 && count <= max);
	for (unsigned i = 0; i < count; i++) {
		const struct vm_config *c = &out[i];

		FUZZ_CHECK(memchr(c->name, '\0', sizeof(c->name)) && valid_name(c->name));
		FUZZ_CHECK(memchr(c->kernel, '\0', sizeof(c->kernel)) && c->kernel[0]);
		FUZZ_CHECK(memchr(c->initrd, '\0', sizeof(c->initrd)));
		FUZZ_CHECK(memchr(c->dtb, '\0', sizeof(c->dtb)));
		FUZZ_CHECK(memchr(c->cmdline, '\0', sizeof(c->cmdline)));
		FUZZ_CHECK(c->vcpus >= 1 && c->vcpus <= VMCONF_MAX_VCPUS);
		FUZZ_CHECK(c->mem_size >= MiB(2) && (c->mem_size & (MiB(2) - 1)) == 0);
		FUZZ_CHECK(c->nr_pcpus <= VMCONF_MAX_VCPUS);
		for (unsigned j = 0; j < c->nr_pcpus; j++)
			FUZZ_CHECK(c->pcpus[j] <= 255);
		for (unsigned j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(out[j].name, c->name) != 0);
	}
	return 0;
}
