/*
 * The system page pool: all RAM hyparm owns, minus what boot placed there.
 * A lock serialises the CPUs; allocation is rare (VM creation, page tables).
 */
#include <arch/spinlock.h>
#include <hyparm/page_alloc.h>
#include <string.h>

static struct page_pool pool;
static spinlock_t pool_lock = SPINLOCK_INIT;

struct page_pool *page_alloc_pool(void)
{
	return &pool;
}

void *page_alloc_raw(u64 npages, u64 align_bytes)
{
	paddr_t pa;

	spin_lock(&pool_lock);
	pa = page_pool_alloc(&pool, npages, align_bytes);
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

void page_free(void *p, u64 npages)
{
	spin_lock(&pool_lock);
	page_pool_free(&pool, (paddr_t)(uintptr_t)p, npages);
	spin_unlock(&pool_lock);
}
