/*
 * The virtio-mmio transport, version 2 ("modern", virtio 1.2 section
 * 4.2.2), as a library under device backends: the register file, feature
 * negotiation, the queues (core/virtqueue.c walks them), the interrupt
 * (a level line on the slot's SPI, high while InterruptStatus != 0),
 * device reset and the configuration generation. A backend (virtio-rng:
 * vdev/virtio_rng.c) gives a struct virtio_backend and gets its queues
 * notified; the slot window (vdev/virtio_slots.c) routes each slot's
 * accesses to its transport or answers as an empty slot.
 */
#ifndef VDEV_VIRTIO_MMIO_H
#define VDEV_VIRTIO_MMIO_H

#include <arch/spinlock.h>
#include <hyparm/types.h>
#include <hyparm/virtqueue.h>

struct vm;
struct vcpu;
struct virtio_dev;

/* The register map (4.2.2). */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_SHM_SEL 0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW 0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW 0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH 0x0bc
#define VIRTIO_MMIO_QUEUE_RESET 0x0c0
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x554D4551u /* "QEMU": what QEMU's transports answer, empty or not */

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* InterruptStatus bits. */
#define VIRTIO_INT_VRING 1
#define VIRTIO_INT_CONFIG 2

/* Transport feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_MAX_QUEUES 4

struct virtio_backend {
	const char *name;
	u32 device_id;
	u64 features; /* device-specific bits; the transport adds VERSION_1, EVENT_IDX and INDIRECT_DESC */
	unsigned num_queues; /* <= VIRTIO_MAX_QUEUES */
	u32 config_size; /* bytes of device configuration at 0x100 */
	/* Optional: read / write size bytes at off inside the configuration (off + size <= config_size). */
	u64 (*config_read)(struct virtio_dev *vd, u32 off, unsigned size);
	void (*config_write)(struct virtio_dev *vd, u32 off, unsigned size, u64 val);
	/* The driver notified queue qi (ready, DRIVER_OK); called with vd->lock held. */
	void (*notify)(struct virtio_dev *vd, unsigned qi);
	/*
	 * Optional: after a notification of queue qi (any qi the guest wrote),
	 * with vd->lock released, for work that takes a lock ordered before
	 * vd->lock (virtio-console: the console's input lock).
	 */
	void (*notified)(struct virtio_dev *vd, unsigned qi);
	/* Optional: the device is reset (status 0 or VM reset); vd->lock held or the VM stopped. */
	void (*reset)(struct virtio_dev *vd);
	/*
	 * Optional: after the driver reset the device (a Status write of 0), with
	 * vd->lock released, for work that takes other devices' locks
	 * (virtio-vsock: the peers of the connections that ended hear the RSTs).
	 */
	void (*after_reset)(struct virtio_dev *vd);
};

struct virtio_dev {
	const struct virtio_backend *be;
	void *be_state;
	struct vm *vm;
	unsigned slot;
	u32 intid;
	/* NULL: the slot's level line (virtio-mmio); else the transport's message (virtio-pci's MSI-X), qi < 0 config. */
	void (*signal)(struct virtio_dev *vd, int qi);
	spinlock_t lock; /* the registers and queues: any vCPU of the VM may access them */
	struct vq_mem mem; /* the VM's RAM */
	u32 status;
	u32 isr; /* InterruptStatus */
	u32 dev_features_sel, drv_features_sel;
	u64 driver_features;
	u32 queue_sel;
	u32 config_generation;
	struct virtq q[VIRTIO_MAX_QUEUES];
};

/* Set vd up for be in vm at slot (0..GUEST_VIRTIO_SLOTS-1) and reset it. */
void virtio_dev_init(struct virtio_dev *vd, struct vm *vm, unsigned slot, const struct virtio_backend *be,
		     void *be_state);
/* The same for a transport without a slot that signals by message: signal(vd, qi) per interrupt. */
void virtio_dev_init_signal(struct virtio_dev *vd, struct vm *vm, const struct virtio_backend *be,
			    void *be_state, void (*signal)(struct virtio_dev *vd, int qi));
/* Device reset (virtio 2.1 / status write 0): queues, features, status and interrupt back to 0. */
void virtio_dev_reset(struct virtio_dev *vd);
/* The same under vd->lock: a backend's vdev reset hook (VM reset), when other vCPUs may still touch it. */
void virtio_dev_reset_locked(struct virtio_dev *vd);
/* The slot's register accesses, off relative to the slot base (vdev/virtio_slots.c routes them). */
int virtio_mmio_read(struct virtio_dev *vd, u64 off, unsigned size, u64 *val);
int virtio_mmio_write(struct virtio_dev *vd, u64 off, unsigned size, u64 val);

/* The register semantics shared with other transports (vdev/virtio_pci.c), under vd->lock. */
u64 virtio_offered_features(const struct virtio_dev *vd);
/* A Status write: 0 resets; FEATURES_OK sticks only for a modern subset of the offer. */
void virtio_write_status(struct virtio_dev *vd, u32 val);
/* A QueueReady / queue_enable write for queue qi: enabling checks the layout (core/virtqueue.c). */
void virtio_queue_set_ready(struct virtio_dev *vd, unsigned qi, struct virtq *q, u32 val);
/* A notification of queue qi: served if the queue is ready and the driver is OK. */
void virtio_notify(struct virtio_dev *vd, u32 qi);

/* For backends, under vd->lock. */
/* Completions were pushed on queue qi: interrupt the driver if it wants one. */
void virtio_queue_interrupt(struct virtio_dev *vd, unsigned qi);
/* The device configuration changed: new generation, configuration interrupt. */
void virtio_config_changed(struct virtio_dev *vd);
/* Queue qi is broken (q->error): DEVICE_NEEDS_RESET, reported once, and a configuration interrupt. */
void virtio_needs_reset(struct virtio_dev *vd, unsigned qi);

#endif
