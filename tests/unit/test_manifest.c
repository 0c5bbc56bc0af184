/*
 * core/manifest.c: the examples parse to the expected VMs, and every
 * refusal names the user's file:line (from the launcher's line map: the
 * manifests here are compiled by tools/manifest.py, as the launcher does)
 * and what was expected.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/manifest.h>

struct file {
	const char *name;
	const void *data;
	u64 size;
};

struct result {
	struct vm_config vms[VMCONF_MAX_VMS];
	unsigned count;
	char err[512];
	int rc;
};

/* Images the fake bundle holds. */
static u8 linux_image[64] = { [0x38] = 'A', [0x39] = 'R', [0x3a] = 'M', [0x3b] = 0x64 };
static u8 raw_binary[16] = { 0x61, 0x00, 0x00, 0xb4, 0x00, 0x00, 0x00, 0x14 };
static u8 elf[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 }, gz[16] = { 0x1f, 0x8b, 8 }, zeros[16];
static const char text[] = "#!/bin/sh\necho hello\n";
static u8 big_initrd[1];
static u8 guest_dtb[8] = { 0xd0, 0x0d, 0xfe, 0xed };

static const struct file files[] = {
	{ "Image", linux_image, sizeof(linux_image) },
	{ "raw.bin", raw_binary, sizeof(raw_binary) },
	{ "k.elf", elf, sizeof(elf) },
	{ "Image.gz", gz, sizeof(gz) },
	{ "zeros.bin", zeros, sizeof(zeros) },
	{ "script.sh", text, sizeof(text) - 1 },
	{ "empty.bin", raw_binary, 0 },
	{ "initrd.cpio", big_initrd, MiB(6) }, /* only its size matters */
	{ "guest.dtb", guest_dtb, sizeof(guest_dtb) },
	{ "not.dtb", raw_binary, sizeof(raw_binary) },
	{ "u-boot.bin", raw_binary, sizeof(raw_binary) },
	{ "huge.fd", big_initrd, MiB(65) }, /* only its size matters */
};

static int fake_find(void *ctx, const char *name, const void **data, u64 *size)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(files[i].name, name) == 0) {
			*data = files[i].data;
			*size = files[i].size;
			return HV_OK;
		}
	}
	return -HV_ENOENT;
}

static const struct manifest_env machine = {
	.nr_pcpus = 2,
	.ram_bytes = MiB(512),
	.find = fake_find,
	.files_where = "in the bundle",
};

/* Compile path (relative to dir) with the launcher's line map; the DTB in a heap buffer of its exact size. */
static void *compile_in(const char *dir, const char *path, size_t *size)
{
	char cmd[1024], cwd[512], out[256];
	FILE *f;
	void *buf;
	long n;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(out, sizeof(out), "%s/m.dtb", dir);
	snprintf(cmd, sizeof(cmd), "cd %s && python3 %s/tools/manifest.py %s %s", dir, cwd, path, out);
	assert_int_equal(system(cmd), 0);
	f = fopen(out, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(out);
	*size = (size_t)n;
	return buf;
}

/* text written to DIR/t.dts, compiled, parsed: messages say "t.dts:LINE: ...". */
static void *compile_text(const char *text, size_t *size)
{
	char dir[] = "/tmp/test_manifest_XXXXXX", path[64];
	FILE *f;
	void *dtb;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.dts", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	dtb = compile_in(dir, "t.dts", size);
	unlink(path);
	rmdir(dir);
	return dtb;
}

static void parse_blob(const void *dtb, size_t size, const struct manifest_env *env, struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->count = 99;
	r->rc = manifest_parse(dtb, size, env, r->vms, VMCONF_MAX_VMS, &r->count, r->err, sizeof(r->err));
}

static void parse_env(const char *text, const struct manifest_env *env, struct result *r)
{
	size_t size;
	void *dtb = compile_text(text, &size);

	parse_blob(dtb, size, env, r);
	free(dtb);
}

static void expect_error_env(const char *text, const struct manifest_env *env, const char *want)
{
	struct result r;

	parse_env(text, env, &r);
	if (r.rc != -HV_EINVAL || strcmp(r.err, want) != 0)
		print_error("want: %s\n got: %s (rc %d)\n", want, r.err, r.rc);
	assert_int_equal(r.rc, -HV_EINVAL);
	assert_string_equal(r.err, want);
	assert_int_equal(r.count, 0);
}

static void expect_error(const char *text, const char *want)
{
	expect_error_env(text, &machine, want);
}

/*
 * A refusal whose message starts with `want` (file, line, node, property and
 * what was wrong) and then names every device of the schema table as
 * "hyparm,NAME": the choices, whatever rows the table gains, in any order.
 */
static void expect_error_listing_devices(const char *text, const char *want)
{
	struct result r;

	parse_env(text, &machine, &r);
	assert_int_equal(r.rc, -HV_EINVAL);
	if (strncmp(r.err, want, strlen(want)))
		print_error("want: %s...\n got: %s\n", want, r.err);
	assert_memory_equal(r.err, want, strlen(want));
	assert_true(devnode_nr_schemas > 0);
	for (unsigned i = 0; i < devnode_nr_schemas; i++) {
		char name[64];
		snprintf(name, sizeof(name), "hyparm,%s", devnode_schemas[i].device);
		if (!strstr(r.err + strlen(want), name))
			print_error("%s is not among the choices: %s\n", name, r.err);
		assert_non_null(strstr(r.err + strlen(want), name));
	}
	assert_int_equal(r.count, 0);
}

/* One VM "a" whose body (tab-indented properties) starts at line 6 of t.dts. */
#define VM(body) \
	"/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n\t\ta {\n" body "\t\t};\n\t};\n};\n"
#define KERNEL "\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"Image\";\n" /* lines 6, 7 */

static void parse_example(const char *path, struct result *r)
{
	size_t size;
	char cwd[512];
	void *dtb;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	dtb = compile_in(cwd, path, &size);
	parse_blob(dtb, size, NULL, r); /* no file checks: the example's paths are the user's */
	free(dtb);
	if (r->rc)
		print_error("%s: %s\n", path, r->err);
	assert_int_equal(r->rc, HV_OK);
}

static void examples_parse_to_their_vms(void **state)
{
	struct result r;

	parse_example("examples/one-linux.dts", &r);
	assert_int_equal(r.count, 1);
	assert_string_equal(r.vms[0].name, "linux");
	assert_string_equal(r.vms[0].kernel, "../deps/linux/Image");
	assert_string_equal(r.vms[0].initrd, "../build/linux/initramfs.cpio.gz");
	assert_string_equal(r.vms[0].cmdline, "console=ttyAMA0 quiet");
	assert_string_equal(r.vms[0].dtb, "");
	assert_int_equal(r.vms[0].vcpus, 2);
	assert_int_equal(r.vms[0].mem_size, MiB(256));
	assert_int_equal(r.vms[0].nr_pcpus, 2);
	assert_int_equal(r.vms[0].pcpus[0], 0);
	assert_int_equal(r.vms[0].pcpus[1], 1);
	assert_int_equal(r.vms[0].restart, VM_RESTART_NEVER);
	assert_false(r.vms[0].identity_mapped);
	assert_string_equal(r.vms[0].where, "examples/one-linux.dts:12: /vms/linux");

	parse_example("examples/linux-and-two-baremetal.dts", &r);
	assert_int_equal(r.count, 3);
	assert_string_equal(r.vms[0].name, "linux");
	assert_string_equal(r.vms[1].name, "hello");
	assert_string_equal(r.vms[2].name, "smccc");
	assert_int_equal(r.vms[1].mem_size, MiB(64));
	assert_int_equal(r.vms[1].vcpus, 1);
	assert_string_equal(r.vms[1].devices, "");
	assert_string_equal(r.vms[2].devices, "gicv3 arm-vtimer arm-ptimer pl011");
	assert_int_equal(r.vms[2].mem_size, MiB(32));
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(r.vms[i].nr_pcpus, 1);
		assert_int_equal(r.vms[i].pcpus[0], i ? 1 : 0);
	}

	parse_example("examples/eight-linux-on-two-cpus.dts", &r);
	assert_int_equal(r.count, 8);
	for (unsigned i = 0; i < 8; i++) {
		char name[8];
		snprintf(name, sizeof(name), "linux%u", i);
		assert_string_equal(r.vms[i].name, name);
		assert_string_equal(r.vms[i].kernel, "../deps/linux/Image");
		/* Two vCPUs each, one on each CPU: 16 vCPUs on 2 CPUs, 96 MiB each (768 MiB fit 1 GiB). */
		assert_int_equal(r.vms[i].vcpus, 2);
		assert_int_equal(r.vms[i].mem_size, MiB(96));
		assert_int_equal(r.vms[i].nr_pcpus, 2);
		assert_int_equal(r.vms[i].pcpus[0], 0);
		assert_int_equal(r.vms[i].pcpus[1], 1);
	}
}

static void defaults_and_checked_images(void **state)
{
	struct result r;

	parse_env(VM(KERNEL), &machine, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.vms[0].vcpus, 1);
	assert_int_equal(r.vms[0].mem_size, MiB(64));
	assert_int_equal(r.vms[0].nr_pcpus, 0);
	assert_string_equal(r.vms[0].devices, "");
	assert_int_equal(r.vms[0].weight, VMCONF_WEIGHT_DEFAULT);
	assert_false(r.vms[0].no_mte); /* MTE where the machine has it, unless the manifest says */
	assert_string_equal(r.vms[0].where, "t.dts:5: /vms/a");
	/* A raw binary, a guest DTB, an initrd that fits, every memory spelling. */
	parse_env(VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"raw.bin\";\n\t\t\tdtb = "
		     "\"guest.dtb\";\n"
		     "\t\t\tinitrd = \"initrd.cpio\";\n\t\t\tmemory = <0x0 0x10000000>;\n"),
		  &machine, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.vms[0].mem_size, MiB(256));
	parse_env(VM(KERNEL "\t\t\tmemory = <0x4000000>;\n"), &machine, &r);
	assert_int_equal(r.vms[0].mem_size, MiB(64));
	parse_env(VM(KERNEL "\t\t\tmemory = \"1G\";\n\t\t\trestart = \"never\";\n"), NULL, &r);
	assert_int_equal(r.vms[0].mem_size, GiB(1));
	parse_env(VM(KERNEL "\t\t\tmemory = \"65536K\";\n"), &machine, &r);
	assert_int_equal(r.vms[0].mem_size, MiB(64));
}

static void restart_policies(void **state)
{
	struct result r;

	parse_env(VM(KERNEL "\t\t\trestart = \"on-crash\";\n"), NULL, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.vms[0].restart, VM_RESTART_ON_CRASH);
	parse_env(VM(KERNEL "\t\t\trestart = \"always\";\n"), NULL, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.vms[0].restart, VM_RESTART_ALWAYS);
	parse_env(VM(KERNEL "\t\t\trestart = \"never\";\n"), NULL, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.vms[0].restart, VM_RESTART_NEVER);
}

#define FW "\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tfirmware = \"u-boot.bin\";\n" /* lines 6, 7 */

/* A firmware VM names its firmware instead of a kernel; both, or firmware with an initrd, is refused. */
static void firmware_instead_of_kernel(void **state)
{
	struct result r;

	parse_env(VM(FW "\t\t\tmemory = \"128M\";\n"), &machine, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_string_equal(r.vms[0].firmware, "u-boot.bin");
	assert_string_equal(r.vms[0].kernel, "");
	assert_false(r.vms[0].vars_on_board);
	parse_env(VM(KERNEL), &machine, &r);
	assert_string_equal(r.vms[0].firmware, "");
	expect_error(
		VM(KERNEL "\t\t\tfirmware = \"u-boot.bin\";\n"),
		"t.dts:8: /vms/a: firmware: a VM boots either its firmware or a kernel and initrd, not both");
	expect_error(
		VM(FW "\t\t\tinitrd = \"initrd.cpio\";\n"),
		"t.dts:7: /vms/a: firmware: a VM boots either its firmware or a kernel and initrd, not both");
	expect_error(VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tfirmware = \"huge.fd\";\n"),
		     "t.dts:7: /vms/a: firmware: 'huge.fd' is 68157440 bytes, more than the flash bank holds "
		     "(67108864)");
	parse_env(VM(FW "\t\t\tflash-vars = \"board\";\n"), &machine, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_true(r.vms[0].vars_on_board);
	parse_env(VM(FW "\t\t\tflash-vars = \"memory\";\n"), &machine, &r);
	assert_false(r.vms[0].vars_on_board);
	expect_error(VM(FW "\t\t\tflash-vars = \"disk\";\n"),
		     "t.dts:8: /vms/a: flash-vars: 'disk': expected \"board\" (the board's flash, kept "
		     "across runs) "
		     "or \"memory\"");
	expect_error(
		VM(KERNEL "\t\t\tflash-vars = \"board\";\n"),
		"t.dts:8: /vms/a: flash-vars: only a firmware VM has a flash (give it firmware = \"...\")");
}

static void unknown_property(void **state)
{
	expect_error(
		VM(KERNEL "\t\t\tmemroy = \"64M\";\n"),
		"t.dts:8: /vms/a: memroy: unknown property (expected compatible, kernel, firmware, initrd, "
		"dtb, bootargs, vcpus, memory, affinity, devices, restart, identity-mapped, flash-vars, "
		"weight, no-mte)");
	expect_error("/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tmodel = \"x\";\n};\n",
		     "t.dts:4: /: model: unknown property (expected compatible)");
	expect_error("/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n\t\tx = <1>;\n\t};\n};\n",
		     "t.dts:5: /vms: x: unknown property (expected no properties: only VM nodes)");
}

static void wrong_type(void **state)
{
	expect_error(VM(KERNEL "\t\t\tvcpus = \"2\";\n"),
		     "t.dts:8: /vms/a: vcpus: expected one cell like <2>");
	expect_error(VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = <1>;\n"),
		     "t.dts:7: /vms/a: kernel: expected one string like \"Image\"");
	expect_error(VM(KERNEL "\t\t\tbootargs = \"a\", \"b\";\n"),
		     "t.dts:8: /vms/a: bootargs: expected one string like \"console=ttyAMA0\"");
	expect_error(
		VM(KERNEL "\t\t\tmemory = \"64X\";\n"),
		"t.dts:8: /vms/a: memory: expected a size in bytes, <0x0 0x10000000> (64 bits) or \"256M\" "
		"(K, M, G)");
	expect_error(
		VM(KERNEL "\t\t\tmemory = <0 0 1>;\n"),
		"t.dts:8: /vms/a: memory: expected a size in bytes, <0x0 0x10000000> (64 bits) or \"256M\" "
		"(K, M, G)");
	expect_error(VM(KERNEL "\t\t\tmemory = \"3M\";\n"),
		     "t.dts:8: /vms/a: memory: 3145728 bytes: expected a multiple of 2 MiB, at least 2 MiB");
	expect_error(VM(KERNEL "\t\t\tidentity-mapped = <1>;\n"),
		     "t.dts:8: /vms/a: identity-mapped: expected a flag without value (identity-mapped;)");
	expect_error(VM(KERNEL "\t\t\tdevices = <1>;\n"),
		     "t.dts:8: /vms/a: devices: expected a list of device names like \"gicv3\", \"pl011\"");
	expect_error(VM(KERNEL "\t\t\taffinity = \"0\";\n"),
		     "t.dts:8: /vms/a: affinity: expected 1..8 physical CPU numbers like <0 1>");
	expect_error(VM(KERNEL "\t\t\trestart = <1>;\n"),
		     "t.dts:8: /vms/a: restart: expected \"never\", \"on-crash\" or \"always\"");
	expect_error(VM(KERNEL "\t\t\trestart = \"sometimes\";\n"),
		     "t.dts:8: /vms/a: restart: 'sometimes': expected \"never\", \"on-crash\" or \"always\"");
	expect_error(VM("\t\t\tcompatible = \"hyparm,domain\";\n\t\t\tkernel = \"Image\";\n"),
		     "t.dts:6: /vms/a: compatible: expected compatible = \"hyparm,vm\";");
	expect_error(VM("\t\t\tkernel = \"Image\";\n"),
		     "t.dts:5: /vms/a: expected compatible = \"hyparm,vm\";");
	expect_error(VM("\t\t\tcompatible = \"hyparm,vm\";\n"),
		     "t.dts:5: /vms/a: no kernel property (expected kernel = \"Image\";)");
}

static void overlapping_devices(void **state)
{
	expect_error(VM(KERNEL "\t\t\tdevices = \"gicv3\", \"pl011\", \"pl011\";\n"),
		     "t.dts:8: /vms/a: devices: 'pl011' is listed twice: the two would overlap (one address "
		     "each)");
}

#define TWO_VMS(mem_a, mem_b) \
	"/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n" \
	"\t\ta {\n" KERNEL "\t\t\tmemory = \"" mem_a "\";\n\t\t};\n" \
	"\t\tb {\n" KERNEL "\t\t\tmemory = \"" mem_b "\";\n\t\t};\n\t};\n};\n"

static void more_memory_than_the_machine_has(void **state)
{
	struct result r;

	parse_env(TWO_VMS("256M", "256M"), &machine, &r);
	assert_int_equal(r.rc, HV_OK);
	expect_error(
		TWO_VMS("256M", "258M"),
		"t.dts:13: /vms/b: memory: the VMs so far need 514 MiB, more than the 512 MiB the machine "
		"has for VMs");
}

static void missing_empty_or_implausible_images(void **state)
{
	expect_error(VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"vmlinux\";\n"),
		     "t.dts:7: /vms/a: kernel: no file 'vmlinux' in the bundle");
	expect_error(VM(KERNEL "\t\t\tinitrd = \"rootfs.cpio\";\n"),
		     "t.dts:8: /vms/a: initrd: no file 'rootfs.cpio' in the bundle");
	expect_error(VM(KERNEL "\t\t\tdtb = \"x.dtb\";\n"),
		     "t.dts:8: /vms/a: dtb: no file 'x.dtb' in the bundle");
	expect_error(VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"empty.bin\";\n"),
		     "t.dts:7: /vms/a: kernel: 'empty.bin' is empty");
	expect_error(VM(KERNEL "\t\t\tinitrd = \"empty.bin\";\n"),
		     "t.dts:8: /vms/a: initrd: 'empty.bin' is empty");
	expect_error(VM(KERNEL "\t\t\tdtb = \"not.dtb\";\n"),
		     "t.dts:8: /vms/a: dtb: 'not.dtb' is not a device tree blob (compile it with dtc)");
	expect_error(
		VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"k.elf\";\n"),
		"t.dts:7: /vms/a: kernel: 'k.elf' is an ELF file (give the raw binary: objcopy -O binary)");
	expect_error(VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"Image.gz\";\n"),
		     "t.dts:7: /vms/a: kernel: 'Image.gz' is gzip-compressed (give the uncompressed Image)");
	expect_error(
		VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"script.sh\";\n"),
		"t.dts:7: /vms/a: kernel: 'script.sh' looks like text, not an arm64 Image or a raw binary");
	expect_error(
		VM("\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"zeros.bin\";\n"),
		"t.dts:7: /vms/a: kernel: 'zeros.bin' starts with a zero word (UDF #0): neither an arm64 "
		"Image nor a raw binary");
}

static void initrd_that_does_not_fit(void **state)
{
	expect_error(
		VM(KERNEL "\t\t\tinitrd = \"initrd.cpio\";\n\t\t\tmemory = \"4M\";\n"),
		"t.dts:8: /vms/a: initrd: the images do not fit: VM RAM too small: kernel+initrd+dtb need "
		"9 MiB, have 4 MiB");
}

static void vcpus_out_of_range(void **state)
{
	expect_error(VM(KERNEL "\t\t\tvcpus = <0>;\n"), "t.dts:8: /vms/a: vcpus: 0: expected 1..8");
	expect_error(VM(KERNEL "\t\t\tvcpus = <9>;\n"), "t.dts:8: /vms/a: vcpus: 9: expected 1..8");
}

static void no_mte_is_a_flag(void **state)
{
	struct result r;

	parse_env(VM(KERNEL "\t\t\tno-mte;\n"), &machine, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_true(r.vms[0].no_mte);
	expect_error(VM(KERNEL "\t\t\tno-mte = <1>;\n"),
		     "t.dts:8: /vms/a: no-mte: expected a flag without value (no-mte;)");
}

static void weight_in_range(void **state)
{
	struct result r;

	parse_env(VM(KERNEL "\t\t\tweight = <512>;\n"), &machine, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.vms[0].weight, 512);
	parse_env(VM(KERNEL "\t\t\tweight = <65535>;\n"), &machine, &r);
	assert_int_equal(r.vms[0].weight, 65535);
	expect_error(VM(KERNEL "\t\t\tweight = <0>;\n"), "t.dts:8: /vms/a: weight: 0: expected 1..65535");
	expect_error(VM(KERNEL "\t\t\tweight = <65536>;\n"),
		     "t.dts:8: /vms/a: weight: 65536: expected 1..65535");
	expect_error(VM(KERNEL "\t\t\tweight = \"2x\";\n"),
		     "t.dts:8: /vms/a: weight: expected one cell like <2>");
}

static void vcpu_pinned_to_a_cpu_that_does_not_exist(void **state)
{
	struct manifest_env any = machine;

	expect_error(VM(KERNEL "\t\t\taffinity = <0 2>;\n"),
		     "t.dts:8: /vms/a: affinity: physical CPU 2 does not exist (the machine has 2: 0..1)");
	any.nr_pcpus = 0;
	expect_error_env(VM(KERNEL "\t\t\taffinity = <256>;\n"), &any,
			 "t.dts:8: /vms/a: affinity: physical CPU 256: expected 0..255");
	expect_error(VM(KERNEL "\t\t\taffinity = <0 1 0 1 0 1 0 1 0>;\n"),
		     "t.dts:8: /vms/a: affinity: expected 1..8 physical CPU numbers like <0 1>");
}

/* dtc refuses two nodes of one name in the source; a hand-made blob can still have them. */
static void duplicate_names(void **state)
{
	static u64 buf[512];
	struct result r;

	assert_int_equal(fdt_create(buf, sizeof(buf)), 0);
	assert_int_equal(fdt_finish_reservemap(buf), 0);
	assert_int_equal(fdt_begin_node(buf, ""), 0);
	assert_int_equal(fdt_property_string(buf, "compatible", "hyparm,manifest"), 0);
	assert_int_equal(fdt_begin_node(buf, "vms"), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fdt_begin_node(buf, "twin"), 0);
		assert_int_equal(fdt_property_string(buf, "compatible", "hyparm,vm"), 0);
		assert_int_equal(fdt_property_string(buf, "kernel", "Image"), 0);
		assert_int_equal(fdt_end_node(buf), 0);
	}
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_finish(buf), 0);
	parse_blob(buf, fdt_totalsize(buf), &machine, &r);
	assert_int_equal(r.rc, -HV_EINVAL);
	assert_string_equal(r.err,
			    "manifest: /vms/twin: duplicate VM name 'twin' (first at manifest: /vms/twin)");
}

/* identity-mapped is a flag the VM builder honours (core/vm_memory.c); once refused as not supported. */
static void identity_mapped_is_a_flag(void **state)
{
	struct result r;

	parse_env(VM(KERNEL "\t\t\tidentity-mapped;\n"), &machine, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_true(r.vms[0].identity_mapped);
}

/*
 * Device nodes (hyparm/devnode.h): a known device's node is kept for the
 * VM builder with its name and schema; an unknown device, a node without
 * compatible, an unknown property and a wrongly typed one are refused
 * with the node's or the property's line. Catches: nodes silently
 * ignored (a disk the user asked for never appears), a typo in a
 * property name accepted.
 */
static void device_nodes(void **state)
{
	struct result r;
	size_t size;
	void *dtb = compile_text(
		VM(KERNEL "\t\t\trng0 {\n\t\t\t\tcompatible = \"hyparm,virtio-rng\";\n\t\t\t};\n"), &size);

	parse_blob(dtb, size, NULL, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.vms[0].nr_devnodes, 1);
	assert_string_equal(r.vms[0].devnodes[0].name, "rng0");
	assert_string_equal(r.vms[0].devnodes[0].schema->device, "virtio-rng");
	assert_ptr_equal(r.vms[0].devnodes[0].fdt, dtb);
	{
		char where[200];
		devnode_where(&r.vms[0].devnodes[0], where, sizeof(where));
		assert_string_equal(where, "t.dts:8: /vms/a/rng0");
	}
	free(dtb);

	/* The place and what was wrong, exactly; then the choices: every device the schema table has. */
	expect_error_listing_devices(
		VM(KERNEL "\t\t\tdisk0 {\n\t\t\t\tcompatible = \"hyparm,sata\";\n\t\t\t};\n"),
		"t.dts:9: /vms/a/disk0: compatible: 'hyparm,sata': expected one of ");
	expect_error_listing_devices(
		VM(KERNEL "\t\t\tthing {\n\t\t\t};\n"),
		"t.dts:8: /vms/a/thing: a device node needs compatible = \"hyparm,DEVICE\"; (");
	expect_error(VM(KERNEL "\t\t\trng0 {\n\t\t\t\tcompatible = \"hyparm,virtio-rng\";\n"
			       "\t\t\t\tsize = \"2M\";\n\t\t\t};\n"),
		     "t.dts:10: /vms/a/rng0: size: unknown property (hyparm,virtio-rng takes no properties)");

	/* virtio-console's row: input is a flag, nothing else is known. */
	dtb = compile_text(VM(KERNEL "\t\t\tconsole0 {\n\t\t\t\tcompatible = \"hyparm,virtio-console\";\n"
				     "\t\t\t\tinput;\n\t\t\t};\n"),
			   &size);
	parse_blob(dtb, size, NULL, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_string_equal(r.vms[0].devnodes[0].schema->device, "virtio-console");
	free(dtb);
	expect_error(VM(KERNEL "\t\t\tconsole0 {\n\t\t\t\tcompatible = \"hyparm,virtio-console\";\n"
			       "\t\t\t\tinput = <1>;\n\t\t\t};\n"),
		     "t.dts:10: /vms/a/console0: input: expected a flag without value (input;)");
	expect_error(VM(KERNEL "\t\t\tconsole0 {\n\t\t\t\tcompatible = \"hyparm,virtio-console\";\n"
			       "\t\t\t\tcid = <3>;\n\t\t\t};\n"),
		     "t.dts:10: /vms/a/console0: cid: unknown property (hyparm,virtio-console takes input)");

	/* virtio-net's row: mac is a string (its syntax is the device's to check). */
	dtb = compile_text(VM(KERNEL "\t\t\tnet0 {\n\t\t\t\tcompatible = \"hyparm,virtio-net\";\n"
				     "\t\t\t\tmac = \"02:00:00:00:00:01\";\n\t\t\t};\n"),
			   &size);
	parse_blob(dtb, size, NULL, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_string_equal(r.vms[0].devnodes[0].schema->device, "virtio-net");
	char mac[24];
	assert_int_equal(devnode_string(&r.vms[0].devnodes[0], "mac", mac, sizeof(mac)), HV_OK);
	assert_string_equal(mac, "02:00:00:00:00:01");
	free(dtb);
	expect_error(VM(KERNEL "\t\t\tnet0 {\n\t\t\t\tcompatible = \"hyparm,virtio-net\";\n"
			       "\t\t\t\tmac = <1>;\n\t\t\t};\n"),
		     "t.dts:10: /vms/a/net0: mac: expected one string like mac = \"02:00:00:00:00:01\";");
}

/*
 * The virtio-blk row (core/devnode_schema.c): file, read-only and
 * partition are known and typed; a typo, a number for the file or a value
 * for the flag are refused at their line. Catches: a disk node whose
 * "readonly" typo would quietly give the guest a writable disk.
 */
static void virtio_blk_node(void **state)
{
	struct result r;
	size_t size;
	void *dtb = compile_text(VM(KERNEL "\t\t\tdisk0 {\n\t\t\t\tcompatible = \"hyparm,virtio-blk\";\n"
					   "\t\t\t\tfile = \"disk.img\";\n\t\t\t\tread-only;\n"
					   "\t\t\t\tpartition = <2>;\n\t\t\t};\n"),
				 &size);

	parse_blob(dtb, size, NULL, &r);
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.vms[0].nr_devnodes, 1);
	assert_string_equal(r.vms[0].devnodes[0].schema->device, "virtio-blk");
	{
		char file[32];
		u32 part = 0;
		bool present = false;
		assert_int_equal(devnode_string(&r.vms[0].devnodes[0], "file", file, sizeof(file)), HV_OK);
		assert_string_equal(file, "disk.img");
		assert_true(devnode_flag(&r.vms[0].devnodes[0], "read-only"));
		assert_int_equal(devnode_u32(&r.vms[0].devnodes[0], "partition", &part, &present), HV_OK);
		assert_true(present);
		assert_int_equal(part, 2);
	}
	free(dtb);
	expect_error(VM(KERNEL "\t\t\tdisk0 {\n\t\t\t\tcompatible = \"hyparm,virtio-blk\";\n"
			       "\t\t\t\treadonly;\n\t\t\t};\n"),
		     "t.dts:10: /vms/a/disk0: readonly: unknown property (hyparm,virtio-blk takes file, "
		     "read-only, "
		     "partition)");
	expect_error(VM(KERNEL "\t\t\tdisk0 {\n\t\t\t\tcompatible = \"hyparm,virtio-blk\";\n"
			       "\t\t\t\tfile = <3>;\n\t\t\t};\n"),
		     "t.dts:10: /vms/a/disk0: file: expected one string like file = \"disk.img\";");
	expect_error(VM(KERNEL "\t\t\tdisk0 {\n\t\t\t\tcompatible = \"hyparm,virtio-blk\";\n"
			       "\t\t\t\tread-only = \"yes\";\n\t\t\t};\n"),
		     "t.dts:10: /vms/a/disk0: read-only: expected a flag without value (read-only;)");
}

static void names_and_structure(void **state)
{
	char text[2048], body[1200] = "";

	expect_error("/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n\t\ta@1 {\n" KERNEL
		     "\t\t};\n\t};\n};\n",
		     "t.dts:5: /vms/a@1: VM name 'a@1': expected letters, digits, '-' or '_' (the node name "
		     "is the "
		     "VM's name; no unit address)");
	expect_error("/dts-v1/;\n/ {\n\tvms {\n\t};\n};\n",
		     "t.dts:2: /: not a hyparm manifest: expected compatible = \"hyparm,manifest\";");
	expect_error("/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n};\n",
		     "t.dts:2: /: no vms node (expected vms { NAME { compatible = \"hyparm,vm\"; ... }; };)");
	expect_error(
		"/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n\t};\n};\n",
		"t.dts:4: /vms: no VM (expected NAME { compatible = \"hyparm,vm\"; kernel = \"...\"; };)");
	expect_error(
		"/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n\t};\n\tcpus {\n\t};\n};\n",
		"t.dts:6: /cpus: unknown node (expected one vms node, the VMs inside it)");
	for (int i = 0; i < 9; i++)
		snprintf(body + strlen(body), sizeof(body) - strlen(body),
			 "\t\tv%d {\n\t\t\tcompatible = \"hyparm,vm\";\n\t\t\tkernel = \"Image\";\n"
			 "\t\t\tmemory = \"2M\";\n\t\t};\n",
			 i);
	snprintf(text, sizeof(text),
		 "/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n%s\t};\n};\n", body);
	expect_error_env(text, NULL, "t.dts:45: /vms/v8: too many VMs (at most 8)");
}

static void without_a_line_map_names_the_node(void **state)
{
	static u64 buf[512];
	struct result r;

	assert_int_equal(fdt_create(buf, sizeof(buf)), 0);
	assert_int_equal(fdt_finish_reservemap(buf), 0);
	assert_int_equal(fdt_begin_node(buf, ""), 0);
	assert_int_equal(fdt_property_string(buf, "compatible", "hyparm,manifest"), 0);
	assert_int_equal(fdt_begin_node(buf, "vms"), 0);
	assert_int_equal(fdt_begin_node(buf, "linux0"), 0);
	assert_int_equal(fdt_property_string(buf, "compatible", "hyparm,vm"), 0);
	assert_int_equal(fdt_property_string(buf, "kernel", "Image"), 0);
	assert_int_equal(fdt_property_u32(buf, "vcpus", 12), 0);
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_finish(buf), 0);
	parse_blob(buf, fdt_totalsize(buf), &machine, &r);
	assert_string_equal(r.err, "manifest: /vms/linux0: vcpus: 12: expected 1..8");
}

static void not_a_device_tree(void **state)
{
	static u64 buf[64];
	struct result r;

	memcpy(buf, "[vm]\nkernel = k\n", 16);
	parse_blob(buf, 16, &machine, &r);
	assert_int_equal(r.rc, -HV_EINVAL);
	assert_string_equal(r.err, "manifest: not a valid device tree blob (compile the .dts with dtc)");
	parse_blob(NULL, 0, &machine, &r);
	assert_int_equal(r.rc, -HV_EINVAL);
}

static void too_long_values(void **state)
{
	char text[2048], arg[600];

	memset(arg, 'x', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	snprintf(text, sizeof(text), VM(KERNEL "\t\t\tbootargs = \"%s\";\n"), arg);
	expect_error(text, "t.dts:8: /vms/a: bootargs: too long (at most 511 characters)");
	expect_error(
		"/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n"
		"\t\tname-that-is-far-too-long-for-a-vm {\n" KERNEL "\t\t};\n\t};\n};\n",
		"t.dts:5: /vms/name-that-is-far-too-long-for-a-vm: VM name: expected 1..31 letters, digits, "
		"'-' or '_'");
}

/*
 * hyparm,ivshmem nodes (core/manifest.c's cross-VM check): a region, a size
 * a region may have, one node per VM, and one size per region across VMs.
 * VM a's shm0 is on line 8, VM b's on line 13.
 */
#define TWO_SHM_VMS(a_shm, b_shm) \
	"/dts-v1/;\n/ {\n\tcompatible = \"hyparm,manifest\";\n\tvms {\n\t\ta {\n" KERNEL "\t\t\t" a_shm \
	"\n\t\t};\n\t\tb {\n" KERNEL "\t\t\t" b_shm "\n\t\t};\n\t};\n};\n"
#define SHM(body) "shm0 { compatible = \"hyparm,ivshmem\"; " body " };"

static void shared_regions(void **state)
{
	struct result r;
	u64 size = 0;
	bool present;

	size_t len;
	void *dtb = compile_text(TWO_SHM_VMS(SHM("region = \"ring\"; size = \"64K\";"),
					     SHM("region = \"ring\"; size = <0x10000>;")),
				 &len);

	parse_blob(dtb, len, &machine, &r); /* the nodes point into the blob: kept until the end */
	assert_int_equal(r.rc, HV_OK);
	assert_int_equal(r.count, 2);
	assert_string_equal(r.vms[1].devnodes[0].schema->device, "ivshmem");
	assert_string_equal(r.vms[1].devnodes[0].schema->needs, "pci-host");
	assert_int_equal(devnode_size(&r.vms[1].devnodes[0], "size", &size, &present), HV_OK);
	assert_true(present);
	assert_int_equal(size, 0x10000);
	free(dtb);
	/* Different regions may have different sizes; no size is the default. */
	parse_env(TWO_SHM_VMS(SHM("region = \"one\"; size = \"64K\";"), SHM("region = \"two\";")), &machine,
		  &r);
	assert_int_equal(r.rc, HV_OK);
	expect_error(TWO_SHM_VMS(SHM("region = \"ring\";"), SHM("region = \"ring\"; size = \"2M\";")),
		     "t.dts:13: /vms/b/shm0: size: region 'ring' is 2048 KiB here but 1024 KiB in VM a "
		     "(t.dts:8): every "
		     "VM must give it the same size");
	expect_error(TWO_SHM_VMS(SHM("size = \"1M\";"), SHM("region = \"ring\";")),
		     "t.dts:8: /vms/a/shm0: hyparm,ivshmem needs region = \"NAME\"; (VMs naming the same "
		     "region share "
		     "it)");
	expect_error(TWO_SHM_VMS(SHM("region = \"ring\"; size = \"3M\";"), SHM("region = \"ring\";")),
		     "t.dts:8: /vms/a/shm0: size: expected a power of two from 4K to 256M");
	expect_error(TWO_SHM_VMS(SHM("region = \"ring\"; size = \"2K\";"), SHM("region = \"ring\";")),
		     "t.dts:8: /vms/a/shm0: size: expected a power of two from 4K to 256M");
	expect_error(TWO_SHM_VMS(SHM("region = \"ring\"; size = \"512M\";"), SHM("region = \"ring\";")),
		     "t.dts:8: /vms/a/shm0: size: expected a power of two from 4K to 256M");
	expect_error(TWO_SHM_VMS(SHM("region = \"0123456789012345678901234567890123\";"),
				 SHM("region = \"ring\";")),
		     "t.dts:8: /vms/a/shm0: region: a region name has at most 31 characters");
	expect_error(TWO_SHM_VMS("shm0 { compatible = \"hyparm,ivshmem\"; region = \"x\"; };\n\t\t\tshm1 { "
				 "compatible = "
				 "\"hyparm,ivshmem\"; region = \"y\"; };",
				 SHM("region = \"ring\";")),
		     "t.dts:9: /vms/a/shm1: one hyparm,ivshmem per VM (the first is at t.dts:8)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(examples_parse_to_their_vms),
		cmocka_unit_test(defaults_and_checked_images),
		cmocka_unit_test(restart_policies),
		cmocka_unit_test(firmware_instead_of_kernel),
		cmocka_unit_test(unknown_property),
		cmocka_unit_test(wrong_type),
		cmocka_unit_test(overlapping_devices),
		cmocka_unit_test(more_memory_than_the_machine_has),
		cmocka_unit_test(missing_empty_or_implausible_images),
		cmocka_unit_test(initrd_that_does_not_fit),
		cmocka_unit_test(vcpus_out_of_range),
		cmocka_unit_test(weight_in_range),
		cmocka_unit_test(no_mte_is_a_flag),
		cmocka_unit_test(vcpu_pinned_to_a_cpu_that_does_not_exist),
		cmocka_unit_test(duplicate_names),
		cmocka_unit_test(identity_mapped_is_a_flag),
		cmocka_unit_test(device_nodes),
		cmocka_unit_test(virtio_blk_node),
		cmocka_unit_test(shared_regions),
		cmocka_unit_test(names_and_structure),
		cmocka_unit_test(without_a_line_map_names_the_node),
		cmocka_unit_test(not_a_device_tree),
		cmocka_unit_test(too_long_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
