/*
 * Stage-2 translation tables (guest IPA -> PA), the mechanism that isolates
 * every VM: a guest can reach only what is mapped here.
 *
 * 4 KiB granule. The IPA size and starting level follow from the CPU's PA
 * range (ID_AA64MMFR0_EL1.PARange), capped at 40 bits like KVM's default, so
 * that VTCR_EL2 never promises more than the hardware has. Mappings use
 * 1 GiB / 2 MiB blocks wherever IPA, PA and size alignment allow and 4 KiB
 * pages elsewhere. Changing a live entry follows break-before-make:
 * invalidate the entry, TLBI by IPA, then write the new one.
 *
 * The table-walking logic is pure: it calls arch_tlb_* (arch/tlb.h) and the
 * table page allocator through s2->alloc_table, so unit tests run it on x86.
 */
#ifndef ARCH_STAGE2_H
#define ARCH_STAGE2_H

#include <hyparm/types.h>

/* Access permissions (combine). */
#define S2_R 1u
#define S2_W 2u
#define S2_X 4u
#define S2_RW (S2_R | S2_W)
#define S2_RWX (S2_R | S2_W | S2_X)

enum s2_memtype {
	S2_MEM_NORMAL, /* guest RAM: Normal, inner/outer write-back, inner shareable */
	S2_MEM_DEVICE, /* pass-through device: Device-nGnRE */
};

struct stage2 {
	u64 *root; /* root table (may be concatenated: several pages) */
	paddr_t root_pa;
	unsigned ipa_bits; /* T0SZ = 64 - ipa_bits */
	unsigned start_level; /* 0 or 1 (4K granule) */
	unsigned root_pages; /* concatenated root tables */
	u16 vmid;
	u64 table_pages; /* pages used by tables, root included (memory accounting) */
	/*
	 * Table allocator: npages zeroed, contiguous pages aligned to their
	 * total size (PA == pointer), NULL when out of memory. npages is 1
	 * except for a concatenated root.
	 */
	void *(*alloc_table)(unsigned npages);
	void (*free_table)(void *pages, unsigned npages);
};

/* Result of stage2_walk. */
struct s2_mapping {
	paddr_t pa; /* PA that the queried IPA translates to */
	unsigned perm; /* S2_R/W/X */
	enum s2_memtype type;
	unsigned level; /* level of the leaf: 1 = 1 GiB block, 2 = 2 MiB block, 3 = page */
	u64 block_size; /* size of the leaf mapping */
};

/* The IPA width hyparm gives guests on a CPU with this ID_AA64MMFR0_EL1.PARange value. */
unsigned stage2_ipa_bits(unsigned parange);
/* VTCR_EL2 for this stage2 (T0SZ, SL0, granule, cacheability, PS from parange). */
u64 stage2_vtcr(const struct stage2 *s2, unsigned parange);
/* VTTBR_EL2 value: root table PA and VMID. */
u64 stage2_vttbr(const struct stage2 *s2);

/* Allocate the root table. Returns HV_OK or -HV_ENOMEM / -HV_EINVAL. */
int stage2_init(struct stage2 *s2, unsigned ipa_bits, u16 vmid, void *(*alloc_table)(unsigned),
		void (*free_table)(void *, unsigned));
/* Free every table (not the mapped memory). */
void stage2_destroy(struct stage2 *s2);

/*
 * Map [ipa, ipa + size) to [pa, pa + size). ipa, pa and size must be page
 * aligned, size non-zero, the range inside the IPA space, and no page of it
 * may be mapped already (-HV_EEXIST; nothing is changed then).
 */
int stage2_map(struct stage2 *s2, ipa_t ipa, paddr_t pa, u64 size, unsigned perm, enum s2_memtype type);
/* Unmap every page of the range (blocks that straddle its edges are split). Unmapped holes are fine. */
int stage2_unmap(struct stage2 *s2, ipa_t ipa, u64 size);
/* Change permissions of a fully mapped range (-HV_ENOENT if any page is unmapped). */
int stage2_protect(struct stage2 *s2, ipa_t ipa, u64 size, unsigned perm);
/* Translate one IPA. -HV_ENOENT when unmapped. */
int stage2_walk(const struct stage2 *s2, ipa_t ipa, struct s2_mapping *out);

/* The machine's PA range field (ID_AA64MMFR0_EL1.PARange), set at boot. */
extern unsigned stage2_parange;

#endif
