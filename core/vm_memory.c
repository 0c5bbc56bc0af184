/*
 * What a VM holds of the page pool: its RAM and its stage-2 tables, with the
 * frames its devices map there. Held from creation; a VM stopped for good
 * gives all of it back (vm_memory_free: RAM, every table, the root too) and
 * a monitor start takes it again (vm_memory_alloc), possibly elsewhere: the
 * devices' frames are mapped again from what vm_map_frames() remembered, so
 * no device needs to know that its VM's stage 2 was rebuilt.
 */
#include <arch/stage2.h>
#include <arch/tlb.h>
#include <hyparm/errno.h>
#include <hyparm/guest_layout.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vm_ram.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>
#include <string.h>

static void *s2_table_alloc(unsigned npages)
{
	return page_alloc_aligned(npages, npages * PAGE_SIZE);
}

static void s2_table_free(void *p, unsigned npages)
{
	page_free(p, npages);
}

int vm_map_frames(struct vm *vm, ipa_t ipa, paddr_t pa, u64 size, unsigned perm, enum s2_memtype type)
{
	struct vm_frames *free_slot = NULL;
	int rc;

	for (unsigned i = 0; i < VM_MAX_FRAME_MAPS && !free_slot; i++)
		if (!vm->frames[i].size)
			free_slot = &vm->frames[i];
	if (!free_slot)
		return -HV_ENOMEM;
	rc = stage2_map(&vm->s2, ipa, pa, size, perm, type);
	if (rc)
		return rc;
	*free_slot = (struct vm_frames){ .ipa = ipa, .pa = pa, .size = size, .perm = perm, .type = type };
	return HV_OK;
}

int vm_unmap_frames(struct vm *vm, ipa_t ipa, u64 size)
{
	for (unsigned i = 0; i < VM_MAX_FRAME_MAPS; i++) {
		struct vm_frames *f = &vm->frames[i];
		if (f->size && f->ipa == ipa && f->size == size) {
			f->size = 0;
			return stage2_unmap(&vm->s2, ipa, size);
		}
	}
	return -HV_ENOENT;
}

int vm_map_device(struct vm *vm, u64 ipa, paddr_t pa, u64 size)
{
	return vm_map_frames(vm, ipa, pa, size, S2_RW, S2_MEM_DEVICE);
}

/* Its RAM: one contiguous block, none of it mapped yet (blocks are scrubbed and mapped as first needed, hyparm/vm_ram.h). */
static int alloc_ram(struct vm *vm, char *err, size_t errlen)
{
	u64 align = vm->ram_size >= GiB(1) ? GiB(1) : MiB(2);

	/* A large alignment lets stage 2 use 2 MiB / 1 GiB blocks; fall back to 2 MiB when memory is fragmented. */
	vm->ram_pa = (paddr_t)(uintptr_t)page_alloc_raw(vm->ram_size / PAGE_SIZE, align);
	if (!vm->ram_pa && align > MiB(2))
		vm->ram_pa = (paddr_t)(uintptr_t)page_alloc_raw(vm->ram_size / PAGE_SIZE, MiB(2));
	if (!vm->ram_pa) {
		hv_snprintf(err, errlen, "%s: vm %s: cannot allocate %llu MiB of RAM (%llu MiB free)",
			    vm->config ? vm->config->where : "?", vm->name,
			    (unsigned long long)(vm->ram_size >> 20),
			    (unsigned long long)(page_alloc_free_bytes() >> 20));
		return -HV_ENOMEM;
	}
	/*
	 * identity-mapped: the guest sees its RAM where it is (IPA == PA), so
	 * that a passed-through device's DMA, which has no SMMU to translate
	 * it, reaches the buffers the guest named. The guest's devices all lie
	 * below GUEST_RAM_IPA (hyparm/guest_layout.h), so RAM at or above it
	 * overlaps none of them; the stage 2 covers every PA (its IPA size is
	 * the PA size). A kernel that is not relocatable (a raw binary linked
	 * at GUEST_RAM_IPA) cannot run there: that is the manifest's choice.
	 */
	if (vm->config && vm->config->identity_mapped) {
		if (vm->ram_pa < GUEST_RAM_IPA) {
			hv_snprintf(
				err, errlen,
				"%s: vm %s: identity-mapped: the RAM for it is at PA 0x%llx, below 0x%llx "
				"where the guest's devices are",
				vm->config->where, vm->name, (unsigned long long)vm->ram_pa,
				(unsigned long long)GUEST_RAM_IPA);
			page_free((void *)(uintptr_t)vm->ram_pa, vm->ram_size / PAGE_SIZE);
			vm->ram_pa = 0;
			return -HV_ENOMEM;
		}
		vm->ram_ipa = vm->ram_pa;
	}
	/* Nothing of it is mapped yet (the stage 2 may not even exist): only the block maps start over. */
	memset(vm->ram_ready, 0, sizeof(vm->ram_ready));
	memset(vm->ram_written, 0, sizeof(vm->ram_written));
	memset(vm->ram_fresh, 0, sizeof(vm->ram_fresh));
	return HV_OK;
}

int vm_memory_alloc(struct vm *vm, char *err, size_t errlen)
{
	int rc = alloc_ram(vm, err, errlen);

	if (rc)
		return rc;
	/* VMID 0 is left unused so that a stale VTTBR never matches a live VM. */
	rc = stage2_init(&vm->s2, stage2_ipa_bits(stage2_parange), (u16)(vm->id + 1), s2_table_alloc,
			 s2_table_free);
	for (unsigned i = 0; !rc && i < VM_MAX_FRAME_MAPS; i++) {
		const struct vm_frames *f = &vm->frames[i];
		if (f->size)
			rc = stage2_map(&vm->s2, f->ipa, f->pa, f->size, f->perm, f->type);
	}
	if (rc) {
		hv_snprintf(err, errlen, "vm %s: stage-2 setup failed (%s)", vm->name, hv_strerror(rc));
		stage2_destroy(&vm->s2);
		page_free((void *)(uintptr_t)vm->ram_pa, vm->ram_size / PAGE_SIZE);
		vm->ram_pa = 0;
		return rc;
	}
	vm->vtcr = stage2_vtcr(&vm->s2, stage2_parange);
	vm->memory_held = true;
	return HV_OK;
}

void vm_memory_free(struct vm *vm)
{
	u64 table_pages = vm->s2.table_pages;

	/* Unmapped and its VMID's TLB entries gone before anyone else can get this RAM or these tables. */
	vm_ram_drop_all(vm);
	arch_tlb_inval_vmid(&vm->s2);
	stage2_destroy(&vm->s2);
	page_free((void *)(uintptr_t)vm->ram_pa, vm->ram_size / PAGE_SIZE);
	vm->ram_pa = 0;
	vm->memory_held = false;
	hv_printf("hyparm: vm %s: memory returned (%llu MiB of RAM, %llu KiB of stage-2 tables)\n", vm->name,
		  (unsigned long long)(vm->ram_size >> 20),
		  (unsigned long long)(table_pages * PAGE_SIZE >> 10));
}

u64 vm_memory_held_bytes(const struct vm *vm)
{
	return vm->memory_held ? vm->ram_size + vm->s2.table_pages * PAGE_SIZE : 0;
}
