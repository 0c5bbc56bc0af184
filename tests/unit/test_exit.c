/*
 * Exit dispatch (core/exit.c) on the arch fake: the handler for each exit
 * kind, what it does to ELR and the guest's registers, and what it asks
 * of the scheduler. The fake's exception injection sends the guest to
 * 0x400 and refuses the same vector twice in a row, as inject.c does.
 * The scheduler, SMCCC and the architectural system-register table are
 * recording stubs here. Each test names the bug it catches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/fake.h>
#include <arch/sysreg_emul.h>
#include <hyparm/errno.h>
#include <hyparm/exit.h>
#include <hyparm/irq.h>
#include <hyparm/irqchip.h>
#include <hyparm/mmio.h>
#include <hyparm/sched.h>
#include <hyparm/smccc.h>
#include <hyparm/sysreg_hook.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>

#define VECTOR 0x400 /* where arch/host/fake_inject.c sends the guest */
#define PC 0x80001000ULL

static struct vm vm;
static struct vcpu vcpu;

/* ---- what exit.c calls, recorded ---- */
static enum exit_action last_action;
static int after_exits, crashes, powered_off, resets, vcpu_offs, prints;
static int smccc_calls, emulate_calls, syncs, hook_reads, hook_writes;
static u64 *smccc_regs, hook_written;
static enum smccc_action smccc_result;
static enum sysreg_result emulate_result;

/* The scheduler's slow path: setup() sets need_resched, so every exit ends here and its action is seen. */
struct vcpu *sched_switch(struct vcpu *v, enum exit_action a)
{
	after_exits++;
	last_action = a;
	return v;
}
bool sched_rearm(struct pcpu *p, struct vcpu *v)
{
	return false;
}
static char crash_why[400];
void vm_crash(struct vm *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(crash_why, sizeof(crash_why), fmt, ap);
	va_end(ap);
	crashes++;
}
void vm_power_off(struct vm *m)
{
	powered_off++;
}
void vm_reset(struct vm *m)
{
	resets++;
}
void vcpu_power_off(struct vcpu *v)
{
	vcpu_offs++;
}
void hv_printf(const char *fmt, ...)
{
	prints++;
}
void vcpu_kick(struct vcpu *v)
{
}

enum smccc_action smccc_dispatch(struct vcpu *v, u64 regs[18])
{
	smccc_calls++;
	smccc_regs = regs;
	return smccc_result;
}

/* The fast paths' halves outside exit.c (tested against the full paths in test_psci, test_sysreg_emul). */
static bool smccc_fast_result;
static int smccc_fast_calls, id_fast_reads;
static u32 id_fast_iss;
bool smccc_fast(u64 regs[18])
{
	smccc_fast_calls++;
	if (smccc_fast_result)
		regs[0] = (u64)SMCCC_RET_NOT_SUPPORTED;
	return smccc_fast_result;
}
void sysreg_fast_id_read(struct vcpu *v, u32 iss)
{
	id_fast_reads++;
	id_fast_iss = iss;
	vcpu_set_reg(v, (iss >> 5) & 0x1F, 0x1d);
}

enum sysreg_result sysreg_emulate(struct vcpu *v, const struct exit_info *e)
{
	emulate_calls++;
	return emulate_result;
}

/* A device's system register, in the hooks section as a device would put it. */
#define SYS_TEST_HOOKED SYSREG_ENC(3, 7, 15, 15, 6) /* IMPLEMENTATION DEFINED space: nobody else's */
#define SYS_TEST_READ_ONLY SYSREG_ENC(3, 7, 15, 15, 7)
static bool hook_rd(struct vcpu *v, u64 *val)
{
	hook_reads++;
	*val = 0x1234;
	return true;
}
static bool hook_wr(struct vcpu *v, u64 val)
{
	hook_writes++;
	hook_written = val;
	return true;
}
SYSREG_HOOK(test_hooked, SYS_TEST_HOOKED, hook_rd, hook_wr);
SYSREG_HOOK(test_read_only, SYS_TEST_READ_ONLY, hook_rd, NULL);
#define SYS_TEST_RETRY SYSREG_ENC(3, 7, 15, 15, 5)
static int hook_retries;
static void hook_retry(struct vcpu *v)
{
	hook_retries++;
}
SYSREG_HOOK_RETRY(test_retry, SYS_TEST_RETRY, hook_retry);
#define SYS_TEST_FAST SYSREG_ENC(3, 7, 15, 15, 4)
static int fast_writes;
static u64 fast_written;
static bool hook_fast_wr(struct vcpu *v, u64 val)
{
	fast_writes++;
	fast_written = val;
	return true;
}
SYSREG_HOOK_FAST_WRITE(test_fast, SYS_TEST_FAST, hook_fast_wr);

/* An irqchip that counts syncs. */
static void chip_sync(struct vcpu *v)
{
	syncs++;
}
static const struct irqchip_ops chip = { .sync = chip_sync };

/* A device: records the last access; reads answer dev_value, or fail. */
static u64 dev_value, dev_written, dev_off;
static unsigned dev_size;
static int dev_reads, dev_writes, dev_error;
static int dev_read(void *d, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	dev_reads++;
	dev_off = off;
	dev_size = size;
	*val = dev_value;
	return dev_error;
}
static int dev_write(void *d, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	dev_writes++;
	dev_off = off;
	dev_size = size;
	dev_written = val;
	return dev_error;
}
static const struct mmio_ops dev_ops = { dev_read, dev_write };
#define DEV_BASE 0x09000000ULL
#define DEV_SIZE 0x1000ULL

static int setup(void **state)
{
	sysreg_hooks_init(); /* what boot does: index the hooks */
	arch_fake_reset(1, 4);
	pcpus[0].need_resched = true;
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	strcpy(vm.name, "test");
	vm.irqchip = &chip;
	vm.nr_vcpus = 1;
	vm.vcpus[0] = &vcpu;
	vcpu.vm = &vm;
	vcpu.arch.regs.elr = PC;
	assert_int_equal(mmio_bus_add(&vm.mmio, DEV_BASE, DEV_SIZE, &dev_ops, NULL, "testdev"), HV_OK);
	after_exits = crashes = powered_off = resets = vcpu_offs = prints = 0;
	smccc_calls = emulate_calls = syncs = hook_reads = hook_writes = 0;
	dev_reads = dev_writes = dev_error = 0;
	smccc_result = SMCCC_RESUME;
	emulate_result = SYSREG_DONE;
	smccc_fast_result = false;
	smccc_fast_calls = id_fast_reads = fast_writes = 0;
	last_action = -1;
	return 0;
}

static enum exit_action run_exit(struct exit_info *e)
{
	e->il32 = true;
	assert_ptr_equal((arch_fake.next_exit = e, handle_guest_sync(&vcpu)), &vcpu);
	return last_action;
}

/*
 * Every kind has a handler (a hole in the table is a NULL call in EL2);
 * unknown and "other" exits make the guest take UNDEFINED, and so does an
 * FP one (SVE or PAC first use) that the arch has nothing to make live for
 * (the fake is a CPU without SVE and pointer authentication).
 */
static void every_exit_kind_has_a_handler(void **state)
{
	for (unsigned k = 0; k < EXIT_KIND_COUNT; k++) {
		struct exit_info e = { .kind = k };
		setup(state);
		run_exit(&e);
		assert_int_equal(after_exits, 1);
		assert_int_equal(vcpu.exits[k], 1);
	}
	static const enum exit_kind undef[] = { EXIT_UNKNOWN, EXIT_FP, EXIT_OTHER };
	for (unsigned i = 0; i < 3; i++) {
		struct exit_info e = { .kind = undef[i] };
		setup(state);
		assert_int_equal(run_exit(&e), ACT_RESUME);
		assert_int_equal(vcpu.arch.regs.elr, VECTOR);
		assert_int_equal(crashes, 0);
	}
}

/*
 * SVE or a PAC instruction trapped before the vCPU used it: where the arch
 * makes the state live the same instruction runs again (ELR unchanged, no
 * injection); where the CPU lacks the feature the guest takes UNDEFINED.
 */
static void first_use_exits_run_the_instruction_again_or_undef(void **state)
{
	struct exit_info e = { .kind = EXIT_FP, .ec = EC_SVE };

	arch_fake.has_lazy_state = true;
	assert_int_equal(run_exit(&e), ACT_RESUME);
	assert_int_equal(arch_fake.first_uses, 1);
	assert_int_equal(vcpu.arch.regs.elr, PC);
	assert_int_equal(vcpu.exits[EXIT_FP], 1);
	e.ec = EC_PAC;
	assert_int_equal(run_exit(&e), ACT_RESUME);
	assert_int_equal(vcpu.arch.regs.elr, PC);
	arch_fake.has_lazy_state = false;
	assert_int_equal(run_exit(&e), ACT_RESUME);
	assert_int_equal(arch_fake.first_uses, 3);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);
	assert_int_equal(crashes, 0);
}

/* A trapped SMC leaves ELR at the SMC, an HVC past it: skipping for HVC would skip a guest instruction. */
static void hvc_and_smc_go_to_smccc(void **state)
{
	struct exit_info hvc = { .kind = EXIT_HVC }, smc = { .kind = EXIT_SMC };

	assert_int_equal(run_exit(&hvc), ACT_RESUME);
	assert_int_equal(smccc_calls, 1);
	assert_ptr_equal(smccc_regs, vcpu.arch.regs.x);
	assert_int_equal(vcpu.arch.regs.elr, PC);
	assert_int_equal(run_exit(&smc), ACT_RESUME);
	assert_int_equal(smccc_calls, 2);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);

	/* What SMCCC asks for happens. */
	smccc_result = SMCCC_VM_OFF;
	assert_int_equal(run_exit(&hvc), ACT_STOP);
	assert_int_equal(powered_off, 1);
	smccc_result = SMCCC_VM_RESET;
	assert_int_equal(run_exit(&hvc), ACT_STOP);
	assert_int_equal(resets, 1);
	smccc_result = SMCCC_VCPU_OFF;
	assert_int_equal(run_exit(&hvc), ACT_STOP);
	assert_int_equal(vcpu_offs, 1);
	smccc_result = SMCCC_VCPU_SUSPEND;
	assert_int_equal(run_exit(&hvc), ACT_BLOCK);
}

/* An exit as the CPU reports it, for the fast paths (which read ESR_EL2 alone). */
static enum exit_action run_esr(u64 esr)
{
	arch_fake.next_exit = NULL;
	arch_fake.esr = esr;
	assert_ptr_equal(handle_guest_sync(&vcpu), &vcpu);
	return last_action;
}
#define ESR(ec, iss) ((u64)(ec) << 26 | ESR_IL | (iss))

/*
 * The fast HVC: answered without the dispatcher, ELR untouched (already
 * past the HVC), counted as an HVC, the scheduler still asked; a call the
 * fast path leaves goes through the dispatcher once, not twice.
 */
static void fast_hvc_skips_the_dispatcher(void **state)
{
	smccc_fast_result = true;
	vcpu.arch.regs.x[0] = 0x87000000u;
	assert_int_equal(run_esr(ESR(EC_HVC64, 0)), ACT_RESUME);
	assert_int_equal(smccc_fast_calls, 1);
	assert_int_equal(smccc_calls, 0);
	assert_int_equal(vcpu.arch.regs.x[0], (u64)SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal(vcpu.arch.regs.elr, PC);
	assert_int_equal(vcpu.exits[EXIT_HVC], 1);
	assert_int_equal(after_exits, 1);

	smccc_fast_result = false;
	assert_int_equal(run_esr(ESR(EC_HVC64, 0)), ACT_RESUME);
	assert_int_equal(smccc_fast_calls, 2);
	assert_int_equal(smccc_calls, 1);
	assert_int_equal(vcpu.exits[EXIT_HVC], 2);

	/* An SMC is never fast: its ELR needs the step the full path does. */
	assert_int_equal(run_esr(ESR(EC_SMC64, 0)), ACT_RESUME);
	assert_int_equal(smccc_fast_calls, 2);
	assert_int_equal(smccc_calls, 2);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);
}

/* ISS of an MRS/MSR: op0 [21:20], op2 [19:17], op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], read [0]. */
#define SYS_ISS(op0, op1, crn, crm, op2, rt, rd) \
	((op0) << 20 | (op2) << 17 | (op1) << 14 | (crn) << 10 | (rt) << 5 | (crm) << 1 | (rd))

/*
 * The fast ID-register read: value in Rt, the MRS stepped over with
 * SPSR.SS cleared (as the full path does), counted as a sysreg exit. A
 * write to an ID register, any other register, and any register once a
 * hook lives in the ID space take the full path (its UNDEF, its hooks).
 */
static void fast_id_read_steps_over_the_mrs(void **state)
{
	vcpu.arch.regs.spsr = SPSR_SS;
	assert_int_equal(run_esr(ESR(EC_SYS64, SYS_ISS(3, 0, 0, 7, 0, 3, 1))), ACT_RESUME);
	assert_int_equal(id_fast_reads, 1);
	assert_int_equal(emulate_calls, 0);
	assert_int_equal(vcpu.arch.regs.x[3], 0x1d);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);
	assert_int_equal(vcpu.arch.regs.spsr & SPSR_SS, 0);
	assert_int_equal(vcpu.exits[EXIT_SYSREG], 1);

	run_esr(ESR(EC_SYS64, SYS_ISS(3, 0, 0, 7, 0, 3, 0))); /* MSR to it */
	run_esr(ESR(EC_SYS64, SYS_ISS(2, 0, 0, 2, 2, 3, 1))); /* MDSCR_EL1 */
	assert_int_equal(id_fast_reads, 1);
	assert_int_equal(emulate_calls, 2);

	u64 keys = sysreg_hooked_keys;
	sysreg_hooked_keys |= 1ULL << (3 << 4 | 0);
	run_esr(ESR(EC_SYS64, SYS_ISS(3, 0, 0, 7, 0, 3, 1)));
	sysreg_hooked_keys = keys;
	assert_int_equal(id_fast_reads, 1);
	assert_int_equal(emulate_calls, 3);
	assert_int_equal(vcpu.exits[EXIT_SYSREG], 4);
}

/*
 * A hook marked fast_write (the vGIC's SGI registers): its write runs
 * from the syndrome alone, with Rt's value (XZR as 0), the MSR stepped
 * over with SPSR.SS cleared, counted as a sysreg exit, the interrupt state
 * still folded and the scheduler still asked. A read of it, and a write to
 * a hook without the mark, take the full path (UNDEF; the hook once).
 */
static void fast_write_hook_runs_from_the_syndrome(void **state)
{
	vcpu.arch.regs.spsr = SPSR_SS;
	vcpu.irqchip_busy = true;
	vcpu.arch.regs.x[7] = 0xabcdef;
	assert_int_equal(run_esr(ESR(EC_SYS64, SYS_ISS(3, 7, 15, 15, 4, 7, 0))), ACT_RESUME);
	assert_int_equal(fast_writes, 1);
	assert_int_equal(fast_written, 0xabcdef);
	assert_int_equal(emulate_calls, 0);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);
	assert_int_equal(vcpu.arch.regs.spsr & SPSR_SS, 0);
	assert_int_equal(vcpu.exits[EXIT_SYSREG], 1);
	assert_int_equal(syncs, 1);
	assert_int_equal(after_exits, 1);

	run_esr(ESR(EC_SYS64, SYS_ISS(3, 7, 15, 15, 4, 31, 0))); /* MSR ..., XZR */
	assert_int_equal(fast_writes, 2);
	assert_int_equal(fast_written, 0);
	assert_int_equal(vcpu.arch.regs.elr, PC + 8);

	assert_int_equal(run_esr(ESR(EC_SYS64, SYS_ISS(3, 7, 15, 15, 4, 7, 1))),
			 ACT_RESUME); /* MRS: no read */
	assert_int_equal(fast_writes, 2);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);

	vcpu.arch.regs.elr = PC;
	run_esr(ESR(EC_SYS64, SYS_ISS(3, 7, 15, 15, 6, 7, 0))); /* SYS_TEST_HOOKED: not fast */
	assert_int_equal(hook_writes, 1);
	assert_int_equal(hook_written, 0xabcdef);
	assert_int_equal(fast_writes, 2);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);
	assert_int_equal(vcpu.exits[EXIT_SYSREG], 4);
}

static struct exit_info sysreg_exit(u32 enc, unsigned rt, bool read)
{
	return (struct exit_info){ .kind = EXIT_SYSREG, .u.sysreg = { .enc = enc, .rt = rt, .read = read } };
}

/*
 * Device hooks are asked before the architectural table; SYSREG_AGAIN
 * resumes at the same instruction; a hook without the direction UNDEFs.
 * Catches: the table asked first (a device register emulated as the CPU's
 * or UNDEF), ELR advanced on AGAIN (a set/way clean cut short).
 */
static void sysreg_hooks_before_the_table(void **state)
{
	struct exit_info e = sysreg_exit(SYS_TEST_HOOKED, 5, true);

	assert_int_equal(run_exit(&e), ACT_RESUME);
	assert_int_equal(hook_reads, 1);
	assert_int_equal(emulate_calls, 0);
	assert_int_equal(vcpu.arch.regs.x[5], 0x1234);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);

	vcpu.arch.regs.x[7] = 0xABCD;
	e = sysreg_exit(SYS_TEST_HOOKED, 7, false);
	run_exit(&e);
	assert_int_equal(hook_written, 0xABCD);
	e = sysreg_exit(SYS_TEST_HOOKED, 31, false); /* XZR */
	run_exit(&e);
	assert_int_equal(hook_written, 0);
	assert_int_equal(emulate_calls, 0);
	assert_int_equal(vcpu.arch.regs.elr, PC + 12);

	e = sysreg_exit(SYS_TEST_READ_ONLY, 1, false); /* no write hook: UNDEFINED */
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);
	assert_int_equal(emulate_calls, 0);

	/* A retry hook (the vGIC's TALL1 trap): called, nothing emulated, the instruction runs again. */
	vcpu.arch.regs.elr = PC;
	vcpu.arch.regs.x[3] = 0x77;
	e = sysreg_exit(SYS_TEST_RETRY, 3, true);
	run_exit(&e);
	assert_int_equal(hook_retries, 1);
	assert_int_equal(vcpu.arch.regs.elr, PC);
	assert_int_equal(vcpu.arch.regs.x[3], 0x77);
	e = sysreg_exit(SYS_TEST_RETRY, 3, false);
	run_exit(&e);
	assert_int_equal(hook_retries, 2);
	assert_int_equal(vcpu.arch.regs.elr, PC);
	assert_int_equal(emulate_calls, 0);

	vcpu.arch.regs.elr = PC;
	e = sysreg_exit(SYS_MDSCR_EL1, 1, true); /* not hooked: the table */
	run_exit(&e);
	assert_int_equal(emulate_calls, 1);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);

	emulate_result = SYSREG_AGAIN;
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);
	emulate_result = SYSREG_UNDEF;
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);

	/* A 16-bit T32 instruction (IL = 0) is stepped over by 2. */
	emulate_result = SYSREG_DONE;
	vcpu.arch.regs.elr = PC;
	e.il32 = false;
	(arch_fake.next_exit = &e, handle_guest_sync(&vcpu));
	assert_int_equal(vcpu.arch.regs.elr, PC + 2);
}

static struct exit_info dabt(u64 ipa, unsigned size, unsigned rt, bool write)
{
	return (struct exit_info){ .kind = EXIT_DABT,
				   .u.abort = { .ipa = ipa,
						.far = 0x1000 + (ipa & 0xFFF),
						.isv = true,
						.size = size,
						.rt = rt,
						.sf = true,
						.write = write } };
}

/*
 * Reads are zero- or sign-extended from the access size and cut to 32 bits
 * for a W register; writes give the device the access size only. Catches:
 * sign extension of SF=0 loads into the upper half, unmasked writes (a
 * device seeing the register's upper bytes).
 */
static void mmio_reads_extend_and_writes_mask(void **state)
{
	struct exit_info e = dabt(DEV_BASE + 0x10, 1, 3, false);

	dev_value = 0xFFFFFF80; /* a device answering more than asked */
	run_exit(&e);
	assert_int_equal(dev_reads, 1);
	assert_int_equal(dev_off, 0x10);
	assert_int_equal(dev_size, 1);
	assert_int_equal(vcpu.arch.regs.x[3], 0x80);
	assert_int_equal(vcpu.arch.regs.elr, PC + 4);

	e.u.abort.sign_extend = true; /* LDRSB X3 */
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.x[3], 0xFFFFFFFFFFFFFF80ULL);
	e.u.abort.sf = false; /* LDRSB W3 */
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.x[3], 0xFFFFFF80ULL);
	e = dabt(DEV_BASE, 2, 3, false);
	e.u.abort.sign_extend = true;
	dev_value = 0x7FFF; /* positive: no extension */
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.x[3], 0x7FFF);
	e = dabt(DEV_BASE, 4, 31, false); /* into XZR: nothing changes */
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.x[3], 0x7FFF);

	vcpu.arch.regs.x[9] = 0x1122334455667788ULL;
	e = dabt(DEV_BASE + 0x20, 2, 9, true);
	run_exit(&e);
	assert_int_equal(dev_writes, 1);
	assert_int_equal(dev_written, 0x7788);
	e = dabt(DEV_BASE + 0x20, 8, 9, true);
	run_exit(&e);
	assert_int_equal(dev_written, 0x1122334455667788ULL);
	e = dabt(DEV_BASE + 0x20, 4, 31, true); /* WZR */
	run_exit(&e);
	assert_int_equal(dev_written, 0);
	assert_int_equal(crashes, 0);

	/* A device error is an external abort, the register untouched. */
	dev_error = -HV_EINVAL;
	vcpu.arch.regs.x[3] = 5;
	e = dabt(DEV_BASE, 4, 3, false);
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.x[3], 5);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);
}

/*
 * An access that starts in a device and runs past its end, or has no
 * syndrome (ISV = 0), is an external abort, reported at most
 * VM_MAX_REPORTS times; nobody's IPA is an abort without a report.
 * Catches: a device handed an offset it does not have, a guest flooding
 * the console.
 */
static void bad_accesses_are_external_aborts(void **state)
{
	struct exit_info e = dabt(DEV_BASE + DEV_SIZE - 4, 8, 1, false);

	run_exit(&e);
	assert_int_equal(dev_reads, 0);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);
	assert_int_equal(prints, 1);
	for (unsigned i = 0; i < 2 * VM_MAX_REPORTS; i++) {
		vcpu.arch.regs.elr = PC;
		run_exit(&e);
	}
	assert_int_equal(prints, VM_MAX_REPORTS);
	assert_int_equal(crashes, 0);

	setup(state);
	e = dabt(DEV_BASE, 4, 1, true);
	e.u.abort.isv = false; /* LDP / writeback: no syndrome */
	run_exit(&e);
	assert_int_equal(dev_writes, 0);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);
	assert_int_equal(prints, 1);

	setup(state);
	e = dabt(0x0A000000ULL, 4, 1, false); /* nothing there */
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);
	assert_int_equal(prints, 0);
	e.kind = EXIT_IABT;
	vcpu.arch.regs.elr = PC;
	run_exit(&e);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);
}

/*
 * An exception injected at the vector the previous exit's injection sent
 * the guest to is a loop: the VM stops. An exit in between without an
 * injection breaks the chain. Catches: a VM with a broken VBAR_EL1
 * spinning in EL2 for ever.
 */
static void exception_loop_stops_the_vm(void **state)
{
	struct exit_info undef = { .kind = EXIT_UNKNOWN }, hvc = { .kind = EXIT_HVC };

	assert_int_equal(run_exit(&undef), ACT_RESUME);
	assert_int_equal(vcpu.arch.regs.elr, VECTOR);
	assert_int_equal(run_exit(&hvc), ACT_RESUME); /* the vector ran: an HVC from it (ELR stays) */
	assert_int_equal(run_exit(&undef), ACT_RESUME); /* at the vector again, but not straight after */
	vcpu.arch.regs.elr = PC; /* the handler returned, faulted elsewhere */
	assert_int_equal(run_exit(&undef), ACT_RESUME);
	assert_int_equal(crashes, 0);
	assert_int_equal(run_exit(&undef), ACT_STOP); /* faulted at the vector itself */
	assert_int_equal(crashes, 1);
	/* The report names the first fault (where the guest was when it was sent to the vector), not only the vector. */
	char first[64];
	hv_snprintf(first, sizeof(first), "at pc 0x%llx", (unsigned long long)PC);
	assert_non_null(strstr(crash_why, "first fault"));
	assert_non_null(strstr(crash_why, first));
}

static int syncs_seen_by_handler, handler_calls;
static enum irq_result test_irq(u32 intid, void *ctx)
{
	handler_calls++;
	syncs_seen_by_handler = syncs;
	return IRQ_DONE;
}

/*
 * A physical-interrupt exit syncs the list registers first (which also
 * turns the underflow interrupt off), then takes the interrupts; a
 * synchronous exit syncs too, and neither syncs a vCPU with nothing in
 * the list registers. Catches: the maintenance interrupt acked with UIE
 * still on (it fires again at once: EL2 livelock), interrupt handlers
 * looking at a stale model.
 */
static void irq_exit_syncs_before_handling(void **state)
{
	int rc = irq_register(100, test_irq, NULL);
	assert_true(rc == HV_OK || rc == -HV_EEXIST);

	vcpu.irqchip_busy = true;
	arch_fake.pending[arch_fake.npending++] = 100;
	assert_ptr_equal(handle_guest_irq(&vcpu), &vcpu);
	assert_int_equal(handler_calls, 1);
	assert_int_equal(syncs_seen_by_handler, 1);
	assert_int_equal(arch_fake.neoi, 1);
	assert_int_equal(arch_fake.eoi[0], 100 | FAKE_DEACTIVATED);
	assert_int_equal(last_action, ACT_RESUME);
	assert_int_equal(vcpu.exits[EXIT_IRQ], 1);

	struct exit_info hvc = { .kind = EXIT_HVC };
	run_exit(&hvc);
	assert_int_equal(syncs, 2);
	vcpu.irqchip_busy = false;
	run_exit(&hvc);
	handle_guest_irq(&vcpu);
	assert_int_equal(syncs, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(every_exit_kind_has_a_handler, setup),
		cmocka_unit_test_setup(hvc_and_smc_go_to_smccc, setup),
		cmocka_unit_test_setup(first_use_exits_run_the_instruction_again_or_undef, setup),
		cmocka_unit_test_setup(fast_hvc_skips_the_dispatcher, setup),
		cmocka_unit_test_setup(fast_id_read_steps_over_the_mrs, setup),
		cmocka_unit_test_setup(fast_write_hook_runs_from_the_syndrome, setup),
		cmocka_unit_test_setup(sysreg_hooks_before_the_table, setup),
		cmocka_unit_test_setup(mmio_reads_extend_and_writes_mask, setup),
		cmocka_unit_test_setup(bad_accesses_are_external_aborts, setup),
		cmocka_unit_test_setup(exception_loop_stops_the_vm, setup),
		cmocka_unit_test_setup(irq_exit_syncs_before_handling, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
