/*
 * Self-hosted debug for guests: hardware breakpoints, watchpoints, single
 * step, the OS lock (arch/arm64/debug.c; docs/design.md, "Debug").
 *
 * A vCPU's debug registers live in memory until it first touches one:
 * until then MDCR_EL2.TDA traps every access, and a vCPU that never uses
 * debug costs nothing on an exit or a switch but the MDSCR_EL1 it owns.
 * Its first access makes it "active" (KVM's debug dirty): its registers go
 * into the CPU and TDA is cleared, so the guest programs them directly
 * while it stays on the CPU. Switched out, an active vCPU's registers are
 * saved; one whose MDSCR_EL1 enables nothing (no MDE, KDE or SS) stops
 * being active and traps again next time.
 *
 * Which registers exist is what the guest's ID_AA64DFR0_EL1 says (BRPs,
 * WRPs): the counts are read from the guest's view, so what is advertised
 * and what is switched cannot disagree.
 */
#ifndef ARCH_DEBUG_H
#define ARCH_DEBUG_H

#include <hyparm/types.h>
#include <arch/sysreg_emul.h>

struct vcpu;

#define DBG_MAX_BP 16

/* The debug registers switched with an active vCPU, as an index for the hardware accessors. */
enum dbg_reg {
	DBG_BVR0 = 0, /* DBGBVR<n>_EL1 is DBG_BVR0 + n */
	DBG_BCR0 = DBG_BVR0 + DBG_MAX_BP,
	DBG_WVR0 = DBG_BCR0 + DBG_MAX_BP,
	DBG_WCR0 = DBG_WVR0 + DBG_MAX_BP,
	DBG_MDCCINT = DBG_WCR0 + DBG_MAX_BP, /* MDCCINT_EL1 */
	DBG_NR_REGS,
};

/* One vCPU's debug state (in struct arch_vcpu). */
struct vcpu_debug {
	u64 reg[DBG_NR_REGS]; /* the guest's values while it is not active, or not on its CPU */
	u64 mdscr; /* MDSCR_EL1 as the guest wrote it; live in the CPU instead while it owns the hardware */
	bool active; /* its breakpoint registers are in the CPU whenever it runs */
	bool oslk; /* OSLSR_EL1.OSLK (KVM 6.1: set and cleared through OSLAR_EL1, 0 at reset) */
	bool dlk; /* OSDLR_EL1.DLK, the OS double lock */
	bool corenpdrq; /* DBGPRCR_EL1.CORENPDRQ: with it set the double lock has no effect */
};

/* MDSCR_EL1 bits. */
#define MDSCR_SS BIT(0)
#define MDSCR_TDCC BIT(12)
#define MDSCR_KDE BIT(13)
#define MDSCR_MDE BIT(15)

/* Back to reset: nothing active, OS lock clear (in memory; v is not loaded). */
void debug_vcpu_reset(struct vcpu *v);
/* Switching (arch/arm64/vcpu_switch.c): v's debug state into the CPU, and out of it. */
void debug_vcpu_load(struct vcpu *v);
void debug_vcpu_put(struct vcpu *v);
/*
 * A trapped access to a debug register of the running vCPU v (the ones
 * sysreg_emul.c's table hands over): SYSREG_DONE or SYSREG_UNDEF.
 */
enum sysreg_result debug_sysreg(struct vcpu *v, const struct exit_info *e);

/* The breakpoint and watchpoint counts the guest's ID_AA64DFR0_EL1 advertises. */
unsigned debug_nr_brps(void);
unsigned debug_nr_wrps(void);
/* The value a guest's DBGBCR/DBGWCR gets in the hardware: it never matches at EL2 (or EL3). */
u64 debug_ctrl_sanitize(u64 ctrl, bool breakpoint);

/*
 * The hardware side (arch/arm64/debug_hw.c; arch/host/fake_debug.c in host
 * tests). Accessors for registers the CPU does not have are never called.
 */
u64 dbg_hw_read(enum dbg_reg r);
void dbg_hw_write(enum dbg_reg r, u64 val);
u64 dbg_hw_mdscr(void);
void dbg_hw_set_mdscr(u64 val);
/* MDCR_EL2.TDA: trap the guest's debug register accesses (only that bit changes). */
void dbg_hw_trap(bool trap);
/* Once per physical CPU: OS lock and double lock off, every breakpoint and watchpoint disabled. */
void dbg_hw_cpu_init(void);

#endif
