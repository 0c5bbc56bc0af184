/*
 * Physical interrupts hyparm receives (see hyparm/irq.h): one handler per
 * INTID, registered by its owner, whether a guest was running or the CPU
 * was idle.
 */
#include <drivers/gic.h>
#include <hyparm/errno.h>
#include <hyparm/irq.h>

struct irq_entry {
	irq_handler_t fn;
	void *ctx;
};

/* Written at boot (before secondaries start) and read-only afterwards. */
static struct irq_entry irq_table[IRQ_MAX];

int irq_register(u32 intid, irq_handler_t fn, void *ctx)
{
	if (intid >= IRQ_MAX || !fn)
		return -HV_EINVAL;
	if (irq_table[intid].fn)
		return -HV_EEXIST;
	irq_table[intid] = (struct irq_entry){ fn, ctx };
	return HV_OK;
}

void irq_handle_physical(void)
{
	for (;;) {
		u32 intid = gic_ack();
		enum irq_result r = IRQ_DONE;

		if (intid >= IRQ_MAX)
			return;
		if (irq_table[intid].fn)
			r = irq_table[intid].fn(intid, irq_table[intid].ctx);
		/* Priority drop always; a forwarded interrupt stays active until the guest deactivates it. */
		gic_eoi(intid, r == IRQ_DONE);
	}
}
