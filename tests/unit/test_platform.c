/* drivers/fdt_platform.c on QEMU's own virt device tree (tests/unit/data). */
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
#include <libfdt.h>

#include <drivers/platform.h>
#include <drivers/psci_fw.h>
#include <hyparm/errno.h>

static void *load_dtb(const char *dts)
{
	char path[] = "/tmp/hyparm-test-XXXXXX";
	char cmd[512];
	int fd = mkstemp(path);
	FILE *f;
	void *buf = malloc(1 << 20);

	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s %s", path, dts);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_true(fread(buf, 1, 1 << 20, f) > 0);
	fclose(f);
	unlink(path);
	return buf;
}

static void qemu_virt_is_understood(void **state)
{
	void *fdt = load_dtb("tests/unit/data/qemu-virt-gicv3.dts");
	struct platform p;
	char err[128] = "";

	assert_int_equal(platform_from_fdt(fdt, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.nr_mem, 1);
	assert_int_equal(p.mem[0].base, 0x40000000);
	assert_int_equal(p.mem[0].size, 0x40000000);
	assert_int_equal(p.uart_base, 0x09000000);
	assert_int_equal(p.uart_intid, 33);
	assert_int_equal(p.gic_version, 3);
	assert_int_equal(p.gicd_base, 0x08000000);
	assert_int_equal(p.gicr_base, 0x080A0000);
	assert_int_equal(p.gic_maint_intid, 25);
	assert_int_equal(p.gicc_base, 0);
	assert_int_equal(p.nr_cpus, 2);
	assert_int_equal(p.cpu_mpidr[0], 0);
	assert_int_equal(p.cpu_mpidr[1], 1);
	assert_int_equal(p.psci_method, PSCI_CONDUIT_SMC);
	assert_int_equal(p.initrd_start, 0x48000000);
	assert_int_equal(p.initrd_end, 0x48000003);
	/* QEMU's seeds: found where they are in the blob, 32 and 8 bytes. */
	assert_int_equal(p.rng_seed_len, 32);
	assert_int_equal(p.kaslr_seed_len, 8);
	assert_memory_equal((const void *)(uintptr_t)p.rng_seed, "\x5b\x5e\x5e\xc9", 4);
	assert_memory_equal((const void *)(uintptr_t)p.kaslr_seed, "\x9b\x46\x67\xdd", 4);
	free(fdt);
}

/* QEMU's virt with gic-version=2,virtualization=on: the four GICv2 frames and the maintenance PPI. */
static void qemu_virt_gicv2_is_understood(void **state)
{
	void *fdt = load_dtb("tests/unit/data/qemu-virt-gicv2.dts");
	struct platform p;
	char err[128] = "";

	assert_int_equal(platform_from_fdt(fdt, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.gic_version, 2);
	assert_int_equal(p.gicd_base, 0x08000000);
	assert_int_equal(p.gicd_size, 0x10000);
	assert_int_equal(p.gicc_base, 0x08010000);
	assert_int_equal(p.gicc_size, 0x10000);
	assert_int_equal(p.gich_base, 0x08030000);
	assert_int_equal(p.gicv_base, 0x08040000);
	assert_int_equal(p.gicv_size, 0x10000);
	assert_int_equal(p.gicr_base, 0);
	assert_int_equal(p.gic_maint_intid, 25);
	assert_int_equal(p.uart_intid, 33);
	free(fdt);
}

static void a_bad_header_is_an_error(void **state)
{
	char junk[64] = "not a device tree";
	struct platform p;
	char err[128] = "";

	assert_int_equal(platform_from_fdt(junk, &p, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "bad header"));
}

static void missing_memory_is_an_error(void **state)
{
	char buf[4096];
	struct platform p;
	char err[128] = "";

	assert_int_equal(fdt_create_empty_tree(buf, sizeof(buf)), 0);
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), -HV_EINVAL);
	assert_non_null(strstr(err, "no /memory"));
}

static void stdout_path_alias_selects_the_uart(void **state)
{
	char buf[4096];
	struct platform p;
	char err[128] = "";
	int root, n;

	assert_int_equal(fdt_create_empty_tree(buf, sizeof(buf)), 0);
	root = 0;
	fdt_setprop_u32(buf, root, "#address-cells", 2);
	fdt_setprop_u32(buf, root, "#size-cells", 2);
	n = fdt_add_subnode(buf, root, "memory@80000000");
	fdt_setprop_string(buf, n, "device_type", "memory");
	fdt_setprop_u64(buf, n, "reg", 0x80000000ULL);
	fdt_appendprop_u64(buf, n, "reg", 0x10000000ULL);
	n = fdt_add_subnode(buf, root, "cpus");
	fdt_setprop_u32(buf, n, "#address-cells", 1);
	fdt_setprop_u32(buf, n, "#size-cells", 0);
	n = fdt_add_subnode(buf, n, "cpu@100");
	fdt_setprop_string(buf, n, "device_type", "cpu");
	fdt_setprop_u32(buf, n, "reg", 0x100);
	n = fdt_add_subnode(buf, root, "uart@1000");
	fdt_setprop_string(buf, n, "compatible", "arm,pl011");
	fdt_setprop_u64(buf, n, "reg", 0x1000);
	fdt_appendprop_u64(buf, n, "reg", 0x1000);
	n = fdt_add_subnode(buf, root, "uart@2000");
	fdt_setprop_string(buf, n, "compatible", "arm,pl011");
	fdt_setprop_u64(buf, n, "reg", 0x2000);
	fdt_appendprop_u64(buf, n, "reg", 0x1000);
	n = fdt_add_subnode(buf, root, "aliases");
	fdt_setprop_string(buf, n, "serial1", "/uart@2000");
	n = fdt_add_subnode(buf, root, "chosen");
	fdt_setprop_string(buf, n, "stdout-path", "serial1:115200n8");

	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.uart_base, 0x2000);
	assert_int_equal(p.mem[0].base, 0x80000000);
	assert_int_equal(p.mem[0].size, 0x10000000);
	assert_int_equal(p.cpu_mpidr[0], 0x100);
	assert_int_equal(p.psci_method, PSCI_CONDUIT_NONE);
	assert_int_equal(p.initrd_end, 0);
}

/* A tree whose root claims ac #address-cells and sc #size-cells, with one memory node and one CPU. */
static int cells_tree(char *buf, size_t len, u32 ac, u32 sc)
{
	int n;

	assert_int_equal(fdt_create_empty_tree(buf, len), 0);
	fdt_setprop_u32(buf, 0, "#address-cells", ac);
	fdt_setprop_u32(buf, 0, "#size-cells", sc);
	n = fdt_add_subnode(buf, 0, "memory@40000000");
	fdt_setprop_string(buf, n, "device_type", "memory");
	fdt_setprop_u64(buf, n, "reg", 0x40000000ULL);
	fdt_appendprop_u64(buf, n, "reg", 0x10000000ULL);
	n = fdt_add_subnode(buf, 0, "cpus");
	n = fdt_add_subnode(buf, n, "cpu@0");
	fdt_setprop_string(buf, n, "device_type", "cpu");
	fdt_setprop_u32(buf, n, "reg", 0);
	return 0;
}

/*
 * Found by fuzz_fdt_platform: cell counts straight from the tree went into
 * signed arithmetic, so a huge #address-cells overflowed the reg length
 * check, and #address-cells = -1 with #size-cells = 1 made a reg of any
 * length "fit" and read the size from the word before the property.
 */
static void implausible_cell_counts_are_not_read(void **state)
{
	static const u32 bad[][2] = { { 0x40000000, 1 }, { 0xFFFFFFFF, 1 }, { 2, 0xFFFFFFFE },
				      { 3, 2 },		 { 2, 3 },	    { 0, 2 } };
	char buf[4096];
	struct platform p;
	char err[128] = "";

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		cells_tree(buf, sizeof(buf), bad[i][0], bad[i][1]);
		assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), -HV_EINVAL);
		assert_int_equal(p.nr_mem, 0);
		assert_non_null(strstr(err, "no /memory"));
	}
	/* The counts a device tree really uses still work. */
	cells_tree(buf, sizeof(buf), 2, 2);
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.mem[0].base, 0x40000000);
	assert_int_equal(p.mem[0].size, 0x10000000);
}

/*
 * Strings and cells are only read within their property's length. Found
 * by review with fuzz_fdt_platform (fuzz/regressions/fdt_platform/
 * unterminated-model-at-end, a hand-made blob whose last bytes are an
 * unterminated "model": printing it read past the end of the blob). Here
 * the bytes after each property are the next token, so the old code read
 * them as part of the value.
 */
static void properties_are_read_within_their_length(void **state)
{
	char buf[4096];
	struct platform p;
	char err[128] = "";
	int n;

	assert_int_equal(fdt_create_empty_tree(buf, sizeof(buf)), 0);
	fdt_setprop(buf, 0, "model", "abcd", 4); /* no NUL */
	fdt_setprop(buf, 0, "#address-cells", NULL, 0); /* empty: the default (2) applies */
	fdt_setprop_u32(buf, 0, "#size-cells", 2);
	n = fdt_add_subnode(buf, 0, "memory@40000000");
	fdt_setprop_string(buf, n, "device_type", "memory");
	fdt_setprop_u64(buf, n, "reg", 0x40000000ULL);
	fdt_appendprop_u64(buf, n, "reg", 0x10000000ULL);
	n = fdt_add_subnode(buf, 0, "cpus");
	n = fdt_add_subnode(buf, n, "cpu@0");
	fdt_setprop(buf, n, "device_type", "cpu", 3); /* no NUL: not a CPU */
	n = fdt_add_subnode(buf, fdt_path_offset(buf, "/cpus"), "cpu@1");
	fdt_setprop_string(buf, n, "device_type", "cpu");
	fdt_setprop_u32(buf, n, "reg", 1);
	n = fdt_add_subnode(buf, 0, "timer");
	fdt_setprop_string(buf, n, "compatible", "arm,armv8-timer");
	fdt_setprop(buf, n, "clock-frequency", NULL, 0);

	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_string_equal(p.model, "unknown");
	assert_int_equal(p.nr_mem, 1);
	assert_int_equal(p.mem[0].base, 0x40000000);
	assert_int_equal(p.mem[0].size, 0x10000000);
	assert_int_equal(p.nr_cpus, 1);
	assert_int_equal(p.cpu_mpidr[0], 1);
}

/*
 * The ZCU102's layout: the console is the Cadence UART serial0 names, the
 * GIC-400's four frames and maintenance PPI, four A53s, PSCI over SMC and
 * both RAM banks (below 4 GiB and at 32 GiB).
 */
static void zcu102_is_understood(void **state)
{
	void *fdt = load_dtb("tests/unit/data/zcu102-layout.dts");
	struct platform p;
	char err[128] = "";

	assert_int_equal(platform_from_fdt(fdt, &p, err, sizeof(err)), HV_OK);
	assert_string_equal(p.model, "ZynqMP ZCU102 Rev1.0");
	assert_int_equal(p.uart_type, UART_CDNS);
	assert_int_equal(p.uart_base, 0xff000000);
	assert_int_equal(p.uart_intid, 32 + 21);
	assert_int_equal(p.nr_mem, 2);
	assert_int_equal(p.mem[0].base, 0);
	assert_int_equal(p.mem[0].size, 0x80000000);
	assert_int_equal(p.mem[1].base, 0x800000000ULL);
	assert_int_equal(p.mem[1].size, 0x80000000);
	assert_int_equal(p.gic_version, 2);
	assert_int_equal(p.gicd_base, 0xf9010000);
	assert_int_equal(p.gicc_base, 0xf9020000);
	assert_int_equal(p.gicc_size, 0x20000);
	assert_int_equal(p.gich_base, 0xf9040000);
	assert_int_equal(p.gicv_base, 0xf9060000);
	assert_int_equal(p.gicv_size, 0x20000);
	assert_int_equal(p.gic_maint_intid, 25);
	assert_int_equal(p.nr_cpus, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(p.cpu_mpidr[i], i);
	assert_int_equal(p.psci_method, PSCI_CONDUIT_SMC);
	assert_int_equal(p.rtc_type, RTC_ZYNQMP);
	assert_int_equal(p.rtc_base, 0xffa60000);
	free(fdt);
}

/*
 * The console follows stdout-path to a UART hyparm drives (serial1, a
 * Cadence UART, over an earlier PL011); one it has no driver for (an
 * ns16550a) is passed over for the first UART it has one for.
 */
static void stdout_path_picks_the_uart_driver(void **state)
{
	char buf[4096];
	struct platform p;
	char err[128] = "";
	int n;

	cells_tree(buf, sizeof(buf), 2, 2);
	n = fdt_add_subnode(buf, 0, "uart@1000");
	fdt_setprop_string(buf, n, "compatible", "arm,pl011");
	fdt_setprop_u64(buf, n, "reg", 0x1000);
	fdt_appendprop_u64(buf, n, "reg", 0x1000);
	n = fdt_add_subnode(buf, 0, "serial@2000");
	fdt_setprop(buf, n, "compatible", "xlnx,zynqmp-uart\0cdns,uart-r1p12", 33);
	fdt_setprop_u64(buf, n, "reg", 0x2000);
	fdt_appendprop_u64(buf, n, "reg", 0x1000);
	n = fdt_add_subnode(buf, 0, "serial@3000");
	fdt_setprop_string(buf, n, "compatible", "ns16550a");
	fdt_setprop_u64(buf, n, "reg", 0x3000);
	fdt_appendprop_u64(buf, n, "reg", 0x1000);
	n = fdt_add_subnode(buf, 0, "chosen");
	fdt_setprop_string(buf, n, "stdout-path", "/serial@2000:115200n8");
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.uart_type, UART_CDNS);
	assert_int_equal(p.uart_base, 0x2000);

	fdt_setprop_string(buf, fdt_path_offset(buf, "/chosen"), "stdout-path", "/serial@3000");
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.uart_type, UART_PL011);
	assert_int_equal(p.uart_base, 0x1000);

	/* Without a PL011 the first Cadence UART is the console. */
	fdt_del_node(buf, fdt_path_offset(buf, "/uart@1000"));
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.uart_type, UART_CDNS);
	assert_int_equal(p.uart_base, 0x2000);
}

/*
 * /chosen/hyparm,bundle (U-Boot's fdt set, booti without an initrd) gives
 * the bundle in the root's cells and wins over an initrd; a wrapping or
 * empty range, or a short property, is none.
 */
static void chosen_hyparm_bundle_gives_the_bundle(void **state)
{
	char buf[4096];
	struct platform p;
	char err[128] = "";
	fdt32_t cells[4] = { cpu_to_fdt32(0), cpu_to_fdt32(0x48000000), cpu_to_fdt32(0),
			     cpu_to_fdt32(0x1234) };
	int chosen;

	cells_tree(buf, sizeof(buf), 2, 2);
	chosen = fdt_add_subnode(buf, 0, "chosen");
	fdt_setprop_u32(buf, chosen, "linux,initrd-start", 0x44000000);
	fdt_setprop_u32(buf, chosen, "linux,initrd-end", 0x44001000);
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.initrd_start, 0x44000000);
	assert_int_equal(p.initrd_end, 0x44001000);

	fdt_setprop(buf, fdt_path_offset(buf, "/chosen"), "hyparm,bundle", cells, sizeof(cells));
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.initrd_start, 0x48000000);
	assert_int_equal(p.initrd_end, 0x48001234);

	/* Wraps past the end of the address space: not a bundle (the initrd stays). */
	cells[2] = cpu_to_fdt32(0xFFFFFFFF);
	cells[3] = cpu_to_fdt32(0xFFFFF000);
	fdt_setprop(buf, fdt_path_offset(buf, "/chosen"), "hyparm,bundle", cells, sizeof(cells));
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.initrd_start, 0x44000000);
	/* Three cells where four belong: ignored. */
	fdt_setprop(buf, fdt_path_offset(buf, "/chosen"), "hyparm,bundle", cells, 12);
	assert_int_equal(platform_from_fdt(buf, &p, err, sizeof(err)), HV_OK);
	assert_int_equal(p.initrd_start, 0x44000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qemu_virt_is_understood),
		cmocka_unit_test(qemu_virt_gicv2_is_understood),
		cmocka_unit_test(a_bad_header_is_an_error),
		cmocka_unit_test(missing_memory_is_an_error),
		cmocka_unit_test(stdout_path_alias_selects_the_uart),
		cmocka_unit_test(implausible_cell_counts_are_not_read),
		cmocka_unit_test(properties_are_read_within_their_length),
		cmocka_unit_test(zcu102_is_understood),
		cmocka_unit_test(stdout_path_picks_the_uart_driver),
		cmocka_unit_test(chosen_hyparm_bundle_gives_the_bundle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
