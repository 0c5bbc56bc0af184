/*
 * Device-owned system registers (see hyparm/sysreg_hook.h): the hooks sit in
 * the `sysreg_hooks` section. Every trapped system-register access asks
 * here first, so the common miss (an ID register, the debug registers) is
 * answered from a bitmap of the (op0, CRn) pairs that have a hook at all,
 * and a hit (an SGI write, the physical timer) from a small open-addressed
 * table built at boot: a few instructions either way.
 */
#include <hyparm/sysreg_hook.h>

/* Weak: a program with no hook (a host test) has no section. */
extern const struct sysreg_hook __start_sysreg_hooks[] __attribute__((weak));
extern const struct sysreg_hook __stop_sysreg_hooks[] __attribute__((weak));

#define SLOTS 32 /* a power of two, well above the number of hooks */

u64 sysreg_hooked_keys;
static const struct sysreg_hook *slots[SLOTS];

/*
 * op2/CRm, CRm/CRn and CRn/op1 mixed. Chosen so that every hook there is
 * today (the vGIC's ICC registers, the physical timer's CNTP, the unit
 * tests' three) has a slot of its own: a hit costs one probe (the IPI
 * path's SGI write took three with the previous mix).
 */
static unsigned slot_of(u32 enc)
{
	return (enc >> 5 ^ enc >> 10 ^ enc >> 14) & (SLOTS - 1);
}

void sysreg_hooks_init(void)
{
	u64 keys = 0;

	for (unsigned i = 0; i < SLOTS; i++)
		slots[i] = NULL;
	for (const struct sysreg_hook *h = __start_sysreg_hooks; h < __stop_sysreg_hooks; h++) {
		unsigned i = slot_of(h->enc);
		while (slots[i])
			i = (i + 1) & (SLOTS - 1);
		slots[i] = h;
		keys |= 1ULL << (((h->enc >> 19) & 3) << 4 | ((h->enc >> 12) & 0xF));
	}
	sysreg_hooked_keys = keys;
}

const struct sysreg_hook *sysreg_hook_lookup(u32 enc)
{
	for (unsigned i = slot_of(enc), n = 0; slots[i] && n < SLOTS; i = (i + 1) & (SLOTS - 1), n++)
		if (slots[i]->enc == enc)
			return slots[i];
	return NULL;
}
