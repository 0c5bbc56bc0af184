/*
 * The VM's 32 virtio-mmio slots (vdev/virtio_slots.c, device "virtio-mmio"):
 * backends attach their transport to a slot; the others answer as QEMU's
 * empty transports do.
 */
#ifndef VDEV_VIRTIO_SLOTS_H
#define VDEV_VIRTIO_SLOTS_H

#include <hyparm/types.h>

struct vm;
struct virtio_dev;
struct virtio_backend;

/*
 * Set vd up for be in the VM's highest free slot (QEMU's virt gives its
 * first virtio device the transport at the highest address) and route the
 * slot to it. The slot number, or -HV_ENOENT if the VM has no
 * "virtio-mmio" device (listed before the backend), -HV_EBUSY if all are taken.
 */
int virtio_slot_attach(struct vm *vm, struct virtio_dev *vd, const struct virtio_backend *be, void *be_state);
/*
 * Slots first..first+count-1 hold a passed-through device's page (the
 * physical transports there are mapped by stage 2): no backend gets them.
 * -HV_ENOENT without "virtio-mmio", -HV_EBUSY if a backend has one of
 * them (its slot number in *taken), -HV_ERANGE past the last slot.
 */
int virtio_slot_reserve(struct vm *vm, unsigned first, unsigned count, unsigned *taken);

#endif
