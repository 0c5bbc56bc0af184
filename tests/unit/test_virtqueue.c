/* The split-virtqueue walker over well-formed and malformed rings in a fake guest RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/virtqueue.h>

#define RAM_IPA 0x40000000ULL
#define RAM_SIZE 0x10000ULL
#define NUM 8
/* Ring placement inside the fake RAM. */
#define DESC (RAM_IPA + 0x1000)
#define AVAIL (RAM_IPA + 0x2000)
#define USED (RAM_IPA + 0x3000)
#define TABLE (RAM_IPA + 0x4000)
#define BUF (RAM_IPA + 0x8000)

static u8 *ram;
static struct vq_mem mem;
static struct virtq q;
static unsigned ready_calls;

static int ready(void *ctx, u64 off, u64 len)
{
	(void)ctx;
	ready_calls++;
	assert_true(off < RAM_SIZE && len <= RAM_SIZE - off);
	return 0;
}

static void *at(u64 ipa)
{
	return ram + (ipa - RAM_IPA);
}

static void desc_at(u64 table, unsigned i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };
	memcpy(at(table + 16 * i), &d, 16);
}

static void desc(unsigned i, u64 addr, u32 len, u16 flags, u16 next)
{
	desc_at(DESC, i, addr, len, flags, next);
}

static u16 avail_idx(void)
{
	u16 v;
	memcpy(&v, at(AVAIL + 2), 2);
	return v;
}

/* Make head available at the driver's next slot. */
static void offer(u16 head)
{
	u16 idx = avail_idx();
	memcpy(at(AVAIL + 4 + 2 * (idx % NUM)), &head, 2);
	idx++;
	memcpy(at(AVAIL + 2), &idx, 2);
}

static void set_avail_idx(u16 idx)
{
	memcpy(at(AVAIL + 2), &idx, 2);
}

static u16 used_idx(void)
{
	u16 v;
	memcpy(&v, at(USED + 2), 2);
	return v;
}

static struct virtq_used_elem used_elem(unsigned i)
{
	struct virtq_used_elem e;
	memcpy(&e, at(USED + 4 + 8 * i), 8);
	return e;
}

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	mem = (struct vq_mem){ .ipa = RAM_IPA, .size = RAM_SIZE, .host = ram, .ready = ready };
	ready_calls = 0;
	virtq_reset(&q);
	q.num = NUM;
	q.desc = DESC;
	q.avail = AVAIL;
	q.used = USED;
	assert_int_equal(virtq_enable(&q, &mem), HV_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

/* Pop one chain and walk it to its end or its error; returns the walk's last result. */
static int walk(struct virtq_chain *c, unsigned *nbufs, u32 *written)
{
	struct virtq_buf b;
	int rc;

	*nbufs = 0;
	*written = 0;
	assert_int_equal(virtq_pop(&q, &mem, c), 1);
	while ((rc = virtq_next(&q, &mem, c, &b)) == 1) {
		(*nbufs)++;
		if (b.write) {
			memset(b.host, 0x5A, b.len);
			*written += b.len;
		}
	}
	return rc;
}

static void test_well_formed_chain(void **state)
{
	struct virtq_chain c;
	unsigned n;
	u32 w;

	(void)state;
	desc(3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	desc(5, BUF + 0x100, 32, VIRTQ_DESC_F_WRITE, 0);
	offer(3);
	assert_int_equal(walk(&c, &n, &w), 0);
	assert_int_equal(c.error, VQ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(w, 32);
	assert_int_equal(((u8 *)at(BUF))[0], 0); /* the readable buffer was not written */
	assert_int_equal(((u8 *)at(BUF + 0x100))[31], 0x5A);
	virtq_push(&q, &mem, &c, w);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(used_elem(0).id, 3);
	assert_int_equal(used_elem(0).len, 32);
	assert_int_equal(virtq_pop(&q, &mem, &c), 0); /* nothing more */
	assert_true(virtq_should_interrupt(&q, &mem));
	assert_true(ready_calls > 0);
}

/*
 * Blocks marked in mem.usable need no ready call; unmarked ones, and a
 * range over more than two blocks, still get one (RAM_SIZE is 16 blocks
 * of 4 KiB here). A range outside RAM is refused whatever the bitmap says.
 */
static void test_usable_blocks_skip_ready(void **state)
{
	static const u64 marked = 0x6; /* blocks 1 and 2 */

	(void)state;
	mem.usable = &marked;
	mem.block_shift = 12;
	ready_calls = 0;
	assert_non_null(vq_mem_ptr(&mem, RAM_IPA + 0x1000, 0x100));
	assert_non_null(vq_mem_ptr(&mem, RAM_IPA + 0x1F00, 0x200)); /* blocks 1 and 2 */
	assert_int_equal(ready_calls, 0);
	assert_non_null(vq_mem_ptr(&mem, RAM_IPA + 0x2F00, 0x200)); /* block 3 is not marked */
	assert_int_equal(ready_calls, 1);
	assert_non_null(vq_mem_ptr(&mem, RAM_IPA, 0x100)); /* nor block 0 */
	assert_int_equal(ready_calls, 2);
	assert_null(vq_mem_ptr(&mem, RAM_IPA + RAM_SIZE - 0x10, 0x20));
	assert_int_equal(ready_calls, 2);
	mem.usable = NULL;
}

static void test_no_interrupt_flag(void **state)
{
	u16 flags = VIRTQ_AVAIL_F_NO_INTERRUPT;

	(void)state;
	memcpy(at(AVAIL), &flags, 2);
	assert_false(virtq_should_interrupt(&q, &mem));
}

static void test_buffer_at_end_of_ram(void **state)
{
	struct virtq_chain c;
	unsigned n;
	u32 w;

	(void)state;
	/* Ends on RAM's last byte: valid. */
	desc(0, RAM_IPA + RAM_SIZE - 64, 64, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(walk(&c, &n, &w), 0);
	assert_int_equal(c.error, VQ_OK);
	assert_int_equal(w, 64);
	virtq_push(&q, &mem, &c, w);
	/* One byte further: refused, and the chain is completed as failed, the queue goes on. */
	desc(1, RAM_IPA + RAM_SIZE - 64, 65, VIRTQ_DESC_F_WRITE, 0);
	offer(1);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_DESC_ADDR);
	assert_int_equal(n, 0);
	virtq_push(&q, &mem, &c, 0);
	assert_int_equal(used_idx(), 2);
	assert_int_equal(used_elem(1).id, 1);
	assert_int_equal(used_elem(1).len, 0);
	assert_int_equal(q.chain_errors, 1);
	assert_int_equal(q.error, VQ_OK);
}

static void test_addresses_outside_ram(void **state)
{
	static const struct {
		u64 addr;
		u32 len;
	} bad[] = {
		{ RAM_IPA - 1, 2 }, /* starts below */
		{ RAM_IPA + RAM_SIZE, 1 }, /* starts at the end */
		{ 0xFFFFFFFFFFFFFFF0ULL, 0x20 }, /* wraps around 2^64 */
		{ RAM_IPA, 0xFFFFFFFFu }, /* huge length */
		{ 0, 16 }, /* device memory / nothing */
	};
	struct virtq_chain c;
	unsigned n;
	u32 w;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		desc(0, bad[i].addr, bad[i].len, VIRTQ_DESC_F_WRITE, 0);
		offer(0);
		assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
		assert_int_equal(c.error, VQ_E_DESC_ADDR);
		virtq_push(&q, &mem, &c, 0);
	}
	assert_int_equal(q.error, VQ_OK);
	assert_int_equal(q.chain_errors, ARRAY_SIZE(bad));
}

static void test_descriptor_loop(void **state)
{
	struct virtq_chain c;
	unsigned n;
	u32 w;

	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_LOOP);
	assert_int_equal(n, NUM); /* at most the table's size */
	/* A self-loop. */
	virtq_push(&q, &mem, &c, 0);
	desc(2, BUF, 8, VIRTQ_DESC_F_NEXT, 2);
	offer(2);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_LOOP);
}

static void test_next_out_of_range(void **state)
{
	struct virtq_chain c;
	unsigned n;
	u32 w;

	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, NUM);
	offer(0);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_NEXT);
	assert_int_equal(n, 1);
}

static void test_avail_index_jump_breaks_queue(void **state)
{
	struct virtq_chain c;

	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	set_avail_idx(NUM); /* exactly a full ring: allowed */
	assert_int_equal(virtq_pop(&q, &mem, &c), 1);
	set_avail_idx(1 + NUM + 1); /* NUM + 1 new entries past last_avail (1) */
	assert_int_equal(virtq_pop(&q, &mem, &c), -HV_EFAULT);
	assert_int_equal(q.error, VQ_E_AVAIL_JUMP);
	/* Broken until reset: nothing more is taken or completed. */
	set_avail_idx(2);
	assert_int_equal(virtq_pop(&q, &mem, &c), -HV_EFAULT);
	virtq_push(&q, &mem, &c, 0);
	assert_int_equal(used_idx(), 0);
}

static void test_avail_index_backwards_breaks_queue(void **state)
{
	struct virtq_chain c;

	(void)state;
	set_avail_idx(0xFFFF); /* backwards by one: a jump of 0xFFFF */
	assert_int_equal(virtq_pop(&q, &mem, &c), -HV_EFAULT);
	assert_int_equal(q.error, VQ_E_AVAIL_JUMP);
}

static void test_head_out_of_range_breaks_queue(void **state)
{
	struct virtq_chain c;

	(void)state;
	offer(NUM);
	assert_int_equal(virtq_pop(&q, &mem, &c), -HV_EFAULT);
	assert_int_equal(q.error, VQ_E_HEAD);
}

static void test_indirect(void **state)
{
	struct virtq_chain c;
	unsigned n;
	u32 w;

	(void)state;
	desc_at(TABLE, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc_at(TABLE, 1, BUF + 0x100, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc_at(TABLE, 2, BUF + 0x200, 28, VIRTQ_DESC_F_WRITE, 0);
	desc(4, TABLE, 48, VIRTQ_DESC_F_INDIRECT, 0);
	/* Not negotiated: refused. */
	offer(4);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_INDIRECT_OFF);
	virtq_push(&q, &mem, &c, 0);
	/* Negotiated: three buffers. */
	q.indirect = true;
	offer(4);
	assert_int_equal(walk(&c, &n, &w), 0);
	assert_int_equal(c.error, VQ_OK);
	assert_int_equal(n, 3);
	assert_int_equal(w, 128);
	virtq_push(&q, &mem, &c, w);
}

static void test_indirect_malformed(void **state)
{
	static const struct {
		u64 addr;
		u32 len;
		u16 flags;
		int err;
	} bad[] = {
		{ TABLE, 40, VIRTQ_DESC_F_INDIRECT, VQ_E_INDIRECT_LEN }, /* not a multiple of 16 */
		{ TABLE, 0, VIRTQ_DESC_F_INDIRECT, VQ_E_INDIRECT_LEN },
		{ TABLE, 16 * (VIRTQ_MAX_INDIRECT + 1), VIRTQ_DESC_F_INDIRECT, VQ_E_INDIRECT_LEN },
		{ TABLE, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, VQ_E_INDIRECT_LEN },
		{ RAM_IPA + RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, VQ_E_DESC_ADDR },
	};
	struct virtq_chain c;
	unsigned n;
	u32 w;

	(void)state;
	q.indirect = true;
	desc_at(TABLE, 0, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		desc(0, bad[i].addr, bad[i].len, bad[i].flags, 1);
		offer(0);
		assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
		assert_int_equal(c.error, bad[i].err);
		virtq_push(&q, &mem, &c, 0);
	}
	/* Nested: a table entry that is itself INDIRECT. */
	desc_at(TABLE, 0, TABLE + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc(0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_INDIRECT_NESTED);
	virtq_push(&q, &mem, &c, 0);
	/* A loop inside a table ends at the table's size. */
	desc_at(TABLE, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc_at(TABLE, 1, BUF, 4, VIRTQ_DESC_F_NEXT, 0);
	desc(0, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_LOOP);
	assert_int_equal(n, 2);
	virtq_push(&q, &mem, &c, 0);
	/* next outside the table (though inside the queue). */
	desc_at(TABLE, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 2);
	offer(0);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_NEXT);
	assert_int_equal(q.error, VQ_OK);
}

static void test_readable_after_writable(void **state)
{
	struct virtq_chain c;
	unsigned n;
	u32 w;

	(void)state;
	desc(0, BUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF + 8, 8, 0, 0);
	offer(0);
	assert_int_equal(walk(&c, &n, &w), -HV_EINVAL);
	assert_int_equal(c.error, VQ_E_ORDER);
	assert_int_equal(n, 1);
}

static void test_enable_checks(void **state)
{
	(void)state;
	q.num = 6; /* not a power of 2 */
	assert_int_equal(virtq_enable(&q, &mem), -HV_EINVAL);
	assert_false(q.ready);
	q.num = VIRTQ_MAX_SIZE * 2;
	assert_int_equal(virtq_enable(&q, &mem), -HV_EINVAL);
	q.num = NUM;
	q.desc = DESC + 8; /* misaligned */
	assert_int_equal(virtq_enable(&q, &mem), -HV_EINVAL);
	q.desc = DESC;
	q.avail = RAM_IPA + RAM_SIZE - VIRTQ_AVAIL_BYTES(NUM) + 2; /* runs past RAM by 2 bytes */
	assert_int_equal(virtq_enable(&q, &mem), -HV_EINVAL);
	assert_int_equal(q.error, VQ_E_RING_ADDR);
	q.avail = RAM_IPA + RAM_SIZE - VIRTQ_AVAIL_BYTES(NUM); /* ends on the last byte */
	assert_int_equal(virtq_enable(&q, &mem), HV_OK);
	q.used = USED + 2; /* misaligned */
	assert_int_equal(virtq_enable(&q, &mem), -HV_EINVAL);
	q.used = USED;
	q.num = 0;
	assert_int_equal(virtq_enable(&q, &mem), -HV_EINVAL);
}

static void test_event_idx(void **state)
{
	struct virtq_chain c;
	unsigned n;
	u32 w;
	u16 ev, avail_event;

	(void)state;
	q.event_idx = true;
	desc(0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	/* First completion always interrupts. */
	offer(0);
	walk(&c, &n, &w);
	virtq_push(&q, &mem, &c, w);
	assert_true(virtq_should_interrupt(&q, &mem));
	/* used_event = 2: the driver wants an interrupt once used idx passes 2, i.e. at 3. */
	ev = 2;
	memcpy(at(AVAIL + 4 + 2 * NUM), &ev, 2);
	offer(0);
	walk(&c, &n, &w);
	virtq_push(&q, &mem, &c, w); /* used 2 */
	assert_false(virtq_should_interrupt(&q, &mem));
	offer(0);
	walk(&c, &n, &w);
	virtq_push(&q, &mem, &c, w); /* used 3 */
	assert_true(virtq_should_interrupt(&q, &mem));
	virtq_publish_avail_event(&q, &mem);
	memcpy(&avail_event, at(USED + 4 + 8 * NUM), 2);
	assert_int_equal(avail_event, 3);
}

static void test_err_names(void **state)
{
	(void)state;
	for (int e = 0; e < VQ_E_COUNT; e++)
		assert_non_null(virtq_err_name(e));
	assert_string_equal(virtq_err_name(-1), "?");
	assert_string_equal(virtq_err_name(VQ_E_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_well_formed_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usable_blocks_skip_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_interrupt_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_at_end_of_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avail_index_jump_breaks_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avail_index_backwards_breaks_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_out_of_range_breaks_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readable_after_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
		cmocka_unit_test(test_err_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
