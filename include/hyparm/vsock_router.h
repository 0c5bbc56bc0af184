/*
 * hyparm's vsock switch (virtio 1.2 section 5.10): every VM's virtio-vsock
 * device is an endpoint with a CID, and hyparm carries stream connections
 * between endpoints. No VM or device types here, so the host unit tests
 * (tests/unit/test_vsock.c) run exactly this code; the device
 * (vdev/virtio_vsock.c) hands it packets it took from a guest's transmit
 * queue and asks it for packets to put in a guest's receive queue.
 *
 * hyparm is not a wire between the two guests but a relay with a queue of
 * its own per connection and direction (VSOCK_QUEUE_BYTES), so flow
 * control is per leg:
 *   - sender -> hyparm: hyparm is the receiver. Every packet hyparm gives
 *     a guest carries hyparm's credit for that guest's sending: buf_alloc
 *     = VSOCK_QUEUE_BYTES, fwd_cnt = bytes hyparm moved out of that queue;
 *     a RW packet that does not fit the queue overran the credit (a
 *     hostile or broken sender) and resets the connection;
 *   - hyparm -> receiver: hyparm is the sender and honours the receiver's
 *     own credit (its buf_alloc and fwd_cnt, from every packet it sends),
 *     so a receiver's advertised buffer is never overrun.
 * A guest that stops reading fills its peer's queue in hyparm and stops
 * that one connection's credit, nothing else.
 *
 * Addresses are stamped: src_cid of every packet is the sending
 * endpoint's CID whatever the guest wrote. A packet for a CID with no
 * endpoint (the host, CID 2, included: there is no host side), a port
 * with no connection or a connection that ended gets RST; so does a
 * connection attempt beyond the tables' room.
 *
 * Locking: one router lock (r->lock) over everything here, taken inside a
 * device's own lock (device lock, then router lock; never two device
 * locks at once). Endpoints told that packets wait for them (kick) are
 * called by vsock_router_kick_pending() with no lock held.
 */
#ifndef HYPARM_VSOCK_ROUTER_H
#define HYPARM_VSOCK_ROUTER_H

#include <arch/spinlock.h>
#include <hyparm/types.h>

/* Well-known CIDs (VMADDR_CID_*): none of them is a VM's. */
#define VSOCK_CID_HYPERVISOR 0
#define VSOCK_CID_LOCAL 1
#define VSOCK_CID_HOST 2
#define VSOCK_CID_FIRST_GUEST 3
#define VSOCK_CID_ANY 0xFFFFFFFFu

/* Packet header (5.10.6), little-endian as both hyparm's CPUs are. */
struct vsock_hdr {
	u64 src_cid;
	u64 dst_cid;
	u32 src_port;
	u32 dst_port;
	u32 len;
	u16 type;
	u16 op;
	u32 flags;
	u32 buf_alloc;
	u32 fwd_cnt;
} __attribute__((packed));
#define VSOCK_HDR_BYTES 44
_Static_assert(sizeof(struct vsock_hdr) == VSOCK_HDR_BYTES, "the virtio-vsock header is 44 bytes");

#define VSOCK_TYPE_STREAM 1

enum vsock_op {
	VSOCK_OP_INVALID = 0,
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};

/* SHUTDOWN flags: the sender will receive / send no more. */
#define VSOCK_SHUTDOWN_RCV 1
#define VSOCK_SHUTDOWN_SEND 2

/* Largest payload a packet may carry (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE): longer ones are malformed. */
#define VSOCK_MAX_PAYLOAD 65536u
/* hyparm's queue per connection and direction: the credit it gives each sender. */
#define VSOCK_QUEUE_BYTES 32768u
/*
 * Connections carried at once, all VMs together, and those one endpoint may
 * be a side of: a VM cannot fill everyone's table, and one that never
 * reads holds only connections to itself (a new connect() beyond the share
 * gives up the VM's own oldest unanswered one).
 */
#define VSOCK_CONNS_MAX 32
#define VSOCK_CONNS_PER_EP 8
/* Endpoints (one per VM with a virtio-vsock device). */
#define VSOCK_EPS_MAX 16
/* RSTs for packets that match no connection, waiting for the sender's receive buffers (more are dropped). */
#define VSOCK_EP_RSTS 8
/* The queue memory the router needs (vsock_router_init). */
#define VSOCK_ROUTER_BUF_BYTES ((u64)VSOCK_CONNS_MAX * 2 * VSOCK_QUEUE_BYTES)

/* A guest buffer, already checked to be the guest's RAM (the virtqueue walker's struct virtq_buf). */
struct vsock_sg {
	u8 *p;
	u32 len;
};

/* What became of a transmitted packet (statistics and tests). */
enum vsock_tx_result {
	VSOCK_TX_FORWARDED, /* carried (queued for the peer, or answered by hyparm) */
	VSOCK_TX_RST, /* refused: an RST goes back to the sender */
	VSOCK_TX_MALFORMED, /* too short, len beyond the buffers or VSOCK_MAX_PAYLOAD: dropped */
	VSOCK_TX_DROPPED, /* nothing to do (an RST or unknown op for no connection) */
};

struct vsock_ep;
typedef void (*vsock_kick_fn)(struct vsock_ep *ep);

/* One endpoint (a VM's device). Fields are the router's, under r->lock, except cid, kick and ctx. */
struct vsock_ep {
	u64 cid;
	vsock_kick_fn kick; /* deliver what is pending: called with no lock held */
	void *ctx;
	bool attached;
	/*
	 * Set by its device: a driver runs it (receive queue ready). A REQUEST to
	 * an endpoint that is not up (its VM off, rebooting, or its driver not
	 * loaded) is refused at once, as by a machine with nobody listening.
	 */
	volatile bool up;
	bool pending; /* the router has something for it that it was not told about yet */
	struct vsock_hdr rsts[VSOCK_EP_RSTS]; /* RSTs for packets that matched no connection */
	unsigned rst_head, rst_count;
	unsigned conns; /* connections it is a side of (up to VSOCK_CONNS_PER_EP) */
	unsigned rr; /* round robin between its connections */
	/* Counters (the monitor's stats). */
	u64 tx_packets, rx_packets, tx_bytes, rx_bytes, malformed, refused, spoofed, overruns;
};

enum vsock_conn_state {
	VSOCK_CONN_FREE,
	VSOCK_CONN_REQUESTED, /* side 0 asked, side 1 has not answered */
	VSOCK_CONN_ESTABLISHED,
	VSOCK_CONN_CLOSING, /* reset: only the RSTs still owed are delivered */
};

/* What hyparm owes a side, delivered in this order (data between RESPONSE and SHUTDOWN). */
#define VSOCK_OWE_RST 1
#define VSOCK_OWE_REQUEST 2
#define VSOCK_OWE_RESPONSE 4
#define VSOCK_OWE_SHUTDOWN 8 /* once the queue towards it is empty */
#define VSOCK_OWE_CREDIT 16 /* a CREDIT_UPDATE (fwd_cnt moved, or it asked) */

struct vsock_side {
	struct vsock_ep *ep; /* NULL once it is gone (its VM reset) */
	u64 cid;
	u32 port;
	/* Its credit as a receiver, from its packets: hyparm sends it at most buf_alloc - (sent - fwd_cnt). */
	u32 buf_alloc, fwd_cnt;
	u32 sent; /* payload bytes hyparm gave it */
	/* The queue of what it sent, towards the other side. */
	u8 *buf;
	u32 head, len;
	u32 drained; /* bytes moved out of that queue: the fwd_cnt hyparm tells it */
	u32 told; /* the fwd_cnt it last heard */
	u32 owed; /* VSOCK_OWE_* */
	u32 shutdown; /* SHUTDOWN flags owed to it */
};

struct vsock_conn {
	enum vsock_conn_state state;
	u32 seq; /* when it was requested (reclaim_oldest_request) */
	struct vsock_side s[2]; /* 0: the side that connected, 1: the one that accepted */
};

struct vsock_router {
	spinlock_t lock;
	struct vsock_ep *eps[VSOCK_EPS_MAX];
	unsigned nr_eps;
	struct vsock_conn conns[VSOCK_CONNS_MAX];
	u32 seq; /* connection requests so far */
};

/* An empty router over buf (VSOCK_ROUTER_BUF_BYTES, the connections' queues). */
void vsock_router_init(struct vsock_router *r, u8 *buf);
/*
 * Make ep (cid, kick and ctx set) an endpoint: HV_OK, -HV_EINVAL for a CID
 * that cannot be a VM's (0, 1, 2, 0xFFFFFFFF or above 32 bits), -HV_EEXIST
 * if another endpoint has it, -HV_EBUSY when the table is full.
 */
int vsock_router_attach(struct vsock_router *r, struct vsock_ep *ep);
/*
 * ep's guest forgot everything (device or VM reset): its connections end,
 * their other sides get RST, nothing is pending for it any more.
 */
void vsock_router_reset_ep(struct vsock_router *r, struct vsock_ep *ep);
/*
 * One packet ep's guest transmitted: the header and payload in its
 * device-readable buffers, in order. Its src_cid is replaced by ep's CID.
 */
enum vsock_tx_result vsock_router_tx(struct vsock_router *r, struct vsock_ep *ep, const struct vsock_sg *sg,
				     unsigned nsg);
/* Does anything wait for ep (that fits its credit)? */
bool vsock_router_has_pending(struct vsock_router *r, struct vsock_ep *ep);
/*
 * The next packet for ep into its device-writable buffers: 1 and the
 * bytes written (header and payload) in *written, 0 if nothing fits (or
 * waits), -HV_EINVAL if the buffers are shorter than a header.
 */
int vsock_router_rx(struct vsock_router *r, struct vsock_ep *ep, const struct vsock_sg *sg, unsigned nsg,
		    u32 *written);
/* Call kick for every endpoint that has something new, with no lock held (the caller holds none). */
void vsock_router_kick_pending(struct vsock_router *r);

#endif
