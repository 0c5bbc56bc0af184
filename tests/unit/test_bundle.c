/* core/bundle.c: finding files in cpio "newc" archives and refusing malformed ones. */
/* mkdtemp */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyparm/bundle.h>
#include <hyparm/errno.h>

#define HDR 110
#define MODE_FILE 0100644
#define MODE_DIR 0040755

/* Archive under construction, written the way `cpio -o -H newc` does. */
struct archive {
	unsigned char buf[8192];
	size_t len;
};

static void pad4(struct archive *a)
{
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

/* Header with explicit namesize/filesize, so tests can lie in them. */
static void put_header(struct archive *a, const char *magic, unsigned mode, unsigned filesize,
		       unsigned namesize)
{
	char hdr[HDR + 1];

	snprintf(hdr, sizeof(hdr), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic,
		 1u /* ino */, mode, 0u, 0u, 1u /* nlink */, 0x65000000u /* mtime */, filesize, 0u, 0u, 0u,
		 0u, namesize, 0u /* check */);
	assert_int_equal(strlen(hdr), HDR);
	assert_true(a->len + HDR < sizeof(a->buf));
	memcpy(a->buf + a->len, hdr, HDR);
	a->len += HDR;
}

static void add_entry_magic(struct archive *a, const char *magic, const char *name, unsigned mode,
			    const void *data, size_t size)
{
	size_t namesize = strlen(name) + 1;

	put_header(a, magic, mode, (unsigned)size, (unsigned)namesize);
	memcpy(a->buf + a->len, name, namesize);
	a->len += namesize;
	pad4(a);
	assert_true(a->len + size < sizeof(a->buf));
	memcpy(a->buf + a->len, data, size);
	a->len += size;
	pad4(a);
}

static void add_file(struct archive *a, const char *name, const char *text)
{
	add_entry_magic(a, "070701", name, MODE_FILE, text, strlen(text));
}

static void add_trailer(struct archive *a)
{
	add_entry_magic(a, "070701", "TRAILER!!!", 0, "", 0);
}

/* An exact-size heap copy of the first len bytes: ASan flags any read beyond. */
static void *exact_copy(const struct archive *a, size_t len)
{
	void *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, a->buf, len);
	return p;
}

static void expect_file(const void *base, size_t len, const char *name, const char *content)
{
	const void *data = NULL;
	u64 size = 0;

	assert_int_equal(bundle_find(base, len, name, &data, &size), HV_OK);
	assert_int_equal(size, strlen(content));
	assert_memory_equal(data, content, size);
}

static void expect_check_error(const struct archive *a, size_t len, const char *message)
{
	void *base = exact_copy(a, len);
	char err[160] = "";

	assert_int_equal(bundle_check(base, len, err, sizeof(err)), -HV_EINVAL);
	assert_string_equal(err, message);
	free(base);
}

static void files_are_found_with_their_data(void **state)
{
	static struct archive a;
	void *base;

	a.len = 0;
	add_file(&a, "vms.conf", "[vm]\nkernel = g.bin\n");
	add_entry_magic(&a, "070701", "g.bin", MODE_FILE, "\x14\x00\x00\x00", 4);
	add_file(&a, "rootfs.cpio", "0123456789");
	add_trailer(&a);
	base = exact_copy(&a, a.len);

	expect_file(base, a.len, "vms.conf", "[vm]\nkernel = g.bin\n");
	expect_file(base, a.len, "rootfs.cpio", "0123456789");
	{
		const void *data;
		u64 size;
		assert_int_equal(bundle_find(base, a.len, "g.bin", &data, &size), HV_OK);
		assert_int_equal(size, 4);
		/* vms.conf: 110 + 9 name -> 120, + 20 data = 140; g.bin: 140 + 110 + 6 name = 256 */
		assert_ptr_equal(data, (const unsigned char *)base + 256);
	}
	free(base);
}

static void every_name_and_data_padding_is_handled(void **state)
{
	/* Names of 1..4 characters and data of 0..4 bytes hit every padding case. */
	static const char *const names[] = { "a", "bb", "ccc", "dddd" };
	static const char *const contents[] = { "", "1", "22", "333", "4444" };
	static struct archive a;
	char name[16];
	void *base;

	a.len = 0;
	for (int n = 0; n < 4; n++) {
		for (int c = 0; c < 5; c++) {
			snprintf(name, sizeof(name), "%s%d", names[n], c);
			add_file(&a, name, contents[c]);
		}
	}
	add_trailer(&a);
	base = exact_copy(&a, a.len);
	assert_int_equal(bundle_check(base, a.len, NULL, 0), HV_OK);
	for (int n = 0; n < 4; n++) {
		for (int c = 0; c < 5; c++) {
			snprintf(name, sizeof(name), "%s%d", names[n], c);
			expect_file(base, a.len, name, contents[c]);
		}
	}
	free(base);
}

static void dot_slash_names_match_plain_names(void **state)
{
	static struct archive a;
	void *base;

	a.len = 0;
	add_entry_magic(&a, "070701", ".", MODE_DIR, "", 0);
	add_file(&a, "./vms.conf", "conf");
	add_file(&a, "plain.bin", "plain");
	add_trailer(&a);
	base = exact_copy(&a, a.len);

	expect_file(base, a.len, "vms.conf", "conf");
	expect_file(base, a.len, "./vms.conf", "conf");
	expect_file(base, a.len, "./plain.bin", "plain");
	free(base);
}

static void a_name_is_not_matched_by_its_prefix(void **state)
{
	static struct archive a;
	void *base;

	a.len = 0;
	add_file(&a, "guest.bin.old", "old");
	add_file(&a, "guest.bin", "new");
	add_trailer(&a);
	base = exact_copy(&a, a.len);
	expect_file(base, a.len, "guest.bin", "new");
	assert_int_equal(bundle_find(base, a.len, "guest", NULL, NULL), -HV_ENOENT);
	free(base);
}

static void directories_are_not_files(void **state)
{
	static struct archive a;
	void *base;

	a.len = 0;
	add_entry_magic(&a, "070701", "images", MODE_DIR, "", 0);
	add_file(&a, "images/k.bin", "kernel");
	add_trailer(&a);
	base = exact_copy(&a, a.len);
	assert_int_equal(bundle_find(base, a.len, "images", NULL, NULL), -HV_ENOENT);
	expect_file(base, a.len, "images/k.bin", "kernel");
	free(base);
}

static void missing_file_is_not_found(void **state)
{
	static struct archive a;
	const void *data = (const void *)0x1;
	u64 size = 77;
	void *base;

	a.len = 0;
	add_file(&a, "vms.conf", "x");
	add_trailer(&a);
	base = exact_copy(&a, a.len);
	assert_int_equal(bundle_find(base, a.len, "nope.bin", &data, &size), -HV_ENOENT);
	assert_ptr_equal(data, (const void *)0x1);
	assert_int_equal(size, 77);
	assert_int_equal(bundle_find(base, a.len, "", &data, &size), -HV_ENOENT);
	free(base);
}

static void crc_format_is_accepted(void **state)
{
	static struct archive a;
	void *base;

	a.len = 0;
	add_entry_magic(&a, "070702", "crc.bin", MODE_FILE, "abc", 3);
	add_trailer(&a);
	base = exact_copy(&a, a.len);
	assert_int_equal(bundle_check(base, a.len, NULL, 0), HV_OK);
	expect_file(base, a.len, "crc.bin", "abc");
	free(base);
}

static void block_padding_after_the_trailer_is_ignored(void **state)
{
	static struct archive a;
	void *base;
	char err[128] = "unchanged";

	a.len = 0;
	add_file(&a, "f", "data");
	add_trailer(&a);
	memset(a.buf + a.len, 0, 512 - a.len % 512);
	a.len += 512 - a.len % 512;
	base = exact_copy(&a, a.len);
	assert_int_equal(bundle_check(base, a.len, err, sizeof(err)), HV_OK);
	assert_string_equal(err, "");
	free(base);
}

static void trailer_without_its_padding_is_accepted(void **state)
{
	static struct archive a;
	void *base;

	a.len = 0;
	add_file(&a, "f", "data");
	add_trailer(&a);
	/* Header + "TRAILER!!!\0" is 121 bytes: cut the 3 padding bytes. */
	base = exact_copy(&a, a.len - 3);
	assert_int_equal(bundle_check(base, a.len - 3, NULL, 0), HV_OK);
	assert_int_equal(bundle_find(base, a.len - 3, "g", NULL, NULL), -HV_ENOENT);
	free(base);
}

static void truncated_header_is_reported_with_its_offset(void **state)
{
	static struct archive a;
	size_t second;

	a.len = 0;
	add_file(&a, "one", "1234"); /* 110 + 4 name + 4 data = 120 */
	second = a.len;
	add_file(&a, "two", "5678");
	add_trailer(&a);
	assert_int_equal(second, 120);
	expect_check_error(&a, second + 50, "bundle: truncated header at offset 120");
	expect_check_error(&a, 109, "bundle: truncated header at offset 0");

	/* Files before the damage can still be found; files after cannot. */
	{
		void *base = exact_copy(&a, second + 50);
		expect_file(base, second + 50, "one", "1234");
		assert_int_equal(bundle_find(base, second + 50, "two", NULL, NULL), -HV_EINVAL);
		free(base);
	}
}

static void truncated_name_is_reported(void **state)
{
	static struct archive a;

	a.len = 0;
	add_file(&a, "a-long-file-name", "x");
	add_trailer(&a);
	expect_check_error(&a, HDR + 5, "bundle: truncated name at offset 110");
}

static void namesize_zero_is_malformed(void **state)
{
	static struct archive a;

	a.len = 0;
	put_header(&a, "070701", MODE_FILE, 0, 0);
	add_trailer(&a);
	expect_check_error(&a, a.len, "bundle: truncated name at offset 110");
}

static void name_without_nul_is_malformed(void **state)
{
	static struct archive a;

	a.len = 0;
	put_header(&a, "070701", MODE_FILE, 0, 4);
	memcpy(a.buf + a.len, "abcd", 4);
	a.len += 4;
	pad4(&a);
	add_trailer(&a);
	expect_check_error(&a, a.len, "bundle: name at offset 110 is not NUL-terminated");
}

static void truncated_data_is_reported(void **state)
{
	static struct archive a;

	a.len = 0;
	add_file(&a, "big.bin", "0123456789abcdef"); /* data at 110 + 8 = 120 */
	add_trailer(&a);
	expect_check_error(&a, 120 + 10,
			   "bundle: truncated data of 'big.bin' at offset 120 (16 bytes expected)");
	{
		void *base = exact_copy(&a, 130);
		assert_int_equal(bundle_find(base, 130, "big.bin", NULL, NULL), -HV_EINVAL);
		free(base);
	}
}

static void huge_filesize_does_not_overflow(void **state)
{
	static struct archive a;

	a.len = 0;
	put_header(&a, "070701", MODE_FILE, 0xffffffffu, 2);
	memcpy(a.buf + a.len, "h", 2);
	a.len += 2;
	pad4(&a);
	add_trailer(&a);
	expect_check_error(&a, a.len,
			   "bundle: truncated data of 'h' at offset 112 (4294967295 bytes expected)");
}

static void bad_magic_is_reported(void **state)
{
	static struct archive a;

	a.len = 0;
	add_file(&a, "f", "data");
	add_trailer(&a);
	memcpy(a.buf, "123456", 6);
	expect_check_error(&a, a.len, "bundle: bad magic at offset 0 (not a cpio newc archive)");

	/* A later entry: the walk must have reached it. */
	a.len = 0;
	add_file(&a, "f", "data"); /* 110 + 2 name = 112, + 4 data = 116 */
	add_trailer(&a);
	a.buf[116] = 'X';
	expect_check_error(&a, a.len, "bundle: bad magic at offset 116 (not a cpio newc archive)");
}

static void old_cpio_format_is_named(void **state)
{
	static struct archive a;

	a.len = 0;
	add_entry_magic(&a, "070707", "f", MODE_FILE, "x", 1);
	expect_check_error(&a, a.len,
			   "bundle: old \"odc\" cpio header at offset 0 (make the bundle with cpio -H newc)");
}

static void non_hex_field_is_reported(void **state)
{
	static struct archive a;

	a.len = 0;
	add_file(&a, "f", "data");
	add_trailer(&a);
	a.buf[6 + 6 * 8 + 3] = 'g'; /* inside filesize */
	expect_check_error(&a, a.len, "bundle: bad header field at offset 54 (expected 8 hex digits)");
}

static void missing_trailer_is_reported(void **state)
{
	static struct archive a;
	void *base;

	a.len = 0;
	add_file(&a, "f", "data");
	add_file(&a, "g", "more");
	expect_check_error(&a, a.len, "bundle: no TRAILER!!! entry at the end (archive truncated?)");

	base = exact_copy(&a, a.len);
	expect_file(base, a.len, "g", "more");
	assert_int_equal(bundle_find(base, a.len, "h", NULL, NULL), -HV_EINVAL);
	free(base);
}

static void empty_bundle_is_reported(void **state)
{
	char err[64];

	assert_int_equal(bundle_check("", 0, err, sizeof(err)), -HV_EINVAL);
	assert_string_equal(err, "bundle: empty");
	assert_int_equal(bundle_find("", 0, "vms.conf", NULL, NULL), -HV_EINVAL);
}

static void every_truncation_is_refused_without_overread(void **state)
{
	static struct archive a;

	a.len = 0;
	add_file(&a, "vms.conf", "[vm]\nkernel = k\n");
	add_file(&a, "k", "kernel-bytes");
	add_trailer(&a);
	/* All but the trailer's optional padding is needed. */
	for (size_t len = 0; len < a.len - 3; len++) {
		void *base = exact_copy(&a, len);
		char err[160] = "";
		assert_int_equal(bundle_check(base, len, err, sizeof(err)), -HV_EINVAL);
		assert_true(strncmp(err, "bundle: ", 8) == 0);
		free(base);
	}
}

/* The format as the real tool writes it (cpio is a build dependency). */
static void archive_from_gnu_cpio_is_read(void **state)
{
	char dir[] = "/tmp/hyparm-bundle-XXXXXX";
	char cmd[512], path[256], err[128] = "";
	static unsigned char buf[65536];
	size_t len;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vms.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[vm]\nkernel = odd-size.bin\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/odd-size.bin", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("12345", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && find . | LC_ALL=C sort | cpio --quiet -o -H newc > %s.cpio && "
		 "rm vms.conf odd-size.bin",
		 dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s.cpio", dir);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	unlink(path);
	rmdir(dir);

	assert_int_equal(bundle_check(buf, len, err, sizeof(err)), HV_OK);
	expect_file(buf, len, "vms.conf", "[vm]\nkernel = odd-size.bin\n");
	expect_file(buf, len, "odd-size.bin", "12345");
	assert_int_equal(bundle_find(buf, len, "missing.bin", NULL, NULL), -HV_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(files_are_found_with_their_data),
		cmocka_unit_test(every_name_and_data_padding_is_handled),
		cmocka_unit_test(dot_slash_names_match_plain_names),
		cmocka_unit_test(a_name_is_not_matched_by_its_prefix),
		cmocka_unit_test(directories_are_not_files),
		cmocka_unit_test(missing_file_is_not_found),
		cmocka_unit_test(crc_format_is_accepted),
		cmocka_unit_test(block_padding_after_the_trailer_is_ignored),
		cmocka_unit_test(trailer_without_its_padding_is_accepted),
		cmocka_unit_test(truncated_header_is_reported_with_its_offset),
		cmocka_unit_test(truncated_name_is_reported),
		cmocka_unit_test(namesize_zero_is_malformed),
		cmocka_unit_test(name_without_nul_is_malformed),
		cmocka_unit_test(truncated_data_is_reported),
		cmocka_unit_test(huge_filesize_does_not_overflow),
		cmocka_unit_test(bad_magic_is_reported),
		cmocka_unit_test(old_cpio_format_is_named),
		cmocka_unit_test(non_hex_field_is_reported),
		cmocka_unit_test(missing_trailer_is_reported),
		cmocka_unit_test(empty_bundle_is_reported),
		cmocka_unit_test(every_truncation_is_refused_without_overread),
		cmocka_unit_test(archive_from_gnu_cpio_is_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
