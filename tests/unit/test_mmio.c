/* A VM's MMIO bus: sorted regions, overlap refusal, lookups at region edges, dispatch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <hyparm/errno.h>
#include <hyparm/mmio.h>

/* A fake device remembers the last access it saw. */
struct fake_dev {
	int id;
	u64 last_off;
	unsigned last_size;
	u64 last_val;
	int reads, writes;
};

static int fake_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct fake_dev *d = dev;
	d->reads++;
	d->last_off = off;
	d->last_size = size;
	*val = ((u64)d->id << 32) | off;
	return HV_OK;
}

static int fake_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct fake_dev *d = dev;
	d->writes++;
	d->last_off = off;
	d->last_size = size;
	d->last_val = val;
	return HV_OK;
}

static const struct mmio_ops fake_ops = { .read = fake_read, .write = fake_write };

static struct mmio_bus bus;
static struct fake_dev devs[MMIO_MAX_REGIONS + 1];

static int setup(void **state)
{
	memset(&bus, 0, sizeof(bus));
	memset(devs, 0, sizeof(devs));
	for (unsigned i = 0; i < ARRAY_SIZE(devs); i++)
		devs[i].id = (int)i;
	return 0;
}

/* What the data-abort handler does: find the region, call it with the offset inside. */
static int bus_read(ipa_t ipa, unsigned size, u64 *val)
{
	struct mmio_region *r = mmio_bus_find(&bus, ipa);
	if (!r)
		return -HV_ENOENT;
	return r->ops->read(r->dev, NULL, ipa - r->base, size, val);
}

static int bus_write(ipa_t ipa, unsigned size, u64 val)
{
	struct mmio_region *r = mmio_bus_find(&bus, ipa);
	if (!r)
		return -HV_ENOENT;
	return r->ops->write(r->dev, NULL, ipa - r->base, size, val);
}

static void add_and_find_a_region(void **state)
{
	struct mmio_region *r;

	assert_int_equal(mmio_bus_add(&bus, 0x09000000, 0x1000, &fake_ops, &devs[0], "uart"), HV_OK);
	assert_int_equal(bus.count, 1);
	r = mmio_bus_find(&bus, 0x09000000);
	assert_non_null(r);
	assert_int_equal(r->base, 0x09000000);
	assert_int_equal(r->size, 0x1000);
	assert_ptr_equal(r->ops, &fake_ops);
	assert_ptr_equal(r->dev, &devs[0]);
	assert_string_equal(r->name, "uart");
	assert_int_equal(r->reads, 0);
	assert_int_equal(r->writes, 0);
	assert_ptr_equal(mmio_bus_find(&bus, 0x09000FFF), r);
	assert_null(mmio_bus_find(&bus, 0x09001000));
	assert_null(mmio_bus_find(&bus, 0x08FFFFFF));
	assert_null(mmio_bus_find(&bus, 0));
	assert_null(mmio_bus_find(&bus, ~0ULL));
}

static void empty_bus_finds_nothing(void **state)
{
	assert_null(mmio_bus_find(&bus, 0));
	assert_null(mmio_bus_find(&bus, 0x09000000));
}

static void dispatch_reaches_the_right_device_with_the_offset(void **state)
{
	u64 v = 0;

	assert_int_equal(mmio_bus_add(&bus, 0x08000000, 0x10000, &fake_ops, &devs[1], "gicd"), HV_OK);
	assert_int_equal(mmio_bus_add(&bus, 0x09000000, 0x1000, &fake_ops, &devs[2], "uart"), HV_OK);
	assert_int_equal(mmio_bus_add(&bus, 0x080A0000, 0x40000, &fake_ops, &devs[3], "gicr"), HV_OK);

	assert_int_equal(bus_read(0x09000018, 4, &v), HV_OK);
	assert_int_equal(v, (2ULL << 32) | 0x18);
	assert_int_equal(devs[2].reads, 1);
	assert_int_equal(devs[2].last_size, 4);

	assert_int_equal(bus_write(0x080A0000 + 0x20000 + 0x100, 4, 0xFFFFFFFF), HV_OK);
	assert_int_equal(devs[3].writes, 1);
	assert_int_equal(devs[3].last_off, 0x20100);
	assert_int_equal(devs[3].last_val, 0xFFFFFFFF);

	assert_int_equal(bus_write(0x08000000, 1, 1), HV_OK);
	assert_int_equal(devs[1].last_off, 0);
	assert_int_equal(devs[1].last_size, 1);
	assert_int_equal(bus_read(0x0800FFF8, 8, &v), HV_OK);
	assert_int_equal(v, (1ULL << 32) | 0xFFF8);

	assert_int_equal(devs[1].reads + devs[1].writes, 2);
	assert_int_equal(devs[2].reads + devs[2].writes, 1);
	assert_int_equal(devs[3].reads + devs[3].writes, 1);
}

static void holes_between_regions_find_nothing(void **state)
{
	u64 v = 0x77;

	assert_int_equal(mmio_bus_add(&bus, 0x08000000, 0x10000, &fake_ops, &devs[1], "gicd"), HV_OK);
	assert_int_equal(mmio_bus_add(&bus, 0x09000000, 0x1000, &fake_ops, &devs[2], "uart"), HV_OK);
	/* The header documents mmio_bus_find returning NULL for an IPA nobody owns. */
	assert_null(mmio_bus_find(&bus, 0x08010000));
	assert_null(mmio_bus_find(&bus, 0x08FFFFFF));
	assert_null(mmio_bus_find(&bus, 0x09001000));
	assert_int_equal(bus_read(0x08800000, 4, &v), -HV_ENOENT);
	assert_int_equal(v, 0x77);
	assert_int_equal(devs[1].reads + devs[2].reads, 0);
}

static void overlapping_regions_are_rejected(void **state)
{
	assert_int_equal(mmio_bus_add(&bus, 0x10000, 0x1000, &fake_ops, &devs[0], "a"), HV_OK);
	assert_int_equal(mmio_bus_add(&bus, 0x20000, 0x1000, &fake_ops, &devs[1], "b"), HV_OK);

	assert_int_equal(mmio_bus_add(&bus, 0x10000, 0x1000, &fake_ops, &devs[2], "same"), -HV_EEXIST);
	assert_int_equal(mmio_bus_add(&bus, 0x10800, 0x100, &fake_ops, &devs[2], "inside"), -HV_EEXIST);
	assert_int_equal(mmio_bus_add(&bus, 0x0F000, 0x1001, &fake_ops, &devs[2], "tail in"), -HV_EEXIST);
	assert_int_equal(mmio_bus_add(&bus, 0x10FFF, 0x2, &fake_ops, &devs[2], "head in"), -HV_EEXIST);
	assert_int_equal(mmio_bus_add(&bus, 0x0F000, 0x20000, &fake_ops, &devs[2], "covers both"),
			 -HV_EEXIST);
	assert_int_equal(mmio_bus_add(&bus, 0x1F000, 0x1001, &fake_ops, &devs[2], "into b"), -HV_EEXIST);
	assert_int_equal(bus.count, 2);

	/* Touching edges are not overlaps. */
	assert_int_equal(mmio_bus_add(&bus, 0x0F000, 0x1000, &fake_ops, &devs[3], "before a"), HV_OK);
	assert_int_equal(mmio_bus_add(&bus, 0x11000, 0xF000, &fake_ops, &devs[4], "a..b"), HV_OK);
	assert_int_equal(bus.count, 4);
	assert_ptr_equal(mmio_bus_find(&bus, 0x10FFF)->dev, &devs[0]);
	assert_ptr_equal(mmio_bus_find(&bus, 0x11000)->dev, &devs[4]);
	assert_ptr_equal(mmio_bus_find(&bus, 0x1FFFF)->dev, &devs[4]);
	assert_ptr_equal(mmio_bus_find(&bus, 0x20000)->dev, &devs[1]);
	assert_ptr_equal(mmio_bus_find(&bus, 0x0FFFF)->dev, &devs[3]);
}

static void bad_sizes_are_rejected(void **state)
{
	assert_int_equal(mmio_bus_add(&bus, 0x1000, 0, &fake_ops, &devs[0], "empty"), -HV_EINVAL);
	assert_int_equal(mmio_bus_add(&bus, ~0xFFFULL, 0x2000, &fake_ops, &devs[0], "wraps"), -HV_EINVAL);
	assert_int_equal(bus.count, 0);
}

static void full_bus_returns_enomem(void **state)
{
	for (unsigned i = 0; i < MMIO_MAX_REGIONS; i++)
		assert_int_equal(mmio_bus_add(&bus, 0x100000ULL * (i + 1), 0x1000, &fake_ops, &devs[i], "d"),
				 HV_OK);
	assert_int_equal(mmio_bus_add(&bus, 0x10, 0x10, &fake_ops, &devs[MMIO_MAX_REGIONS], "x"), -HV_ENOMEM);
	assert_int_equal(bus.count, MMIO_MAX_REGIONS);
	assert_null(mmio_bus_find(&bus, 0x10));
}

static void many_regions_added_out_of_order_are_kept_sorted(void **state)
{
	/* Bases 0x1000 * k for a permutation of k = 1..16, each 0x800 long (gaps between). */
	static const unsigned order[MMIO_MAX_REGIONS] = { 9, 3,	 16, 1,	 12, 7,	 5,  14,
							  2, 11, 8,  15, 4,  10, 13, 6 };

	for (unsigned i = 0; i < MMIO_MAX_REGIONS; i++) {
		unsigned k = order[i];
		assert_int_equal(mmio_bus_add(&bus, 0x1000ULL * k, 0x800, &fake_ops, &devs[k - 1], "d"),
				 HV_OK);
	}
	for (unsigned i = 0; i < MMIO_MAX_REGIONS; i++)
		assert_int_equal(bus.regions[i].base, 0x1000ULL * (i + 1));

	for (unsigned k = 1; k <= MMIO_MAX_REGIONS; k++) {
		u64 base = 0x1000ULL * k;
		struct mmio_region *r;

		r = mmio_bus_find(&bus, base);
		assert_non_null(r);
		assert_ptr_equal(r->dev, &devs[k - 1]);
		r = mmio_bus_find(&bus, base + 0x7FF);
		assert_non_null(r);
		assert_ptr_equal(r->dev, &devs[k - 1]);
		assert_null(mmio_bus_find(&bus, base + 0x800));
		assert_null(mmio_bus_find(&bus, base - 1));
	}
	assert_null(mmio_bus_find(&bus, 0));
	assert_null(mmio_bus_find(&bus, 0x11000));
}

static void adjacent_regions_resolve_at_the_boundary(void **state)
{
	/* Back-to-back regions (like GICD/GICR pieces): the boundary byte belongs to the upper one. */
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(mmio_bus_add(&bus, 0x40000000ULL - 0x1000ULL * (i + 1), 0x1000, &fake_ops,
					      &devs[i], "d"),
				 HV_OK);
	for (unsigned i = 0; i < 10; i++) {
		u64 base = 0x40000000ULL - 0x1000ULL * (i + 1);
		assert_ptr_equal(mmio_bus_find(&bus, base)->dev, &devs[i]);
		assert_ptr_equal(mmio_bus_find(&bus, base + 0xFFF)->dev, &devs[i]);
	}
	assert_null(mmio_bus_find(&bus, 0x40000000ULL));
	assert_null(mmio_bus_find(&bus, 0x40000000ULL - 0xA001));
}

/* The bug: an access that started inside a region was emulated whatever its end. */
static void accesses_past_the_end_do_not_fit(void **state)
{
	struct mmio_region r = { .base = 0x09000000, .size = 0x1000 };
	struct mmio_region top = { .base = ~0ULL - 0xFFF,
				   .size = 0x1000 }; /* ends at the top of the IPA space */

	assert_true(mmio_access_fits(&r, 0x09000000, 8));
	assert_true(mmio_access_fits(&r, 0x09000FF8, 8)); /* the last 8 bytes */
	assert_true(mmio_access_fits(&r, 0x09000FFC, 4));
	assert_true(mmio_access_fits(&r, 0x09000FFF, 1));
	assert_false(mmio_access_fits(&r, 0x09000FFC, 8)); /* 4 bytes past the end */
	assert_false(mmio_access_fits(&r, 0x09000FFE, 4));
	assert_false(mmio_access_fits(&r, 0x09000FFF, 2));
	assert_false(mmio_access_fits(&r, 0x09000FF9, 8));
	assert_false(mmio_access_fits(&r, 0x09001000, 1)); /* not in it at all */
	assert_false(mmio_access_fits(&r, 0x08FFFFFF, 1));
	assert_true(mmio_access_fits(&top, ~0ULL - 7, 8));
	assert_false(mmio_access_fits(&top, ~0ULL - 3, 8)); /* off + size would wrap */
	assert_false(mmio_access_fits(&top, ~0ULL, 2));
}

/* Two adjacent regions: an access across their boundary belongs to neither. */
static void accesses_across_adjacent_regions_do_not_fit(void **state)
{
	struct mmio_region *a, *b;

	assert_int_equal(mmio_bus_add(&bus, 0x1000, 0x1000, &fake_ops, &devs[0], "a"), HV_OK);
	assert_int_equal(mmio_bus_add(&bus, 0x2000, 0x1000, &fake_ops, &devs[1], "b"), HV_OK);
	a = mmio_bus_find(&bus, 0x1FFC);
	b = mmio_bus_find(&bus, 0x2000);
	assert_non_null(a);
	assert_ptr_not_equal(a, b);
	assert_false(mmio_access_fits(a, 0x1FFC, 8));
	assert_true(mmio_access_fits(a, 0x1FFC, 4));
	assert_true(mmio_access_fits(b, 0x2000, 8));
}

/*
 * The last-found hint (bus.last) never answers for an address outside its
 * region, stays right when a region added later shifts the array, and a
 * stale or garbage hint (another vCPU's) only costs the search.
 */
static void the_last_found_hint_is_only_a_hint(void **state)
{
	assert_int_equal(mmio_bus_add(&bus, 0x09000000, 0x1000, &fake_ops, &devs[0], "uart"), HV_OK);
	assert_int_equal(mmio_bus_add(&bus, 0x0A000000, 0x1000, &fake_ops, &devs[1], "rtc"), HV_OK);
	assert_ptr_equal(mmio_bus_find(&bus, 0x0A000010)->dev, &devs[1]);
	assert_ptr_equal(mmio_bus_find(&bus, 0x0A000020)->dev, &devs[1]); /* from the hint */
	assert_null(mmio_bus_find(&bus, 0x0A001000)); /* just past the hinted region */
	assert_null(mmio_bus_find(&bus, 0x09FFFFFF));
	assert_ptr_equal(mmio_bus_find(&bus, 0x09000004)->dev, &devs[0]);
	/* A region below both shifts them up: the old hint now names another region. */
	assert_int_equal(mmio_bus_add(&bus, 0x08000000, 0x10000, &fake_ops, &devs[2], "gicd"), HV_OK);
	assert_ptr_equal(mmio_bus_find(&bus, 0x09000004)->dev, &devs[0]);
	assert_ptr_equal(mmio_bus_find(&bus, 0x08000000)->dev, &devs[2]);
	bus.last = 1000; /* out of range */
	assert_ptr_equal(mmio_bus_find(&bus, 0x0A000000)->dev, &devs[1]);
	assert_null(mmio_bus_find(&bus, 0x0B000000));
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(add_and_find_a_region),
		T(accesses_past_the_end_do_not_fit),
		T(accesses_across_adjacent_regions_do_not_fit),
		T(empty_bus_finds_nothing),
		T(dispatch_reaches_the_right_device_with_the_offset),
		T(holes_between_regions_find_nothing),
		T(overlapping_regions_are_rejected),
		T(bad_sizes_are_rejected),
		T(full_bus_returns_enomem),
		T(many_regions_added_out_of_order_are_kept_sorted),
		T(adjacent_regions_resolve_at_the_boundary),
		T(the_last_found_hint_is_only_a_hint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
