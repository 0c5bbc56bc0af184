/* Console multiplexing and hv_printf (see include/hyparm/console.h). */
#include <arch/spinlock.h>
#include <drivers/uart.h>
#include <hyparm/console.h>
#include <hyparm/console_filter.h>
#include <hyparm/irq.h>
#include <hyparm/monitor.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>

static spinlock_t console_lock = SPINLOCK_INIT;
/* Before the MMU is on, exclusives may not work: print without the lock. */
static bool console_locking;

void console_enable_locking(void)
{
	console_locking = true;
}

static void raw_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

/*
 * The VM whose unfinished line is on the terminal, or NULL. The VM with
 * input focus prints character by character, so that its prompt and the
 * echo of what the user types show at once. Any other output never splits
 * that line: the line is erased ("\r", then CSI K: clear to the end), the
 * other output printed, and the unfinished line drawn again, prefix and
 * all, from partial_text. A log that keeps the bytes keeps whole lines
 * (the launcher takes a line from its last "\r"). Guarded by console_lock.
 */
static struct vm *partial_vm;
static char partial_text[200]; /* what the focused VM has printed of its unfinished line */
static unsigned partial_len;
static bool partial_erased; /* partial_vm's line is off the screen, to be drawn again */
static struct vm *focused_vm(void);
static bool monitor_focused(void);
static void vm_prefix_locked(struct vm *vm);

/*
 * The monitor's unfinished line (its prompt and what is typed after it),
 * kept on the terminal the same way when it has the focus (then no VM has).
 */
static char prompt_text[120];
static unsigned prompt_len;
static bool prompt_active, prompt_erased;

/* Before other output: take the focused VM's (or the monitor's) unfinished line off the terminal line. */
static void clear_partial_line_locked(void)
{
	if (partial_vm && !partial_erased) {
		raw_write("\r\x1b[K", 4);
		partial_erased = true;
	}
	if (prompt_active && !prompt_erased) {
		raw_write("\r\x1b[K", 4);
		prompt_erased = true;
	}
}

/* After other output: the focused VM's unfinished line back, as it was. */
static void redraw_partial_line_locked(void)
{
	if (partial_vm && partial_erased) {
		vm_prefix_locked(partial_vm);
		raw_write(partial_text, partial_len);
		partial_erased = false;
	}
	if (prompt_active && prompt_erased) {
		raw_write(prompt_text, prompt_len);
		prompt_erased = false;
	}
}

void console_input_line(const char *text, size_t len)
{
	if (console_locking)
		spin_lock(&console_lock);
	if (text) {
		if (prompt_active && !prompt_erased)
			raw_write("\r\x1b[K", 4);
		prompt_len = MIN(len, sizeof(prompt_text));
		for (unsigned i = 0; i < prompt_len; i++)
			prompt_text[i] = text[i];
		raw_write(prompt_text, prompt_len);
		prompt_active = true;
		prompt_erased = false;
	} else {
		if (prompt_active && !prompt_erased)
			raw_write("\n", 1);
		prompt_active = false;
	}
	if (console_locking)
		spin_unlock(&console_lock);
}

/*
 * The focused VM loses the focus in the middle of a line: the line goes
 * back into its buffer (off the terminal), so that it is printed whole,
 * like any unfocused VM's, when it ends.
 */
static void unfocus_partial_line_locked(void)
{
	struct vm *vm = partial_vm;

	if (!vm)
		return;
	if (!partial_erased)
		raw_write("\r\x1b[K", 4);
	vm->line_len = MIN(partial_len, sizeof(vm->line) - 1);
	for (unsigned i = 0; i < vm->line_len; i++)
		vm->line[i] = partial_text[i];
	partial_vm = NULL;
	partial_len = 0;
	partial_erased = false;
}

/* The focused VM's line is over (it printed '\n', or lost the focus): nothing to redraw. */
static void end_partial_line_locked(void)
{
	if (partial_vm && !partial_erased)
		raw_write("\n", 1);
	partial_vm = NULL;
	partial_len = 0;
	partial_erased = false;
}

void console_write(const char *s, size_t len)
{
	if (console_locking)
		spin_lock(&console_lock);
	clear_partial_line_locked();
	raw_write(s, len);
	redraw_partial_line_locked();
	if (console_locking)
		spin_unlock(&console_lock);
}

void hv_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, n);
}

/* Each VM's output filter (hyparm/console_filter.h), by VM id. Guarded by console_lock. */
static struct console_filter filters[VM_MAX + 1];

static struct console_filter *filter_of(struct vm *vm)
{
	return &filters[vm->id % (VM_MAX + 1)];
}

static void vm_prefix_locked(struct vm *vm)
{
	raw_write("[", 1);
	raw_write(vm->name, __builtin_strlen(vm->name));
	raw_write("] ", 2);
}

static void vm_line_flush_locked(struct vm *vm)
{
	if (partial_vm == vm)
		end_partial_line_locked();
	clear_partial_line_locked();
	vm_prefix_locked(vm);
	raw_write(vm->line, vm->line_len);
	raw_write("\n", 1);
	vm->line_len = 0;
	redraw_partial_line_locked();
}

/* The focused VM's character goes straight to the terminal. Lock held. */
static void vm_putc_direct_locked(struct vm *vm, u8 c)
{
	if (vm->line_len) {
		/* It had a buffered line from before it got the focus: that comes first. */
		end_partial_line_locked();
		vm_prefix_locked(vm);
		raw_write(vm->line, vm->line_len);
		console_filter_at_col(filter_of(vm), vm->line_len);
		for (unsigned i = 0; i < vm->line_len && i < sizeof(partial_text); i++)
			partial_text[i] = vm->line[i];
		partial_len = MIN(vm->line_len, sizeof(partial_text));
		vm->line_len = 0;
		partial_vm = vm;
	}
	if (partial_vm != vm) {
		end_partial_line_locked();
		vm_prefix_locked(vm);
		console_filter_at_col(filter_of(vm), 0);
		partial_vm = vm;
	}
	if (c == '\n') {
		raw_write("\n", 1);
		partial_vm = NULL;
		partial_len = 0;
	} else {
		raw_write((const char *)&c, 1);
		if (partial_len < sizeof(partial_text))
			partial_text[partial_len++] = c;
	}
}

/* One byte the filter let through for vm ('\n': its line ends). Lock held. */
static void vm_emit_locked(struct vm *vm, u8 c, bool focused)
{
	if (focused)
		vm_putc_direct_locked(vm, c);
	else if (c == '\n')
		vm_line_flush_locked(vm);
	else {
		vm->line[vm->line_len++] = c;
		if (vm->line_len == sizeof(vm->line))
			vm_line_flush_locked(vm);
	}
}

void console_vm_putc(struct vm *vm, u8 c)
{
	char out[CONSOLE_FILTER_OUT_MAX];
	bool focused;
	size_t n;

	/* The lock also guards vm->line and the filter: the VM's vCPUs may write from several CPUs. */
	spin_lock(&console_lock);
	focused = vm == focused_vm();
	n = console_filter_byte(filter_of(vm), c, focused, out);
	for (size_t i = 0; i < n; i++)
		vm_emit_locked(vm, (u8)out[i], focused);
	spin_unlock(&console_lock);
}

void console_vm_flush(struct vm *vm)
{
	spin_lock(&console_lock);
	if (vm->line_len)
		vm_line_flush_locked(vm);
	/* Only vm's own unfinished line ends: the focused VM's (another's) stays and is redrawn whole. */
	if (partial_vm == vm)
		end_partial_line_locked();
	spin_unlock(&console_lock);
}

/*
 * Console input goes to one VM at a time, the one with focus. Ctrl-A then a
 * digit gives the focus to that VM (0-based), Ctrl-A n to the next one;
 * Ctrl-A Ctrl-A sends a Ctrl-A to the guest.
 */
#define CTRL_A 0x01

static const struct console_port *ports[VM_MAX]; /* by VM id */

void console_attach(struct vm *vm, const struct console_port *port)
{
	ports[vm->id] = port;
}

/* A byte for vm's UART; false if it has none or no room. */
static bool vm_input(struct vm *vm, u8 c)
{
	const struct console_port *p = ports[vm->id];
	return p && p->rx(p->ctx, c);
}

static bool vm_drains(struct vm *vm)
{
	const struct console_port *p = ports[vm->id];
	return p && p->drains(p->ctx);
}

static struct vm *const *input_vms;
static unsigned input_nr_vms, input_focus;
static unsigned ctrl_a_run; /* Ctrl-a pressed this many times in a row */

static enum irq_result console_irq(u32 intid, void *ctx)
{
	console_input_poll();
	return IRQ_DONE;
}

void console_input_init(unsigned intid, struct vm *const *vms, unsigned nr_vms)
{
	irq_register(intid, console_irq, NULL);
	input_vms = vms;
	input_nr_vms = nr_vms;
	input_focus = 0;
	monitor_init(vms, nr_vms);
	hv_printf("hyparm: console input goes to vm %s (Ctrl-a three times: the next VM%s, then the "
		  "monitor)\n",
		  vms[0]->name, nr_vms > 1 ? "" : " (none here)");
}

/* The focus cycles through the VMs, then the monitor (index input_nr_vms), then the first VM again. */
static bool monitor_focused(void)
{
	return input_focus == input_nr_vms;
}

static struct vm *focused_vm(void)
{
	return input_nr_vms && !monitor_focused() ? input_vms[input_focus] : NULL;
}

static void focus(unsigned idx)
{
	if (idx > input_nr_vms)
		return;
	if (monitor_focused())
		console_input_line(NULL, 0); /* the monitor's prompt line ends where it is */
	if (console_locking)
		spin_lock(&console_lock);
	unfocus_partial_line_locked();
	input_focus = idx; /* under the lock: console_vm_putc() decides by it what is focused */
	if (console_locking)
		spin_unlock(&console_lock);
	if (monitor_focused())
		monitor_enter();
	else
		hv_printf("\nhyparm: console input goes to vm %s\n", input_vms[idx]->name);
}

/*
 * Flow control: a guest's receive FIFO holds 32 bytes. When it is full,
 * the byte in hand is kept, the physical UART's receive interrupt is turned
 * off, and the rest waits in the UART and behind it (QEMU stops reading its
 * input then); the guest's next read of its data register lets it flow
 * again. Pasted text is not lost.
 */
static spinlock_t input_lock = SPINLOCK_INIT;
static int held = -1; /* the byte that did not fit, or -1 */

/*
 * Give the held byte to the focused VM. Returns whether input may flow.
 * Only a guest that takes receive interrupts (one that drains its FIFO, as
 * Linux's driver does) holds input back; for any other a full FIFO drops
 * the byte, so that Ctrl-A still reaches hyparm. input_lock held.
 */
static bool deliver_held_locked(void)
{
	struct vm *vm = focused_vm();

	if (held >= 0 && vm && vm->state == VM_RUNNING && !vm_input(vm, (u8)held) && vm_drains(vm))
		return false;
	held = -1;
	return true;
}

/*
 * Move typed bytes from the UART to the focused VM (or the monitor) until
 * the UART is empty or the VM's FIFO is full. Returns false when input is
 * held back then. The interrupt is acknowledged first, so a byte arriving
 * meanwhile raises it again. Ctrl-a three times in a row moves the focus
 * on (Xen's convention); the first two reach the VM like any byte, so a
 * guest's own Ctrl-a keys still work. input_lock held.
 */
static bool pump_locked(void)
{
	int c;

	uart_ack_rx_irq();
	if (!deliver_held_locked())
		return false;
	while ((c = uart_getc()) >= 0) {
		if (!input_nr_vms)
			continue;
		if (c == CTRL_A && ++ctrl_a_run == 3) {
			ctrl_a_run = 0;
			focus((input_focus + 1) % (input_nr_vms + 1));
			continue;
		}
		if (c != CTRL_A)
			ctrl_a_run = 0;
		if (monitor_focused()) {
			int to = c == CTRL_A ? -1 : monitor_input((u8)c);
			if (to >= 0)
				focus((unsigned)to);
			continue;
		}
		held = c;
		if (!deliver_held_locked())
			return false;
	}
	return true;
}

void console_input_poll(void)
{
	spin_lock(&input_lock);
	if (!pump_locked())
		uart_disable_rx_irq(); /* until the guest reads: console_input_resume() */
	spin_unlock(&input_lock);
}

void console_input_resume(struct vm *vm)
{
	if (__atomic_load_n(&held, __ATOMIC_ACQUIRE) < 0 || vm != focused_vm())
		return;
	spin_lock(&input_lock);
	/* The UART does not raise its interrupt again for what it already holds: read it from here. */
	if (held >= 0 && pump_locked())
		uart_enable_rx_irq();
	spin_unlock(&input_lock);
}
