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
			u64 k = 0;
			while (k < npages && !in_use(p, i + k))
				k++;
			if (k == npages) {
				for (k = 0; k < npages; k++)
					mark(p, i + k, true);
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
	for (u64 i = (pa - p->base) / PAGE_SIZE, k = 0; k < npages && i + k < p->npages; k++) {
		if (p->base == 0 && i + k == 0)
			continue; /* PA 0 stays out of use (page_pool_init) */
		if (in_use(p, i + k)) {
			mark(p, i + k, false);
			p->free_pages++;
		}
	}
	if ((pa - p->base) / PAGE_SIZE < p->next_hint)
		p->next_hint = (pa - p->base) / PAGE_SIZE;
}
