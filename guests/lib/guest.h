/* The test guests' tiny runtime: console, SMCCC calls, exceptions, checks, boot arguments. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hyparm/guest_layout.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef int64_t s64;

/* r may itself be a macro (gic.h names the ICC_* registers by encoding): expand it, then stringify. */
#define __sysreg_name(r) #r
#define read_sysreg(r) \
	({ \
		u64 __v; \
		__asm__ volatile("mrs %0, " __sysreg_name(r) : "=r"(__v)::"memory"); \
		__v; \
	})
#define write_sysreg(r, v) __asm__ volatile("msr " __sysreg_name(r) ", %0" : : "r"((u64)(v)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
/*
 * In a loop that waits for another vCPU: a hint, a no-op on hardware and
 * under hypervisors, but under QEMU's round-robin TCG (-icount) the only
 * way the other CPU gets to run before this one's time budget ends.
 */
#define cpu_relax() __asm__ volatile("yield" ::: "memory")

/* The platform's fixed UART (hyparm's guest layout): tests about hyparm's own devices use it. */
#define UART_BASE GUEST_UART_IPA
/*
 * Where the console UART really is: the first PL011 / SBSA UART of the DTB
 * (under Xen a domU's vpl011 is elsewhere), GUEST_UART_IPA without one.
 * Set by bootargs_init() before main().
 */
extern u64 guest_uart_base;
#define RAM_BASE GUEST_RAM_IPA
#define ALIGN_UP_8(x) (((x) + 7) & ~7ULL)

void putc_raw(char c);
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* SMCCC call through HVC: x0..x3 in, x0 out (x1..x3 out in res[] if non-NULL). */
u64 hvc_call(u64 fid, u64 a1, u64 a2, u64 a3);
u64 smc_call(u64 fid, u64 a1, u64 a2, u64 a3);
void psci_system_off(void) __attribute__((noreturn));

/* Checks: each prints "PASS: ..." or "FAIL: ..."; test_finish prints the RESULT line and powers off. */
bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void test_finish(void) __attribute__((noreturn));

/* Exceptions taken by the guest's own vectors. */
struct frame {
	u64 x[31];
	u64 elr;
	u64 pad[2];
};
struct exception {
	unsigned vector; /* 0..15: VBAR_EL1 slot / 0x80 */
	u64 esr, far, elr;
};
/* Called for synchronous exceptions; return true to resume (after changing frame->elr as needed). */
typedef bool (*exception_handler)(struct frame *f, const struct exception *e);
void set_exception_handler(exception_handler h);
/* IRQ handler (vector slot 5: current EL with SPx). */
void set_irq_handler(void (*h)(void));

/* Boot arguments from /chosen/bootargs of the DTB hyparm passed in x0; also finds the UART and GIC in it. */
void bootargs_init(const void *dtb);
const char *bootargs(void);
bool bootarg_u64(const char *key, u64 *val);
bool bootarg_str(const char *key, char *buf, size_t size);
/* Where the DTB is and its size (0 if none). */
u64 dtb_addr(void);
u64 dtb_size(void);
/* A property of a node under the root whose name starts with node_prefix ("chosen"), or NULL. */
const void *dtb_prop(const char *node_prefix, const char *prop, u32 *len);
/* The index-th (address, size) pair of reg of the first node under the root with this compatible string
 * (root #address-cells and #size-cells 2, as hyparm, QEMU and Xen write them). */
bool dtb_compatible_reg(const char *compatible, unsigned index, u64 *base);
/* /memory reg of the DTB: base and size of the guest's RAM. */
bool dtb_memory(u64 *base, u64 *size);
/* /chosen linux,initrd-start and -end: the initrd the VM was given (end exclusive). */
bool dtb_initrd(u64 *start, u64 *end);
/* The device tree's GIC: 2 or 3. */
unsigned dtb_gic_version(void);
/* Reads it into the GIC helpers (guests/lib/gic.c); guest_main() calls it before main(). */
void gic_lib_init(void);

/* Time, from the virtual counter. */
u64 now_ticks(void);
u64 ticks_per_sec(void);
void delay_ms(u64 ms);

/* Secondary vCPUs: PSCI CPU_ON at secondary_start, which takes its stack top as the context id
 * and calls secondary_main() (weak: a WFI loop unless the guest defines one). */
u64 secondary_stack_top(unsigned cpu);
s64 psci_cpu_on(u64 mpidr, u64 context_id);
void secondary_main(void);

int main(void);

/* Called from start.S and vectors.S: the runtime's entry (runs main()) and its exception dispatch. */
void guest_main(const void *dtb);
void guest_exception(struct frame *f, unsigned vector);
/* The registers as the guest was entered, before any of its code ran (guests/lib/start.S). */
struct entry_state {
	u64 x[31]; /* x[1] is not kept: see entry_x1_nonzero */
	u64 sp, vbar_el1, cpacr_el1;
	u64 q[32][2];
	u64 fpsr, fpcr;
};
extern struct entry_state entry_state;
extern u64 entry_x1_nonzero;
/* CNTVCT_EL0 read by start.S right after entry_state was saved: the VM's first instructions, in its own time. */
extern u64 entry_cntvct;

#endif
