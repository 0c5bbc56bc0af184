/*
 * The virtio 1.x PCI transport (see vdev/virtio_pci.h). The register
 * semantics it shares with virtio-mmio (feature negotiation, status,
 * queue enable, notify) are vdev/virtio_mmio.c's; this file is the PCI
 * layout of them and MSI-X.
 *
 * Accesses: the common structure takes each field at its own width
 * (64-bit queue addresses also as two 32-bit halves), the ISR byte reads
 * and clears, the notify doorbell takes 16 or 32 bits, the MSI-X table
 * 32-bit words (the address also as 64 bits); anything else reads zero
 * and is ignored. A queue's size and addresses are frozen while it is
 * enabled. A vector number past the table is refused (reads back as
 * NO_VECTOR, as the spec asks the driver to check).
 *
 * MSI-X (PCI 3.0 6.8.2): a message on a masked vector (or with the
 * function masked) sets its pending bit and goes out when unmasked. One
 * goes out only if MSI-X is enabled, bus mastering is on and its address
 * is GITS_TRANSLATER; anything else is dropped and counted (a guest can
 * aim its messages nowhere else).
 */
#include <hyparm/errno.h>
#include <hyparm/gic_regs.h>
#include <hyparm/guest_layout.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <vdev/its.h>
#include <vdev/virtio_pci.h>

#define MSI_DOORBELL (GUEST_ITS_IPA + GITS_TRANSLATER)

static struct virtio_pci *of_vd(struct virtio_dev *vd)
{
	return (struct virtio_pci *)((char *)vd - __builtin_offsetof(struct virtio_pci, vd));
}

static u16 msix_flags(const struct virtio_pci *vp)
{
	return (u16)pci_cfg_get(&vp->fn, vp->msix_cap + PCI_MSIX_FLAGS, 2);
}

static void deliver(struct virtio_pci *vp, unsigned vec)
{
	const struct vpci_msix_entry *e = &vp->msix[vec];
	u64 addr = (u64)e->addr_hi << 32 | e->addr_lo;
	struct vm *vm = vp->vd.vm;

	vp->pba &= ~(1u << vec);
	if (!pci_fn_bus_master(&vp->fn)) {
		vp->dropped++;
		return;
	}
	if (addr != MSI_DOORBELL) {
		if (!vp->bad_addr++ && vm->reports < VM_MAX_REPORTS) {
			vm->reports++;
			hv_printf("hyparm: vm %s: %s: MSI-X vector %u aims at 0x%llx, not the ITS: dropped\n",
				  vm->name, vp->vd.be->name, vec, (unsigned long long)addr);
		}
		return;
	}
	if (vits_deliver_msi(vm, vp->fn.rid, e->data))
		vp->msis++;
	else
		vp->untranslated++;
}

static bool vector_masked(const struct virtio_pci *vp, unsigned vec)
{
	return (msix_flags(vp) & PCI_MSIX_FLAGS_MASKALL) ||
		(vp->msix[vec].ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void fire(struct virtio_pci *vp, u16 vec)
{
	if (vec >= VPCI_VECTORS || !(msix_flags(vp) & PCI_MSIX_FLAGS_ENABLE)) {
		vp->dropped++;
		return;
	}
	if (vector_masked(vp, vec))
		vp->pba |= 1u << vec;
	else
		deliver(vp, vec);
}

/* Pending messages whose vector is unmasked now go out. */
static void flush_pending(struct virtio_pci *vp)
{
	if (!(msix_flags(vp) & PCI_MSIX_FLAGS_ENABLE))
		return;
	for (unsigned v = 0; v < VPCI_VECTORS; v++)
		if ((vp->pba & (1u << v)) && !vector_masked(vp, v))
			deliver(vp, v);
}

/* The transport's signal (vdev/virtio_mmio.c calls it under vd->lock). */
static void vpci_signal(struct virtio_dev *vd, int qi)
{
	struct virtio_pci *vp = of_vd(vd);

	fire(vp, qi < 0 ? vp->config_vector : vp->queue_vector[qi]);
}

static void vectors_reset(struct virtio_pci *vp)
{
	vp->config_vector = VPCI_NO_VECTOR;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vp->queue_vector[i] = VPCI_NO_VECTOR;
}

static u16 vector_arg(u64 val)
{
	return val < VPCI_VECTORS ? (u16)val : VPCI_NO_VECTOR;
}

static struct virtq *selected(struct virtio_pci *vp)
{
	return vp->vd.queue_sel < vp->vd.be->num_queues ? &vp->vd.q[vp->vd.queue_sel] : NULL;
}

/* Whether the access is the field at field of width bytes, or (wide 64-bit fields) one of its halves. */
static bool is(u64 off, unsigned size, u64 field, unsigned width)
{
	if (width == 8)
		return (off == field && size == 8) || (size == 4 && (off == field || off == field + 4));
	return off == field && size == width;
}

static u64 half64(u64 v, u64 off, u64 field, unsigned size)
{
	return size == 8 ? v : off == field ? (u32)v : v >> 32;
}

static void set64(u64 *v, u64 off, u64 field, unsigned size, u64 val)
{
	if (size == 8)
		*v = val;
	else if (off == field)
		*v = (*v & ~0xFFFFFFFFULL) | (u32)val;
	else
		*v = (*v & 0xFFFFFFFFULL) | val << 32;
}

static u64 common_read(struct virtio_pci *vp, u64 off, unsigned size)
{
	struct virtio_dev *vd = &vp->vd;
	struct virtq *q = selected(vp);

	if (is(off, size, VPCI_DFSELECT, 4))
		return vd->dev_features_sel;
	if (is(off, size, VPCI_DF, 4))
		return vd->dev_features_sel < 2
			? (u32)(virtio_offered_features(vd) >> (32 * vd->dev_features_sel))
			: 0;
	if (is(off, size, VPCI_GFSELECT, 4))
		return vd->drv_features_sel;
	if (is(off, size, VPCI_GF, 4))
		return vd->drv_features_sel < 2 ? (u32)(vd->driver_features >> (32 * vd->drv_features_sel))
						: 0;
	if (is(off, size, VPCI_MSIX_CONFIG, 2))
		return vp->config_vector;
	if (is(off, size, VPCI_NUM_QUEUES, 2))
		return vd->be->num_queues;
	if (is(off, size, VPCI_STATUS, 1))
		return vd->status;
	if (is(off, size, VPCI_CFG_GENERATION, 1))
		return vd->config_generation & 0xFF;
	if (is(off, size, VPCI_Q_SELECT, 2))
		return vd->queue_sel;
	if (!q)
		return 0; /* no such queue: size 0 says so (4.1.4.3) */
	if (is(off, size, VPCI_Q_SIZE, 2))
		return q->num ? q->num
			      : VIRTQ_MAX_SIZE; /* the maximum until the driver picks a smaller one */
	if (is(off, size, VPCI_Q_MSIX, 2))
		return vp->queue_vector[vd->queue_sel];
	if (is(off, size, VPCI_Q_ENABLE, 2))
		return q->ready;
	if (is(off, size, VPCI_Q_NOFF, 2))
		return 0;
	if (is(off, size, VPCI_Q_DESC, 8))
		return half64(q->desc, off, VPCI_Q_DESC, size);
	if (is(off, size, VPCI_Q_AVAIL, 8))
		return half64(q->avail, off, VPCI_Q_AVAIL, size);
	if (is(off, size, VPCI_Q_USED, 8))
		return half64(q->used, off, VPCI_Q_USED, size);
	return 0;
}

static void common_write(struct virtio_pci *vp, u64 off, unsigned size, u64 val)
{
	struct virtio_dev *vd = &vp->vd;
	struct virtq *q = selected(vp);
	bool q_writable = q && !q->ready;

	if (is(off, size, VPCI_DFSELECT, 4)) {
		vd->dev_features_sel = (u32)val;
	} else if (is(off, size, VPCI_GFSELECT, 4)) {
		vd->drv_features_sel = (u32)val;
	} else if (is(off, size, VPCI_GF, 4)) {
		/* Only during negotiation: after FEATURES_OK the features are fixed. */
		if (vd->drv_features_sel < 2 && !(vd->status & VIRTIO_STATUS_FEATURES_OK)) {
			u64 *f = &vd->driver_features;
			*f = vd->drv_features_sel ? (*f & 0xFFFFFFFFULL) | val << 32
						  : (*f & ~0xFFFFFFFFULL) | (u32)val;
		}
	} else if (is(off, size, VPCI_MSIX_CONFIG, 2)) {
		vp->config_vector = vector_arg(val);
	} else if (is(off, size, VPCI_STATUS, 1)) {
		virtio_write_status(vd, (u32)val);
		if (!val)
			vectors_reset(vp);
	} else if (is(off, size, VPCI_Q_SELECT, 2)) {
		vd->queue_sel = (u32)val;
	} else if (is(off, size, VPCI_Q_SIZE, 2)) {
		if (q_writable)
			q->num = val > VIRTQ_MAX_SIZE
				? 0
				: (u16)val; /* too large or not a power of 2: refused at enable */
	} else if (is(off, size, VPCI_Q_MSIX, 2)) {
		if (q)
			vp->queue_vector[vd->queue_sel] = vector_arg(val);
	} else if (is(off, size, VPCI_Q_ENABLE, 2)) {
		/* The driver enables only (4.1.4.3.2); a queue never sized has the maximum. */
		if (q && (val & 1)) {
			if (!q->ready && !q->num)
				q->num = VIRTQ_MAX_SIZE;
			virtio_queue_set_ready(vd, vd->queue_sel, q, 1);
		}
	} else if (is(off, size, VPCI_Q_DESC, 8)) {
		if (q_writable)
			set64(&q->desc, off, VPCI_Q_DESC, size, val);
	} else if (is(off, size, VPCI_Q_AVAIL, 8)) {
		if (q_writable)
			set64(&q->avail, off, VPCI_Q_AVAIL, size, val);
	} else if (is(off, size, VPCI_Q_USED, 8)) {
		if (q_writable)
			set64(&q->used, off, VPCI_Q_USED, size, val);
	}
	/* Read-only fields and holes: ignored. */
}

static u64 msix_read(struct virtio_pci *vp, u64 off, unsigned size)
{
	if (off >= VPCI_MSIX_PBA_OFF)
		return off == VPCI_MSIX_PBA_OFF && (size == 4 || size == 8) ? vp->pba : 0;
	u64 n = (off - VPCI_MSIX_TABLE_OFF) / PCI_MSIX_ENTRY_SIZE,
	    w = (off - VPCI_MSIX_TABLE_OFF) % PCI_MSIX_ENTRY_SIZE;
	if (n >= VPCI_VECTORS)
		return 0;
	const struct vpci_msix_entry *e = &vp->msix[n];
	if (size == 8 && w == PCI_MSIX_ENTRY_ADDR_LO)
		return (u64)e->addr_hi << 32 | e->addr_lo;
	if (size == 8 && w == PCI_MSIX_ENTRY_DATA)
		return (u64)e->ctrl << 32 | e->data;
	if (size != 4)
		return 0;
	return w == PCI_MSIX_ENTRY_ADDR_LO    ? e->addr_lo
		: w == PCI_MSIX_ENTRY_ADDR_HI ? e->addr_hi
		: w == PCI_MSIX_ENTRY_DATA    ? e->data
					      : e->ctrl;
}

static void msix_write(struct virtio_pci *vp, u64 off, unsigned size, u64 val)
{
	u64 n = (off - VPCI_MSIX_TABLE_OFF) / PCI_MSIX_ENTRY_SIZE,
	    w = (off - VPCI_MSIX_TABLE_OFF) % PCI_MSIX_ENTRY_SIZE;

	if (off >= VPCI_MSIX_PBA_OFF || n >= VPCI_VECTORS)
		return; /* the PBA is read-only */
	struct vpci_msix_entry *e = &vp->msix[n];
	if (size == 8 && w == PCI_MSIX_ENTRY_ADDR_LO) {
		e->addr_lo = (u32)val & ~3u; /* a dword-aligned address: bits 1:0 are reserved */
		e->addr_hi = (u32)(val >> 32);
	} else if (size == 8 && w == PCI_MSIX_ENTRY_DATA) {
		e->data = (u32)val;
		e->ctrl = (u32)(val >> 32) & PCI_MSIX_ENTRY_CTRL_MASKBIT;
	} else if (size == 4) {
		if (w == PCI_MSIX_ENTRY_ADDR_LO)
			e->addr_lo = (u32)val & ~3u;
		else if (w == PCI_MSIX_ENTRY_ADDR_HI)
			e->addr_hi = (u32)val;
		else if (w == PCI_MSIX_ENTRY_DATA)
			e->data = (u32)val;
		else
			e->ctrl = (u32)val & PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
	flush_pending(vp);
}

static bool in(u64 off, unsigned size, u64 base, u64 len)
{
	return off >= base && off - base < len && size <= len - (off - base);
}

static int bar_read(struct pci_function *f, unsigned bar, u64 off, unsigned size, u64 *val)
{
	struct virtio_pci *vp = f->ctx;
	struct virtio_dev *vd = &vp->vd;
	u32 cfg_size = MIN(vd->be->config_size, (u32)VPCI_DEVICE_MAX);

	*val = 0;
	if (bar != 0)
		return HV_OK;
	spin_lock(&vd->lock);
	if (in(off, size, VPCI_COMMON_OFF, VPCI_COMMON_SIZE)) {
		*val = common_read(vp, off - VPCI_COMMON_OFF, size);
	} else if (in(off, size, VPCI_ISR_OFF, VPCI_ISR_SIZE)) {
		if (off == VPCI_ISR_OFF && size == 1) {
			*val = vd->isr; /* reading acknowledges (4.1.4.5) */
			vd->isr = 0;
		}
	} else if (cfg_size && in(off, size, VPCI_DEVICE_OFF, cfg_size)) {
		if (vd->be->config_read)
			*val = vd->be->config_read(vd, (u32)(off - VPCI_DEVICE_OFF), size);
	} else if (in(off, size, VPCI_MSIX_TABLE_OFF, VPCI_VECTORS * PCI_MSIX_ENTRY_SIZE) ||
		   in(off, size, VPCI_MSIX_PBA_OFF, 8)) {
		*val = msix_read(vp, off, size);
	}
	spin_unlock(&vd->lock);
	return HV_OK;
}

static int bar_write(struct pci_function *f, unsigned bar, u64 off, unsigned size, u64 val)
{
	struct virtio_pci *vp = f->ctx;
	struct virtio_dev *vd = &vp->vd;
	u32 cfg_size = MIN(vd->be->config_size, (u32)VPCI_DEVICE_MAX);
	bool notified = false, reset = false;

	if (bar != 0)
		return HV_OK;
	spin_lock(&vd->lock);
	if (in(off, size, VPCI_COMMON_OFF, VPCI_COMMON_SIZE)) {
		common_write(vp, off - VPCI_COMMON_OFF, size, val);
		reset = off - VPCI_COMMON_OFF == VPCI_STATUS && size == 1 && (u8)val == 0;
	} else if (in(off, size, VPCI_NOTIFY_OFF, VPCI_NOTIFY_SIZE)) {
		if (off == VPCI_NOTIFY_OFF && (size == 2 || size == 4)) {
			virtio_notify(vd, (u32)val & 0xFFFF);
			notified = true;
		}
	} else if (cfg_size && in(off, size, VPCI_DEVICE_OFF, cfg_size)) {
		if (vd->be->config_write)
			vd->be->config_write(vd, (u32)(off - VPCI_DEVICE_OFF), size, val);
	} else if (in(off, size, VPCI_MSIX_TABLE_OFF, VPCI_VECTORS * PCI_MSIX_ENTRY_SIZE)) {
		msix_write(vp, off, size, val);
	}
	spin_unlock(&vd->lock);
	/* After the lock, as virtio-mmio: these hooks may take locks ordered before vd->lock. */
	if (notified && vd->be->notified)
		vd->be->notified(vd, (u32)val & 0xFFFF);
	if (reset && vd->be->after_reset)
		vd->be->after_reset(vd);
	return HV_OK;
}

/* MSI-X enable or function mask changed: what was pending may go out. Under the bridge's lock. */
static void cfg_written(struct pci_function *f, unsigned off, unsigned size)
{
	struct virtio_pci *vp = f->ctx;
	unsigned flags = vp->msix_cap + PCI_MSIX_FLAGS;

	if (off + size <= flags || off >= flags + 2)
		return;
	spin_lock(&vp->vd.lock);
	flush_pending(vp);
	spin_unlock(&vp->vd.lock);
}

static const struct pci_function_ops vpci_ops = {
	.bar_read = bar_read,
	.bar_write = bar_write,
	.cfg_written = cfg_written,
};

/* A virtio vendor capability: cfg_type, BAR 0, the structure's offset and length in it. */
static unsigned add_virtio_cap(struct pci_function *f, u8 type, unsigned len, u32 off, u32 size)
{
	unsigned c = pci_fn_add_cap(f, PCI_CAP_ID_VNDR, len);

	if (c) {
		pci_cfg_set(f, c + 2, 1, len);
		pci_cfg_set(f, c + 3, 1, type);
		pci_cfg_set(f, c + 4, 1, 0); /* BAR 0 */
		pci_cfg_set(f, c + 8, 4, off);
		pci_cfg_set(f, c + 12, 4, size);
	}
	return c;
}

static void build_config(struct virtio_pci *vp)
{
	struct pci_function *f = &vp->fn;
	const struct virtio_backend *be = vp->vd.be;
	u32 cfg_size = MIN(be->config_size, (u32)VPCI_DEVICE_MAX);
	unsigned c;

	/* Revision 1: a modern-only device (4.1.2.1); class "other". */
	pci_fn_init(f, &vpci_ops, vp, VIRTIO_PCI_VENDOR, (u16)(VIRTIO_PCI_DEVICE_BASE + be->device_id),
		    0xFF0000, 1);
	pci_cfg_set(f, PCI_SUBSYSTEM_ID, 2, be->device_id);
	pci_fn_add_bar(f, 0, VPCI_BAR_SIZE);
	add_virtio_cap(f, VPCI_CAP_COMMON, VPCI_CAP_LEN, VPCI_COMMON_OFF, VPCI_COMMON_SIZE);
	c = add_virtio_cap(f, VPCI_CAP_NOTIFY, VPCI_NOTIFY_CAP_LEN, VPCI_NOTIFY_OFF, VPCI_NOTIFY_SIZE);
	if (c)
		pci_cfg_set(f, c + 16, 4, 0); /* notify_off_multiplier */
	add_virtio_cap(f, VPCI_CAP_ISR, VPCI_CAP_LEN, VPCI_ISR_OFF, VPCI_ISR_SIZE);
	if (cfg_size)
		add_virtio_cap(f, VPCI_CAP_DEVICE, VPCI_CAP_LEN, VPCI_DEVICE_OFF, cfg_size);
	c = pci_fn_add_cap(f, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_SIZE);
	vp->msix_cap = c;
	pci_cfg_set(f, c + PCI_MSIX_FLAGS, 2, VPCI_VECTORS - 1);
	pci_cfg_set(f, c + PCI_MSIX_TABLE, 4, VPCI_MSIX_TABLE_OFF); /* BIR 0 */
	pci_cfg_set(f, c + PCI_MSIX_PBA, 4, VPCI_MSIX_PBA_OFF);
	/* Enable and Function Mask are the guest's. */
	f->wmask[c + PCI_MSIX_FLAGS + 1] = (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	pci_fn_seal(f);
}

static void msix_reset(struct virtio_pci *vp)
{
	for (unsigned v = 0; v < VPCI_VECTORS; v++)
		vp->msix[v] = (struct vpci_msix_entry){
			.ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT
		}; /* masked at reset */
	vp->pba = 0;
	vectors_reset(vp);
}

int virtio_pci_attach(struct virtio_pci *vp, struct vm *vm, const struct virtio_backend *be, void *be_state)
{
	*vp = (struct virtio_pci){ 0 };
	virtio_dev_init_signal(&vp->vd, vm, be, be_state, vpci_signal);
	msix_reset(vp);
	build_config(vp);
	return pci_host_attach(vm, &vp->fn);
}

void virtio_pci_reset(struct virtio_pci *vp)
{
	spin_lock(&vp->vd.lock);
	virtio_dev_reset(&vp->vd);
	msix_reset(vp);
	vp->msis = vp->dropped = vp->bad_addr = vp->untranslated = 0;
	spin_unlock(&vp->vd.lock);
}

void virtio_pci_print_stats(struct virtio_pci *vp)
{
	hv_printf("  %s (pci %02x:%02x.0): %llu MSIs, %llu dropped, %llu bad address, %llu not translated\n",
		  vp->vd.be->name, vp->fn.rid >> 8, (vp->fn.rid >> 3) & 0x1F, (unsigned long long)vp->msis,
		  (unsigned long long)vp->dropped, (unsigned long long)vp->bad_addr,
		  (unsigned long long)vp->untranslated);
}
