/*
 * The C side of the guest-exit vectors (entry.S): read the syndrome
 * registers, decode once, and hand the exit to the core (hyparm/exit.h).
 * This is the only place arch calls up into the core.
 */
#include <arch/esr.h>
#include <arch/sysreg.h>
#include <arch/watchdog.h>
#include <hyparm/exit.h>
#include <hyparm/vm.h>

struct vcpu *handle_guest_sync(struct vcpu *v);
struct vcpu *handle_guest_irq(struct vcpu *v);
struct vcpu *handle_guest_serror(struct vcpu *v);

struct vcpu *handle_guest_sync(struct vcpu *v)
{
	struct exit_info e;

	esr_decode(read_sysreg(esr_el2), read_sysreg(far_el2), read_sysreg(hpfar_el2), &e);
	watchdog_unmask();   /* after the syndrome: a tick's ERET leaves ESR/FAR_EL2 UNKNOWN */
	return vcpu_exit_sync(v, &e);
}

struct vcpu *handle_guest_irq(struct vcpu *v)
{
	watchdog_unmask();
	return vcpu_exit_irq(v);
}

struct vcpu *handle_guest_serror(struct vcpu *v)
{
	u64 esr = read_sysreg(esr_el2);

	watchdog_unmask();
	return vcpu_exit_serror(v, esr);
}
