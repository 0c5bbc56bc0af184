/*
 * hyparm's console multiplexes its own messages and every VM's UART output
 * on the one physical UART. Guest output is collected per VM and printed a
 * whole line at a time as "[name] line", so lines of two VMs never mix.
 */
#ifndef HYPARM_CONSOLE_H
#define HYPARM_CONSOLE_H

#include <hyparm/types.h>

struct vm;

/* Write a string to the physical console under the console lock. */
void console_write(const char *s, size_t len);
/* One byte of a VM's UART output. */
void console_vm_putc(struct vm *vm, u8 c);
/* Print what is left in the VM's line buffer (at power-off). */
void console_vm_flush(struct vm *vm);

/* Physical interrupt of the console UART's receiver (0 if it has none). */
unsigned console_input_intid(void);
/* Read what was typed and hand it to the VM that has the console's focus. */
void console_input_poll(void);
/* The guest read from vm's UART: if input was held back for lack of room there, let it flow again. */
void console_input_resume(struct vm *vm);
/* Start serving input: UART RX interrupt on, focus on the first VM. */
void console_input_init(unsigned intid, struct vm *const *vms, unsigned nr_vms);

#endif
