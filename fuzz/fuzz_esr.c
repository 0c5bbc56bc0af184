/*
 * esr_decode on arbitrary ESR_EL2/FAR_EL2/HPFAR_EL2 triples: every exit a
 * guest can cause goes through it first. Checks that the decoded record is
 * a faithful view of the syndrome: re-encoding the fields gives the ISS
 * back, sizes and registers are in range, the IPA keeps FAR's page offset.
 */
#include <string.h>
#include <arch/esr.h>
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = fuzz_input(data, size);
	u64 esr = fuzz_u64(&in), far = fuzz_u64(&in), hpfar = fuzz_u64(&in);
	struct exit_info e;
	enum exit_kind kind;

	memset(&e, 0xA5, sizeof(e));
	kind = esr_decode(esr, far, hpfar, &e);
	FUZZ_CHECK(kind == e.kind && kind < EXIT_KIND_COUNT && kind != EXIT_IRQ);
	FUZZ_CHECK(e.esr == esr && e.ec == ((esr >> 26) & 0x3F) && e.iss == (esr & 0x1FFFFFF));
	FUZZ_CHECK(e.il32 == !!(esr & ESR_IL));
	FUZZ_CHECK(esr_ec_name(e.ec) != NULL);

	switch (kind) {
	case EXIT_WFX:
		FUZZ_CHECK(e.u.wfx.is_wfe == (e.iss & 1));
		break;
	case EXIT_HVC:
	case EXIT_SMC:
		FUZZ_CHECK(e.u.call.imm == (e.iss & 0xFFFF));
		break;
	case EXIT_SYSREG: {
		u32 back = (u32)e.u.sysreg.op0 << 20 | (u32)e.u.sysreg.op2 << 17 | (u32)e.u.sysreg.op1 << 14 |
			(u32)e.u.sysreg.crn << 10 | (u32)e.u.sysreg.rt << 5 | (u32)e.u.sysreg.crm << 1 |
			e.u.sysreg.read;
		FUZZ_CHECK(back == (e.iss & 0x3FFFFF));
		FUZZ_CHECK(e.u.sysreg.enc ==
			   SYSREG_ENC(e.u.sysreg.op0, e.u.sysreg.op1, e.u.sysreg.crn, e.u.sysreg.crm,
				      e.u.sysreg.op2));
		break;
	}
	case EXIT_DABT:
	case EXIT_IABT:
		FUZZ_CHECK(e.u.abort.size == 1 || e.u.abort.size == 2 || e.u.abort.size == 4 ||
			   e.u.abort.size == 8);
		FUZZ_CHECK(e.u.abort.rt <= 31 && e.u.abort.fsc <= 0x3F);
		FUZZ_CHECK(e.u.abort.far == far);
		FUZZ_CHECK((e.u.abort.ipa & 0xFFF) == (far & 0xFFF));
		/* An IPA is at most 52 bits, whatever the RES0 bits of HPFAR_EL2 hold. */
		FUZZ_CHECK(e.u.abort.ipa >> 52 == 0);
		if (kind == EXIT_IABT)
			FUZZ_CHECK(!e.u.abort.isv && !e.u.abort.write);
		break;
	default:
		break;
	}
	return 0;
}
