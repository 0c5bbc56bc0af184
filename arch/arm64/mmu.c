/*
 * EL2 stage-1 tables: 4 KiB granule, 48-bit VA (four levels), identity map.
 * Table pages come from a static pool so the MMU can be on before the page
 * allocator knows where free RAM is.
 */
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <hyparm/errno.h>

#define PT_ENTRIES      512
#define PT_POOL_PAGES   64

#define DESC_VALID      BIT(0)
#define DESC_TABLE      BIT(1)    /* levels 0-2: table; level 3: page */
#define DESC_ATTRIDX(i) ((u64)(i) << 2)
#define DESC_AP_RO      BIT(7)    /* AP[2] */
#define DESC_AP1        BIT(6)    /* AP[1]: RES1 in the EL2 regime */
#define DESC_SH_INNER   (3UL << 8)
#define DESC_AF         BIT(10)
#define DESC_XN         BIT(54)
#define DESC_ADDR_MASK  0x0000FFFFFFFFF000ULL

/* MAIR_EL2 slots. */
#define MAIR_IDX_NORMAL  0
#define MAIR_IDX_DEVICE  1
#define MAIR_VALUE ((0xFFUL << (8 * MAIR_IDX_NORMAL)) | (0x04UL << (8 * MAIR_IDX_DEVICE)))

#define SCTLR_EL2_RES1  0x30C50830UL
#define SCTLR_M         BIT(0)
#define SCTLR_C         BIT(2)
#define SCTLR_SA        BIT(3)
#define SCTLR_I         BIT(12)
#define SCTLR_WXN       BIT(19)

static u64 pt_pool[PT_POOL_PAGES][PT_ENTRIES] __attribute__((aligned(4096)));
static unsigned pt_used;
static u64 *root;
static u64 tcr_value;

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
	case EL2_DEVICE:
	default:
		return d | DESC_ATTRIDX(MAIR_IDX_DEVICE) | DESC_XN;
	}
}

static unsigned level_shift(unsigned level) { return 39 - 9 * level; }

/* Fill the holes of [va, va+size) at this level; existing leaves stay. */
static int map_level(u64 *table, unsigned level, u64 va, u64 size, u64 attrs)
{
	u64 block = 1ULL << level_shift(level);

	while (size) {
		u64 idx = (va >> level_shift(level)) & (PT_ENTRIES - 1);
		u64 span = block - (va & (block - 1));
		u64 *e = &table[idx];

		if (span > size)
			span = size;
		if (level == 3) {
			if (!(*e & DESC_VALID))
				*e = (va & DESC_ADDR_MASK) | attrs | DESC_VALID | DESC_TABLE;
		} else if (!(*e & DESC_VALID) && level >= 1 && span == block) {
			*e = (va & DESC_ADDR_MASK) | attrs | DESC_VALID; /* block */
		} else if (!(*e & DESC_VALID) || (*e & DESC_TABLE)) {
			u64 *next;
			if (!(*e & DESC_VALID)) {
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

int mmu_map(paddr_t pa, u64 size, enum el2_mem type)
{
	u64 start = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 end = ALIGN_UP(pa + size, PAGE_SIZE);
	int err = map_level(root, 0, start, end - start, leaf_attrs(type));

	/* New entries only replace invalid ones: no TLB maintenance needed, just ordering. */
	dsb(ishst);
	isb();
	return err;
}

static void mmu_enable_this_cpu(void)
{
	write_sysreg(mair_el2, MAIR_VALUE);
	write_sysreg(tcr_el2, tcr_value);
	write_sysreg(ttbr0_el2, (u64)(uintptr_t)root);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(nsh);
	isb();
	write_sysreg(sctlr_el2, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN);
	isb();
}

void mmu_init(const struct image_layout *img, paddr_t dtb, u64 dtb_size)
{
	unsigned parange = MMFR0_PARANGE(read_sysreg(id_aa64mmfr0_el1));

	if (parange > 5)
		parange = 5; /* 48-bit output is all a 48-bit VA identity map can use */
	/* T0SZ=16 (48-bit VA), WB-WA inner/outer, inner shareable, 4K, PS=parange, RES1 bits 23, 31. */
	tcr_value = 16 | (1UL << 8) | (1UL << 10) | (3UL << 12) | ((u64)parange << 16) |
		    BIT(23) | BIT(31);
	root = pt_new();
	mmu_map(img->start, img->text_end - img->start, EL2_TEXT);
	mmu_map(img->text_end, img->rodata_end - img->text_end, EL2_RODATA);
	mmu_map(img->rodata_end, img->end - img->rodata_end, EL2_DATA);
	mmu_map(dtb, dtb_size, EL2_RODATA);
	/* The tables were written with the MMU and caches off: drop stale lines before the walker looks. */
	for (unsigned i = 0; i < pt_used; i++)
		for (u64 off = 0; off < PAGE_SIZE; off += 64)
			__asm__ volatile("dc ivac, %0" : : "r"((u64)(uintptr_t)pt_pool[i] + off) : "memory");
	dsb(sy);
	mmu_enable_this_cpu();
}

void mmu_enable_secondary(void)
{
	mmu_enable_this_cpu();
}

