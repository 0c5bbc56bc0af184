/* hyparm's vsock switch (see hyparm/vsock_router.h for the flow control and what it refuses). */
#include <hyparm/errno.h>
#include <hyparm/vsock_router.h>
#include <string.h>

/* Send a CREDIT_UPDATE once a sender has this much more room than it was told (or its queue is empty). */
#define CREDIT_UPDATE_STEP (VSOCK_QUEUE_BYTES / 4)
/* kick_pending's rounds: a delivery may owe its peer a credit update, which one more round carries. */
#define KICK_ROUNDS 8

static u64 sg_total(const struct vsock_sg *sg, unsigned nsg)
{
	u64 t = 0;

	for (unsigned i = 0; i < nsg; i++)
		t += sg[i].len;
	return t;
}

/* Copy [off, off + len) of the buffers' bytes to dst (the caller checked they hold that much). */
static void sg_read(const struct vsock_sg *sg, unsigned nsg, u64 off, u8 *dst, u32 len)
{
	for (unsigned i = 0; i < nsg && len; i++) {
		if (off >= sg[i].len) {
			off -= sg[i].len;
			continue;
		}
		u32 n = MIN(len, sg[i].len - (u32)off);
		memcpy(dst, sg[i].p + off, n);
		dst += n;
		len -= n;
		off = 0;
	}
}

static void sg_write(const struct vsock_sg *sg, unsigned nsg, u64 off, const u8 *src, u32 len)
{
	for (unsigned i = 0; i < nsg && len; i++) {
		if (off >= sg[i].len) {
			off -= sg[i].len;
			continue;
		}
		u32 n = MIN(len, sg[i].len - (u32)off);
		memcpy(sg[i].p + off, src, n);
		src += n;
		len -= n;
		off = 0;
	}
}

void vsock_router_init(struct vsock_router *r, u8 *buf)
{
	memset(r, 0, sizeof(*r));
	r->lock = (spinlock_t)SPINLOCK_INIT;
	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++) {
		r->conns[i].s[0].buf = buf + (u64)(2 * i) * VSOCK_QUEUE_BYTES;
		r->conns[i].s[1].buf = buf + (u64)(2 * i + 1) * VSOCK_QUEUE_BYTES;
	}
}

static struct vsock_ep *find_ep(struct vsock_router *r, u64 cid)
{
	for (unsigned i = 0; i < r->nr_eps; i++)
		if (r->eps[i]->attached && r->eps[i]->cid == cid)
			return r->eps[i];
	return NULL;
}

int vsock_router_attach(struct vsock_router *r, struct vsock_ep *ep)
{
	int rc = HV_OK;

	if (ep->cid < VSOCK_CID_FIRST_GUEST || ep->cid >= VSOCK_CID_ANY)
		return -HV_EINVAL;
	spin_lock(&r->lock);
	if (find_ep(r, ep->cid))
		rc = -HV_EEXIST;
	else if (r->nr_eps == VSOCK_EPS_MAX)
		rc = -HV_EBUSY;
	else {
		ep->attached = true;
		ep->pending = false;
		ep->rst_count = ep->rst_head = 0;
		ep->conns = 0;
		r->eps[r->nr_eps++] = ep;
	}
	spin_unlock(&r->lock);
	return rc;
}

/* ep has something new: its next kick_pending round delivers it. */
static void mark(struct vsock_ep *ep)
{
	if (ep)
		__atomic_store_n(&ep->pending, true, __ATOMIC_RELEASE);
}

/* Side k leaves c (its guest is done with it, or forgot it): no longer counted against its endpoint. */
static void side_drop(struct vsock_conn *c, unsigned k)
{
	struct vsock_side *s = &c->s[k];

	if (s->ep)
		s->ep->conns--;
	s->ep = NULL;
	s->owed = 0;
}

/* A connection whose every owed RST went out (or whose sides are gone) is free again. */
static void free_if_done(struct vsock_conn *c)
{
	for (unsigned k = 0; k < 2; k++)
		if (c->s[k].ep && c->s[k].owed)
			return;
	side_drop(c, 0);
	side_drop(c, 1);
	c->state = VSOCK_CONN_FREE;
}

/* Abort c: queued data is dropped, each side still there gets an RST. */
static void conn_reset(struct vsock_conn *c)
{
	c->state = VSOCK_CONN_CLOSING;
	for (unsigned k = 0; k < 2; k++) {
		struct vsock_side *s = &c->s[k];
		s->len = 0;
		s->shutdown = 0;
		s->owed = s->ep ? VSOCK_OWE_RST : 0;
		mark(s->ep);
	}
	free_if_done(c);
}

/* The live connection ep's packet (src_port -> dst_cid:dst_port) belongs to, and which side ep is. */
static struct vsock_conn *find_conn(struct vsock_router *r, struct vsock_ep *ep, const struct vsock_hdr *h,
				    unsigned *side)
{
	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++) {
		struct vsock_conn *c = &r->conns[i];
		if (c->state != VSOCK_CONN_REQUESTED && c->state != VSOCK_CONN_ESTABLISHED)
			continue;
		for (unsigned k = 0; k < 2; k++)
			if (c->s[k].ep == ep && c->s[k].port == h->src_port &&
			    c->s[1 - k].cid == h->dst_cid && c->s[1 - k].port == h->dst_port) {
				*side = k;
				return c;
			}
	}
	return NULL;
}

/* Answer ep's packet h with an RST from where it was going (dropped if ep already has too many waiting). */
static void queue_rst(struct vsock_ep *ep, const struct vsock_hdr *h)
{
	ep->refused++;
	if (ep->rst_count == VSOCK_EP_RSTS)
		return;
	ep->rsts[(ep->rst_head + ep->rst_count++) % VSOCK_EP_RSTS] = (struct vsock_hdr){
		.src_cid = h->dst_cid,
		.dst_cid = ep->cid,
		.src_port = h->dst_port,
		.dst_port = h->src_port,
		.type = VSOCK_TYPE_STREAM,
		.op = VSOCK_OP_RST,
		.buf_alloc = VSOCK_QUEUE_BYTES, /* as every packet hyparm makes */
	};
	mark(ep);
}

static void side_init(struct vsock_side *s, struct vsock_ep *ep, u64 cid, u32 port)
{
	u8 *buf = s->buf;

	*s = (struct vsock_side){ .ep = ep, .cid = cid, .port = port, .buf = buf };
}

/* Append len payload bytes (after the header in sg) to s's queue; the caller checked they fit. */
static void queue_in(struct vsock_side *s, const struct vsock_sg *sg, unsigned nsg, u32 len)
{
	u32 tail = (s->head + s->len) % VSOCK_QUEUE_BYTES;
	u32 first = MIN(len, VSOCK_QUEUE_BYTES - tail);

	sg_read(sg, nsg, VSOCK_HDR_BYTES, s->buf + tail, first);
	sg_read(sg, nsg, VSOCK_HDR_BYTES + first, s->buf, len - first);
	s->len += len;
}

/* Move len bytes from the head of s's queue into sg after the header. */
static void queue_out(struct vsock_side *s, const struct vsock_sg *sg, unsigned nsg, u32 len)
{
	u32 first = MIN(len, VSOCK_QUEUE_BYTES - s->head);

	sg_write(sg, nsg, VSOCK_HDR_BYTES, s->buf + s->head, first);
	sg_write(sg, nsg, VSOCK_HDR_BYTES + first, s->buf, len - first);
	s->head = (s->head + len) % VSOCK_QUEUE_BYTES;
	s->len -= len;
	s->drained += len;
}

/*
 * ep wants a connection but has its share: it gives up its oldest one
 * still unanswered (a peer that never reads never answers, and Linux
 * forgets a connect() that timed out without telling anyone).
 */
static void reclaim_oldest_request(struct vsock_router *r, struct vsock_ep *ep)
{
	struct vsock_conn *oldest = NULL;

	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++) {
		struct vsock_conn *c = &r->conns[i];
		if (c->state == VSOCK_CONN_REQUESTED && c->s[0].ep == ep &&
		    (!oldest || c->seq - oldest->seq > (1u << 31)))
			oldest = c;
	}
	if (!oldest)
		return;
	side_drop(oldest, 0);
	conn_reset(oldest); /* the other side hears an RST */
}

static enum vsock_tx_result tx_request(struct vsock_router *r, struct vsock_ep *ep, const struct vsock_hdr *h)
{
	struct vsock_ep *dst = find_ep(r, h->dst_cid);
	struct vsock_conn *c = NULL;

	/* A connection to its own CID counts twice against it (it is both sides). */
	unsigned need = dst == ep ? 2 : 1;

	if (dst && !__atomic_load_n(&dst->up, __ATOMIC_ACQUIRE))
		dst = NULL; /* nobody there to answer */
	if (dst && ep->conns + need > VSOCK_CONNS_PER_EP)
		reclaim_oldest_request(r, ep);
	/* Both ends within their share: a VM that never reads holds connections to itself only. */
	if (dst && ep->conns + need <= VSOCK_CONNS_PER_EP && dst->conns + need <= VSOCK_CONNS_PER_EP)
		for (unsigned i = 0; i < VSOCK_CONNS_MAX && !c; i++)
			if (r->conns[i].state == VSOCK_CONN_FREE)
				c = &r->conns[i];
	if (!c) {
		/* No such CID (the host's included), or no room: connection refused. */
		queue_rst(ep, h);
		return VSOCK_TX_RST;
	}
	side_init(&c->s[0], ep, ep->cid, h->src_port);
	side_init(&c->s[1], dst, dst->cid, h->dst_port);
	c->s[0].buf_alloc = h->buf_alloc;
	c->s[0].fwd_cnt = h->fwd_cnt;
	c->s[1].owed = VSOCK_OWE_REQUEST;
	c->state = VSOCK_CONN_REQUESTED;
	c->seq = r->seq++;
	ep->conns++;
	dst->conns++;
	mark(dst);
	return VSOCK_TX_FORWARDED;
}

static enum vsock_tx_result tx_locked(struct vsock_router *r, struct vsock_ep *ep, const struct vsock_hdr *h,
				      const struct vsock_sg *sg, unsigned nsg)
{
	unsigned side;
	struct vsock_conn *c;
	struct vsock_side *me, *peer;

	if (h->type != VSOCK_TYPE_STREAM) {
		/* Only streams are offered (no VIRTIO_VSOCK_F_SEQPACKET). */
		if (h->op == VSOCK_OP_RST)
			return VSOCK_TX_DROPPED;
		queue_rst(ep, h);
		return VSOCK_TX_RST;
	}
	c = find_conn(r, ep, h, &side);
	if (h->op == VSOCK_OP_REQUEST) {
		if (!c)
			return tx_request(r, ep, h);
		conn_reset(c); /* a second request on a live connection */
		return VSOCK_TX_RST;
	}
	if (!c) {
		if (h->op == VSOCK_OP_RST)
			return VSOCK_TX_DROPPED;
		queue_rst(ep, h);
		return VSOCK_TX_RST;
	}
	me = &c->s[side];
	peer = &c->s[1 - side];
	/* Every packet says how much the sender can receive (5.10.6.3). */
	me->buf_alloc = h->buf_alloc;
	me->fwd_cnt = h->fwd_cnt;
	if (peer->len)
		mark(ep);
	switch (h->op) {
	case VSOCK_OP_RESPONSE:
		if (c->state != VSOCK_CONN_REQUESTED || side != 1)
			break;
		c->state = VSOCK_CONN_ESTABLISHED;
		peer->owed |= VSOCK_OWE_RESPONSE;
		mark(peer->ep);
		return VSOCK_TX_FORWARDED;
	case VSOCK_OP_RST:
		/* The sender is done with it: the other side hears it, queued data is dropped. */
		side_drop(c, side);
		c->state = VSOCK_CONN_CLOSING;
		me->len = peer->len = 0;
		peer->owed = peer->ep ? VSOCK_OWE_RST : 0;
		mark(peer->ep);
		free_if_done(c);
		return VSOCK_TX_FORWARDED;
	case VSOCK_OP_SHUTDOWN:
		if (c->state != VSOCK_CONN_ESTABLISHED)
			break;
		peer->shutdown |= h->flags & (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
		peer->owed |= VSOCK_OWE_SHUTDOWN;
		mark(peer->ep);
		return VSOCK_TX_FORWARDED;
	case VSOCK_OP_RW:
		if (c->state != VSOCK_CONN_ESTABLISHED)
			break;
		if (h->len > VSOCK_QUEUE_BYTES - me->len) {
			/* More than the credit hyparm gave it: the connection ends, nothing else. */
			ep->overruns++;
			break;
		}
		queue_in(me, sg, nsg, h->len);
		ep->tx_bytes += h->len;
		mark(peer->ep);
		return VSOCK_TX_FORWARDED;
	case VSOCK_OP_CREDIT_UPDATE:
		return VSOCK_TX_FORWARDED; /* taken above */
	case VSOCK_OP_CREDIT_REQUEST:
		/* hyparm is this sender's receiver: it answers itself. */
		me->owed |= VSOCK_OWE_CREDIT;
		mark(ep);
		return VSOCK_TX_FORWARDED;
	default:
		ep->malformed++;
		return VSOCK_TX_DROPPED;
	}
	/* A packet the connection's state does not allow: a protocol error ends it. */
	conn_reset(c);
	return VSOCK_TX_RST;
}

enum vsock_tx_result vsock_router_tx(struct vsock_router *r, struct vsock_ep *ep, const struct vsock_sg *sg,
				     unsigned nsg)
{
	struct vsock_hdr h;
	u64 total = sg_total(sg, nsg);
	enum vsock_tx_result res;

	spin_lock(&r->lock);
	ep->tx_packets++;
	if (total < VSOCK_HDR_BYTES) {
		ep->malformed++;
		spin_unlock(&r->lock);
		return VSOCK_TX_MALFORMED;
	}
	/* One copy of the header: the guest may rewrite its buffer meanwhile. */
	sg_read(sg, nsg, 0, (u8 *)&h, VSOCK_HDR_BYTES);
	if (h.src_cid != ep->cid) {
		ep->spoofed++;
		h.src_cid = ep->cid;
	}
	if (h.len > total - VSOCK_HDR_BYTES || h.len > VSOCK_MAX_PAYLOAD) {
		ep->malformed++;
		spin_unlock(&r->lock);
		return VSOCK_TX_MALFORMED;
	}
	res = tx_locked(r, ep, &h, sg, nsg);
	spin_unlock(&r->lock);
	return res;
}

/* What side me may still be sent: its buf_alloc minus what it holds (sent but not forwarded). */
static u32 credit(const struct vsock_side *me)
{
	u32 held = me->sent - me->fwd_cnt;

	return held > me->buf_alloc ? 0 : me->buf_alloc - held;
}

/*
 * The next packet for side j of c into h (and the payload length in *len),
 * room bytes of buffers: false if none. With commit, it is taken: the
 * owed bit cleared, the payload accounted (the caller copies it).
 */
static bool next_packet(struct vsock_conn *c, unsigned j, u64 room, bool commit, struct vsock_hdr *h,
			u32 *len)
{
	struct vsock_side *me = &c->s[j], *other = &c->s[1 - j];
	u16 op;
	u32 owe = 0, n = 0;

	if (c->state == VSOCK_CONN_FREE || !me->ep)
		return false;
	if (me->owed & VSOCK_OWE_RST) {
		op = VSOCK_OP_RST;
		owe = ~0u;
	} else if (c->state == VSOCK_CONN_CLOSING) {
		return false;
	} else if (me->owed & VSOCK_OWE_REQUEST) {
		op = VSOCK_OP_REQUEST;
		owe = VSOCK_OWE_REQUEST;
	} else if (me->owed & VSOCK_OWE_RESPONSE) {
		op = VSOCK_OP_RESPONSE;
		owe = VSOCK_OWE_RESPONSE;
	} else if (c->state == VSOCK_CONN_ESTABLISHED && other->len && credit(me) && room > VSOCK_HDR_BYTES) {
		op = VSOCK_OP_RW;
		n = MIN(other->len, credit(me));
		n = (u32)MIN((u64)n, room - VSOCK_HDR_BYTES);
	} else if ((me->owed & VSOCK_OWE_SHUTDOWN) && !other->len) {
		/* After the data it follows. */
		op = VSOCK_OP_SHUTDOWN;
		owe = VSOCK_OWE_SHUTDOWN;
	} else if (me->owed & VSOCK_OWE_CREDIT) {
		op = VSOCK_OP_CREDIT_UPDATE;
		owe = VSOCK_OWE_CREDIT;
	} else {
		return false;
	}
	*len = n;
	*h = (struct vsock_hdr){
		.src_cid = other->cid,
		.dst_cid = me->cid,
		.src_port = other->port,
		.dst_port = me->port,
		.len = n,
		.type = VSOCK_TYPE_STREAM,
		.op = op,
		.flags = op == VSOCK_OP_SHUTDOWN ? me->shutdown : 0,
		/* hyparm's credit for what me sends: its queue, and what left it. */
		.buf_alloc = VSOCK_QUEUE_BYTES,
		.fwd_cnt = me->drained,
	};
	if (commit) {
		me->owed &= ~owe;
		/* Every packet tells the credit: no separate update owed for what this one says. */
		me->told = me->drained;
		me->owed &= ~VSOCK_OWE_CREDIT;
		me->sent += n;
	}
	return true;
}

/* A connection of ep's with something for it, starting after the last one served (round robin). */
static struct vsock_conn *pick(struct vsock_router *r, struct vsock_ep *ep, u64 room, bool commit,
			       struct vsock_hdr *h, u32 *len, unsigned *side)
{
	for (unsigned k = 0; k < VSOCK_CONNS_MAX; k++) {
		unsigned i = (ep->rr + k) % VSOCK_CONNS_MAX;
		struct vsock_conn *c = &r->conns[i];
		for (unsigned j = 0; j < 2; j++)
			if (c->s[j].ep == ep && next_packet(c, j, room, commit, h, len)) {
				if (commit)
					ep->rr = i + 1;
				*side = j;
				return c;
			}
	}
	return NULL;
}

bool vsock_router_has_pending(struct vsock_router *r, struct vsock_ep *ep)
{
	struct vsock_hdr h;
	u32 len;
	unsigned side;
	bool any;

	spin_lock(&r->lock);
	any = ep->rst_count || pick(r, ep, VSOCK_HDR_BYTES + 1, false, &h, &len, &side);
	spin_unlock(&r->lock);
	return any;
}

int vsock_router_rx(struct vsock_router *r, struct vsock_ep *ep, const struct vsock_sg *sg, unsigned nsg,
		    u32 *written)
{
	u64 room = sg_total(sg, nsg);
	struct vsock_hdr h;
	struct vsock_conn *c;
	unsigned side;
	u32 len;

	*written = 0;
	if (room < VSOCK_HDR_BYTES)
		return -HV_EINVAL;
	spin_lock(&r->lock);
	if (ep->rst_count) {
		h = ep->rsts[ep->rst_head];
		ep->rst_head = (ep->rst_head + 1) % VSOCK_EP_RSTS;
		ep->rst_count--;
		sg_write(sg, nsg, 0, (const u8 *)&h, VSOCK_HDR_BYTES);
		*written = VSOCK_HDR_BYTES;
		ep->rx_packets++;
		spin_unlock(&r->lock);
		return 1;
	}
	c = pick(r, ep, room, true, &h, &len, &side);
	if (!c) {
		spin_unlock(&r->lock);
		return 0;
	}
	sg_write(sg, nsg, 0, (const u8 *)&h, VSOCK_HDR_BYTES);
	if (len) {
		struct vsock_side *other = &c->s[1 - side];
		queue_out(other, sg, nsg, len);
		/* The sender has room again: tell it when it is worth a packet (or its queue emptied). */
		if (other->drained - other->told >= CREDIT_UPDATE_STEP ||
		    (!other->len && other->drained != other->told)) {
			other->owed |= VSOCK_OWE_CREDIT;
			mark(other->ep);
		}
		ep->rx_bytes += len;
	}
	if (h.op == VSOCK_OP_RST)
		free_if_done(c);
	*written = VSOCK_HDR_BYTES + len;
	ep->rx_packets++;
	spin_unlock(&r->lock);
	return 1;
}

void vsock_router_reset_ep(struct vsock_router *r, struct vsock_ep *ep)
{
	spin_lock(&r->lock);
	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++) {
		struct vsock_conn *c = &r->conns[i];
		bool mine = false;
		if (c->state == VSOCK_CONN_FREE)
			continue;
		for (unsigned k = 0; k < 2; k++)
			if (c->s[k].ep == ep) {
				mine = true;
				side_drop(c, k);
			}
		if (mine)
			conn_reset(c);
	}
	ep->rst_count = 0;
	ep->rr = 0;
	__atomic_store_n(&ep->pending, false, __ATOMIC_RELEASE);
	spin_unlock(&r->lock);
}

void vsock_router_kick_pending(struct vsock_router *r)
{
	for (unsigned round = 0; round < KICK_ROUNDS; round++) {
		bool kicked = false;
		/* Endpoints only join (at VM creation): the table and count are stable once VMs run. */
		unsigned n = __atomic_load_n(&r->nr_eps, __ATOMIC_ACQUIRE);
		for (unsigned i = 0; i < n; i++) {
			struct vsock_ep *ep = r->eps[i];
			if (__atomic_exchange_n(&ep->pending, false, __ATOMIC_ACQ_REL)) {
				ep->kick(ep);
				kicked = true;
			}
		}
		if (!kicked)
			return;
	}
}
