/*
 * System registers that belong to a virtual device rather than to the
 * CPU (the emulated EL1 physical timer, SGI generation): the device
 * registers a hook for the encoding in its own file with SYSREG_HOOK(),
 * and the exit handler asks the hooks before the architectural table.
 */
#ifndef HYPARM_SYSREG_HOOK_H
#define HYPARM_SYSREG_HOOK_H

#include <hyparm/types.h>

struct vcpu;

struct sysreg_hook {
	u32 enc; /* SYSREG_ENC(op0..op2) */
	bool (*read)(struct vcpu *v, u64 *val); /* NULL or false: UNDEF */
	bool (*write)(struct vcpu *v, u64 val);
	/*
	 * Instead of read/write: the register is the guest's own and traps
	 * only while the device wants to look first (the vGIC, VGIC_HCR_TALL1).
	 * Called, then the guest resumes at the same instruction, which must
	 * then run untrapped.
	 */
	void (*retry)(struct vcpu *v);
	/*
	 * write takes every value (never UNDEF) and may run before the exit
	 * has folded the vCPU's list registers back: the exit's fast path
	 * calls it straight from the syndrome (core/exit.c). The vGIC's SGI
	 * registers: every IPI a guest sends.
	 */
	bool fast_write;
};

#define SYSREG_HOOK(name, e, rd, wr) \
	static const struct sysreg_hook sysreg_hook_##name __attribute__(( \
		used, section("sysreg_hooks"), aligned(8))) = { .enc = (e), .read = (rd), .write = (wr) }

/* A hook whose write always succeeds and needs no interrupt state (fast_write above); reads UNDEF. */
#define SYSREG_HOOK_FAST_WRITE(name, e, wr) \
	static const struct sysreg_hook sysreg_hook_##name \
		__attribute__((used, section("sysreg_hooks"), \
			       aligned(8))) = { .enc = (e), .write = (wr), .fast_write = true }

#define SYSREG_HOOK_RETRY(name, e, fn) \
	static const struct sysreg_hook sysreg_hook_##name \
		__attribute__((used, section("sysreg_hooks"), aligned(8))) = { .enc = (e), .retry = (fn) }

/* Bit ((op0 << 4) | CRn) set for every (op0, CRn) that has a hook (sysreg_hooks_init()). */
extern u64 sysreg_hooked_keys;
/* Once at boot (and in tests): index the hooks. */
void sysreg_hooks_init(void);
const struct sysreg_hook *sysreg_hook_lookup(u32 enc);

/* Whether any hook lives at (op0, CRn): the exit's fast paths leave such registers to the full path. */
static inline bool sysreg_hooks_in(unsigned op0, unsigned crn)
{
	return (sysreg_hooked_keys >> (op0 << 4 | crn)) & 1;
}

/* The hook for enc, or NULL; the common miss (an ID or debug register) costs a bit test. */
static inline const struct sysreg_hook *sysreg_hook_find(u32 enc)
{
	unsigned key = ((enc >> 19) & 3) << 4 | ((enc >> 12) & 0xF); /* SYSREG_ENC: op0 at 19, CRn at 12 */

	return (sysreg_hooked_keys >> key) & 1 ? sysreg_hook_lookup(enc) : NULL;
}

#endif
