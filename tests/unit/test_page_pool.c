/* Bitmap page pool (core/page_pool.c) and the zeroing system allocator on top (core/page_alloc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <hyparm/page_alloc.h>

#define PG PAGE_SIZE
#define BASE 0x40000000ULL /* the pool only does arithmetic on PAs: no memory behind it needed */

static struct page_pool pool;
static u64 bitmap[64]; /* up to 4096 pages */

static void init(paddr_t base, u64 npages)
{
	memset(bitmap, 0xFF, sizeof(bitmap)); /* init must clear it */
	page_pool_init(&pool, base, npages, bitmap);
}

static int setup(void **state)
{
	init(BASE, 64);
	return 0;
}

static void init_makes_every_page_free(void **state)
{
	assert_int_equal(pool.free_pages, 64);
	assert_int_equal(pool.npages, 64);
	assert_int_equal(pool.base, BASE);
	assert_int_equal(bitmap[0], 0);
	assert_int_equal(bitmap[1], 0xFFFFFFFFFFFFFFFFULL); /* beyond the pool's bitmap: untouched */
	assert_int_equal(page_pool_bitmap_bytes(1), 8);
	assert_int_equal(page_pool_bitmap_bytes(64), 8);
	assert_int_equal(page_pool_bitmap_bytes(65), 16);
	assert_int_equal(page_pool_bitmap_bytes(0), 0);
}

static void single_pages_come_in_order_and_are_distinct(void **state)
{
	for (u64 i = 0; i < 64; i++)
		assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + i * PG);
	assert_int_equal(pool.free_pages, 0);
}

static void exhaustion_returns_zero(void **state)
{
	for (u64 i = 0; i < 64; i++)
		assert_int_not_equal(page_pool_alloc(&pool, 1, PG), 0);
	assert_int_equal(page_pool_alloc(&pool, 1, PG), 0);
	assert_int_equal(page_pool_alloc(&pool, 2, PG), 0);
	assert_int_equal(pool.free_pages, 0);
	/* Too many for what is free, even on an empty pool. */
	init(BASE, 64);
	assert_int_equal(page_pool_alloc(&pool, 65, PG), 0);
	assert_int_equal(page_pool_alloc(&pool, 0, PG), 0);
	assert_int_equal(pool.free_pages, 64);
}

static void freed_pages_are_reused(void **state)
{
	for (u64 i = 0; i < 10; i++)
		page_pool_alloc(&pool, 1, PG);
	page_pool_free(&pool, BASE + 3 * PG, 1);
	assert_int_equal(pool.free_pages, 55);
	/* The lowest free page comes back first. */
	assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + 3 * PG);
	assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + 10 * PG);

	/* Fill the pool, free one page far down: it is found again. */
	while (page_pool_alloc(&pool, 1, PG))
		;
	page_pool_free(&pool, BASE + 1 * PG, 1);
	assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + 1 * PG);
	assert_int_equal(page_pool_alloc(&pool, 1, PG), 0);
}

static void free_hint_does_not_hide_lower_pages(void **state)
{
	/* Free a page below the hint without going through free's hint update: pass 2 must find it. */
	for (u64 i = 0; i < 64; i++)
		page_pool_alloc(&pool, 1, PG);
	page_pool_free(&pool, BASE + 5 * PG, 1);
	pool.next_hint = 40;
	assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + 5 * PG);
}

static void contiguous_run_skips_fragments(void **state)
{
	for (u64 i = 0; i < 12; i++)
		page_pool_alloc(&pool, 1, PG);
	/* Holes: page 2 (1 page), pages 5..7 (3 pages), pages 9..11 + rest (long). */
	page_pool_free(&pool, BASE + 2 * PG, 1);
	page_pool_free(&pool, BASE + 5 * PG, 3);
	page_pool_free(&pool, BASE + 9 * PG, 3);
	assert_int_equal(pool.free_pages, 64 - 12 + 7);
	assert_int_equal(page_pool_alloc(&pool, 3, PG), BASE + 5 * PG);
	assert_int_equal(page_pool_alloc(&pool, 4, PG), BASE + 9 * PG);
	assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + 2 * PG);
	assert_int_equal(pool.free_pages, 64 - 12 + 7 - 8);
	/* Exactly the rest. */
	assert_int_equal(page_pool_alloc(&pool, 51, PG), BASE + 13 * PG);
	assert_int_equal(pool.free_pages, 0);
}

static void run_larger_than_any_hole_fails_even_with_enough_free_pages(void **state)
{
	/* Every other page used: 32 free, but no 2 contiguous. */
	for (u64 i = 0; i < 64; i++)
		page_pool_alloc(&pool, 1, PG);
	for (u64 i = 0; i < 64; i += 2)
		page_pool_free(&pool, BASE + i * PG, 1);
	assert_int_equal(pool.free_pages, 32);
	assert_int_equal(page_pool_alloc(&pool, 2, PG), 0);
	assert_int_equal(pool.free_pages, 32);
}

static void aligned_runs_start_on_the_alignment(void **state)
{
	/* 4 MiB + 4 KiB starting one page past a 2 MiB boundary. */
	init(0x40001000, 1025);
	assert_int_equal(page_pool_alloc(&pool, 512, MiB(2)), 0x40200000);
	/* The only other aligned start would be 0x40400000, which has one page only. */
	assert_int_equal(page_pool_alloc(&pool, 512, MiB(2)), 0);
	assert_int_equal(page_pool_alloc(&pool, 1, MiB(2)), 0x40400000);
	/* 64 KiB alignment for a small run below. */
	assert_int_equal(page_pool_alloc(&pool, 2, KiB(64)), 0x40010000);
	assert_int_equal(page_pool_alloc(&pool, 16, KiB(64)), 0x40020000);
	assert_int_equal(pool.free_pages, 1025 - 512 - 1 - 2 - 16);
}

static void aligned_run_skips_used_aligned_slots(void **state)
{
	/* Block the first 16 KiB-aligned slot partially. */
	page_pool_reserve(&pool, BASE + 3 * PG, PG);
	assert_int_equal(page_pool_alloc(&pool, 4, KiB(16)), BASE + 4 * PG);
	assert_int_equal(page_pool_alloc(&pool, 4, KiB(16)), BASE + 8 * PG);
	/* Page 0..2 still free for unaligned single pages. */
	assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + 0 * PG);
}

static void odd_alignments_fall_back_to_pages(void **state)
{
	assert_int_equal(page_pool_alloc(&pool, 1, 0), BASE);
	assert_int_equal(page_pool_alloc(&pool, 1, 100), BASE + PG);
	assert_int_equal(page_pool_alloc(&pool, 1, 3 * PG), BASE + 2 * PG); /* not a power of two */
	assert_int_equal(page_pool_alloc(&pool, 1, 2048), BASE + 3 * PG);
}

static void reserve_marks_rounded_ranges_once(void **state)
{
	/* Partial pages at both ends are rounded outward: pages 1..3. */
	page_pool_reserve(&pool, BASE + PG + 0x10, 2 * PG);
	assert_int_equal(pool.free_pages, 61);
	assert_int_equal(bitmap[0], 0xEULL);
	/* Overlapping reserve counts only new pages. */
	page_pool_reserve(&pool, BASE, 3 * PG);
	assert_int_equal(pool.free_pages, 60);
	/* Ranges outside the pool (or straddling its start/end) are clipped. */
	page_pool_reserve(&pool, 0, BASE);
	page_pool_reserve(&pool, BASE + 64 * PG, GiB(1));
	page_pool_reserve(&pool, BASE - PG, 2 * PG); /* covers page 0, already used */
	page_pool_reserve(&pool, BASE + 63 * PG, 4 * PG); /* covers page 63 */
	page_pool_reserve(&pool, BASE + 10 * PG, 0); /* empty */
	assert_int_equal(pool.free_pages, 59);
	assert_int_equal(bitmap[0], 0x800000000000000FULL);
	assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + 4 * PG);
}

static void free_ignores_bad_requests_and_double_frees(void **state)
{
	assert_int_equal(page_pool_alloc(&pool, 4, PG), BASE);
	assert_int_equal(pool.free_pages, 60);
	page_pool_free(&pool, BASE + 0x10, 1); /* unaligned */
	page_pool_free(&pool, BASE - PG, 2); /* below the pool */
	page_pool_free(&pool, BASE + 64 * PG, 1); /* above the pool */
	assert_int_equal(pool.free_pages, 60);
	page_pool_free(&pool, BASE + PG, 1);
	page_pool_free(&pool, BASE + PG, 1); /* double free is not counted twice */
	assert_int_equal(pool.free_pages, 61);
	page_pool_free(&pool, BASE + 62 * PG, 10); /* clipped to the pool */
	assert_int_equal(pool.free_pages, 61);
	page_pool_free(&pool, BASE, 4);
	assert_int_equal(pool.free_pages, 64);
	assert_int_equal(bitmap[0], 0);
}

static void large_pool_spanning_many_bitmap_words(void **state)
{
	init(BASE, 4096);
	assert_int_equal(page_pool_alloc(&pool, 1000, PG), BASE);
	assert_int_equal(page_pool_alloc(&pool, 512, MiB(2)), BASE + MiB(4));
	assert_int_equal(page_pool_alloc(&pool, 1, PG), BASE + 1000 * PG);
	assert_int_equal(pool.free_pages, 4096 - 1513);
	page_pool_free(&pool, BASE, 1000);
	assert_int_equal(page_pool_alloc(&pool, 1000, PG), BASE);
}

/*
 * Runs are tested and marked a word at a time: a used page in the middle
 * of a later word stops a run at that page exactly, a run may start and
 * end mid-word, and freeing a partly used range counts only its used pages.
 */
static void runs_across_word_boundaries(void **state)
{
	init(BASE, 256);
	page_pool_reserve(&pool, BASE + 150 * PG, PG); /* word 2, bit 22 */
	assert_int_equal(page_pool_alloc(&pool, 100, PG), BASE);
	assert_int_equal(page_pool_alloc(&pool, 60, PG), BASE + 151 * PG); /* 100..149 is 50: too short */
	assert_int_equal(page_pool_alloc(&pool, 50, PG), BASE + 100 * PG);
	assert_int_equal(pool.free_pages, 256 - 211);
	page_pool_free(&pool, BASE + 130 * PG, 10); /* mid-word to mid-word */
	page_pool_free(&pool, BASE + 125 * PG, 20); /* half of it free already */
	assert_int_equal(pool.free_pages, 256 - 211 + 20);
	assert_int_equal(page_pool_alloc(&pool, 20, PG), BASE + 125 * PG);
	assert_int_equal(page_pool_alloc(&pool, 45, PG), BASE + 211 * PG);
	assert_int_equal(pool.free_pages, 0);
	page_pool_free(&pool, BASE + 250 * PG, 100); /* past the pool's end: only what is in it */
	assert_int_equal(pool.free_pages, 6);
}

/* ---- the system allocator: zeroed pages over real memory ---- */

static void system_allocator_zeroes_pages_but_raw_does_not(void **state)
{
	const u64 npages = 1024; /* 4 MiB */
	u8 *mem = aligned_alloc(MiB(2), npages * PG);
	u64 bm[16];
	u8 *p, *q, *r;

	assert_non_null(mem);
	memset(mem, 0xAA, npages * PG);
	assert_true(page_alloc_add_bank((paddr_t)(uintptr_t)mem, npages, bm));

	p = page_alloc(2);
	assert_ptr_equal(p, mem);
	for (u64 i = 0; i < 2 * PG; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(mem[2 * PG], 0xAA); /* the next page is not touched */

	q = page_alloc_aligned(512, MiB(2));
	assert_non_null(q);
	assert_int_equal((uintptr_t)q % MiB(2), 0);
	for (u64 i = 0; i < 512 * PG; i += 97)
		assert_int_equal(q[i], 0);

	r = page_alloc_raw(1, PG);
	assert_ptr_equal(r, mem + 2 * PG);
	assert_int_equal(r[0], 0xAA);
	assert_int_equal(r[PG - 1], 0xAA);

	/* Freed and reallocated pages are zeroed again. */
	memset(p, 0x55, PG);
	page_free(p, 1);
	p = page_alloc(1);
	assert_ptr_equal(p, mem);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[PG - 1], 0);

	/* Exhaustion gives NULL. */
	assert_null(page_alloc(npages));
	assert_int_equal(page_alloc_free_bytes(), (npages - 2 - 512 - 1) * PG);

	/*
	 * A second bank (the ZCU102's RAM above 4 GiB): what does not fit in
	 * the first comes from it, a free goes back to the bank it came
	 * from, and the free count is both banks'.
	 */
	u8 *mem2 = aligned_alloc(MiB(2), npages * PG);
	u64 bm2[16];
	assert_non_null(mem2);
	assert_true(page_alloc_add_bank((paddr_t)(uintptr_t)mem2, npages, bm2));
	assert_int_equal(page_alloc_free_bytes(), (2 * npages - 2 - 512 - 1) * PG);
	q = page_alloc_raw(512, MiB(2)); /* the first bank has no 2 MiB-aligned run left */
	assert_ptr_equal(q, mem2);
	r = page_alloc_raw(npages, PG); /* larger than either bank's free pages: no run spans two */
	assert_null(r);
	page_free(q, 512);
	assert_ptr_equal(page_alloc_raw(512, MiB(2)), mem2);
	page_free(p, 1); /* into the first bank, not the second */
	assert_ptr_equal(page_alloc_raw(1, PG), mem);
	free(mem);
	free(mem2);
}

/* PA 0 is every caller's "none": a pool over RAM at 0 (ZCU102) keeps its first page. */
static void a_pool_at_zero_never_returns_zero(void **state)
{
	init(0, 8);
	assert_int_equal(pool.free_pages, 7);
	for (u64 i = 1; i < 8; i++)
		assert_int_equal(page_pool_alloc(&pool, 1, PG), i * PG);
	assert_int_equal(page_pool_alloc(&pool, 1, PG), 0);
	page_pool_free(&pool, 0, 8);
	assert_int_equal(pool.free_pages, 7);
	assert_int_equal(page_pool_alloc(&pool, 2, MiB(2)), 0); /* only aligned start is page 0 */
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(init_makes_every_page_free),
		T(single_pages_come_in_order_and_are_distinct),
		T(exhaustion_returns_zero),
		T(freed_pages_are_reused),
		T(free_hint_does_not_hide_lower_pages),
		T(contiguous_run_skips_fragments),
		T(run_larger_than_any_hole_fails_even_with_enough_free_pages),
		T(aligned_runs_start_on_the_alignment),
		T(aligned_run_skips_used_aligned_slots),
		T(odd_alignments_fall_back_to_pages),
		T(reserve_marks_rounded_ranges_once),
		T(free_ignores_bad_requests_and_double_frees),
		T(large_pool_spanning_many_bitmap_words),
		T(runs_across_word_boundaries),
		T(system_allocator_zeroes_pages_but_raw_does_not),
		T(a_pool_at_zero_never_returns_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
