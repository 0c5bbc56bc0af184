/*
 * hyparm's monitor: a command line on the physical console, reached by
 * moving the console's focus past the last VM (Ctrl-a three times, see
 * core/console.c). Commands: list, stats VM, stop VM, start VM, restart VM,
 * console VM, help. It runs in the console's input interrupt, on whichever
 * CPU takes it, and acts on VMs only through the VM lifecycle calls
 * (hyparm/vmm.h), which are safe from any CPU.
 */
#ifndef HYPARM_MONITOR_H
#define HYPARM_MONITOR_H

#include <hyparm/types.h>

struct vm;

/* The VMs it knows (the same array the console's focus cycles through). */
void monitor_init(struct vm *const *vms, unsigned nr_vms);
/* The monitor got the focus: banner and prompt. */
void monitor_enter(void);
/*
 * One typed byte. Returns the index of the VM that should get the focus
 * (the `console` command), or -1 to keep it.
 */
int monitor_input(u8 c);
/* The per-VM statistics `stats` prints, also printed when a VM stops. */
void monitor_print_stats(struct vm *vm);

#endif
