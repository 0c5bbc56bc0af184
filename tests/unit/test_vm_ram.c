/* Lazily scrubbed VM RAM: a block is zeroed before it is mapped, and only RAM faults make blocks ready. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>
#include <hyparm/errno.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vmconfig.h>

#define RAM_SIZE MiB(8)

void hv_printf(const char *fmt, ...)
{
	(void)fmt;
}

static struct vm vm;
static struct vcpu cpu0 = { .vm = &vm };
static u8 *ram;

static void *alloc_table(unsigned npages)
{
	void *p = aligned_alloc(npages * PAGE_SIZE, npages * PAGE_SIZE);
	memset(p, 0, npages * PAGE_SIZE);
	return p;
}

static void free_table(void *p, unsigned npages)
{
	(void)npages;
	free(p);
}

static int setup(void **state)
{
	(void)state;
	arch_fake_reset(1, 4);
	memset(&vm, 0, sizeof(vm));
	ram = aligned_alloc(MiB(2), RAM_SIZE);
	memset(ram, 0xA5, RAM_SIZE); /* what a previous owner left */
	vm.ram_pa = (paddr_t)(uintptr_t)ram;
	vm.ram_ipa = 0x40000000;
	vm.ram_size = RAM_SIZE;
	return stage2_init(&vm.s2, 40, 1, alloc_table, free_table);
}

static int teardown(void **state)
{
	(void)state;
	stage2_destroy(&vm.s2);
	free(ram);
	return 0;
}

static bool mapped(ipa_t ipa)
{
	struct s2_mapping m;
	return stage2_walk(&vm.s2, ipa, &m) == HV_OK && m.pa == vm.ram_pa + (ipa - vm.ram_ipa);
}

static bool all_zero(const u8 *p, u64 n)
{
	for (u64 i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void first_touch_scrubs_then_maps_one_block(void **state)
{
	(void)state;
	assert_false(mapped(0x40000000));
	assert_true(vm_ram_fault(&cpu0, 0x40000000 + MiB(2) + 0x123));
	assert_true(mapped(0x40000000 + MiB(2)));
	assert_true(all_zero(ram + MiB(2), MiB(2)));
	/* Only that block: its neighbours keep the old bytes, unmapped, so no guest sees them. */
	assert_false(mapped(0x40000000));
	assert_false(mapped(0x40000000 + MiB(4)));
	assert_int_equal(ram[0], 0xA5);
	assert_int_equal(ram[MiB(4)], 0xA5);
	/* A vCPU that faulted on it at the same time only retries. */
	assert_true(vm_ram_fault(&cpu0, 0x40000000 + MiB(3)));
}

static void not_ram_is_not_ours(void **state)
{
	(void)state;
	assert_false(vm_ram_fault(&cpu0, 0x3FFFFFFF));
	assert_false(vm_ram_fault(&cpu0, 0x40000000 + RAM_SIZE)); /* one past the end */
	assert_false(vm_ram_fault(&cpu0, 0x09000000));
	assert_int_equal(vm_ram_ready_block(&vm, RAM_SIZE / VM_RAM_BLOCK), -HV_EINVAL);
}

static void forget_unmaps_and_the_next_touch_scrubs_again(void **state)
{
	(void)state;
	assert_int_equal(vm_ram_ready_block(&vm, 0), HV_OK);
	ram[100] = 0x5A; /* the guest's data */
	vm_ram_forget(&vm);
	assert_false(mapped(0x40000000));
	assert_false(vm_ram_block_ready(&vm, 0));
	assert_true(vm_ram_fault(&cpu0, 0x40000000 + 100));
	assert_int_equal(ram[100], 0);
}

static void a_reset_block_keeps_what_the_images_overwrite_and_zeroes_the_rest(void **state)
{
	(void)state;
	/* Block 1 holds the end of a "kernel" and a whole "initrd"; everything else in it is zeroed. */
	const struct vm_ram_range keep[] = {
		{ MiB(2) + 0x1000, 0x3000 }, { 0, MiB(2) + 0x100 }, /* starts in block 0, ends in block 1 */
	};
	assert_int_equal(vm_ram_ready_block_for_load(&vm, 1, keep, 2), HV_OK);
	assert_true(mapped(0x40000000 + MiB(2)));
	assert_true(vm_ram_block_ready(&vm, 1));
	for (u64 off = MiB(2); off < MiB(4); off++) {
		bool kept = off < MiB(2) + 0x100 || (off >= MiB(2) + 0x1000 && off < MiB(2) + 0x4000);
		if (ram[off] != (kept ? 0xA5 : 0))
			fail_msg("byte at 0x%llx is 0x%x", (unsigned long long)off, ram[off]);
	}
	/* Nothing outside the block was touched, and an unaligned kept edge needs no aligned gap. */
	assert_int_equal(ram[MiB(2) - 1], 0xA5);
	assert_int_equal(ram[MiB(4)], 0xA5);
	assert_false(mapped(0x40000000));
	/* Ready already: nothing is scrubbed again (the guest's bytes stay). */
	ram[MiB(3)] = 0x5A;
	assert_int_equal(vm_ram_ready_block_for_load(&vm, 1, NULL, 0), HV_OK);
	assert_int_equal(ram[MiB(3)], 0x5A);
	assert_int_equal(vm_ram_ready_block_for_load(&vm, RAM_SIZE / VM_RAM_BLOCK, NULL, 0), -HV_EINVAL);
}

static bool writable(ipa_t ipa)
{
	struct s2_mapping m;
	return stage2_walk(&vm.s2, ipa, &m) == HV_OK && (m.perm & S2_W);
}

static void an_image_block_the_guest_never_wrote_survives_a_reset(void **state)
{
	(void)state;
	/* Blocks 0 and 1 hold a reset's images: mapped, read-only, and cleaned by the caller. */
	assert_int_equal(vm_ram_ready_block_for_load(&vm, 0, NULL, 0), HV_OK);
	assert_int_equal(vm_ram_ready_block_for_load(&vm, 1, NULL, 0), HV_OK);
	assert_true(mapped(0x40000000) && !writable(0x40000000));
	assert_true(vm_ram_block_fresh(&vm, 0));
	ram[0x100] = 0x11; /* the "image" the reset copied */
	/* The guest writes block 0: a permission fault makes it writable; block 1 it only reads. */
	assert_true(vm_ram_fault(&cpu0, 0x40000000 + 0x200));
	assert_true(writable(0x40000000));
	assert_false(writable(0x40000000 + MiB(2)));
	ram[0x200] = 0x22;
	/* hyparm reaches block 2 for the guest (a virtio buffer): ready, and counted as changed. */
	assert_int_equal(vm_ram_host_access(&vm, MiB(4) + 10, 20), HV_OK);
	assert_true(writable(0x40000000 + MiB(4)));
	assert_int_equal(vm_ram_host_access(&vm, RAM_SIZE - 1, 2), -HV_EINVAL);
	/* The next reset: block 1 is kept as the reset left it; 0 and 2 go, to be scrubbed again. */
	vm_ram_forget(&vm);
	assert_true(vm_ram_block_ready(&vm, 1));
	assert_true(mapped(0x40000000 + MiB(2)) && !writable(0x40000000 + MiB(2)));
	assert_false(vm_ram_block_fresh(&vm, 1));
	assert_false(vm_ram_block_ready(&vm, 0));
	assert_false(mapped(0x40000000));
	assert_false(vm_ram_block_ready(&vm, 2));
	assert_false(mapped(0x40000000 + MiB(4)));
	assert_int_equal(vm_ram_ready_block_for_load(&vm, 0, NULL, 0), HV_OK);
	assert_int_equal(ram[0x100], 0); /* scrubbed: nothing of the previous life */
	assert_int_equal(ram[0x200], 0);
	assert_true(vm_ram_block_fresh(&vm, 0));
	/* A kept block is not scrubbed again, and the guest still cannot write it unnoticed. */
	ram[MiB(2) + 5] = 0x33; /* what the reset had put there */
	assert_int_equal(vm_ram_ready_block_for_load(&vm, 1, NULL, 0), HV_OK);
	assert_int_equal(ram[MiB(2) + 5], 0x33);
	assert_false(writable(0x40000000 + MiB(2)));
	/* Giving the RAM back drops every block, kept ones too. */
	vm_ram_drop_all(&vm);
	assert_false(vm_ram_block_ready(&vm, 1));
	assert_false(mapped(0x40000000 + MiB(2)));
}

/*
 * An identity-mapped VM may have a passed-through device, whose DMA writes
 * blocks stage 2 shows the guest read-only: its reset keeps none of them.
 * Catches: a reboot that hands the next life a block the device wrote in
 * the last one, as if it were the pristine image.
 */
static void an_identity_mapped_vm_keeps_no_block_over_a_reset(void **state)
{
	static struct vm_config cfg = { .identity_mapped = true };

	(void)state;
	vm.config = &cfg;
	assert_int_equal(vm_ram_ready_block_for_load(&vm, 1, NULL, 0), HV_OK);
	ram[MiB(2) + 8] = 0x44; /* a device's DMA: no fault, nothing counted */
	vm_ram_forget(&vm);
	assert_false(vm_ram_block_ready(&vm, 1));
	assert_false(mapped(0x40000000 + MiB(2)));
	assert_int_equal(vm_ram_ready_block_for_load(&vm, 1, NULL, 0), HV_OK);
	assert_int_equal(ram[MiB(2) + 8], 0);
	vm.config = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(first_touch_scrubs_then_maps_one_block, setup, teardown),
		cmocka_unit_test_setup_teardown(not_ram_is_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(forget_unmaps_and_the_next_touch_scrubs_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			a_reset_block_keeps_what_the_images_overwrite_and_zeroes_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(an_image_block_the_guest_never_wrote_survives_a_reset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_identity_mapped_vm_keeps_no_block_over_a_reset, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
