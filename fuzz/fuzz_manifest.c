/*
 * The manifest parser on arbitrary bytes (manifest.dtb comes out of the
 * bundle, which hyparm never trusts), with a fake bundle in which every
 * file exists and is a small raw binary. Checks on success that every VM is
 * complete and within the documented limits (valid unique name, kernel
 * named, 1..8 vCPUs, RAM a multiple of 2 MiB within the machine's, affinity
 * within its CPUs), strings are NUL-terminated inside their fields; on
 * failure, that there is a message.
 *
 * Input: one byte for the number of physical CPUs, then the blob (copied
 * to an 8-byte aligned buffer, as hyparm does).
 */
#include <stdlib.h>
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/manifest.h>
#include "input.h"

static const unsigned char raw[16] = { 0x61, 0x00, 0x00, 0xb4 };

static int any_file(void *ctx, const char *name, const void **data, uint64_t *size)
{
	*data = raw;
	*size = sizeof(raw);
	return HV_OK;
}

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
	struct manifest_env env = { .nr_pcpus = 1 + fuzz_u8(&in) % 8,
				    .ram_bytes = 1ULL << 30,
				    .find = any_file };
	struct vm_config out[VMCONF_MAX_VMS];
	unsigned count = 12345;
	uint64_t total = 0;
	char err[256];
	uint64_t *blob = malloc(in.left + 8);
	int rc;

	FUZZ_CHECK(blob != NULL);
	memcpy(blob, in.p, in.left);
	memset(out, 0x5A, sizeof(out));
	rc = manifest_parse(blob, in.left, &env, out, VMCONF_MAX_VMS, &count, err, sizeof(err));
	free(blob);
	FUZZ_CHECK(rc == HV_OK || rc == -HV_EINVAL);
	if (rc) {
		FUZZ_CHECK(count == 0 && memchr(err, '\0', sizeof(err)) && err[0]);
		return 0;
	}
	FUZZ_CHECK(count >= 1 && count <= VMCONF_MAX_VMS);
	for (unsigned i = 0; i < count; i++) {
		const struct vm_config *c = &out[i];

		FUZZ_CHECK(memchr(c->name, '\0', sizeof(c->name)) && valid_name(c->name));
		FUZZ_CHECK(memchr(c->kernel, '\0', sizeof(c->kernel)) && c->kernel[0]);
		FUZZ_CHECK(memchr(c->initrd, '\0', sizeof(c->initrd)));
		FUZZ_CHECK(memchr(c->dtb, '\0', sizeof(c->dtb)));
		FUZZ_CHECK(memchr(c->cmdline, '\0', sizeof(c->cmdline)));
		FUZZ_CHECK(memchr(c->devices, '\0', sizeof(c->devices)));
		FUZZ_CHECK(memchr(c->where, '\0', sizeof(c->where)));
		FUZZ_CHECK(c->vcpus >= 1 && c->vcpus <= VMCONF_MAX_VCPUS);
		FUZZ_CHECK(c->mem_size >= MiB(2) && (c->mem_size & (MiB(2) - 1)) == 0);
		FUZZ_CHECK(c->nr_pcpus <= VMCONF_MAX_VCPUS);
		for (unsigned j = 0; j < c->nr_pcpus; j++)
			FUZZ_CHECK(c->pcpus[j] < env.nr_pcpus);
		FUZZ_CHECK(c->restart == VM_RESTART_NEVER && !c->identity_mapped);
		for (unsigned j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(out[j].name, c->name) != 0);
		total += c->mem_size;
	}
	FUZZ_CHECK(total <= env.ram_bytes);
	return 0;
}
