/* Device tree -> struct platform, with libfdt. */
#include <drivers/platform.h>
#include <drivers/psci_fw.h>
#include <hyparm/errno.h>
#include <hyparm/print.h>
#include <libfdt.h>
#include <string.h>

static u64 read_cells(const fdt32_t *p, int cells)
{
	u64 v = 0;
	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

/*
 * #address-cells / #size-cells of a node's parent. Read by hand: libfdt's
 * fdt_address_cells() lives in an object file of Debian's arm64 libfdt.a
 * that uses FP/SIMD registers, which hyparm must not link.
 */
static int parent_cells(const void *fdt, int node, const char *prop, int dflt)
{
	int parent = fdt_parent_offset(fdt, node), len;
	const fdt32_t *v = fdt_getprop(fdt, parent < 0 ? 0 : parent, prop, &len);
	return v && len >= 4 ? (int)fdt32_to_cpu(*v) : dflt;
}

/*
 * A string property, or NULL unless it is NUL-terminated within its
 * length: the tree is not trusted, and an unterminated last property
 * would send strlen() and printf past the end of the blob.
 */
static const char *prop_string(const void *fdt, int node, const char *name)
{
	int len;
	const char *s = fdt_getprop(fdt, node, name, &len);

	return s && len > 0 && s[len - 1] == '\0' ? s : NULL;
}

static int addr_cells(const void *fdt, int node)
{
	return parent_cells(fdt, node, "#address-cells", 2);
}
static int size_cells(const void *fdt, int node)
{
	return parent_cells(fdt, node, "#size-cells", 1);
}

/*
 * The idx-th (base, size) pair of a node's reg. The cell counts come from
 * the tree: anything but 1..2 address cells and 0..2 size cells (what fits
 * a u64) is refused before it goes into any arithmetic.
 */
static bool node_prop_range(const void *fdt, int node, const char *prop, int idx, u64 *base, u64 *size)
{
	int len, ac = addr_cells(fdt, node), sc = size_cells(fdt, node);
	const fdt32_t *reg = fdt_getprop(fdt, node, prop, &len);

	if (ac < 1 || ac > 2 || sc < 0 || sc > 2 || idx < 0)
		return false;
	if (!reg || len < 0 || (u64)len < (u64)(idx + 1) * (u64)(ac + sc) * 4)
		return false;
	reg += idx * (ac + sc);
	*base = read_cells(reg, ac);
	*size = sc ? read_cells(reg + ac, sc) : 0;
	return true;
}

static bool node_reg(const void *fdt, int node, int idx, u64 *base, u64 *size)
{
	return node_prop_range(fdt, node, "reg", idx, base, size);
}

static void parse_memory(const void *fdt, struct platform *p)
{
	int node;

	fdt_for_each_subnode(node, fdt, 0)
	{
		const char *type = prop_string(fdt, node, "device_type");
		u64 base, size;

		if (!type || strcmp(type, "memory"))
			continue;
		for (int i = 0; p->nr_mem < PLAT_MAX_MEM && node_reg(fdt, node, i, &base, &size); i++) {
			if (size)
				p->mem[p->nr_mem++] = (struct mem_range){ base, size };
		}
	}
}

static void parse_reserved(const void *fdt, struct platform *p)
{
	int n = fdt_num_mem_rsv(fdt);
	for (int i = 0; i < n && p->nr_reserved < PLAT_MAX_RESERVED; i++) {
		uint64_t a, s;
		if (fdt_get_mem_rsv(fdt, i, &a, &s) == 0 && s)
			p->reserved[p->nr_reserved++] = (struct mem_range){ a, s };
	}
	int rm = fdt_path_offset(fdt, "/reserved-memory");
	if (rm < 0)
		return;
	int node;
	fdt_for_each_subnode(node, fdt, rm)
	{
		u64 base, size;
		if (p->nr_reserved < PLAT_MAX_RESERVED && node_reg(fdt, node, 0, &base, &size) && size)
			p->reserved[p->nr_reserved++] = (struct mem_range){ base, size };
	}
}

/* The UARTs hyparm has a driver for (drivers/uart.c), by compatible string. */
static const struct {
	const char *compatible;
	enum uart_type type;
} uart_compatibles[] = {
	{ "arm,pl011", UART_PL011 },
	{ "cdns,uart-r1p12", UART_CDNS },
	{ "xlnx,xuartps", UART_CDNS },
};

static enum uart_type uart_type_of(const void *fdt, int node)
{
	for (unsigned i = 0; i < ARRAY_SIZE(uart_compatibles); i++)
		if (!fdt_node_check_compatible(fdt, node, uart_compatibles[i].compatible))
			return uart_compatibles[i].type;
	return UART_NONE;
}

/*
 * The console: the node /chosen/stdout-path names if hyparm drives that
 * kind of UART, else the first node of a kind it drives (in the order of
 * uart_compatibles).
 */
static void parse_uart(const void *fdt, struct platform *p)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *path = chosen >= 0 ? prop_string(fdt, chosen, "stdout-path") : NULL;
	int node = -1;
	u64 base, size;

	if (path) {
		/* "serial0:115200n8" or "/pl011@9000000": options follow a ':'. */
		const char *colon = strchr(path, ':');
		int len = colon ? (int)(colon - path) : (int)strlen(path);
		if (path[0] == '/')
			node = fdt_path_offset_namelen(fdt, path, len);
		else {
			/* The alias's value goes to libfdt as a C string: it must be one. */
			int aliases = fdt_path_offset(fdt, "/aliases"), alen;
			const char *alias = aliases >= 0 ? fdt_getprop_namelen(fdt, aliases, path, len, &alen)
							 : NULL;
			if (alias && alen > 0 && alias[alen - 1] == '\0')
				node = fdt_path_offset(fdt, alias);
		}
		if (node >= 0 && uart_type_of(fdt, node) == UART_NONE)
			node = -1;
	}
	for (unsigned i = 0; node < 0 && i < ARRAY_SIZE(uart_compatibles); i++)
		node = fdt_node_offset_by_compatible(fdt, -1, uart_compatibles[i].compatible);
	if (node >= 0 && node_reg(fdt, node, 0, &base, &size) && base) {
		p->uart_base = base;
		p->uart_type = uart_type_of(fdt, node);
	}
	if (node >= 0) {
		int len;
		const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);
		/* <type number flags>: type 0 = SPI. */
		if (irq && len >= 12 && fdt32_to_cpu(irq[0]) == 0 && fdt32_to_cpu(irq[1]) < 988)
			p->uart_intid = fdt32_to_cpu(irq[1]) + 32;
	}
}

/* The first of the node's compatible strings that is in list (NULL-terminated), or -1. */
static int compatible_index(const void *fdt, const char *const *list, int *node)
{
	for (int i = 0; list[i]; i++) {
		*node = fdt_node_offset_by_compatible(fdt, -1, list[i]);
		if (*node >= 0)
			return i;
	}
	return -1;
}

/*
 * The GIC node: its version from the compatible string, its frames from
 * reg (GICv3: distributor, redistributors; GICv2: GICD, GICC and, with the
 * virtualization extension, GICH and GICV), and its own interrupt, the
 * maintenance PPI.
 */
static void parse_gic(const void *fdt, struct platform *p)
{
	static const char *const v3[] = { "arm,gic-v3", NULL };
	static const char *const v2[] = { "arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a7-gic", NULL };
	struct mem_range f[4] = { { 0, 0 } };
	int node, len;
	const fdt32_t *irq;

	if (compatible_index(fdt, v3, &node) >= 0)
		p->gic_version = 3;
	else if (compatible_index(fdt, v2, &node) >= 0)
		p->gic_version = 2;
	else
		return;
	for (int i = 0; i < 4; i++)
		if (!node_reg(fdt, node, i, &f[i].base, &f[i].size))
			break;
	p->gicd_base = f[0].base;
	p->gicd_size = f[0].size;
	if (p->gic_version == 3) {
		p->gicr_base = f[1].base;
		p->gicr_size = f[1].size;
	} else {
		p->gicc_base = f[1].base;
		p->gicc_size = f[1].size;
		p->gich_base = f[2].base;
		p->gich_size = f[2].size;
		p->gicv_base = f[3].base;
		p->gicv_size = f[3].size;
	}
	/* <type number flags>: type 1 = PPI (INTID 16 + number). */
	irq = fdt_getprop(fdt, node, "interrupts", &len);
	if (irq && len >= 12 && fdt32_to_cpu(irq[0]) == 1 && fdt32_to_cpu(irq[1]) < 16)
		p->gic_maint_intid = fdt32_to_cpu(irq[1]) + 16;
}

static void parse_cpus(const void *fdt, struct platform *p)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;

	if (cpus < 0)
		return;
	fdt_for_each_subnode(node, fdt, cpus)
	{
		const char *type = prop_string(fdt, node, "device_type");
		int len;
		const fdt32_t *reg;

		if (!type || strcmp(type, "cpu") || p->nr_cpus == MAX_PCPUS)
			continue;
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || len < 4)
			continue;
		p->cpu_mpidr[p->nr_cpus++] = read_cells(reg, len >= 8 ? 2 : 1);
	}
}

static void parse_psci(const void *fdt, struct platform *p)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2");
	const char *method;

	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci");
	method = node >= 0 ? prop_string(fdt, node, "method") : NULL;
	if (method && !strcmp(method, "smc"))
		p->psci_method = PSCI_CONDUIT_SMC;
	else if (method && !strcmp(method, "hvc"))
		p->psci_method = PSCI_CONDUIT_HVC;
	else
		p->psci_method = PSCI_CONDUIT_NONE;
}

static void parse_chosen(const void *fdt, struct platform *p)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	int len;
	const fdt32_t *v;

	if (chosen < 0)
		return;
	v = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
	if (v && (len == 4 || len == 8))
		p->initrd_start = read_cells(v, len / 4);
	v = fdt_getprop(fdt, chosen, "linux,initrd-end", &len);
	if (v && (len == 4 || len == 8))
		p->initrd_end = read_cells(v, len / 4);
	if (p->initrd_end <= p->initrd_start)
		p->initrd_start = p->initrd_end = 0;
	/*
	 * hyparm,bundle = <address size>, in the root's cells: the guest
	 * bundle put in memory by a boot loader that does not call it an initrd
	 * (U-Boot: fdt set /chosen hyparm,bundle <...>, then booti ADDR - FDT;
	 * docs/boards.md). It wins over linux,initrd-*, which then describe
	 * nothing hyparm uses. A range that wraps is no bundle.
	 */
	u64 base, size;
	if (node_prop_range(fdt, chosen, "hyparm,bundle", 0, &base, &size) && size && base + size > base) {
		p->initrd_start = base;
		p->initrd_end = base + size;
	}
	/* Only where they are: the boot code mixes them into its generator and wipes them (core/main.c). */
	v = fdt_getprop(fdt, chosen, "rng-seed", &len);
	if (v && len > 0) {
		p->rng_seed = (paddr_t)(uintptr_t)v;
		p->rng_seed_len = (u32)len;
	}
	v = fdt_getprop(fdt, chosen, "kaslr-seed", &len);
	if (v && len > 0) {
		p->kaslr_seed = (paddr_t)(uintptr_t)v;
		p->kaslr_seed_len = (u32)len;
	}
}

/* The first RTC hyparm can read (a PL031, else the ZynqMP's), with a whole register block. */
static void parse_rtc(const void *fdt, struct platform *p)
{
	static const struct {
		const char *compatible;
		enum rtc_type type;
		u64 regs; /* the registers the driver reads lie below this */
	} rtcs[] = { { "arm,pl031", RTC_PL031, PAGE_SIZE }, { "xlnx,zynqmp-rtc", RTC_ZYNQMP, 0x100 } };
	u64 base, size;

	for (unsigned i = 0; i < ARRAY_SIZE(rtcs); i++) {
		int node = fdt_node_offset_by_compatible(fdt, -1, rtcs[i].compatible);

		if (node >= 0 && node_reg(fdt, node, 0, &base, &size) && base && size >= rtcs[i].regs) {
			p->rtc_base = base;
			p->rtc_type = rtcs[i].type;
			return;
		}
	}
}

/* QEMU virt's flash: one node, code bank then variables bank; the second may hold a VM's variables. */
static void parse_flash(const void *fdt, struct platform *p)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "cfi-flash");
	u64 base, size;

	if (node >= 0 && node_reg(fdt, node, 1, &base, &size) && size) {
		p->flash_vars_base = base;
		p->flash_vars_size = size;
	}
}

/*
 * Every virtio,mmio node (hyparm's drivers of QEMU's virtio devices probe
 * them by DeviceID: drivers/virtio_host.c). Its interrupt: <0 SPI flags>
 * with the GIC's three cells; another form leaves intid 0 (no interrupt).
 */
static void parse_virtio(const void *fdt, struct platform *p)
{
	int node = -1;

	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0 &&
	       p->nr_virtio < PLAT_MAX_VIRTIO) {
		u64 base, size;
		int len;
		const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);

		if (!node_reg(fdt, node, 0, &base, &size) || size < 0x100)
			continue;
		p->virtio[p->nr_virtio].base = base;
		p->virtio[p->nr_virtio].size = size;
		p->virtio[p->nr_virtio].intid = irq && len >= 12 && fdt32_to_cpu(irq[0]) == 0 &&
				fdt32_to_cpu(irq[1]) < 988
			? fdt32_to_cpu(irq[1]) + 32
			: 0;
		p->nr_virtio++;
	}
}

int platform_from_fdt(const void *fdt, struct platform *p, char *err, size_t errlen)
{
	int rc = fdt_check_header(fdt);
	const char *model;

	memset(p, 0, sizeof(*p));
	if (rc) {
		hv_snprintf(err, errlen, "device tree: bad header (%s)", fdt_strerror(rc));
		return -HV_EINVAL;
	}
	model = prop_string(fdt, 0, "model");
	if (!model)
		model = prop_string(fdt, 0, "compatible");
	hv_snprintf(p->model, sizeof(p->model), "%s", model ? model : "unknown");
	parse_memory(fdt, p);
	parse_reserved(fdt, p);
	parse_uart(fdt, p);
	parse_gic(fdt, p);
	parse_cpus(fdt, p);
	parse_psci(fdt, p);
	parse_chosen(fdt, p);
	parse_rtc(fdt, p);
	parse_flash(fdt, p);
	parse_virtio(fdt, p);
	if (!p->nr_mem) {
		hv_snprintf(err, errlen, "device tree: no /memory node");
		return -HV_EINVAL;
	}
	if (!p->nr_cpus) {
		hv_snprintf(err, errlen, "device tree: no CPU under /cpus");
		return -HV_EINVAL;
	}
	return HV_OK;
}
