/*
 * hyparm's virtual switch: a learning Ethernet (L2) switch between ports.
 * A port is one VM's virtio-net device (vdev/virtio_net.c) or the uplink
 * (drivers/virtio_net.c: QEMU's virtio-net with user networking).
 *
 *   - A frame entering from port P teaches the switch that its source MAC
 *     lives behind P (a MAC table of VSWITCH_MAC_ENTRIES entries, each
 *     forgotten VSWITCH_MAC_AGE_S seconds after it was last seen; a full
 *     table gives up its oldest entry: bounded size and ageing both).
 *   - A frame for a known unicast MAC goes to that port only; broadcast,
 *     multicast and unknown destinations are flooded to every open port
 *     but P. No frame ever goes back out of the port it came in by.
 *   - Each port has a bounded queue of frames waiting to be delivered
 *     (VSWITCH_QUEUE_LEN): when it is full the frame is dropped and
 *     counted, never waited for. Within a queue each source port may hold
 *     at most its fair share (the length divided by the other ports), so a
 *     flooding VM cannot take the room that other senders' frames need.
 *   - A VM port may be MAC-locked: frames whose source is not the port's
 *     own MAC are refused (a VM cannot pretend to be another and steal its
 *     traffic by teaching the switch a lie), and frames for that MAC go to
 *     that port without learning (a static entry: never aged, never
 *     evicted, so traffic between VMs never floods; while the port is
 *     closed they are dropped, not flooded).
 *
 * The switch decides on its own copy of a frame's Ethernet header, taken
 * once as the frame enters: a frame may be read straight from a sending
 * guest's buffer, which that guest can rewrite meanwhile, and every copy
 * made of the frame carries the header the switch checked (a guest cannot
 * change its source MAC after the spoofing check). An entering frame goes
 * either straight to where the destination port sends it (its
 * ops->deliver, the cut-through: one copy from the sender's buffer into
 * the receiving guest's buffer or the uplink's, when the port has nothing
 * queued and room at once) or into the destination's queue, from which
 * the port's owner takes it (vswitch_port_peek / _pop) under its own
 * lock, when it has somewhere to put it. After frames were queued or
 * delivered, the sender (with no lock of its own held) calls
 * vswitch_kick_pending(), which asks each port with new frames to take
 * them (its ops->kick), and to tell its guest of those delivered.
 *
 * Locks: sw->lock (MAC table) and each port's qlock (its queue) are leaf
 * locks: nothing is called with them held. A port's consumer side (peek,
 * pop, close) is serialised by its owner.
 */
#ifndef HYPARM_VSWITCH_H
#define HYPARM_VSWITCH_H

#include <arch/spinlock.h>
#include <hyparm/types.h>

#define ETH_ALEN 6
#define ETH_HLEN 14
/* Largest frame switched (no FCS): a 1500-byte payload with one VLAN tag. No offloads, no jumbo frames. */
#define VSWITCH_FRAME_MAX 1518
#define VSWITCH_MAX_PORTS 16
#define VSWITCH_QUEUE_LEN 64
#define VSWITCH_MAC_ENTRIES 64
#define VSWITCH_MAC_AGE_S 300 /* as Linux bridges and most hardware switches */

struct vswitch_port;

struct vswitch_frame {
	u16 len;
	u16 from; /* the port it entered by (the fair-share count) */
	u8 data[VSWITCH_FRAME_MAX];
};

/* What ops->deliver did with a frame. */
enum vswitch_delivery {
	VSWITCH_QUEUE, /* not taken now (its lock busy, no buffer): the switch queues it */
	VSWITCH_DELIVERED,
	VSWITCH_REFUSED, /* taken and dropped (the buffer it would go into is malformed) */
};

struct vswitch_port_ops {
	/* Frames wait on p, or were delivered: take what you can. Called with no switch lock held. */
	void (*kick)(struct vswitch_port *p);
	/*
	 * Optional: copy the frame of len bytes straight to where p sends it,
	 * its first ETH_HLEN bytes from eth (the switch's checked copy), the
	 * rest from frame + ETH_HLEN. Called by vswitch_input, with no switch
	 * lock held, only while p's queue is empty (frames keep their order),
	 * by a sender that may hold its own device lock: it must never wait
	 * for a lock (try, and answer VSWITCH_QUEUE), nor call the switch.
	 */
	enum vswitch_delivery (*deliver)(struct vswitch_port *p, const u8 *eth, const u8 *frame, u32 len);
};

/* Counters, from the port's side: in = frames it gave the switch, out = frames the switch gave it. */
struct vswitch_port_stats {
	u64 in_frames, in_bytes;
	u64 in_runt; /* shorter than an Ethernet header, or longer than VSWITCH_FRAME_MAX */
	u64 in_spoofed; /* a MAC-locked port sent a frame with another source MAC */
	u64 in_bad_src; /* a multicast source MAC (never learned) */
	u64 out_frames, out_bytes; /* taken by the port (vswitch_port_pop) */
	u64 out_dropped; /* its queue was full (or its sender's share of it was) */
};

struct vswitch_port {
	struct vswitch *sw;
	unsigned id;
	const char *name;
	const struct vswitch_port_ops *ops;
	void *ctx; /* the owner's */
	bool mac_locked;
	u8 mac[ETH_ALEN];
	u64 mac_key; /* mac as one word (vswitch_mac_key) */
	spinlock_t qlock; /* the queue, open and the counts below */
	bool open; /* takes frames (false: not attached, or its VM is resetting) */
	struct vswitch_frame *q; /* cap frames, storage given by the owner */
	unsigned cap, head, count;
	u16 queued_from[VSWITCH_MAX_PORTS]; /* frames in q per source port */
	bool kick_pending; /* frames came since its owner was last kicked (atomic) */
	struct vswitch_port_stats stats;
};

struct vswitch_mac {
	u64 key; /* the address, vswitch_mac_key: compared as one word */
	bool used;
	u8 port;
	u64 seen; /* when it last sent, in the switch's time unit */
};

struct vswitch {
	spinlock_t lock; /* the MAC table, the port list and the switch counters */
	struct vswitch_port *ports[VSWITCH_MAX_PORTS];
	unsigned nr_ports;
	u64 age; /* a MAC entry's lifetime in the caller's time unit */
	struct vswitch_mac table[VSWITCH_MAC_ENTRIES];
	u64 flooded, unicast, learned, evicted, dropped_to_self;
};

/* An empty switch whose MAC entries live age time units (the unit of every `now` passed later). */
void vswitch_init(struct vswitch *sw, u64 age);
/*
 * Add port p (closed) with queue storage q of cap frames: HV_OK, or
 * -HV_EBUSY when the switch has VSWITCH_MAX_PORTS. mac (may be NULL)
 * MAC-locks the port to that address.
 */
int vswitch_port_add(struct vswitch *sw, struct vswitch_port *p, const char *name,
		     const struct vswitch_port_ops *ops, void *ctx, struct vswitch_frame *q, unsigned cap,
		     const u8 *mac);
/* Open p: it takes frames from now on. */
void vswitch_port_open(struct vswitch_port *p);
/*
 * Close p: frames waiting in its queue are dropped, and the MAC entries
 * that point at it forgotten; nothing is queued on it until it opens.
 */
void vswitch_port_close(struct vswitch_port *p);
/*
 * A frame entering from port src at time now: learnt, then delivered to
 * or queued on each port it goes to. frame is read during the call only
 * (it may be a guest's buffer: its header is read once). Returns the
 * number of ports it was delivered to or queued for (0: dropped or
 * nowhere to go). The caller may hold its own device lock; it then calls
 * vswitch_kick_pending() once that is released.
 */
unsigned vswitch_input(struct vswitch *sw, struct vswitch_port *src, const u8 *frame, u32 len, u64 now);
/* Kick every port that got frames since its last kick. Call with no device lock held. */
void vswitch_kick_pending(struct vswitch *sw);
/* The oldest frame waiting on p (NULL: none); it stays there until vswitch_port_pop. */
const struct vswitch_frame *vswitch_port_peek(struct vswitch_port *p);
/* Remove the oldest frame (delivered, or dropped by the owner: delivered says which, for the counters). */
void vswitch_port_pop(struct vswitch_port *p, bool delivered);
/* Frames waiting on p. */
unsigned vswitch_port_pending(struct vswitch_port *p);

/*
 * The machine's one switch, every VM's virtio-net and the uplink on it.
 * Its first caller (a device's creation, on the boot CPU before any VM
 * runs) sets it up with age; later calls return the same switch.
 */
struct vswitch *vswitch_machine(u64 age);

/* A MAC address as one word, its first byte lowest: what the table compares. */
static inline u64 vswitch_mac_key(const u8 *mac)
{
	u64 k = 0;
	for (unsigned i = 0; i < ETH_ALEN; i++)
		k |= (u64)mac[i] << (8 * i);
	return k;
}

/* The port behind mac at time now, or -1 (unknown, or aged out). */
int vswitch_lookup(struct vswitch *sw, const u8 *mac, u64 now);

#endif
