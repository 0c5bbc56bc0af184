/*
 * hyparm's console multiplexes its own messages and every VM's UART output
 * on the one physical UART. Guest output is collected per VM and printed a
 * whole line at a time as "[name] line", so lines of two VMs never mix.
 */
#ifndef HYPARM_CONSOLE_H
#define HYPARM_CONSOLE_H

#include <hyparm/types.h>

struct vm;

/* Where console input for a VM goes: its UART device registers this. */
struct console_port {
	bool (*rx)(void *ctx, u8 c); /* one byte; false if there is no room */
	bool (*drains)(void *ctx); /* the guest takes receive interrupts: input may wait for it */
	void *ctx;
};

/* The MMU is on (exclusives work): take the console lock from now on (boot_main). */
void console_enable_locking(void);
/* Write a string to the physical console under the console lock. */
void console_write(const char *s, size_t len);
/*
 * The monitor's unfinished input line is text (its prompt and what was
 * typed): drawn now, and drawn again after any other output, which never
 * splits it. NULL: the line is finished (Enter), a newline ends it.
 */
void console_input_line(const char *text, size_t len);
/* One byte of a VM's UART output. */
void console_vm_putc(struct vm *vm, u8 c);
/* Print what is left in the VM's line buffer (at power-off). */
void console_vm_flush(struct vm *vm);

/* vm's console input goes to port (its UART). */
void console_attach(struct vm *vm, const struct console_port *port);
/* Read what was typed and hand it to the VM that has the console's focus. */
void console_input_poll(void);
/* The guest read from vm's UART: if input was held back for lack of room there, let it flow again. */
void console_input_resume(struct vm *vm);
/* Start serving input: UART RX interrupt on, focus on the first VM. */
void console_input_init(unsigned intid, struct vm *const *vms, unsigned nr_vms);

#endif
