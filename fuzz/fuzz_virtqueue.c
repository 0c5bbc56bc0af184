/*
 * The split-virtqueue walker (core/virtqueue.c) over rings the input
 * writes: the same code hyparm runs on a guest's queues. The RAM is a
 * heap buffer of exactly its size, so ASan catches any access the walker
 * translates outside it. Invariants: every buffer handed out lies inside
 * RAM; a chain yields at most queue size + indirect-table size buffers;
 * a broken queue stays broken and hands out nothing; the used index moves
 * only by the device's completions.
 *
 * Input: 2 bytes queue size, 3 x 2 bytes ring offsets (in 16-byte units),
 * 1 byte features (bit 0 EVENT_IDX, bit 1 INDIRECT), then the RAM image
 * (the rest, up to RAM_SIZE bytes; the remainder is zero).
 */
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/virtqueue.h>
#include "input.h"

#define RAM_IPA 0x40000000ULL
#define RAM_SIZE 0x4000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);
	struct virtq q;
	struct virtq_chain c;
	struct virtq_buf b;
	u8 *ram = malloc(RAM_SIZE);
	struct vq_mem mem = { .ipa = RAM_IPA, .size = RAM_SIZE, .host = ram };
	u8 feat;

	virtq_reset(&q);
	q.num = fuzz_u16(&in);
	q.desc = RAM_IPA + 16ULL * fuzz_u16(&in);
	q.avail = RAM_IPA + 16ULL * fuzz_u16(&in);
	q.used = RAM_IPA + 16ULL * fuzz_u16(&in);
	feat = fuzz_u8(&in);
	q.event_idx = feat & 1;
	q.indirect = feat & 2;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, in.p, in.left < RAM_SIZE ? in.left : RAM_SIZE);
	if (virtq_enable(&q, &mem)) {
		FUZZ_CHECK(!q.ready && q.error);
		free(ram);
		return 0;
	}
	/* At most a ring's worth of chains twice over (the index wraps within one ring). */
	for (unsigned round = 0; round < 2u * q.num; round++) {
		u16 used_before = q.used_idx;
		unsigned bufs = 0;
		u32 written = 0;
		int rc = virtq_pop(&q, &mem, &c);

		if (rc < 0) {
			FUZZ_CHECK(q.error);
			FUZZ_CHECK(virtq_pop(&q, &mem, &c) == -HV_EFAULT);
			break;
		}
		if (rc == 0)
			break;
		FUZZ_CHECK(c.head < q.num);
		while ((rc = virtq_next(&q, &mem, &c, &b)) == 1) {
			FUZZ_CHECK(b.host >= ram && b.host <= ram + RAM_SIZE);
			FUZZ_CHECK(b.len <= (u64)(ram + RAM_SIZE - b.host));
			FUZZ_CHECK(b.ipa - RAM_IPA == (u64)(b.host - ram));
			if (b.write) {
				memset(b.host, 0xA5, b.len); /* ASan: the whole buffer is RAM */
				written += b.len;
			}
			FUZZ_CHECK(++bufs <= (unsigned)q.num + VIRTQ_MAX_INDIRECT);
		}
		FUZZ_CHECK(rc == 0 ? !c.error : c.error != VQ_OK);
		virtq_push(&q, &mem, &c, c.error ? 0 : written);
		FUZZ_CHECK(q.used_idx == (u16)(used_before + 1));
		(void)virtq_should_interrupt(&q, &mem);
		virtq_publish_avail_event(&q, &mem);
	}
	free(ram);
	return 0;
}
