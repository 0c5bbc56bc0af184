/*
 * Pointer authentication for guests (FEAT_PAuth; docs/design.md, "SVE and
 * pointer authentication"). arch/arm64/pauth.c is the logic, pauth_hw.c
 * the registers (arch/host/fake_pauth.c in host tests).
 *
 * A vCPU's five key pairs (APIA, APIB, APDA, APDB, APGA) live in memory
 * until it first uses pointer authentication: until then HCR_EL2.APK
 * traps its key-register accesses and HCR_EL2.API its PAC instructions
 * (those that are not NOPs: the ones its SCTLR_EL1.EnIA/EnIB/EnDA/EnDB
 * enable, and PACGA). That first trap makes it "active": its keys go into
 * the CPU, API and APK are set in its HCR_EL2, and the instruction runs
 * again, now without trapping. From then on its keys are saved on every
 * put and loaded on every load (ten MRS and ten MSR, switch only, never
 * on an exit). It stays active until the vCPU is reset: a Linux guest
 * signs every kernel return address, so trapping again would cost more
 * than it saves. A vCPU that never uses it costs one flag test per switch;
 * the CPU may then hold another vCPU's keys, but with API and APK clear
 * it can neither use nor read them. hyparm itself never signs anything:
 * it is built with -mbranch-protection=none and SCTLR_EL2.EnIA/EnIB/EnDA/
 * EnDB are clear.
 */
#ifndef ARCH_PAUTH_H
#define ARCH_PAUTH_H

#include <hyparm/types.h>
#include <arch/esr.h>

struct vcpu;

/* The key registers in the order pauth_hw reads and writes them: Lo then Hi of APIA, APIB, APDA, APDB, APGA. */
#define PAUTH_NR_KEY_REGS 10

struct vcpu_pauth {
	u64 key[PAUTH_NR_KEY_REGS]; /* the guest's keys while it is not active, or not on its CPU */
	bool active; /* its keys are in the CPU whenever it runs; HCR_EL2.API/APK set */
};

/* A key register (op0=3, op1=0, CRn=2: CRm 1 APIA/APIB, 2 APDA/APDB with op2 0..3; CRm 3 APGA, op2 0..1). */
static inline bool pauth_is_key_reg(const struct exit_info *e)
{
	return e->u.sysreg.op0 == 3 && e->u.sysreg.op1 == 0 && e->u.sysreg.crn == 2 &&
		((e->u.sysreg.crm >= 1 && e->u.sysreg.crm <= 2 && e->u.sysreg.op2 <= 3) ||
		 (e->u.sysreg.crm == 3 && e->u.sysreg.op2 <= 1));
}

/* Back to reset: keys zero, not active (in memory; v is not loaded). */
void pauth_vcpu_reset(struct vcpu *v);
/* Switching (arch/arm64/vcpu_switch.c), after v's HCR_EL2 is written: an active vCPU's keys in and out. */
void pauth_vcpu_load(struct vcpu *v);
void pauth_vcpu_put(struct vcpu *v);
/*
 * The running vCPU v trapped on a PAC instruction or a key register: make
 * it active so that the instruction, executed again, does not trap. False
 * (the caller makes the guest take UNDEFINED) on a CPU without pointer
 * authentication, or if v is active already (nothing of PAuth traps then).
 */
bool pauth_first_use(struct vcpu *v);

/* The hardware side (arch/arm64/pauth_hw.c). */
void pauth_hw_read_keys(u64 key[PAUTH_NR_KEY_REGS]);
void pauth_hw_write_keys(const u64 key[PAUTH_NR_KEY_REGS]);
/* HCR_EL2 of the running vCPU changed (its API/APK bits): write it now. */
void pauth_hw_write_hcr(u64 hcr);

#endif
