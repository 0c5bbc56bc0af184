/*
 * hyparm's driver of the machine's virtio-blk devices: see
 * drivers/virtio_blk.h.
 */
#include <arch/spinlock.h>
#include <drivers/gic.h>
#include <drivers/virtio_blk.h>
#include <hyparm/errno.h>
#include <hyparm/irq.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <vdev/virtio_mmio.h>

#define HOSTBLK_MAX 4
#define HOSTBLK_QUEUE 128

struct hostblk {
	bool open;
	struct virtio_host h;
	struct vhost_queue q;
	struct hostblk_info info;
	spinlock_t lock; /* the queue and the wait lists */
	/* Requests waiting for room, per VM (FIFO), and the VM whose turn is next. */
	struct hostblk_req *wait_head[VM_MAX], *wait_tail[VM_MAX];
	unsigned turn;
	bool unkicked; /* requests went into the ring since the device was last notified (atomic) */
	u64 completed, waited;
};

static struct hostblk disks[HOSTBLK_MAX];

/* Buffers a request takes in the ring (1 with an indirect table). */
static bool fits(struct hostblk *b, const struct hostblk_req *r)
{
	return virtio_host_room(&b->q, r->n);
}

/*
 * Hand the freed room to the waiting requests, one VM at a time in turn
 * (under b->lock). A request that cannot go in because it is malformed
 * never reaches here: the guest device checked it.
 */
static bool refill(struct hostblk *b)
{
	bool added = false;

	for (;;) {
		unsigned i, vm;
		struct hostblk_req *r = NULL;

		for (i = 0; i < VM_MAX; i++) {
			vm = (b->turn + i) % VM_MAX;
			if (b->wait_head[vm])
				break;
		}
		if (i == VM_MAX)
			return added;
		r = b->wait_head[vm];
		if (!fits(b, r))
			return added;
		b->wait_head[vm] = r->next;
		if (!r->next)
			b->wait_tail[vm] = NULL;
		virtio_host_add(&b->q, r->sg, r->n, r);
		b->turn = (vm + 1) % VM_MAX;
		added = true;
	}
}

static void complete_all(struct hostblk *b)
{
	for (;;) {
		struct hostblk_req *done_list = NULL, *r;
		u32 len;

		spin_lock(&b->lock);
		while ((r = virtio_host_reap(&b->q, &len)) != NULL) {
			r->sg[0].len = len; /* the written length travels in the (consumed) header slot */
			r->next = done_list;
			done_list = r;
			b->completed++;
		}
		if (refill(b))
			__atomic_store_n(&b->unkicked, true, __ATOMIC_RELEASE);
		spin_unlock(&b->lock);
		hostblk_kick(b);
		if (!done_list)
			return;
		/* Outside the lock: done() takes the guest device's lock, which submit runs under. */
		while ((r = done_list) != NULL) {
			done_list = r->next;
			r->done(r, r->sg[0].len);
		}
	}
}

static enum irq_result hostblk_irq(u32 intid, void *ctx)
{
	struct hostblk *b = ctx;

	(void)intid;
	virtio_host_irq_ack(&b->h);
	complete_all(b);
	return IRQ_DONE;
}

void hostblk_submit(struct hostblk *b, struct hostblk_req *r)
{
	unsigned vm = r->owner % VM_MAX;

	r->next = NULL;
	spin_lock(&b->lock);
	if (!b->wait_head[vm] && fits(b, r) && virtio_host_add(&b->q, r->sg, r->n, r) == HV_OK) {
		/* Published with the ring's index: a kicker that sees it also finds the request there. */
		__atomic_store_n(&b->unkicked, true, __ATOMIC_RELEASE);
	} else {
		if (b->wait_tail[vm])
			b->wait_tail[vm]->next = r;
		else
			b->wait_head[vm] = r;
		b->wait_tail[vm] = r;
		b->waited++;
	}
	spin_unlock(&b->lock);
}

void hostblk_kick(struct hostblk *b)
{
	/* Whoever takes the flag notifies: one write for any number of requests, none lost. */
	if (__atomic_exchange_n(&b->unkicked, false, __ATOMIC_ACQ_REL))
		virtio_host_kick(&b->q);
}

struct sync_req {
	struct hostblk_req hr;
	struct virtio_blk_outhdr hdr;
	volatile u8 status;
	volatile bool done;
};

static void sync_done(struct hostblk_req *r, u32 len)
{
	(void)len;
	((struct sync_req *)r)->done = true;
}

int hostblk_read_sync(struct hostblk *b, u64 sector, void *buf, u32 bytes)
{
	static struct sync_req s; /* boot only, one at a time */

	s = (struct sync_req){ .hdr = { .type = VIRTIO_BLK_T_IN, .sector = sector }, .status = 0xff };
	s.hr.done = sync_done;
	s.hr.n = 3;
	s.hr.sg[0] = (struct vhost_sg){ (paddr_t)(uintptr_t)&s.hdr, sizeof(s.hdr), false };
	s.hr.sg[1] = (struct vhost_sg){ (paddr_t)(uintptr_t)buf, bytes, true };
	s.hr.sg[2] = (struct vhost_sg){ (paddr_t)(uintptr_t)&s.status, 1, true };
	hostblk_submit(b, &s.hr);
	hostblk_kick(b);
	/* QEMU completes a read within milliseconds; the bound only keeps a dead device from hanging boot. */
	for (u64 spins = 0; !s.done && spins < (1ULL << 32); spins++)
		complete_all(b);
	return s.done && s.status == VIRTIO_BLK_S_OK ? HV_OK : -HV_EIO;
}

int hostblk_open(unsigned nth, struct hostblk **out, struct hostblk_info *info)
{
	struct hostblk *b;
	int rc;

	if (nth >= HOSTBLK_MAX)
		return -HV_ENOENT;
	b = &disks[nth];
	if (!b->open) {
		rc = virtio_host_find(VIRTIO_ID_BLOCK, nth, &b->h);
		if (rc)
			return rc;
		if (!b->h.intid)
			return -HV_ENOTSUP; /* completions come only with the interrupt */
		rc = virtio_host_negotiate(&b->h,
					   1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_RO |
						   1ULL << VIRTIO_BLK_F_SEG_MAX |
						   1ULL << VIRTIO_F_INDIRECT_DESC);
		if (rc)
			return rc;
		rc = virtio_host_queue_init(&b->h, 0, &b->q, HOSTBLK_QUEUE);
		if (rc)
			return rc;
		b->info.capacity = virtio_host_config(&b->h, 0, 8);
		b->info.read_only = b->h.features & 1ULL << VIRTIO_BLK_F_RO;
		b->info.flush = b->h.features & 1ULL << VIRTIO_BLK_F_FLUSH;
		b->info.seg_max = b->h.features & 1ULL << VIRTIO_BLK_F_SEG_MAX
			? (u32)virtio_host_config(&b->h, 12, 4)
			: 1;
		/* Our own chains: header + data + status in one indirect table, else in the ring itself. */
		u32 room = (b->h.features & 1ULL << VIRTIO_F_INDIRECT_DESC ? VHOST_MAX_SG : b->q.num) - 2;
		if (b->info.seg_max > room || !b->info.seg_max)
			b->info.seg_max = room;
		b->lock = (spinlock_t)SPINLOCK_INIT;
		rc = irq_register(b->h.intid, hostblk_irq, b);
		if (rc)
			return rc;
		virtio_host_driver_ok(&b->h);
		gic_spi_enable(b->h.intid, pcpus[0].mpidr);
		b->open = true;
		hv_printf("hyparm: virtio-blk %u at 0x%llx (INTID %u): %llu sectors%s%s, seg_max %u\n", nth,
			  (unsigned long long)b->h.base, b->h.intid, (unsigned long long)b->info.capacity,
			  b->info.read_only ? ", read-only" : "", b->info.flush ? ", flush" : "",
			  b->info.seg_max);
	}
	*out = b;
	*info = b->info;
	return HV_OK;
}
