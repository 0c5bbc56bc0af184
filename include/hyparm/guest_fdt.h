/*
 * The device tree hyparm generates for each VM, written with libfdt's
 * sequential-write API. It mirrors what QEMU generates for its own virt
 * machine (memory, cpus with enable-method psci, psci over hvc, the GICv3 or GICv2, the arch
 * timer, the PL011 with its clock, /chosen with bootargs, stdout-path,
 * the initrd range and random seeds), so guests written for KVM find their devices where
 * they expect them.
 */
#ifndef HYPARM_GUEST_FDT_H
#define HYPARM_GUEST_FDT_H

#include <hyparm/types.h>

/* Phandles of the generated tree, for devices that add their own nodes (hyparm/vdev.h). */
#define GUEST_FDT_PHANDLE_CLK 0x8000
#define GUEST_FDT_PHANDLE_GIC 0x8001
#define GUEST_FDT_PHANDLE_ITS 0x8002

/* /chosen/rng-seed: what Linux mixes into its pool and credits as entropy (QEMU gives 32 bytes). */
#define GUEST_FDT_RNG_SEED_BYTES 64

struct guest_fdt_params {
	u64 ram_base, ram_size;
	unsigned nr_vcpus;
	const u64 *vcpu_mpidr; /* affinity of each vCPU (cpu node reg) */
	const char *cmdline; /* "" for none */
	u64 initrd_start, initrd_end; /* 0, 0 for none */
	unsigned gic_version; /* 3 (arm,gic-v3) or 2 (arm,cortex-a15-gic) */
	u64 gicd_base, gicr_base; /* GICv3 distributor; redistributors (128 KiB per vCPU) */
	u64 gicc_base; /* GICv2: the CPU interface (the GICV frame hyparm maps there) */
	u64 its_base; /* GICv3: the ITS (GUEST_ITS_SIZE), 0 for none */
	u64 uart_base;
	unsigned uart_spi; /* SPI number (INTID - 32) */
	/* /chosen/rng-seed (rng_seed_len 0: none) and /chosen/kaslr-seed (0: none), fresh each boot. */
	const u8 *rng_seed;
	size_t rng_seed_len;
	u64 kaslr_seed;
	/* Optional: adds more nodes at the root (the VM's devices: vdev_fdt_all); 0 or a libfdt error. */
	int (*add_nodes)(void *fdt, void *ctx);
	void *add_nodes_ctx;
};

/* Write the DT into buf. HV_OK, or -HV_ENOMEM if size is too small. */
int guest_fdt_build(void *buf, size_t size, const struct guest_fdt_params *p);
/*
 * Overwrite the seeds of a tree guest_fdt_build() wrote with seeds (the same
 * lengths): a VM's tree is the same at every boot but for them, so a reset
 * copies the tree it built once and gives it fresh seeds. HV_OK, or
 * -HV_EINVAL if the tree has no such seeds.
 */
int guest_fdt_set_seeds(void *fdt, const u8 *rng_seed, size_t rng_seed_len, u64 kaslr_seed);

/* The size of a tree guest_fdt_build() wrote (its header's totalsize). */
u64 guest_fdt_size(const void *fdt);

#endif
