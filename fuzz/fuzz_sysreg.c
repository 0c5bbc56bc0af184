/*
 * Trapped system-register accesses: random ISS encodings (decoded by
 * esr_decode, as on a real EC_SYS64 exit) and register values, in
 * sequences on one vCPU. Checks: only the target register of a read
 * changes, XZR stays zero, writes never touch the general registers,
 * ID registers refuse writes and read the sanitised value, set/way flushes
 * only on the first operand of a walk, SGIs only from writes, the physical
 * timer's interrupt line follows ENABLE, IMASK and CVAL against the
 * counter. id_reg_sanitize is checked on random values too: it never
 * advertises more than the hardware has and is idempotent.
 * The fakes are those of tests/unit/test_sysreg_emul.c.
 */
#include <string.h>
#include <arch/esr.h>
#include <arch/sysreg_emul.h>
#include <hyparm/vm.h>
#include <vdev/vtimer.h>
#include "input.h"

static struct vm vm;
static struct vcpu vcpu;
static unsigned flushes, sgis;
static u64 last_sgi, now;
static bool line, line_set;

void vm_dcache_clean_inval(struct vm *m) { FUZZ_CHECK(m == &vm); flushes++; }
void vgic_send_sgi(struct vcpu *src, u64 sgi1r) { FUZZ_CHECK(src == &vcpu); last_sgi = sgi1r; sgis++; }
u64 arch_counter_now(void) { return now; }
void vgic_set_line(struct vm *m, struct vcpu *v, unsigned intid, bool level)
{
	FUZZ_CHECK(m == &vm && v == &vcpu && intid == PTIMER_INTID);
	line = level;
	line_set = true;
}

/* Encodings hyparm emulates, so random ISS values reach every table entry. */
static const u32 table[] = {
	SYS_ACTLR_EL1, SYS_AIDR_EL1, SYS_REVIDR_EL1, SYS_MDSCR_EL1, SYS_MDCCINT_EL1, SYS_MDRAR_EL1,
	SYS_OSLAR_EL1, SYS_OSLSR_EL1, SYS_OSDLR_EL1, SYS_DBGPRCR_EL1, SYS_DBGCLAIMSET_EL1,
	SYS_DBGCLAIMCLR_EL1, SYS_DBGAUTHSTATUS_EL1, SYS_MDCCSR_EL0, SYS_DC_ISW, SYS_DC_CSW, SYS_DC_CISW,
	SYS_ICC_SGI1R_EL1, SYS_ICC_ASGI1R_EL1, SYS_ICC_SGI0R_EL1, SYS_CNTP_CTL_EL0, SYS_CNTP_TVAL_EL0,
	SYS_CNTP_CVAL_EL0, SYS_ID_AA64PFR0_EL1, SYS_ID_AA64MMFR0_EL1, SYSREG_ENC(2, 0, 0, 5, 4),
};

/* SYSREG_ENC places op0 at bit 19; the ISS wants it at 20 (and op2 at 17, op1 at 14, CRn at 10, CRm at 1). */
static u32 iss_of(u32 enc, unsigned rt, bool read)
{
	unsigned op0 = (enc >> 19) & 3, op1 = (enc >> 16) & 7, crn = (enc >> 12) & 0xF,
		 crm = (enc >> 8) & 0xF, op2 = (enc >> 5) & 7;
	return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 | read;
}

static void check_timer_line(void)
{
	u32 ctl = vcpu.ptimer.ctl;
	bool want = (ctl & CNT_CTL_ENABLE) && !(ctl & CNT_CTL_IMASK) && now >= vcpu.ptimer.cval;

	FUZZ_CHECK(line_set && line == want);
	/* The scheduler arms its timer on the deadline: one must exist while the line can still rise. */
	if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE)
		FUZZ_CHECK(ptimer_deadline(&vcpu) != 0);
}

static void access(struct fuzz_input *in, uint8_t op)
{
	u32 iss;
	struct exit_info e;
	struct gp_regs before;
	unsigned f = flushes, s = sgis;
	enum sysreg_result res;
	u64 val;

	if (op & 1)
		iss = fuzz_u32(in) & 0x3FFFFF;
	else
		iss = iss_of(table[fuzz_u8(in) % (sizeof(table) / sizeof(table[0]))], fuzz_u8(in) & 31,
			     op & 2);
	FUZZ_CHECK(esr_decode((u64)EC_SYS64 << 26 | ESR_IL | iss, 0, 0, &e) == EXIT_SYSREG);
	val = (op & 4) ? fuzz_u64(in) : fuzz_u8(in);
	if (e.u.sysreg.rt < 31)
		vcpu.arch.regs.x[e.u.sysreg.rt] = val;
	line_set = false;
	before = vcpu.arch.regs;

	res = sysreg_emulate(&vcpu, &e);
	FUZZ_CHECK(res == SYSREG_DONE || res == SYSREG_UNDEF);
	for (unsigned i = 0; i < 31; i++)
		if (i != e.u.sysreg.rt || !e.u.sysreg.read || res != SYSREG_DONE)
			FUZZ_CHECK(vcpu.arch.regs.x[i] == before.x[i]);
	FUZZ_CHECK(flushes == f + (res == SYSREG_DONE && !e.u.sysreg.read && val == 0 && e.u.sysreg.rt < 31 &&
				   (e.u.sysreg.enc == SYS_DC_ISW || e.u.sysreg.enc == SYS_DC_CSW ||
				    e.u.sysreg.enc == SYS_DC_CISW)) +
			       (res == SYSREG_DONE && !e.u.sysreg.read && e.u.sysreg.rt == 31 &&
				(e.u.sysreg.enc == SYS_DC_ISW || e.u.sysreg.enc == SYS_DC_CSW ||
				 e.u.sysreg.enc == SYS_DC_CISW)));
	if (sgis != s)
		FUZZ_CHECK(!e.u.sysreg.read && last_sgi == (e.u.sysreg.rt < 31 ? val : 0));
	if (e.u.sysreg.op0 == 3 && e.u.sysreg.op1 == 0 && e.u.sysreg.crn == 0 && e.u.sysreg.crm >= 1 &&
	    e.u.sysreg.crm <= 7) {
		FUZZ_CHECK(res == (e.u.sysreg.read ? SYSREG_DONE : SYSREG_UNDEF));
		if (e.u.sysreg.read && e.u.sysreg.rt < 31)
			FUZZ_CHECK(vcpu.arch.regs.x[e.u.sysreg.rt] == id_reg_guest_value(e.u.sysreg.enc));
	}
	if (e.u.sysreg.enc == SYS_CNTP_CTL_EL0 || e.u.sysreg.enc == SYS_CNTP_TVAL_EL0 ||
	    e.u.sysreg.enc == SYS_CNTP_CVAL_EL0) {
		FUZZ_CHECK(res == SYSREG_DONE);
		if (!e.u.sysreg.read)
			check_timer_line();
	}
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
	struct fuzz_input in = fuzz_input(data, size);

	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.vm = &vm;
	flushes = sgis = 0;
	now = fuzz_u64(&in);
	id_regs_set_ipa_parange(fuzz_u8(&in) % 7);
	while (in.left) {
		uint8_t op = fuzz_u8(&in);

		switch (op >> 6) {
		case 0:
			now += fuzz_u16(&in);  /* time passes */
			break;
		case 1:
			sanitize(&in);
			break;
		default:
			access(&in, op);
			break;
		}
	}
	return 0;
}
