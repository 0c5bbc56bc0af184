/*
 * A VM's RAM, made ready lazily: at creation and at every reset none of it
 * is mapped in stage 2; a 2 MiB block is scrubbed (zeroed, then cleaned to
 * the point of coherency, since the guest may start with caches off) and
 * mapped the first time it is needed: by the loader for the blocks that
 * hold the boot images, or by the guest's first access to it (a stage-2
 * translation fault). So creating or rebooting a VM costs what its images
 * cost, not what its RAM size costs, the work is spread over the vCPUs that
 * touch the memory, and still no byte of a previous life or a previous
 * owner is ever visible: a block is never mapped before it is scrubbed.
 */
#ifndef HYPARM_VM_RAM_H
#define HYPARM_VM_RAM_H

#include <hyparm/types.h>

struct vm;
struct vcpu;

/* The unit of lazy scrubbing: one stage-2 block. */
#define VM_RAM_BLOCK MiB(2)
#define VM_RAM_BLOCK_SHIFT 21 /* log2(VM_RAM_BLOCK) */
_Static_assert(VM_RAM_BLOCK == 1ULL << VM_RAM_BLOCK_SHIFT, "VM_RAM_BLOCK_SHIFT");
/* Largest VM RAM the ready-bitmap covers. */
#define VM_RAM_MAX GiB(16)

/*
 * A reset (its vCPUs do not run): forget every block the guest may have
 * changed (unmapped, scrubbed again when next needed). A block of the
 * previous reset's images that neither the guest nor hyparm for it wrote
 * stays ready, read-only: it holds exactly what the reset put there.
 */
void vm_ram_forget(struct vm *vm);
/* Forget every block, whatever it holds (the VM's RAM is given back). */
void vm_ram_drop_all(struct vm *vm);
/* Was the block scrubbed by this reset (it is cleaned whole), or kept from the last one? */
bool vm_ram_block_fresh(const struct vm *vm, u64 block);
/*
 * hyparm is about to read or write [off, off + len) of the VM's RAM for it
 * (virtio): every block there is made ready and counted as changed, so the
 * next reset scrubs it. HV_OK, -HV_EINVAL outside RAM, or a stage-2 error.
 */
int vm_ram_host_access(struct vm *vm, u64 off, u64 len);
/* Make block number `block` ready (scrubbed and mapped); HV_OK or a stage-2 error. */
int vm_ram_ready_block(struct vm *vm, u64 block);
/* Bytes of a VM's RAM, as offsets from its base. */
struct vm_ram_range {
	u64 off, size;
};
/*
 * For a reset, while none of the VM's vCPUs runs: make the block ready as
 * vm_ram_ready_block() does, but leave the bytes of `keep` as they are (the
 * caller overwrites them with its images before any vCPU runs: zeroing them
 * first would be wasted work), clean nothing (the caller cleans the block
 * once, after its images are in), and map it read-only: the guest's first
 * write (a stage-2 permission fault, vm_ram_fault) makes it writable and
 * marks it changed. A block kept from the previous reset is left as it is.
 */
int vm_ram_ready_block_for_load(struct vm *vm, u64 block, const struct vm_ram_range *keep, unsigned nkeep);
/* Is the block scrubbed and mapped? */
bool vm_ram_block_ready(const struct vm *vm, u64 block);
/*
 * Make RAM offsets [off, off + len) ready; vm_ctx is the struct vm. The
 * shape of struct vq_mem's ready hook (hyparm/virtqueue.h), for devices
 * that reach guest memory through vq_mem_ptr(). HV_OK or an error.
 */
int vm_ram_ready_range(void *vm_ctx, u64 off, u64 len);
/*
 * A stage-2 abort at ipa: if ipa is RAM whose block was not ready, make it
 * ready and return true (the guest retries the access); false otherwise.
 */
bool vm_ram_fault(struct vcpu *v, ipa_t ipa);

#endif
