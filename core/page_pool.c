/* Bitmap page allocator (see hyparm/page_alloc.h). One bit per page, 1 = in use. */
#include <hyparm/page_alloc.h>

static bool in_use(const struct page_pool *p, u64 i)
{
	return (p->bitmap[i / 64] >> (i % 64)) & 1;
}

static void mark(struct page_pool *p, u64 i, bool used)
{
	if (used)
		p->bitmap[i / 64] |= 1ULL << (i % 64);
	else
		p->bitmap[i / 64] &= ~(1ULL << (i % 64));
}

/*
 * Runs of pages a bitmap word at a time: a VM's RAM is thousands of pages,
 * and testing and setting them one bit at a time was most of a small VM's
 * creation (66 000 instructions for 16 MiB).
 */
static u64 word_mask(u64 bit, u64 span)
{
	return (span == 64 ? ~0ULL : (1ULL << span) - 1) << bit;
}

/* How many of the n pages from i on are free before the first one in use (n: all free). */
static u64 free_run(const struct page_pool *p, u64 i, u64 n)
{
	for (u64 k = 0; k < n;) {
		u64 bit = (i + k) % 64, span = MIN(64 - bit, n - k);
		u64 used = p->bitmap[(i + k) / 64] & word_mask(bit, span);

		if (used)
			return k + __builtin_ctzll(used) - bit;
		k += span;
	}
	return n;
}

/* Mark pages [i, i + n) used or free; with count, returns how many changed state (else 0). */
static u64 mark_run(struct page_pool *p, u64 i, u64 n, bool used, bool count)
{
	u64 changed = 0;

	while (n) {
		u64 bit = i % 64, span = MIN(64 - bit, n), m = word_mask(bit, span);
		u64 *w = &p->bitmap[i / 64];

		/* No popcount: it needs SIMD registers, which hyparm does not use. */
		if (count)
			for (u64 flip = (used ? ~*w : *w) & m; flip; flip &= flip - 1)
				changed++;
		*w = used ? *w | m : *w & ~m;
		i += span;
		n -= span;
	}
	return changed;
}

void page_pool_init(struct page_pool *p, paddr_t base, u64 npages, u64 *bitmap)
{
	p->base = base;
	p->npages = npages;
	p->bitmap = bitmap;
	p->free_pages = npages;
	p->next_hint = 0;
	for (u64 i = 0; i < (npages + 63) / 64; i++)
		bitmap[i] = 0;
	if (base == 0 && npages) /* PA 0 is the failure value: never hand it out */
		page_pool_reserve(p, 0, PAGE_SIZE);
}

void page_pool_reserve(struct page_pool *p, paddr_t start, u64 size)
{
	paddr_t end = start + size, pool_end = p->base + p->npages * PAGE_SIZE;

	if (end <= p->base || start >= pool_end || !size)
		return;
	start = MAX(ALIGN_DOWN(start, PAGE_SIZE), p->base);
	end = MIN(ALIGN_UP(end, PAGE_SIZE), pool_end);
	for (u64 i = (start - p->base) / PAGE_SIZE; i < (end - p->base) / PAGE_SIZE; i++) {
		if (!in_use(p, i)) {
			mark(p, i, true);
			p->free_pages--;
		}
	}
}

paddr_t page_pool_alloc(struct page_pool *p, u64 npages, u64 align)
{
	u64 step, first;

	if (!npages || npages > p->free_pages)
		return 0;
	if (align < PAGE_SIZE || (align & (align - 1)))
		align = PAGE_SIZE;
	step = align / PAGE_SIZE;
	/* First candidate index whose address is aligned. */
	first = (ALIGN_UP(p->base, align) - p->base) / PAGE_SIZE;
	if (npages == 1 && step == 1 && p->next_hint < p->npages)
		first = p->next_hint;
	for (int pass = 0; pass < 2; pass++) {
		for (u64 i = first; i + npages <= p->npages; i += step) {
			u64 k = free_run(p, i, npages);
			if (k == npages) {
				mark_run(p, i, npages, true, false); /* all free: free_run said so */
				p->free_pages -= npages;
				if (npages == 1)
					p->next_hint = i + 1;
				return p->base + i * PAGE_SIZE;
			}
			/* Skip past the page in use: no aligned start before it can fit. */
			if (step == 1)
				i += k;
		}
		/* The hint may have skipped free pages below it: look once from the start. */
		first = (ALIGN_UP(p->base, align) - p->base) / PAGE_SIZE;
	}
	return 0;
}

void page_pool_free(struct page_pool *p, paddr_t pa, u64 npages)
{
	if (pa < p->base || (pa & (PAGE_SIZE - 1)))
		return;
	u64 i = (pa - p->base) / PAGE_SIZE, n = npages;

	if (p->base == 0 && i == 0 && n) { /* PA 0 stays out of use (page_pool_init) */
		i = 1;
		n--;
	}
	if (i >= p->npages || !n)
		return;
	/* Counted: a double free changes nothing. */
	p->free_pages += mark_run(p, i, MIN(n, p->npages - i), false, true);
	if ((pa - p->base) / PAGE_SIZE < p->next_hint)
		p->next_hint = (pa - p->base) / PAGE_SIZE;
}
