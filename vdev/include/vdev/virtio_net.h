/* The guest virtio-net device (vdev/virtio_net.c): its counters and MAC helpers (unit-tested). */
#ifndef VDEV_VIRTIO_NET_H
#define VDEV_VIRTIO_NET_H

#include <hyparm/types.h>
#include <hyparm/virtio_net_regs.h>

struct vm;

struct vnet_stats {
	u64 tx_frames; /* handed to the switch */
	u64 tx_errors; /* malformed chains (completed, length 0) and frames too long */
	u64 rx_frames; /* written into receive buffers */
	u64 rx_errors; /* frames dropped with a receive buffer that could not hold them */
	u64 rx_no_buffer; /* times frames waited for the driver to post buffers */
};

/* "02:00:00:00:00:01" -> mac: HV_OK, or -HV_EINVAL (syntax, a group address, all zeros). */
int vnet_mac_parse(const char *s, u8 *mac);
/* The VM's default MAC: locally administered, unicast, the same for the same name every time. */
void vnet_mac_from_name(const char *name, u8 *mac);
/* vm's device counters, or NULL if it has no virtio-net. */
const struct vnet_stats *vnet_stats_of(const struct vm *vm);

#endif
