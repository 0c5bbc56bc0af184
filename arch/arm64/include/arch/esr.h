/*
 * ESR_EL2 decoding: one pass turns the syndrome of a guest exit into a small
 * record that the rest of hyparm reads, so no handler re-parses bit fields.
 * Pure logic (no system-register access): unit-tested on the host.
 */
#ifndef ARCH_ESR_H
#define ARCH_ESR_H

#include <hyparm/types.h>

/* Exception classes (ESR_ELx.EC) hyparm handles or reports. */
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_CP15_32 0x03
#define EC_CP15_64 0x04
#define EC_CP14_MR 0x05
#define EC_CP14_LS 0x06
#define EC_FP_ASIMD 0x07
#define EC_CP10_ID 0x08
#define EC_PAC 0x09
#define EC_CP14_64 0x0C
#define EC_ILL 0x0E
#define EC_SVC32 0x11
#define EC_HVC32 0x12
#define EC_SMC32 0x13
#define EC_SVC64 0x15
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYS64 0x18
#define EC_SVE 0x19
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25
#define EC_SP_ALIGN 0x26
#define EC_FP32 0x28
#define EC_FP64 0x2C
#define EC_SERROR 0x2F
#define EC_BREAKPT_LOW 0x30
#define EC_SOFTSTP_LOW 0x32
#define EC_WATCHPT_LOW 0x34
#define EC_BRK64 0x3C
#define EC_MAX 0x3F

#define ESR_EC_SHIFT 26
#define ESR_IL (1u << 25)
#define ESR_ISS_MASK 0x1FFFFFFu

static inline unsigned esr_ec(u64 esr)
{
	return (esr >> ESR_EC_SHIFT) & 0x3F;
}
static inline u32 esr_iss(u64 esr)
{
	return esr & ESR_ISS_MASK;
}

/* Fault status codes (DFSC/IFSC) groups. */
#define FSC_TYPE_MASK 0x3C
#define FSC_TRANS 0x04 /* translation fault, level in bits [1:0] */
#define FSC_ACCESS 0x08 /* access flag fault */
#define FSC_PERM 0x0C /* permission fault */
#define FSC_SEA 0x10 /* synchronous external abort */

/* System register encoding as used in ESR ISS for EC_SYS64 and in MRS/MSR. */
#define SYSREG_ENC(op0, op1, crn, crm, op2) \
	(((u32)(op0) << 19) | ((u32)(op1) << 16) | ((u32)(crn) << 12) | ((u32)(crm) << 8) | ((u32)(op2) << 5))

/*
 * A trapped MRS/MSR's ISS (EC_SYS64): op0 [21:20], op2 [19:17], op1
 * [16:14], CRn [13:10], Rt [9:5], CRm [4:1], direction [0] (1 = read).
 */
#define SYSREG_ISS_READ 1u
static inline u32 sysreg_iss_enc(u32 iss)
{
	return SYSREG_ENC((iss >> 20) & 0x3, (iss >> 14) & 0x7, (iss >> 10) & 0xF, (iss >> 1) & 0xF,
			  (iss >> 17) & 0x7);
}

static inline unsigned sysreg_iss_rt(u32 iss)
{
	return (iss >> 5) & 0x1F;
}

enum exit_kind {
	EXIT_UNKNOWN = 0, /* EC hyparm does not handle: inject UNDEF */
	EXIT_WFX,
	EXIT_HVC,
	EXIT_SMC,
	EXIT_SYSREG,
	EXIT_DABT, /* stage-2 data abort from the guest */
	EXIT_IABT, /* stage-2 instruction abort from the guest */
	EXIT_FP, /* first use of lazily switched state: SVE (CPTR_EL2.TZ), a PAC instruction (HCR_EL2.API) */
	EXIT_OTHER, /* a valid EC with nothing to emulate (debug, illegal state...) */
	EXIT_IRQ, /* not from ESR: a physical interrupt (statistics only) */
	EXIT_KIND_COUNT,
};

struct exit_info {
	u64 esr;
	unsigned ec;
	u32 iss;
	bool il32; /* trapped instruction was 32-bit (always for AArch64) */
	enum exit_kind kind;
	union {
		struct {
			bool is_wfe;
		} wfx;
		struct {
			u16 imm; /* HVC/SMC immediate */
		} call;
		struct {
			u32 enc; /* SYSREG_ENC(op0..op2) */
			u8 op0, op1, crn, crm, op2;
			u8 rt; /* general register 0..30, 31 = XZR */
			bool read; /* MRS */
		} sysreg;
		struct {
			ipa_t ipa; /* faulting IPA (HPFAR page + FAR page offset) */
			u64 far; /* guest VA */
			bool isv; /* syndrome below is valid */
			u8 size; /* access size in bytes: 1, 2, 4, 8 */
			bool sign_extend;
			u8 rt; /* register transferred, 31 = XZR/WZR */
			bool sf; /* 64-bit register */
			bool write;
			bool s1ptw; /* fault on a stage-1 table walk */
			bool cm; /* cache maintenance */
			u8 fsc; /* fault status code */
		} abort;
	} u;
};

/*
 * Decode an exit from a lower EL. far and hpfar are FAR_EL2 and HPFAR_EL2
 * as read at the exit (only used for aborts). Returns the kind, also stored
 * in out->kind.
 */
enum exit_kind esr_decode(u64 esr, u64 far, u64 hpfar, struct exit_info *out);

/* Short name of an exception class for fault dumps ("DABT_LOW", ...). */
const char *esr_ec_name(unsigned ec);

#endif
