/* Formatted output for hyparm's own messages. */
#ifndef HYPARM_PRINT_H
#define HYPARM_PRINT_H

#include <stdarg.h>
#include <hyparm/types.h>

/*
 * Supports %d %i %u %x %X %p %s %c %% with flags '-', '0', width, and the
 * length modifiers l, ll, z. Always NUL-terminates; returns the length the
 * full output would have had.
 */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Print to hyparm's console, whole message at once under the console lock. */
void hv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
