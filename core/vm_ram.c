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

static void set_bit(u64 *map, u64 n)
{
	__atomic_fetch_or(&map[n / 64], 1ULL << (n % 64), __ATOMIC_RELEASE);
}

bool vm_ram_block_ready(const struct vm *vm, u64 block)
{
	return test_bit(vm->ram_ready, block);
}

bool vm_ram_block_fresh(const struct vm *vm, u64 block)
{
	return test_bit(vm->ram_fresh, block);
}

void vm_ram_forget(struct vm *vm)
{
	u64 blocks = vm->ram_size / VM_RAM_BLOCK;
	/*
	 * An identity-mapped VM may have a passed-through device, whose DMA
	 * writes blocks that stage 2 maps read-only: none of its blocks can be
	 * known unchanged.
	 */
	bool dma = vm->config && vm->config->identity_mapped;

	/*
	 * Every block goes but those the guest could not have changed: ready,
	 * never made writable, never reached by hyparm for it. Such a block
	 * holds what the reset wrote (its images, zeroes), read-only in stage 2:
	 * the next reset keeps it as it is and only copies the images again.
	 */
	for (u64 b = 0; b < blocks; b++) {
		if (test_bit(vm->ram_ready, b) && !test_bit(vm->ram_written, b) && !dma)
			continue;
		if (test_bit(vm->ram_ready, b))
			stage2_unmap(&vm->s2, vm->ram_ipa + b * VM_RAM_BLOCK, VM_RAM_BLOCK);
	}
	for (u64 i = 0; i < VM_RAM_MAX / VM_RAM_BLOCK / 64; i++) {
		vm->ram_ready[i] &= dma ? 0 : ~vm->ram_written[i];
		vm->ram_written[i] = 0;
		vm->ram_fresh[i] = 0;
	}
}

void vm_ram_drop_all(struct vm *vm)
{
	stage2_unmap(&vm->s2, vm->ram_ipa, vm->ram_size);
	memset(vm->ram_ready, 0, sizeof(vm->ram_ready));
	memset(vm->ram_written, 0, sizeof(vm->ram_written));
	memset(vm->ram_fresh, 0, sizeof(vm->ram_fresh));
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

/*
 * Caller holds vm->ram_lock. for_load: a reset's image block: not cleaned
 * here (the caller cleans it once its images are in) and mapped without
 * write permission, so that the guest's first write says it changed it.
 */
static int ready_locked(struct vm *vm, u64 block, const struct vm_ram_range *keep, unsigned nkeep,
			bool for_load)
{
	u64 off = block * VM_RAM_BLOCK;
	int rc;

	if (test_bit(vm->ram_ready, block))
		return HV_OK;
	/* With MTE the allocation tags are guest data too: all of the block's, under the images as well. */
	arch_zero_tags(vm->ram_pa + off, VM_RAM_BLOCK);
	zero_except(vm, off, off + VM_RAM_BLOCK, keep, nkeep);
	if (!for_load)
		arch_dcache_clean_inval_range(vm->ram_pa + off, VM_RAM_BLOCK);
	rc = stage2_map(&vm->s2, vm->ram_ipa + off, vm->ram_pa + off, VM_RAM_BLOCK,
			for_load ? S2_R | S2_X : S2_RWX, S2_MEM_NORMAL);
	if (rc)
		return rc;
	if (for_load)
		set_bit(vm->ram_fresh, block);
	else
		set_bit(vm->ram_written, block);
	/* Published after the mapping, so that a vCPU that sees the bit also finds the block mapped. */
	set_bit(vm->ram_ready, block);
	return HV_OK;
}

/* Caller holds vm->ram_lock; the block is ready. The guest (or hyparm for it) is about to change it. */
static int written_locked(struct vm *vm, u64 block)
{
	int rc = HV_OK;

	if (test_bit(vm->ram_written, block))
		return HV_OK;
	/* Marked first: should the mapping change fail, the next reset still scrubs the block. */
	set_bit(vm->ram_written, block);
	rc = stage2_protect(&vm->s2, vm->ram_ipa + block * VM_RAM_BLOCK, VM_RAM_BLOCK, S2_RWX);
	return rc;
}

int vm_ram_host_access(struct vm *vm, u64 off, u64 len)
{
	int rc = HV_OK;

	if (!len)
		return HV_OK;
	if (off >= vm->ram_size || len > vm->ram_size - off)
		return -HV_EINVAL;
	u64 first = off / VM_RAM_BLOCK, last = (off + len - 1) / VM_RAM_BLOCK;
	/*
	 * Without the lock when every block is written already (the network
	 * benchmark found a quarter of hyparm's per-frame instructions in this
	 * lock): a written bit is set with release only once its block was
	 * scrubbed, and read with acquire; only a reset clears it, after the
	 * devices were quiesced. The walker makes the same test (vq_mem.usable).
	 */
	u64 b = first;
	while (b <= last && test_bit(vm->ram_written, b))
		b++;
	if (b > last)
		return HV_OK;
	spin_lock(&vm->ram_lock);
	for (b = first; b <= last && !rc; b++) {
		rc = ready_locked(vm, b, NULL, 0, false);
		if (!rc)
			rc = written_locked(vm, b);
	}
	spin_unlock(&vm->ram_lock);
	return rc;
}

int vm_ram_ready_block(struct vm *vm, u64 block)
{
	int rc;

	if (block >= vm->ram_size / VM_RAM_BLOCK)
		return -HV_EINVAL;
	spin_lock(&vm->ram_lock);
	rc = ready_locked(vm, block, NULL, 0, false);
	spin_unlock(&vm->ram_lock);
	return rc;
}

int vm_ram_ready_block_for_load(struct vm *vm, u64 block, const struct vm_ram_range *keep, unsigned nkeep)
{
	int rc;

	if (block >= vm->ram_size / VM_RAM_BLOCK)
		return -HV_EINVAL;
	spin_lock(&vm->ram_lock);
	rc = ready_locked(vm, block, keep, nkeep, true);
	spin_unlock(&vm->ram_lock);
	return rc;
}

int vm_ram_ready_range(void *vm_ctx, u64 off, u64 len)
{
	struct vm *vm = vm_ctx;

	for (u64 b = off / VM_RAM_BLOCK; len && b <= (off + len - 1) / VM_RAM_BLOCK; b++) {
		if (vm_ram_block_ready(vm, b))
			continue;
		int rc = vm_ram_ready_block(vm, b);
		if (rc)
			return rc;
	}
	return HV_OK;
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
		bool ok;
		if (stage2_walk(&vm->s2, ipa, &m) == HV_OK && (m.perm & S2_W))
			return true;
		/*
		 * A reset's image block, mapped read-only until the guest writes it
		 * (or, unmapped for a moment, another vCPU is making it writable):
		 * under the lock, it becomes writable and is marked changed.
		 */
		spin_lock(&vm->ram_lock);
		ok = stage2_walk(&vm->s2, ipa, &m) == HV_OK && written_locked(vm, block) == HV_OK;
		spin_unlock(&vm->ram_lock);
		return ok;
	}
	rc = vm_ram_ready_block(vm, block);
	if (rc) {
		hv_printf("hyparm: vm %s: cannot map RAM at IPA 0x%llx (%s)\n", vm->name,
			  (unsigned long long)ipa, hv_strerror(rc));
		return false;
	}
	return true;
}
