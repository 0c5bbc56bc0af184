/*
 * hyparm's driver of the machine's virtio-blk devices (QEMU's
 * -device virtio-blk-device: the launcher attaches each host disk file as
 * one), under the guests' virtio-blk devices (vdev/virtio_blk.c).
 *
 * Requests of several VMs share one physical queue: while it has room a
 * request goes straight in; when it is full each VM's requests wait in
 * that VM's FIFO and the freed room is handed out round robin between the
 * VMs, so a VM that floods its disk does not starve another's.
 * Completions come with the device's interrupt (any CPU may submit; the
 * SPI is taken on the boot CPU); each request's done() runs with no
 * driver lock held, so it may take its device's lock.
 *
 * The device is notified (an MMIO write to QEMU's device, which can wait
 * on QEMU's own lock for as long as its main loop is busy elsewhere) with
 * no lock held: a submitter calls hostblk_kick() after releasing its own
 * device lock, and the interrupt after releasing the driver's. A CPU that
 * waits for either lock then never waits on QEMU too (the uplink was seen
 * to stop hyparm so, drivers/virtio_net.c).
 */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include <drivers/virtio_host.h>
#include <hyparm/types.h>

/* Request types and status (virtio 1.2, 5.2.6): the guest device shares them. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_BLK_SECTOR 512

struct virtio_blk_outhdr {
	u32 type;
	u32 reserved;
	u64 sector;
};
_Static_assert(sizeof(struct virtio_blk_outhdr) == 16, "the request header is 16 bytes");

struct hostblk;

/* One request: the caller's, in hyparm memory (sg[] names physical buffers). */
struct hostblk_req {
	struct hostblk_req *next; /* the driver's: its VM's wait list */
	unsigned owner; /* the VM, for fair queueing (< VM_MAX) */
	unsigned n; /* buffers in sg: header, data..., status */
	struct vhost_sg sg[VHOST_MAX_SG];
	/* Called once the device completed it (len: what it wrote), without driver locks. */
	void (*done)(struct hostblk_req *r, u32 len);
};

struct hostblk_info {
	u64 capacity; /* in 512-byte sectors */
	bool read_only; /* VIRTIO_BLK_F_RO */
	bool flush; /* FLUSH negotiated: writes are durable only after a flush */
	u32 seg_max; /* data buffers per request the device takes */
};

/* The nth physical virtio-blk device, set up on first use: HV_OK and b, info; -HV_ENOENT if none. */
int hostblk_open(unsigned nth, struct hostblk **b, struct hostblk_info *info);
/* Queue r (its n buffers filled); r->done is called once it completed. The device hears of it at hostblk_kick(). */
void hostblk_submit(struct hostblk *b, struct hostblk_req *r);
/* Notify the device of the requests submitted since it was last notified; call with no lock held. */
void hostblk_kick(struct hostblk *b);
/*
 * Read sectors [sector, sector + bytes / 512) into buf (hyparm memory)
 * and wait for it, polling: for set-up at boot (a partition table), before
 * the VMs run. HV_OK or -HV_EIO.
 */
int hostblk_read_sync(struct hostblk *b, u64 sector, void *buf, u32 bytes);

#endif
