/* VM life cycle: creation from a config, power off, reset, crash. */
#ifndef HYPARM_VMM_H
#define HYPARM_VMM_H

#include <arch/stage2.h>
#include <hyparm/types.h>

struct vm;
struct vcpu;
struct vm_config;

struct guest_bundle {
	const void *base;
	u64 size;
};

/* Build VM number id from cfg: RAM, stage 2, devices, images, vCPUs. Errors go to err. */
int vm_create(const struct vm_config *cfg, unsigned id, const struct guest_bundle *bundle, struct vm **out,
	      char *err, size_t errlen);
/* The VM created with this id. */
struct vm *vm_by_id(unsigned id);
/* Boot it: its boot vCPU's CPU loads its images and starts it. */
void vm_start(struct vm *vm);
/* PSCI SYSTEM_OFF: stop every vCPU, report, let the machine power off when all VMs are done. */
void vm_power_off(struct vm *vm);
/* The monitor's stop: as vm_power_off, but the VM's restart policy does not start it again. */
void vm_stop(struct vm *vm);
/* PSCI SYSTEM_RESET: restart the VM from its images. */
void vm_reset(struct vm *vm);
/* Start a VM that powered off or crashed again, from its images; false if it is not stopped. */
bool vm_start_stopped(struct vm *vm);
/* hyparm gives up on the VM (exception loop, SError...): report why and stop it. */
void vm_crash(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the registers of the vCPU of vm that this CPU holds (the crashing one), for a crash report. */
void vm_report_crash_registers(struct vm *vm);
/* vm stopped for good: give its RAM back if none of its vCPUs is on a CPU any more (the scheduler calls it as it unloads one). */
void vm_release_if_idle(struct vm *vm);
/* A device frame passed through to the guest: pa at ipa, size bytes, read-write, Device-nGnRE. */
int vm_map_device(struct vm *vm, u64 ipa, paddr_t pa, u64 size);
/*
 * A device's own frames (not RAM) in its VM's stage 2, remembered so that
 * they are mapped again when a VM that gave its memory back starts
 * (core/vm_memory.c). perm: S2_R/W/X; type: enum s2_memtype. Unmap with the
 * same ipa and size. HV_OK, -HV_ENOMEM (no slot left) or a stage-2 error.
 */
int vm_map_frames(struct vm *vm, ipa_t ipa, paddr_t pa, u64 size, unsigned perm, enum s2_memtype type);
int vm_unmap_frames(struct vm *vm, ipa_t ipa, u64 size);
/* Its RAM and stage 2 (with its devices' frames): at creation and at a monitor start after a stop. */
int vm_memory_alloc(struct vm *vm, char *err, size_t errlen);
/* No vCPU of vm on any CPU: RAM and every stage-2 table back to the page pool. */
void vm_memory_free(struct vm *vm);
/* Bytes of the page pool vm holds now: RAM and stage-2 tables (the monitor's `list`). */
u64 vm_memory_held_bytes(const struct vm *vm);

/* Where vm's images go, from its config (at creation: errors before anything boots). */
int vm_plan_images(struct vm *vm, char *err, size_t errlen);
/* One piece of vm's reset (or first boot), run by its boot vCPU's CPU; true when the VM runs again (or stopped): the scheduler then powers its boot vCPU on. */
bool vm_reset_step(struct vm *vm);

/* PSCI CPU_ON of target (claimed by the caller: its state is VCPU_STARTING). */
void vcpu_power_on(struct vcpu *target, u64 entry, u64 context_id);
/* PSCI CPU_OFF for the calling vCPU. */
void vcpu_power_off(struct vcpu *v);

#endif
