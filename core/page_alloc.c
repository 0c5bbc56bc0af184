/*
 * The system allocator: all RAM hyparm owns, one page pool per RAM bank,
 * minus what boot placed there. A lock serialises the CPUs; allocation is
 * rare (VM creation, page tables).
 */
#include <arch/spinlock.h>
#include <hyparm/page_alloc.h>
#include <string.h>

static struct page_pool banks[PAGE_ALLOC_MAX_BANKS];
static unsigned nr_banks;
static spinlock_t pool_lock = SPINLOCK_INIT;

bool page_alloc_add_bank(paddr_t base, u64 npages, u64 *bitmap)
{
	bool added = false;

	spin_lock(&pool_lock);
	if (nr_banks < PAGE_ALLOC_MAX_BANKS) {
		page_pool_init(&banks[nr_banks++], base, npages, bitmap);
		added = true;
	}
	spin_unlock(&pool_lock);
	return added;
}

void page_alloc_reserve(paddr_t start, u64 size)
{
	spin_lock(&pool_lock);
	for (unsigned i = 0; i < nr_banks; i++)
		page_pool_reserve(&banks[i], start, size); /* ignores what is outside the bank */
	spin_unlock(&pool_lock);
}

u64 page_alloc_free_bytes(void)
{
	u64 pages = 0;

	spin_lock(&pool_lock);
	for (unsigned i = 0; i < nr_banks; i++)
		pages += banks[i].free_pages;
	spin_unlock(&pool_lock);
	return pages * PAGE_SIZE;
}

void *page_alloc_raw(u64 npages, u64 align_bytes)
{
	paddr_t pa = 0;

	spin_lock(&pool_lock);
	for (unsigned i = 0; i < nr_banks && !pa; i++)
		pa = page_pool_alloc(&banks[i], npages, align_bytes);
	spin_unlock(&pool_lock);
	return (void *)(uintptr_t)pa;
}

void *page_alloc_aligned(u64 npages, u64 align_bytes)
{
	void *p = page_alloc_raw(npages, align_bytes);

	if (p)
		memset(p, 0, npages * PAGE_SIZE);
	return p;
}

void *page_alloc(u64 npages)
{
	return page_alloc_aligned(npages, PAGE_SIZE);
}

/* Back to the bank that holds p (page_pool_free ignores a PA below its base, not above its end). */
void page_free(void *p, u64 npages)
{
	paddr_t pa = (paddr_t)(uintptr_t)p;

	spin_lock(&pool_lock);
	for (unsigned i = 0; i < nr_banks; i++)
		if (pa >= banks[i].base && pa < banks[i].base + banks[i].npages * PAGE_SIZE) {
			page_pool_free(&banks[i], pa, npages);
			break;
		}
	spin_unlock(&pool_lock);
}
