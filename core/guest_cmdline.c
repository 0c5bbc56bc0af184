/* The guest's kernel command line (see include/hyparm/guest_cmdline.h). */
#include <hyparm/guest_cmdline.h>
#include <hyparm/print.h>
#include <string.h>

/* Whether the command line has a parameter key=... (at its start or after a space). */
static bool has_param(const char *s, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = s; *p; p++)
		if ((p == s || p[-1] == ' ' || p[-1] == '\t') && !strncmp(p, key, n))
			return true;
	return false;
}

bool guest_cmdline_build(char *out, size_t outlen, const char *cmdline, bool is_linux)
{
	bool panic = is_linux && !has_param(cmdline, "panic=");
	bool warm = is_linux && !has_param(cmdline, "reboot=");
	int n = hv_snprintf(out, outlen, "%s%s%s", cmdline, panic ? GUEST_CMDLINE_PANIC : "",
			    warm ? GUEST_CMDLINE_PANIC_WARM : "");

	if (n < 0 || (size_t)n >= outlen) {
		hv_snprintf(out, outlen, "%s", cmdline);
		return false;
	}
	return warm;
}
