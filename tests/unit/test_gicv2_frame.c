/*
 * drivers/gicv2.c's gicv2_cpuif_frame() on memory laid out as the GIC's
 * CPU-interface frames are: where the 8 KiB frame (GICC_DIR in its second
 * page) really is. A ZynqMP GIC-400 (QEMU's xlnx-zcu102, checked with
 * QEMU's `info mtree`) repeats each 4 KiB page over 64 KiB, the DT giving
 * 128 KiB: the frame is at +0xF000. Everywhere else: at the base.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <arch/mmu.h>
#include <drivers/gic.h>
#include <hyparm/gic_regs.h>

#define IIDR_GIC400 0x0202143B

static unsigned maps;

/* The driver maps what it reads: count it, nothing to map on the host. */
int mmu_map(paddr_t pa, u64 size, enum el2_mem type)
{
	maps++;
	return 0;
}

static u8 *frame(void)
{
	u8 *f = aligned_alloc(0x10000, 0x20000);

	assert_non_null(f);
	memset(f, 0, 0x20000);
	return f;
}

static void put32(u8 *f, u64 off, u32 v)
{
	memcpy(f + off, &v, 4);
}

static void aliased_pages_use_the_last_copy_of_page_0(void **state)
{
	u8 *f = frame();

	/* Page 0 (IIDR at 0xFC) repeated at every 4 KiB up to +0xF000; page 1 from +0x10000. */
	for (u64 copy = 0; copy < 0x10000; copy += 0x1000)
		put32(f, copy + GICC_IIDR, IIDR_GIC400);
	maps = 0;
	assert_int_equal(gicv2_cpuif_frame((paddr_t)(uintptr_t)f, 0x20000), (paddr_t)(uintptr_t)f + 0xF000);
	assert_true(maps > 0);
	free(f);
}

static void a_frame_without_copies_stays_at_its_base(void **state)
{
	u8 *f = frame();

	/* A 128 KiB frame with 4 KiB pages: only page 0 has the IIDR, 0xF0FC is reserved (0). */
	put32(f, GICC_IIDR, IIDR_GIC400);
	assert_int_equal(gicv2_cpuif_frame((paddr_t)(uintptr_t)f, 0x20000), (paddr_t)(uintptr_t)f);
	/* An IIDR of 0 says nothing: no copies assumed. */
	put32(f, GICC_IIDR, 0);
	assert_int_equal(gicv2_cpuif_frame((paddr_t)(uintptr_t)f, 0x20000), (paddr_t)(uintptr_t)f);
	free(f);
}

static void small_frames_are_not_read(void **state)
{
	/* QEMU virt's 64 KiB GICC and a bare 8 KiB one: nothing to look for (and nothing read past them). */
	maps = 0;
	assert_int_equal(gicv2_cpuif_frame(0x08010000, 0x10000), 0x08010000);
	assert_int_equal(gicv2_cpuif_frame(0x2c002000, 0x2000), 0x2c002000);
	assert_int_equal(gicv2_cpuif_frame(0, 0x20000), 0);
	assert_int_equal(maps, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aliased_pages_use_the_last_copy_of_page_0),
		cmocka_unit_test(a_frame_without_copies_stays_at_its_base),
		cmocka_unit_test(small_frames_are_not_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
