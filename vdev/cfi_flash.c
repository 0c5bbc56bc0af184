/*
 * QEMU virt's two CFI flash banks as a device of the registry (the command
 * set is vdev/cfi.c): bank 0 at GUEST_FLASH0_IPA holds the VM's firmware
 * (the manifest's `firmware`), read-only; bank 1 at GUEST_FLASH1_IPA holds
 * UEFI variables (or U-Boot's environment), read-write. Both in one DT
 * node, as QEMU describes them.
 *
 * In read-array mode a bank's storage is mapped into stage 2 (bank 0
 * read-only and executable: firmware runs from it; bank 1 read-only), so
 * the guest reads and executes at memory speed with any instruction, as
 * under QEMU's "romd" mode. A write traps (the mapping is read-only) and
 * goes to the command state machine; when the bank leaves read-array mode
 * its mapping is removed, so that reads trap too and see status, ID or
 * query data; back in read-array mode it is mapped again. Nothing of the
 * bank outside its storage is ever mapped: those reads always trap.
 *
 * The variables bank lives in hyparm's memory (VARS_BACKED bytes, the rest
 * of the 64 MiB window reads as erased and refuses programming): it
 * survives the VM's resets. With `flash_vars = board` it also survives
 * the run: it is read from the board's flash at creation and every erase
 * and program is written through to it (hyparm/nvstore.h; on QEMU a
 * host file); one VM at most can have that.
 */
#include <arch/cache.h>
#include <arch/stage2.h>
#include <hyparm/bundle.h>
#include <hyparm/errno.h>
#include <hyparm/nvstore.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>
#include <libfdt.h>
#include <string.h>
#include <vdev/cfi.h>

/* Enough for EDK2's variable store with its fault-tolerant-write areas (768 KiB) and U-Boot's environment. */
#define VARS_BACKED MiB(2)
/* Storage is mapped in 2 MiB blocks. */
#define BACKING_ALIGN MiB(2)

struct flash_bank {
	struct cfi_bank cfi;
	struct flash_dev *dev;
	ipa_t ipa;
	paddr_t pa; /* its storage (cfi.backed bytes), 0 if none */
	unsigned perm; /* stage-2 permissions in read-array mode */
};

struct flash_dev {
	struct vm *vm;
	spinlock_t lock; /* the VM's vCPUs share the banks */
	struct flash_bank bank[2];
	const struct nvstore_ops *store; /* where bank 1 persists, NULL: in memory only */
	bool map_failed_reported, store_failed_reported;
};

static struct flash_dev flashes[VM_MAX];

static void array_mode(void *ctx, bool array)
{
	struct flash_bank *fb = ctx;
	struct vm *vm = fb->dev->vm;
	int rc;

	if (!fb->cfi.backed)
		return;
	if (array)
		rc = vm_map_frames(vm, fb->ipa, fb->pa, fb->cfi.backed, fb->perm, S2_MEM_NORMAL);
	else
		rc = vm_unmap_frames(vm, fb->ipa, fb->cfi.backed);
	/* Unmapped, every read still works through the trap (slower, and only with a syndrome). */
	if (rc && !fb->dev->map_failed_reported) {
		fb->dev->map_failed_reported = true;
		hv_printf("hyparm: vm %s: flash bank at 0x%llx: stage-2 %s failed (%s); reads trap\n",
			  vm->name, (unsigned long long)fb->ipa, array ? "map" : "unmap", hv_strerror(rc));
	}
}

/* Bank 1's change, written through to the board's flash: an erase as an erase, a program by whole words. */
static void write_through(struct flash_dev *f, u64 off, u64 len, bool erased)
{
	u64 start = ALIGN_DOWN(off, 4), end = ALIGN_UP(off + len, 4);
	int rc = erased ? f->store->erase(off)
			: f->store->program(start, f->bank[1].cfi.storage + start, end - start);

	if (rc && !f->store_failed_reported) {
		f->store_failed_reported = true;
		hv_printf("hyparm: vm %s: writing the flash variables to the board's flash failed (%s): "
			  "the VM goes on with them in memory\n",
			  f->vm->name, hv_strerror(rc));
	}
}

static void changed(void *ctx, u64 off, u64 len, bool erased)
{
	struct flash_bank *fb = ctx;

	/* The guest may read with caches off (or map the flash as a device): what it reads must be in memory. */
	arch_dcache_clean_inval_range(fb->pa + off, len);
	if (fb == &fb->dev->bank[1] && fb->dev->store)
		write_through(fb->dev, off, len, erased);
}

static int flash_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct flash_bank *fb = dev;

	spin_lock(&fb->dev->lock);
	int rc = cfi_read(&fb->cfi, off, size, val);
	spin_unlock(&fb->dev->lock);
	return rc;
}

static int flash_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct flash_bank *fb = dev;

	spin_lock(&fb->dev->lock);
	int rc = cfi_write(&fb->cfi, off, size, val);
	spin_unlock(&fb->dev->lock);
	return rc;
}

static const struct mmio_ops flash_ops = { .read = flash_read, .write = flash_write };

/* Storage for a bank: `bytes` of content, the rest of the 2 MiB-rounded size erased. */
static int bank_storage(struct flash_bank *fb, const void *content, u64 bytes, u64 size)
{
	u8 *p = page_alloc_raw(size / PAGE_SIZE, BACKING_ALIGN);

	if (!p)
		return -HV_ENOMEM;
	if (bytes)
		memcpy(p, content, bytes);
	memset(p + bytes, 0xFF, size - bytes);
	arch_dcache_clean_inval_range((paddr_t)(uintptr_t)p, size);
	fb->pa = (paddr_t)(uintptr_t)p;
	fb->cfi.storage = p;
	fb->cfi.backed = size;
	return HV_OK;
}

static void flash_reset(struct vdev *d)
{
	struct flash_dev *f = d->state;

	/* The banks' content stays (the code cannot change, the variables must survive a reboot). */
	spin_lock(&f->lock);
	for (unsigned i = 0; i < 2; i++) {
		bool was_array = cfi_in_array_mode(&f->bank[i].cfi);
		cfi_reset(&f->bank[i].cfi);
		if (!was_array)
			array_mode(&f->bank[i], true);
	}
	spin_unlock(&f->lock);
}

static int flash_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct flash_dev *f = &flashes[vm->id];
	const char *fw_name = vm->config->firmware;
	const void *fw = NULL;
	u64 fw_size = 0;
	int rc;

	memset(f, 0, sizeof(*f));
	f->vm = vm;
	f->lock = (spinlock_t)SPINLOCK_INIT;
	d->state = f;
	if (fw_name[0]) {
		if (bundle_find(vm->bundle->base, vm->bundle->size, fw_name, &fw, &fw_size) || !fw_size) {
			hv_snprintf(err, errlen, "vm %s: firmware '%s' is not in the bundle", vm->name,
				    fw_name);
			return -HV_ENOENT;
		}
		if (fw_size > GUEST_FLASH_BANK_SIZE) {
			hv_snprintf(err, errlen,
				    "vm %s: firmware '%s' is %llu MiB: the flash bank holds %llu", vm->name,
				    fw_name, (unsigned long long)(fw_size >> 20),
				    (unsigned long long)(GUEST_FLASH_BANK_SIZE >> 20));
			return -HV_EINVAL;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		struct flash_bank *fb = &f->bank[i];
		fb->dev = f;
		fb->ipa = i ? GUEST_FLASH1_IPA : GUEST_FLASH0_IPA;
		fb->perm = i ? S2_R : S2_R | S2_X;
		fb->cfi = (struct cfi_bank){ .size = GUEST_FLASH_BANK_SIZE,
					     .read_only = i == 0,
					     .array_mode = array_mode,
					     .changed = changed,
					     .ctx = fb };
		cfi_reset(&fb->cfi);
	}
	rc = fw_size ? bank_storage(&f->bank[0], fw, fw_size, ALIGN_UP(fw_size, BACKING_ALIGN)) : HV_OK;
	if (!rc)
		rc = bank_storage(&f->bank[1], NULL, 0, VARS_BACKED);
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: no memory for the flash banks", vm->name);
		return rc;
	}
	if (vm->config->vars_on_board) {
		f->store = nvstore_claim(vm);
		if (!f->store || f->store->size < VARS_BACKED) {
			hv_snprintf(err, errlen,
				    "vm %s: flash_vars = board, but the board's flash is %s (QEMU: -drive "
				    "if=pflash,unit=1; hyparm-run --flash-vars FILE)",
				    vm->name, f->store ? "too small" : "missing or another VM's");
			return -HV_EBUSY;
		}
		/* The variables as the previous run left them. */
		f->store->read(0, f->bank[1].cfi.storage, VARS_BACKED);
		arch_dcache_clean_inval_range(f->bank[1].pa, VARS_BACKED);
		hv_printf("hyparm: vm %s: flash variables kept in the board's flash\n", vm->name);
	}
	for (unsigned i = 0; i < 2 && !rc; i++)
		rc = mmio_bus_add(&vm->mmio, f->bank[i].ipa, GUEST_FLASH_BANK_SIZE, &flash_ops, &f->bank[i],
				  i ? "flash1" : "flash0");
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: cannot place the flash (%s)", vm->name, hv_strerror(rc));
		return rc;
	}
	for (unsigned i = 0; i < 2; i++)
		array_mode(&f->bank[i], true);
	return HV_OK;
}

/* As QEMU virt describes its flash: one node, both banks in reg, a 32-bit bus. */
static int flash_fdt_node(struct vdev *d, void *fdt)
{
	fdt64_t reg[4] = { cpu_to_fdt64(GUEST_FLASH0_IPA), cpu_to_fdt64(GUEST_FLASH_BANK_SIZE),
			   cpu_to_fdt64(GUEST_FLASH1_IPA), cpu_to_fdt64(GUEST_FLASH_BANK_SIZE) };
	char name[32];
	int e;

	hv_snprintf(name, sizeof(name), "flash@%llx", (unsigned long long)GUEST_FLASH0_IPA);
	if ((e = fdt_begin_node(fdt, name)) || (e = fdt_property_string(fdt, "compatible", "cfi-flash")) ||
	    (e = fdt_property(fdt, "reg", reg, sizeof(reg))) ||
	    (e = fdt_property_u32(fdt, "bank-width", CFI_BANK_WIDTH)))
		return e;
	return fdt_end_node(fdt);
}

static const struct vdev_type cfi_flash_type = {
	.name = "cfi-flash",
	.create = flash_create,
	.reset = flash_reset,
	.fdt_node = flash_fdt_node,
};
VDEV_REGISTER(cfi_flash_type);
