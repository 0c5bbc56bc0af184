/*
 * hyparm's own EL2 stage-1 translation: one table base (TTBR0_EL2), no
 * user/kernel split, identity mapped (VA == PA) so that a pointer to a page
 * is also its physical address. Code is read-only and executable, read-only
 * data read-only, everything else execute-never; devices are Device-nGnRE.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <hyparm/types.h>

enum el2_mem {
	EL2_TEXT, /* Normal WB, read-only, executable */
	EL2_RODATA, /* Normal WB, read-only, execute-never */
	EL2_DATA, /* Normal WB, read-write, execute-never */
	EL2_DEVICE, /* Device-nGnRE, read-write, execute-never */
	/*
	 * RAM outside hyparm's image (guest RAM, the page pool): as EL2_DATA,
	 * but Tagged where the CPU has MTE2, so that hyparm can clear the
	 * allocation tags of guest RAM (arch_zero_tags(), arch_dcache_clean_inval_range()).
	 */
	EL2_RAM,
};

struct image_layout {
	paddr_t start, text_end, rodata_end, end;
	paddr_t stacks; /* boot_stacks: MAX_PCPUS slots of guard page + stack (arch/cpu.h), inside [rodata_end, end) */
};

/* Build the boot tables (image + DTB) and turn the MMU on, on the boot CPU. */
void mmu_init(const struct image_layout *img, paddr_t dtb, u64 dtb_size);
/* Map [pa, pa+size) 1:1 with these attributes. Pages already mapped are left as they are. */
int mmu_map(paddr_t pa, u64 size, enum el2_mem type);
/* Turn the MMU on on a secondary CPU with the tables the boot CPU built. */
void mmu_enable_secondary(void);

/* The boot tables without touching the CPU (mmu_init's first half; host-testable). */
void mmu_plan(const struct image_layout *img, paddr_t dtb, u64 dtb_size);
/* The descriptor translating va (0 or another invalid value when unmapped), and where it is. */
u64 mmu_lookup(paddr_t va);
u64 *mmu_lookup_entry(paddr_t va);
/*
 * Check the tables: no page both writable and executable anywhere; code RX,
 * read-only data R-XN, data/bss/stacks RW-XN, every stack guard page
 * unmapped. NULL if all holds, else what does not and *bad = the address.
 */
const char *mmu_audit(const struct image_layout *img, u64 *bad);
/* SCTLR_EL2.WXN is set: the CPU itself refuses to execute writable pages. */
bool mmu_wxn_enabled(void);

/* SCTLR_EL2 and MAIR_EL2 as hyparm runs: MMU, caches, alignment check, W^X. */
#define MAIR_IDX_NORMAL 0 /* Normal, inner/outer write-back, read/write-allocate */
#define MAIR_IDX_DEVICE 1 /* Device-nGnRE */
#define MAIR_IDX_RAM \
	2 /* Normal WB like slot 0; Tagged Normal (0xF0, FEAT_MTE2 only) where the CPU has tags */
static inline u64 mmu_mair_value(bool tagged_ram)
{
	return (0xFFUL << (8 * MAIR_IDX_NORMAL)) | (0x04UL << (8 * MAIR_IDX_DEVICE)) |
		((tagged_ram ? 0xF0UL : 0xFFUL) << (8 * MAIR_IDX_RAM));
}

#define SCTLR_EL2_RES1 0x30C50830UL
#define SCTLR_M BIT(0)
#define SCTLR_C BIT(2)
#define SCTLR_SA BIT(3)
#define SCTLR_I BIT(12)
#define SCTLR_WXN_BIT BIT(19)
#define MMU_SCTLR_VALUE (SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN_BIT)
/*
 * SCTLR_EL2.ATA (FEAT_MTE2): EL2 may read and write allocation tags (the
 * scrub's DC GZVA). TCF (bits 41:40) stays 0: no access of hyparm's raises a
 * tag-check fault.
 */
#define SCTLR_EL2_ATA BIT(43)

/* The hardware half (arch/arm64/mmu_hw.c; host tests bring their own). */
void mmu_map_barrier(void);
void mmu_hw_enable(const u64 *root);
void mmu_hw_clean_tables(const void *pool, unsigned pages);

#endif
