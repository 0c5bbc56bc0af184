/*
 * Physical page allocator: one bitmap per RAM bank hyparm owns (everything
 * in the device tree's /memory ranges, e.g. the ZCU102's two, minus hyparm's
 * image, the DTB, the guest-image bundle and reserved ranges). Serves both hyparm's own structures (page
 * tables, vCPU structs) and guest RAM, which is asked for with a large
 * alignment so that stage 2 can map it with 2 MiB / 1 GiB blocks.
 */
#ifndef HYPARM_PAGE_ALLOC_H
#define HYPARM_PAGE_ALLOC_H

#include <hyparm/types.h>

struct page_pool {
	paddr_t base; /* first byte managed, page aligned */
	u64 npages; /* pages managed */
	u64 *bitmap; /* 1 bit per page, 1 = in use */
	u64 free_pages;
	u64 next_hint; /* where the next small search starts */
};

/*
 * Manage [base, base + npages * PAGE_SIZE); bitmap storage is supplied by
 * the caller. PA 0 means "none" to every caller (and is NULL to the C
 * code on top), so a pool starting at 0 (the ZCU102's RAM) never hands
 * out its first page.
 */
void page_pool_init(struct page_pool *pool, paddr_t base, u64 npages, u64 *bitmap);
/* Mark a range as used (hyparm image, DTB, reserved memory...). */
void page_pool_reserve(struct page_pool *pool, paddr_t start, u64 size);
/* npages contiguous pages whose first PA is a multiple of align_bytes; 0 when none. */
paddr_t page_pool_alloc(struct page_pool *pool, u64 npages, u64 align_bytes);
void page_pool_free(struct page_pool *pool, paddr_t pa, u64 npages);
/* Bytes of bitmap page_pool_init needs for npages. */
static inline u64 page_pool_bitmap_bytes(u64 npages)
{
	return ((npages + 63) / 64) * 8;
}

/*
 * The system allocator: up to PAGE_ALLOC_MAX_BANKS pools, one per RAM bank,
 * tried in the order they were added (the device tree's order). A request
 * is served from one bank: a run never spans two.
 */
#define PAGE_ALLOC_MAX_BANKS 8
/* false (and nothing added) when all slots are taken. */
bool page_alloc_add_bank(paddr_t base, u64 npages, u64 *bitmap);
/* Mark a range used in whichever banks it overlaps. */
void page_alloc_reserve(paddr_t start, u64 size);
u64 page_alloc_free_bytes(void);
/* Zeroed pages for hyparm's own use (EL2 only). Returns NULL when exhausted. */
void *page_alloc(u64 npages);
void *page_alloc_aligned(u64 npages, u64 align_bytes);
/* The same without zeroing: for guest RAM, which the loader clears itself. */
void *page_alloc_raw(u64 npages, u64 align_bytes);
void page_free(void *p, u64 npages);

#endif
