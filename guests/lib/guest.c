/* The test guests' runtime (see guest.h). */
#include "gic.h"
#include "guest.h"
#include <hyparm/print.h>

static unsigned passed, failed;
static exception_handler sync_handler;
static void (*irq_handler)(void);
static const char *args = "";
static const void *fdt;
u64 guest_uart_base = GUEST_UART_IPA;
u64 guest_gicd_base = GUEST_GICD_IPA, guest_gicr_base = GUEST_GICR_IPA;

void putc_raw(char c)
{
	volatile u32 *uart = (volatile u32 *)guest_uart_base;
	while (uart[0x18 / 4] & (1u << 5)) /* FR.TXFF */
		;
	uart[0] = (u8)c;
}

static void puts_raw(const char *s)
{
	while (*s)
		putc_raw(*s++);
}

void gprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts_raw(buf);
}

/* hyparm's lib/printf.c is shared; its console hook is not used here. */
void hv_printf(const char *fmt, ...)
{
	(void)fmt;
}

u64 hvc_call(u64 fid, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fid, x1 __asm__("x1") = a1, x2 __asm__("x2") = a2,
			x3 __asm__("x3") = a3;
	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

u64 smc_call(u64 fid, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fid, x1 __asm__("x1") = a1, x2 __asm__("x2") = a2,
			x3 __asm__("x3") = a3;
	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

void psci_system_off(void)
{
	hvc_call(0x84000008, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

bool check(bool ok, const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	gprintf("%s: %s\n", ok ? "PASS" : "FAIL", buf);
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

void test_finish(void)
{
	gprintf("RESULT: %u passed, %u failed\n", passed, failed);
	psci_system_off();
}

void set_exception_handler(exception_handler h)
{
	sync_handler = h;
}
void set_irq_handler(void (*h)(void))
{
	irq_handler = h;
}

void guest_exception(struct frame *f, unsigned vector)
{
	struct exception e = { vector, read_sysreg(esr_el1), read_sysreg(far_el1), f->elr };

	if ((vector & 3) == 1 && irq_handler) { /* IRQ slots */
		irq_handler();
		return;
	}
	if ((vector & 3) == 0 && sync_handler && sync_handler(f, &e))
		return;
	gprintf("UNEXPECTED EXCEPTION vector %u esr=0x%llx far=0x%llx elr=0x%llx\n", vector,
		(unsigned long long)e.esr, (unsigned long long)e.far, (unsigned long long)e.elr);
	failed++;
	test_finish();
}

/* --- device tree: just enough to read /chosen/bootargs and /memory --- */
static u32 be32(const void *p)
{
	const uint8_t *b = p;
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static int streq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Walk the structure block; call back for each property with its node depth and name. */
static const void *find_prop(const char *node_prefix, const char *prop, u32 *len)
{
	const uint8_t *base = fdt;
	if (!fdt || be32(base) != 0xd00dfeed)
		return NULL;
	const uint8_t *p = base + be32(base + 8);
	const char *strings = (const char *)base + be32(base + 12);
	int depth = 0;
	bool in_node = false;

	for (;;) {
		u32 tok = be32(p);
		p += 4;
		if (tok == 1) { /* BEGIN_NODE */
			const char *name = (const char *)p;
			depth++;
			in_node = depth == 2 && streq_n(name, node_prefix, slen(node_prefix));
			p += (slen(name) + 4) & ~3u;
		} else if (tok == 2) { /* END_NODE */
			depth--;
			in_node = false;
		} else if (tok == 3) { /* PROP */
			u32 plen = be32(p), nameoff = be32(p + 4);
			const char *pname = strings + nameoff;
			if (in_node && slen(pname) == slen(prop) && streq_n(pname, prop, slen(prop))) {
				*len = plen;
				return p + 8;
			}
			p += 8 + ((plen + 3) & ~3u);
		} else if (tok == 4) { /* NOP */
			continue;
		} else {
			return NULL; /* END or garbage */
		}
	}
}

static bool has_string(const char *list, u32 len, const char *s)
{
	size_t sl = slen(s);

	for (u32 i = 0; i < len;) {
		size_t l = slen(list + i);
		if (l == sl && streq_n(list + i, s, sl))
			return true;
		i += l + 1;
	}
	return false;
}

bool dtb_compatible_reg(const char *compatible, unsigned index, u64 *base)
{
	const uint8_t *b = fdt, *p, *reg = NULL;
	const char *strings;
	u32 reg_len = 0;
	int depth = 0;
	bool match = false;

	if (!fdt || be32(b) != 0xd00dfeed)
		return false;
	p = b + be32(b + 8);
	strings = (const char *)b + be32(b + 12);
	for (;;) {
		u32 tok = be32(p);
		p += 4;
		if (tok == 1) { /* BEGIN_NODE: only the root's children (where all three put devices) */
			depth++;
			match = false;
			reg = NULL;
			p += (slen((const char *)p) + 4) & ~3u;
		} else if (tok == 2) { /* END_NODE */
			if (depth == 2 && match && reg && reg_len >= 16 * (index + 1)) {
				const uint8_t *r = reg + 16 * index;
				*base = (u64)be32(r) << 32 | be32(r + 4);
				return true;
			}
			depth--;
			match = false;
			reg = NULL;
		} else if (tok == 3) { /* PROP */
			u32 plen = be32(p);
			const char *pname = strings + be32(p + 4);
			if (depth == 2 && slen(pname) == 10 && streq_n(pname, "compatible", 10))
				match = has_string((const char *)p + 8, plen, compatible);
			else if (depth == 2 && slen(pname) == 3 && streq_n(pname, "reg", 3))
				reg = p + 8, reg_len = plen;
			p += 8 + ((plen + 3) & ~3u);
		} else if (tok != 4) { /* not NOP: END or garbage */
			return false;
		}
	}
}

/* The console and GIC the DTB describes; the fixed layout where it says nothing. */
static void find_devices(void)
{
	u64 v;

	if (dtb_compatible_reg("arm,pl011", 0, &v) || dtb_compatible_reg("arm,sbsa-uart", 0, &v))
		guest_uart_base = v;
	if (dtb_compatible_reg("arm,gic-v3", 0, &v))
		guest_gicd_base = v;
	if (dtb_compatible_reg("arm,gic-v3", 1, &v))
		guest_gicr_base = v;
}

const void *dtb_prop(const char *node_prefix, const char *prop, u32 *len)
{
	return find_prop(node_prefix, prop, len);
}

void bootargs_init(const void *dtb)
{
	u32 len;
	const char *a;

	fdt = dtb;
	find_devices();
	a = find_prop("chosen", "bootargs", &len);
	if (a)
		args = a;
}

const char *bootargs(void)
{
	return args;
}
u64 dtb_addr(void)
{
	return (u64)fdt;
}
u64 dtb_size(void)
{
	return fdt && be32(fdt) == 0xd00dfeed ? be32((const uint8_t *)fdt + 4) : 0;
}

bool bootarg_str(const char *key, char *buf, size_t size)
{
	size_t kl = slen(key);
	const char *p = args;

	while (*p) {
		while (*p == ' ')
			p++;
		if (streq_n(p, key, kl) && p[kl] == '=') {
			size_t i = 0;
			p += kl + 1;
			while (*p && *p != ' ' && i + 1 < size)
				buf[i++] = *p++;
			buf[i] = 0;
			return true;
		}
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

bool bootarg_u64(const char *key, u64 *val)
{
	char buf[32];
	u64 v = 0;
	unsigned base = 10;
	const char *p = buf;

	if (!bootarg_str(key, buf, sizeof(buf)))
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0')
			: *p >= 'a' && *p <= 'f'    ? (unsigned)(*p - 'a' + 10)
			: *p >= 'A' && *p <= 'F'    ? (unsigned)(*p - 'A' + 10)
						    : 99;
		if (d >= base)
			return false;
		v = v * base + d;
	}
	*val = v;
	return true;
}

bool dtb_memory(u64 *base, u64 *size)
{
	u32 len;
	const uint8_t *reg = find_prop("memory", "reg", &len);
	if (!reg || len < 16)
		return false;
	*base = (u64)be32(reg) << 32 | be32(reg + 4);
	*size = (u64)be32(reg + 8) << 32 | be32(reg + 12);
	return true;
}

/* A /chosen cell list of 1 or 2 cells (linux,initrd-* may be either). */
static bool chosen_u64(const char *prop, u64 *v)
{
	u32 len;
	const uint8_t *p = find_prop("chosen", prop, &len);

	if (!p || (len != 4 && len != 8))
		return false;
	*v = len == 4 ? be32(p) : (u64)be32(p) << 32 | be32(p + 4);
	return true;
}

bool dtb_initrd(u64 *start, u64 *end)
{
	return chosen_u64("linux,initrd-start", start) && chosen_u64("linux,initrd-end", end) &&
		*end >= *start;
}

u64 now_ticks(void)
{
	isb();
	u64 t = read_sysreg(cntvct_el0);
	isb();
	return t;
}

u64 ticks_per_sec(void)
{
	return read_sysreg(cntfrq_el0);
}

void delay_ms(u64 ms)
{
	u64 end = now_ticks() + ticks_per_sec() / 1000 * ms;
	while (now_ticks() < end)
		;
}

/* The GIC node's version: 2 if its compatible names a GICv2 (arm,cortex-a15-gic, arm,gic-400), else 3. */
unsigned dtb_gic_version(void)
{
	static const char *const nodes[] = { "intc", "interrupt-controller" };

	for (unsigned n = 0; n < 2; n++) {
		u32 len;
		const char *c = find_prop(nodes[n], "compatible", &len);

		for (u32 i = 0; c && i < len; i += slen(c + i) + 1) {
			const char *s = c + i;
			if ((slen(s) == 18 && streq_n(s, "arm,cortex-a15-gic", 18)) ||
			    (slen(s) == 11 && streq_n(s, "arm,gic-400", 11)))
				return 2;
		}
		if (c)
			return 3;
	}
	return 3;
}

void guest_main(const void *dtb)
{
	bootargs_init(dtb);
	gic_lib_init();
	main();
	test_finish();
}

/* Guests that start secondary vCPUs (PSCI CPU_ON at secondary_start) provide their own. */
__attribute__((weak)) void secondary_main(void)
{
	for (;;)
		__asm__ volatile("wfi");
}

/* 16 KiB stacks for secondary vCPUs, above the boot stack (see guest.ld). */
extern char __secondary_stacks[];
u64 secondary_stack_top(unsigned cpu)
{
	return (u64)__secondary_stacks + (u64)(cpu + 1) * 0x4000;
}

s64 psci_cpu_on(u64 mpidr, u64 context_id)
{
	extern char secondary_start[];
	return (s64)hvc_call(0xC4000003, mpidr, (u64)secondary_start, context_id);
}
