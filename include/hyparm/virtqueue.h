/*
 * The split virtqueue (virtio 1.2, section 2.7) as a device walks it: one
 * module, free of hyparm's VM and device types so that the host unit
 * tests and the fuzzer (fuzz/fuzz_virtqueue.c) run exactly this code.
 *
 * Every ring lives in guest memory, which the guest (any of its vCPUs)
 * may change at any moment, so the walker
 *   - reads each guest value once, into a local, and validates the copy
 *     (never "check, then read again");
 *   - reaches guest memory only through struct vq_mem, whose translation
 *     checks that [ipa, ipa + len) lies wholly inside the VM's RAM with
 *     arithmetic that cannot wrap (a buffer ending on RAM's last byte is
 *     valid, one byte further is not);
 *   - bounds every loop: a direct chain by the queue size, an indirect
 *     table by its own entry count, so a descriptor loop ends;
 *   - tells apart two kinds of guest mistake. A malformed *chain* (a bad
 *     descriptor address, a loop, a nested or unnegotiated indirect table,
 *     a readable buffer after a writable one) is the request's error: the
 *     device completes it (used length 0, or its own error status) and
 *     the queue goes on. A malformed *ring* (the available index jumping
 *     by more than the queue size, a head index outside the table, rings
 *     outside RAM) leaves nothing to complete safely: the queue is broken
 *     and the device must ask for a reset (DEVICE_NEEDS_RESET).
 */
#ifndef HYPARM_VIRTQUEUE_H
#define HYPARM_VIRTQUEUE_H

#include <hyparm/types.h>

/* Largest queue a device offers (QueueNumMax); split queues are a power of 2 in size. */
#define VIRTQ_MAX_SIZE 256
/* Largest indirect table accepted, in descriptors (Linux uses at most one per scatter-gather entry). */
#define VIRTQ_MAX_INDIRECT 1024

/* Descriptor flags (virtio 1.2, 2.7.5). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
/* Ring flags: the driver asks for no interrupt / the device for no notification (without EVENT_IDX). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

/* Guest layouts (little-endian, as the guest writes them). */
struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "a split descriptor is 16 bytes");

struct virtq_used_elem {
	u32 id;
	u32 len;
};

/* Ring sizes in bytes for a queue of num entries, EVENT_IDX words included (the spec's formulas). */
#define VIRTQ_DESC_BYTES(num) (16ULL * (num))
#define VIRTQ_AVAIL_BYTES(num) (6ULL + 2ULL * (num))
#define VIRTQ_USED_BYTES(num) (6ULL + 8ULL * (num))

/*
 * The guest's RAM as the walker sees it: contiguous IPA [ipa, ipa + size)
 * at host address host. ready (optional) makes the RAM at offsets
 * [off, off + len) usable before the walker touches it (hyparm scrubs and
 * maps lazily: hyparm/vm_ram.h); it returns 0 or a negative error.
 * usable (optional) is a bitmap of the RAM's blocks of 1 << block_shift
 * bytes that need no call to ready (bit n: block n, read with acquire):
 * most accesses find their block there, without the call (a virtqueue
 * access makes some four of them per frame or disk request).
 */
struct vq_mem {
	u64 ipa;
	u64 size;
	u8 *host;
	int (*ready)(void *ctx, u64 off, u64 len);
	void *ctx;
	const u64 *usable;
	unsigned block_shift;
};

/*
 * Host pointer for guest range [ipa, ipa + len) or NULL when any byte of
 * it is outside RAM (or cannot be made ready). len 0 is a valid empty
 * range at any ipa in [ipa, ipa + size].
 */
void *vq_mem_ptr(const struct vq_mem *m, u64 ipa, u64 len);

/* Why a queue broke or a chain was refused (virtq.error / virtq_chain.error). */
enum virtq_err {
	VQ_OK = 0,
	VQ_E_RING_ADDR, /* a ring outside RAM or misaligned */
	VQ_E_AVAIL_JUMP, /* avail idx moved by more than the queue size */
	VQ_E_HEAD, /* a head index >= queue size */
	VQ_E_NEXT, /* a next index outside the table */
	VQ_E_LOOP, /* more descriptors than the table holds: a loop */
	VQ_E_DESC_ADDR, /* a buffer outside RAM (or wrapping) */
	VQ_E_INDIRECT_OFF, /* INDIRECT without VIRTIO_F_INDIRECT_DESC */
	VQ_E_INDIRECT_NESTED, /* INDIRECT inside an indirect table */
	VQ_E_INDIRECT_LEN, /* table length 0, not a multiple of 16, too large, or INDIRECT|NEXT */
	VQ_E_ORDER, /* a device-readable buffer after a device-writable one */
	VQ_E_DIRECTION, /* the device needed the other direction (set by devices) */
	VQ_E_COUNT
};
const char *virtq_err_name(int err);

/* One queue's device-side state. The addresses and size are set by the transport while it is not ready. */
struct virtq {
	u16 num; /* queue size: a power of 2, 1..VIRTQ_MAX_SIZE */
	u64 desc, avail, used; /* IPAs */
	bool ready; /* set by virtq_enable: addresses checked */
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect; /* VIRTIO_F_INDIRECT_DESC negotiated */
	u16 last_avail; /* next available entry the device takes */
	u16 used_idx; /* the device's copy of used->idx */
	u16 signalled; /* used_idx when the driver was last interrupted (EVENT_IDX) */
	bool signalled_valid; /* false until the first interrupt decision (always interrupt then) */
	int error; /* enum virtq_err: nonzero = broken, the device needs a reset */
	u64 chain_errors; /* malformed chains completed with an error (statistics) */
};

/* A request being walked; the device reads its buffers with virtq_next. */
struct virtq_chain {
	u16 head; /* descriptor index completed in the used ring */
	/* Private walker state. */
	u16 next; /* next descriptor index in the current table */
	bool more; /* a descriptor remains */
	bool in_indirect;
	u64 table; /* IPA of the indirect table */
	u32 table_num; /* its entries */
	u32 seen; /* descriptors visited in the current table (loop bound) */
	bool seen_write; /* a writable buffer came: readable ones may not follow */
	int error; /* enum virtq_err, VQ_OK while well formed */
};

/* One buffer of a chain, translated. */
struct virtq_buf {
	u64 ipa;
	u32 len;
	bool write; /* device-writable */
	u8 *host; /* checked: [host, host + len) is the guest's RAM */
};

/* Back to the reset state (not ready, size 0, addresses 0). */
void virtq_reset(struct virtq *q);
/*
 * Check q's rings (size a power of 2 up to VIRTQ_MAX_SIZE, alignment, each
 * ring wholly in RAM) and start it at index 0: HV_OK, or -HV_EINVAL and
 * q->error set (the transport's QueueReady write then asks for a reset).
 */
int virtq_enable(struct virtq *q, const struct vq_mem *m);
/*
 * Take the next available chain: 1 and c started, 0 if none, or -HV_EFAULT
 * when the ring is malformed (q->error set; the queue is broken from then
 * on and every call returns -HV_EFAULT until virtq_reset).
 */
int virtq_pop(struct virtq *q, const struct vq_mem *m, struct virtq_chain *c);
/*
 * The chain's next buffer: 1 and b filled, 0 at its end, or -HV_EINVAL if
 * the descriptor is malformed (c->error set; the chain has no more
 * buffers and must be completed, with virtq_push, as failed).
 */
int virtq_next(const struct virtq *q, const struct vq_mem *m, struct virtq_chain *c, struct virtq_buf *b);
/*
 * Complete c with `written` bytes written to its writable buffers (the
 * element first, then used->idx with release order). A chain with an error
 * is counted in q->chain_errors; its caller passes the length it wants
 * the guest to see (0 unless it wrote an error status).
 */
void virtq_push(struct virtq *q, const struct vq_mem *m, const struct virtq_chain *c, u32 written);
/*
 * After one or more pushes: must the driver be interrupted? EVENT_IDX:
 * whether used_idx passed used_event since the last interrupt; otherwise
 * unless the driver set VIRTQ_AVAIL_F_NO_INTERRUPT. A full barrier orders
 * the used-index store before the read of the driver's wish.
 */
bool virtq_should_interrupt(struct virtq *q, const struct vq_mem *m);
/*
 * With EVENT_IDX: publish avail_event = the next index the device will
 * take, so the driver notifies when it adds that one; then the caller
 * should look at the ring again (virtq_pop) to close the race with a
 * driver that added a buffer before seeing it.
 */
void virtq_publish_avail_event(struct virtq *q, const struct vq_mem *m);

#endif
