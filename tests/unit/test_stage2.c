/* Stage-2 translation tables: sizing, block/page choice, split, protect, accounting, OOM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <arch/stage2.h>
#include <arch/tlb.h>
#include <hyparm/errno.h>

/* ---- fake TLB maintenance: count invalidations per IPA and per VMID ---- */
#define MAX_INVALS 4096
static ipa_t inval_ipas[MAX_INVALS];
static unsigned nr_inval_ipa;
static unsigned nr_inval_vmid;

void arch_tlb_inval_ipa(const struct stage2 *s2, ipa_t ipa)
{
	assert_true(nr_inval_ipa < MAX_INVALS);
	inval_ipas[nr_inval_ipa++] = ipa;
}

void arch_tlb_inval_vmid(const struct stage2 *s2)
{
	nr_inval_vmid++;
}

static unsigned invals_for(ipa_t ipa)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nr_inval_ipa; i++)
		if (inval_ipas[i] == ipa)
			n++;
	return n;
}

/* ---- fake table allocator (PA == pointer) ---- */
static unsigned pages_allocated, pages_freed, alloc_calls;
static int allocs_left; /* < 0: unlimited */

static void *alloc_table(unsigned npages)
{
	size_t bytes = 4096u * npages;
	void *p;

	if (allocs_left == 0)
		return NULL;
	if (allocs_left > 0)
		allocs_left--;
	p = aligned_alloc(bytes, bytes);
	assert_non_null(p);
	memset(p, 0, bytes);
	assert_int_equal((uintptr_t)p % bytes, 0);
	pages_allocated += npages;
	alloc_calls++;
	return p;
}

static void free_table(void *p, unsigned npages)
{
	pages_freed += npages;
	free(p);
}

static struct stage2 s2;

static int setup(void **state)
{
	memset(&s2, 0, sizeof(s2));
	nr_inval_ipa = nr_inval_vmid = 0;
	pages_allocated = pages_freed = alloc_calls = 0;
	allocs_left = -1;
	assert_int_equal(stage2_init(&s2, 40, 5, alloc_table, free_table), HV_OK);
	return 0;
}

static int teardown(void **state)
{
	stage2_destroy(&s2);
	assert_null(s2.root);
	assert_int_equal(s2.table_pages, 0);
	assert_int_equal(pages_allocated, pages_freed);
	return 0;
}

static void expect_map(ipa_t ipa, paddr_t pa, unsigned perm, enum s2_memtype type, unsigned level)
{
	struct s2_mapping m;

	assert_int_equal(stage2_walk(&s2, ipa, &m), HV_OK);
	assert_int_equal(m.pa, pa);
	assert_int_equal(m.perm, perm);
	assert_int_equal(m.type, type);
	assert_int_equal(m.level, level);
	assert_int_equal(m.block_size, level == 1 ? GiB(1) : level == 2 ? MiB(2) : KiB(4));
}

static void expect_unmapped(ipa_t ipa)
{
	struct s2_mapping m;
	assert_int_equal(stage2_walk(&s2, ipa, &m), -HV_ENOENT);
}

/* ---- sizing ---- */

static void ipa_bits_follow_parange_capped_at_40(void **state)
{
	assert_int_equal(stage2_ipa_bits(0), 32);
	assert_int_equal(stage2_ipa_bits(1), 36);
	assert_int_equal(stage2_ipa_bits(2), 40);
	assert_int_equal(stage2_ipa_bits(3), 40);
	assert_int_equal(stage2_ipa_bits(5), 40);
	assert_int_equal(stage2_ipa_bits(6), 40);
	assert_int_equal(stage2_ipa_bits(15), 40);
}

static void vtcr_fields_for_40_bit_ipa(void **state)
{
	u64 v = stage2_vtcr(&s2, 2);

	assert_int_equal(s2.start_level, 1);
	assert_int_equal(s2.root_pages, 2);
	assert_int_equal(v & 0x3F, 24); /* T0SZ */
	assert_int_equal((v >> 6) & 3, 1); /* SL0: start at level 1 */
	assert_int_equal((v >> 14) & 3, 0); /* TG0 4K */
	assert_int_equal((v >> 16) & 7, 2); /* PS 40 bits */
	assert_int_equal(v, 0x80023558ULL);
	/* A 52-bit PA range is reported as 48 bits (no LPA). */
	assert_int_equal((stage2_vtcr(&s2, 6) >> 16) & 7, 5);
	assert_int_equal((stage2_vtcr(&s2, 5) >> 16) & 7, 5);
}

static void vtcr_and_root_for_small_and_large_ipa_spaces(void **state)
{
	struct stage2 a = { 0 }, b = { 0 }, c = { 0 };
	u64 v;

	assert_int_equal(stage2_init(&a, stage2_ipa_bits(0), 1, alloc_table, free_table), HV_OK);
	assert_int_equal(a.root_pages, 1);
	assert_int_equal(a.start_level, 1);
	v = stage2_vtcr(&a, 0);
	assert_int_equal(v & 0x3F, 32);
	assert_int_equal((v >> 6) & 3, 1);
	assert_int_equal((v >> 16) & 7, 0);

	assert_int_equal(stage2_init(&b, stage2_ipa_bits(1), 2, alloc_table, free_table), HV_OK);
	v = stage2_vtcr(&b, 1);
	assert_int_equal(v & 0x3F, 28);
	assert_int_equal((v >> 6) & 3, 1);
	assert_int_equal((v >> 16) & 7, 1);

	/* 48 bits (only reachable by calling init directly) starts at level 0. */
	assert_int_equal(stage2_init(&c, 48, 3, alloc_table, free_table), HV_OK);
	assert_int_equal(c.start_level, 0);
	assert_int_equal(c.root_pages, 1);
	v = stage2_vtcr(&c, 5);
	assert_int_equal(v & 0x3F, 16);
	assert_int_equal((v >> 6) & 3, 2);
	assert_int_equal((v >> 16) & 7, 5);
	assert_int_equal(stage2_map(&c, 0xFFFF00000000ULL, 0x1000, MiB(2), S2_RW, S2_MEM_NORMAL), HV_OK);
	{
		struct s2_mapping m;
		assert_int_equal(stage2_walk(&c, 0xFFFF00001234ULL, &m), HV_OK);
		assert_int_equal(m.pa, 0x2234);
		assert_int_equal(m.level, 3);
	}

	stage2_destroy(&a);
	stage2_destroy(&b);
	stage2_destroy(&c);
	assert_int_equal(c.table_pages, 0);
}

static void init_rejects_bad_ipa_sizes(void **state)
{
	struct stage2 x = { 0 };
	unsigned before = pages_allocated;

	assert_int_equal(stage2_init(&x, 31, 1, alloc_table, free_table), -HV_EINVAL);
	assert_int_equal(stage2_init(&x, 49, 1, alloc_table, free_table), -HV_EINVAL);
	assert_int_equal(pages_allocated, before);
}

static void vttbr_holds_root_and_vmid(void **state)
{
	assert_int_equal(stage2_vttbr(&s2), (u64)(uintptr_t)s2.root | (5ULL << 48));
	assert_int_equal(s2.root_pa, (u64)(uintptr_t)s2.root);
	assert_int_equal(s2.table_pages, 2);
}

/* ---- mapping shapes ---- */

static void page_map_walks_to_level_3(void **state)
{
	struct s2_mapping m;

	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, KiB(4), S2_RW, S2_MEM_NORMAL), HV_OK);
	expect_map(0x40000000, 0x80000000, S2_RW, S2_MEM_NORMAL, 3);
	assert_int_equal(stage2_walk(&s2, 0x40000123, &m), HV_OK);
	assert_int_equal(m.pa, 0x80000123);
	expect_unmapped(0x40001000);
	expect_unmapped(0x3FFFF000);
	/* root (2) + level-2 table + level-3 table */
	assert_int_equal(s2.table_pages, 4);
	assert_int_equal(pages_allocated, 4);
	assert_int_equal(stage2_walk(&s2, 1ULL << 40, &m), -HV_ERANGE);
}

static void aligned_2m_map_is_a_level_2_block(void **state)
{
	struct s2_mapping m;

	assert_int_equal(stage2_map(&s2, 0x40200000, 0x80200000, MiB(2), S2_RWX, S2_MEM_NORMAL), HV_OK);
	expect_map(0x40200000, 0x80200000, S2_RWX, S2_MEM_NORMAL, 2);
	assert_int_equal(stage2_walk(&s2, 0x403FFFF8, &m), HV_OK);
	assert_int_equal(m.pa, 0x803FFFF8);
	assert_int_equal(m.level, 2);
	expect_unmapped(0x40400000);
	expect_unmapped(0x401FF000);
	assert_int_equal(s2.table_pages, 3);
}

static void aligned_1g_map_is_a_level_1_block(void **state)
{
	struct s2_mapping m;

	assert_int_equal(stage2_map(&s2, GiB(1), GiB(2), GiB(1), S2_R, S2_MEM_NORMAL), HV_OK);
	expect_map(GiB(1), GiB(2), S2_R, S2_MEM_NORMAL, 1);
	assert_int_equal(stage2_walk(&s2, GiB(2) - 8, &m), HV_OK);
	assert_int_equal(m.pa, GiB(3) - 8);
	assert_int_equal(m.level, 1);
	expect_unmapped(GiB(2));
	expect_unmapped(GiB(1) - 4096);
	assert_int_equal(s2.table_pages, 2);
	/* The top of a 40-bit space (second concatenated root page). */
	assert_int_equal(stage2_map(&s2, (1ULL << 40) - GiB(1), GiB(5), GiB(1), S2_RW, S2_MEM_NORMAL), HV_OK);
	expect_map((1ULL << 40) - 4096, GiB(6) - 4096, S2_RW, S2_MEM_NORMAL, 1);
}

static void pa_misaligned_with_ipa_uses_pages(void **state)
{
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80001000, MiB(2), S2_RW, S2_MEM_NORMAL), HV_OK);
	expect_map(0x40000000, 0x80001000, S2_RW, S2_MEM_NORMAL, 3);
	expect_map(0x40100000, 0x80101000, S2_RW, S2_MEM_NORMAL, 3);
	expect_map(0x401FF000, 0x80200000, S2_RW, S2_MEM_NORMAL, 3);
	expect_unmapped(0x40200000);
	assert_int_equal(s2.table_pages, 4);
}

static void mixed_range_uses_a_block_then_pages(void **state)
{
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, MiB(2) + KiB(8), S2_RW, S2_MEM_NORMAL),
			 HV_OK);
	expect_map(0x40000000, 0x80000000, S2_RW, S2_MEM_NORMAL, 2);
	expect_map(0x401FF000, 0x801FF000, S2_RW, S2_MEM_NORMAL, 2);
	expect_map(0x40200000, 0x80200000, S2_RW, S2_MEM_NORMAL, 3);
	expect_map(0x40201000, 0x80201000, S2_RW, S2_MEM_NORMAL, 3);
	expect_unmapped(0x40202000);
}

static void leading_pages_then_block_then_trailing_pages(void **state)
{
	/* 4 KiB below a 2 MiB boundary, a full 2 MiB, then 4 KiB. */
	assert_int_equal(stage2_map(&s2, 0x401FF000, 0x901FF000, MiB(2) + KiB(8), S2_RW, S2_MEM_NORMAL),
			 HV_OK);
	expect_map(0x401FF000, 0x901FF000, S2_RW, S2_MEM_NORMAL, 3);
	expect_map(0x40200000, 0x90200000, S2_RW, S2_MEM_NORMAL, 2);
	expect_map(0x40400000, 0x90400000, S2_RW, S2_MEM_NORMAL, 3);
	expect_unmapped(0x401FE000);
	expect_unmapped(0x40401000);
}

static void range_crossing_1g_uses_1g_and_2m_blocks(void **state)
{
	assert_int_equal(stage2_map(&s2, GiB(1), GiB(4), GiB(1) + MiB(2), S2_RW, S2_MEM_NORMAL), HV_OK);
	expect_map(GiB(1), GiB(4), S2_RW, S2_MEM_NORMAL, 1);
	expect_map(GiB(2), GiB(5), S2_RW, S2_MEM_NORMAL, 2);
	expect_unmapped(GiB(2) + MiB(2));
}

/* ---- refusals ---- */

static void overlapping_map_is_refused_and_changes_nothing(void **state)
{
	unsigned allocs;

	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, MiB(2), S2_RW, S2_MEM_NORMAL), HV_OK);
	assert_int_equal(stage2_map(&s2, 0x40400000, 0x80400000, KiB(4), S2_RW, S2_MEM_NORMAL), HV_OK);
	allocs = pages_allocated;

	/* Inside the block. */
	assert_int_equal(stage2_map(&s2, 0x40001000, 0x10000000, KiB(4), S2_R, S2_MEM_DEVICE), -HV_EEXIST);
	/* Starting in a hole and running into the page at 0x40400000. */
	assert_int_equal(stage2_map(&s2, 0x40200000, 0x10000000, MiB(2) + KiB(4), S2_R, S2_MEM_NORMAL),
			 -HV_EEXIST);
	/* Covering both mappings entirely (1 GiB blocks would be used). */
	assert_int_equal(stage2_map(&s2, 0, 0, GiB(2), S2_R, S2_MEM_NORMAL), -HV_EEXIST);

	expect_map(0x40001000, 0x80001000, S2_RW, S2_MEM_NORMAL, 2);
	expect_map(0x40400000, 0x80400000, S2_RW, S2_MEM_NORMAL, 3);
	expect_unmapped(0x40200000);
	expect_unmapped(0x40300000);
	expect_unmapped(0x00000000);
	assert_int_equal(pages_allocated, allocs);
	assert_int_equal(nr_inval_ipa, 0);
}

static void malformed_ranges_are_rejected(void **state)
{
	const u64 top = 1ULL << 40;

	assert_int_equal(stage2_map(&s2, 0x40000800, 0x80000000, KiB(4), S2_RW, S2_MEM_NORMAL), -HV_EINVAL);
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000010, KiB(4), S2_RW, S2_MEM_NORMAL), -HV_EINVAL);
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, KiB(4) + 1, S2_RW, S2_MEM_NORMAL),
			 -HV_EINVAL);
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, 0, S2_RW, S2_MEM_NORMAL), -HV_EINVAL);
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, KiB(4), 0, S2_MEM_NORMAL), -HV_EINVAL);
	/* Wrapping around 2^64. */
	assert_int_equal(stage2_map(&s2, ~0xFFFULL, 0, KiB(8), S2_RW, S2_MEM_NORMAL), -HV_EINVAL);
	assert_int_equal(stage2_map(&s2, 0, ~0xFFFULL, KiB(8), S2_RW, S2_MEM_NORMAL), -HV_EINVAL);
	/* Beyond the 40-bit IPA space: reported as out of range. */
	assert_int_equal(stage2_map(&s2, top, 0, KiB(4), S2_RW, S2_MEM_NORMAL), -HV_ERANGE);
	assert_int_equal(stage2_map(&s2, top - KiB(4), 0, KiB(8), S2_RW, S2_MEM_NORMAL), -HV_ERANGE);
	/* A PA a descriptor cannot hold (48 bits) would map a different, low page: refused. */
	assert_int_equal(stage2_map(&s2, 0x40000000, 1ULL << 48, KiB(4), S2_RW, S2_MEM_NORMAL), -HV_ERANGE);
	assert_int_equal(stage2_map(&s2, 0x40000000, (1ULL << 48) - KiB(4), KiB(8), S2_RW, S2_MEM_NORMAL),
			 -HV_ERANGE);
	/* The last page is fine. */
	assert_int_equal(stage2_map(&s2, top - KiB(4), 0x1000, KiB(4), S2_RW, S2_MEM_NORMAL), HV_OK);
	expect_map(top - KiB(4), 0x1000, S2_RW, S2_MEM_NORMAL, 3);

	assert_int_equal(stage2_unmap(&s2, 0x40000800, KiB(4)), -HV_EINVAL);
	assert_int_equal(stage2_unmap(&s2, 0x40000000, 0), -HV_EINVAL);
	assert_int_equal(stage2_unmap(&s2, top, KiB(4)), -HV_ERANGE);
	assert_int_equal(stage2_protect(&s2, 0x40000000, 0x10, S2_R), -HV_EINVAL);
	assert_int_equal(stage2_protect(&s2, top, KiB(4), S2_R), -HV_ERANGE);
	/* Only the one valid page was ever mapped: root (2) + L2 + L3. */
	assert_int_equal(s2.table_pages, 4);
}

/* ---- unmap ---- */

static void unmapping_a_page_in_a_2m_block_splits_it(void **state)
{
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, MiB(2), S2_RW, S2_MEM_NORMAL), HV_OK);
	assert_int_equal(s2.table_pages, 3);
	assert_int_equal(stage2_unmap(&s2, 0x40001000, KiB(4)), HV_OK);

	expect_unmapped(0x40001000);
	expect_map(0x40000000, 0x80000000, S2_RW, S2_MEM_NORMAL, 3);
	expect_map(0x40002000, 0x80002000, S2_RW, S2_MEM_NORMAL, 3);
	expect_map(0x401FF000, 0x801FF000, S2_RW, S2_MEM_NORMAL, 3);
	assert_int_equal(invals_for(0x40001000), 1);
	assert_int_equal(s2.table_pages, 4); /* the new level-3 table */
	assert_int_equal(nr_inval_vmid, 0); /* no table freed */
}

static void unmapping_a_page_in_a_1g_block_splits_down_to_pages(void **state)
{
	assert_int_equal(stage2_map(&s2, GiB(1), GiB(3), GiB(1), S2_RWX, S2_MEM_NORMAL), HV_OK);
	assert_int_equal(stage2_unmap(&s2, GiB(1) + MiB(4) + KiB(8), KiB(4)), HV_OK);

	expect_unmapped(GiB(1) + MiB(4) + KiB(8));
	expect_map(GiB(1), GiB(3), S2_RWX, S2_MEM_NORMAL, 2);
	expect_map(GiB(1) + MiB(2), GiB(3) + MiB(2), S2_RWX, S2_MEM_NORMAL, 2);
	expect_map(GiB(1) + MiB(4), GiB(3) + MiB(4), S2_RWX, S2_MEM_NORMAL, 3);
	expect_map(GiB(1) + MiB(4) + KiB(12), GiB(3) + MiB(4) + KiB(12), S2_RWX, S2_MEM_NORMAL, 3);
	expect_map(GiB(1) + MiB(6), GiB(3) + MiB(6), S2_RWX, S2_MEM_NORMAL, 2);
	expect_map(GiB(2) - MiB(2), GiB(4) - MiB(2), S2_RWX, S2_MEM_NORMAL, 2);
	assert_int_equal(invals_for(GiB(1) + MiB(4) + KiB(8)), 1);
	assert_int_equal(s2.table_pages, 4);
}

static void unmapping_holes_is_fine_and_touches_no_tlb(void **state)
{
	assert_int_equal(stage2_unmap(&s2, 0x40000000, MiB(4)), HV_OK);
	assert_int_equal(stage2_unmap(&s2, 0, GiB(8)), HV_OK);
	assert_int_equal(nr_inval_ipa, 0);
	assert_int_equal(nr_inval_vmid, 0);

	/* A range that is half mapped, half hole. */
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, KiB(8), S2_RW, S2_MEM_NORMAL), HV_OK);
	assert_int_equal(stage2_unmap(&s2, 0x3FFFE000, KiB(16)), HV_OK);
	expect_unmapped(0x40000000);
	expect_unmapped(0x40001000);
	assert_int_equal(invals_for(0x40000000), 1);
	assert_int_equal(invals_for(0x40001000), 1);
	assert_int_equal(nr_inval_ipa, 2);
}

static void unmapping_everything_frees_the_tables(void **state)
{
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, MiB(2) + KiB(4), S2_RW, S2_MEM_NORMAL),
			 HV_OK);
	assert_int_equal(s2.table_pages, 4);
	assert_int_equal(stage2_unmap(&s2, 0x40000000, MiB(2) + KiB(4)), HV_OK);
	assert_int_equal(s2.table_pages, 2);
	assert_int_equal(pages_freed, 2);
	assert_int_equal(nr_inval_vmid, 1);
	assert_int_equal(invals_for(0x40000000), 1); /* the 2 MiB block */
	assert_int_equal(invals_for(0x40200000), 1); /* the page */
	expect_unmapped(0x40000000);
	/* Mappable again afterwards. */
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x90000000, KiB(4), S2_R, S2_MEM_NORMAL), HV_OK);
	expect_map(0x40000000, 0x90000000, S2_R, S2_MEM_NORMAL, 3);
}

/* ---- protect ---- */

static void protect_changes_permissions(void **state)
{
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, MiB(4), S2_RW, S2_MEM_NORMAL), HV_OK);

	/* One page inside the first block: split, only that page changes. */
	assert_int_equal(stage2_protect(&s2, 0x40003000, KiB(4), S2_R), HV_OK);
	expect_map(0x40003000, 0x80003000, S2_R, S2_MEM_NORMAL, 3);
	expect_map(0x40002000, 0x80002000, S2_RW, S2_MEM_NORMAL, 3);
	expect_map(0x40004000, 0x80004000, S2_RW, S2_MEM_NORMAL, 3);
	assert_int_equal(invals_for(0x40003000), 1);

	/* The whole second block at once keeps it a block. */
	assert_int_equal(stage2_protect(&s2, 0x40200000, MiB(2), S2_RWX), HV_OK);
	expect_map(0x40200000, 0x80200000, S2_RWX, S2_MEM_NORMAL, 2);
	assert_int_equal(invals_for(0x40200000), 1);

	/* Across everything. */
	assert_int_equal(stage2_protect(&s2, 0x40000000, MiB(4), S2_R | S2_X), HV_OK);
	expect_map(0x40000000, 0x80000000, S2_R | S2_X, S2_MEM_NORMAL, 3);
	expect_map(0x40003000, 0x80003000, S2_R | S2_X, S2_MEM_NORMAL, 3);
	expect_map(0x40300000, 0x80300000, S2_R | S2_X, S2_MEM_NORMAL, 2);
}

static void protect_over_an_unmapped_page_fails_and_changes_nothing(void **state)
{
	unsigned invals;

	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, KiB(8), S2_RW, S2_MEM_NORMAL), HV_OK);
	assert_int_equal(stage2_map(&s2, 0x40003000, 0x80003000, KiB(4), S2_RW, S2_MEM_NORMAL), HV_OK);
	invals = nr_inval_ipa;
	assert_int_equal(stage2_protect(&s2, 0x40000000, KiB(16), S2_R), -HV_ENOENT);
	assert_int_equal(stage2_protect(&s2, 0x50000000, KiB(4), S2_R), -HV_ENOENT);
	expect_map(0x40000000, 0x80000000, S2_RW, S2_MEM_NORMAL, 3);
	expect_map(0x40003000, 0x80003000, S2_RW, S2_MEM_NORMAL, 3);
	assert_int_equal(nr_inval_ipa, invals);
}

static void device_memory_stays_device_and_never_executable(void **state)
{
	assert_int_equal(stage2_map(&s2, 0x09000000, 0x09000000, KiB(4), S2_RWX, S2_MEM_DEVICE), HV_OK);
	expect_map(0x09000000, 0x09000000, S2_RW, S2_MEM_DEVICE, 3);
	assert_int_equal(stage2_protect(&s2, 0x09000000, KiB(4), S2_R), HV_OK);
	expect_map(0x09000000, 0x09000000, S2_R, S2_MEM_DEVICE, 3);

	/* A device block split by an unmap keeps its type in the neighbours. */
	assert_int_equal(stage2_map(&s2, 0x10000000, 0x10000000, MiB(2), S2_RW, S2_MEM_DEVICE), HV_OK);
	expect_map(0x10000000, 0x10000000, S2_RW, S2_MEM_DEVICE, 2);
	assert_int_equal(stage2_unmap(&s2, 0x10100000, KiB(4)), HV_OK);
	expect_map(0x10101000, 0x10101000, S2_RW, S2_MEM_DEVICE, 3);
	expect_map(0x100FF000, 0x100FF000, S2_RW, S2_MEM_DEVICE, 3);
}

/* ---- accounting and allocation failure ---- */

static void destroy_frees_every_table(void **state)
{
	struct stage2 t = { 0 };
	unsigned a0 = pages_allocated, f0 = pages_freed;

	assert_int_equal(stage2_init(&t, 40, 9, alloc_table, free_table), HV_OK);
	assert_int_equal(t.table_pages, 2);
	/* Pages in several level-3 and level-2 tables under both root pages. */
	for (u64 g = 0; g < 4; g++)
		assert_int_equal(stage2_map(&t, g * GiB(200) + MiB(6), 0x1000 + g * MiB(4), KiB(12), S2_RW,
					    S2_MEM_NORMAL),
				 HV_OK);
	assert_int_equal(stage2_map(&t, GiB(900), GiB(900), GiB(1) + MiB(2), S2_RW, S2_MEM_NORMAL), HV_OK);
	/* 2 root + 4 * (L2 + L3) + 1 L2 for the 2 MiB tail */
	assert_int_equal(t.table_pages, 2 + 8 + 1);
	assert_int_equal(pages_allocated - a0, t.table_pages);
	stage2_destroy(&t);
	assert_int_equal(t.table_pages, 0);
	assert_null(t.root);
	assert_int_equal(pages_freed - f0, pages_allocated - a0);
	stage2_destroy(&t); /* idempotent */
	assert_int_equal(pages_freed - f0, pages_allocated - a0);
}

static void init_out_of_memory(void **state)
{
	struct stage2 t = { 0 };

	allocs_left = 0;
	assert_int_equal(stage2_init(&t, 40, 1, alloc_table, free_table), -HV_ENOMEM);
	assert_null(t.root);
	stage2_destroy(&t); /* nothing to free, must not crash */
}

static void map_out_of_memory_leaves_the_range_empty(void **state)
{
	/* The level-2 table is allocated, the level-3 one is not. */
	allocs_left = 1;
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, KiB(4), S2_RW, S2_MEM_NORMAL), -HV_ENOMEM);
	expect_unmapped(0x40000000);
	assert_int_equal(s2.table_pages, 2);
	assert_int_equal(pages_allocated, pages_freed + 2);

	/* A block then pages: the block is mapped, the pages' table fails, the block is rolled back. */
	allocs_left = 1;
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, MiB(2) + KiB(4), S2_RW, S2_MEM_NORMAL),
			 -HV_ENOMEM);
	expect_unmapped(0x40000000);
	expect_unmapped(0x40200000);
	assert_int_equal(s2.table_pages, 2);

	/* Nothing left at all. */
	allocs_left = 0;
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, KiB(4), S2_RW, S2_MEM_NORMAL), -HV_ENOMEM);
	expect_unmapped(0x40000000);
	/* Once memory is back, the same map works. */
	allocs_left = -1;
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, KiB(4), S2_RW, S2_MEM_NORMAL), HV_OK);
	expect_map(0x40000000, 0x80000000, S2_RW, S2_MEM_NORMAL, 3);
}

static void split_out_of_memory_keeps_the_block(void **state)
{
	assert_int_equal(stage2_map(&s2, 0x40000000, 0x80000000, MiB(2), S2_RW, S2_MEM_NORMAL), HV_OK);
	allocs_left = 0;
	assert_int_equal(stage2_unmap(&s2, 0x40001000, KiB(4)), -HV_ENOMEM);
	expect_map(0x40001000, 0x80001000, S2_RW, S2_MEM_NORMAL, 2);
	assert_int_equal(stage2_protect(&s2, 0x40001000, KiB(4), S2_R), -HV_ENOMEM);
	expect_map(0x40001000, 0x80001000, S2_RW, S2_MEM_NORMAL, 2);
	assert_int_equal(s2.table_pages, 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(ipa_bits_follow_parange_capped_at_40),
		T(vtcr_fields_for_40_bit_ipa),
		T(vtcr_and_root_for_small_and_large_ipa_spaces),
		T(init_rejects_bad_ipa_sizes),
		T(vttbr_holds_root_and_vmid),
		T(page_map_walks_to_level_3),
		T(aligned_2m_map_is_a_level_2_block),
		T(aligned_1g_map_is_a_level_1_block),
		T(pa_misaligned_with_ipa_uses_pages),
		T(mixed_range_uses_a_block_then_pages),
		T(leading_pages_then_block_then_trailing_pages),
		T(range_crossing_1g_uses_1g_and_2m_blocks),
		T(overlapping_map_is_refused_and_changes_nothing),
		T(malformed_ranges_are_rejected),
		T(unmapping_a_page_in_a_2m_block_splits_it),
		T(unmapping_a_page_in_a_1g_block_splits_down_to_pages),
		T(unmapping_holes_is_fine_and_touches_no_tlb),
		T(unmapping_everything_frees_the_tables),
		T(protect_changes_permissions),
		T(protect_over_an_unmapped_page_fails_and_changes_nothing),
		T(device_memory_stays_device_and_never_executable),
		T(destroy_frees_every_table),
		T(init_out_of_memory),
		T(map_out_of_memory_leaves_the_range_empty),
		T(split_out_of_memory_keeps_the_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
