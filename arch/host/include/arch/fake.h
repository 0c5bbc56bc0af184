/*
 * The arch fake: what arch/ and drivers/ give the core, replaced by plain
 * memory so that core and vdev code (scheduler, exit dispatch, vGIC
 * flush/sync, devices) runs in host unit tests (Hafnium's src/arch/fake
 * is the model). Tests set the counter, queue physical interrupts, and
 * read what hyparm did: IPIs sent, list registers written, vCPUs switched.
 */
#ifndef ARCH_FAKE_H
#define ARCH_FAKE_H

#include <hyparm/types.h>
#include <arch/cpu.h>
#include <arch/vgic_lr.h>

struct vcpu;
struct vm;
struct exit_info;

#define FAKE_MAX_IRQS 16
#define FAKE_LOG 64
#define FAKE_MAX_INTID 1020 /* SPIs the fake distributor records */

struct arch_fake {
	unsigned cpu; /* "this" physical CPU (its struct pcpu is arch_fake_pcpu) */
	u64 now, freq; /* physical counter and its frequency */
	u64 now_step; /* added to now after each read: a counter that moves while hyparm works (0: still) */
	u64 hyp_timer_cval; /* hyparm's timer as programmed, 0 = off */
	u64 vtimer_ctl; /* CNTV_CTL_EL0 live in the CPU (ISTATUS as the test sets it); vCPU put saves and clears it, load restores */
	unsigned ipis[MAX_PCPUS]; /* wake-up SGIs sent to each CPU */
	u32 pending[FAKE_MAX_IRQS]; /* physical interrupts gic_ack() hands out, in order */
	unsigned npending;
	u32 eoi[FAKE_LOG]; /* gic_eoi() calls: INTID | FAKE_DEACTIVATED if deactivated too */
	unsigned neoi;
	bool ppi_active[32]; /* gic_ppi_set_active() */
	bool spi_active[FAKE_MAX_INTID]; /* gic_spi_set_active() */
	bool spi_enabled[FAKE_MAX_INTID]; /* gic_spi_enable() / gic_spi_disable() */
	unsigned nr_lrs; /* the fake CPU interface's list registers */
	u64 lr[VGIC_MAX_LRS]; /* raw, as written through the backend (GICv3 or GICv2 encoding) */
	u32 hcr; /* VGIC_HCR_* as last set */
	struct vgic_cpuif cpuif; /* what restore() loaded */
	struct vcpu *put_log[FAKE_LOG], *load_log[FAKE_LOG], *reset_log[FAKE_LOG];
	unsigned nput, nload, nreset;
	unsigned waits; /* arch_wait_for_interrupt() calls */
	bool (*on_wait)(
		void); /* called on each wait: the test makes something happen; false stops the test */
	unsigned system_off; /* psci_fw_system_off() calls */
	u64 esr, far, hpfar; /* the syndrome registers of the next exit (arch/exit_regs.h) */
	const struct exit_info *next_exit; /* or the next exit decoded already (taken once) */
	bool has_lazy_state; /* arch_vcpu_first_use() makes SVE/PAuth live (a -cpu max); false: a cortex-a57 */
	unsigned first_uses; /* arch_vcpu_first_use() calls */
};

#define FAKE_DEACTIVATED 0x80000000u

extern struct arch_fake arch_fake;
/* Back to a clean machine of nr_cpus CPUs with nr_lrs list registers; this CPU is 0. */
void arch_fake_reset(unsigned nr_cpus, unsigned nr_lrs);
/* Make CPU cpu "this" one. */
void arch_fake_set_cpu(unsigned cpu);
/* The fake list register i, decoded. */
struct vgic_lr arch_fake_lr(unsigned i);
/* Write the fake list register i as the guest left it (encoded as the backend's version does). */
void arch_fake_set_lr(unsigned i, const struct vgic_lr *lr);
/* The backend's GIC version: 3 after arch_fake_reset(), 2 for a GICv2 host (GICH_LR encoding, a GICV frame). */
void arch_fake_gic_version(unsigned version);
/* "The guest completes list register i": it reads back invalid, as after the guest's EOI/deactivation. */
static inline void arch_fake_lr_complete(unsigned i)
{
	arch_fake.lr[i] = 0;
}

/* The system-register file behind arch/sysreg.h's host version (keyed by name, "sctlr_el1"); unknown ones read 0. */
u64 arch_fake_sysreg_read(const char *name);
void arch_fake_sysreg_write(const char *name, u64 val);
/* Every system register back to 0 (arch_fake_reset() leaves them). */
void arch_fake_sysregs_clear(void);

#endif
