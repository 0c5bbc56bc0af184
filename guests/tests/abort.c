/* d. Loads and instruction fetches at IPAs nobody owns raise a synchronous external abort in the guest. */
#include "guest.h"

#define UNMAPPED 0x20000000UL

static volatile struct exception last;
static volatile int taken;
static u64 resume_at;

static bool on_abort(struct frame *f, const struct exception *e)
{
	last = *e;
	taken++;
	f->elr = resume_at ? resume_at : e->elr + 4;
	return true;
}

static void recovered(void)
{
	/* Instruction-abort recovery lands here with the caller's lr intact. */
}

int main(void)
{
	set_exception_handler(on_abort);

	u64 v = *(volatile u64 *)UNMAPPED;
	check(taken == 1, "load from IPA 0x%lx trapped (value 0x%llx not used)", UNMAPPED,
	      (unsigned long long)v);
	check(((last.esr >> 26) & 0x3F) == 0x25, "ESR_EL1.EC = 0x%llx (data abort, same EL)",
	      (unsigned long long)((last.esr >> 26) & 0x3F));
	check((last.esr & 0x3F) == 0x10, "DFSC = 0x%llx (synchronous external abort)",
	      (unsigned long long)(last.esr & 0x3F));
	check(last.far == UNMAPPED, "FAR_EL1 = 0x%llx", (unsigned long long)last.far);

	*(volatile u32 *)(UNMAPPED + 0x40) = 1;
	check(taken == 2, "store to an unmapped IPA trapped too");

	/* An instruction fetch from nowhere: resume at recovered(), which returns to us. */
	void (*jump)(void) = (void (*)(void))(UNMAPPED + 0x1000);
	resume_at = (u64)recovered;
	jump();
	resume_at = 0;
	check(taken == 3, "instruction fetch from an unmapped IPA trapped");
	check(((last.esr >> 26) & 0x3F) == 0x21, "ESR_EL1.EC = 0x%llx (instruction abort, same EL)",
	      (unsigned long long)((last.esr >> 26) & 0x3F));
	check((last.esr & 0x3F) == 0x10, "IFSC = 0x%llx (synchronous external abort)",
	      (unsigned long long)(last.esr & 0x3F));
	check(last.elr == UNMAPPED + 0x1000, "ELR_EL1 = 0x%llx", (unsigned long long)last.elr);
	gprintf("still running after three aborts\n");
	return 0;
}
