/* core/vmconfig.c: parsing vms.conf, defaults, and every error with its line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/vmconfig.h>

struct result {
	struct vm_config vms[VMCONF_MAX_VMS];
	unsigned count;
	char err[256];
	int rc;
};

/* Parse from an exact-size heap copy, so ASan catches reads past len (no NUL there). */
static void parse_max(const char *text, unsigned max, struct result *r)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, text, len);
	memset(r, 0, sizeof(*r));
	r->count = 99;
	r->rc = vmconfig_parse(copy, len, "vms.conf", r->vms, max, &r->count, r->err, sizeof(r->err));
	free(copy);
}

static void parse(const char *text, struct result *r)
{
	parse_max(text, VMCONF_MAX_VMS, r);
}

static void expect_ok(const char *text, struct result *r)
{
	parse(text, r);
	if (r->rc)
		fail_msg("unexpected error: %s", r->err);
	assert_string_equal(r->err, "");
}

static void expect_error(const char *text, const char *message)
{
	struct result r;

	parse(text, &r);
	assert_int_equal(r.rc, -HV_EINVAL);
	assert_string_equal(r.err, message);
	assert_int_equal(r.count, 0);
}

static void a_two_vm_file_is_read_completely(void **state)
{
	struct result r;

	expect_ok("# two guests\n"
		  "\n"
		  "[vm]\n"
		  "name    = guest0          # first\n"
		  "kernel  = guest0.bin\n"
		  "initrd  = rootfs.cpio\n"
		  "cmdline = console=ttyAMA0 root=/dev/ram0 init=/bin/sh\n"
		  "vcpus   = 2\n"
		  "memory  = 128M\n"
		  "pcpus   = 0,1\n"
		  "\n"
		  "[vm]\n"
		  "name=guest-1_b\n"
		  "kernel=Image\n"
		  "dtb=custom.dtb\n"
		  "vcpus=8\n"
		  "memory=1G\n"
		  "pcpus = 1\n",
		  &r);
	assert_int_equal(r.count, 2);

	assert_string_equal(r.vms[0].name, "guest0");
	assert_string_equal(r.vms[0].kernel, "guest0.bin");
	assert_string_equal(r.vms[0].initrd, "rootfs.cpio");
	assert_string_equal(r.vms[0].dtb, "");
	assert_string_equal(r.vms[0].cmdline, "console=ttyAMA0 root=/dev/ram0 init=/bin/sh");
	assert_int_equal(r.vms[0].vcpus, 2);
	assert_int_equal(r.vms[0].mem_size, 128ULL << 20);
	assert_int_equal(r.vms[0].nr_pcpus, 2);
	assert_int_equal(r.vms[0].pcpus[0], 0);
	assert_int_equal(r.vms[0].pcpus[1], 1);
	assert_int_equal(r.vms[0].line, 3);

	assert_string_equal(r.vms[1].name, "guest-1_b");
	assert_string_equal(r.vms[1].kernel, "Image");
	assert_string_equal(r.vms[1].initrd, "");
	assert_string_equal(r.vms[1].dtb, "custom.dtb");
	assert_string_equal(r.vms[1].cmdline, "");
	assert_int_equal(r.vms[1].vcpus, 8);
	assert_int_equal(r.vms[1].mem_size, 1ULL << 30);
	assert_int_equal(r.vms[1].nr_pcpus, 1);
	assert_int_equal(r.vms[1].pcpus[0], 1);
	assert_int_equal(r.vms[1].line, 12);
}

static void defaults_fill_name_vcpus_memory_and_placement(void **state)
{
	struct result r;

	expect_ok("[vm]\nkernel = a.bin\n[vm]\nkernel = b.bin\n", &r);
	assert_int_equal(r.count, 2);
	assert_string_equal(r.vms[0].name, "vm0");
	assert_string_equal(r.vms[1].name, "vm1");
	assert_int_equal(r.vms[0].vcpus, 1);
	assert_int_equal(r.vms[0].mem_size, 64ULL << 20);
	assert_int_equal(r.vms[0].nr_pcpus, 0);
	assert_string_equal(r.vms[1].initrd, "");
	assert_string_equal(r.vms[1].dtb, "");
}

static void memory_accepts_k_m_g_and_plain_bytes(void **state)
{
	struct result r;

	expect_ok("[vm]\nkernel=k\nmemory=2M\n[vm]\nkernel=k\nmemory=4096K\n"
		  "[vm]\nkernel=k\nmemory=2g\n[vm]\nkernel=k\nmemory=6291456\n",
		  &r);
	assert_int_equal(r.count, 4);
	assert_int_equal(r.vms[0].mem_size, 2ULL << 20);
	assert_int_equal(r.vms[1].mem_size, 4ULL << 20);
	assert_int_equal(r.vms[2].mem_size, 2ULL << 30);
	assert_int_equal(r.vms[3].mem_size, 6ULL << 20);
}

static void crlf_line_ends_are_accepted(void **state)
{
	struct result r;

	expect_ok("# windows\r\n[vm]\r\nname = w\r\nkernel = k.bin\r\ncmdline = a b\r\nvcpus = 3\r\n", &r);
	assert_int_equal(r.count, 1);
	assert_string_equal(r.vms[0].name, "w");
	assert_string_equal(r.vms[0].kernel, "k.bin");
	assert_string_equal(r.vms[0].cmdline, "a b");
	assert_int_equal(r.vms[0].vcpus, 3);
}

static void crlf_errors_still_count_lines(void **state)
{
	expect_error("[vm]\r\nkernel = k\r\nvcpus = 0\r\n", "vms.conf:3: vcpus: expected 1..8");
}

static void last_line_without_newline_is_read(void **state)
{
	struct result r;

	expect_ok("[vm]\nkernel = k.bin\nvcpus = 4", &r);
	assert_int_equal(r.vms[0].vcpus, 4);
}

static void comments_and_blank_lines_are_ignored(void **state)
{
	struct result r;

	expect_ok(
		"   # indented comment\n\t\n[vm]   # the only VM\n# kernel = wrong\nkernel = k.bin#no space\n"
		"  vcpus\t=\t2  # two\n",
		&r);
	assert_int_equal(r.count, 1);
	assert_string_equal(r.vms[0].kernel, "k.bin");
	assert_int_equal(r.vms[0].vcpus, 2);
}

static void cmdline_keeps_hash_and_equals(void **state)
{
	struct result r;

	expect_ok("[vm]\nkernel = k\ncmdline =   console=ttyAMA0 foo=a#b  # not a comment  \n", &r);
	assert_string_equal(r.vms[0].cmdline, "console=ttyAMA0 foo=a#b  # not a comment");
}

static void trailing_nul_padding_ends_the_text(void **state)
{
	static const char text[] = "[vm]\nkernel = k\n\0\0\0";
	struct vm_config vms[2];
	unsigned count;
	char err[128];

	assert_int_equal(vmconfig_parse(text, sizeof(text), "vms.conf", vms, 2, &count, err, sizeof(err)),
			 HV_OK);
	assert_int_equal(count, 1);
}

static void nul_inside_the_text_is_an_error(void **state)
{
	static const char text[] = "[vm]\nkernel = k\0\nvcpus = 2\n";
	struct vm_config vms[2];
	unsigned count;
	char err[128];

	assert_int_equal(vmconfig_parse(text, sizeof(text) - 1, "vms.conf", vms, 2, &count, err, sizeof(err)),
			 -HV_EINVAL);
	assert_string_equal(err, "vms.conf:2: unexpected NUL byte (not a text file?)");
}

static void text_is_not_read_past_len(void **state)
{
	/* The second VM lies beyond len and must not be seen. */
	static const char text[] = "[vm]\nkernel = k\n[vm]\nkernel = other\n";
	struct vm_config vms[2];
	unsigned count;
	char err[128];

	assert_int_equal(vmconfig_parse(text, 16, "vms.conf", vms, 2, &count, err, sizeof(err)), HV_OK);
	assert_int_equal(count, 1);
	assert_string_equal(vms[0].kernel, "k");
}

static void the_file_name_is_used_in_messages(void **state)
{
	struct vm_config vms[1];
	unsigned count;
	char err[128];

	assert_int_equal(vmconfig_parse("x", 1, "custom.conf", vms, 1, &count, err, sizeof(err)), -HV_EINVAL);
	assert_string_equal(err, "custom.conf:1: expected 'key = value', a [vm] header or a # comment");
}

static void unknown_key_lists_the_known_ones(void **state)
{
	expect_error("[vm]\nname = a\nkernel = k\n\n\n\nmemroy = 64M\n",
		     "vms.conf:7: unknown key 'memroy' (expected one of name, kernel, firmware, initrd, dtb, "
		     "cmdline, vcpus, memory, pcpus, devices, flash_vars)");
}

static void key_before_any_section_is_an_error(void **state)
{
	expect_error("# header\n\nkernel = k\n[vm]\n", "vms.conf:3: key outside a [vm] section");
}

static void bad_memory_sizes_are_errors(void **state)
{
	static const char *const bad[] = { "63M",
					   "1M",
					   "0",
					   "1K",
					   "",
					   "M",
					   "64X",
					   "64 M",
					   "-2M",
					   "0x4000000",
					   "99999999999999999999999",
					   "17179869184G" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[vm]\nkernel = k\n\n\n\n\n\n\nmemory = %s\n", bad[i]);
		expect_error(text,
			     "vms.conf:9: memory: expected a size like 64M (multiple of 2M, at least 2M)");
	}
}

static void vcpus_out_of_range_are_errors(void **state)
{
	static const char *const bad[] = { "0", "9", "", "two", "-1", "1.5", "99999999999999999999999" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[64];
		snprintf(text, sizeof(text), "[vm]\nvcpus = %s\nkernel = k\n", bad[i]);
		expect_error(text, "vms.conf:2: vcpus: expected 1..8");
	}
}

static void duplicate_vm_name_is_an_error(void **state)
{
	expect_error("[vm]\nname = a\nkernel = k\n[vm]\nname = a\nkernel = k\n",
		     "vms.conf:5: duplicate VM name 'a'");
}

static void explicit_name_equal_to_a_default_name_is_an_error(void **state)
{
	/* The first VM is "vm0" by default; the second may not take that name. */
	expect_error("[vm]\nkernel = k\n[vm]\nname = vm0\nkernel = k\n",
		     "vms.conf:4: duplicate VM name 'vm0'");
	/* And a default name may not repeat an earlier explicit one (reported at its [vm] line). */
	expect_error("[vm]\nname = vm1\nkernel = k\n[vm]\nkernel = k\n",
		     "vms.conf:4: duplicate VM name 'vm1'");
}

static void section_without_kernel_is_an_error(void **state)
{
	expect_error("[vm]\nkernel = a\n\n\n\n\n\n\n\n\n\n[vm]\nname = b\nvcpus = 2\n",
		     "vms.conf:12: [vm] section without kernel (or firmware)");
	/* Reported before the next section starts being read. */
	expect_error("[vm]\nname = a\n[vm]\nbogus\n",
		     "vms.conf:1: [vm] section without kernel (or firmware)");
}

/* A firmware VM names its firmware instead of a kernel; both, or firmware with an initrd, is refused. */
static void firmware_instead_of_kernel(void **state)
{
	struct result r;

	expect_ok("[vm]\nname = fw\nfirmware = u-boot.bin\nmemory = 128M\n", &r);
	assert_string_equal(r.vms[0].firmware, "u-boot.bin");
	assert_string_equal(r.vms[0].kernel, "");
	expect_ok("[vm]\nkernel = k\n", &r);
	assert_string_equal(r.vms[0].firmware, "");
	expect_error("[vm]\nkernel = k\nfirmware = f\n",
		     "vms.conf:3: firmware: a VM boots either its firmware or a kernel and initrd, not both");
	expect_error("[vm]\nfirmware = f\n\ninitrd = i\n",
		     "vms.conf:2: firmware: a VM boots either its firmware or a kernel and initrd, not both");
	expect_error("[vm]\nfirmware =\n", "vms.conf:2: firmware: expected a file name from the bundle");
	expect_ok("[vm]\nfirmware = f\nflash_vars = board\n", &r);
	assert_true(r.vms[0].vars_on_board);
	expect_ok("[vm]\nfirmware = f\nflash_vars = memory\n", &r);
	assert_false(r.vms[0].vars_on_board);
	expect_error("[vm]\nfirmware = f\nflash_vars = disk\n",
		     "vms.conf:3: flash_vars: expected board or memory");
}

static void file_without_vm_section_is_an_error(void **state)
{
	expect_error("# nothing here\n\n", "vms.conf: no [vm] section");
	expect_error("", "vms.conf: no [vm] section");
}

static void too_many_vms_is_an_error(void **state)
{
	struct result r;

	parse_max("[vm]\nkernel = a\n[vm]\nkernel = b\n[vm]\nkernel = c\n", 2, &r);
	assert_int_equal(r.rc, -HV_EINVAL);
	assert_string_equal(r.err, "vms.conf:5: too many VMs (max 2)");
}

static void nine_vms_exceed_the_limit_of_eight(void **state)
{
	char text[512] = "";

	for (int i = 0; i < 9; i++)
		strcat(text, "[vm]\nkernel = k\n");
	expect_error(text, "vms.conf:17: too many VMs (max 8)");
}

static void values_too_long_for_their_field_are_errors(void **state)
{
	char text[1024], longval[600];

	memset(longval, 'a', sizeof(longval));
	longval[32] = '\0';
	snprintf(text, sizeof(text), "[vm]\nkernel = k\nname = %s\n", longval);
	expect_error(text, "vms.conf:3: name: value too long (max 31 characters)");

	longval[31] = '\0'; /* exactly the maximum fits */
	snprintf(text, sizeof(text), "[vm]\nkernel = k\nname = %s\n", longval);
	{
		struct result r;
		expect_ok(text, &r);
		assert_int_equal(strlen(r.vms[0].name), 31);
	}

	memset(longval, 'f', sizeof(longval));
	longval[64] = '\0';
	snprintf(text, sizeof(text), "[vm]\nkernel = %s\n", longval);
	expect_error(text, "vms.conf:2: kernel: value too long (max 63 characters)");
	snprintf(text, sizeof(text), "[vm]\nkernel = k\ninitrd = %s\n", longval);
	expect_error(text, "vms.conf:3: initrd: value too long (max 63 characters)");
	snprintf(text, sizeof(text), "[vm]\nkernel = k\ndtb = %s\n", longval);
	expect_error(text, "vms.conf:3: dtb: value too long (max 63 characters)");

	memset(longval, 'c', sizeof(longval));
	longval[512] = '\0';
	snprintf(text, sizeof(text), "[vm]\nkernel = k\ncmdline = %s\n", longval);
	expect_error(text, "vms.conf:3: cmdline: value too long (max 511 characters)");
}

static void bad_name_characters_are_errors(void **state)
{
	expect_error("[vm]\nkernel = k\nname = my vm\n",
		     "vms.conf:3: name: 'my vm' has a character other than letters, digits, '-' and '_'");
	expect_error("[vm]\nkernel = k\nname = a.b\n",
		     "vms.conf:3: name: 'a.b' has a character other than letters, digits, '-' and '_'");
	expect_error("[vm]\nkernel = k\nname =\n", "vms.conf:3: name: expected letters, digits, '-' or '_'");
}

static void empty_kernel_is_an_error(void **state)
{
	expect_error("[vm]\nkernel =   # none\n", "vms.conf:2: kernel: expected a file name from the bundle");
}

static void bad_pcpus_lists_are_errors(void **state)
{
	static const char *const bad[] = {
		"", "a", "0,", ",1", "0,,1", "0;1", "256", "-1", "0,1,2,3,4,5,6,7,0", "1 2"
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[vm]\nkernel = k\npcpus = %s\n", bad[i]);
		expect_error(text,
			     "vms.conf:3: pcpus: expected a list of CPU numbers like 0,1 (at most 8, each "
			     "0..255)");
	}
}

static void pcpus_accepts_spaces_and_eight_entries(void **state)
{
	struct result r;

	expect_ok("[vm]\nkernel = k\npcpus = 7 , 6,5,4,3,2,1, 255\n", &r);
	assert_int_equal(r.vms[0].nr_pcpus, 8);
	assert_int_equal(r.vms[0].pcpus[0], 7);
	assert_int_equal(r.vms[0].pcpus[1], 6);
	assert_int_equal(r.vms[0].pcpus[7], 255);
}

static void duplicate_key_in_one_section_is_an_error(void **state)
{
	expect_error("[vm]\nkernel = a\nvcpus = 1\nkernel = b\n",
		     "vms.conf:4: duplicate key 'kernel' in this [vm] section (first set at line 2)");
}

static void same_key_in_two_sections_is_fine(void **state)
{
	struct result r;

	expect_ok("[vm]\nkernel = a\nvcpus = 2\n[vm]\nkernel = b\nvcpus = 3\n", &r);
	assert_int_equal(r.vms[0].vcpus, 2);
	assert_int_equal(r.vms[1].vcpus, 3);
}

static void malformed_lines_are_errors(void **state)
{
	expect_error("[vm]\nkernel = k\njust words\n",
		     "vms.conf:3: expected 'key = value', a [vm] header or a # comment");
	expect_error("[vm]\nkernel = k\n = 5\n", "vms.conf:3: expected a key before '='");
	expect_error("[vm\nkernel = k\n", "vms.conf:1: expected ']' to close the section header");
	expect_error("[guest]\nkernel = k\n", "vms.conf:1: unknown section '[guest]' (expected [vm])");
	expect_error("[vm] x\nkernel = k\n", "vms.conf:1: unexpected text after [vm]");
}

static void spaces_inside_section_brackets_are_allowed(void **state)
{
	struct result r;

	expect_ok("[ vm ]\nkernel = k\n", &r);
	assert_int_equal(r.count, 1);
}

static void error_is_truncated_to_the_buffer(void **state)
{
	struct vm_config vms[1];
	unsigned count;
	char err[12];

	assert_int_equal(
		vmconfig_parse("[vm]\nvcpus = 0\n", 16, "vms.conf", vms, 1, &count, err, sizeof(err)),
		-HV_EINVAL);
	assert_string_equal(err, "vms.conf:2:");
	/* No error buffer at all is allowed too. */
	assert_int_equal(vmconfig_parse("[vm]\nvcpus = 0\n", 16, "vms.conf", vms, 1, &count, NULL, 0),
			 -HV_EINVAL);
}

/* The device list is passed on as written (the registry checks the names when the VM is built). */
static void devices_are_kept_as_written_and_default_to_none(void **state)
{
	static const char text[] = "[vm]\nkernel = a.bin\ndevices = gicv3 pl011\n[vm]\nkernel = b.bin\n";
	struct vm_config out[2];
	unsigned n = 0;
	char err[200] = "";

	assert_int_equal(vmconfig_parse(text, sizeof(text) - 1, "vms.conf", out, 2, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].devices, "gicv3 pl011");
	assert_string_equal(out[1].devices, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_two_vm_file_is_read_completely),
		cmocka_unit_test(devices_are_kept_as_written_and_default_to_none),
		cmocka_unit_test(defaults_fill_name_vcpus_memory_and_placement),
		cmocka_unit_test(memory_accepts_k_m_g_and_plain_bytes),
		cmocka_unit_test(crlf_line_ends_are_accepted),
		cmocka_unit_test(crlf_errors_still_count_lines),
		cmocka_unit_test(last_line_without_newline_is_read),
		cmocka_unit_test(comments_and_blank_lines_are_ignored),
		cmocka_unit_test(cmdline_keeps_hash_and_equals),
		cmocka_unit_test(trailing_nul_padding_ends_the_text),
		cmocka_unit_test(nul_inside_the_text_is_an_error),
		cmocka_unit_test(text_is_not_read_past_len),
		cmocka_unit_test(the_file_name_is_used_in_messages),
		cmocka_unit_test(unknown_key_lists_the_known_ones),
		cmocka_unit_test(key_before_any_section_is_an_error),
		cmocka_unit_test(bad_memory_sizes_are_errors),
		cmocka_unit_test(vcpus_out_of_range_are_errors),
		cmocka_unit_test(duplicate_vm_name_is_an_error),
		cmocka_unit_test(explicit_name_equal_to_a_default_name_is_an_error),
		cmocka_unit_test(section_without_kernel_is_an_error),
		cmocka_unit_test(firmware_instead_of_kernel),
		cmocka_unit_test(file_without_vm_section_is_an_error),
		cmocka_unit_test(too_many_vms_is_an_error),
		cmocka_unit_test(nine_vms_exceed_the_limit_of_eight),
		cmocka_unit_test(values_too_long_for_their_field_are_errors),
		cmocka_unit_test(bad_name_characters_are_errors),
		cmocka_unit_test(empty_kernel_is_an_error),
		cmocka_unit_test(bad_pcpus_lists_are_errors),
		cmocka_unit_test(pcpus_accepts_spaces_and_eight_entries),
		cmocka_unit_test(duplicate_key_in_one_section_is_an_error),
		cmocka_unit_test(same_key_in_two_sections_is_fine),
		cmocka_unit_test(malformed_lines_are_errors),
		cmocka_unit_test(spaces_inside_section_brackets_are_allowed),
		cmocka_unit_test(error_is_truncated_to_the_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
