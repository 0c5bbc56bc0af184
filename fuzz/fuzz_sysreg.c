/*
 * Trapped system-register accesses: random ISS encodings (decoded by
 * esr_decode, as on a real EC_SYS64 exit) and register values, in
 * sequences on one vCPU, dispatched as core/exit.c does: a device's hook
 * (SYSREG_HOOK) first, else the architectural table (sysreg_emulate).
 * The only device linked is the emulated EL1 physical timer
 * (vdev/ptimer.c, on the deadline service and the arch fake); the SGI
 * registers belong to the vGIC's hooks, so here they must UNDEF.
 * Checks: only the target register of a read changes, XZR stays zero,
 * writes never touch the general registers, ID registers refuse writes
 * and read the sanitised value, set/way cleans only on the first operand
 * of a walk and resumes at the instruction until done, the timer's
 * interrupt line is always ENABLE && !IMASK && count >= CVAL and its
 * deadline is armed exactly while it can still rise, at CVAL, on the
 * vCPU's CPU, TVAL reads the signed distance. id_reg_sanitize is checked
 * on random values too: it never advertises more than the hardware has
 * and is idempotent. Debug (arch/arm64/debug.c, on the fake CPU's debug
 * registers, with the vCPU switched out and in at random): a vCPU that is
 * not active has no debug event enabled in the CPU, a locked one has no
 * breakpoint, watchpoint or step, and its accesses trap exactly when it
 * does not own the hardware; a control value hyparm loaded never has HMC.
 * PMU (arch/arm64/pmu.c, on the fake CPU's PMU): no event filter hyparm
 * wrote ever counts EL2 or EL3 (NSH, M, SH, MT), and a vCPU switched out
 * leaves nothing counting or interrupting.
 */
#include <string.h>
#include <arch/esr.h>
#include <arch/fake.h>
#include <arch/fake_debug.h>
#include <arch/fake_pmu.h>
#include <arch/pmu.h>
#include <arch/sysreg_emul.h>
#include <hyparm/deadline.h>
#include <hyparm/irqchip.h>
#include <hyparm/sysreg_hook.h>
#include <hyparm/vm.h>
#include <vdev/ptimer.h>
#include <vdev/timer.h>
#include "input.h"

extern u64 arch_fake_id_regs[8][8]; /* arch/host/fake.c: what arch_id_reg_read returns */
static struct vm vm;
static struct vcpu vcpu;
static unsigned pieces;
static bool line, line_set;

void hv_printf(const char *fmt, ...)
{
}

/* The whole-VM clean set/way triggers: three pieces per walk here. */
bool vm_dcache_clean_inval_step(struct vm *m, u64 *off)
{
	FUZZ_CHECK(m == &vm);
	pieces++;
	if (++*off < 3)
		return false;
	*off = 0;
	return true;
}

static void rec_set_line(struct vm *m, struct vcpu *v, u32 intid, bool level)
{
	FUZZ_CHECK(m == &vm && v == &vcpu && intid == GUEST_PTIMER_INTID);
	FUZZ_CHECK(level != line); /* driven on changes only */
	line = level;
	line_set = true;
}
static const struct irqchip_ops rec_chip = { .set_line = rec_set_line };

/* Encodings hyparm emulates or hooks, so random ISS values reach every entry. */
static const u32 table[] = {
	SYS_ACTLR_EL1,
	SYS_AIDR_EL1,
	SYS_REVIDR_EL1,
	SYS_MDSCR_EL1,
	SYS_MDCCINT_EL1,
	SYS_MDRAR_EL1,
	SYS_OSLAR_EL1,
	SYS_OSLSR_EL1,
	SYS_OSDLR_EL1,
	SYS_DBGPRCR_EL1,
	SYS_DBGCLAIMSET_EL1,
	SYS_DBGCLAIMCLR_EL1,
	SYS_DBGAUTHSTATUS_EL1,
	SYS_OSECCR_EL1,
	SYSREG_ENC(2, 0, 0, 0, 5), /* DBGBCR0_EL1 */
	SYSREG_ENC(2, 0, 0, 0, 6), /* DBGWVR0_EL1 */
	SYSREG_ENC(2, 0, 0, 0, 7), /* DBGWCR0_EL1 */
	SYS_MDCCSR_EL0,
	SYS_DC_ISW,
	SYS_DC_CSW,
	SYS_DC_CISW,
	SYS_ICC_SGI1R_EL1,
	SYS_ICC_ASGI1R_EL1,
	SYS_ICC_SGI0R_EL1,
	SYS_CNTP_CTL_EL0,
	SYS_CNTP_TVAL_EL0,
	SYS_CNTP_CVAL_EL0,
	SYS_ID_AA64PFR0_EL1,
	SYS_ID_AA64MMFR0_EL1,
	SYSREG_ENC(2, 0, 0, 5, 4),
};

/* SYSREG_ENC places op0 at bit 19; the ISS wants it at 20 (and op2 at 17, op1 at 14, CRn at 10, CRm at 1). */
static u32 iss_of(u32 enc, unsigned rt, bool read)
{
	unsigned op0 = (enc >> 19) & 3, op1 = (enc >> 16) & 7, crn = (enc >> 12) & 0xF,
		 crm = (enc >> 8) & 0xF, op2 = (enc >> 5) & 7;
	return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 | read;
}

static bool is_timer(u32 enc)
{
	return enc == SYS_CNTP_CTL_EL0 || enc == SYS_CNTP_TVAL_EL0 || enc == SYS_CNTP_CVAL_EL0;
}

static bool is_set_way(u32 enc)
{
	return enc == SYS_DC_ISW || enc == SYS_DC_CSW || enc == SYS_DC_CISW;
}

/* The line and the deadline follow the timer's registers against the counter, at every point. */
static void check_timer(void)
{
	struct ptimer *t = ptimer_of(&vcpu);
	bool armed = (t->ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE;
	bool want = armed && arch_fake.now >= t->cval;

	FUZZ_CHECK(line == want && t->line == want);
	FUZZ_CHECK(deadline_armed(&t->dl) == (armed && !want));
	if (armed && !want)
		FUZZ_CHECK(t->dl.cpu == (s16)vcpu.pcpu && deadline_next(&pcpus[vcpu.pcpu]) == t->cval);
	else
		FUZZ_CHECK(deadline_next(&pcpus[vcpu.pcpu]) == DEADLINE_NONE);
}

static void check_debug(void)
{
	const struct vcpu_debug *d = &vcpu.arch.debug;
	bool locked = d->oslk || (d->dlk && !d->corenpdrq);

	FUZZ_CHECK(fake_dbg.trap == !(d->active && !locked));
	if (!d->active)
		FUZZ_CHECK(!(fake_dbg.mdscr & (MDSCR_MDE | MDSCR_KDE | MDSCR_SS)));
	if (locked)
		FUZZ_CHECK(!(fake_dbg.mdscr & (MDSCR_MDE | MDSCR_SS)));
}

/* The CPU runs another vCPU meanwhile (one that never used debug), then this one again. */
static void check_pmu(void)
{
	for (unsigned n = 0; n < PMU_MAX_COUNTERS; n++)
		FUZZ_CHECK(!(fake_pmu.reg[PMU_EVTYPER0 + n] & 0x0F000000));
	FUZZ_CHECK(!(fake_pmu.reg[PMU_CCFILTR] & 0x0FFFFFFF));
	FUZZ_CHECK(!(fake_pmu.reg[PMU_CNTEN] & ~((BIT(fake_pmu.n) - 1) | BIT(31))));
}

static void switch_out_and_in(void)
{
	bool was_active = vcpu.arch.debug.active;

	debug_vcpu_put(&vcpu);
	pmu_vcpu_put(&vcpu);
	FUZZ_CHECK(!(fake_pmu.reg[PMU_CR] & PMCR_E) && !fake_pmu.reg[PMU_CNTEN] && !fake_pmu.reg[PMU_INTEN] &&
		   !fake_pmu.reg[PMU_OVS] && !fake_pmu.reg[PMU_USERENR]);
	pmu_vcpu_load(&vcpu);
	FUZZ_CHECK(!vcpu.arch.debug.active || was_active);
	dbg_hw_set_mdscr(0);
	dbg_hw_trap(true);
	debug_vcpu_load(&vcpu);
	if (vcpu.arch.debug.active)
		for (unsigned r = DBG_BCR0; r < DBG_MDCCINT; r++)
			if (r < DBG_WVR0 || r >= DBG_WCR0)
				FUZZ_CHECK(!(fake_dbg.reg[r] & (1u << 13)));
	check_debug();
}

/* core/exit.c's sysreg_access(): the hook, else the table. */
static enum sysreg_result dispatch(const struct exit_info *e)
{
	const struct sysreg_hook *h = sysreg_hook_find(e->u.sysreg.enc);
	u64 val;

	if (!h)
		return sysreg_emulate(&vcpu, e);
	FUZZ_CHECK(is_timer(e->u.sysreg.enc)); /* the only device here */
	if (e->u.sysreg.read) {
		if (!h->read || !h->read(&vcpu, &val))
			return SYSREG_UNDEF;
		vcpu_set_reg(&vcpu, e->u.sysreg.rt, val);
		return SYSREG_DONE;
	}
	return h->write && h->write(&vcpu, vcpu_get_reg(&vcpu, e->u.sysreg.rt)) ? SYSREG_DONE : SYSREG_UNDEF;
}

static void access(struct fuzz_input *in, uint8_t op)
{
	u32 iss, enc;
	struct exit_info e;
	struct gp_regs before;
	unsigned p = pieces;
	u64 cval = ptimer_of(&vcpu)->cval, setway_off = vcpu.setway_off;
	enum sysreg_result res;
	u64 val;
	bool rd;

	if (op & 1)
		iss = fuzz_u32(in) & 0x3FFFFF;
	else
		iss = iss_of(table[fuzz_u8(in) % (sizeof(table) / sizeof(table[0]))], fuzz_u8(in) & 31,
			     op & 2);
	FUZZ_CHECK(esr_decode((u64)EC_SYS64 << 26 | ESR_IL | iss, 0, 0, &e) == EXIT_SYSREG);
	enc = e.u.sysreg.enc;
	rd = e.u.sysreg.read;
	val = (op & 4) ? fuzz_u64(in) : fuzz_u8(in);
	if (e.u.sysreg.rt < 31)
		vcpu.arch.regs.x[e.u.sysreg.rt] = val;
	else
		val = 0;
	before = vcpu.arch.regs;

	res = dispatch(&e);
	check_pmu();
	for (unsigned i = 0; i < 31; i++)
		if (i != e.u.sysreg.rt || !rd || res != SYSREG_DONE)
			FUZZ_CHECK(vcpu.arch.regs.x[i] == before.x[i]);
	/* A set/way walk's first operand cleans one piece per exit and re-executes until done. */
	if (is_set_way(enc) && !rd && val == 0) {
		FUZZ_CHECK(pieces == p + 1);
		FUZZ_CHECK(res == (setway_off + 1 < 3 ? SYSREG_AGAIN : SYSREG_DONE));
	} else {
		FUZZ_CHECK(pieces == p);
		FUZZ_CHECK(res == SYSREG_DONE || res == SYSREG_UNDEF);
	}
	if (is_set_way(enc) && rd)
		FUZZ_CHECK(res == SYSREG_UNDEF);
	/* The SGI registers are the vGIC's, not linked here: the architectural table does not have them. */
	if (enc == SYS_ICC_SGI1R_EL1 || enc == SYS_ICC_ASGI1R_EL1 || enc == SYS_ICC_SGI0R_EL1)
		FUZZ_CHECK(res == SYSREG_UNDEF);
	if (e.u.sysreg.op0 == 3 && e.u.sysreg.op1 == 0 && e.u.sysreg.crn == 0 && e.u.sysreg.crm >= 1 &&
	    e.u.sysreg.crm <= 7) {
		FUZZ_CHECK(res == (rd ? SYSREG_DONE : SYSREG_UNDEF));
		if (rd && e.u.sysreg.rt < 31)
			FUZZ_CHECK(vcpu.arch.regs.x[e.u.sysreg.rt] == id_reg_guest_value(enc));
	}
	if (is_timer(enc)) {
		struct ptimer *t = ptimer_of(&vcpu);
		FUZZ_CHECK(res == SYSREG_DONE);
		if (rd && e.u.sysreg.rt < 31) {
			u64 got = vcpu.arch.regs.x[e.u.sysreg.rt];
			if (enc == SYS_CNTP_TVAL_EL0)
				FUZZ_CHECK(got == (u32)(t->cval - arch_fake.now));
			else if (enc == SYS_CNTP_CVAL_EL0)
				FUZZ_CHECK(got == t->cval);
			else
				FUZZ_CHECK(got ==
					   (t->ctl |
					    ((t->ctl & CNT_CTL_ENABLE) && arch_fake.now >= t->cval
						     ? CNT_CTL_ISTATUS
						     : 0)));
		}
		if (!rd && enc == SYS_CNTP_TVAL_EL0)
			FUZZ_CHECK(t->cval == arch_fake.now + (u64)(s64)(s32)val);
		else if (!rd && enc == SYS_CNTP_CVAL_EL0)
			FUZZ_CHECK(t->cval == val);
		else
			FUZZ_CHECK(t->cval == cval);
		if (!rd && enc == SYS_CNTP_CTL_EL0)
			FUZZ_CHECK(t->ctl == (val & (CNT_CTL_ENABLE | CNT_CTL_IMASK)));
	}
	check_timer();
	check_debug();
}

/* Each 4-bit ID field of the result is at most the hardware's: nothing is made up. */
static void sanitize(struct fuzz_input *in)
{
	u32 enc = SYSREG_ENC(3, 0, 0, 1 + fuzz_u8(in) % 7, fuzz_u8(in) & 7);
	u64 hw = fuzz_u64(in), out = id_reg_sanitize(enc, hw);

	for (unsigned sh = 0; sh < 64; sh += 4)
		FUZZ_CHECK(((out >> sh) & 0xF) <= ((hw >> sh) & 0xF));
	FUZZ_CHECK(id_reg_sanitize(enc, out) == out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sysreg_hooks_init(); /* what boot does: index the device hooks */
	struct fuzz_input in = fuzz_input(data, size);
	char err[80];

	arch_fake_reset(1, 4);
	fake_pmu_reset();
	arch_fake_id_regs[5][0] = 0x10305106; /* ID_AA64DFR0_EL1 of QEMU's cortex-a57: PMUv3, 6 breakpoints */
	id_regs_init();
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	vm.irqchip = &rec_chip;
	vm.nr_vcpus = 1;
	vm.vcpus[0] = &vcpu;
	vcpu.vm = &vm;
	FUZZ_CHECK(vdev_create(&vm, "arm-ptimer", err, sizeof(err)) == 0);
	pieces = 0;
	line = line_set = false;
	arch_fake.now = fuzz_u64(&in);
	id_regs_set_ipa_parange(fuzz_u8(&in) % 7);
	while (in.left) {
		uint8_t op = fuzz_u8(&in);

		switch (op >> 6) {
		case 0:
			/* Time passes (the 64-bit counter does not wrap); the CPU's deadlines that are due run. */
			arch_fake.now = __builtin_add_overflow(arch_fake.now, fuzz_u16(&in), &arch_fake.now)
				? ~0ULL
				: arch_fake.now;
			deadline_run(vcpu.pcpu, arch_fake.now);
			check_timer();
			break;
		case 1:
			if (op & 1)
				switch_out_and_in();
			else
				sanitize(&in);
			break;
		default:
			access(&in, op);
			break;
		}
	}
	return 0;
}
