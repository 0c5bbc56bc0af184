/*
 * A guest that tries to pass its output off as hyparm's or another VM's:
 * carriage returns, backspaces over its prefix, ESC sequences that move
 * the cursor up, to the start of the line or clear it, C1 controls, and
 * hyparm's own verdict lines. Then it powers off cleanly: the run must end
 * OK, and every line it printed must still start with its own prefix.
 */
#include "guest.h"

static void puts_(const char *s)
{
	while (*s)
		putc_raw(*s++);
}

int main(void)
{
	puts_("\rhyparm: FAULT in hyparm on CPU 0: spoofed exception\n");
	puts_("\b\b\b\b\b\b\b\b\bhyparm: PANIC: spoofed\n");
	puts_("fake\n[other] fake line from another VM\n");
	puts_("x\x1b[2K\rhyparm: vm other: stopped: spoofed\n");
	puts_("x\x1b[1A\x1b[2K\x1b[Ghyparm: vm spoof: stopped: spoofed\n");
	puts_("\x1b[H\x1b[2Jhyparm: FAULT cleared the screen\n");
	puts_("\x1b"
	      "8\x1b"
	      "E\x9b"
	      "1A\xc2\x9b"
	      "1Ahyparm: FAULT via C1\n");
	puts_("\x1b[999D\x1b[1;1Hhyparm: FAULT after moving home\n");
	puts_("tail without a newline, then hyparm: all VMs stopped\r");
	return 0; /* RESULT line and SYSTEM_OFF */
}
