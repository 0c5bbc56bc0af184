/*
 * Loading a VM: where its images go (planned once, at creation, so that
 * errors show before anything boots) and the reset job that puts them
 * there, piece by piece, on its boot vCPU's CPU (see core/vm.c).
 */
#include <arch/cache.h>
#include <arch/tlb.h>
#include <arch/vgic_lr.h>
#include <hyparm/bundle.h>
#include <hyparm/drbg.h>
#include <hyparm/entropy.h>
#include <hyparm/errno.h>
#include <hyparm/guest_cmdline.h>
#include <hyparm/guest_fdt.h>
#include <hyparm/loader.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/vdev.h>
#include <hyparm/vm.h>
#include <hyparm/vm_ram.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>
#include <string.h>


/* The VM's images in the bundle and where they go in its RAM. */
struct vm_images {
	const void *kernel, *initrd, *dtb;
	u64 kernel_size, initrd_size, dtb_size;
	struct load_plan plan;
	/*
	 * The generated tree, kept after its first build (its seeds zeroed):
	 * every later boot copies it and gives it fresh seeds, instead of
	 * building it again (a tenth of a small VM's reset).
	 */
	void *dtb_built;
	u64 dtb_built_size;
	char cmdline[VMCONF_CMDLINE_MAX + sizeof(GUEST_CMDLINE_PANIC GUEST_CMDLINE_PANIC_WARM)];
};
static struct vm_images images[VM_MAX];

/*
 * A firmware VM boots as QEMU boots -bios: its image is in the flash
 * (the cfi-flash device took it from the bundle), the boot vCPU starts at
 * IPA 0 with x0 = 0, and the device tree is at the start of RAM, where
 * U-Boot and EDK2 look for it.
 */
static int plan_firmware(struct vm *vm, struct vm_images *im, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm->config;
	const struct guest_bundle *b = vm->bundle;

	if (cfg->dtb[0] && bundle_find(b->base, b->size, cfg->dtb, &im->dtb, &im->dtb_size)) {
		hv_snprintf(err, errlen, "%s: dtb '%s' is not in the bundle", cfg->where, cfg->dtb);
		return -HV_ENOENT;
	}
	im->plan = (struct load_plan){ .dtb_off = 0, .dtb_max = MAX(im->dtb_size, GUEST_DTB_MAX) };
	if (im->plan.dtb_max > vm->ram_size) {
		hv_snprintf(err, errlen, "%s: VM RAM too small for its device tree", cfg->where);
		return -HV_ENOMEM;
	}
	vm->entry_ipa = GUEST_FLASH0_IPA;
	vm->dtb_ipa = 0;
	return HV_OK;
}

int vm_plan_images(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm->config;
	const struct guest_bundle *b = vm->bundle;
	struct vm_images *im = &images[vm->id];

	*im = (struct vm_images){ 0 };
	if (cfg->firmware[0])
		return plan_firmware(vm, im, err, errlen);
	if (bundle_find(b->base, b->size, cfg->kernel, &im->kernel, &im->kernel_size)) {
		hv_snprintf(err, errlen, "%s: kernel '%s' is not in the bundle", cfg->where, cfg->kernel);
		return -HV_ENOENT;
	}
	if (cfg->initrd[0] && bundle_find(b->base, b->size, cfg->initrd, &im->initrd, &im->initrd_size)) {
		hv_snprintf(err, errlen, "%s: initrd '%s' is not in the bundle", cfg->where, cfg->initrd);
		return -HV_ENOENT;
	}
	if (cfg->dtb[0] && bundle_find(b->base, b->size, cfg->dtb, &im->dtb, &im->dtb_size)) {
		hv_snprintf(err, errlen, "%s: dtb '%s' is not in the bundle", cfg->where, cfg->dtb);
		return -HV_ENOENT;
	}
	int rc = loader_plan(im->kernel, im->kernel_size, im->initrd_size,
			     im->dtb ? MAX(im->dtb_size, GUEST_DTB_MAX) : GUEST_DTB_MAX, vm->ram_size,
			     &im->plan, err, errlen);
	if (rc)
		return rc;
	vm->warm_reset_is_panic = guest_cmdline_build(im->cmdline, sizeof(im->cmdline), cfg->cmdline,
						      im->plan.is_linux_image);
	vm->entry_ipa = vm->ram_ipa + im->plan.entry_off;
	vm->dtb_ipa = vm->ram_ipa + im->plan.dtb_off;
	return HV_OK;
}

static int add_device_nodes(void *fdt, void *vm)
{
	return vdev_fdt_all(vm, fdt);
}

/* Does the RAM block at offset off receive bytes of a boot image (kernel file, initrd, DTB)? */
static bool holds_image(const struct load_plan *p, u64 off)
{
	u64 end = off + VM_RAM_BLOCK;

	return (off < p->kernel_off + p->kernel_size && p->kernel_off < end) ||
		(p->initrd_size && off < p->initrd_off + p->initrd_size && p->initrd_off < end) ||
		(off < p->dtb_off + p->dtb_max && p->dtb_off < end);
}

/*
 * Keep a copy of the VM's first generated tree for its later boots, its seeds
 * zeroed so that no copy of a guest's secrets stays in hyparm. Without room
 * for it, every boot builds the tree again.
 */
static void keep_built_tree(struct vm_images *im, const void *fdt)
{
	static const u8 no_seed[GUEST_FDT_RNG_SEED_BYTES];
	u64 size = guest_fdt_size(fdt);
	void *copy = page_alloc(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);

	if (!copy)
		return;
	memcpy(copy, fdt, size);
	/* kaslr-seed 1, not 0: the same length, and never a seed any boot gets (they are random). */
	if (guest_fdt_set_seeds(copy, no_seed, sizeof(no_seed), 1)) {
		page_free(copy, ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
		return;
	}
	im->dtb_built = copy;
	im->dtb_built_size = size;
}

/* The most of the kernel and initrd files one reset step copies: a Linux kernel is 16 steps, not one. */
#define LOAD_PIECE VM_RAM_BLOCK

/*
 * The next piece of the kernel and initrd files, from *pos of the two one
 * after the other; true when both are in. Pieces keep a step short (a
 * 33 MB kernel copied at once held the CPU for over a second on a loaded
 * host, and the EL2 watchdog fired) and let the CPU serve its other vCPUs
 * between them.
 */
static bool copy_files_piece(struct vm *vm, u64 *pos)
{
	const struct vm_images *im = &images[vm->id];
	const struct load_plan *plan = &im->plan;
	u8 *ram = (u8 *)(uintptr_t)vm->ram_pa;
	u64 kernel = im->kernel ? im->kernel_size : 0, initrd = im->initrd ? im->initrd_size : 0;

	if (*pos < kernel) {
		u64 n = MIN(LOAD_PIECE, kernel - *pos);
		memcpy(ram + plan->kernel_off + *pos, (const u8 *)im->kernel + *pos, n);
		*pos += n;
		return false;
	}
	if (*pos < kernel + initrd) {
		u64 at = *pos - kernel, n = MIN(LOAD_PIECE, initrd - at);
		memcpy(ram + plan->initrd_off + at, (const u8 *)im->initrd + at, n);
		*pos += n;
		return false;
	}
	return true;
}

/* Write the device tree into (scrubbed) guest RAM: the config's own, or the VM's generated one. */
static int vm_copy_images(struct vm *vm, char *err, size_t errlen)
{
	struct vm_images *im = &images[vm->id];
	const struct load_plan *plan = &im->plan;
	u8 *ram = (u8 *)(uintptr_t)vm->ram_pa;

	if (im->dtb) {
		memcpy(ram + plan->dtb_off, im->dtb, im->dtb_size);
		return HV_OK;
	}
	u64 mpidr[VM_MAX_VCPUS];
	u8 rng_seed[GUEST_FDT_RNG_SEED_BYTES];
	u64 kaslr_seed = 0;
	int rc;

	/* Fresh seeds at every boot: the CPU's sources first, then the VM's own bytes of the stream. */
	entropy_add_cpu();
	entropy_get(rng_seed, sizeof(rng_seed));
	while (!kaslr_seed) /* 0 means "no seed" to Linux */
		entropy_get(&kaslr_seed, sizeof(kaslr_seed));
	if (im->dtb_built) {
		/* The rest of the DTB's room is zero already: its block was scrubbed. */
		memcpy(ram + plan->dtb_off, im->dtb_built, im->dtb_built_size);
		rc = guest_fdt_set_seeds(ram + plan->dtb_off, rng_seed, sizeof(rng_seed), kaslr_seed);
		memzero_explicit(rng_seed, sizeof(rng_seed));
		memzero_explicit(&kaslr_seed, sizeof(kaslr_seed));
		if (rc)
			hv_snprintf(err, errlen, "vm %s: its device tree lost its seeds", vm->name);
		return rc;
	}

	struct guest_fdt_params fp = {
		.ram_base = vm->ram_ipa,
		.ram_size = vm->ram_size,
		.nr_vcpus = vm->nr_vcpus,
		.vcpu_mpidr = mpidr,
		.cmdline = im->cmdline,
		.initrd_start = im->initrd ? vm->ram_ipa + plan->initrd_off : 0,
		.initrd_end = im->initrd ? vm->ram_ipa + plan->initrd_off + im->initrd_size : 0,
		.gic_version = arch_vgic_backend() ? arch_vgic_backend()->version : 3,
		.gicd_base = GUEST_GICD_IPA,
		.gicr_base = GUEST_GICR_IPA,
		.gicc_base = GUEST_GICC_IPA,
		/* Described only if the VM has one (its device, gicv3-its, placed it on the bus). */
		.its_base = mmio_bus_find(&vm->mmio, GUEST_ITS_IPA) ? GUEST_ITS_IPA : 0,
		.uart_base = GUEST_UART_IPA,
		.uart_spi = GUEST_UART_INTID - 32,
		.rng_seed = rng_seed,
		.rng_seed_len = sizeof(rng_seed),
		.kaslr_seed = kaslr_seed,
		.add_nodes = add_device_nodes,
		.add_nodes_ctx = vm,
	};
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		mpidr[i] = vm->vcpus[i]->mpidr;
	rc = guest_fdt_build(ram + plan->dtb_off, GUEST_DTB_MAX, &fp);
	/* The seeds are the guest's now: no copy stays on hyparm's stack. */
	memzero_explicit(rng_seed, sizeof(rng_seed));
	memzero_explicit(&kaslr_seed, sizeof(kaslr_seed));
	memzero_explicit(&fp.kaslr_seed, sizeof(fp.kaslr_seed));
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: device tree does not fit in %llu bytes", vm->name,
			    (unsigned long long)GUEST_DTB_MAX);
		return -HV_ENOMEM;
	}
	keep_built_tree(im, ram + plan->dtb_off);
	return HV_OK;
}

/* Clean [off, off + size) of RAM to the point of coherency where it meets the block at block_off. */
static void clean_part(paddr_t ram_pa, u64 block_off, u64 off, u64 size)
{
	u64 start = MAX(off, block_off), end = MIN(off + size, block_off + VM_RAM_BLOCK);

	if (size && start < end)
		arch_dcache_clean_inval_range(ram_pa + start, end - start);
}

/*
 * A block kept from the previous reset (the guest never wrote it): only
 * the bytes this reset copied again need cleaning, the rest was cleaned then.
 */
static void clean_images_in_block(const struct vm_images *im, paddr_t ram_pa, u64 block_off)
{
	const struct load_plan *p = &im->plan;

	if (im->kernel)
		clean_part(ram_pa, block_off, p->kernel_off, im->kernel_size);
	if (im->initrd)
		clean_part(ram_pa, block_off, p->initrd_off, im->initrd_size);
	clean_part(ram_pa, block_off, p->dtb_off, p->dtb_max);
}

bool vm_reset_step(struct vm *vm)
{
	char err[160];

	/* Until every vCPU of the VM is off its CPU and unloaded, its memory and devices are not ours to rewrite. */
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->running || vm->vcpus[i]->loaded)
			return false;
	switch (vm->reset_phase) {
	case RESET_FORGET:
		/* No device writes the RAM from another CPU (another VM's vsock packets) while it is unmapped. */
		vdev_quiesce_all(vm);
		/* Nothing of a previous life (or of a previous owner of this RAM) survives: see vm_ram_ready_block(). */
		vm_ram_forget(vm);
		vm->reset_phase = RESET_READY;
		vm->reset_off = 0;
		return false;
	case RESET_READY:
		/* One block with image bytes per step (each is 2 MiB zeroed and cleaned); blocks without are left for later. */
		while (vm->reset_off < vm->ram_size && !holds_image(&images[vm->id].plan, vm->reset_off))
			vm->reset_off += VM_RAM_BLOCK;
		if (vm->reset_off < vm->ram_size) {
			/* The kernel and initrd files are copied over their bytes next: only the rest is zeroed. */
			const struct vm_images *im = &images[vm->id];
			const struct vm_ram_range keep[] = {
				{ im->plan.kernel_off, im->kernel ? im->kernel_size : 0 },
				{ im->plan.initrd_off, im->initrd ? im->initrd_size : 0 },
			};
			int rc = vm_ram_ready_block_for_load(vm, vm->reset_off / VM_RAM_BLOCK, keep, 2);
			if (rc) {
				vm->state = VM_RUNNING; /* so that vm_crash() can take it */
				vm_crash(vm, "reset failed: cannot map RAM (%s)", hv_strerror(rc));
				return true;
			}
			vm->reset_off += VM_RAM_BLOCK;
			return false;
		}
		vm->reset_phase = RESET_LOAD;
		vm->reset_off = 0;
		return false;
	case RESET_LOAD:
		/* The files one piece per step (pieces are whole words: memcpy keeps to words when aligned). */
		if (!copy_files_piece(vm, &vm->reset_off))
			return false;
		if (vm_copy_images(vm, err, sizeof(err))) {
			vm->state = VM_RUNNING; /* so that vm_crash() can take it */
			vm_crash(vm, "reset failed: %s", err);
			return true;
		}
		vm->reset_phase = RESET_CLEAN;
		vm->reset_off = 0;
		return false;
	case RESET_CLEAN:
		/*
		 * The guest starts with MMU and caches off: its images and the zeroes
		 * around them must be in memory, not only in our caches (one clean per
		 * block, after both: RESET_READY cleaned nothing).
		 */
		while (vm->reset_off < vm->ram_size && !holds_image(&images[vm->id].plan, vm->reset_off))
			vm->reset_off += VM_RAM_BLOCK;
		if (vm->reset_off < vm->ram_size) {
			if (vm_ram_block_fresh(vm, vm->reset_off / VM_RAM_BLOCK))
				arch_dcache_clean_inval_range(vm->ram_pa + vm->reset_off, VM_RAM_BLOCK);
			else
				clean_images_in_block(&images[vm->id], vm->ram_pa, vm->reset_off);
			vm->reset_off += VM_RAM_BLOCK;
			return false;
		}
		vm->reset_phase = RESET_DEVICES;
		return false;
	case RESET_DEVICES:
		break;
	}
	vdev_reset_all(vm);
	/* Same VMID, new life: no TLB entry of the previous boot may survive. */
	arch_tlb_inval_vmid(&vm->s2);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i]->state = VCPU_OFF;
	__atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
	return true; /* the scheduler powers the boot vCPU on */
}
