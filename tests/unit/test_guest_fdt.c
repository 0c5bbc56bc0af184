/* The per-VM device tree: parsed back with libfdt and accepted by dtc. */
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

#include <hyparm/errno.h>
#include <hyparm/guest_fdt.h>

static const u64 mpidrs[] = { 0, 1 };

static struct guest_fdt_params params(void)
{
	return (struct guest_fdt_params){
		.ram_base = 0x40000000,
		.ram_size = 0x8000000,
		.nr_vcpus = 2,
		.vcpu_mpidr = mpidrs,
		.cmdline = "console=ttyAMA0 expect_midr=0x411fd070",
		.initrd_start = 0x41000000,
		.initrd_end = 0x41200000,
		.gicd_base = 0x08000000,
		.gicr_base = 0x080A0000,
		.uart_base = 0x09000000,
		.uart_spi = 1,
	};
}

/* Property values are only 4-byte aligned: read 64-bit cells byte-wise. */
static u64 cell64(const void *p, unsigned idx)
{
	fdt64_t v;
	memcpy(&v, (const char *)p + 8 * idx, sizeof(v));
	return fdt64_to_cpu(v);
}

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);
	assert_true(node >= 0);
	const void *v = fdt_getprop(fdt, node, name, len);
	assert_non_null(v);
	return v;
}

static void tree_describes_the_vm(void **state)
{
	static char buf[65536];
	struct guest_fdt_params p = params();
	int len;

	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	assert_int_equal(fdt_check_header(buf), 0);

	const void *reg = prop(buf, "/memory@40000000", "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell64(reg, 0), 0x40000000);
	assert_int_equal(cell64(reg, 1), 0x8000000);

	assert_string_equal(prop(buf, "/chosen", "bootargs", NULL), p.cmdline);
	assert_string_equal(prop(buf, "/chosen", "stdout-path", NULL), "/pl011@9000000");
	assert_int_equal(cell64(prop(buf, "/chosen", "linux,initrd-start", NULL), 0), 0x41000000);
	assert_int_equal(cell64(prop(buf, "/chosen", "linux,initrd-end", NULL), 0), 0x41200000);

	assert_string_equal(prop(buf, "/psci", "method", NULL), "hvc");
	assert_int_equal(fdt_node_check_compatible(buf, fdt_path_offset(buf, "/psci"), "arm,psci-0.2"), 0);
	assert_int_equal(fdt_node_check_compatible(buf, fdt_path_offset(buf, "/psci"), "arm,psci-1.0"), 0);

	assert_int_equal(fdt32_to_cpu(*(const fdt32_t *)prop(buf, "/cpus/cpu@1", "reg", NULL)), 1);
	assert_string_equal(prop(buf, "/cpus/cpu@0", "enable-method", NULL), "psci");

	const fdt32_t *irqs = prop(buf, "/timer", "interrupts", &len);
	assert_int_equal(len, 12 * 4);
	assert_int_equal(fdt32_to_cpu(irqs[1]), 13);
	assert_int_equal(fdt32_to_cpu(irqs[4]), 14);
	assert_int_equal(fdt32_to_cpu(irqs[7]), 11);
	assert_int_equal(fdt32_to_cpu(irqs[10]), 10);

	const fdt32_t *uirq = prop(buf, "/pl011@9000000", "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(uirq[1]), 1);
	assert_int_equal(fdt_node_check_compatible(buf, fdt_path_offset(buf, "/pl011@9000000"), "arm,pl011"),
			 0);

	const void *gic = prop(buf, "/intc@8000000", "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(cell64(gic, 2), 0x080A0000);
	assert_int_equal(cell64(gic, 3), 2 * 0x20000);
	assert_int_equal(fdt32_to_cpu(*(const fdt32_t *)prop(buf, "/", "interrupt-parent", NULL)),
			 fdt32_to_cpu(*(const fdt32_t *)prop(buf, "/intc@8000000", "phandle", NULL)));
}

/* A GICv2 VM: the node Linux's irq-gic driver binds to, with GICD and GICC, no redistributors. */
static void gicv2_vm_gets_a_cortex_a15_gic(void **state)
{
	static char buf[65536];
	struct guest_fdt_params p = params();
	int len, node;

	p.gic_version = 2;
	p.gicc_base = 0x08010000;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	node = fdt_path_offset(buf, "/intc@8000000");
	assert_true(node >= 0);
	assert_int_equal(fdt_node_check_compatible(buf, node, "arm,cortex-a15-gic"), 0);
	assert_int_not_equal(fdt_node_check_compatible(buf, node, "arm,gic-v3"), 0);
	assert_null(fdt_getprop(buf, node, "#redistributor-regions", NULL));
	const void *gic = prop(buf, "/intc@8000000", "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(cell64(gic, 0), 0x08000000);
	assert_int_equal(cell64(gic, 2), 0x08010000);
	assert_int_equal(cell64(gic, 3), 0x2000);
	/* The timer's and the UART's interrupts are written as on GICv3. */
	const fdt32_t *irqs = prop(buf, "/timer", "interrupts", &len);
	assert_int_equal(len, 12 * 4);
	assert_int_equal(fdt32_to_cpu(irqs[7]), 11);
}

/* The ITS: a child of the GIC node, an MSI controller, only when the VM has one and only on GICv3. */
static void its_node_only_when_the_vm_has_one(void **state)
{
	static char buf[65536];
	struct guest_fdt_params p = params();
	int len, node;

	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	assert_true(fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3-its") < 0);
	p.its_base = 0x08080000;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	node = fdt_path_offset(buf, "/intc@8000000/its@8080000");
	assert_true(node >= 0);
	assert_int_equal(fdt_node_check_compatible(buf, node, "arm,gic-v3-its"), 0);
	assert_non_null(fdt_getprop(buf, node, "msi-controller", NULL));
	assert_int_equal(
		fdt32_to_cpu(*(const fdt32_t *)prop(buf, "/intc@8000000/its@8080000", "#msi-cells", NULL)),
		1);
	const void *reg = prop(buf, "/intc@8000000/its@8080000", "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell64(reg, 0), 0x08080000);
	assert_int_equal(cell64(reg, 1), 0x20000);
	/* A GICv2 has no ITS, whatever the parameters say. */
	p.gic_version = 2;
	p.gicc_base = 0x08010000;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	assert_true(fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3-its") < 0);
}

static void no_initrd_means_no_initrd_properties(void **state)
{
	static char buf[65536];
	struct guest_fdt_params p = params();
	int node;

	p.initrd_start = p.initrd_end = 0;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	node = fdt_path_offset(buf, "/chosen");
	assert_null(fdt_getprop(buf, node, "linux,initrd-start", NULL));
}

/* The boot's random seeds go into /chosen as Linux reads them: rng-seed bytes, kaslr-seed one u64. */
static void seeds_are_in_chosen_and_only_when_given(void **state)
{
	static char buf[65536];
	struct guest_fdt_params p = params();
	u8 seed[GUEST_FDT_RNG_SEED_BYTES];
	const void *v;
	int node, len;

	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	node = fdt_path_offset(buf, "/chosen");
	assert_null(fdt_getprop(buf, node, "rng-seed", NULL));
	assert_null(fdt_getprop(buf, node, "kaslr-seed", NULL));
	for (unsigned i = 0; i < sizeof(seed); i++)
		seed[i] = (u8)(0xA0 + i);
	p.rng_seed = seed;
	p.rng_seed_len = sizeof(seed);
	p.kaslr_seed = 0x0123456789abcdefULL;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	v = prop(buf, "/chosen", "rng-seed", &len);
	assert_int_equal(len, GUEST_FDT_RNG_SEED_BYTES);
	assert_memory_equal(v, seed, sizeof(seed));
	v = prop(buf, "/chosen", "kaslr-seed", &len);
	assert_int_equal(len, 8);
	assert_int_equal(cell64(v, 0), 0x0123456789abcdefULL);
}

static void seeds_are_replaced_in_place_and_nothing_else_changes(void **state)
{
	static char buf[65536], before[65536];
	struct guest_fdt_params p = params();
	u8 seed[GUEST_FDT_RNG_SEED_BYTES], fresh[GUEST_FDT_RNG_SEED_BYTES];
	const void *v;
	int len, node;

	memset(seed, 0x11, sizeof(seed));
	memset(fresh, 0x22, sizeof(fresh));
	p.rng_seed = seed;
	p.rng_seed_len = sizeof(seed);
	p.kaslr_seed = 0x1111;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(guest_fdt_set_seeds(buf, fresh, sizeof(fresh), 0x2222333344445555ULL), HV_OK);
	v = prop(buf, "/chosen", "rng-seed", &len);
	assert_int_equal(len, GUEST_FDT_RNG_SEED_BYTES);
	assert_memory_equal(v, fresh, sizeof(fresh));
	v = prop(buf, "/chosen", "kaslr-seed", &len);
	assert_int_equal(cell64(v, 0), 0x2222333344445555ULL);
	/* Only the seeds' bytes differ: the same size, every other byte as built. */
	assert_int_equal(fdt_totalsize(buf), fdt_totalsize(before));
	unsigned differ = 0;
	for (unsigned i = 0; i < sizeof(buf); i++)
		differ += buf[i] != before[i];
	assert_true(differ <= GUEST_FDT_RNG_SEED_BYTES + 8);
	assert_true(differ >= GUEST_FDT_RNG_SEED_BYTES);
	/* A tree without seeds is refused: there is nothing to overwrite. */
	p.rng_seed_len = 0;
	p.kaslr_seed = 0;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	assert_int_equal(guest_fdt_set_seeds(buf, fresh, sizeof(fresh), 1), -HV_EINVAL);
	node = fdt_path_offset(buf, "/chosen");
	assert_null(fdt_getprop(buf, node, "rng-seed", NULL));
}

static void too_small_a_buffer_is_reported(void **state)
{
	static char buf[256];
	struct guest_fdt_params p = params();

	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), -HV_ENOMEM);
}

static void dtc_accepts_the_tree(void **state)
{
	static char buf[65536];
	struct guest_fdt_params p = params();
	char path[] = "/tmp/hyparm-dtb-XXXXXX";
	char cmd[256];
	int fd = mkstemp(path);

	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, fdt_totalsize(buf)), (int)fdt_totalsize(buf));
	close(fd);
	/* -W no-...: dtc's own style checks; errors still fail. */
	snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts -o /dev/null %s", path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
}

static int add_rtc(void *fdt, void *ctx)
{
	int e = fdt_begin_node(fdt, ctx);

	if (e < 0)
		return e;
	e = fdt_property_string(fdt, "compatible", "arm,pl031");
	return e < 0 ? e : fdt_end_node(fdt);
}

static int fail_nodes(void *fdt, void *ctx)
{
	(void)fdt;
	(void)ctx;
	return -FDT_ERR_NOSPACE;
}

/* Devices add their own nodes at the root; their error ends the build. */
static void devices_add_their_own_nodes(void **state)
{
	static char buf[65536];
	struct guest_fdt_params p = params();

	p.add_nodes = add_rtc;
	p.add_nodes_ctx = "pl031@9010000";
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), HV_OK);
	assert_int_equal(fdt_node_check_compatible(buf, fdt_path_offset(buf, "/pl031@9010000"), "arm,pl031"),
			 0);
	p.add_nodes = fail_nodes;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), -HV_ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_describes_the_vm),
		cmocka_unit_test(gicv2_vm_gets_a_cortex_a15_gic),
		cmocka_unit_test(no_initrd_means_no_initrd_properties),
		cmocka_unit_test(seeds_are_in_chosen_and_only_when_given),
		cmocka_unit_test(seeds_are_replaced_in_place_and_nothing_else_changes),
		cmocka_unit_test(too_small_a_buffer_is_reported),
		cmocka_unit_test(dtc_accepts_the_tree),
		cmocka_unit_test(devices_add_their_own_nodes),
		cmocka_unit_test(its_node_only_when_the_vm_has_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
