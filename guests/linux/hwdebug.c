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
typedef unsigned long u64;
typedef unsigned int u32;
typedef long s64;

#define SYS_write 64
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

static s64 sys6(u64 n, u64 a, u64 b, u64 c, u64 d, u64 e)
{
	register u64 x8 __asm__("x8") = n;
	register u64 x0 __asm__("x0") = a;
	register u64 x1 __asm__("x1") = b;
	register u64 x2 __asm__("x2") = c;
	register u64 x3 __asm__("x3") = d;
	register u64 x4 __asm__("x4") = e;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
	return (s64)x0;
}
#define sys(n, a, b, c, d) sys6(n, (u64)(a), (u64)(b), (u64)(c), (u64)(d), 0)

/* gcc may call these for struct copies and initialisers. */
void *memset(void *d, int c, u64 n);
void *memset(void *d, int c, u64 n)
{
	char *p = d;
	while (n--)
		*p++ = (char)c;
	return d;
}
void *memcpy(void *d, const void *s, u64 n);
void *memcpy(void *d, const void *s, u64 n)
{
	char *p = d;
	const char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static char out[256];
static unsigned outn;

static void put(const char *s)
{
	while (*s && outn < sizeof(out) - 1)
		out[outn++] = *s++;
}

static void put_hex(u64 v)
{
	char b[19];
	int i = 18;
	b[i] = 0;
	do
		b[--i] = "0123456789abcdef"[v & 0xF];
	while ((v >>= 4) && i > 2);
	b[--i] = 'x';
	b[--i] = '0';
	put(b + i);
}

static void put_dec(u64 v)
{
	char b[21];
	int i = 20;
	b[i] = 0;
	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	put(b + i);
}

static void flush(void)
{
	out[outn++] = '\n';
	sys(SYS_write, 1, out, outn, 0);
	outn = 0;
}

static unsigned passed, failed;

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
	if (ok)
		passed++;
	else
		failed++;
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

int main(void);
int main(void)
{
	run();
	put("RESULT: ");
	put_dec(passed);
	put(" passed, ");
	put_dec(failed);
	put(" failed");
	flush();
	return failed != 0;
}

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	bl	main\n" /* the kernel leaves sp 16-byte aligned */
	"	mov	x8, #94\n" /* exit_group(main's value) */
	"	svc	#0\n");
