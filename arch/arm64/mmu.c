/*
 * EL2 stage-1 tables: 4 KiB granule, 48-bit VA (four levels), identity map.
 * Table pages come from a static pool so the MMU can be on before the page
 * allocator knows where free RAM is.
 *
 * The table building and the W^X audit are plain C (host unit test:
 * tests/unit/test_mmu.c); only turning the MMU on touches the CPU.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <hyparm/errno.h>

#define PT_ENTRIES 512
#define PT_POOL_PAGES 64

#define DESC_VALID BIT(0)
#define DESC_TABLE BIT(1) /* levels 0-2: table; level 3: page */
#define DESC_ATTRIDX(i) ((u64)(i) << 2)
#define DESC_AP_RO BIT(7) /* AP[2] */
#define DESC_AP1 BIT(6) /* AP[1]: RES1 in the EL2 regime */
#define DESC_SH_INNER (3UL << 8)
#define DESC_AF BIT(10)
#define DESC_XN BIT(54)
#define DESC_ADDR_MASK 0x0000FFFFFFFFF000ULL
/*
 * A guard page: an invalid level-3 entry (bit 0 clear, so the walker faults)
 * that is not zero, so that mmu_map(), which fills only empty entries, never
 * maps it, even when all of RAM is mapped around it.
 */
#define DESC_GUARD BIT(55)

/* MAIR_EL2 slots. */

static u64 pt_pool[PT_POOL_PAGES][PT_ENTRIES] __attribute__((aligned(4096)));
static unsigned pt_used;
static u64 *root;

static u64 *pt_new(void)
{
	if (pt_used == PT_POOL_PAGES)
		return NULL;
	/* bss is zeroed: the page is all invalid entries already. */
	return pt_pool[pt_used++];
}

static u64 leaf_attrs(enum el2_mem type)
{
	u64 d = DESC_AF | DESC_AP1;

	switch (type) {
	case EL2_TEXT:
		return d | DESC_ATTRIDX(MAIR_IDX_NORMAL) | DESC_SH_INNER | DESC_AP_RO;
	case EL2_RODATA:
		return d | DESC_ATTRIDX(MAIR_IDX_NORMAL) | DESC_SH_INNER | DESC_AP_RO | DESC_XN;
	case EL2_DATA:
		return d | DESC_ATTRIDX(MAIR_IDX_NORMAL) | DESC_SH_INNER | DESC_XN;
	case EL2_RAM:
		return d | DESC_ATTRIDX(MAIR_IDX_RAM) | DESC_SH_INNER | DESC_XN;
	case EL2_DEVICE:
	default:
		return d | DESC_ATTRIDX(MAIR_IDX_DEVICE) | DESC_XN;
	}
}

static unsigned level_shift(unsigned level)
{
	return 39 - 9 * level;
}

/*
 * Fill the empty entries of [va, va+size) at this level; existing leaves
 * (and guard pages) stay. attrs == DESC_GUARD places guard pages: always
 * at level 3, never a block.
 */
static int map_level(u64 *table, unsigned level, u64 va, u64 size, u64 attrs)
{
	u64 block = 1ULL << level_shift(level);
	bool guard = attrs == DESC_GUARD;

	while (size) {
		u64 idx = (va >> level_shift(level)) & (PT_ENTRIES - 1);
		u64 span = block - (va & (block - 1));
		u64 *e = &table[idx];

		if (span > size)
			span = size;
		if (level == 3) {
			if (!*e)
				*e = guard ? DESC_GUARD
					   : (va & DESC_ADDR_MASK) | attrs | DESC_VALID | DESC_TABLE;
		} else if (!*e && level >= 1 && span == block && !guard) {
			*e = (va & DESC_ADDR_MASK) | attrs | DESC_VALID; /* block */
		} else if (!*e || (*e & DESC_TABLE)) {
			u64 *next;
			if (!*e) {
				next = pt_new();
				if (!next)
					return -HV_ENOMEM;
				*e = (u64)(uintptr_t)next | DESC_VALID | DESC_TABLE;
			} else {
				next = (u64 *)(uintptr_t)(*e & DESC_ADDR_MASK);
			}
			int err = map_level(next, level + 1, va, span, attrs);
			if (err)
				return err;
		}
		/* else: a block already covers it */
		va += span;
		size -= span;
	}
	return HV_OK;
}

static int map_range(paddr_t pa, u64 size, u64 attrs)
{
	u64 start = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 end = ALIGN_UP(pa + size, PAGE_SIZE);

	return map_level(root, 0, start, end - start, attrs);
}


int mmu_map(paddr_t pa, u64 size, enum el2_mem type)
{
	int err = map_range(pa, size, leaf_attrs(type));

	mmu_map_barrier();
	return err;
}

/*
 * The boot tables: a guard page below each CPU's stack first (so the data
 * mapping goes around them), then code RX, read-only data R, the rest of
 * the image RW-XN, the DTB RW-XN (hyparm wipes the boot loader's random
 * seeds from it once they are in its generator, core/main.c).
 */
void mmu_plan(const struct image_layout *img, paddr_t dtb, u64 dtb_size)
{
	root = pt_new();
	for (unsigned i = 0; i < MAX_PCPUS; i++)
		map_range(pcpu_guard_page(img->stacks, i), PAGE_SIZE, DESC_GUARD);
	map_range(img->start, img->text_end - img->start, leaf_attrs(EL2_TEXT));
	map_range(img->text_end, img->rodata_end - img->text_end, leaf_attrs(EL2_RODATA));
	map_range(img->rodata_end, img->end - img->rodata_end, leaf_attrs(EL2_DATA));
	map_range(dtb, dtb_size, leaf_attrs(EL2_DATA));
}

/* The entry that translates va: a valid leaf, or the invalid entry where the walk stops. */
u64 *mmu_lookup_entry(paddr_t va)
{
	u64 *table = root;

	for (unsigned level = 0; table; level++) {
		u64 *e = &table[(va >> level_shift(level)) & (PT_ENTRIES - 1)];
		if (!(*e & DESC_VALID) || level == 3 || !(*e & DESC_TABLE))
			return e;
		table = (u64 *)(uintptr_t)(*e & DESC_ADDR_MASK);
	}
	return NULL;
}

u64 mmu_lookup(paddr_t va)
{
	u64 *e = mmu_lookup_entry(va);
	return e ? *e : 0;
}

static bool writable(u64 d)
{
	return !(d & DESC_AP_RO);
}
static bool executable(u64 d)
{
	return !(d & DESC_XN);
}

/* Every valid leaf under table: none both writable and executable. */
static bool wx_free(const u64 *table, unsigned level, u64 va_base, u64 *bad)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		u64 e = table[i], va = va_base | ((u64)i << level_shift(level));
		if (!(e & DESC_VALID))
			continue;
		if (level < 3 && (e & DESC_TABLE)) {
			if (!wx_free((const u64 *)(uintptr_t)(e & DESC_ADDR_MASK), level + 1, va, bad))
				return false;
		} else if (writable(e) && executable(e)) {
			*bad = va;
			return false;
		}
	}
	return true;
}

/* Each page of [start, end) has attributes (RO? XN?) as required, or is a guard page. */
static bool range_is(u64 start, u64 end, bool want_w, bool want_x, const struct image_layout *img, u64 *bad)
{
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		u64 e = mmu_lookup(va);
		if (pcpu_guard_index(img->stacks, va) >= 0) {
			if (e != DESC_GUARD) {
				*bad = va;
				return false;
			}
			continue;
		}
		if (!(e & DESC_VALID) || writable(e) != want_w || executable(e) != want_x) {
			*bad = va;
			return false;
		}
	}
	return true;
}

const char *mmu_audit(const struct image_layout *img, u64 *bad)
{
	*bad = 0;
	if (!wx_free(root, 0, 0, bad))
		return "a page is both writable and executable";
	if (!range_is(img->start, img->text_end, false, true, img, bad))
		return "hyparm's code is not read-only and executable";
	if (!range_is(img->text_end, img->rodata_end, false, false, img, bad))
		return "hyparm's read-only data is not read-only and execute-never";
	if (!range_is(img->rodata_end, img->end, true, false, img, bad))
		return "hyparm's data is not read-write and execute-never, or a stack guard page is mapped";
	for (unsigned i = 0; i < MAX_PCPUS; i++) {
		u64 g = pcpu_guard_page(img->stacks, i);
		if (g < img->rodata_end || g + PAGE_SIZE > img->end || mmu_lookup(g) != DESC_GUARD) {
			*bad = g;
			return "a stack guard page is missing";
		}
	}
	return NULL;
}


void mmu_init(const struct image_layout *img, paddr_t dtb, u64 dtb_size)
{
	mmu_plan(img, dtb, dtb_size);
	mmu_hw_clean_tables(pt_pool, pt_used);
	mmu_hw_enable(root);
}

void mmu_enable_secondary(void)
{
	mmu_hw_enable(root);
}
