/*
 * Placement of a VM's kernel, initrd and DTB in its RAM (see
 * include/hyparm/loader.h). Offsets only: copying is the caller's job.
 *
 * The arm64 Image header (Linux Documentation/arch/arm64/booting.rst):
 *   0x00 code0/code1, 0x08 text_offset, 0x10 image_size, 0x18 flags (all
 *   u64 little-endian), 0x38 magic "ARM\x64"; 64 bytes in all.
 */
#include <hyparm/errno.h>
#include <hyparm/loader.h>
#include <hyparm/print.h>
#include <string.h>

#define IMAGE_HDR_SIZE 64
#define IMAGE_TEXT_OFFSET 0x08
#define IMAGE_IMAGE_SIZE 0x10
#define IMAGE_MAGIC 0x38
/* Kernels older than 3.17 leave image_size 0 and expect this text_offset. */
#define IMAGE_LEGACY_TEXT_OFFSET 0x80000u
#define DTB_ALIGN MiB(2)
/*
 * Where QEMU puts an initrd for -kernel (hw/arm/boot.c): RAM/2 on a small
 * board, 128 MiB on a large one, so that neither a kernel that grows
 * (bss, decompression) nor a guest's early allocations reach it, and it
 * stays in the low memory a 32-bit kernel can map.
 */
#define INITRD_PREFERRED_MAX MiB(128)
/*
 * Far above any VM RAM size: sizes below this cannot overflow u64 when a
 * few are added, so the arithmetic below needs no overflow checks.
 */
#define SANE_LIMIT (1ULL << 48)

/* The image may sit anywhere in the bundle: byte reads, no alignment assumed. */
static u64 le64_at(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static u32 le32_at(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void report(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void report(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	hv_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static u64 mib_round_up(u64 bytes)
{
	return ALIGN_UP(bytes, MiB(1)) >> 20;
}

int loader_plan(const void *kernel, u64 kernel_size, u64 initrd_size, u64 dtb_max, u64 ram_size,
		struct load_plan *plan, char *err, size_t errlen)
{
	const u8 *k = kernel;
	u64 footprint, low, need;

	*plan = (struct load_plan){ 0 };
	if (!kernel || !kernel_size) {
		report(err, errlen, "kernel image is empty");
		return -HV_EINVAL;
	}
	if (kernel_size >= SANE_LIMIT || initrd_size >= SANE_LIMIT || dtb_max >= SANE_LIMIT) {
		report(err, errlen, "boot images too large (kernel %llu, initrd %llu, dtb %llu bytes)",
		       (unsigned long long)kernel_size, (unsigned long long)initrd_size,
		       (unsigned long long)dtb_max);
		return -HV_EINVAL;
	}

	plan->kernel_size = kernel_size;
	footprint = kernel_size;
	if (kernel_size >= IMAGE_HDR_SIZE && le32_at(k + IMAGE_MAGIC) == ARM64_IMAGE_MAGIC) {
		u64 text_offset = le64_at(k + IMAGE_TEXT_OFFSET);
		u64 image_size = le64_at(k + IMAGE_IMAGE_SIZE);

		if (image_size == 0)
			text_offset = IMAGE_LEGACY_TEXT_OFFSET;
		/* The entry point is base + text_offset: it must be an instruction address. */
		if (text_offset >= SANE_LIMIT || image_size >= SANE_LIMIT || (text_offset & 3)) {
			report(err, errlen,
			       "kernel: implausible Image header (text_offset 0x%llx, image_size 0x%llx)",
			       (unsigned long long)text_offset, (unsigned long long)image_size);
			return -HV_EINVAL;
		}
		plan->is_linux_image = true;
		/* hyparm gives every VM 2 MiB aligned RAM, so base + text_offset is what booting.rst asks. */
		plan->kernel_off = text_offset;
		footprint = MAX(image_size, kernel_size);
	} else {
		plan->kernel_off = RAW_KERNEL_OFFSET;
	}
	plan->kernel_end = plan->kernel_off + footprint;
	plan->entry_off = plan->kernel_off;

	/*
	 * The initrd and the DTB go where QEMU puts them (INITRD_PREFERRED_MAX),
	 * never below the image's footprint: a raw image's file end is where its
	 * bss and stack begin, which it zeroes and uses at once, so the space
	 * right after the file is the image's, not free. The DTB follows the
	 * initrd (with no initrd, it sits where the initrd would), inside one
	 * 2 MiB block as Linux asks.
	 */
	plan->initrd_size = initrd_size;
	plan->dtb_max = dtb_max;
	low = ALIGN_UP(plan->kernel_end, PAGE_SIZE);
	plan->initrd_off = ALIGN_UP(MAX(MIN(ram_size / 2, INITRD_PREFERRED_MAX), low), PAGE_SIZE);
	plan->dtb_off = ALIGN_UP(plan->initrd_off + initrd_size, DTB_ALIGN);
	if (plan->dtb_off + dtb_max <= ram_size)
		return HV_OK;

	/*
	 * A large initrd in a small VM does not fit there (QEMU would refuse):
	 * the DTB goes into the last 2 MiB block that holds it and the initrd
	 * right below, as high as they fit, still never into the footprint.
	 */
	need = ALIGN_UP(low + initrd_size, DTB_ALIGN) + dtb_max;
	if (need > ram_size) {
		report(err, errlen, "VM RAM too small: kernel+initrd+dtb need %llu MiB, have %llu MiB",
		       (unsigned long long)mib_round_up(need), (unsigned long long)(ram_size >> 20));
		return -HV_ENOMEM;
	}
	plan->dtb_off = ALIGN_DOWN(ram_size - dtb_max, DTB_ALIGN);
	plan->initrd_off = ALIGN_DOWN(plan->dtb_off - initrd_size,
				      PAGE_SIZE); /* >= low, as need <= ram_size */
	return HV_OK;
}

static bool text_byte(u8 c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

int loader_check_image(const void *kernel, u64 size, char *err, size_t errlen)
{
	static const struct {
		u8 len, magic[6];
		const char *what;
	} kinds[] = {
		{ 4,
		  "\x7f"
		  "ELF",
		  "an ELF file (give the raw binary: objcopy -O binary)" },
		{ 2, "\x1f\x8b", "gzip-compressed (give the uncompressed Image)" },
		{ 6,
		  "\xfd"
		  "7zXZ\0",
		  "xz-compressed (give the uncompressed Image)" },
		{ 4, "\x28\xb5\x2f\xfd", "zstd-compressed (give the uncompressed Image)" },
		{ 3, "BZh", "bzip2-compressed (give the uncompressed Image)" },
		{ 4, "\xd0\x0d\xfe\xed", "a device tree blob, not a kernel" },
		{ 6, "070701", "a cpio archive (an initrd?), not a kernel" },
		{ 6, "070702", "a cpio archive (an initrd?), not a kernel" },
		{ 4, "\x27\x05\x19\x56", "a U-Boot uImage (give the Image inside it)" },
		{ 2, "MZ", "a PE/EFI file without the arm64 Image header" },
	};
	const u8 *k = kernel;
	u64 n = MIN(size, (u64)16);
	bool text = true;

	if (!kernel || !size) {
		report(err, errlen, "is empty");
		return -HV_EINVAL;
	}
	if (size >= IMAGE_HDR_SIZE && le32_at(k + IMAGE_MAGIC) == ARM64_IMAGE_MAGIC)
		return HV_OK;
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (size >= kinds[i].len && memcmp(k, kinds[i].magic, kinds[i].len) == 0) {
			report(err, errlen, "is %s", kinds[i].what);
			return -HV_EINVAL;
		}
	}
	if (size < 4) {
		report(err, errlen,
		       "is %llu bytes: neither an arm64 Image nor a raw binary (not one instruction)",
		       (unsigned long long)size);
		return -HV_EINVAL;
	}
	for (u64 i = 0; i < n; i++)
		text = text && text_byte(k[i]);
	if (text) {
		report(err, errlen, "looks like text, not an arm64 Image or a raw binary");
		return -HV_EINVAL;
	}
	if (le32_at(k) == 0) {
		report(err, errlen,
		       "starts with a zero word (UDF #0): neither an arm64 Image nor a raw binary");
		return -HV_EINVAL;
	}
	return HV_OK;
}
