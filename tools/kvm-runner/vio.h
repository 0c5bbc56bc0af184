/*
 * The KVM runner's virtio devices (tools/kvm-runner/vio.c): virtio-mmio
 * version 2 slots in hyparm's guest window (GUEST_VIRTIO_IPA, SPI per
 * slot as under hyparm), served in the runner from KVM_EXIT_MMIO, the way a
 * user-space VMM serves them. The queues are walked by hyparm's own walker
 * (core/virtqueue.c), shared, not copied.
 *
 *   slot 0  virtio-blk backed by a file or block device (O_DIRECT)
 *   slot 1  virtio-net backed by an AF_PACKET socket on a host interface
 */
#ifndef KVM_RUNNER_VIO_H
#define KVM_RUNNER_VIO_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the runner gives the devices: guest RAM, and how to drive an SPI (by its INTID) to a
 * level (KVM_IRQ_LINE in the runner; a fake in tests/unit/test_kvm_runner_vio.c).
 */
void vio_init(void (*set_irq)(unsigned intid, int level), uint8_t *ram, uint64_t ram_ipa, uint64_t ram_size);
/* A virtio-blk on path (0, or -1 with a message on stderr). */
int vio_add_blk(const char *path);
/* A virtio-net whose frames go out and come in on host interface ifname (0, or -1). */
int vio_add_net(const char *ifname, const uint8_t mac[6]);
/* Whether [addr, addr + len) is a slot of ours; then vio_mmio serves it. */
int vio_owns(uint64_t addr, uint32_t len);
void vio_mmio(uint64_t addr, uint32_t len, int is_write, uint8_t *data);
/* The DT nodes of the devices added (guest_fdt_params.add_nodes). */
int vio_fdt(void *fdt, void *ctx);

#endif
