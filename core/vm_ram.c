/* Lazily scrubbed VM RAM (see hyparm/vm_ram.h). */
#include <arch/cache.h>
#include <arch/stage2.h>
#include <hyparm/errno.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vm_ram.h>
#include <string.h>

static bool test_bit(const u64 *map, u64 n)
{
	return __atomic_load_n(&map[n / 64], __ATOMIC_ACQUIRE) >> (n % 64) & 1;
}

bool vm_ram_block_ready(const struct vm *vm, u64 block)
{
	return test_bit(vm->ram_ready, block);
}

void vm_ram_forget(struct vm *vm)
{
	stage2_unmap(&vm->s2, vm->ram_ipa, vm->ram_size);
	memset(vm->ram_ready, 0, sizeof(vm->ram_ready));
}

/* Zero [off, end) of the VM's RAM but the bytes of `keep` (offsets in its RAM, in any order). */
static void zero_except(struct vm *vm, u64 off, u64 end, const struct vm_ram_range *keep, unsigned nkeep)
{
	while (off < end) {
		u64 gap_end = end, skip_to = off;
		for (unsigned i = 0; i < nkeep; i++) {
			u64 ks = keep[i].off, ke = keep[i].off + keep[i].size;
			if (!keep[i].size || ke <= off || ks >= end)
				continue;
			if (ks <= off)
				skip_to = MAX(skip_to, ke);
			else
				gap_end = MIN(gap_end, ks);
		}
		if (skip_to > off) {
			off = MIN(skip_to, end);
			continue;
		}
		arch_zero_range(vm->ram_pa + off, gap_end - off);
		off = gap_end;
	}
}

/* Caller holds vm->ram_lock. clean: to the point of coherency now (else the caller will, before any vCPU runs). */
static int ready_locked(struct vm *vm, u64 block, const struct vm_ram_range *keep, unsigned nkeep, bool clean)
{
	u64 off = block * VM_RAM_BLOCK;
	int rc;

	if (test_bit(vm->ram_ready, block))
		return HV_OK;
	zero_except(vm, off, off + VM_RAM_BLOCK, keep, nkeep);
	if (clean)
		arch_dcache_clean_inval_range(vm->ram_pa + off, VM_RAM_BLOCK);
	rc = stage2_map(&vm->s2, vm->ram_ipa + off, vm->ram_pa + off, VM_RAM_BLOCK, S2_RWX, S2_MEM_NORMAL);
	if (rc)
		return rc;
	/* Published after the mapping, so that a vCPU that sees the bit also finds the block mapped. */
	__atomic_fetch_or(&vm->ram_ready[block / 64], 1ULL << (block % 64), __ATOMIC_RELEASE);
	return HV_OK;
}

int vm_ram_ready_block(struct vm *vm, u64 block)
{
	int rc;

	if (block >= vm->ram_size / VM_RAM_BLOCK)
		return -HV_EINVAL;
	spin_lock(&vm->ram_lock);
	rc = ready_locked(vm, block, NULL, 0, true);
	spin_unlock(&vm->ram_lock);
	return rc;
}

int vm_ram_ready_block_for_load(struct vm *vm, u64 block, const struct vm_ram_range *keep, unsigned nkeep)
{
	int rc;

	if (block >= vm->ram_size / VM_RAM_BLOCK)
		return -HV_EINVAL;
	spin_lock(&vm->ram_lock);
	rc = ready_locked(vm, block, keep, nkeep, false);
	spin_unlock(&vm->ram_lock);
	return rc;
}

bool vm_ram_fault(struct vcpu *v, ipa_t ipa)
{
	struct vm *vm = v->vm;
	u64 block;
	int rc;

	if (ipa < vm->ram_ipa || ipa - vm->ram_ipa >= vm->ram_size)
		return false;
	block = (ipa - vm->ram_ipa) / VM_RAM_BLOCK;
	/*
	 * Ready already: another vCPU made it ready after this one faulted,
	 * and a retry finds it mapped. (Should it not be mapped, the abort is
	 * not a missing block's, and the caller handles it.)
	 */
	if (vm_ram_block_ready(vm, block)) {
		struct s2_mapping m;
		return stage2_walk(&vm->s2, ipa, &m) == HV_OK;
	}
	rc = vm_ram_ready_block(vm, block);
	if (rc) {
		hv_printf("hyparm: vm %s: cannot map RAM at IPA 0x%llx (%s)\n", vm->name,
			  (unsigned long long)ipa, hv_strerror(rc));
		return false;
	}
	return true;
}
