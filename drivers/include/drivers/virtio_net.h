/*
 * hyparm's uplink: its driver of QEMU's virtio-net-device (with `-netdev
 * user`, QEMU's user-mode network: a NAT to the host, which the guest
 * reaches at 10.0.2.2), as one port of the machine's switch. The launcher
 * adds the device whenever a VM has a network interface.
 *
 * Frames the switch sends to the uplink are copied into hyparm's own
 * transmit buffers (the header zeroed) and given to the device; frames the
 * device receives (into hyparm's own receive buffers) enter the switch
 * from the uplink port, from its interrupt on the boot CPU. The uplink
 * port is not MAC-locked: everything behind QEMU's NAT has its own MAC.
 * QEMU's virtio-net stays promiscuous (hyparm offers it no control queue),
 * so every frame for a VM's MAC comes in.
 */
#ifndef DRIVERS_VIRTIO_NET_H
#define DRIVERS_VIRTIO_NET_H

#include <hyparm/types.h>

struct vswitch;

/*
 * Attach the machine's first virtio-net device to sw as its uplink (once;
 * later calls return the first answer): HV_OK, -HV_ENOENT if the machine
 * has none (VMs then only reach each other), or another error.
 */
int hostnet_attach(struct vswitch *sw);

#endif
