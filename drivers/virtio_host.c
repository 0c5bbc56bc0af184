/*
 * The driver side of virtio-mmio: see drivers/virtio_host.h. The register
 * map is the transport's one (vdev/virtio_mmio.h), shared with hyparm's
 * device side.
 */
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <drivers/platform.h>
#include <drivers/virtio_host.h>
#include <hyparm/errno.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <string.h>
#include <vdev/virtio_mmio.h>

static struct {
	paddr_t base;
	unsigned intid;
	bool driven; /* one of hyparm's drivers found it */
	bool passed; /* given whole to a VM (virtio_host_pass) */
} transports[PLAT_MAX_VIRTIO];
static unsigned nr_transports;

static u32 rd(const struct virtio_host *h, u32 off)
{
	return *(volatile u32 *)(uintptr_t)(h->base + off);
}

static void wr(const struct virtio_host *h, u32 off, u32 v)
{
	*(volatile u32 *)(uintptr_t)(h->base + off) = v;
}

void virtio_host_platform(const struct platform *p)
{
	nr_transports = 0;
	for (unsigned i = 0; i < p->nr_virtio && i < PLAT_MAX_VIRTIO; i++) {
		transports[nr_transports].base = p->virtio[i].base;
		transports[nr_transports].intid = p->virtio[i].intid;
		/* Mapped at boot, with the rest of hyparm's device pages: a slot is 0x200 bytes of a page. */
		if (mmu_map(p->virtio[i].base & ~(paddr_t)(PAGE_SIZE - 1), PAGE_SIZE, EL2_DEVICE))
			continue;
		nr_transports++;
	}
}

int virtio_host_find(u32 device_id, unsigned nth, struct virtio_host *h)
{
	if (!device_id)
		return -HV_ENOENT;
	/*
	 * QEMU fills the transports from the highest address down (its first
	 * -device gets 0x0a003e00, the tree's last node): walk them in that
	 * order, so that "the first disk" is the first -device on QEMU's
	 * command line.
	 */
	for (unsigned k = nr_transports; k-- > 0;) {
		struct virtio_host t = { .base = transports[k].base, .intid = transports[k].intid };

		if (transports[k].passed)
			continue; /* a VM's, not hyparm's */
		if (rd(&t, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
			continue;
		t.device_id = rd(&t, VIRTIO_MMIO_DEVICE_ID);
		if (t.device_id != device_id)
			continue;
		if (nth--)
			continue;
		if (rd(&t, VIRTIO_MMIO_VERSION) != 2)
			return -HV_ENOTSUP;
		transports[k].driven = true;
		*h = t;
		return HV_OK;
	}
	return -HV_ENOENT;
}

int virtio_host_pass(paddr_t base, struct virtio_host *h, paddr_t *conflict)
{
	int k = -1;

	for (unsigned i = 0; i < nr_transports; i++)
		if (transports[i].base == base)
			k = (int)i;
	if (k < 0)
		return -HV_ENOENT;
	struct virtio_host t = { .base = base, .intid = transports[k].intid };
	if (transports[k].driven || transports[k].passed)
		return -HV_EBUSY;
	if (rd(&t, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
	    !(t.device_id = rd(&t, VIRTIO_MMIO_DEVICE_ID)))
		return -HV_ENODEV;
	if (rd(&t, VIRTIO_MMIO_VERSION) != 2)
		return -HV_ENOTSUP;
	/*
	 * Stage 2 maps whole pages: the VM gets every transport of this one.
	 * Each other must be empty (QEMU's empty transports ignore writes):
	 * never one of hyparm's drivers' or another VM's device.
	 */
	for (unsigned i = 0; i < nr_transports; i++) {
		struct virtio_host o = { .base = transports[i].base };
		if ((int)i == k || (o.base ^ base) >= PAGE_SIZE)
			continue;
		if (transports[i].driven || transports[i].passed ||
		    (rd(&o, VIRTIO_MMIO_MAGIC_VALUE) == VIRTIO_MMIO_MAGIC && rd(&o, VIRTIO_MMIO_DEVICE_ID))) {
			*conflict = o.base;
			return -HV_EEXIST;
		}
	}
	/* Only page-aligned pairs share a page: any other transport in it is below base's page end. */
	transports[k].passed = true;
	*h = t;
	return HV_OK;
}

void virtio_host_reset(const struct virtio_host *h)
{
	wr(h, VIRTIO_MMIO_STATUS, 0);
	while (rd(h, VIRTIO_MMIO_STATUS))
		; /* virtio-mmio resets synchronously: once 0 reads back, no DMA of the old driver is in flight */
}

int virtio_host_negotiate(struct virtio_host *h, u64 wanted)
{
	u64 dev;

	wr(h, VIRTIO_MMIO_STATUS, 0);
	while (rd(h, VIRTIO_MMIO_STATUS))
		; /* virtio-mmio resets synchronously; the read also orders the reset before what follows */
	wr(h, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(h, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(h, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	dev = rd(h, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(h, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	dev |= (u64)rd(h, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	if (!(dev & 1ULL << VIRTIO_F_VERSION_1))
		return -HV_ENOTSUP;
	h->features = dev & (wanted | 1ULL << VIRTIO_F_VERSION_1);
	wr(h, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(h, VIRTIO_MMIO_DRIVER_FEATURES, (u32)h->features);
	wr(h, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(h, VIRTIO_MMIO_DRIVER_FEATURES, (u32)(h->features >> 32));
	wr(h, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(h, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		wr(h, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
		return -HV_ENOTSUP;
	}
	return HV_OK;
}

static void wr64(struct virtio_host *h, u32 lo, u64 v)
{
	wr(h, lo, (u32)v);
	wr(h, lo + 4, (u32)(v >> 32));
}

int virtio_host_queue_init(struct virtio_host *h, unsigned qi, struct vhost_queue *q, u16 num)
{
	bool indirect = h->features & 1ULL << VIRTIO_F_INDIRECT_DESC;
	u32 max;
	u64 bytes, pages;
	u8 *mem;

	memset(q, 0, sizeof(*q));
	wr(h, VIRTIO_MMIO_QUEUE_SEL, qi);
	if (rd(h, VIRTIO_MMIO_QUEUE_READY))
		return -HV_EBUSY;
	max = rd(h, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (!max)
		return -HV_ENOENT;
	if (num > max)
		num = (u16)max;
	while (num & (num - 1)) /* a power of 2 (split queues need not be, but ours are) */
		num &= num - 1;
	if (!num)
		return -HV_EINVAL;
	/* desc (16-aligned), avail (2), used (4): laid out one after the other, each on 16 bytes. */
	u64 desc_b = VIRTQ_DESC_BYTES(num), avail_b = (VIRTQ_AVAIL_BYTES(num) + 15) & ~15ULL;
	u64 used_b = (VIRTQ_USED_BYTES(num) + 15) & ~15ULL;
	u64 ind_b = indirect ? (u64)num * VHOST_MAX_SG * sizeof(struct virtq_desc) : 0;
	u64 meta_b = (u64)num * (sizeof(void *) + sizeof(u16));
	bytes = desc_b + avail_b + used_b + ind_b + meta_b;
	pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	mem = page_alloc(pages); /* zeroed */
	if (!mem)
		return -HV_ENOMEM;
	q->h = h;
	q->index = qi;
	q->num = num;
	q->desc = (struct virtq_desc *)mem;
	q->avail = (volatile u16 *)(mem + desc_b);
	q->used = (volatile u16 *)(mem + desc_b + avail_b);
	q->indirect = indirect ? (struct virtq_desc *)(mem + desc_b + avail_b + used_b) : NULL;
	q->cookie = (void **)(mem + desc_b + avail_b + used_b + ind_b);
	q->chain_len = (u16 *)(q->cookie + num);
	for (u16 i = 0; i < num; i++)
		q->desc[i].next = (u16)(i + 1);
	q->free_head = 0;
	q->num_free = num;
	wr(h, VIRTIO_MMIO_QUEUE_NUM, num);
	wr64(h, VIRTIO_MMIO_QUEUE_DESC_LOW, (u64)(uintptr_t)q->desc);
	wr64(h, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (u64)(uintptr_t)q->avail);
	wr64(h, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (u64)(uintptr_t)q->used);
	dsb(sy); /* the zeroed rings are in memory before the device may look at them */
	wr(h, VIRTIO_MMIO_QUEUE_READY, 1);
	return HV_OK;
}

void virtio_host_driver_ok(struct virtio_host *h)
{
	wr(h, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		   VIRTIO_STATUS_DRIVER_OK);
}

bool virtio_host_broken(const struct virtio_host *h)
{
	return rd(h, VIRTIO_MMIO_STATUS) & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED);
}

bool virtio_host_room(const struct vhost_queue *q, unsigned n)
{
	if (!n || n > VHOST_MAX_SG)
		return false;
	return q->num_free >= (q->indirect && n > 1 ? 1 : n);
}

static void fill(struct virtq_desc *d, const struct vhost_sg *s, bool last, u16 next)
{
	d->addr = s->pa;
	d->len = s->len;
	d->flags = (u16)((s->write ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT));
	d->next = last ? 0 : next;
}

int virtio_host_add(struct vhost_queue *q, const struct vhost_sg *sg, unsigned n, void *cookie)
{
	u16 head = q->free_head, idx;

	if (!cookie || !n || n > VHOST_MAX_SG)
		return -HV_EINVAL;
	for (unsigned i = 1; i < n; i++)
		if (sg[i - 1].write && !sg[i].write)
			return -HV_EINVAL; /* readable after writable: the spec forbids it */
	if (!virtio_host_room(q, n))
		return -HV_EBUSY;
	if (q->indirect && n > 1) {
		struct virtq_desc *t = q->indirect + (u64)head * VHOST_MAX_SG;

		for (unsigned i = 0; i < n; i++)
			fill(&t[i], &sg[i], i + 1 == n, (u16)(i + 1));
		q->free_head = q->desc[head].next;
		q->desc[head].addr = (u64)(uintptr_t)t;
		q->desc[head].len = n * sizeof(struct virtq_desc);
		q->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
		q->chain_len[head] = 1;
		q->num_free--;
	} else {
		idx = head;
		for (unsigned i = 0; i < n; i++) {
			u16 next = q->desc[idx].next;

			fill(&q->desc[idx], &sg[i], i + 1 == n, next);
			if (i + 1 == n)
				q->free_head = next;
			idx = next;
		}
		q->chain_len[head] = (u16)n;
		q->num_free = (u16)(q->num_free - n);
	}
	q->cookie[head] = cookie;
	q->avail[2 + (q->avail_idx & (q->num - 1))] = head;
	dmb(ishst); /* the descriptors and the ring entry before the index that publishes them */
	q->avail_idx++;
	q->avail[1] = q->avail_idx;
	return HV_OK;
}

void virtio_host_kick(struct vhost_queue *q)
{
	dsb(sy); /* the avail index is in memory before the device hears of it */
	if (!(q->used[0] & VIRTQ_USED_F_NO_NOTIFY))
		wr(q->h, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

void *virtio_host_reap(struct vhost_queue *q, u32 *len)
{
	while (q->used[1] != q->last_used) {
		dmb(ishld); /* the entry after the index that published it */
		volatile u32 *e = (volatile u32 *)(q->used + 2) + 2 * (q->last_used & (q->num - 1));
		u32 id = e[0], l = e[1];
		void *cookie;

		q->last_used++;
		if (id >= q->num || !q->cookie[id])
			continue; /* the device named a head it does not hold: ignore it */
		cookie = q->cookie[id];
		q->cookie[id] = NULL;
		/* Give the chain's descriptors back: walk it to its last one, then link the free list behind. */
		u16 last = (u16)id;
		for (u16 i = 1; i < q->chain_len[id]; i++)
			last = q->desc[last].next;
		q->desc[last].next = q->free_head;
		q->free_head = (u16)id;
		q->num_free = (u16)(q->num_free + q->chain_len[id]);
		*len = l;
		return cookie;
	}
	return NULL;
}

u32 virtio_host_irq_ack(struct virtio_host *h)
{
	u32 isr = rd(h, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (isr)
		wr(h, VIRTIO_MMIO_INTERRUPT_ACK, isr);
	return isr;
}

u64 virtio_host_config(struct virtio_host *h, u32 off, unsigned size)
{
	volatile u8 *c = (volatile u8 *)(uintptr_t)(h->base + VIRTIO_MMIO_CONFIG + off);
	u32 gen;
	u64 v;

	switch (size) {
	case 1:
		return *c;
	case 2:
		return *(volatile u16 *)c;
	case 4:
		return *(volatile u32 *)c;
	default:
		do {
			gen = rd(h, VIRTIO_MMIO_CONFIG_GENERATION);
			v = *(volatile u32 *)c | (u64) * (volatile u32 *)(c + 4) << 32;
		} while (gen != rd(h, VIRTIO_MMIO_CONFIG_GENERATION));
		return v;
	}
}
