/*
 * A virtual machine and its vCPUs. There is no global "the VM": every
 * function takes the VM or vCPU it works on, and per-physical-CPU state is
 * reached through this_pcpu().
 */
#ifndef HYPARM_VM_H
#define HYPARM_VM_H

#include <hyparm/types.h>
#include <hyparm/mmio.h>
#include <arch/context.h>
#include <arch/esr.h>
#include <arch/stage2.h>
#include <vdev/vgic.h>
#include <vdev/vpl011.h>
#include <vdev/vtimer.h>

#define VM_MAX 8
#define VM_MAX_VCPUS 8
#define VM_NAME_MAX 32
#define VM_MAX_REPORTS 10

/* Guest physical layout: the same as QEMU's virt machine, so KVM images run unchanged. */
#define GUEST_RAM_IPA      0x40000000ULL
#define GUEST_UART_IPA     0x09000000ULL
#define GUEST_UART_SIZE    0x1000ULL
#define GUEST_UART_INTID   33
#define GUEST_GICD_IPA     0x08000000ULL
#define GUEST_GICR_IPA     0x080A0000ULL

enum vcpu_state {
	VCPU_OFF,        /* not started (PSCI CPU_ON not yet called) or CPU_OFF */
	VCPU_STARTING,   /* a PSCI CPU_ON claimed it and is writing its registers: not runnable yet */
	VCPU_ON_PENDING, /* PSCI CPU_ON accepted, registers written, not yet running */
	VCPU_RUNNABLE,
	VCPU_BLOCKED,    /* WFI with nothing pending */
	VCPU_STOPPED,    /* its VM stopped */
};

enum vm_state {
	VM_RUNNING,
	VM_POWERED_OFF,  /* PSCI SYSTEM_OFF */
	VM_CRASHED,      /* hyparm stopped it (exception loop, unrecoverable state) */
};

struct vm;
struct vm_config;
struct guest_bundle;

struct vcpu {
	struct arch_vcpu arch;     /* first: entry.S saves the guest's registers here */
	struct vm *vm;
	unsigned id;               /* index in the VM */
	u64 mpidr;                 /* shadow MPIDR_EL1 (affinity fields) */
	unsigned pcpu;             /* physical CPU it runs on */
	volatile enum vcpu_state state;
	volatile bool running;     /* its CPU is in this vCPU's guest context or serving its exit */
	struct vcpu *next_on_pcpu; /* the physical CPU's run list */
	u64 exits[EXIT_KIND_COUNT]; /* per enum exit_kind */
	/* Exception-loop detection: the vector hyparm sent the guest to in this exit and in the previous one. */
	u64 injected_elr, prev_injected_elr;
	bool exit_il32;            /* the trapped instruction is 32 bits wide (ESR_EL2.IL) */
	bool oslk;                 /* emulated OS lock (OSLAR_EL1/OSLSR_EL1) */
	struct vgic_cpu vgic;      /* its redistributor and list-register state */
	volatile bool vgic_kicked; /* something became pending for it: flush list registers before entry */
	bool vtimer_masked;        /* physical virtual-timer PPI held off until the guest EOIs ours */
	struct ptimer ptimer;      /* the emulated EL1 physical timer */
	bool ptimer_dirty;         /* its deadline changed: re-arm hyparm's timer */
};

struct vm {
	char name[VM_NAME_MAX];
	unsigned id;               /* also its VMID */
	volatile enum vm_state state;
	const char *stop_reason;
	struct stage2 s2;
	u64 vtcr;
	paddr_t ram_pa;            /* host PA of guest RAM (one contiguous block) */
	ipa_t ram_ipa;
	u64 ram_size;
	struct mmio_bus mmio;
	struct vpl011 uart;
	struct vgic_dist vgic;
	spinlock_t uart_lock;      /* the UART model is touched by its vCPUs and by console input */
	unsigned reports;          /* guest-caused warnings printed, capped so a guest cannot flood the console */
	u64 cntvoff;               /* CNTVOFF_EL2: the guest's virtual counter starts at 0 at VM creation */
	struct vcpu *vcpus[VM_MAX_VCPUS];
	unsigned nr_vcpus;
	u64 entry_ipa, dtb_ipa;    /* where the boot vCPU starts and its x0 */
	const struct vm_config *config;
	const struct guest_bundle *bundle; /* images, kept for reset */
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

#endif
