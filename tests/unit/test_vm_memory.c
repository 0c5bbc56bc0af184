/*
 * What a VM holds of the page pool (core/vm_memory.c): a VM stopped and
 * started again many times gives back every page it took (RAM and every
 * stage-2 table, the root too) and gets its devices' frames mapped again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>
#include <arch/stage2.h>
#include <hyparm/errno.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

#define POOL_SIZE MiB(64)
#define FRAME_IPA 0x090a0000ULL /* below RAM, as pvtime's records and a GICv2 GICV frame are */

void hv_printf(const char *fmt, ...)
{
	(void)fmt;
}

static u8 *pool_mem;
static u64 bitmap[POOL_SIZE / PAGE_SIZE / 64];
static struct vm vm;
static u8 *frame; /* a device's own page (not RAM) */

static int setup(void **state)
{
	(void)state;
	arch_fake_reset(1, 4);
	/*
	 * One bank for the whole run (the allocator has no way to remove one):
	 * each test starts from all of it free, as teardown gave back what it took.
	 */
	if (!pool_mem) {
		pool_mem = aligned_alloc(MiB(2), POOL_SIZE);
		assert_true(page_alloc_add_bank((paddr_t)(uintptr_t)pool_mem, POOL_SIZE / PAGE_SIZE, bitmap));
	}
	stage2_parange = 2; /* 40 bits: a concatenated two-page root */
	memset(&vm, 0, sizeof(vm));
	hv_snprintf(vm.name, sizeof(vm.name), "vm0");
	vm.ram_ipa = 0x40000000;
	vm.ram_size = MiB(16);
	frame = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(frame); /* pool_mem stays: it is the allocator's bank for the whole run */
	return 0;
}

static bool maps_to(ipa_t ipa, paddr_t pa, unsigned perm)
{
	struct s2_mapping m;
	return stage2_walk(&vm.s2, ipa, &m) == HV_OK && m.pa == pa && m.perm == perm;
}

static void stop_and_start_many_times_leaks_nothing(void **state)
{
	char err[160];
	u64 free_at_start = (page_alloc_free_bytes() / PAGE_SIZE), held;

	(void)state;
	assert_int_equal(vm_memory_alloc(&vm, err, sizeof(err)), HV_OK);
	assert_int_equal(
		vm_map_frames(&vm, FRAME_IPA, (paddr_t)(uintptr_t)frame, PAGE_SIZE, S2_R, S2_MEM_NORMAL),
		HV_OK);
	assert_int_equal(vm_map_device(&vm, 0x08040000, 0x2c000000, 0x2000), HV_OK);
	held = free_at_start - (page_alloc_free_bytes() / PAGE_SIZE);
	assert_true(held > vm.ram_size / PAGE_SIZE); /* RAM and tables */
	assert_int_equal(vm_memory_held_bytes(&vm), held * PAGE_SIZE);
	for (unsigned round = 0; round < 200; round++) {
		/* The guest touched some RAM: its blocks are mapped, with tables of their own. */
		assert_int_equal(vm_ram_ready_block(&vm, round % 8), HV_OK);
		vm_memory_free(&vm);
		assert_int_equal((page_alloc_free_bytes() / PAGE_SIZE), free_at_start);
		assert_false(vm.memory_held);
		assert_int_equal(vm_memory_held_bytes(&vm), 0);
		assert_int_equal(vm_memory_alloc(&vm, err, sizeof(err)), HV_OK);
		/* The same pages as the first time: nothing left behind, nothing more taken. */
		assert_int_equal(free_at_start - (page_alloc_free_bytes() / PAGE_SIZE), held);
		/* The devices' frames are there again; RAM is not mapped until it is made ready. */
		assert_true(maps_to(FRAME_IPA, (paddr_t)(uintptr_t)frame, S2_R));
		assert_true(maps_to(0x08041000, 0x2c001000, S2_RW));
		assert_false(vm_ram_block_ready(&vm, round % 8));
		assert_false(maps_to(vm.ram_ipa, vm.ram_pa, S2_RWX));
	}
	vm_memory_free(&vm);
	assert_int_equal((page_alloc_free_bytes() / PAGE_SIZE), free_at_start);
}

static void an_unmapped_frame_is_not_mapped_again(void **state)
{
	char err[160];

	(void)state;
	assert_int_equal(vm_memory_alloc(&vm, err, sizeof(err)), HV_OK);
	assert_int_equal(
		vm_map_frames(&vm, FRAME_IPA, (paddr_t)(uintptr_t)frame, PAGE_SIZE, S2_RW, S2_MEM_NORMAL),
		HV_OK);
	/* A flash bank leaving array mode: unmapped, and it stays so after a rebuild. */
	assert_int_equal(vm_unmap_frames(&vm, FRAME_IPA, PAGE_SIZE), HV_OK);
	assert_int_equal(vm_unmap_frames(&vm, FRAME_IPA, PAGE_SIZE), -HV_ENOENT);
	vm_memory_free(&vm);
	assert_int_equal(vm_memory_alloc(&vm, err, sizeof(err)), HV_OK);
	assert_false(maps_to(FRAME_IPA, (paddr_t)(uintptr_t)frame, S2_RW));
	vm_memory_free(&vm);
}

static void no_room_for_the_ram_is_an_error_and_takes_nothing(void **state)
{
	char err[160];
	u64 free_at_start = (page_alloc_free_bytes() / PAGE_SIZE);

	(void)state;
	vm.ram_size = POOL_SIZE * 2;
	assert_int_equal(vm_memory_alloc(&vm, err, sizeof(err)), -HV_ENOMEM);
	assert_non_null(strstr(err, "cannot allocate 128 MiB of RAM"));
	assert_int_equal((page_alloc_free_bytes() / PAGE_SIZE), free_at_start);
	assert_false(vm.memory_held);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(stop_and_start_many_times_leaks_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unmapped_frame_is_not_mapped_again, setup, teardown),
		cmocka_unit_test_setup_teardown(no_room_for_the_ram_is_an_error_and_takes_nothing, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
