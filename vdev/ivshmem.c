/*
 * Device "ivshmem": memory shared between VMs with doorbells, as a PCI
 * function with QEMU's ivshmem-doorbell layout (vendor 0x1af4, device
 * 0x1110), so that stock drivers find it: Debian's uio_pci_generic from
 * user space, or a bare-metal guest's own few lines.
 *
 *   BAR0, 256 bytes of registers, 32-bit accesses only (others read 0 and
 *   are ignored, as QEMU has them):
 *     0x0 IntrMask    read/write: which IntrStatus bits assert INTx
 *     0x4 IntrStatus  read returns and clears; a write sets it
 *     0x8 IVPosition  read-only: this VM's peer number in the region
 *     0xc Doorbell    write-only: bits 31..16 a peer number, 15..0 a vector
 *   BAR2, the region (core/shmem.c): a 64-bit prefetchable memory BAR.
 *
 * A doorbell sets bit 0 of the rung peer's IntrStatus (there is no MSI-X,
 * so every vector folds to that one bit, as on QEMU without MSI); its INTA
 * is high while IntrStatus & IntrMask is not 0 and the command register's
 * INTx disable is clear (pci_fn_intx() in vdev/pci_host.c). A doorbell to
 * a number no peer has is counted and ignored, as is a write to
 * IVPosition.
 *
 * BAR2 is not emulated: while memory decode is on and the guest's address
 * for it lies inside the PCI window, the region's pages are mapped there
 * in the VM's stage 2 (Normal memory, read/write), and accesses never
 * trap. Reprogramming the BAR or turning decode off unmaps them first.
 * Should the mapping fail (the guest put the BAR over a page already
 * mapped), accesses still reach the region through the trap, slowly.
 *
 * One per VM. The function's lock orders after the bridge's (config
 * writes reach cfg_written() under it); a ring from another VM takes only
 * the rung function's lock.
 */
#include <arch/cache.h>
#include <arch/spinlock.h>
#include <arch/stage2.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/guest_layout.h>
#include <hyparm/print.h>
#include <hyparm/shmem.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>
#include <string.h>
#include <vdev/pci.h>

#define IVSHMEM_VENDOR 0x1af4
#define IVSHMEM_DEVICE 0x1110
#define IVSHMEM_CLASS 0x050000 /* memory controller, RAM */
#define IVSHMEM_REGS_BAR 0
#define IVSHMEM_SHM_BAR 2
#define IVSHMEM_REGS_SIZE 256

#define REG_INTR_MASK 0x0
#define REG_INTR_STATUS 0x4
#define REG_IV_POSITION 0x8
#define REG_DOORBELL 0xc

struct ivshmem {
	struct pci_function fn;
	spinlock_t lock;
	struct vm *vm;
	struct shmem_region *region;
	unsigned peer;
	u32 intr_mask, intr_status;
	bool mapped;
	ipa_t mapped_at;
	/* Counters: doorbells this VM rang and was rung by, rings to no peer, refused writes, slow accesses. */
	u64 rang, rung, bad_peer, ro_writes, map_failed, trapped;
};

static struct ivshmem ivshmems[VM_MAX];

static void update_line(struct ivshmem *s)
{
	pci_fn_intx(&s->fn, (s->intr_status & s->intr_mask) != 0);
}

/* Another peer (or this one) rang: on the ringer's CPU. */
static void rung(void *ctx, unsigned from, unsigned vector)
{
	struct ivshmem *s = ctx;

	(void)from;
	(void)vector;
	spin_lock(&s->lock);
	s->rung++;
	s->intr_status |= 1;
	update_line(s);
	spin_unlock(&s->lock);
}

/* Where BAR2 should be mapped now, if anywhere: decode on, inside the window. */
static bool bar2_wanted(const struct ivshmem *s, ipa_t *at)
{
	u64 size = shmem_size(s->region), a = pci_fn_bar_addr(&s->fn, IVSHMEM_SHM_BAR);

	*at = a;
	return pci_fn_mem_enabled(&s->fn) && a >= GUEST_PCI_MMIO_IPA &&
		a - GUEST_PCI_MMIO_IPA < GUEST_PCI_MMIO_SIZE &&
		size <= GUEST_PCI_MMIO_SIZE - (a - GUEST_PCI_MMIO_IPA) && !(a & (size - 1));
}

/* Make the stage-2 mapping follow BAR2 and the decode bit. Under s->lock. */
static void remap(struct ivshmem *s)
{
	u64 size = shmem_size(s->region);
	ipa_t at;
	bool want = bar2_wanted(s, &at);

	if (s->mapped && (!want || at != s->mapped_at)) {
		vm_unmap_frames(s->vm, s->mapped_at, size);
		s->mapped = false;
	}
	if (want && !s->mapped) {
		int rc = vm_map_frames(s->vm, at, (paddr_t)(uintptr_t)shmem_base(s->region), size, S2_RW,
				       S2_MEM_NORMAL);
		if (rc) {
			if (!s->map_failed++ && s->vm->reports < VM_MAX_REPORTS) {
				s->vm->reports++;
				hv_printf("hyparm: vm %s: ivshmem: cannot map the region at 0x%llx (%s): "
					  "its accesses trap\n",
					  s->vm->name, (unsigned long long)at, hv_strerror(rc));
			}
			return;
		}
		s->mapped = true;
		s->mapped_at = at;
	}
}

static void cfg_written(struct pci_function *f, unsigned off, unsigned size)
{
	struct ivshmem *s = f->ctx;
	unsigned bar2 = PCI_BAR0 + 4 * IVSHMEM_SHM_BAR;

	spin_lock(&s->lock);
	if (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND)
		update_line(s); /* INTx disable may have changed */
	if ((off < PCI_COMMAND + 2 && off + size > PCI_COMMAND) || (off < bar2 + 8 && off + size > bar2))
		remap(s);
	spin_unlock(&s->lock);
}

static int regs_read(struct ivshmem *s, u64 off, unsigned size, u64 *val)
{
	*val = 0;
	if (size != 4)
		return HV_OK;
	switch (off) {
	case REG_INTR_MASK:
		*val = s->intr_mask;
		break;
	case REG_INTR_STATUS:
		*val = s->intr_status;
		s->intr_status = 0;
		update_line(s);
		break;
	case REG_IV_POSITION:
		*val = s->peer;
		break;
	}
	return HV_OK;
}

static int regs_write(struct ivshmem *s, u64 off, unsigned size, u64 val)
{
	if (size != 4)
		return HV_OK;
	switch (off) {
	case REG_INTR_MASK:
		s->intr_mask = (u32)val;
		update_line(s);
		break;
	case REG_INTR_STATUS:
		s->intr_status = (u32)val;
		update_line(s);
		break;
	case REG_IV_POSITION:
		s->ro_writes++;
		break;
	case REG_DOORBELL: {
		unsigned to = (unsigned)(val >> 16) & 0xFFFF;
		s->rang++;
		/* Ringing takes the rung peer's lock, possibly this one's: not under ours. */
		spin_unlock(&s->lock);
		int rc = shmem_ring(s->region, s->peer, to, (unsigned)val & 0xFFFF);
		spin_lock(&s->lock);
		if (rc)
			s->bad_peer++;
		break;
	}
	}
	return HV_OK;
}

/* BAR2 reached through the trap (its mapping failed): the region itself, at the access's width. */
static void shm_access(struct ivshmem *s, u64 off, unsigned size, u64 *val, bool write)
{
	u8 *p = (u8 *)shmem_base(s->region) + off;

	/* The other peers may map it uncached: read from memory, and leave what is written there. */
	s->trapped++;
	arch_dcache_clean_inval_range((paddr_t)(uintptr_t)p, size);
	if (write) {
		memcpy(p, val, size);
		arch_dcache_clean_inval_range((paddr_t)(uintptr_t)p, size);
	} else {
		*val = 0;
		memcpy(val, p, size);
	}
}

static int bar_read(struct pci_function *f, unsigned bar, u64 off, unsigned size, u64 *val)
{
	struct ivshmem *s = f->ctx;
	int rc = HV_OK;

	spin_lock(&s->lock);
	if (bar == IVSHMEM_REGS_BAR)
		rc = regs_read(s, off, size, val);
	else
		shm_access(s, off, size, val, false);
	spin_unlock(&s->lock);
	return rc;
}

static int bar_write(struct pci_function *f, unsigned bar, u64 off, unsigned size, u64 val)
{
	struct ivshmem *s = f->ctx;
	int rc = HV_OK;

	spin_lock(&s->lock);
	if (bar == IVSHMEM_REGS_BAR)
		rc = regs_write(s, off, size, val);
	else
		shm_access(s, off, size, &val, true);
	spin_unlock(&s->lock);
	return rc;
}

static const struct pci_function_ops ivshmem_ops = {
	.bar_read = bar_read,
	.bar_write = bar_write,
	.cfg_written = cfg_written,
};

static int create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct ivshmem *s = &ivshmems[vm->id];
	char name[SHMEM_NAME_MAX];
	u64 size = SHMEM_DEFAULT_SIZE;
	bool present;
	int rc;

	if (!d->node) {
		hv_snprintf(err, errlen,
			    "vm %s: ivshmem needs a node naming its region (shm0 { compatible = "
			    "\"hyparm,ivshmem\"; region = \"NAME\"; };)",
			    vm->name);
		return -HV_EINVAL;
	}
	if (devnode_string(d->node, "region", name, sizeof(name)))
		return devnode_fail(d->node, "region", err, errlen, "at most %u characters",
				    SHMEM_NAME_MAX - 1);
	if (!name[0])
		return devnode_fail(d->node, NULL, err, errlen,
				    "needs region = \"NAME\"; (the region's name)");
	if (devnode_size(d->node, "size", &size, &present) || !shmem_size_ok(size))
		return devnode_fail(d->node, "size", err, errlen, "expected a power of two from 4K to %lluM",
				    (unsigned long long)(SHMEM_MAX_SIZE >> 20));
	*s = (struct ivshmem){ .lock = SPINLOCK_INIT, .vm = vm };
	pci_fn_init(&s->fn, &ivshmem_ops, s, IVSHMEM_VENDOR, IVSHMEM_DEVICE, IVSHMEM_CLASS, 1);
	pci_fn_add_bar(&s->fn, IVSHMEM_REGS_BAR, IVSHMEM_REGS_SIZE);
	pci_fn_add_bar64(&s->fn, IVSHMEM_SHM_BAR, size, true);
	pci_fn_add_intx(&s->fn);
	pci_fn_seal(&s->fn);
	rc = pci_host_attach(vm, &s->fn);
	if (rc < 0)
		return devnode_fail(d->node, NULL, err, errlen,
				    rc == -HV_ENOENT ? "needs the PCI host bridge (\"pci-host\" in devices)"
						     : "no free PCI slot (%s)",
				    hv_strerror(rc));
	rc = shmem_attach(name, size, rung, s, &s->region, &s->peer);
	if (rc == -HV_EEXIST)
		return devnode_fail(
			d->node, "size", err, errlen,
			"region '%s' is %llu KiB in another VM: every VM must give it the same size", name,
			(unsigned long long)(shmem_size(s->region) >> 10));
	if (rc)
		return devnode_fail(d->node, NULL, err, errlen, "cannot attach region '%s' (%s)", name,
				    hv_strerror(rc));
	d->state = s;
	return HV_OK;
}

static void reset(struct vdev *d)
{
	struct ivshmem *s = d->state;

	spin_lock(&s->lock);
	pci_fn_reset(&s->fn); /* the bridge did too; it does not matter which came first */
	s->intr_mask = s->intr_status = 0;
	remap(s); /* decode is off: unmapped */
	update_line(s);
	s->rang = s->rung = s->bad_peer = s->ro_writes = s->trapped = 0;
	spin_unlock(&s->lock);
}

static void stats(struct vdev *d)
{
	struct ivshmem *s = d->state;

	hv_printf("  ivshmem (pci 00:%02x.0): region %s (%llu KiB), peer %u of %u: %llu doorbells rung, %llu "
		  "received, %llu to no peer, %llu writes to IVPosition, %llu trapped region accesses\n",
		  (s->fn.rid >> 3) & 0x1F, shmem_name(s->region),
		  (unsigned long long)(shmem_size(s->region) >> 10), s->peer, shmem_peers(s->region),
		  (unsigned long long)s->rang, (unsigned long long)s->rung, (unsigned long long)s->bad_peer,
		  (unsigned long long)s->ro_writes, (unsigned long long)s->trapped);
}

static const struct vdev_type ivshmem_type = {
	.name = "ivshmem",
	.create = create,
	.reset = reset,
	.print_stats = stats,
};
VDEV_REGISTER(ivshmem_type);
