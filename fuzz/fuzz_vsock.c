/*
 * The vsock switch (core/vsock_router.c) under any sequence of packets,
 * receive buffers and endpoint resets from three endpoints. Besides the
 * sanitizers, it checks the router's promises after every step: no queue
 * beyond VSOCK_QUEUE_BYTES, each endpoint's connection count equal to the
 * connections it is a side of and within VSOCK_CONNS_PER_EP, a received
 * packet's length consistent with what was written, and data given to a
 * receiver only within the credit it advertised.
 *
 * Input: steps of one kind byte (tx / rx / reset / kick, endpoint in the
 * high bits), then for tx a 44-byte header (CIDs folded onto the three
 * endpoints, the host and nobody; ports onto a few values) and a payload
 * length byte, for rx a receive room byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <hyparm/vsock_router.h>

#define EPS 3

static struct vsock_router r;
static struct vsock_ep eps[EPS];
static u8 *qbuf;
static u8 payload[4096], rxbuf[4096];

#define invariant(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "invariant failed: %s (line %d)\n", #cond, __LINE__); \
			__builtin_trap(); \
		} \
	} while (0)

static void kick(struct vsock_ep *ep)
{
	(void)ep;
}

static void check_tables(void)
{
	unsigned count[EPS] = { 0 };

	for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++) {
		const struct vsock_conn *c = &r.conns[i];
		if (c->state == VSOCK_CONN_FREE)
			continue;
		for (unsigned k = 0; k < 2; k++) {
			invariant(c->s[k].len <= VSOCK_QUEUE_BYTES);
			for (unsigned e = 0; e < EPS; e++)
				count[e] += c->s[k].ep == &eps[e];
		}
	}
	for (unsigned e = 0; e < EPS; e++) {
		invariant(eps[e].conns == count[e]);
		invariant(eps[e].conns <= VSOCK_CONNS_PER_EP);
		invariant(eps[e].rst_count <= VSOCK_EP_RSTS);
	}
}

static u64 fold_cid(u64 v)
{
	static const u64 cids[] = { 3, 4, 5, VSOCK_CID_HOST, 99, VSOCK_CID_LOCAL };
	return cids[v % (sizeof(cids) / sizeof(cids[0]))];
}

static void step_rx(struct vsock_ep *ep, u32 room)
{
	struct vsock_sg sg = { rxbuf, room };
	struct vsock_hdr h;
	u32 written = 0;
	int rc = vsock_router_rx(&r, ep, &sg, 1, &written);

	if (rc != 1) {
		invariant(written == 0);
		return;
	}
	invariant(written >= VSOCK_HDR_BYTES && written <= room);
	memcpy(&h, rxbuf, sizeof(h));
	invariant(h.len == written - VSOCK_HDR_BYTES);
	invariant(h.dst_cid == ep->cid && h.type == VSOCK_TYPE_STREAM);
	if (h.op == VSOCK_OP_RW) {
		invariant(h.len > 0);
		/* The receiver's side: what it holds stays within what it advertised. */
		for (unsigned i = 0; i < VSOCK_CONNS_MAX; i++)
			for (unsigned k = 0; k < 2; k++) {
				const struct vsock_side *s = &r.conns[i].s[k];
				if (r.conns[i].state == VSOCK_CONN_ESTABLISHED && s->ep == ep &&
				    s->port == h.dst_port && r.conns[i].s[1 - k].port == h.src_port)
					invariant(s->sent - s->fwd_cnt <= s->buf_alloc);
			}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!qbuf)
		qbuf = malloc(VSOCK_ROUTER_BUF_BYTES);
	vsock_router_init(&r, qbuf);
	for (unsigned e = 0; e < EPS; e++) {
		eps[e] = (struct vsock_ep){ .cid = 3 + e, .kick = kick, .up = e != 2 };
		invariant(vsock_router_attach(&r, &eps[e]) == 0);
	}
	while (size >= 1) {
		u8 kind = data[0];
		struct vsock_ep *ep = &eps[(kind >> 2) % EPS];
		data++, size--;
		switch (kind & 3) {
		case 0: { /* tx */
			struct vsock_hdr h;
			if (size < sizeof(h) + 1)
				return 0;
			memcpy(&h, data, sizeof(h));
			u32 plen = (u32)data[sizeof(h)] * 16;
			data += sizeof(h) + 1, size -= sizeof(h) + 1;
			h.src_cid = fold_cid(h.src_cid);
			h.dst_cid = fold_cid(h.dst_cid);
			h.src_port %= 4;
			h.dst_port %= 4;
			h.op %= 9;
			if (h.type & 0x100)
				h.type = VSOCK_TYPE_STREAM;
			if (!(h.flags & 0x80000000u))
				h.len = h.len % (plen + 1);
			struct vsock_sg sg[2] = { { (u8 *)&h, sizeof(h) }, { payload, plen } };
			vsock_router_tx(&r, ep, sg, 2);
			break;
		}
		case 1: /* rx */
			if (size < 1)
				return 0;
			step_rx(ep, (u32)data[0] * 16 + (data[0] & 1 ? VSOCK_HDR_BYTES : 0));
			data++, size--;
			break;
		case 2:
			vsock_router_reset_ep(&r, ep);
			break;
		case 3:
			vsock_router_kick_pending(&r);
			vsock_router_has_pending(&r, ep);
			break;
		}
		check_tables();
	}
	return 0;
}
