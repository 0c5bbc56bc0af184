/* Per-VM device tree generation (see include/hyparm/guest_fdt.h). */
#include <hyparm/errno.h>
#include <hyparm/guest_fdt.h>
#include <hyparm/guest_layout.h>
#include <hyparm/print.h>
#include <libfdt.h>
#include <string.h>

#define PHANDLE_CLK GUEST_FDT_PHANDLE_CLK
#define PHANDLE_GIC GUEST_FDT_PHANDLE_GIC

/* GIC interrupt specifier types and flags, as in the GIC DT binding. */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_LEVEL_HIGH 4

static int prop_u64_pair(void *fdt, const char *name, u64 a, u64 b)
{
	fdt64_t v[2] = { cpu_to_fdt64(a), cpu_to_fdt64(b) };
	return fdt_property(fdt, name, v, sizeof(v));
}

static int prop_cells(void *fdt, const char *name, const u32 *cells, unsigned n)
{
	fdt32_t v[16];
	for (unsigned i = 0; i < n && i < 16; i++)
		v[i] = cpu_to_fdt32(cells[i]);
	return fdt_property(fdt, name, v, n * sizeof(fdt32_t));
}

/* Each helper returns a libfdt error; the first one ends the build. */
#define TRY(x) \
	do { \
		int __e = (x); \
		if (__e < 0) \
			return __e; \
	} while (0)

static int add_cpus(void *fdt, const struct guest_fdt_params *p)
{
	char name[32];

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		hv_snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)p->vcpu_mpidr[i]);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,armv8"));
		TRY(fdt_property_u32(fdt, "reg", (u32)p->vcpu_mpidr[i]));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int add_psci(void *fdt)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";

	TRY(fdt_begin_node(fdt, "psci"));
	TRY(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	TRY(fdt_property_string(fdt, "method", "hvc"));
	return fdt_end_node(fdt);
}

static int add_timer(void *fdt)
{
	/* Secure physical, non-secure physical, virtual, hypervisor: PPI numbers (INTID - 16). */
	static const u32 irqs[] = {
		GIC_PPI, GUEST_SEC_PTIMER_INTID - 16, IRQ_LEVEL_HIGH,
		GIC_PPI, GUEST_PTIMER_INTID - 16,     IRQ_LEVEL_HIGH,
		GIC_PPI, GUEST_VTIMER_INTID - 16,     IRQ_LEVEL_HIGH,
		GIC_PPI, GUEST_HYP_PTIMER_INTID - 16, IRQ_LEVEL_HIGH,
	};

	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	TRY(prop_cells(fdt, "interrupts", irqs, ARRAY_SIZE(irqs)));
	TRY(fdt_property(fdt, "always-on", NULL, 0));
	return fdt_end_node(fdt);
}

static int add_uart(void *fdt, const struct guest_fdt_params *p, const char *node)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	u32 irq[] = { GIC_SPI, p->uart_spi, IRQ_LEVEL_HIGH };
	u32 clocks[] = { PHANDLE_CLK, PHANDLE_CLK };

	TRY(fdt_begin_node(fdt, node));
	TRY(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	TRY(prop_u64_pair(fdt, "reg", p->uart_base, GUEST_UART_SIZE));
	TRY(prop_cells(fdt, "interrupts", irq, 3));
	TRY(fdt_property(fdt, "clock-names", clock_names, sizeof(clock_names)));
	TRY(prop_cells(fdt, "clocks", clocks, 2));
	return fdt_end_node(fdt);
}

static int add_clock(void *fdt)
{
	TRY(fdt_begin_node(fdt, "apb-pclk"));
	TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
	TRY(fdt_property_u32(fdt, "#clock-cells", 0));
	TRY(fdt_property_u32(fdt, "clock-frequency", 24000000));
	TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	TRY(fdt_property_u32(fdt, "phandle", PHANDLE_CLK));
	return fdt_end_node(fdt);
}

static int add_gic(void *fdt, const struct guest_fdt_params *p)
{
	char name[32];
	bool v2 = p->gic_version == 2;
	/* GICv3: distributor, redistributors; GICv2: distributor, CPU interface (no GICH/GICV: no nested virtualization). */
	fdt64_t reg[4] = {
		cpu_to_fdt64(p->gicd_base),
		cpu_to_fdt64(GUEST_GICD_SIZE),
		cpu_to_fdt64(v2 ? p->gicc_base : p->gicr_base),
		cpu_to_fdt64(v2 ? GUEST_GICC_SIZE : GUEST_GICR_STRIDE * p->nr_vcpus),
	};

	hv_snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)p->gicd_base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", v2 ? "arm,cortex-a15-gic" : "arm,gic-v3"));
	TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
	if (!v2)
		TRY(fdt_property_u32(fdt, "#redistributor-regions", 1));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property(fdt, "ranges", NULL, 0));
	TRY(fdt_property_u32(fdt, "phandle", PHANDLE_GIC));
	if (!v2 && p->its_base) {
		/* The ITS, a child of the GIC as on QEMU's virt: an MSI controller whose specifier is the DeviceID. */
		hv_snprintf(name, sizeof(name), "its@%llx", (unsigned long long)p->its_base);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
		TRY(prop_u64_pair(fdt, "reg", p->its_base, GUEST_ITS_SIZE));
		TRY(fdt_property(fdt, "msi-controller", NULL, 0));
		TRY(fdt_property_u32(fdt, "#msi-cells", 1));
		TRY(fdt_property_u32(fdt, "phandle", GUEST_FDT_PHANDLE_ITS));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int build(void *fdt, size_t size, const struct guest_fdt_params *p)
{
	char uart_node[32], mem_node[32], uart_path[40];

	hv_snprintf(uart_node, sizeof(uart_node), "pl011@%llx", (unsigned long long)p->uart_base);
	hv_snprintf(uart_path, sizeof(uart_path), "/%s", uart_node);
	hv_snprintf(mem_node, sizeof(mem_node), "memory@%llx", (unsigned long long)p->ram_base);

	/*
	 * No de-duplication of property names: libfdt would otherwise search
	 * the whole strings block with memcmp at every one of the tree's ~200
	 * properties, which was a quarter of a small VM's reset. Repeated names
	 * cost about 2 KiB of a tree that fits in GUEST_DTB_MAX with room to spare.
	 */
	TRY(fdt_create_with_flags(fdt, size, FDT_CREATE_FLAG_NO_NAME_DEDUP));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_string(fdt, "model", "hyparm virt"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_u32(fdt, "interrupt-parent", PHANDLE_GIC));

	TRY(fdt_begin_node(fdt, "chosen"));
	TRY(fdt_property_string(fdt, "bootargs", p->cmdline ? p->cmdline : ""));
	TRY(fdt_property_string(fdt, "stdout-path", uart_path));
	if (p->initrd_end > p->initrd_start) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", p->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", p->initrd_end));
	}
	if (p->rng_seed_len)
		TRY(fdt_property(fdt, "rng-seed", p->rng_seed, (int)p->rng_seed_len));
	if (p->kaslr_seed)
		TRY(fdt_property_u64(fdt, "kaslr-seed", p->kaslr_seed));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "aliases"));
	TRY(fdt_property_string(fdt, "serial0", uart_path));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, mem_node));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(prop_u64_pair(fdt, "reg", p->ram_base, p->ram_size));
	TRY(fdt_end_node(fdt));

	TRY(add_cpus(fdt, p));
	TRY(add_gic(fdt, p));
	TRY(add_psci(fdt));
	TRY(add_timer(fdt));
	TRY(add_clock(fdt));
	TRY(add_uart(fdt, p, uart_node));
	if (p->add_nodes)
		TRY(p->add_nodes(fdt, p->add_nodes_ctx));

	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

int guest_fdt_build(void *buf, size_t size, const struct guest_fdt_params *p)
{
	int err = build(buf, size, p);

	if (err == -FDT_ERR_NOSPACE)
		return -HV_ENOMEM;
	if (err < 0)
		return -HV_EINVAL;
	/* fdt_finish() moved the strings block down: clear the stale copy libfdt left at the end. */
	memset((char *)buf + fdt_totalsize(buf), 0, size - fdt_totalsize(buf));
	return HV_OK;
}

int guest_fdt_set_seeds(void *fdt, const u8 *rng_seed, size_t rng_seed_len, u64 kaslr_seed)
{
	int chosen = fdt_path_offset(fdt, "/chosen");

	/* In place: the lengths do not change, so nothing in the tree moves. */
	if (chosen < 0 || fdt_setprop_inplace(fdt, chosen, "rng-seed", rng_seed, (int)rng_seed_len) ||
	    fdt_setprop_inplace_u64(fdt, chosen, "kaslr-seed", kaslr_seed))
		return -HV_EINVAL;
	return HV_OK;
}

u64 guest_fdt_size(const void *fdt)
{
	return fdt_totalsize(fdt);
}
