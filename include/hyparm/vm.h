/*
 * A virtual machine and its vCPUs. There is no global "the VM": every
 * function takes the VM or vCPU it works on, and per-physical-CPU state is
 * reached through this_pcpu(). What a device keeps is the device's own
 * (struct vdev): a VM holds its device instances and its interrupt
 * controller's operations, never a device's fields.
 */
#ifndef HYPARM_VM_H
#define HYPARM_VM_H

#include <hyparm/types.h>
#include <hyparm/guest_layout.h>
#include <hyparm/mmio.h>
#include <hyparm/restart.h>
#include <hyparm/vdev.h>
#include <hyparm/vm_ram.h>
#include <arch/context.h>
#include <arch/esr.h>
#include <arch/spinlock.h>
#include <arch/stage2.h>

#define VM_MAX 8
#define VM_MAX_VCPUS 8
#define VM_MAX_DEVICES 24 /* the default list (8), a longer one, and up to VMCONF_MAX_DEVNODES nodes */
#define VM_NAME_MAX 32
#define VM_MAX_REPORTS 10

enum vcpu_state {
	VCPU_OFF, /* not started (PSCI CPU_ON not yet called) or CPU_OFF */
	VCPU_STARTING, /* a CPU_ON claimed it and is recording where it starts: not runnable yet */
	VCPU_ON_PENDING, /* powered on: its CPU writes its registers when it first enters it */
	VCPU_RUNNABLE,
	VCPU_BLOCKED, /* WFI with nothing pending */
	VCPU_STOPPED, /* its VM stopped */
};

enum vm_state {
	VM_RUNNING,
	VM_RESETTING, /* its boot vCPU's CPU reloads it (vm_reset_step); no vCPU of it runs */
	VM_POWERED_OFF, /* PSCI SYSTEM_OFF */
	VM_CRASHED, /* hyparm stopped it (exception loop, unrecoverable state) */
};

struct vm;
struct vm_config;
struct guest_bundle;
struct irqchip_ops;

struct vcpu {
	struct arch_vcpu arch; /* first: entry.S saves the guest's registers here */
	struct vm *vm;
	unsigned id; /* index in the VM */
	u64 mpidr; /* shadow MPIDR_EL1 (affinity fields) */
	unsigned pcpu; /* physical CPU it runs on */
	volatile enum vcpu_state state;
	volatile bool running; /* its CPU is in this vCPU's guest context or serving its exit */
	volatile bool loaded; /* its registers are live in its CPU (even while it does not run) */
	volatile bool kicked; /* new work for it (vcpu_kick): the irqchip looks before entry */
	void *irqchip_cpu; /* the irqchip's own state for this vCPU (opaque to the core), set by the irqchip */
	bool irqchip_busy; /* the irqchip has state of it in the CPU (list registers): sync after exits */
	struct vcpu *next_on_pcpu; /* the physical CPU's run list */
	u64 boot_entry, boot_ctx; /* where it starts when powered on, and its x0 */
	u64 exits[EXIT_KIND_COUNT]; /* per enum exit_kind */
	/* Physical-counter ticks: spent on a CPU (not in WFI), since when (core/sched.c); handling its exits (core/exit.c). */
	u64 run_ticks, run_since;
	u64 exit_ticks;
	/* Exception-loop detection: the vector hyparm sent the guest to in this exit and in the previous one. */
	u64 injected_elr, prev_injected_elr;
	/*
	 * The exit that caused the last injection (ESR_EL2, FAR_EL2, guest PC):
	 * when the next one loops, this is the first fault, the one to report.
	 */
	u64 injected_for_esr, injected_for_far, injected_for_pc;
	u64 setway_off; /* progress of a set/way-triggered clean of the VM's RAM (arch/sysreg_emul.c) */
	/* Stolen time (core/sched.c): physical counts it was runnable while its CPU ran another vCPU. */
	u64 stolen; /* total; written by its own CPU only */
	u64 displaced_at; /* when another vCPU took its CPU (0: never) */
	bool displaced_runnable; /* it was runnable then: it waits from displaced_at */
	u64 woken_at; /* when a kick last made it runnable from WFI (written by the kicker) */
	/* Progress watchdog (core/vcpu_watchdog.c): its non-interrupt exits at the baseline, and since when (0: none). */
	u64 wd_requests, wd_since;
	/*
	 * Fair share (core/sched.c): its CPU time scaled by VMCONF_WEIGHT_DEFAULT / its
	 * VM's weight; its CPU runs the runnable vCPU with the least. Own CPU only.
	 */
	u64 vruntime;
	bool slept; /* blocked or off since it last ran: catch up to the CPU's clock before it is picked */
	/* Scheduler statistics, counted off the fast path: entries after another vCPU, slices that ended with it displaced, wake-ups from WFI. */
	u64 switches_in, preempted, wakeups;
};

/* How far a reset (or the first boot) has got: vm_reset_step() does one piece at a time. */
enum vm_reset_phase {
	RESET_FORGET, /* unmap the RAM: every block is scrubbed again before the guest sees it (hyparm/vm_ram.h) */
	RESET_READY, /* scrub and map the blocks the boot images go to, one per step */
	RESET_LOAD, /* copy the kernel and initrd files (2 MiB per step), then write the device tree */
	RESET_CLEAN, /* clean the images to the point of coherency (the guest starts with caches off) */
	RESET_DEVICES, /* devices back to power-on state, vCPUs off but the boot one */
};

/* Frames a device mapped into its VM's stage 2 (not RAM): mapped again when the VM's stage 2 is rebuilt. */
#define VM_MAX_FRAME_MAPS 8
struct vm_frames {
	ipa_t ipa;
	paddr_t pa;
	u64 size; /* 0: a free slot */
	unsigned perm; /* S2_R/W/X */
	enum s2_memtype type;
};

struct vm {
	char name[VM_NAME_MAX];
	unsigned id; /* index; its VMID is id + 1 (VMID 0 is never used) */
	volatile enum vm_state state;
	struct stage2 s2;
	u64 vtcr;
	paddr_t ram_pa; /* host PA of guest RAM (one contiguous block) */
	ipa_t ram_ipa;
	u64 ram_size;
	spinlock_t ram_lock; /* making blocks ready (core/vm_ram.c) */
	u64 ram_ready[VM_RAM_MAX / VM_RAM_BLOCK / 64]; /* blocks scrubbed and mapped: bit n = block n */
	/*
	 * Blocks that may differ from what the reset put there: mapped writable
	 * for the guest, or reached by hyparm on its behalf (virtio). A reset's
	 * image block the guest never wrote is kept as it is (core/vm_ram.c).
	 */
	u64 ram_written[VM_RAM_MAX / VM_RAM_BLOCK / 64];
	u64 ram_fresh[VM_RAM_MAX / VM_RAM_BLOCK /
		      64]; /* scrubbed by this reset: cleaned whole after the copy */
	struct mmio_bus mmio;
	const struct irqchip_ops *irqchip; /* installed by the interrupt controller device */
	struct vdev devices[VM_MAX_DEVICES];
	unsigned nr_devices;
	unsigned reports; /* guest-caused warnings printed, capped so a guest cannot flood the console */
	u64 cntvoff; /* CNTVOFF_EL2: the guest's virtual counter starts at 0 at VM creation */
	struct vcpu *vcpus[VM_MAX_VCPUS];
	unsigned nr_vcpus;
	u64 entry_ipa, dtb_ipa; /* where the boot vCPU starts and its x0 (the DTB's IPA; 0 for firmware) */
	bool mte; /* may use MTE where the machine has it (manifest no-mte clears it; arch/arm64/include/arch/mte.h) */
	bool warm_reset_is_panic; /* its guest asks for a warm reset only after a panic (hyparm/guest_cmdline.h) */
	const struct vm_config *config;
	u32 weight; /* its share of a CPU against other VMs' vCPUs there (manifest `weight`; 0 = default) */
	const struct guest_bundle *bundle; /* images, kept for reset */
	struct restart_history restart; /* its stops, for the restart policy (hyparm/restart.h) */
	struct vm_frames frames[VM_MAX_FRAME_MAPS]; /* its devices' frames in stage 2 (core/vm_memory.c) */
	/* Its RAM and stage-2 tables are allocated; a VM stopped for good gives them back (core/vm_memory.c). */
	bool memory_held;
	volatile bool release_pending; /* stopped for good: the last of its vCPUs to leave a CPU frees them */
	enum vm_reset_phase reset_phase;
	u64 reset_off; /* progress within the phase, in bytes */
	/* Console line buffer: output appears as "[name] line". */
	char line[160];
	unsigned line_len;
};

/* Guest general register access for emulation: register 31 reads as zero and ignores writes. */
static inline u64 vcpu_get_reg(const struct vcpu *v, unsigned r)
{
	return r < 31 ? v->arch.regs.x[r] : 0;
}

static inline void vcpu_set_reg(struct vcpu *v, unsigned r, u64 val)
{
	if (r < 31)
		v->arch.regs.x[r] = val;
}

/* vCPU idx's MPIDR affinity, as KVM: Aff0 holds 16 vCPUs, then Aff1 (Aff2 and Aff3 stay 0). */
static inline u64 vcpu_mpidr_for(unsigned idx)
{
	return ((u64)(idx / 16) << 8) | (idx % 16);
}

/*
 * The vCPU of vm whose affinity is aff3.aff2.aff1.aff0, or NULL: the
 * inverse of vcpu_mpidr_for(), so that an SGI's target list (the GIC's
 * ICC_SGI1R) is found by indexing instead of by comparing every vCPU's MPIDR.
 */
static inline struct vcpu *vm_vcpu_at_affinity(struct vm *vm, u64 aff3, u64 aff2, u64 aff1, u64 aff0)
{
	u64 idx = aff1 * 16 + aff0;

	if (aff3 || aff2 || aff0 >= 16 || idx >= vm->nr_vcpus)
		return NULL;
	return vm->vcpus[idx];
}

#endif
