/*
 * virtio-net's facts (virtio 1.2 section 5.1), shared by the guest's device
 * (vdev/virtio_net.c) and hyparm's driver of QEMU's (drivers/virtio_net.c).
 */
#ifndef HYPARM_VIRTIO_NET_REGS_H
#define HYPARM_VIRTIO_NET_REGS_H

#define VIRTIO_ID_NET 1

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16

/* Configuration (5.1.4): mac[6] at 0, status at 6, max_virtqueue_pairs at 8, mtu at 10. */
#define VIRTIO_NET_CONFIG_BYTES 12
#define VIRTIO_NET_S_LINK_UP 1

/*
 * Every buffer starts with struct virtio_net_hdr_v1 (5.1.6): flags, gso_type,
 * hdr_len, gso_size, csum_start, csum_offset, num_buffers (at byte 10): 12
 * bytes whenever VERSION_1 is negotiated, MRG_RXBUF or not.
 */
#define VIRTIO_NET_HDR_BYTES 12
#define VIRTIO_NET_HDR_NUM_BUFFERS 10

#endif
