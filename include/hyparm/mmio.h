/*
 * The MMIO bus of one VM: IPA ranges that belong to emulated devices. A
 * stage-2 data abort on an IPA that is not RAM is looked up here; the bus
 * keeps its devices sorted by base so the lookup is a binary search.
 */
#ifndef HYPARM_MMIO_H
#define HYPARM_MMIO_H

#include <hyparm/types.h>

struct vcpu;

struct mmio_ops {
	/* off is relative to the device base; size is 1, 2, 4 or 8. Return HV_OK or -HV_E*. */
	int (*read)(void *dev, struct vcpu *vcpu, u64 off, unsigned size, u64 *val);
	int (*write)(void *dev, struct vcpu *vcpu, u64 off, unsigned size, u64 val);
};

struct mmio_region {
	ipa_t base;
	u64 size;
	const struct mmio_ops *ops;
	void *dev;
	const char *name;
	u64 reads, writes; /* exit statistics */
};

#define MMIO_MAX_REGIONS 16

struct mmio_bus {
	struct mmio_region regions[MMIO_MAX_REGIONS];
	unsigned count;
	/*
	 * The region the last lookup found, tried first: a guest's accesses
	 * come in runs to one device (the GIC distributor, a UART), so this
	 * replaces the binary search on the MMIO fast path. A hint only:
	 * any vCPU may rewrite it (relaxed atomics), and a hit is checked.
	 */
	unsigned last;
};

/* Add a region; -HV_EEXIST if it overlaps one, -HV_ENOMEM when the bus is full, -HV_EINVAL for size 0. */
int mmio_bus_add(struct mmio_bus *bus, ipa_t base, u64 size, const struct mmio_ops *ops, void *dev,
		 const char *name);
/* The region holding ipa, or NULL. */
struct mmio_region *mmio_bus_find(struct mmio_bus *bus, ipa_t ipa);
/*
 * Whether a size-byte access at ipa lies wholly inside r. One that starts
 * inside and runs past its end (into a neighbour or into nothing) is not
 * the device's to emulate, whatever the device: the caller refuses it.
 */
static inline bool mmio_access_fits(const struct mmio_region *r, ipa_t ipa, unsigned size)
{
	/* Written so that no sum can wrap: off < r->size (as mmio_bus_find found it), then size against what is left. */
	u64 off = ipa - r->base;
	return off < r->size && size <= r->size - off;
}

#endif
