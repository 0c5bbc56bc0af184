/*
 * The MMIO bus under random add/find sequences. Every stage-2 data abort
 * outside RAM is looked up here, so find must return exactly the region
 * that contains the IPA. After every step: regions sorted by base, none
 * overlapping, none empty or wrapping; each add's result agrees with a
 * brute-force overlap check; find agrees with a linear scan.
 *
 * Input: a sequence of 1-byte opcodes followed by their operands.
 */
#include <string.h>
#include <hyparm/errno.h>
#include <hyparm/mmio.h>
#include "input.h"

static const struct mmio_ops dummy_ops;

/* Bases and sizes either small (collisions likely) or anything at all. */
static u64 pick(struct fuzz_input *in, uint8_t how)
{
	switch (how & 3) {
	case 0:
		return fuzz_u8(in);
	case 1:
		return (u64)fuzz_u16(in) << 12;
	case 2:
		return fuzz_u64(in);
	default:
		return ~0ULL - fuzz_u16(in);
	}
}

static bool overlaps_any(const struct mmio_bus *bus, u64 base, u64 size)
{
	for (unsigned i = 0; i < bus->count; i++) {
		const struct mmio_region *r = &bus->regions[i];
		if (base < r->base + r->size && r->base < base + size)
			return true;
	}
	return false;
}

static const struct mmio_region *linear_find(const struct mmio_bus *bus, u64 ipa)
{
	for (unsigned i = 0; i < bus->count; i++)
		if (ipa >= bus->regions[i].base && ipa - bus->regions[i].base < bus->regions[i].size)
			return &bus->regions[i];
	return NULL;
}

static void check_bus(const struct mmio_bus *bus)
{
	FUZZ_CHECK(bus->count <= MMIO_MAX_REGIONS);
	for (unsigned i = 0; i < bus->count; i++) {
		const struct mmio_region *r = &bus->regions[i];
		FUZZ_CHECK(r->size && r->base + r->size > r->base);
		if (i)
			FUZZ_CHECK(bus->regions[i - 1].base + bus->regions[i - 1].size <= r->base);
	}
}

static void check_find(struct mmio_bus *bus, u64 ipa)
{
	struct mmio_region *r = mmio_bus_find(bus, ipa);

	FUZZ_CHECK(r == linear_find(bus, ipa));
	if (r)
		FUZZ_CHECK(ipa >= r->base && ipa - r->base < r->size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);
	struct mmio_bus bus;

	memset(&bus, 0, sizeof(bus));
	while (in.left) {
		uint8_t op = fuzz_u8(&in);

		if (op & 0x80) {
			u64 base = pick(&in, op), sz = pick(&in, op >> 2);
			bool full = bus.count == MMIO_MAX_REGIONS;
			bool bad = !sz || base + sz < base;
			bool clash = !bad && overlaps_any(&bus, base, sz);
			unsigned before = bus.count;
			int rc = mmio_bus_add(&bus, base, sz, &dummy_ops, NULL, "fuzz");

			if (bad)
				FUZZ_CHECK(rc == -HV_EINVAL);
			else if (full)
				FUZZ_CHECK(rc == -HV_ENOMEM);
			else if (clash)
				FUZZ_CHECK(rc == -HV_EEXIST);
			else
				FUZZ_CHECK(rc == HV_OK);
			FUZZ_CHECK(bus.count == before + (rc == HV_OK));
			if (rc == HV_OK) {
				/* The new region is found at both ends. */
				struct mmio_region *r = mmio_bus_find(&bus, base);
				FUZZ_CHECK(r && r->base == base && r->size == sz);
				FUZZ_CHECK(mmio_bus_find(&bus, base + sz - 1) == r);
			}
			check_bus(&bus);
		} else {
			u64 ipa = pick(&in, op);

			check_find(&bus, ipa);
			/* The edges of every region, where off-by-ones live. */
			if ((op & 0x40) && bus.count) {
				const struct mmio_region *r = &bus.regions[(op >> 2) % bus.count];
				check_find(&bus, r->base);
				check_find(&bus, r->base - 1);
				check_find(&bus, r->base + r->size - 1);
				check_find(&bus, r->base + r->size);
			}
		}
	}
	return 0;
}
