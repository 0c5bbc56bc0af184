/*
 * The virtio-mmio v2 transport (see vdev/virtio_mmio.h). Semantics of
 * virtio 1.2 4.2.2 and of QEMU's hw/virtio/virtio-mmio.c where the spec
 * leaves room:
 *   - control registers are 32-bit: any other width reads 0 and is ignored
 *     on write (the spec forbids them; QEMU does the same), never a fault;
 *   - a queue's size and addresses are written while it is not ready;
 *     QueueReady=1 checks them (core/virtqueue.c: power-of-2 size,
 *     alignment, rings inside RAM): bad ones leave the queue not ready and
 *     set DEVICE_NEEDS_RESET;
 *   - FEATURES_OK sticks only if the driver took a subset of what we offer
 *     including VERSION_1 (there is no legacy interface on version 2);
 *   - the driver cannot clear DEVICE_NEEDS_RESET except by resetting
 *     (Status = 0);
 *   - notifications are served on the notifying vCPU, synchronously.
 */
#include <hyparm/errno.h>
#include <hyparm/guest_layout.h>
#include <hyparm/irqchip.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vm_ram.h>
#include <vdev/virtio_mmio.h>

#define TRANSPORT_FEATURES \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_EVENT_IDX) | (1ULL << VIRTIO_F_INDIRECT_DESC))

/*
 * The walker's RAM-ready hook: the blocks a ring or buffer lies in are
 * scrubbed and mapped first, and counted as changed (the device may write
 * them, behind stage 2's back), so that the VM's next reset scrubs them.
 */
static int ram_ready(void *ctx, u64 off, u64 len)
{
	return vm_ram_host_access(ctx, off, len);
}

u64 virtio_offered_features(const struct virtio_dev *vd)
{
	return vd->be->features | TRANSPORT_FEATURES;
}

/* The slot's level line follows InterruptStatus; a transport with its own signal (virtio-pci) has none. */
static void update_line(struct virtio_dev *vd)
{
	if (!vd->signal)
		vm_irq_line(vd->vm, NULL, vd->intid, vd->isr != 0);
}

/* Interrupt the driver for queue qi (or the configuration: qi < 0): InterruptStatus, then line or message. */
static void raise(struct virtio_dev *vd, u32 isr_bit, int qi)
{
	vd->isr |= isr_bit;
	if (vd->signal)
		vd->signal(vd, qi);
	else
		update_line(vd);
}

void virtio_dev_reset(struct virtio_dev *vd)
{
	/* Where the VM's RAM is in this life: a VM that gave it back at a stop may have got another block. */
	vd->mem.host = (u8 *)(uintptr_t)vd->vm->ram_pa;
	vd->mem.ipa = vd->vm->ram_ipa; /* an identity-mapped VM's RAM moves with its PA */
	vd->status = 0;
	vd->isr = 0;
	vd->dev_features_sel = vd->drv_features_sel = 0;
	vd->driver_features = 0;
	vd->queue_sel = 0;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtq_reset(&vd->q[i]);
	if (vd->be->reset)
		vd->be->reset(vd);
	if (vd->vm->irqchip)
		update_line(vd);
}

void virtio_dev_reset_locked(struct virtio_dev *vd)
{
	spin_lock(&vd->lock);
	virtio_dev_reset(vd);
	spin_unlock(&vd->lock);
}

static void init(struct virtio_dev *vd, struct vm *vm, unsigned slot, const struct virtio_backend *be,
		 void *be_state, void (*signal)(struct virtio_dev *vd, int qi))
{
	*vd = (struct virtio_dev){
		.signal = signal,
		.be = be,
		.be_state = be_state,
		.vm = vm,
		.slot = slot,
		.intid = GUEST_VIRTIO_INTID + slot,
		.lock = SPINLOCK_INIT,
		.mem = { .ipa = vm->ram_ipa,
			 .size = vm->ram_size,
			 .host = (u8 *)(uintptr_t)vm->ram_pa,
			 .ready = ram_ready,
			 .ctx = vm,
			 /*
			  * A block marked written is scrubbed and counted as changed
			  * already (core/vm_ram.c sets the bit with release after
			  * both; only a reset clears it, after the devices were
			  * quiesced): ram_ready would only say so.
			  */
			 .usable = vm->ram_written,
			 .block_shift = VM_RAM_BLOCK_SHIFT },
	};
	virtio_dev_reset(vd);
}

void virtio_dev_init(struct virtio_dev *vd, struct vm *vm, unsigned slot, const struct virtio_backend *be,
		     void *be_state)
{
	init(vd, vm, slot, be, be_state, NULL);
}

void virtio_dev_init_signal(struct virtio_dev *vd, struct vm *vm, const struct virtio_backend *be,
			    void *be_state, void (*signal)(struct virtio_dev *vd, int qi))
{
	init(vd, vm, 0, be, be_state, signal);
}

void virtio_queue_interrupt(struct virtio_dev *vd, unsigned qi)
{
	if (virtq_should_interrupt(&vd->q[qi], &vd->mem))
		raise(vd, VIRTIO_INT_VRING, (int)qi);
}

void virtio_config_changed(struct virtio_dev *vd)
{
	vd->config_generation++;
	if (vd->status & VIRTIO_STATUS_DRIVER_OK)
		raise(vd, VIRTIO_INT_CONFIG, -1);
}

void virtio_needs_reset(struct virtio_dev *vd, unsigned qi)
{
	struct vm *vm = vd->vm;

	if (vd->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* Guest-caused: capped per VM like every such warning. */
	if (vm->reports < VM_MAX_REPORTS) {
		vm->reports++;
		hv_printf("hyparm: vm %s: %s queue %u: %s: device needs reset\n", vm->name, vd->be->name, qi,
			  virtq_err_name(vd->q[qi].error));
	}
	/* 2.1.2: the device MUST send a configuration change notification when DRIVER_OK is set. */
	if (vd->status & VIRTIO_STATUS_DRIVER_OK)
		raise(vd, VIRTIO_INT_CONFIG, -1);
}

static struct virtq *selected(struct virtio_dev *vd)
{
	return vd->queue_sel < vd->be->num_queues ? &vd->q[vd->queue_sel] : NULL;
}

static u32 read_reg(struct virtio_dev *vd, u64 off)
{
	struct virtq *q = selected(vd);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return vd->be->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return vd->dev_features_sel < 2
			? (u32)(virtio_offered_features(vd) >> (32 * vd->dev_features_sel))
			: 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? VIRTQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return vd->isr;
	case VIRTIO_MMIO_STATUS:
		return vd->status;
	/* No shared memory regions: a region that does not exist has length all-ones (4.2.2). */
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xFFFFFFFFu;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return vd->config_generation;
	default:
		/* Write-only registers and holes read as zero. */
		return 0;
	}
}

static void set_half(u64 *addr, bool high, u32 val)
{
	*addr = high ? (*addr & 0xFFFFFFFFULL) | (u64)val << 32 : (*addr & ~0xFFFFFFFFULL) | val;
}

void virtio_write_status(struct virtio_dev *vd, u32 val)
{
	if (!val) {
		virtio_dev_reset(vd);
		return;
	}
	val &= 0xFF;
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(vd->status & VIRTIO_STATUS_FEATURES_OK)) {
		u64 f = vd->driver_features;
		/* A subset of the offer, and modern: otherwise FEATURES_OK does not stick (3.1.1 step 6). */
		if ((f & ~virtio_offered_features(vd)) || !(f & (1ULL << VIRTIO_F_VERSION_1)))
			val &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	/* DEVICE_NEEDS_RESET is the device's: kept until reset, never set by the driver. */
	vd->status = (val & ~VIRTIO_STATUS_NEEDS_RESET) | (vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

void virtio_queue_set_ready(struct virtio_dev *vd, unsigned qi, struct virtq *q, u32 val)
{
	if (!(val & 1)) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	q->event_idx = vd->driver_features & (1ULL << VIRTIO_F_EVENT_IDX);
	q->indirect = vd->driver_features & (1ULL << VIRTIO_F_INDIRECT_DESC);
	if (virtq_enable(q, &vd->mem))
		virtio_needs_reset(vd, qi);
}

void virtio_notify(struct virtio_dev *vd, u32 qi)
{
	if (qi >= vd->be->num_queues || !vd->q[qi].ready || !(vd->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (vd->status & VIRTIO_STATUS_NEEDS_RESET))
		return;
	vd->be->notify(vd, qi);
}

static void write_reg(struct virtio_dev *vd, u64 off, u32 val)
{
	struct virtq *q = selected(vd);
	/* A queue's layout is frozen while it is ready (4.2.3.2: written only before QueueReady). */
	bool q_writable = q && !q->ready;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vd->dev_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Only during negotiation: after FEATURES_OK the features are fixed. */
		if (vd->drv_features_sel < 2 && !(vd->status & VIRTIO_STATUS_FEATURES_OK))
			set_half(&vd->driver_features, vd->drv_features_sel, val);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vd->drv_features_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vd->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (q_writable)
			q->num = val > VIRTQ_MAX_SIZE ? 0 : (u16)val; /* too large: refused when made ready */
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q)
			virtio_queue_set_ready(vd, vd->queue_sel, q, val);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		virtio_notify(vd, val & 0xFFFF);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		vd->isr &= ~val;
		update_line(vd);
		break;
	case VIRTIO_MMIO_STATUS:
		virtio_write_status(vd, val);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (q_writable)
			set_half(&q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (q_writable)
			set_half(&q->avail, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (q_writable)
			set_half(&q->used, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, val);
		break;
	default:
		/* Read-only registers, SHMSel (no regions), QueueReset (not offered), holes: ignored. */
		break;
	}
}

int virtio_mmio_read(struct virtio_dev *vd, u64 off, unsigned size, u64 *val)
{
	*val = 0;
	spin_lock(&vd->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		u64 c = off - VIRTIO_MMIO_CONFIG;
		if (vd->be->config_read && c < vd->be->config_size && size <= vd->be->config_size - c)
			*val = vd->be->config_read(vd, (u32)c, size);
	} else if (size == 4 && IS_ALIGNED(off, 4)) {
		*val = read_reg(vd, off);
	}
	spin_unlock(&vd->lock);
	return HV_OK;
}

int virtio_mmio_write(struct virtio_dev *vd, u64 off, unsigned size, u64 val)
{
	spin_lock(&vd->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		u64 c = off - VIRTIO_MMIO_CONFIG;
		if (vd->be->config_write && c < vd->be->config_size && size <= vd->be->config_size - c)
			vd->be->config_write(vd, (u32)c, size, val);
	} else if (size == 4 && IS_ALIGNED(off, 4)) {
		write_reg(vd, off, (u32)val);
	}
	spin_unlock(&vd->lock);
	/* After the lock: the hooks may take locks that are taken before vd->lock elsewhere. */
	if (off == VIRTIO_MMIO_QUEUE_NOTIFY && size == 4 && vd->be->notified)
		vd->be->notified(vd, (u32)val & 0xFFFF);
	if (off == VIRTIO_MMIO_STATUS && size == 4 && (u32)val == 0 && vd->be->after_reset)
		vd->be->after_reset(vd);
	return HV_OK;
}
