/*
 * The driver side of virtio-mmio (virtio 1.2 sections 3, 4.2 and 2.7), for
 * hyparm's own drivers of the machine's virtio devices (QEMU's
 * -device virtio-blk-device / virtio-net-device on `virt`): find a
 * transport by DeviceID in the host device tree, reset it, negotiate
 * features, give it split queues in hyparm memory, add chains of physical
 * buffers, reap the used entries, take its interrupt.
 *
 * hyparm's memory is mapped with EL2 VA == PA and guest RAM is one
 * contiguous block at vm->ram_pa, so a buffer is named by its physical
 * address: a guest buffer whose IPA range was validated goes to the device
 * as it is (zero copy).
 *
 * Modern (version 2) transports only: QEMU's virtio-mmio is legacy unless
 * started with `-global virtio-mmio.force-legacy=false` (the launcher
 * passes it). Locking is the caller's: one lock around each queue's
 * add/kick/reap (the device driver's).
 */
#ifndef DRIVERS_VIRTIO_HOST_H
#define DRIVERS_VIRTIO_HOST_H

#include <hyparm/types.h>
#include <hyparm/virtqueue.h>

struct platform;

#define VHOST_MAX_QUEUES 4
/* Descriptors of one chain; with VIRTIO_F_INDIRECT_DESC a chain takes one ring slot. */
#define VHOST_MAX_SG 64

/* One transport, found by virtio_host_find(). */
struct virtio_host {
	paddr_t base;
	unsigned intid; /* its SPI (INTID), 0 if the device tree gave none */
	u32 device_id;
	u64 features; /* negotiated (device's & wanted, VERSION_1 always) */
};

/* One physical buffer of a chain. */
struct vhost_sg {
	paddr_t pa;
	u32 len;
	bool write; /* device-writable; all readable buffers come first */
};

/* One split queue the driver owns (state private to drivers/virtio_host.c). */
struct vhost_queue {
	struct virtio_host *h;
	unsigned index;
	u16 num; /* ring size, a power of 2 */
	struct virtq_desc *desc;
	volatile u16 *avail; /* flags, idx, ring[num], used_event */
	volatile u16 *used; /* flags, idx, then {u32 id, u32 len}[num] */
	struct virtq_desc
		*indirect; /* num tables of VHOST_MAX_SG, one per head (NULL without INDIRECT_DESC) */
	void **cookie; /* per head: the caller's request, NULL while the head is free */
	u16 *chain_len; /* per head: descriptors used in the ring (1 with an indirect table) */
	u16 free_head; /* free descriptors are chained through desc[].next */
	u16 num_free;
	u16 avail_idx; /* the driver's next avail index */
	u16 last_used; /* used entries reaped so far */
};

/*
 * Remember the host's virtio,mmio transports (from the boot device tree);
 * once, at boot, before any virtio_host_find().
 */
void virtio_host_platform(const struct platform *p);
/*
 * The nth (0, 1, ...) transport whose DeviceID is device_id (0 means an
 * empty slot: never found): its registers mapped for EL2, h filled.
 * -HV_ENOENT if there is no such device, -HV_ENOTSUP if it is a legacy
 * (version 1) transport.
 */
int virtio_host_find(u32 device_id, unsigned nth, struct virtio_host *h);
/*
 * Give the transport at base whole to a VM (passthrough): it must hold a
 * modern device none of hyparm's drivers found, and every other transport
 * in its page (stage 2 maps pages) must be empty, else *conflict says
 * which is not. From then on virtio_host_find() never returns it.
 * -HV_ENOENT: no transport there; -HV_EBUSY: taken already; -HV_ENODEV:
 * nothing attached; -HV_ENOTSUP: legacy; -HV_EEXIST: the page is shared.
 */
int virtio_host_pass(paddr_t base, struct virtio_host *h, paddr_t *conflict);
/* Reset the device (Status 0) and wait until it is: it stops using the queues it had. */
void virtio_host_reset(const struct virtio_host *h);
/*
 * Reset the device, ACKNOWLEDGE | DRIVER, negotiate (VERSION_1 is always
 * asked for; wanted's other bits as the device offers them: see
 * h->features) and FEATURES_OK. -HV_ENOTSUP if the device refuses.
 */
int virtio_host_negotiate(struct virtio_host *h, u64 wanted);
/*
 * Give queue qi up to num entries (fewer if the device's QueueNumMax is
 * smaller), its rings in fresh hyparm pages, and make it ready. Indirect
 * tables are used when VIRTIO_F_INDIRECT_DESC was negotiated.
 */
int virtio_host_queue_init(struct virtio_host *h, unsigned qi, struct vhost_queue *q, u16 num);
/* DRIVER_OK: the device may use its queues from now on. */
void virtio_host_driver_ok(struct virtio_host *h);
/* A device status bit says the device is broken (NEEDS_RESET or FAILED). */
bool virtio_host_broken(const struct virtio_host *h);

/*
 * Add a chain of n buffers (1..VHOST_MAX_SG, readable ones first) with the
 * caller's cookie (not NULL): HV_OK, -HV_EBUSY if the ring has no room now
 * (try again once something was reaped), -HV_EINVAL for a bad chain. The
 * device sees it at the next virtio_host_kick().
 */
int virtio_host_add(struct vhost_queue *q, const struct vhost_sg *sg, unsigned n, void *cookie);
/* Does a chain of n buffers fit now? */
bool virtio_host_room(const struct vhost_queue *q, unsigned n);
/* Tell the device about the chains added (a notification unless it asked for none). */
void virtio_host_kick(struct vhost_queue *q);
/*
 * The next completed chain's cookie and the length the device wrote
 * (*len), or NULL if none. A used entry naming a free or out-of-range head
 * (a broken device) is skipped.
 */
void *virtio_host_reap(struct vhost_queue *q, u32 *len);

/* Read and acknowledge InterruptStatus (VIRTIO_INT_VRING | VIRTIO_INT_CONFIG bits). */
u32 virtio_host_irq_ack(struct virtio_host *h);
/* Device configuration (offset from 0x100), size 1, 2, 4 or 8 (8: two 32-bit reads, generation-checked). */
u64 virtio_host_config(struct virtio_host *h, u32 off, unsigned size);

#endif
