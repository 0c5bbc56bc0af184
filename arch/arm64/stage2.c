/*
 * Stage-2 translation tables (see arch/stage2.h): 4 KiB granule, blocks at
 * levels 1 (1 GiB) and 2 (2 MiB), pages at level 3.
 *
 * Starting level: the IPA size is capped at 40 bits (KVM's default), so
 * the walk starts at level 1 with concatenated root tables (two pages for
 * 40 bits, one page for 39 bits or less: 2^(ipa_bits - 30) entries); a
 * larger IPA space would start at level 0. Every change to a live entry is
 * break-before-make: invalid, TLBI by IPA, then the new value.
 */
#include <arch/spin_wait.h>
#include <arch/stage2.h>
#include <arch/tlb.h>
#include <hyparm/errno.h>

/* The machine's PA range (ID_AA64MMFR0_EL1.PARange), read once at boot: every VM's stage 2 is built for it. */
unsigned stage2_parange;

#define ENTRIES 512
#define DESC_VALID BIT(0)
#define DESC_TABLE BIT(1) /* table at levels 0-2, page at level 3 */
#define DESC_MEMATTR(x) ((u64)(x) << 2)
#define DESC_MEMATTR_MASK (0xFULL << 2)
#define MEMATTR_NORMAL_WB 0xF /* outer and inner write-back */
#define MEMATTR_DEVICE_nGnRE 0x1
#define DESC_S2AP_R BIT(6)
#define DESC_S2AP_W BIT(7)
#define DESC_SH_INNER (3ULL << 8)
#define DESC_AF BIT(10)
#define DESC_XN BIT(54)
#define DESC_ADDR_MASK 0x0000FFFFFFFFF000ULL
#define DESC_ATTR_MASK (~DESC_ADDR_MASK & ~(DESC_VALID | DESC_TABLE))

static inline void s2_barrier(void)
{
	arch_dsb_ishst();
}

static unsigned shift(unsigned level)
{
	return 39 - 9 * level;
}
static u64 level_size(unsigned level)
{
	return 1ULL << shift(level);
}
static u64 *table_at(u64 desc)
{
	return (u64 *)(uintptr_t)(desc & DESC_ADDR_MASK);
}
static bool is_leaf(u64 desc, unsigned level)
{
	return level == 3 || !(desc & DESC_TABLE);
}

/* Entries of the table at this level (the root may be concatenated). */
static u64 entries(const struct stage2 *s2, unsigned level)
{
	return level == s2->start_level ? 1ULL << (s2->ipa_bits - shift(level)) : ENTRIES;
}

static u64 index_of(const struct stage2 *s2, ipa_t ipa, unsigned level)
{
	return (ipa >> shift(level)) & (entries(s2, level) - 1);
}

unsigned stage2_ipa_bits(unsigned parange)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned b = parange < ARRAY_SIZE(bits) ? bits[parange] : 52;
	return b > 40 ? 40 : b;
}

u64 stage2_vtcr(const struct stage2 *s2, unsigned parange)
{
	u64 sl0 = s2->start_level == 0 ? 2 : 1;
	u64 ps = parange > 5 ? 5 : parange; /* 52-bit output needs LPA: not used */

	return (64 - s2->ipa_bits) | sl0 << 6 | 1ULL << 8 /* IRGN0 WB */ | 1ULL << 10 /* ORGN0 WB */ |
		3ULL << 12 /* SH0 inner */ | 0ULL << 14 /* TG0 4K */ | ps << 16 | BIT(31);
}

u64 stage2_vttbr(const struct stage2 *s2)
{
	return s2->root_pa | ((u64)s2->vmid << 48);
}

int stage2_init(struct stage2 *s2, unsigned ipa_bits, u16 vmid, void *(*alloc_table)(unsigned),
		void (*free_table)(void *, unsigned))
{
	if (ipa_bits < 32 || ipa_bits > 48)
		return -HV_EINVAL;
	s2->ipa_bits = ipa_bits;
	s2->vmid = vmid;
	s2->alloc_table = alloc_table;
	s2->free_table = free_table;
	s2->start_level = ipa_bits > 40 ? 0 : 1;
	s2->root_pages = (ipa_bits == 40 && s2->start_level == 1) ? 2 : 1;
	s2->root = alloc_table(s2->root_pages);
	if (!s2->root)
		return -HV_ENOMEM;
	s2->root_pa = (paddr_t)(uintptr_t)s2->root;
	s2->table_pages = s2->root_pages;
	return HV_OK;
}

static void free_tables(struct stage2 *s2, u64 *table, unsigned level)
{
	for (u64 i = 0; i < entries(s2, level); i++)
		if ((table[i] & DESC_VALID) && !is_leaf(table[i], level))
			free_tables(s2, table_at(table[i]), level + 1);
	if (level != s2->start_level) {
		s2->free_table(table, 1);
		s2->table_pages--;
	}
}

void stage2_destroy(struct stage2 *s2)
{
	if (!s2->root)
		return;
	free_tables(s2, s2->root, s2->start_level);
	s2->free_table(s2->root, s2->root_pages);
	s2->table_pages -= s2->root_pages;
	s2->root = NULL;
}

static u64 leaf_attrs(unsigned perm, enum s2_memtype type)
{
	u64 d = DESC_AF;

	if (perm & S2_R)
		d |= DESC_S2AP_R;
	if (perm & S2_W)
		d |= DESC_S2AP_W;
	if (type == S2_MEM_DEVICE)
		d |= DESC_MEMATTR(MEMATTR_DEVICE_nGnRE) | DESC_XN;
	else
		d |= DESC_MEMATTR(MEMATTR_NORMAL_WB) | DESC_SH_INNER | ((perm & S2_X) ? 0 : DESC_XN);
	return d;
}

static u64 leaf_desc(paddr_t pa, u64 attrs, unsigned level)
{
	return (pa & DESC_ADDR_MASK) | attrs | DESC_VALID | (level == 3 ? DESC_TABLE : 0);
}

static int check_range(const struct stage2 *s2, ipa_t ipa, paddr_t pa, u64 size)
{
	if (!size || !IS_ALIGNED(ipa | pa | size, PAGE_SIZE))
		return -HV_EINVAL;
	if (ipa + size < ipa || pa + size < pa)
		return -HV_EINVAL;
	if (ipa + size > (1ULL << s2->ipa_bits))
		return -HV_ERANGE;
	/* A descriptor holds 48 address bits: a larger PA would silently map a different one. */
	if ((pa + size - 1) & ~DESC_ADDR_MASK & ~(PAGE_SIZE - 1))
		return -HV_ERANGE;
	return HV_OK;
}

/* Is any page of [ipa, end) mapped? */
static bool any_mapped(const struct stage2 *s2, u64 *table, unsigned level, ipa_t ipa, ipa_t end)
{
	while (ipa < end) {
		u64 next = ALIGN_DOWN(ipa, level_size(level)) + level_size(level);
		u64 d = table[index_of(s2, ipa, level)];
		if (next > end || next == 0)
			next = end;
		if (d & DESC_VALID) {
			if (is_leaf(d, level) || any_mapped(s2, table_at(d), level + 1, ipa, next))
				return true;
		}
		ipa = next;
	}
	return false;
}

/* Is every page of [ipa, end) mapped? */
static bool all_mapped(const struct stage2 *s2, u64 *table, unsigned level, ipa_t ipa, ipa_t end)
{
	while (ipa < end) {
		u64 next = ALIGN_DOWN(ipa, level_size(level)) + level_size(level);
		u64 d = table[index_of(s2, ipa, level)];
		if (next > end || next == 0)
			next = end;
		if (!(d & DESC_VALID))
			return false;
		if (!is_leaf(d, level) && !all_mapped(s2, table_at(d), level + 1, ipa, next))
			return false;
		ipa = next;
	}
	return true;
}

static u64 *new_table(struct stage2 *s2)
{
	u64 *t = s2->alloc_table(1);
	if (t)
		s2->table_pages++;
	return t;
}

static int map_level(struct stage2 *s2, u64 *table, unsigned level, ipa_t ipa, paddr_t pa, u64 size,
		     u64 attrs)
{
	while (size) {
		u64 bs = level_size(level);
		u64 span = MIN(size, ALIGN_DOWN(ipa, bs) + bs - ipa);
		u64 *e = &table[index_of(s2, ipa, level)];

		if (level == 3 || (level >= 1 && IS_ALIGNED(ipa | pa, bs) && span == bs)) {
			*e = leaf_desc(pa, attrs, level);
		} else {
			if (!(*e & DESC_VALID)) {
				u64 *t = new_table(s2);
				if (!t)
					return -HV_ENOMEM;
				s2_barrier(); /* the zeroed table is visible before it is linked */
				*e = (u64)(uintptr_t)t | DESC_VALID | DESC_TABLE;
			}
			int err = map_level(s2, table_at(*e), level + 1, ipa, pa, span, attrs);
			if (err)
				return err;
		}
		ipa += span;
		pa += span;
		size -= span;
	}
	return HV_OK;
}

/*
 * Replace a block by a table of the next level mapping the same memory
 * with the same attributes (break-before-make), so part of it can change.
 */
static int split_block(struct stage2 *s2, u64 *e, unsigned level, ipa_t ipa)
{
	u64 *t = new_table(s2);
	u64 attrs = *e & DESC_ATTR_MASK;
	paddr_t base = *e & DESC_ADDR_MASK;
	u64 child = level_size(level + 1);

	if (!t)
		return -HV_ENOMEM;
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = leaf_desc(base + i * child, attrs, level + 1);
	*e = 0;
	s2_barrier();
	arch_tlb_inval_ipa(s2, ALIGN_DOWN(ipa, level_size(level)));
	*e = (u64)(uintptr_t)t | DESC_VALID | DESC_TABLE;
	s2_barrier();
	return HV_OK;
}

static bool table_empty(const u64 *t)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i] & DESC_VALID)
			return false;
	return true;
}

/* Unmap (perm == 0) or change permissions of [ipa, end). */
static int change_level(struct stage2 *s2, u64 *table, unsigned level, ipa_t ipa, ipa_t end, bool unmap,
			unsigned perm, bool *freed_table)
{
	while (ipa < end) {
		u64 bs = level_size(level);
		u64 start = ALIGN_DOWN(ipa, bs), next = start + bs;
		u64 *e = &table[index_of(s2, ipa, level)];
		bool whole = ipa == start && next <= end;

		if (next > end)
			next = end;
		if (!(*e & DESC_VALID)) {
			ipa = next;
			continue;
		}
		if (is_leaf(*e, level) && !whole) {
			int err = split_block(s2, e, level, ipa);
			if (err)
				return err;
		}
		if (is_leaf(*e, level)) {
			u64 old = *e;
			*e = 0;
			s2_barrier();
			arch_tlb_inval_ipa(s2, start);
			if (!unmap) {
				enum s2_memtype type = (old & DESC_MEMATTR_MASK) ==
						DESC_MEMATTR(MEMATTR_NORMAL_WB)
					? S2_MEM_NORMAL
					: S2_MEM_DEVICE;
				*e = leaf_desc(old & DESC_ADDR_MASK, leaf_attrs(perm, type), level);
				s2_barrier();
			}
		} else {
			u64 *t = table_at(*e);
			int err = change_level(s2, t, level + 1, ipa, next, unmap, perm, freed_table);
			if (err)
				return err;
			if (unmap && table_empty(t)) {
				*e = 0;
				s2_barrier();
				s2->free_table(t, 1);
				s2->table_pages--;
				*freed_table = true;
			}
		}
		ipa = next;
	}
	return HV_OK;
}

int stage2_map(struct stage2 *s2, ipa_t ipa, paddr_t pa, u64 size, unsigned perm, enum s2_memtype type)
{
	int err = check_range(s2, ipa, pa, size);

	if (err)
		return err;
	if (!(perm & S2_RWX))
		return -HV_EINVAL;
	if (any_mapped(s2, s2->root, s2->start_level, ipa, ipa + size))
		return -HV_EEXIST;
	err = map_level(s2, s2->root, s2->start_level, ipa, pa, size, leaf_attrs(perm, type));
	s2_barrier();
	if (err)
		stage2_unmap(s2, ipa, size); /* the range was empty: leave it so */
	return err;
}

int stage2_unmap(struct stage2 *s2, ipa_t ipa, u64 size)
{
	bool freed = false;
	int err = check_range(s2, ipa, 0, size);

	if (err)
		return err;
	err = change_level(s2, s2->root, s2->start_level, ipa, ipa + size, true, 0, &freed);
	/* Intermediate levels of freed tables may sit in walk caches for other IPAs they covered. */
	if (freed)
		arch_tlb_inval_vmid(s2);
	return err;
}

int stage2_protect(struct stage2 *s2, ipa_t ipa, u64 size, unsigned perm)
{
	bool freed = false;
	int err = check_range(s2, ipa, 0, size);

	if (err)
		return err;
	if (!all_mapped(s2, s2->root, s2->start_level, ipa, ipa + size))
		return -HV_ENOENT;
	return change_level(s2, s2->root, s2->start_level, ipa, ipa + size, false, perm, &freed);
}

int stage2_walk(const struct stage2 *s2, ipa_t ipa, struct s2_mapping *out)
{
	const u64 *table = s2->root;

	if (ipa >= (1ULL << s2->ipa_bits))
		return -HV_ERANGE;
	for (unsigned level = s2->start_level; level <= 3; level++) {
		u64 d = table[index_of(s2, ipa, level)];
		if (!(d & DESC_VALID))
			return -HV_ENOENT;
		if (is_leaf(d, level)) {
			u64 bs = level_size(level);
			out->pa = (d & DESC_ADDR_MASK & ~(bs - 1)) | (ipa & (bs - 1));
			out->perm = ((d & DESC_S2AP_R) ? S2_R : 0) | ((d & DESC_S2AP_W) ? S2_W : 0) |
				((d & DESC_XN) ? 0 : S2_X);
			out->type = (d & DESC_MEMATTR_MASK) == DESC_MEMATTR(MEMATTR_NORMAL_WB)
				? S2_MEM_NORMAL
				: S2_MEM_DEVICE;
			out->level = level;
			out->block_size = bs;
			return HV_OK;
		}
		table = table_at(d);
	}
	return -HV_ENOENT;
}
