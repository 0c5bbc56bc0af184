/*
 * Device "pci-host": a virtual PCIe host bridge of the generic ECAM kind
 * (DT "pci-host-ecam-generic", which Debian's kernel drives with
 * CONFIG_PCI_HOST_GENERIC), where QEMU virt has its low one: ECAM for bus
 * 0 at GUEST_PCI_ECAM_IPA, one 32-bit memory window for the BARs at
 * GUEST_PCI_MMIO_IPA, no I/O space. Functions signal by MSI-X (through
 * the ITS) or by legacy INTx: the DT's interrupt-map routes INTA..INTD of
 * every slot to the four level-triggered SPIs at GUEST_PCI_INTX_INTID with
 * the usual swizzle, as QEMU virt does (Debian's uio_pci_generic, which
 * drives ivshmem from user space, knows only INTx).
 * The guest assigns the BARs (no firmware did). Functions (virtio-rng-pci,
 * ivshmem) attach with pci_host_attach() and take device numbers
 * 1, 2, 3 on bus 0; the requester ID, bus << 8 | device << 3, is the
 * DeviceID of their MSIs at the ITS (the DT's msi-map says so 1:1), and
 * stays below the vITS's VITS_NR_DEVICES.
 *
 * Config accesses (vdev/pci_config.c) run under the bridge's lock. A
 * window access is routed to the BAR holding it, if its function's
 * memory decode is on (the whole window is one MMIO region: BARs move
 * whenever the guest writes them, and the bus keeps few regions);
 * nothing there reads all-ones and ignores writes, as a master abort.
 * The BAR access itself runs after the lock is dropped, under the
 * function's own lock.
 */
#include <arch/spinlock.h>
#include <hyparm/errno.h>
#include <hyparm/guest_fdt.h>
#include <hyparm/guest_layout.h>
#include <hyparm/irqchip.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <libfdt.h>
#include <vdev/pci.h>

#define PCI_HOST_FIRST_DEV 1
#define PCI_HOST_DEVS 4 /* device numbers 0..3: requester IDs below 32, the vITS's DeviceIDs */

struct pci_host {
	bool present;
	spinlock_t lock;
	struct pci_function *fn[PCI_HOST_DEVS]; /* by device number; NULL: nothing there */
	u64 aborts; /* window accesses no BAR claimed */
};

static struct pci_host hosts[VM_MAX];

int pci_host_attach(struct vm *vm, struct pci_function *f)
{
	struct pci_host *h = &hosts[vm->id];

	if (!h->present)
		return -HV_ENOENT;
	for (unsigned d = PCI_HOST_FIRST_DEV; d < PCI_HOST_DEVS; d++) {
		if (h->fn[d])
			continue;
		f->rid = PCI_RID(0, d, 0);
		f->vm = vm;
		h->fn[d] = f;
		return (int)d;
	}
	return -HV_EBUSY;
}

u32 pci_host_intx_intid(const struct pci_function *f)
{
	unsigned dev = (f->rid >> 3) & 0x1F, pin = f->cfg[PCI_INTERRUPT_PIN];

	return GUEST_PCI_INTX_INTID + (dev + (pin ? pin - 1 : 0)) % GUEST_PCI_INTX_LINES;
}

void pci_fn_intx(struct pci_function *f, bool asserted)
{
	u32 status = pci_cfg_get(f, PCI_STATUS, 2);
	bool level = asserted && !(pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE);

	/* The status bit says what the function asserts, disabled or not: uio_pci_generic's handler tests it. */
	status = asserted ? status | PCI_STATUS_INTERRUPT : status & ~PCI_STATUS_INTERRUPT;
	pci_cfg_set(f, PCI_STATUS, 2, status);
	if (!f->vm || !f->cfg[PCI_INTERRUPT_PIN] || level == f->intx_level)
		return;
	f->intx_level = level;
	vm_irq_line(f->vm, NULL, pci_host_intx_intid(f), level);
}

/* The function an ECAM offset names, or NULL (another bus, function, or an empty slot). */
static struct pci_function *ecam_fn(struct pci_host *h, u64 off)
{
	u64 bus = off >> PCI_ECAM_BUS_SHIFT;
	u64 dev = (off >> PCI_ECAM_DEV_SHIFT) & 0x1F;
	u64 fn = (off >> PCI_ECAM_FN_SHIFT) & 0x7;

	return bus == 0 && fn == 0 && dev < PCI_HOST_DEVS ? h->fn[dev] : NULL;
}

static int ecam_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct pci_host *h = dev;
	struct pci_function *f;

	(void)v;
	spin_lock(&h->lock);
	f = ecam_fn(h, off);
	/* No function: all-ones (the vendor ID 0xffff that tells software nothing is there). */
	*val = f ? pci_cfg_read(f, off & (PCI_ECAM_FN_SIZE - 1), size)
		 : 0xFFFFFFFFu >> (32 - 8 * MIN(size, 4u));
	spin_unlock(&h->lock);
	return HV_OK;
}

static int ecam_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct pci_host *h = dev;
	struct pci_function *f;

	(void)v;
	spin_lock(&h->lock);
	f = ecam_fn(h, off);
	if (f)
		pci_cfg_write(f, off & (PCI_ECAM_FN_SIZE - 1), size, (u32)val);
	spin_unlock(&h->lock);
	return HV_OK;
}

static const struct mmio_ops ecam_ops = { .read = ecam_read, .write = ecam_write };

/* The function and BAR holding window offset off, if one decodes it. */
static struct pci_function *window_fn(struct pci_host *h, u64 off, unsigned size, unsigned *bar, u64 *in)
{
	struct pci_function *found = NULL;

	spin_lock(&h->lock);
	for (unsigned d = 0; d < PCI_HOST_DEVS && !found; d++)
		if (h->fn[d] && pci_fn_decode(h->fn[d], GUEST_PCI_MMIO_IPA + off, size, bar, in))
			found = h->fn[d];
	if (!found)
		h->aborts++;
	spin_unlock(&h->lock);
	return found;
}

static int window_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	unsigned bar;
	u64 in;
	struct pci_function *f = window_fn(dev, off, size, &bar, &in);

	(void)v;
	*val = ~0ULL >> (64 - 8 * size);
	return f ? f->ops->bar_read(f, bar, in, size, val) : HV_OK;
}

static int window_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	unsigned bar;
	u64 in;
	struct pci_function *f = window_fn(dev, off, size, &bar, &in);

	(void)v;
	return f ? f->ops->bar_write(f, bar, in, size, val) : HV_OK;
}

static const struct mmio_ops window_ops = { .read = window_read, .write = window_write };

static int host_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct pci_host *h = &hosts[vm->id];
	int rc;

	*h = (struct pci_host){ .lock = SPINLOCK_INIT };
	rc = mmio_bus_add(&vm->mmio, GUEST_PCI_ECAM_IPA, GUEST_PCI_ECAM_SIZE, &ecam_ops, h, "pci-ecam");
	if (!rc)
		rc = mmio_bus_add(&vm->mmio, GUEST_PCI_MMIO_IPA, GUEST_PCI_MMIO_SIZE, &window_ops, h,
				  "pci-mmio");
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: cannot place the PCI host bridge (%s)", vm->name,
			    hv_strerror(rc));
		return rc;
	}
	h->present = true;
	d->state = h;
	return HV_OK;
}

/* The functions' configuration back to power-on (their device state is their own vdev's reset). */
static void host_reset(struct vdev *d)
{
	struct pci_host *h = d->state;

	spin_lock(&h->lock);
	for (unsigned n = 0; n < PCI_HOST_DEVS; n++)
		if (h->fn[n])
			pci_fn_reset(h->fn[n]);
	h->aborts = 0;
	spin_unlock(&h->lock);
}

static void host_stats(struct vdev *d)
{
	struct pci_host *h = d->state;

	hv_printf("  pci-host: %llu window accesses no BAR decoded\n", (unsigned long long)h->aborts);
}

static int prop_cells(void *fdt, const char *name, const u32 *cells, unsigned n)
{
	fdt32_t v[8];

	for (unsigned i = 0; i < n && i < 8; i++)
		v[i] = cpu_to_fdt32(cells[i]);
	return fdt_property(fdt, name, v, (int)(MIN(n, 8u) * sizeof(fdt32_t)));
}

/*
 * interrupt-map: for each slot d and pin p (1..4), the child address
 * (phys.hi with the device number; mid and low 0), the pin, then the
 * GIC's phandle, its 2 address cells (0) and its 3 interrupt cells (SPI,
 * its number, level high). The mask keeps only the device number and the pin.
 */
static int host_intx_map(void *fdt)
{
	fdt32_t map[PCI_HOST_DEVS * 4 * 10];
	u32 mask[4] = { PCI_DT_DEVFN_DEV_MASK, 0, 0, 7 };
	unsigned n = 0;
	int rc;

	for (unsigned d = 0; d < PCI_HOST_DEVS; d++)
		for (unsigned p = 1; p <= 4; p++) {
			u32 cells[10] = { PCI_RID(0, d, 0) << 8,
					  0,
					  0,
					  p,
					  GUEST_FDT_PHANDLE_GIC,
					  0,
					  0,
					  0 /* SPI */,
					  GUEST_PCI_INTX_INTID - 32 + (d + p - 1) % GUEST_PCI_INTX_LINES,
					  4 /* level high */ };
			for (unsigned i = 0; i < 10; i++)
				map[n++] = cpu_to_fdt32(cells[i]);
		}
	if ((rc = fdt_property_u32(fdt, "#interrupt-cells", 1)) ||
	    (rc = fdt_property(fdt, "interrupt-map", map, (int)sizeof(map))))
		return rc;
	return prop_cells(fdt, "interrupt-map-mask", mask, 4);
}

/*
 * As QEMU virt's pcie@ node, less I/O space: 3 address cells
 * (phys.hi space code, 64-bit address), the window mapped 1:1, and every
 * requester ID mapped to the same ITS DeviceID (if the VM has an ITS).
 */
static int host_fdt(struct vdev *d, void *fdt)
{
	char name[32];
	fdt64_t reg[2] = { cpu_to_fdt64(GUEST_PCI_ECAM_IPA), cpu_to_fdt64(GUEST_PCI_ECAM_SIZE) };
	u32 ranges[7] = { PCI_DT_SPACE_MEM32,	   (u32)(GUEST_PCI_MMIO_IPA >> 32),
			  (u32)GUEST_PCI_MMIO_IPA, (u32)(GUEST_PCI_MMIO_IPA >> 32),
			  (u32)GUEST_PCI_MMIO_IPA, (u32)(GUEST_PCI_MMIO_SIZE >> 32),
			  (u32)GUEST_PCI_MMIO_SIZE };
	u32 bus_range[2] = { 0, 0 };
	u32 msi_map[4] = { 0, GUEST_FDT_PHANDLE_ITS, 0, 0x100 };
	int rc;

	hv_snprintf(name, sizeof(name), "pcie@%llx", (unsigned long long)GUEST_PCI_ECAM_IPA);
	if ((rc = fdt_begin_node(fdt, name)) ||
	    (rc = fdt_property_string(fdt, "compatible", "pci-host-ecam-generic")) ||
	    (rc = fdt_property_string(fdt, "device_type", "pci")) ||
	    (rc = fdt_property(fdt, "reg", reg, sizeof(reg))) ||
	    (rc = prop_cells(fdt, "bus-range", bus_range, 2)) ||
	    (rc = fdt_property_u32(fdt, "#address-cells", 3)) ||
	    (rc = fdt_property_u32(fdt, "#size-cells", 2)) ||
	    (rc = fdt_property_u32(fdt, "linux,pci-domain", 0)) ||
	    (rc = fdt_property(fdt, "dma-coherent", NULL, 0)) ||
	    (rc = prop_cells(fdt, "ranges", ranges, 7)) || (rc = host_intx_map(fdt)))
		return rc;
	if (mmio_bus_find(&d->vm->mmio, GUEST_ITS_IPA) && (rc = prop_cells(fdt, "msi-map", msi_map, 4)))
		return rc;
	return fdt_end_node(fdt);
}

static const struct vdev_type pci_host_type = {
	.name = "pci-host",
	.create = host_create,
	.reset = host_reset,
	.print_stats = host_stats,
	.fdt_node = host_fdt,
};
VDEV_REGISTER(pci_host_type);
