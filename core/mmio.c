/* A VM's MMIO bus: emulated-device ranges kept sorted by base (see hyparm/mmio.h). */
#include <hyparm/errno.h>
#include <hyparm/mmio.h>

int mmio_bus_add(struct mmio_bus *bus, ipa_t base, u64 size, const struct mmio_ops *ops, void *dev,
		 const char *name)
{
	unsigned pos = 0;

	if (!size || base + size < base)
		return -HV_EINVAL;
	if (bus->count == MMIO_MAX_REGIONS)
		return -HV_ENOMEM;
	while (pos < bus->count && bus->regions[pos].base < base)
		pos++;
	/* Neighbours on both sides must not overlap the new range. */
	if (pos > 0 && bus->regions[pos - 1].base + bus->regions[pos - 1].size > base)
		return -HV_EEXIST;
	if (pos < bus->count && base + size > bus->regions[pos].base)
		return -HV_EEXIST;
	for (unsigned i = bus->count; i > pos; i--)
		bus->regions[i] = bus->regions[i - 1];
	bus->regions[pos] = (struct mmio_region){
		.base = base, .size = size, .ops = ops, .dev = dev, .name = name
	};
	bus->count++;
	return HV_OK;
}

static bool region_holds(const struct mmio_region *r, ipa_t ipa)
{
	return ipa >= r->base && ipa - r->base < r->size;
}

struct mmio_region *mmio_bus_find(struct mmio_bus *bus, ipa_t ipa)
{
	unsigned last = __atomic_load_n(&bus->last, __ATOMIC_RELAXED);
	unsigned lo = 0, hi = bus->count;

	if (last < hi && region_holds(&bus->regions[last], ipa))
		return &bus->regions[last];
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		struct mmio_region *r = &bus->regions[mid];
		if (ipa < r->base)
			hi = mid;
		else if (ipa - r->base >= r->size)
			lo = mid + 1;
		else {
			__atomic_store_n(&bus->last, mid, __ATOMIC_RELAXED);
			return r;
		}
	}
	return NULL;
}
