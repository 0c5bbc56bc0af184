/* Device-owned system registers (see hyparm/sysreg_hook.h): the hooks sit in the `sysreg_hooks` section. */
#include <hyparm/sysreg_hook.h>

/* Weak: a program with no hook (a host test) has no section. */
extern const struct sysreg_hook __start_sysreg_hooks[] __attribute__((weak));
extern const struct sysreg_hook __stop_sysreg_hooks[] __attribute__((weak));

const struct sysreg_hook *sysreg_hook_find(u32 enc)
{
	for (const struct sysreg_hook *h = __start_sysreg_hooks; h < __stop_sysreg_hooks; h++)
		if (h->enc == enc)
			return h;
	return NULL;
}
