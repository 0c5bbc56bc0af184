/* core/loader.c: where kernel, initrd and DTB go in a VM's RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/loader.h>

#define DTB_MAX (64 * 1024)

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A kernel file of file_size bytes starting with an arm64 Image header. */
static unsigned char *linux_image(size_t file_size, uint64_t text_offset, uint64_t image_size)
{
	unsigned char *k = calloc(1, file_size);

	assert_non_null(k);
	assert_true(file_size >= 64);
	k[0] = 0x4d;
	k[1] = 0x5a; /* code0: "MZ" (EFI stub), like real kernels */
	put_le64(k + 8, text_offset);
	put_le64(k + 16, image_size);
	put_le64(k + 24, 0xa); /* flags: LE, 4K pages, anywhere */
	memcpy(k + 0x38, "ARM\x64", 4);
	return k;
}

static void image_with_text_offset_zero_goes_at_the_ram_base(void **state)
{
	unsigned char *k = linux_image(4096, 0, 0x200000);
	struct load_plan p;
	char err[128] = "";

	assert_int_equal(loader_plan(k, 4096, 0, DTB_MAX, MiB(64), &p, err, sizeof(err)), HV_OK);
	assert_true(p.is_linux_image);
	assert_int_equal(p.kernel_off, 0);
	assert_int_equal(p.entry_off, 0);
	assert_int_equal(p.kernel_size, 4096);
	assert_int_equal(p.kernel_end, 0x200000);
	/* No initrd: the DTB sits where QEMU would put one, RAM/2 into a 64 MiB VM. */
	assert_int_equal(p.initrd_off, MiB(32));
	assert_int_equal(p.dtb_off, MiB(32));
	assert_int_equal(p.dtb_max, DTB_MAX);
	assert_string_equal(err, "");
	free(k);
}

static void image_with_text_offset_0x80000_is_placed_there(void **state)
{
	unsigned char *k = linux_image(0x1000, 0x80000, 0x1000);
	struct load_plan p;

	assert_int_equal(loader_plan(k, 0x1000, 0, DTB_MAX, MiB(64), &p, NULL, 0), HV_OK);
	assert_true(p.is_linux_image);
	assert_int_equal(p.kernel_off, 0x80000);
	assert_int_equal(p.entry_off, 0x80000);
	assert_int_equal(p.kernel_end, 0x81000);
	assert_int_equal(p.initrd_off, MiB(32));
	assert_int_equal(p.dtb_off, MiB(32));
	free(k);
}

static void image_size_larger_than_the_file_reserves_the_bss(void **state)
{
	/* A 3 MiB file whose image (with bss) needs 5 MiB + 1 page, in a 10 MiB VM (RAM/2 = 5 MiB). */
	size_t file = MiB(3);
	unsigned char *k = linux_image(file, 0, MiB(5) + 0x1000);
	struct load_plan p;

	assert_int_equal(loader_plan(k, file, 0x1234, DTB_MAX, MiB(10), &p, NULL, 0), HV_OK);
	assert_int_equal(p.kernel_size, file);
	assert_int_equal(p.kernel_end, MiB(5) + 0x1000);
	assert_int_equal(p.initrd_off, MiB(5) + 0x1000);
	assert_int_equal(p.initrd_size, 0x1234);
	assert_int_equal(p.dtb_off, MiB(6));
	free(k);
}

static void initrd_goes_128_mib_into_a_large_vm(void **state)
{
	/* QEMU's -initrd rule: min(RAM/2, 128 MiB) above the RAM base. */
	unsigned char *k = linux_image(MiB(1), 0, MiB(40));
	struct load_plan p;

	assert_int_equal(loader_plan(k, MiB(1), MiB(10) + 3, DTB_MAX, MiB(1024), &p, NULL, 0), HV_OK);
	assert_int_equal(p.initrd_off, MiB(128));
	assert_int_equal(p.dtb_off, MiB(140));
	assert_int_equal(loader_plan(k, MiB(1), MiB(10) + 3, DTB_MAX, MiB(200), &p, NULL, 0), HV_OK);
	assert_int_equal(p.initrd_off, MiB(100));
	free(k);
}

static void initrd_stays_above_an_image_larger_than_half_the_ram(void **state)
{
	/* image_size 200 MiB in a 512 MiB VM: 128 MiB would be inside the kernel's bss. */
	unsigned char *k = linux_image(0x1000, 0x80000, MiB(200) + 0x800);
	struct load_plan p;

	assert_int_equal(loader_plan(k, 0x1000, 0x1000, DTB_MAX, MiB(512), &p, NULL, 0), HV_OK);
	assert_int_equal(p.kernel_end, 0x80000 + MiB(200) + 0x800);
	assert_int_equal(p.initrd_off, ALIGN_UP(0x80000 + MiB(200) + 0x800, 0x1000));
	assert_true(p.initrd_off >= p.kernel_end);
	free(k);
}

static void initrd_stays_above_a_file_larger_than_its_image_size(void **state)
{
	/* A file of 40 MiB (appended data) whose header says 1 MiB: the copy itself must not be hit. */
	unsigned char *k = linux_image(MiB(40), 0, MiB(1));
	struct load_plan p;

	assert_int_equal(loader_plan(k, MiB(40), 0x1000, DTB_MAX, MiB(64), &p, NULL, 0), HV_OK);
	assert_int_equal(p.initrd_off, MiB(40));
	free(k);
}

static void raw_image_bss_beyond_the_file_is_left_alone(void **state)
{
	/*
	 * The bug this placement fixes: a raw bare-metal image zeroes its bss
	 * and puts its stack right after its file end, where the initrd used to
	 * go. With RAM/2 the first 32 MiB above the base are the image's.
	 */
	unsigned char raw[0x3000];
	struct load_plan p;

	memset(raw, 0, sizeof(raw));
	assert_int_equal(loader_plan(raw, sizeof(raw), MiB(1), DTB_MAX, MiB(64), &p, NULL, 0), HV_OK);
	assert_false(p.is_linux_image);
	assert_int_equal(p.kernel_end, RAW_KERNEL_OFFSET + 0x3000);
	assert_int_equal(p.initrd_off, MiB(32));
	assert_int_equal(p.dtb_off, MiB(34));
}

static void initrd_too_large_for_the_preferred_place_goes_as_high_as_it_fits(void **state)
{
	/* 40 MiB initrd in a 64 MiB VM: at 32 MiB it would run past the end; the DTB takes the last block. */
	unsigned char raw[0x3000];
	struct load_plan p;

	memset(raw, 0, sizeof(raw));
	assert_int_equal(loader_plan(raw, sizeof(raw), MiB(40) + 5, DTB_MAX, MiB(64), &p, NULL, 0), HV_OK);
	assert_int_equal(p.dtb_off, MiB(62));
	assert_int_equal(p.initrd_off, MiB(22) - 0x1000);
	assert_true(p.initrd_off + p.initrd_size <= p.dtb_off);
	assert_true(p.initrd_off >= p.kernel_end);
}

static void file_larger_than_image_size_is_not_cut(void **state)
{
	/* A file with appended data beyond image_size: everything copied must fit. */
	unsigned char *k = linux_image(0x3000, 0, 0x2000);
	struct load_plan p;

	assert_int_equal(loader_plan(k, 0x3000, 0, DTB_MAX, MiB(64), &p, NULL, 0), HV_OK);
	assert_int_equal(p.kernel_end, 0x3000);
	free(k);
}

static void old_image_without_image_size_uses_0x80000(void **state)
{
	/* Before Linux 3.17 image_size was 0 and text_offset may be garbage. */
	unsigned char *k = linux_image(0x5000, 0x12345, 0);
	struct load_plan p;

	assert_int_equal(loader_plan(k, 0x5000, 0, DTB_MAX, MiB(64), &p, NULL, 0), HV_OK);
	assert_true(p.is_linux_image);
	assert_int_equal(p.kernel_off, 0x80000);
	assert_int_equal(p.kernel_end, 0x85000);
	free(k);
}

static void raw_binary_goes_512k_above_the_base(void **state)
{
	unsigned char raw[300];
	struct load_plan p;

	memset(raw, 0xd5, sizeof(raw));
	assert_int_equal(loader_plan(raw, sizeof(raw), 0, DTB_MAX, MiB(16), &p, NULL, 0), HV_OK);
	assert_false(p.is_linux_image);
	assert_int_equal(p.kernel_off, RAW_KERNEL_OFFSET);
	assert_int_equal(p.entry_off, RAW_KERNEL_OFFSET);
	assert_int_equal(p.kernel_size, 300);
	assert_int_equal(p.kernel_end, RAW_KERNEL_OFFSET + 300);
	assert_int_equal(p.initrd_off, MiB(8));
	assert_int_equal(p.dtb_off, MiB(8));
}

static void short_file_with_magic_bytes_is_raw(void **state)
{
	/* 63 bytes cannot hold the 64-byte header, even if the magic happens to be there. */
	unsigned char *k = linux_image(64, 0, 0x1000);
	unsigned char *short_copy = malloc(63);
	struct load_plan p;

	assert_non_null(short_copy);
	memcpy(short_copy, k, 63);
	assert_int_equal(loader_plan(short_copy, 63, 0, DTB_MAX, MiB(16), &p, NULL, 0), HV_OK);
	assert_false(p.is_linux_image);
	assert_int_equal(p.kernel_off, RAW_KERNEL_OFFSET);
	free(short_copy);

	/* Exactly 64 bytes is enough. */
	assert_int_equal(loader_plan(k, 64, 0, DTB_MAX, MiB(16), &p, NULL, 0), HV_OK);
	assert_true(p.is_linux_image);
	free(k);
}

static void wrong_magic_is_raw(void **state)
{
	unsigned char *k = linux_image(4096, 0, 0x1000);
	struct load_plan p;

	k[0x3b] = 0x65; /* "ARMe" */
	assert_int_equal(loader_plan(k, 4096, 0, DTB_MAX, MiB(16), &p, NULL, 0), HV_OK);
	assert_false(p.is_linux_image);
	free(k);
}

static void initrd_above_a_large_image_is_page_aligned(void **state)
{
	/* A 3 MiB + 0x801 Image in a 4 MiB VM: RAM/2 is inside it, so the initrd follows it, page aligned. */
	unsigned char *k = linux_image(MiB(3) + 0x801, 0, 0x1000);
	struct load_plan p;

	assert_int_equal(loader_plan(k, MiB(3) + 0x801, 0x2005, DTB_MAX, MiB(8), &p, NULL, 0), HV_OK);
	assert_int_equal(p.kernel_end, MiB(3) + 0x801);
	assert_int_equal(p.initrd_off, MiB(4));
	assert_int_equal(loader_plan(k, MiB(3) + 0x801, 0x2005, DTB_MAX, MiB(6), &p, NULL, 0), HV_OK);
	assert_int_equal(p.initrd_off, MiB(3) + 0x1000);
	assert_int_equal(p.initrd_size, 0x2005);
	/* initrd ends at 3 MiB + 0x3005: the DTB takes the next 2 MiB block. */
	assert_int_equal(p.dtb_off, MiB(4));
	free(k);
}

static void dtb_offset_already_aligned_stays(void **state)
{
	unsigned char *k = linux_image(0x1000, 0, MiB(2));
	struct load_plan p;

	assert_int_equal(loader_plan(k, 0x1000, 0, DTB_MAX, MiB(4), &p, NULL, 0), HV_OK);
	assert_int_equal(p.initrd_off, MiB(2));
	assert_int_equal(p.dtb_off, MiB(2));
	free(k);
}

static void exact_fit_is_accepted(void **state)
{
	unsigned char *k = linux_image(0x1000, 0, MiB(2));
	struct load_plan p;

	assert_int_equal(loader_plan(k, 0x1000, 0, MiB(2), MiB(4), &p, NULL, 0), HV_OK);
	assert_int_equal(p.dtb_off + p.dtb_max, MiB(4));
	free(k);
}

static void too_small_ram_is_reported_in_mib(void **state)
{
	/* kernel 30 MiB (bss included), initrd 20 MiB: DTB at 50 MiB, needs 51 MiB with a 64K DTB. */
	unsigned char *k = linux_image(MiB(1), 0, MiB(30));
	struct load_plan p;
	char err[128];

	assert_int_equal(loader_plan(k, MiB(1), MiB(20), DTB_MAX, MiB(32), &p, err, sizeof(err)), -HV_ENOMEM);
	assert_string_equal(err, "VM RAM too small: kernel+initrd+dtb need 51 MiB, have 32 MiB");
	free(k);
}

static void dtb_one_byte_over_the_end_does_not_fit(void **state)
{
	unsigned char *k = linux_image(0x1000, 0, MiB(2));
	struct load_plan p;
	char err[128];

	assert_int_equal(loader_plan(k, 0x1000, 0, MiB(2) + 1, MiB(4), &p, err, sizeof(err)), -HV_ENOMEM);
	assert_string_equal(err, "VM RAM too small: kernel+initrd+dtb need 5 MiB, have 4 MiB");
	free(k);
}

static void kernel_alone_larger_than_ram_does_not_fit(void **state)
{
	unsigned char *k = linux_image(0x1000, 0, MiB(100));
	struct load_plan p;
	char err[128];

	assert_int_equal(loader_plan(k, 0x1000, 0, DTB_MAX, MiB(64), &p, err, sizeof(err)), -HV_ENOMEM);
	assert_string_equal(err, "VM RAM too small: kernel+initrd+dtb need 101 MiB, have 64 MiB");
	free(k);
}

static void empty_kernel_is_invalid(void **state)
{
	unsigned char byte = 0;
	struct load_plan p;
	char err[64];

	assert_int_equal(loader_plan(&byte, 0, 0, DTB_MAX, MiB(64), &p, err, sizeof(err)), -HV_EINVAL);
	assert_string_equal(err, "kernel image is empty");
	assert_int_equal(loader_plan(NULL, 100, 0, DTB_MAX, MiB(64), &p, NULL, 0), -HV_EINVAL);
}

static void absurd_header_values_are_invalid_not_overflowed(void **state)
{
	unsigned char *k = linux_image(4096, UINT64_MAX - 0xfff, 0x1000);
	struct load_plan p;
	char err[128];

	assert_int_equal(loader_plan(k, 4096, 0, DTB_MAX, MiB(64), &p, err, sizeof(err)), -HV_EINVAL);
	assert_string_equal(
		err, "kernel: implausible Image header (text_offset 0xfffffffffffff000, image_size 0x1000)");

	put_le64(k + 8, 0);
	put_le64(k + 16, UINT64_MAX);
	assert_int_equal(loader_plan(k, 4096, 0, DTB_MAX, MiB(64), &p, NULL, 0), -HV_EINVAL);
	free(k);
}

/*
 * Found by fuzz_loader: a text_offset that is not a multiple of 4 was
 * accepted, and the vCPU then started at an address that is no
 * instruction; the guest died on its first fetch with nothing saying why.
 */
static void misaligned_text_offset_is_invalid(void **state)
{
	unsigned char *k = linux_image(4096, 0x80002, 0x200000);
	struct load_plan p;
	char err[128] = "";

	assert_int_equal(loader_plan(k, 4096, 0, DTB_MAX, MiB(64), &p, err, sizeof(err)), -HV_EINVAL);
	assert_string_equal(err,
			    "kernel: implausible Image header (text_offset 0x80002, image_size 0x200000)");
	put_le64(k + 8, 0x80004);
	assert_int_equal(loader_plan(k, 4096, 0, DTB_MAX, MiB(64), &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.entry_off, 0x80004);
	free(k);
}

static void absurd_initrd_or_dtb_sizes_are_invalid(void **state)
{
	unsigned char raw[64] = { 0 };
	struct load_plan p;

	assert_int_equal(loader_plan(raw, sizeof(raw), UINT64_MAX, DTB_MAX, MiB(64), &p, NULL, 0),
			 -HV_EINVAL);
	assert_int_equal(loader_plan(raw, sizeof(raw), 0, UINT64_MAX, MiB(64), &p, NULL, 0), -HV_EINVAL);
}

static void header_is_read_from_an_unaligned_address(void **state)
{
	/* Bundle files are only 4-byte aligned; the loader must not care. */
	unsigned char *k = linux_image(128, 0x80000, 0x3000);
	unsigned char *buf = malloc(129);
	struct load_plan p;

	assert_non_null(buf);
	memcpy(buf + 1, k, 128);
	assert_int_equal(loader_plan(buf + 1, 128, 0, DTB_MAX, MiB(16), &p, NULL, 0), HV_OK);
	assert_true(p.is_linux_image);
	assert_int_equal(p.kernel_off, 0x80000);
	assert_int_equal(p.kernel_end, 0x83000);
	free(buf);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(image_with_text_offset_zero_goes_at_the_ram_base),
		cmocka_unit_test(image_with_text_offset_0x80000_is_placed_there),
		cmocka_unit_test(image_size_larger_than_the_file_reserves_the_bss),
		cmocka_unit_test(file_larger_than_image_size_is_not_cut),
		cmocka_unit_test(old_image_without_image_size_uses_0x80000),
		cmocka_unit_test(raw_binary_goes_512k_above_the_base),
		cmocka_unit_test(short_file_with_magic_bytes_is_raw),
		cmocka_unit_test(wrong_magic_is_raw),
		cmocka_unit_test(initrd_above_a_large_image_is_page_aligned),
		cmocka_unit_test(initrd_goes_128_mib_into_a_large_vm),
		cmocka_unit_test(initrd_stays_above_an_image_larger_than_half_the_ram),
		cmocka_unit_test(initrd_stays_above_a_file_larger_than_its_image_size),
		cmocka_unit_test(raw_image_bss_beyond_the_file_is_left_alone),
		cmocka_unit_test(initrd_too_large_for_the_preferred_place_goes_as_high_as_it_fits),
		cmocka_unit_test(dtb_offset_already_aligned_stays),
		cmocka_unit_test(exact_fit_is_accepted),
		cmocka_unit_test(too_small_ram_is_reported_in_mib),
		cmocka_unit_test(dtb_one_byte_over_the_end_does_not_fit),
		cmocka_unit_test(kernel_alone_larger_than_ram_does_not_fit),
		cmocka_unit_test(empty_kernel_is_invalid),
		cmocka_unit_test(absurd_header_values_are_invalid_not_overflowed),
		cmocka_unit_test(misaligned_text_offset_is_invalid),
		cmocka_unit_test(absurd_initrd_or_dtb_sizes_are_invalid),
		cmocka_unit_test(header_is_read_from_an_unaligned_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
