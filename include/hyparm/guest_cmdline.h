/*
 * The kernel command line a VM's guest boots with: its config's, plus what
 * makes a Linux guest's panic visible to hyparm (pure logic, unit-tested).
 *
 * Linux's default (panic=0) leaves a panicked kernel spinning, silently, for
 * ever. A Linux Image whose command line says nothing of it gets
 *   panic=1            reboot one second after a panic
 *   reboot=panic_warm  make that reboot a warm one: Linux then asks for it
 *                      with PSCI SYSTEM_RESET2 (SYSTEM_WARM_RESET), where an
 *                      ordinary reboot asks for SYSTEM_RESET (a cold one)
 * so the reset that follows a panic can be told from a reboot, and hyparm
 * reports it as a crash (core/psci.c). Each is added only where the command
 * line does not name that parameter itself: panic=0 (to look at a panicked
 * guest) or panic=10 are the user's choice, and with a reboot= of the user's
 * no warm reset counts as a panic.
 */
#ifndef HYPARM_GUEST_CMDLINE_H
#define HYPARM_GUEST_CMDLINE_H

#include <hyparm/types.h>

#define GUEST_CMDLINE_PANIC " panic=1"
#define GUEST_CMDLINE_PANIC_WARM " reboot=panic_warm"

/*
 * Write the guest's command line (config's cmdline, for a Linux Image when
 * is_linux) into out (outlen bytes). Returns whether its warm reset means a
 * panic (reboot=panic_warm was added). A line that does not fit with the
 * additions is passed on unchanged.
 */
bool guest_cmdline_build(char *out, size_t outlen, const char *cmdline, bool is_linux);

#endif
