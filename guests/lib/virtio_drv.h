/*
 * The bare-metal test guests' virtio-mmio driver steps (virtio 1.2 3.1.1,
 * 4.2.3.2): reset and feature negotiation, one queue's set-up, DRIVER_OK.
 * Each test guest keeps its own rings and requests (what it tests); the
 * handshake itself is the same for all, so it is written once here.
 */
#ifndef GUEST_VIRTIO_DRV_H
#define GUEST_VIRTIO_DRV_H

#include "gic.h" /* mmio_read32 / mmio_write32 */
#include "virtio_regs.h"

/* VIRTIO_F_VERSION_1 is feature bit 32: bit 0 of the upper feature word. */
#define VIRTIO_F_VERSION_1_HI 1u

/*
 * Reset the device at base and offer it features_lo (bits 0-31) and
 * features_hi (bits 32-63: VIRTIO_F_VERSION_1_HI for a modern driver);
 * false if FEATURES_OK does not stick (the device refused them).
 */
static inline bool virtio_negotiate(u64 base, u32 features_lo, u32 features_hi)
{
	mmio_write32(base + STATUS, 0);
	mmio_write32(base + STATUS, S_ACK | S_DRIVER);
	mmio_write32(base + DRV_FEATURES_SEL, 0);
	mmio_write32(base + DRV_FEATURES, features_lo);
	mmio_write32(base + DRV_FEATURES_SEL, 1);
	mmio_write32(base + DRV_FEATURES, features_hi);
	mmio_write32(base + STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return (mmio_read32(base + STATUS) & S_FEATURES_OK) != 0;
}

/* Queue q of num entries at the given guest addresses (64-bit, written as two halves), then ready. */
static inline void virtio_queue_setup(u64 base, unsigned q, unsigned num, u64 desc, u64 avail, u64 used)
{
	mmio_write32(base + QUEUE_SEL, q);
	mmio_write32(base + QUEUE_NUM, num);
	mmio_write32(base + QUEUE_DESC, (u32)desc);
	mmio_write32(base + QUEUE_DESC + 4, (u32)(desc >> 32));
	mmio_write32(base + QUEUE_DRIVER, (u32)avail);
	mmio_write32(base + QUEUE_DRIVER + 4, (u32)(avail >> 32));
	mmio_write32(base + QUEUE_DEVICE, (u32)used);
	mmio_write32(base + QUEUE_DEVICE + 4, (u32)(used >> 32));
	mmio_write32(base + QUEUE_READY, 1);
}

static inline void virtio_driver_ok(u64 base)
{
	mmio_write32(base + STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

#endif
