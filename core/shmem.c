/*
 * Named shared-memory regions (see hyparm/shmem.h). The table is filled
 * while VMs are created and never shrinks: a region outlives its VMs'
 * resets and stops (a VM restarted by the monitor keeps its device, and
 * so its peer number and the pages other VMs still use), so no peer
 * leaves and a ring needs no reference counting.
 */
#include <arch/cache.h>
#include <arch/spinlock.h>
#include <hyparm/errno.h>
#include <hyparm/page_alloc.h>
#include <hyparm/shmem.h>
#include <string.h>

struct shmem_peer {
	shmem_ring_fn ring;
	void *ctx;
};

struct shmem_region {
	char name[SHMEM_NAME_MAX];
	u64 size; /* 0: a free slot */
	void *base;
	struct shmem_peer peers[SHMEM_MAX_PEERS];
	unsigned nr_peers; /* written under the table lock, read by ringers with acquire */
	u64 bad_rings;
};

static struct {
	spinlock_t lock; /* attach; the bad-ring counters */
	struct shmem_region regions[SHMEM_MAX_REGIONS];
} table = { .lock = SPINLOCK_INIT };

static struct shmem_region *find_or_make(const char *name, u64 size, int *rc)
{
	struct shmem_region *free_slot = NULL;

	for (unsigned i = 0; i < SHMEM_MAX_REGIONS; i++) {
		struct shmem_region *r = &table.regions[i];
		if (!r->size) {
			if (!free_slot)
				free_slot = r;
			continue;
		}
		if (!strcmp(r->name, name)) {
			*rc = r->size == size ? HV_OK : -HV_EEXIST;
			return r;
		}
	}
	if (!free_slot) {
		*rc = -HV_ENOMEM;
		return NULL;
	}
	/* Size-aligned, so that stage 2 maps it with blocks where it can and any BAR address fits it. */
	free_slot->base = page_alloc_aligned(size / PAGE_SIZE, size);
	if (!free_slot->base) {
		*rc = -HV_ENOMEM;
		return NULL;
	}
	/* Zeroed through hyparm's cache; a guest may map it uncached (uio's resource2 is Device memory). */
	arch_dcache_clean_inval_range((paddr_t)(uintptr_t)free_slot->base, size);
	memcpy(free_slot->name, name, strlen(name) + 1);
	free_slot->size = size;
	free_slot->nr_peers = 0;
	free_slot->bad_rings = 0;
	*rc = HV_OK;
	return free_slot;
}

int shmem_attach(const char *name, u64 size, shmem_ring_fn ring, void *ctx, struct shmem_region **out,
		 unsigned *id)
{
	struct shmem_region *r;
	int rc;

	*out = NULL;
	if (!name || !name[0] || strlen(name) >= SHMEM_NAME_MAX || !shmem_size_ok(size))
		return -HV_EINVAL;
	spin_lock(&table.lock);
	r = find_or_make(name, size, &rc);
	*out = r;
	if (!rc && r->nr_peers == SHMEM_MAX_PEERS)
		rc = -HV_ENOMEM;
	if (!rc) {
		r->peers[r->nr_peers] = (struct shmem_peer){ .ring = ring, .ctx = ctx };
		*id = r->nr_peers;
		/* The peer's entry is complete before a ringer can see the new count. */
		__atomic_store_n(&r->nr_peers, r->nr_peers + 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&table.lock);
	return rc;
}

int shmem_ring(struct shmem_region *r, unsigned from, unsigned to, unsigned vector)
{
	unsigned n = __atomic_load_n(&r->nr_peers, __ATOMIC_ACQUIRE);

	if (to >= n || !r->peers[to].ring) {
		spin_lock(&table.lock);
		r->bad_rings++;
		spin_unlock(&table.lock);
		return -HV_ENOENT;
	}
	r->peers[to].ring(r->peers[to].ctx, from, vector);
	return HV_OK;
}

const char *shmem_name(const struct shmem_region *r)
{
	return r->name;
}

u64 shmem_size(const struct shmem_region *r)
{
	return r->size;
}

void *shmem_base(const struct shmem_region *r)
{
	return r->base;
}

unsigned shmem_peers(const struct shmem_region *r)
{
	return __atomic_load_n(&r->nr_peers, __ATOMIC_ACQUIRE);
}

u64 shmem_bad_rings(const struct shmem_region *r)
{
	return r->bad_rings;
}
