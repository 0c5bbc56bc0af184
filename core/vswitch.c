/* hyparm's learning L2 switch (see hyparm/vswitch.h). */
#include <hyparm/errno.h>
#include <hyparm/vswitch.h>
#include <string.h>

static bool is_multicast(const u8 *mac)
{
	return mac[0] & 1; /* the group bit; broadcast is a multicast address too */
}

static struct vswitch machine_switch;
static bool machine_switch_ready;

struct vswitch *vswitch_machine(u64 age)
{
	if (!machine_switch_ready) {
		vswitch_init(&machine_switch, age);
		machine_switch_ready = true;
	}
	return &machine_switch;
}

void vswitch_init(struct vswitch *sw, u64 age)
{
	memset(sw, 0, sizeof(*sw));
	sw->lock = (spinlock_t)SPINLOCK_INIT;
	sw->age = age;
}

int vswitch_port_add(struct vswitch *sw, struct vswitch_port *p, const char *name,
		     const struct vswitch_port_ops *ops, void *ctx, struct vswitch_frame *q, unsigned cap,
		     const u8 *mac)
{
	int rc = HV_OK;

	if (!q || !cap)
		return -HV_EINVAL;
	*p = (struct vswitch_port){
		.sw = sw,
		.name = name,
		.ops = ops,
		.ctx = ctx,
		.mac_locked = mac != NULL,
		.qlock = SPINLOCK_INIT,
		.q = q,
		.cap = cap,
	};
	if (mac) {
		memcpy(p->mac, mac, ETH_ALEN);
		p->mac_key = vswitch_mac_key(mac);
	}
	spin_lock(&sw->lock);
	if (sw->nr_ports == VSWITCH_MAX_PORTS) {
		rc = -HV_EBUSY;
	} else {
		p->id = sw->nr_ports;
		/* Published complete: vswitch_input reads the list under this lock. */
		sw->ports[sw->nr_ports++] = p;
	}
	spin_unlock(&sw->lock);
	return rc;
}

void vswitch_port_open(struct vswitch_port *p)
{
	spin_lock(&p->qlock);
	p->open = true;
	spin_unlock(&p->qlock);
}

void vswitch_port_close(struct vswitch_port *p)
{
	struct vswitch *sw = p->sw;

	spin_lock(&p->qlock);
	p->open = false;
	p->stats.out_dropped += p->count;
	p->count = 0;
	p->head = 0;
	memset(p->queued_from, 0, sizeof(p->queued_from));
	spin_unlock(&p->qlock);
	/* Its MACs may belong to someone else by the time it opens again (a VM rebooted with another address). */
	spin_lock(&sw->lock);
	for (unsigned i = 0; i < VSWITCH_MAC_ENTRIES; i++)
		if (sw->table[i].used && sw->table[i].port == p->id)
			sw->table[i].used = false;
	spin_unlock(&sw->lock);
}

static bool fresh(const struct vswitch *sw, const struct vswitch_mac *e, u64 now)
{
	/*
	 * now is read before the lock is taken, so another CPU may have stamped
	 * the entry later than our now: that is as fresh as it gets (unsigned
	 * now - seen would wrap to "aged" and flood a frame that has a home).
	 */
	return e->used && (now <= e->seen || now - e->seen < sw->age);
}

/* Caller holds sw->lock. */
static int lookup_locked(struct vswitch *sw, u64 key, u64 now)
{
	/*
	 * A MAC-locked port's address is its own for good: found without
	 * learning, never aged or evicted, so a frame for a VM never floods
	 * (to other VMs, or to the uplink, whose NAT would answer for it).
	 */
	for (unsigned i = 0; i < sw->nr_ports; i++)
		if (sw->ports[i]->mac_locked && sw->ports[i]->mac_key == key)
			return (int)i;
	for (unsigned i = 0; i < VSWITCH_MAC_ENTRIES; i++) {
		struct vswitch_mac *e = &sw->table[i];
		if (fresh(sw, e, now) && e->key == key)
			return e->port;
	}
	return -1;
}

int vswitch_lookup(struct vswitch *sw, const u8 *mac, u64 now)
{
	spin_lock(&sw->lock);
	int port = lookup_locked(sw, vswitch_mac_key(mac), now);
	spin_unlock(&sw->lock);
	return port;
}

/* Caller holds sw->lock: the MAC key was seen on port at now. */
static void learn(struct vswitch *sw, u64 key, unsigned port, u64 now)
{
	struct vswitch_mac *slot = NULL, *oldest = NULL;

	for (unsigned i = 0; i < VSWITCH_MAC_ENTRIES; i++) {
		struct vswitch_mac *e = &sw->table[i];
		if (e->used && e->key == key) {
			/* Known (maybe moved to another port, maybe aged): refresh it. */
			e->port = (u8)port;
			e->seen = now;
			return;
		}
		if (!slot && !fresh(sw, e, now))
			slot = e;
		if (e->used && (!oldest || e->seen < oldest->seen))
			oldest = e;
	}
	if (!slot) {
		/* Full of live entries: the one silent longest goes (a table bounded in size, whatever a guest sends). */
		slot = oldest;
		sw->evicted++;
	}
	*slot = (struct vswitch_mac){ .key = key, .used = true, .port = (u8)port, .seen = now };
	sw->learned++;
}

/*
 * An open port with nothing queued may take the frame straight away (the
 * cut-through): 1 delivered, -1 taken and dropped, 0 not taken (queue it).
 */
static int try_deliver(struct vswitch_port *p, const u8 *eth, const u8 *frame, u32 len)
{
	spin_lock(&p->qlock);
	bool may = p->open && p->count == 0 && p->ops && p->ops->deliver;
	spin_unlock(&p->qlock);
	if (!may)
		return 0;
	/*
	 * No switch lock held: only this sender's frames need keeping in order,
	 * and it sends one at a time; another sender's frame may pass this one.
	 */
	enum vswitch_delivery d = p->ops->deliver(p, eth, frame, len);
	if (d == VSWITCH_QUEUE)
		return 0;
	spin_lock(&p->qlock);
	if (d == VSWITCH_DELIVERED) {
		p->stats.out_frames++;
		p->stats.out_bytes += len;
	} else {
		p->stats.out_dropped++;
	}
	spin_unlock(&p->qlock);
	__atomic_store_n(&p->kick_pending, true, __ATOMIC_RELEASE);
	return d == VSWITCH_DELIVERED ? 1 : -1;
}

/* Copy the frame into p's queue if there is room for it, and within src's share. */
static bool enqueue(struct vswitch_port *p, unsigned src, unsigned nr_ports, const u8 *eth, const u8 *frame,
		    u32 len)
{
	bool queued = false;
	/* Each other port may hold this many of p's queue, so no sender takes the room another one needs. */
	unsigned share = nr_ports > 2 ? p->cap / (nr_ports - 1) : p->cap;

	if (!share)
		share = 1;
	spin_lock(&p->qlock);
	if (!p->open) {
		/* Not attached, or its VM is resetting: the frame is for nobody (a cable unplugged). */
	} else if (p->count == p->cap || p->queued_from[src] >= share) {
		p->stats.out_dropped++;
	} else {
		struct vswitch_frame *f = &p->q[(p->head + p->count) % p->cap];
		f->len = (u16)len;
		f->from = (u16)src;
		memcpy(f->data, eth, ETH_HLEN);
		memcpy(f->data + ETH_HLEN, frame + ETH_HLEN, len - ETH_HLEN);
		p->count++;
		p->queued_from[src]++;
		queued = true;
	}
	spin_unlock(&p->qlock);
	if (queued)
		__atomic_store_n(&p->kick_pending, true, __ATOMIC_RELEASE);
	return queued;
}

unsigned vswitch_input(struct vswitch *sw, struct vswitch_port *src, const u8 *frame, u32 len, u64 now)
{
	struct vswitch_port *to[VSWITCH_MAX_PORTS];
	unsigned n = 0, nr_ports, sent = 0;

	spin_lock(&sw->lock);
	src->stats.in_frames++;
	if (len < ETH_HLEN || len > VSWITCH_FRAME_MAX) {
		src->stats.in_runt++;
		spin_unlock(&sw->lock);
		return 0;
	}
	src->stats.in_bytes += len;
	/* Read once: frame may be a guest's buffer, which it can rewrite while we look. */
	u8 eth[ETH_HLEN];
	memcpy(eth, frame, ETH_HLEN);
	const u8 *dst = eth, *smac = eth + ETH_ALEN;
	if (is_multicast(smac)) {
		src->stats.in_bad_src++;
		spin_unlock(&sw->lock);
		return 0;
	}
	u64 skey = vswitch_mac_key(smac);
	if (src->mac_locked && skey != src->mac_key) {
		src->stats.in_spoofed++;
		spin_unlock(&sw->lock);
		return 0;
	}
	/* A MAC-locked port's address is found without the table (lookup_locked): nothing to learn. */
	if (!src->mac_locked)
		learn(sw, skey, src->id, now);
	nr_ports = sw->nr_ports;
	int port = is_multicast(dst) ? -1 : lookup_locked(sw, vswitch_mac_key(dst), now);
	if (port < 0) {
		sw->flooded++;
		for (unsigned i = 0; i < nr_ports; i++)
			if (i != src->id)
				to[n++] = sw->ports[i];
	} else if ((unsigned)port == src->id) {
		sw->dropped_to_self++; /* both ends behind the same port: it has the frame already */
	} else {
		sw->unicast++;
		to[n++] = sw->ports[port];
	}
	spin_unlock(&sw->lock);
	/* Ports are never removed, so the pointers stay good without the table lock. */
	for (unsigned i = 0; i < n; i++) {
		int d = try_deliver(to[i], eth, frame, len);
		sent += d > 0 || (d == 0 && enqueue(to[i], src->id, nr_ports, eth, frame, len));
	}
	return sent;
}

void vswitch_kick_pending(struct vswitch *sw)
{
	unsigned nr_ports = __atomic_load_n(&sw->nr_ports, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < nr_ports; i++) {
		struct vswitch_port *p = sw->ports[i];
		/* Exchange: one kick per batch of new frames, whoever queued them. */
		if (__atomic_exchange_n(&p->kick_pending, false, __ATOMIC_ACQ_REL) && p->ops && p->ops->kick)
			p->ops->kick(p);
	}
}

const struct vswitch_frame *vswitch_port_peek(struct vswitch_port *p)
{
	const struct vswitch_frame *f;

	spin_lock(&p->qlock);
	f = p->count ? &p->q[p->head] : NULL;
	spin_unlock(&p->qlock);
	/* Senders only append: the slot stays this frame until the owner pops it. */
	return f;
}

void vswitch_port_pop(struct vswitch_port *p, bool delivered)
{
	spin_lock(&p->qlock);
	if (p->count) {
		struct vswitch_frame *f = &p->q[p->head];
		if (f->from < VSWITCH_MAX_PORTS && p->queued_from[f->from])
			p->queued_from[f->from]--;
		if (delivered) {
			p->stats.out_frames++;
			p->stats.out_bytes += f->len;
		} else {
			p->stats.out_dropped++;
		}
		p->head = (p->head + 1) % p->cap;
		p->count--;
	}
	spin_unlock(&p->qlock);
}

unsigned vswitch_port_pending(struct vswitch_port *p)
{
	spin_lock(&p->qlock);
	unsigned n = p->count;
	spin_unlock(&p->qlock);
	return n;
}
