/* The split-virtqueue walker (see hyparm/virtqueue.h for what it trusts and what it refuses). */
#include <hyparm/errno.h>
#include <hyparm/virtqueue.h>

/*
 * Guest memory is shared with running vCPUs: every load and store of a
 * ring field is a single access the compiler may neither split, repeat
 * nor merge (relaxed atomics), and ordering comes from explicit fences.
 */
static inline u16 ld16(const void *p)
{
	return __atomic_load_n((const u16 *)p, __ATOMIC_RELAXED);
}

static inline u32 ld32(const void *p)
{
	return __atomic_load_n((const u32 *)p, __ATOMIC_RELAXED);
}

static inline u64 ld64(const void *p)
{
	return __atomic_load_n((const u64 *)p, __ATOMIC_RELAXED);
}

static inline void st16(void *p, u16 v)
{
	__atomic_store_n((u16 *)p, v, __ATOMIC_RELAXED);
}

static inline void st32(void *p, u32 v)
{
	__atomic_store_n((u32 *)p, v, __ATOMIC_RELAXED);
}

/* Every block of [off, off + len) marked in m->usable (ranges within two blocks; a longer one asks ready). */
static bool usable(const struct vq_mem *m, u64 off, u64 len)
{
	if (!m->usable)
		return false;
	u64 first = off >> m->block_shift, last = (off + len - 1) >> m->block_shift;
	if (last - first > 1)
		return false;
	for (u64 b = first; b <= last; b++)
		if (!(__atomic_load_n(&m->usable[b / 64], __ATOMIC_ACQUIRE) >> (b % 64) & 1))
			return false;
	return true;
}

void *vq_mem_ptr(const struct vq_mem *m, u64 ipa, u64 len)
{
	u64 off;

	/* No sum that can wrap: the offset against the size, then the length against what is left. */
	if (ipa < m->ipa)
		return NULL;
	off = ipa - m->ipa;
	if (off > m->size || len > m->size - off)
		return NULL;
	if (len && m->ready && !usable(m, off, len) && m->ready(m->ctx, off, len))
		return NULL;
	return m->host + off;
}

static const char *const err_names[VQ_E_COUNT] = {
	[VQ_OK] = "ok",
	[VQ_E_RING_ADDR] = "ring outside RAM or misaligned",
	[VQ_E_AVAIL_JUMP] = "available index jumped past the queue size",
	[VQ_E_HEAD] = "head index outside the queue",
	[VQ_E_NEXT] = "next index outside the table",
	[VQ_E_LOOP] = "descriptor loop",
	[VQ_E_DESC_ADDR] = "buffer outside RAM",
	[VQ_E_INDIRECT_OFF] = "indirect descriptor not negotiated",
	[VQ_E_INDIRECT_NESTED] = "nested indirect table",
	[VQ_E_INDIRECT_LEN] = "bad indirect table",
	[VQ_E_ORDER] = "readable buffer after a writable one",
	[VQ_E_DIRECTION] = "buffer of the wrong direction",
};

const char *virtq_err_name(int err)
{
	if (err < 0 || err >= VQ_E_COUNT)
		return "?";
	return err_names[err];
}

void virtq_reset(struct virtq *q)
{
	*q = (struct virtq){ 0 };
}

int virtq_enable(struct virtq *q, const struct vq_mem *m)
{
	u16 n = q->num;

	q->last_avail = q->used_idx = q->signalled = 0;
	q->signalled_valid = false;
	q->error = VQ_OK;
	/* Alignments of virtio 1.2 2.7 (descriptors 16, available ring 2, used ring 4). */
	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)) || !IS_ALIGNED(q->desc, 16) ||
	    !IS_ALIGNED(q->avail, 2) || !IS_ALIGNED(q->used, 4) ||
	    !vq_mem_ptr(m, q->desc, VIRTQ_DESC_BYTES(n)) || !vq_mem_ptr(m, q->avail, VIRTQ_AVAIL_BYTES(n)) ||
	    !vq_mem_ptr(m, q->used, VIRTQ_USED_BYTES(n))) {
		q->error = VQ_E_RING_ADDR;
		q->ready = false;
		return -HV_EINVAL;
	}
	q->ready = true;
	return HV_OK;
}

/* The rings were checked at enable, but RAM may need making ready again (after a VM reset): look each time. */
static u8 *ring(const struct virtq *q, const struct vq_mem *m, u64 ipa, u64 len)
{
	return vq_mem_ptr(m, ipa, len);
}

static int broken(struct virtq *q, int err)
{
	if (!q->error)
		q->error = err;
	return -HV_EFAULT;
}

int virtq_pop(struct virtq *q, const struct vq_mem *m, struct virtq_chain *c)
{
	u8 *avail;
	u16 idx, head;

	if (q->error || !q->ready)
		return q->error ? -HV_EFAULT : 0;
	avail = ring(q, m, q->avail, VIRTQ_AVAIL_BYTES(q->num));
	if (!avail)
		return broken(q, VQ_E_RING_ADDR);
	idx = ld16(avail + 2);
	if (idx == q->last_avail)
		return 0;
	/* More entries than the ring holds: the driver is lying about what it made available. */
	if ((u16)(idx - q->last_avail) > q->num)
		return broken(q, VQ_E_AVAIL_JUMP);
	/* The entries are read only after the index that published them (the driver's write barrier's pair). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = ld16(avail + 4 + 2 * (q->last_avail & (q->num - 1)));
	if (head >= q->num)
		return broken(q, VQ_E_HEAD);
	q->last_avail++;
	*c = (struct virtq_chain){ .head = head, .next = head, .more = true };
	return 1;
}

static int refuse(struct virtq_chain *c, int err)
{
	c->error = err;
	c->more = false;
	return -HV_EINVAL;
}

/* Read descriptor i of the current table into d, once. */
static bool read_desc(const struct virtq *q, const struct vq_mem *m, const struct virtq_chain *c, u16 i,
		      struct virtq_desc *d)
{
	u64 ipa = c->in_indirect ? c->table + 16ULL * i : q->desc + 16ULL * i;
	const u8 *p = vq_mem_ptr(m, ipa, 16);

	if (!p)
		return false;
	d->addr = ld64(p);
	d->len = ld32(p + 8);
	d->flags = ld16(p + 12);
	d->next = ld16(p + 14);
	return true;
}

int virtq_next(const struct virtq *q, const struct vq_mem *m, struct virtq_chain *c, struct virtq_buf *b)
{
	struct virtq_desc d;

	if (c->error)
		return -HV_EINVAL;
	for (;;) {
		u32 table_num = c->in_indirect ? c->table_num : q->num;

		if (!c->more)
			return 0;
		if (c->next >= table_num)
			return refuse(c, VQ_E_NEXT);
		/* A chain visits each descriptor of its table at most once; one more is a loop. */
		if (++c->seen > table_num)
			return refuse(c, VQ_E_LOOP);
		if (!read_desc(q, m, c, c->next, &d))
			return refuse(c, c->in_indirect ? VQ_E_DESC_ADDR : VQ_E_RING_ADDR);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!q->indirect)
				return refuse(c, VQ_E_INDIRECT_OFF);
			if (c->in_indirect)
				return refuse(c, VQ_E_INDIRECT_NESTED);
			/* INDIRECT with NEXT is forbidden (2.7.5.3.1): the table ends the chain. */
			if ((d.flags & VIRTQ_DESC_F_NEXT) || !d.len || d.len % 16 ||
			    d.len / 16 > VIRTQ_MAX_INDIRECT)
				return refuse(c, VQ_E_INDIRECT_LEN);
			if (!IS_ALIGNED(d.addr, 8) || !vq_mem_ptr(m, d.addr, d.len))
				return refuse(c, VQ_E_DESC_ADDR);
			c->in_indirect = true;
			c->table = d.addr;
			c->table_num = d.len / 16;
			c->next = 0;
			c->seen = 0;
			continue; /* the table's first descriptor is the next buffer */
		}
		b->write = d.flags & VIRTQ_DESC_F_WRITE;
		if (!b->write && c->seen_write)
			return refuse(c, VQ_E_ORDER);
		b->host = vq_mem_ptr(m, d.addr, d.len);
		if (!b->host)
			return refuse(c, VQ_E_DESC_ADDR);
		b->ipa = d.addr;
		b->len = d.len;
		c->seen_write |= b->write;
		c->more = d.flags & VIRTQ_DESC_F_NEXT;
		c->next = d.next;
		return 1;
	}
}

void virtq_push(struct virtq *q, const struct vq_mem *m, const struct virtq_chain *c, u32 written)
{
	u8 *used;
	u8 *e;

	if (q->error || !q->ready)
		return;
	used = ring(q, m, q->used, VIRTQ_USED_BYTES(q->num));
	if (!used) {
		broken(q, VQ_E_RING_ADDR);
		return;
	}
	if (c->error)
		q->chain_errors++;
	e = used + 4 + 8 * (q->used_idx & (q->num - 1));
	st32(e, c->head);
	st32(e + 4, written);
	/* The element (and the buffer's contents) before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->used_idx++;
	st16(used + 2, q->used_idx);
}

bool virtq_should_interrupt(struct virtq *q, const struct vq_mem *m)
{
	const u8 *avail;
	u16 old, event;
	bool valid;

	if (!q->ready)
		return false;
	/* A broken queue still interrupts: the driver must see the configuration change or the failure. */
	avail = ring(q, m, q->avail, VIRTQ_AVAIL_BYTES(q->num));
	if (!avail)
		return true;
	/* Our used->idx store before the read of the driver's used_event / flags (its mirror barrier). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(ld16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	old = q->signalled;
	valid = q->signalled_valid;
	q->signalled = q->used_idx;
	q->signalled_valid = true;
	if (!valid)
		return true;
	event = ld16(avail + 4 + 2 * q->num);
	/* vring_need_event: did used_idx step over event since the last interrupt (old)? */
	return (u16)(q->used_idx - event - 1) < (u16)(q->used_idx - old);
}

void virtq_publish_avail_event(struct virtq *q, const struct vq_mem *m)
{
	u8 *used;

	if (!q->event_idx || q->error || !q->ready)
		return;
	used = ring(q, m, q->used, VIRTQ_USED_BYTES(q->num));
	if (!used)
		return;
	st16(used + 4 + 8 * q->num, q->last_avail);
	/* Published before the device looks at avail->idx again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
