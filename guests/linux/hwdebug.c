/*
 * Hardware breakpoint, watchpoint and single step in a Linux guest, set the
 * way gdb sets them: a traced child, PTRACE_SETREGSET with NT_ARM_HW_BREAK
 * and NT_ARM_HW_WATCH, PTRACE_SINGLESTEP. Prints "PASS: ..."/"FAIL: ..."
 * lines and "RESULT: N passed, M failed" (hyparm.test=hwdebug, see rc.sh).
 *
 * No libc: a static binary of a few KiB for the initramfs, the system
 * calls made by hand (arm64 numbers). Built by the Makefile with
 * aarch64-linux-gnu-gcc -static -nostdlib.
 */
#include "nolibc.h"

#define SYS_exit_group 94
#define SYS_kill 129
#define SYS_getpid 172
#define SYS_clone 220
#define SYS_wait4 260
#define SYS_ptrace 117

#define SIGTRAP 5
#define SIGKILL 9
#define SIGCHLD 17
#define SIGSTOP 19
#define TRAP_TRACE 2
#define TRAP_HWBKPT 4

#define PTRACE_TRACEME 0
#define PTRACE_CONT 7
#define PTRACE_KILL 8
#define PTRACE_SINGLESTEP 9
#define PTRACE_GETSIGINFO 0x4202
#define PTRACE_GETREGSET 0x4204
#define PTRACE_SETREGSET 0x4205
#define NT_PRSTATUS 1
#define NT_ARM_HW_BREAK 0x402
#define NT_ARM_HW_WATCH 0x403

/* The ptrace control word (arch/arm64 hw_breakpoint.h): enable, privilege EL0, type, byte mask. */
#define CTRL_EL0 (2u << 1)
#define CTRL_EXEC (0u << 3)
#define CTRL_STORE (2u << 3)
#define BP_CTRL (1u | CTRL_EL0 | CTRL_EXEC | 0xFu << 5) /* 4 bytes: one A64 instruction */
#define WP_CTRL (1u | CTRL_EL0 | CTRL_STORE | 0xFFu << 5) /* 8 bytes */

struct iovec {
	void *base;
	u64 len;
};
struct hwdebug_state { /* struct user_hwdebug_state */
	u32 dbg_info;
	u32 pad;
	struct {
		u64 addr;
		u32 ctrl;
		u32 pad;
	} regs[16];
};
struct user_regs { /* struct user_pt_regs */
	u64 x[31], sp, pc, pstate;
};
struct siginfo {
	int signo, errno_, code, pad;
	u64 addr; /* si_addr */
	char rest[96];
};

static void check(int ok)
{
	char line[256];
	unsigned n = outn;
	for (unsigned i = 0; i < n; i++)
		line[i] = out[i];
	outn = 0;
	put(ok ? "PASS: " : "FAIL: ");
	for (unsigned i = 0; i < n && outn < sizeof(out) - 1; i++)
		out[outn++] = line[i];
	flush();
	count_check(ok);
}

/* The child's code and data: the same addresses in parent and child (fork). */
static volatile u64 watched __attribute__((aligned(8)));

__attribute__((noinline)) static u64 target(u64 x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

static void child(void)
{
	sys(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	sys(SYS_kill, sys(SYS_getpid, 0, 0, 0, 0), SIGSTOP, 0, 0);
	watched = target(5); /* the breakpoint, then the watchpoint */
	for (volatile int i = 0; i < 3; i++) /* single-stepped */
		;
	sys(SYS_exit_group, watched == 16 ? 0 : 1, 0, 0, 0);
}

static int wait_child(int pid, int *status)
{
	return (int)sys(SYS_wait4, pid, status, 0, 0) == pid;
}

static int stopped_by(int status, int sig)
{
	return (status & 0xFF) == 0x7F && ((status >> 8) & 0xFF) == sig;
}

static int set_slot(int pid, int type, u64 addr, u32 ctrl)
{
	struct hwdebug_state st = { 0 };
	struct iovec iov = { &st, 8 + 16 }; /* dbg_info, pad, slot 0 */

	st.regs[0].addr = addr;
	st.regs[0].ctrl = ctrl;
	return sys(SYS_ptrace, PTRACE_SETREGSET, pid, type, &iov) == 0;
}

static u32 slots(int pid, int type)
{
	struct hwdebug_state st = { 0 };
	struct iovec iov = { &st, sizeof(st) };

	if (sys(SYS_ptrace, PTRACE_GETREGSET, pid, type, &iov) != 0)
		return 0;
	return st.dbg_info;
}

static u64 child_pc(int pid)
{
	struct user_regs r = { 0 };
	struct iovec iov = { &r, sizeof(r) };

	sys(SYS_ptrace, PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov);
	return r.pc;
}

/* Continue (or step) the child to its next stop: the SIGTRAP's si_code and si_addr. */
static int resume(int pid, int how, struct siginfo *si)
{
	int status = 0;

	*si = (struct siginfo){ 0 };
	if (sys(SYS_ptrace, how, pid, 0, 0) != 0 || !wait_child(pid, &status) || !stopped_by(status, SIGTRAP))
		return 0;
	return sys(SYS_ptrace, PTRACE_GETSIGINFO, pid, 0, si) == 0 && si->signo == SIGTRAP;
}

static void run(void)
{
	struct siginfo si;
	int status = 0, pid = (int)sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	u32 bps, wps;
	u64 pc;

	if (pid == 0)
		child();
	put("fork and PTRACE_TRACEME, child stopped");
	check(pid > 0 && wait_child(pid, &status) && stopped_by(status, SIGSTOP));
	if (failed)
		return;

	bps = slots(pid, NT_ARM_HW_BREAK);
	wps = slots(pid, NT_ARM_HW_WATCH);
	put("NT_ARM_HW_BREAK: ");
	put_dec(bps & 0xFF);
	put(" breakpoints, NT_ARM_HW_WATCH: ");
	put_dec(wps & 0xFF);
	put(" watchpoints, debug architecture ");
	put_hex((bps >> 8) & 0xFF);
	check((bps & 0xFF) > 0 && (wps & 0xFF) > 0);

	put("hardware breakpoint at target() ");
	put_hex((u64)target);
	put(" and watchpoint on a variable ");
	put_hex((u64)&watched);
	put(" set");
	check(set_slot(pid, NT_ARM_HW_BREAK, (u64)target, BP_CTRL) &&
	      set_slot(pid, NT_ARM_HW_WATCH, (u64)&watched, WP_CTRL));

	int hit = resume(pid, PTRACE_CONT, &si);
	pc = child_pc(pid);
	put("breakpoint hit: SIGTRAP si_code ");
	put_dec((u64)si.code);
	put(" (TRAP_HWBKPT 4) at ");
	put_hex(si.addr);
	put(", pc ");
	put_hex(pc);
	check(hit && si.code == TRAP_HWBKPT && si.addr == (u64)target && pc == (u64)target);

	/* As gdb does: take the breakpoint out before continuing, or it hits again. */
	set_slot(pid, NT_ARM_HW_BREAK, 0, 0);
	hit = resume(pid, PTRACE_CONT, &si);
	put("watchpoint hit: SIGTRAP si_code ");
	put_dec((u64)si.code);
	put(" (TRAP_HWBKPT 4) at ");
	put_hex(si.addr);
	check(hit && si.code == TRAP_HWBKPT && si.addr == (u64)&watched);
	set_slot(pid, NT_ARM_HW_WATCH, 0, 0);

	unsigned steps = 0;
	for (int i = 0; i < 3; i++) {
		u64 before = child_pc(pid);
		if (resume(pid, PTRACE_SINGLESTEP, &si) && si.code == TRAP_TRACE && child_pc(pid) != before)
			steps++;
	}
	put("PTRACE_SINGLESTEP: ");
	put_dec(steps);
	put(" of 3 steps stopped with SIGTRAP TRAP_TRACE at a new pc");
	check(steps == 3);

	sys(SYS_ptrace, PTRACE_CONT, pid, 0, 0);
	int exited = wait_child(pid, &status);
	put("child ran on and exited 0 (status ");
	put_hex((u64)status);
	put(")");
	check(exited && (status & 0x7F) == 0 && ((status >> 8) & 0xFF) == 0);
}

int main(void)
{
	run();
	return result();
}
