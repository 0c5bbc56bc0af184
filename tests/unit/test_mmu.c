/*
 * hyparm's own EL2 mappings (arch/arm64/mmu.c): W^X, and an unmapped guard
 * page below every CPU's stack that stays unmapped when all of RAM is
 * mapped around it. The layout is a made-up but realistic image (addresses
 * are only numbers here: the tables are built, never used).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arch/cpu.h>
#include <arch/mmu.h>

#define RAM 0x40000000ULL
#define IMG 0x40200000ULL
#define XN (1ULL << 54)
#define AP_RO (1ULL << 7)
#define VALID 1ULL

/* The hardware half of arch/arm64/mmu.c, absent on the host. */
void mmu_map_barrier(void)
{
}
void mmu_hw_enable(const u64 *root)
{
}
void mmu_hw_clean_tables(const void *pool, unsigned pages)
{
}

static const struct image_layout img = {
	.start = IMG,
	.text_end = IMG + 0x1A000,
	.rodata_end = IMG + 0x20000,
	.end = IMG + 0x60000,
	.stacks = IMG + 0x30000,
};

static void boot_plan(void)
{
	mmu_plan(&img, 0x48000000ULL, 0x2000);
	/* As boot_main does next: all of RAM as data, around what is mapped already. */
	assert_int_equal(mmu_map(RAM, 1ULL << 30, EL2_DATA), 0);
}

static void image_is_w_xor_x_and_guards_stay_unmapped(void **state)
{
	u64 bad = 0;

	boot_plan();
	const char *why = mmu_audit(&img, &bad);
	assert_null(why);
	/* Spot checks of the attributes themselves. */
	u64 text = mmu_lookup(IMG + 0x1000), ro = mmu_lookup(img.text_end), data = mmu_lookup(img.rodata_end);
	assert_true((text & VALID) && (text & AP_RO) && !(text & XN));
	assert_true((ro & VALID) && (ro & AP_RO) && (ro & XN));
	assert_true((data & VALID) && !(data & AP_RO) && (data & XN));
	for (unsigned i = 0; i < MAX_PCPUS; i++) {
		u64 guard = img.stacks + (u64)i * PCPU_STACK_SLOT;
		/* The guard page is below the stack: the stack's lowest page is just above it. */
		assert_false(mmu_lookup(guard) & VALID);
		assert_int_equal(pcpu_guard_index(img.stacks, guard + 8), (int)i);
		assert_int_equal(pcpu_guard_index(img.stacks, guard + PCPU_GUARD_SIZE), -1);
		u64 low = mmu_lookup(guard + PCPU_GUARD_SIZE), top = mmu_lookup(guard + PCPU_STACK_SLOT - 8);
		assert_true((low & VALID) && !(low & AP_RO) && (low & XN));
		assert_true((top & VALID) && !(top & AP_RO) && (top & XN));
	}
	/* RAM outside the image: data, and not executable. */
	u64 ram = mmu_lookup(RAM + 0x10000000);
	assert_true((ram & VALID) && (ram & XN));
	/* Mapping the stacks again (as a careless caller might) does not fill a guard. */
	mmu_map(img.stacks, (u64)MAX_PCPUS * PCPU_STACK_SLOT, EL2_DATA);
	assert_null(mmu_audit(&img, &bad));
}

/* The audit must be able to fail: corrupt one descriptor at a time. */
static void audit_catches_writable_code_and_mapped_guards(void **state)
{
	u64 bad, *e, saved;
	const char *why;

	boot_plan();
	/* Code made writable: W and X at once. */
	e = mmu_lookup_entry(IMG + 0x3000);
	saved = *e;
	*e &= ~AP_RO;
	why = mmu_audit(&img, &bad);
	assert_non_null(why);
	assert_int_equal(bad, IMG + 0x3000);
	*e = saved;
	/* Data made executable. */
	e = mmu_lookup_entry(img.end - 0x1000);
	saved = *e;
	*e &= ~XN;
	assert_non_null(mmu_audit(&img, &bad));
	assert_int_equal(bad, img.end - 0x1000);
	*e = saved;
	/* Read-only data made executable (not W+X, but not what rodata must be). */
	e = mmu_lookup_entry(img.text_end);
	saved = *e;
	*e &= ~XN;
	assert_non_null(mmu_audit(&img, &bad));
	assert_int_equal(bad, img.text_end);
	*e = saved;
	/* A guard page mapped. */
	u64 guard = img.stacks + 3 * PCPU_STACK_SLOT;
	e = mmu_lookup_entry(guard);
	saved = *e;
	*e = guard | XN | (1ULL << 10) | 3;
	assert_non_null(mmu_audit(&img, &bad));
	assert_int_equal(bad, guard);
	*e = saved;
	assert_null(mmu_audit(&img, &bad));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(image_is_w_xor_x_and_guards_stay_unmapped),
		cmocka_unit_test(audit_catches_writable_code_and_mapped_guards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
