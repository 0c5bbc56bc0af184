/*
 * What of a guest's UART output may reach the terminal (core/console_filter.c).
 *
 * Every guest line starts with hyparm's "[name] " prefix, and nothing a
 * guest prints may move the cursor off its own line, back over its prefix
 * or clear other text: otherwise a guest could print lines that look like
 * another VM's or hyparm's own (which the launcher parses). The rule:
 *  - printable ASCII and tab pass; '\n' ends the line (the console prints
 *    the next one under a fresh prefix); '\r' is dropped;
 *  - for the VM with input focus only, what a shell's line editing needs:
 *    backspace and CSI n D (cursor left) while they stay right of the
 *    prefix, CSI n C (right), CSI K / 0K and CSI J / 0J (erase from the cursor on),
 *    CSI ... m (colours) and CSI 5n / 6n (status reports: the terminal
 *    answers on the focused VM's input);
 *  - anything else is shown, not obeyed: a control byte C as ^C (ESC is
 *    ^[, DEL ^?), a byte above 0x7E as \xNN (UTF-8 text shows escaped: C1
 *    controls are bytes too, and some terminals obey them), a refused
 *    escape sequence as its bytes so escaped.
 */
#ifndef HYPARM_CONSOLE_FILTER_H
#define HYPARM_CONSOLE_FILTER_H

#include <hyparm/types.h>

#define CONSOLE_SEQ_MAX 16 /* longest CSI sequence kept; a longer one is refused */
#define CONSOLE_FILTER_OUT_MAX (4 * (CONSOLE_SEQ_MAX + 2))

struct console_filter {
	u8 state; /* text, after ESC, inside CSI */
	u8 seq_len;
	u8 seq[CONSOLE_SEQ_MAX]; /* the CSI sequence so far, after "ESC [" */
	unsigned col; /* where the cursor is after the prefix, as the guest moved it */
};

/*
 * Feed one guest byte; writes what the terminal may get into out (up to
 * CONSOLE_FILTER_OUT_MAX bytes) and returns how many. A '\n' in out ends
 * the line. focused: the VM has the console's input focus.
 */
size_t console_filter_byte(struct console_filter *f, u8 c, bool focused, char *out);
/* The console printed a fresh prefix for the VM, followed by col bytes of its text. */
void console_filter_at_col(struct console_filter *f, unsigned col);

#endif
