/*
 * Where a VM's boot images go in its RAM (pure logic, unit-tested):
 * - an arm64 Linux Image (magic "ARM\x64" at 0x38) is placed at
 *   RAM base + text_offset, honouring image_size (the kernel's bss);
 * - a raw binary without that header goes 512 KiB above the RAM base (as
 *   QEMU does) and starts at its first byte;
 * - the initrd goes where QEMU puts it for -kernel/-initrd, RAM base +
 *   min(RAM/2, 128 MiB), but never below the end of the image's footprint
 *   (max(image_size, file size) for an Image, the file for a raw binary,
 *   page aligned); the DTB follows it (2 MiB aligned, as Linux asks for
 *   the DTB to sit in one 2 MiB block), or sits there without an initrd;
 * - if they do not fit there, both go as high in RAM as they fit, still
 *   above the image's footprint.
 */
#ifndef HYPARM_LOADER_H
#define HYPARM_LOADER_H

#include <hyparm/types.h>
#include <hyparm/guest_layout.h>

#define ARM64_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 0x38 */
#define RAW_KERNEL_OFFSET GUEST_RAW_IMAGE_OFFSET

struct load_plan {
	bool is_linux_image;
	u64 kernel_off; /* offsets from the RAM base */
	u64 kernel_size; /* bytes copied */
	u64 kernel_end; /* first byte past the kernel's footprint (image_size) */
	u64 initrd_off, initrd_size;
	u64 dtb_off, dtb_max;
	u64 entry_off;
};

/*
 * Whether a kernel file can be booted: an arm64 Image (its magic), or a
 * plausible raw binary, which is what hyparm enters at its first byte:
 * at least one instruction, not a file of another known kind (ELF, PE
 * without the Image header, gzip/xz/zstd/bzip2 compressed, device tree,
 * cpio, U-Boot uImage), not text, and not starting with a zero word
 * (UDF #0). Reads at most the first 64 bytes. HV_OK, or -HV_EINVAL with
 * what it is instead in err ("is an ELF file (...)").
 */
int loader_check_image(const void *kernel, u64 size, char *err, size_t errlen);

/* HV_OK, or -HV_EINVAL / -HV_ENOMEM ("does not fit") with a reason in err. */
int loader_plan(const void *kernel, u64 kernel_size, u64 initrd_size, u64 dtb_max, u64 ram_size,
		struct load_plan *plan, char *err, size_t errlen);

#endif
