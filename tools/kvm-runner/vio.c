/*
 * The KVM runner's virtio-mmio devices (see vio.h): what a user-space VMM
 * does for a KVM guest's virtio disk and NIC, small enough to read. The
 * guest sees what hyparm gives it (the same window, SPIs and features:
 * VERSION_1, EVENT_IDX, INDIRECT_DESC; blk SEG_MAX, BLK_SIZE, FLUSH; net
 * MAC, STATUS), so make bench's virtio group compares one guest driver
 * against three device paths.
 *
 * Requests are served synchronously in the vCPU thread that wrote
 * QueueNotify (no ioeventfd, no I/O thread): one KVM_EXIT_MMIO to user
 * space, the request, the interrupt by KVM_IRQ_LINE, back into the guest.
 * virtio-net's receive side has its own thread, blocked on the packet
 * socket, which fills receive buffers as frames come.
 */
#define _GNU_SOURCE
#include "vio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/sockios.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <hyparm/errno.h>
#include <hyparm/guest_layout.h>
#include <hyparm/virtio_net_regs.h>
#include <hyparm/virtqueue.h>

/* The transport's registers and bits: hyparm's own definitions. */
#include <vdev/virtio_mmio.h>

/* virtio-blk's facts (virtio 1.2, 5.2), as drivers/virtio_blk.h has them for hyparm. */
#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define BLK_T_GET_ID 8
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define BLK_S_UNSUPP 2
#define BLK_F_SEG_MAX 2
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define BLK_ID_BLOCK 2
#define BLK_SEG_MAX 126 /* what QEMU's virtio-blk offers hyparm's driver, and hyparm its guests */
#define BLK_SECTOR 512

#define VIO_SLOTS 2
#define VIO_QUEUES 2
#define VIO_QUEUE_MAX VIRTQ_MAX_SIZE
#define NET_FRAME_MAX 1518 /* hyparm's switch's limit (VSWITCH_FRAME_MAX) */
/* What hyparm's transport adds to every device's features (vdev/virtio_mmio.h). */
#define TRANSPORT_FEATURES \
	(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_EVENT_IDX | 1ULL << VIRTIO_F_INDIRECT_DESC)

struct vio {
	int used;
	unsigned slot;
	uint32_t device_id;
	uint64_t features; /* offered, transport bits included */
	uint64_t driver_features;
	uint32_t dev_sel, drv_sel, queue_sel, status, irq_status;
	unsigned nq;
	struct virtq q[VIO_QUEUES];
	uint32_t config_gen;
	uint8_t config[24];
	unsigned config_len;
	pthread_mutex_t lock;
	int level; /* what the SPI is driven to */
	/* blk */
	int fd;
	uint64_t sectors;
	/* net */
	int sock;
	int ifindex;
	pthread_cond_t rx_cond; /* signalled when the driver posts receive buffers */
	pthread_t rx_thread;
};

static struct vio slots[VIO_SLOTS];
static void (*set_irq)(unsigned intid, int level);
static struct vq_mem mem;
/* A bounce buffer for O_DIRECT when a guest buffer is not sector-aligned (one request at a time). */
static uint8_t bounce[BLK_SEG_MAX * 4096 + 65536] __attribute__((aligned(4096)));

void vio_init(void (*irq)(unsigned intid, int level), uint8_t *ram, uint64_t ram_ipa, uint64_t ram_size)
{
	set_irq = irq;
	mem.ipa = ram_ipa;
	mem.size = ram_size;
	mem.host = ram;
	mem.ready = NULL;
	mem.ctx = NULL;
}

static uint32_t slot_intid(const struct vio *d)
{
	return GUEST_VIRTIO_INTID + d->slot;
}

/* The level line follows InterruptStatus (caller holds d->lock). */
static void update_irq(struct vio *d)
{
	int level = d->irq_status != 0;
	if (level == d->level)
		return;
	set_irq(slot_intid(d), level);
	d->level = level;
}

static void queue_interrupt(struct vio *d, unsigned qi)
{
	if (virtq_should_interrupt(&d->q[qi], &mem)) {
		d->irq_status |= VIRTIO_INT_VRING;
		update_irq(d);
	}
}

static void reset(struct vio *d)
{
	d->driver_features = 0;
	d->dev_sel = d->drv_sel = d->queue_sel = d->status = d->irq_status = 0;
	for (unsigned i = 0; i < VIO_QUEUES; i++)
		virtq_reset(&d->q[i]);
	update_irq(d);
}

/* ---- virtio-blk ---- */

/* Data buffers of one request, with room for the header and status descriptors. */
#define BLK_BUFS (BLK_SEG_MAX + 2)

static int aligned(const struct iovec *iov, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & (BLK_SECTOR - 1))
			return 0;
	return 1;
}

/* One request: the status, and *written = bytes written into the guest's buffers (status excluded). */
static uint8_t blk_request(struct vio *d, struct virtq_chain *c, uint8_t **status, uint32_t *written)
{
	struct virtq_buf b[BLK_BUFS];
	struct iovec iov[BLK_BUFS];
	unsigned n = 0;
	int r;

	*status = NULL;
	*written = 0;
	while (n < BLK_BUFS && (r = virtq_next(&d->q[0], &mem, c, &b[n])) == 1)
		n++;
	struct virtq_buf last;
	if (n == BLK_BUFS && virtq_next(&d->q[0], &mem, c, &last) == 1) {
		/* More buffers than SEG_MAX allows: the status byte is further on; walk there (bounded). */
		while (virtq_next(&d->q[0], &mem, c, &last) == 1)
			;
		if (!c->error && last.write && last.len >= 1)
			*status = last.host + last.len - 1;
		return BLK_S_IOERR;
	}
	if (c->error || n < 2 || !b[n - 1].write || b[n - 1].len < 1 || b[0].write || b[0].len < 16)
		return BLK_S_IOERR;
	*status = b[n - 1].host + b[n - 1].len - 1;
	uint32_t type;
	uint64_t sector;
	memcpy(&type, b[0].host, 4); /* copies: the guest may change its header meanwhile */
	memcpy(&sector, b[0].host + 8, 8);
	uint64_t bytes = 0;
	unsigned nd = 0;
	for (unsigned i = 1; i < n; i++) {
		uint32_t len = b[i].len -
			(i == n - 1 ? 1 : 0); /* the status byte may share the last buffer */
		if (!len)
			continue;
		if ((type == BLK_T_IN) != b[i].write && type != BLK_T_GET_ID && type != BLK_T_FLUSH)
			return BLK_S_IOERR;
		iov[nd].iov_base = b[i].host;
		iov[nd].iov_len = len;
		bytes += len;
		nd++;
	}
	switch (type) {
	case BLK_T_GET_ID:
		if (nd < 1 || !b[1].write)
			return BLK_S_IOERR;
		memset(iov[0].iov_base, 0, iov[0].iov_len < 20 ? iov[0].iov_len : 20);
		memcpy(iov[0].iov_base, "kvm-runner", iov[0].iov_len < 10 ? iov[0].iov_len : 10);
		*written = iov[0].iov_len < 20 ? (uint32_t)iov[0].iov_len : 20;
		return BLK_S_OK;
	case BLK_T_FLUSH:
		return fdatasync(d->fd) ? BLK_S_IOERR : BLK_S_OK;
	case BLK_T_IN:
	case BLK_T_OUT:
		break;
	default:
		return BLK_S_UNSUPP;
	}
	if (bytes % BLK_SECTOR || sector > d->sectors || bytes / BLK_SECTOR > d->sectors - sector)
		return BLK_S_IOERR;
	off_t off = (off_t)(sector * BLK_SECTOR);
	ssize_t done;
	if (aligned(iov, nd)) {
		done = type == BLK_T_IN ? preadv(d->fd, iov, (int)nd, off)
					: pwritev(d->fd, iov, (int)nd, off);
	} else if (bytes <= sizeof(bounce)) {
		/* O_DIRECT needs sector-aligned memory: through the bounce buffer. */
		uint64_t at = 0;
		if (type == BLK_T_OUT)
			for (unsigned i = 0; i < nd; at += iov[i].iov_len, i++)
				memcpy(bounce + at, iov[i].iov_base, iov[i].iov_len);
		done = type == BLK_T_IN ? pread(d->fd, bounce, bytes, off)
					: pwrite(d->fd, bounce, bytes, off);
		at = 0;
		if (type == BLK_T_IN && done == (ssize_t)bytes)
			for (unsigned i = 0; i < nd; at += iov[i].iov_len, i++)
				memcpy(iov[i].iov_base, bounce + at, iov[i].iov_len);
	} else {
		return BLK_S_IOERR;
	}
	if (done != (ssize_t)bytes)
		return BLK_S_IOERR;
	*written = type == BLK_T_IN ? (uint32_t)bytes : 0;
	return BLK_S_OK;
}

static int blk_drain(struct vio *d)
{
	struct virtq_chain c;
	int r, any = 0;

	while ((r = virtq_pop(&d->q[0], &mem, &c)) == 1) {
		uint8_t *status;
		uint32_t written;
		uint8_t st = blk_request(d, &c, &status, &written);
		if (status)
			*status = st;
		virtq_push(&d->q[0], &mem, &c, status ? written + 1 : 0);
		any = 1;
	}
	if (r < 0) {
		d->status |= VIRTIO_STATUS_NEEDS_RESET;
		d->irq_status |= VIRTIO_INT_CONFIG;
		update_irq(d);
	}
	return any;
}

static void blk_notify(struct vio *d, unsigned qi)
{
	if (qi != 0)
		return;
	int any = blk_drain(d);
	if (d->q[0].event_idx) {
		virtq_publish_avail_event(&d->q[0], &mem);
		any |= blk_drain(d);
	}
	if (any)
		queue_interrupt(d, 0);
}

int vio_add_blk(const char *path)
{
	struct vio *d = &slots[0];
	int fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	off_t size;

	/* A file system without O_DIRECT (tmpfs before Linux 6.6): through the page cache, said so. */
	if (fd < 0 && errno == EINVAL) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			fprintf(stderr, "kvm-runner: disk '%s': no O_DIRECT here, through the page cache\n",
				path);
	}
	if (fd < 0) {
		fprintf(stderr, "kvm-runner: disk '%s': %s\n", path, strerror(errno));
		return -1;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < BLK_SECTOR) {
		fprintf(stderr, "kvm-runner: disk '%s': empty or unseekable\n", path);
		close(fd);
		return -1;
	}
	d->used = 1;
	d->slot = 0;
	d->device_id = BLK_ID_BLOCK;
	d->features = 1ULL << BLK_F_SEG_MAX | 1ULL << BLK_F_BLK_SIZE | 1ULL << BLK_F_FLUSH;
	d->features |= TRANSPORT_FEATURES;
	d->nq = 1;
	d->fd = fd;
	d->sectors = (uint64_t)size / BLK_SECTOR;
	uint32_t seg = BLK_SEG_MAX, bs = BLK_SECTOR;
	memcpy(d->config + 0, &d->sectors, 8);
	memcpy(d->config + 12, &seg, 4);
	memcpy(d->config + 20, &bs, 4);
	d->config_len = 24;
	pthread_mutex_init(&d->lock, NULL);
	fprintf(stderr, "kvm-runner: virtio-blk on %s, %llu sectors\n", path, (unsigned long long)d->sectors);
	return 0;
}

/* ---- virtio-net ---- */

static int net_tx_drain(struct vio *d)
{
	struct virtq_chain c;
	struct virtq_buf b;
	uint8_t frame[VIRTIO_NET_HDR_BYTES + NET_FRAME_MAX];
	int r, any = 0;

	while ((r = virtq_pop(&d->q[1], &mem, &c)) == 1) {
		size_t len = 0;
		int ok = 1;
		while (virtq_next(&d->q[1], &mem, &c, &b) == 1) {
			if (b.write || len + b.len > sizeof(frame)) {
				ok = 0;
				break;
			}
			memcpy(frame + len, b.host, b.len);
			len += b.len;
		}
		virtq_push(&d->q[1], &mem, &c, 0);
		any = 1;
		/* Frames the switch would refuse (too short, too long) are dropped as hyparm's are. */
		if (ok && !c.error && len >= VIRTIO_NET_HDR_BYTES + 14 &&
		    send(d->sock, frame + VIRTIO_NET_HDR_BYTES, len - VIRTIO_NET_HDR_BYTES, 0) < 0 &&
		    errno != ENOBUFS)
			fprintf(stderr, "kvm-runner: virtio-net send: %s\n", strerror(errno));
	}
	return any;
}

static void net_tx(struct vio *d)
{
	int any = net_tx_drain(d);
	if (d->q[1].event_idx) {
		virtq_publish_avail_event(&d->q[1], &mem);
		any |= net_tx_drain(d);
	}
	if (any)
		queue_interrupt(d, 1);
}

/* One received frame into the next receive buffer; 1 done, 0 no buffer (caller waits), -1 broken. */
static int net_rx_one(struct vio *d, const uint8_t *frame, size_t len)
{
	struct virtq_chain c;
	struct virtq_buf b;
	uint8_t hdr[VIRTIO_NET_HDR_BYTES] = { 0 };
	int r = virtq_pop(&d->q[0], &mem, &c);

	if (r <= 0)
		return r;
	hdr[VIRTIO_NET_HDR_NUM_BUFFERS] = 1;
	size_t at = 0, total = sizeof(hdr) + len;
	while (at < total && virtq_next(&d->q[0], &mem, &c, &b) == 1) {
		if (!b.write)
			break;
		for (uint32_t i = 0; i < b.len && at < total; i++, at++)
			b.host[i] = at < sizeof(hdr) ? hdr[at] : frame[at - sizeof(hdr)];
	}
	/* A frame that does not fit the buffer is dropped (completed empty), as hyparm's device does. */
	virtq_push(&d->q[0], &mem, &c, at == total && !c.error ? (uint32_t)total : 0);
	return 1;
}

static void *net_rx_thread(void *arg)
{
	struct vio *d = arg;
	static uint8_t frame[65536];

	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(d->sock, frame, sizeof(frame), 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "kvm-runner: virtio-net receive: %s\n", strerror(errno));
			return NULL;
		}
		/* Our own transmissions come back on a packet socket as OUTGOING: not for the guest. */
		if (from.sll_pkttype == PACKET_OUTGOING || n < 14 || n > NET_FRAME_MAX)
			continue;
		/* Only frames for the guest's MAC, broadcast or multicast. */
		if (!(frame[0] & 1) && memcmp(frame, d->config, 6))
			continue;
		pthread_mutex_lock(&d->lock);
		for (;;) {
			if (!(d->status & VIRTIO_STATUS_DRIVER_OK) || !d->q[0].ready)
				break; /* no driver yet (or a reset): the frame is dropped */
			if (net_rx_one(d, frame, (size_t)n))
				break;
			if (d->q[0].event_idx) {
				virtq_publish_avail_event(&d->q[0], &mem);
				if (net_rx_one(d, frame, (size_t)n))
					break;
			}
			pthread_cond_wait(&d->rx_cond, &d->lock); /* until the driver posts buffers */
		}
		if (d->q[0].ready)
			queue_interrupt(d, 0);
		pthread_mutex_unlock(&d->lock);
	}
}

static void net_notify(struct vio *d, unsigned qi)
{
	if (qi == 1)
		net_tx(d);
	else
		pthread_cond_broadcast(&d->rx_cond);
}

int vio_add_net(const char *ifname, const uint8_t mac[6])
{
	struct vio *d = &slots[1];
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	unsigned idx = if_nametoindex(ifname);

	if (s < 0 || !idx) {
		fprintf(stderr, "kvm-runner: network on '%s': %s\n", ifname,
			s < 0 ? strerror(errno) : "no such interface");
		return -1;
	}
	struct sockaddr_ll a = { .sll_family = AF_PACKET,
				 .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = (int)idx };
	struct packet_mreq pm = { .mr_ifindex = (int)idx, .mr_type = PACKET_MR_PROMISC };
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &pm, sizeof(pm)) < 0) {
		fprintf(stderr, "kvm-runner: network on '%s': %s\n", ifname, strerror(errno));
		close(s);
		return -1;
	}
	/*
	 * The host's GRO would merge the guest's incoming TCP segments before the packet socket
	 * sees them (taps run after GRO): frames larger than the guest's MTU. Off, as a bridge
	 * port's would be for a tap.
	 */
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = 0 };
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(s, SIOCETHTOOL, &ifr) < 0)
		fprintf(stderr, "kvm-runner: %s: GRO stays on (%s): large frames are dropped\n", ifname,
			strerror(errno));
	d->used = 1;
	d->slot = 1;
	d->device_id = VIRTIO_ID_NET;
	d->features = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS;
	d->features |= TRANSPORT_FEATURES;
	d->nq = 2;
	d->sock = s;
	d->ifindex = (int)idx;
	uint16_t st = VIRTIO_NET_S_LINK_UP, pairs = 1;
	memcpy(d->config, mac, 6);
	memcpy(d->config + 6, &st, 2);
	memcpy(d->config + 8, &pairs, 2);
	d->config_len = VIRTIO_NET_CONFIG_BYTES;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->rx_cond, NULL);
	if (pthread_create(&d->rx_thread, NULL, net_rx_thread, d)) {
		fprintf(stderr, "kvm-runner: network: no receive thread\n");
		return -1;
	}
	fprintf(stderr, "kvm-runner: virtio-net on %s, mac %02x:%02x:%02x:%02x:%02x:%02x\n", ifname, mac[0],
		mac[1], mac[2], mac[3], mac[4], mac[5]);
	return 0;
}

/* ---- the transport ---- */

int vio_owns(uint64_t addr, uint32_t len)
{
	if (addr < GUEST_VIRTIO_IPA || addr + len > GUEST_VIRTIO_IPA + VIO_SLOTS * GUEST_VIRTIO_SLOT)
		return 0;
	return slots[(addr - GUEST_VIRTIO_IPA) / GUEST_VIRTIO_SLOT].used;
}

static uint32_t reg_read(struct vio *d, uint32_t off)
{
	struct virtq *q = &d->q[d->queue_sel < VIO_QUEUES ? d->queue_sel : 0];
	int have_q = d->queue_sel < d->nq;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return d->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->dev_sel < 2 ? (uint32_t)(d->features >> (32 * d->dev_sel)) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return have_q ? VIO_QUEUE_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return have_q && q->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->irq_status;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return d->config_gen;
	default:
		return 0;
	}
}

static void reg_write(struct vio *d, uint32_t off, uint32_t val, int *notify)
{
	struct virtq *q = &d->q[d->queue_sel < VIO_QUEUES ? d->queue_sel : 0];
	int have_q = d->queue_sel < d->nq;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dev_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->drv_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->drv_sel < 2 && !(d->status & VIRTIO_STATUS_FEATURES_OK)) {
			uint64_t mask = 0xffffffffULL << (32 * d->drv_sel);
			d->driver_features = (d->driver_features & ~mask) |
				((uint64_t)val << (32 * d->drv_sel));
		}
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (have_q && !q->ready)
			q->num = (uint16_t)(val <= VIO_QUEUE_MAX ? val : 0);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: {
		if (!have_q || q->ready)
			break;
		uint64_t *p = off < VIRTIO_MMIO_QUEUE_DRIVER_LOW ? &q->desc
			: off < VIRTIO_MMIO_QUEUE_DEVICE_LOW	 ? &q->avail
								 : &q->used;
		int high = (off & 4) != 0;
		*p = high ? (*p & 0xffffffffULL) | (uint64_t)val << 32 : (*p & ~0xffffffffULL) | val;
		break;
	}
	case VIRTIO_MMIO_QUEUE_READY:
		if (!have_q)
			break;
		if (val && !q->ready) {
			q->event_idx = (d->driver_features >> VIRTIO_F_EVENT_IDX) & 1;
			q->indirect = (d->driver_features >> VIRTIO_F_INDIRECT_DESC) & 1;
			if (virtq_enable(q, &mem)) {
				d->status |= VIRTIO_STATUS_NEEDS_RESET;
				d->irq_status |= VIRTIO_INT_CONFIG;
				update_irq(d);
			}
		} else if (!val) {
			virtq_reset(q);
		}
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (val < d->nq && d->q[val].ready && (d->status & VIRTIO_STATUS_DRIVER_OK))
			*notify = (int)val;
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->irq_status &= ~val;
		update_irq(d);
		break;
	case VIRTIO_MMIO_STATUS:
		if (val == 0) {
			reset(d);
			break;
		}
		/* FEATURES_OK only for a subset of what is offered, with VERSION_1 (a modern driver). */
		if ((val & VIRTIO_STATUS_FEATURES_OK) && !(d->status & VIRTIO_STATUS_FEATURES_OK) &&
		    ((d->driver_features & ~d->features) ||
		     !((d->driver_features >> VIRTIO_F_VERSION_1) & 1)))
			val &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
		d->status = val | (d->status & VIRTIO_STATUS_NEEDS_RESET);
		break;
	default:
		break;
	}
}

void vio_mmio(uint64_t addr, uint32_t len, int is_write, uint8_t *data)
{
	struct vio *d = &slots[(addr - GUEST_VIRTIO_IPA) / GUEST_VIRTIO_SLOT];
	uint32_t off = (uint32_t)((addr - GUEST_VIRTIO_IPA) % GUEST_VIRTIO_SLOT);
	int notify = -1;

	pthread_mutex_lock(&d->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		/* The device configuration: any width inside it; writes are ignored (nothing is writable). */
		uint32_t c = off - VIRTIO_MMIO_CONFIG;
		if (!is_write) {
			memset(data, 0, len);
			if (c < d->config_len)
				memcpy(data, d->config + c,
				       c + len <= d->config_len ? len : d->config_len - c);
		}
	} else if (len != 4 || (off & 3)) {
		if (!is_write)
			memset(data, 0, len); /* the registers are 32-bit: anything else reads as 0 */
	} else if (is_write) {
		uint32_t v;
		memcpy(&v, data, 4);
		reg_write(d, off, v, &notify);
	} else {
		uint32_t v = reg_read(d, off);
		memcpy(data, &v, 4);
	}
	if (notify >= 0) {
		if (d->device_id == BLK_ID_BLOCK)
			blk_notify(d, (unsigned)notify);
		else
			net_notify(d, (unsigned)notify);
	}
	pthread_mutex_unlock(&d->lock);
}

/* As hyparm's virtio_slots.c (and QEMU's virt) writes them: level SPIs, DMA-coherent. */
int vio_fdt(void *fdt, void *ctx)
{
	(void)ctx;
	for (unsigned n = 0; n < VIO_SLOTS; n++) {
		if (!slots[n].used)
			continue;
		uint64_t base = GUEST_VIRTIO_IPA + n * GUEST_VIRTIO_SLOT;
		fdt32_t reg[4] = { cpu_to_fdt32(base >> 32), cpu_to_fdt32((uint32_t)base), 0,
				   cpu_to_fdt32(GUEST_VIRTIO_SLOT) };
		fdt32_t irq[3] = { cpu_to_fdt32(0), cpu_to_fdt32(GUEST_VIRTIO_INTID - 32 + n),
				   cpu_to_fdt32(4) };
		char name[32];
		int rc;

		snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)base);
		if ((rc = fdt_begin_node(fdt, name)) || (rc = fdt_property(fdt, "dma-coherent", NULL, 0)) ||
		    (rc = fdt_property(fdt, "interrupts", irq, sizeof(irq))) ||
		    (rc = fdt_property(fdt, "reg", reg, sizeof(reg))) ||
		    (rc = fdt_property_string(fdt, "compatible", "virtio,mmio")) || (rc = fdt_end_node(fdt)))
			return rc;
	}
	return 0;
}
