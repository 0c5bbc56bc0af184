/*
 * What hyparm learns about the machine from the boot loader's device tree:
 * memory, console UART, GIC, CPUs, the PSCI conduit, the guest bundle
 * (initrd range), the boot loader's random seeds, the real-time clock and
 * the flash. Parsed with libfdt; pure logic, unit-tested on the host
 * with QEMU's own virt device tree.
 */
#ifndef DRIVERS_PLATFORM_H
#define DRIVERS_PLATFORM_H

#include <hyparm/types.h>
#include <arch/cpu.h>
#include <drivers/rtc.h>
#include <drivers/uart.h>

#define PLAT_MAX_MEM 8
#define PLAT_MAX_RESERVED 16
#define PLAT_MAX_VIRTIO 32

struct mem_range {
	paddr_t base;
	u64 size;
};

struct platform {
	char model[64];
	struct mem_range mem[PLAT_MAX_MEM];
	unsigned nr_mem;
	struct mem_range reserved[PLAT_MAX_RESERVED]; /* /memreserve/ and /reserved-memory */
	unsigned nr_reserved;
	/* The console: the UART /chosen/stdout-path names, else the first hyparm has a driver for. */
	paddr_t uart_base; /* 0: none found */
	enum uart_type uart_type;
	unsigned uart_intid; /* its GIC interrupt (SPI + 32), 0 if unknown */
	unsigned gic_version; /* 2 or 3, 0 if none found */
	paddr_t gicd_base;
	u64 gicd_size;
	paddr_t gicr_base; /* GICv3 redistributors (first region) */
	u64 gicr_size;
	/* GICv2: CPU interface, virtual interface control and virtual CPU interface (0 if absent). */
	paddr_t gicc_base, gich_base, gicv_base;
	u64 gicc_size, gich_size, gicv_size;
	unsigned gic_maint_intid; /* the GIC node's interrupt (the vGIC maintenance PPI), 0 if none */
	unsigned nr_cpus;
	u64 cpu_mpidr[MAX_PCPUS];
	unsigned psci_method; /* enum psci_conduit */
	/* The guest bundle: /chosen/hyparm,bundle, else the initrd; 0, 0 when absent. */
	paddr_t initrd_start, initrd_end;
	/* /chosen/rng-seed and kaslr-seed: where their bytes are in the DTB (len 0: absent). */
	paddr_t rng_seed, kaslr_seed;
	u32 rng_seed_len, kaslr_seed_len;
	paddr_t rtc_base; /* the first arm,pl031, else xlnx,zynqmp-rtc; 0 when none */
	enum rtc_type rtc_type;
	paddr_t flash_vars_base; /* the second bank of the cfi-flash node (QEMU virt's pflash1), 0 when none */
	u64 flash_vars_size;
	/* The virtio,mmio transports (QEMU virt: 32, most of them empty), in tree order. */
	struct {
		paddr_t base;
		u64 size;
		unsigned intid; /* SPI + 32, 0 if the node has no usable interrupt */
	} virtio[PLAT_MAX_VIRTIO];
	unsigned nr_virtio;
};

/* HV_OK, or -HV_EINVAL with a message in err (bad header, no memory, no CPUs...). */
int platform_from_fdt(const void *fdt, struct platform *plat, char *err, size_t errlen);

#endif
