/*
 * Named shared-memory regions between VMs (core/shmem.c), the backing of
 * the ivshmem device (vdev/ivshmem.c). A region is allocated once, from
 * hyparm's page allocator, when the first VM naming it is created; every
 * VM naming it after that gets the same pages. Its size is a power of two
 * from SHMEM_MIN_SIZE to SHMEM_MAX_SIZE, and every VM must name the same
 * one. The VMs attached to a region are its peers, numbered 0, 1, ... in
 * the order they attached (the order of the manifest's VMs). A peer rings
 * another by number: the region calls that peer's ring() (on the ringer's
 * CPU, no region lock held); a number no peer has is counted and ignored.
 */
#ifndef HYPARM_SHMEM_H
#define HYPARM_SHMEM_H

#include <hyparm/types.h>

#define SHMEM_MAX_REGIONS 8
#define SHMEM_MAX_PEERS 8 /* one per VM */
#define SHMEM_NAME_MAX 32
#define SHMEM_MIN_SIZE 0x1000ULL
/* The largest a 64-bit BAR can be and still fit, size-aligned, in the PCI window (hyparm/guest_layout.h). */
#define SHMEM_MAX_SIZE 0x10000000ULL
#define SHMEM_DEFAULT_SIZE 0x100000ULL

struct shmem_region;

/* What a peer does when rung: ctx is what it attached with. */
typedef void (*shmem_ring_fn)(void *ctx, unsigned from, unsigned vector);

/* Whether size is one a region may have (a power of two in [SHMEM_MIN_SIZE, SHMEM_MAX_SIZE]). */
static inline bool shmem_size_ok(u64 size)
{
	return size >= SHMEM_MIN_SIZE && size <= SHMEM_MAX_SIZE && !(size & (size - 1));
}

/*
 * Attach a peer to the region called name (allocated now if it is the
 * first): *r and *id are its region and number. Errors: -HV_EINVAL (a bad
 * name or size), -HV_EEXIST (the region exists with another size: *r is
 * set so the caller can say which), -HV_ENOMEM (no memory, or no free
 * region / peer slot).
 */
int shmem_attach(const char *name, u64 size, shmem_ring_fn ring, void *ctx, struct shmem_region **r,
		 unsigned *id);
/* Ring peer `to` of r from peer `from`: HV_OK, or -HV_ENOENT (no such peer: counted). */
int shmem_ring(struct shmem_region *r, unsigned from, unsigned to, unsigned vector);

const char *shmem_name(const struct shmem_region *r);
u64 shmem_size(const struct shmem_region *r);
/* The region's first byte: hyparm's pointer, which is also its PA (hyparm is identity mapped). */
void *shmem_base(const struct shmem_region *r);
unsigned shmem_peers(const struct shmem_region *r);
/* Doorbells rung at a number no peer had. */
u64 shmem_bad_rings(const struct shmem_region *r);

#endif
