/*
 * loader_plan on arbitrary kernel images (an arm64 Image header is 64
 * bytes; anything after it is payload) and sizes. The kernel comes from
 * the bundle, so its header is not trusted. Checks on success that the
 * plan fits the VM's RAM with nothing overlapping: kernel, then its bss
 * (image_size), then the page-aligned initrd, then the 2 MiB aligned DTB.
 *
 * Input: initrd size, DTB size, RAM size (8 bytes each), then the image.
 */
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/loader.h>
#include "input.h"

static u64 pick_size(struct fuzz_input *in)
{
	u64 v = fuzz_u64(in);

	/* Mostly plausible sizes (below 4 GiB), sometimes anything. */
	return (v & 1) ? v : (v >> 1) & 0xFFFFFFFFULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);
	u64 initrd_size = pick_size(&in), dtb_max = pick_size(&in), ram_size = pick_size(&in);
	struct load_plan plan;
	char err[160];
	int rc;

	memset(err, 0, sizeof(err));
	rc = loader_plan(in.p, in.left, initrd_size, dtb_max, ram_size, &plan, err, sizeof(err));
	FUZZ_CHECK(rc == HV_OK || rc == -HV_EINVAL || rc == -HV_ENOMEM);
	if (rc) {
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)));
		return 0;
	}
	FUZZ_CHECK(plan.kernel_size == in.left);
	FUZZ_CHECK(plan.kernel_off + plan.kernel_size >= plan.kernel_off);
	FUZZ_CHECK(plan.kernel_off + plan.kernel_size <= plan.kernel_end);
	FUZZ_CHECK(plan.entry_off >= plan.kernel_off && plan.entry_off < plan.kernel_end);
	/* The entry point is an instruction. */
	FUZZ_CHECK((plan.entry_off & 3) == 0);
	FUZZ_CHECK(plan.initrd_off >= plan.kernel_end && (plan.initrd_off & 0xFFF) == 0);
	FUZZ_CHECK(plan.initrd_size == initrd_size);
	FUZZ_CHECK(plan.dtb_off >= plan.initrd_off + plan.initrd_size && (plan.dtb_off & (MiB(2) - 1)) == 0);
	FUZZ_CHECK(plan.dtb_max == dtb_max);
	FUZZ_CHECK(plan.dtb_off + plan.dtb_max >= plan.dtb_off && plan.dtb_off + plan.dtb_max <= ram_size);
	return 0;
}
