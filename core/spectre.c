/*
 * The Spectre answers guests get (see hyparm/spectre.h), as KVM 6.1 gives
 * them: Linux decides a state per issue (unaffected, mitigated,
 * vulnerable) from the CPU's ID registers, lists of CPU models and the
 * firmware's answers, and KVM reports that state (vulnerable:
 * NOT_SUPPORTED). The lists are Linux 6.1's, by MIDR implementer and part.
 *
 * Where KVM's state "mitigated" means its exit path does the work on every
 * exit (the firmware call, the branch-history loop), hyparm does it when
 * the guest calls the workaround: a guest asks for it where it needs it.
 */
#include <hyparm/smccc.h>
#include <hyparm/spectre.h>

enum state { UNAFFECTED, MITIGATED, VULNERABLE };

/* MIDR implementer and part number: what MIDR_ALL_VERSIONS compares. */
#define MODEL(impl, part) ((u32)(impl) << 24 | (u32)(part) << 4)
#define MODEL_MASK 0xFF00FFF0u
#define ARM(part) MODEL(0x41, part)
#define CORTEX_A35 ARM(0xD04)
#define CORTEX_A53 ARM(0xD03)
#define CORTEX_A55 ARM(0xD05)
#define CORTEX_A57 ARM(0xD07)
#define CORTEX_A72 ARM(0xD08)
#define CORTEX_A73 ARM(0xD09)
#define CORTEX_A75 ARM(0xD0A)
#define CORTEX_A76 ARM(0xD0B)
#define NEOVERSE_N1 ARM(0xD0C)
#define CORTEX_A77 ARM(0xD0D)
#define NEOVERSE_V1 ARM(0xD40)
#define CORTEX_A78 ARM(0xD41)
#define CORTEX_A78AE ARM(0xD42)
#define CORTEX_X1 ARM(0xD44)
#define CORTEX_A710 ARM(0xD47)
#define CORTEX_X2 ARM(0xD48)
#define NEOVERSE_N2 ARM(0xD49)
#define CORTEX_A78C ARM(0xD4B)
#define BRAHMA_B53 MODEL(0x42, 0x100)
#define HISI_TSV110 MODEL(0x48, 0xD01)
#define KRYO_2XX_SILVER MODEL(0x51, 0x801)
#define KRYO_3XX_SILVER MODEL(0x51, 0x803)
#define KRYO_4XX_SILVER MODEL(0x51, 0x805)
#define AMPERE1 MODEL(0xC0, 0xAC3)

static bool in_list(u32 midr, const u32 *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if ((midr & MODEL_MASK) == list[i])
			return true;
	return false;
}
#define IN(midr, list) in_list(midr, list, sizeof(list) / sizeof(list[0]))

/* Spectre-v2 (branch target injection): WORKAROUND_1. */
static enum state v2_state(const struct spectre_cpu *c)
{
	static const u32 safe[] = { CORTEX_A35,	 CORTEX_A53,	  CORTEX_A55,	   BRAHMA_B53,
				    HISI_TSV110, KRYO_2XX_SILVER, KRYO_3XX_SILVER, KRYO_4XX_SILVER };

	if (c->csv2 || IN(c->midr, safe))
		return UNAFFECTED;
	switch (c->fw[SPECTRE_WA1]) {
	case SMCCC_RET_SUCCESS:
		return MITIGATED;
	case SPECTRE_RET_UNAFFECTED:
		return UNAFFECTED;
	default: /* NOT_REQUIRED is not an answer WORKAROUND_1 has: Linux calls it vulnerable */
		return VULNERABLE;
	}
}

/* Spectre-v4 (speculative store bypass): WORKAROUND_2. */
static enum state v4_state(const struct spectre_cpu *c)
{
	static const u32 safe[] = { CORTEX_A35, CORTEX_A53,	 CORTEX_A55,
				    BRAHMA_B53, KRYO_3XX_SILVER, KRYO_4XX_SILVER };

	if (IN(c->midr, safe))
		return UNAFFECTED;
	if (c->ssbs)
		return MITIGATED;
	switch (c->fw[SPECTRE_WA2]) {
	case SMCCC_RET_SUCCESS:
		return MITIGATED;
	case SPECTRE_RET_UNAFFECTED:
	case SMCCC_RET_NOT_REQUIRED:
		return UNAFFECTED;
	default:
		return VULNERABLE;
	}
}

/* Spectre-BHB: how many taken branches overwrite this CPU's branch history (0: not one of these). */
static u8 bhb_loop(u32 midr)
{
	static const u32 k32[] = { CORTEX_A78,	CORTEX_A78AE, CORTEX_A78C, CORTEX_X1,
				   CORTEX_A710, CORTEX_X2,    NEOVERSE_N2, NEOVERSE_V1 };
	static const u32 k24[] = { CORTEX_A76, CORTEX_A77, NEOVERSE_N1 };
	static const u32 k11[] = { AMPERE1 };
	static const u32 k8[] = { CORTEX_A72, CORTEX_A57 };

	return IN(midr, k32) ? 32 : IN(midr, k24) ? 24 : IN(midr, k11) ? 11 : IN(midr, k8) ? 8 : 0;
}

/* Spectre-BHB (branch history injection): WORKAROUND_3, and what a call of it does. */
static enum state bhb_state(const struct spectre_cpu *c, struct spectre_guest *g)
{
	static const u32 fw_mitigated[] = { CORTEX_A73, CORTEX_A75 };
	bool fw_affected = IN(c->midr, fw_mitigated) || c->fw[SPECTRE_WA3] == SMCCC_RET_SUCCESS;
	u8 k = bhb_loop(c->midr);

	/* CSV2 = 3 (FEAT_CSV2_3): branch history cannot steer another context. */
	if (c->csv2 == 3 || !(c->clrbhb || k || fw_affected))
		return UNAFFECTED;
	/* Linux does not mitigate BHB alone on a CPU left open to Spectre-v2. */
	if (v2_state(c) == VULNERABLE)
		return VULNERABLE;
	if (c->ecbhb)
		return MITIGATED; /* the exception that brings the call to EL2 cleared the history */
	if (c->clrbhb) {
		g->wa3_clrbhb = true;
		return MITIGATED;
	}
	if (k) {
		g->wa3_loop = k;
		return MITIGATED;
	}
	if (c->fw[SPECTRE_WA3] == SMCCC_RET_SUCCESS) {
		g->wa3_fw = true;
		return MITIGATED;
	}
	return VULNERABLE;
}

void spectre_guest_decide(const struct spectre_cpu *c, struct spectre_guest *g)
{
	enum state v2 = v2_state(c), v4 = v4_state(c);

	*g = (struct spectre_guest){ 0 };
	enum state bhb = bhb_state(c, g);

	g->features[SPECTRE_WA1] = v2 == MITIGATED ? SMCCC_RET_SUCCESS
		: v2 == UNAFFECTED		   ? SPECTRE_RET_UNAFFECTED
						   : SMCCC_RET_NOT_SUPPORTED;
	g->wa1_fw = v2 == MITIGATED;
	/*
	 * Mitigated by SSBS: NOT_SUPPORTED, the guest sees SSBS and uses it.
	 * Mitigated by the firmware: hyparm switched it on for good at boot
	 * (core/mitigations_init.c), so NOT_REQUIRED, and no guest call ever
	 * reaches the firmware (it could switch it off for a shared CPU).
	 */
	g->features[SPECTRE_WA2] = v4 == UNAFFECTED || (v4 == MITIGATED && !c->ssbs)
		? SMCCC_RET_NOT_REQUIRED
		: SMCCC_RET_NOT_SUPPORTED;
	g->features[SPECTRE_WA3] = bhb == MITIGATED ? SMCCC_RET_SUCCESS
		: bhb == UNAFFECTED		    ? SPECTRE_RET_UNAFFECTED
						    : SMCCC_RET_NOT_SUPPORTED;
}
