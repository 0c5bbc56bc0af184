/*
 * The virtual PL031 as a device of the registry: the register model
 * (vpl031.c) at GUEST_RTC_IPA, its counter the wall clock (core/wallclock.c,
 * set from the board's RTC at boot) plus the VM's own offset, its match
 * interrupt on SPI GUEST_RTC_INTID through a deadline at the second the
 * counter reaches RTCMR. Every VM has one, as every QEMU virt machine does:
 * Linux's hwclock and date, U-Boot's and EDK2's clocks read it.
 */
#include <arch/hyp_timer.h>
#include <hyparm/deadline.h>
#include <hyparm/errno.h>
#include <hyparm/guest_fdt.h>
#include <hyparm/irqchip.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <hyparm/wallclock.h>
#include <libfdt.h>
#include <vdev/vpl031.h>

#define NS_PER_S 1000000000ULL

struct rtc_dev {
	struct vm *vm;
	struct vpl031 rtc;
	spinlock_t lock; /* the VM's vCPUs and the deadline (on one CPU) share the model */
	struct deadline dl;
	bool line;
};

static struct rtc_dev rtcs[VM_MAX];

static void drive_line(struct rtc_dev *r)
{
	bool level = vpl031_line(&r->rtc);

	if (level != r->line) {
		r->line = level;
		vm_irq_line(r->vm, NULL, GUEST_RTC_INTID, level);
	}
}

/*
 * Arm the deadline for the second the counter reaches RTCMR (the match
 * latches at once if it is there now). The counter ticks when the wall
 * clock crosses a whole second, so the deadline is that crossing.
 */
static void rearm(struct rtc_dev *r, unsigned cpu)
{
	u64 count = arch_counter_now(), ns = wallclock_ns_at(count), freq = hyp_timer_freq();
	u32 secs;

	if (!r->rtc.mr_set || !freq) {
		deadline_cancel(&r->dl);
		return;
	}
	secs = vpl031_secs_to_match(&r->rtc, ns / NS_PER_S);
	if (!secs) {
		deadline_cancel(&r->dl);
		vpl031_match(&r->rtc);
		return;
	}
	/* secs * freq and frac * freq stay far below 2^64 for any counter frequency up to 1 GHz. */
	u64 frac = ns % NS_PER_S;
	deadline_arm(&r->dl, cpu, count + secs * freq - frac * freq / NS_PER_S);
}

static void match_due(struct deadline *d)
{
	struct rtc_dev *r = container_of(d, struct rtc_dev, dl);

	spin_lock(&r->lock);
	rearm(r, this_pcpu()->id); /* latches the match, or (a tick early by rounding) waits a little more */
	drive_line(r);
	spin_unlock(&r->lock);
}

static u64 now_s(void)
{
	return wallclock_ns() / NS_PER_S;
}

static int rtc_read(void *dev, struct vcpu *v, u64 off, unsigned size, u64 *val)
{
	struct rtc_dev *r = dev;
	u32 x = 0;

	spin_lock(&r->lock);
	int rc = vpl031_read(&r->rtc, off, size, now_s(), &x);
	spin_unlock(&r->lock);
	*val = x;
	return rc;
}

static int rtc_write(void *dev, struct vcpu *v, u64 off, unsigned size, u64 val)
{
	struct rtc_dev *r = dev;

	spin_lock(&r->lock);
	int rc = vpl031_write(&r->rtc, off, size, now_s(), (u32)val);
	if (!rc && (off == RTC_MR || off == RTC_LR))
		rearm(r, v->pcpu);
	drive_line(r);
	spin_unlock(&r->lock);
	return rc;
}

static const struct mmio_ops rtc_ops = { .read = rtc_read, .write = rtc_write };

static void rtc_reset(struct vdev *d)
{
	struct rtc_dev *r = d->state;

	deadline_cancel(&r->dl);
	spin_lock(&r->lock);
	vpl031_reset(&r->rtc);
	drive_line(r);
	spin_unlock(&r->lock);
}

static int rtc_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	struct rtc_dev *r = &rtcs[vm->id];
	int rc;

	*r = (struct rtc_dev){ .vm = vm, .lock = SPINLOCK_INIT };
	deadline_init(&r->dl, match_due);
	vpl031_reset(&r->rtc);
	d->state = r;
	rc = mmio_bus_add(&vm->mmio, GUEST_RTC_IPA, GUEST_RTC_SIZE, &rtc_ops, r, "pl031");
	if (rc)
		hv_snprintf(err, errlen, "vm %s: cannot place the PL031 (%s)", vm->name, hv_strerror(rc));
	return rc;
}

/* As QEMU virt describes its RTC: a PrimeCell with the APB clock the PL011 uses. */
static int rtc_fdt_node(struct vdev *d, void *fdt)
{
	static const char compat[] = "arm,pl031\0arm,primecell";
	char name[32];
	fdt64_t reg[2] = { cpu_to_fdt64(GUEST_RTC_IPA), cpu_to_fdt64(GUEST_RTC_SIZE) };
	fdt32_t irq[3] = { cpu_to_fdt32(0) /* SPI */, cpu_to_fdt32(GUEST_RTC_INTID - 32),
			   cpu_to_fdt32(4) /* level high */ };
	fdt32_t clk = cpu_to_fdt32(GUEST_FDT_PHANDLE_CLK);
	int e;

	hv_snprintf(name, sizeof(name), "pl031@%llx", (unsigned long long)GUEST_RTC_IPA);
	if ((e = fdt_begin_node(fdt, name)) ||
	    (e = fdt_property(fdt, "compatible", compat, sizeof(compat))) ||
	    (e = fdt_property(fdt, "reg", reg, sizeof(reg))) ||
	    (e = fdt_property(fdt, "interrupts", irq, sizeof(irq))) ||
	    (e = fdt_property(fdt, "clocks", &clk, sizeof(clk))) ||
	    (e = fdt_property_string(fdt, "clock-names", "apb_pclk")))
		return e;
	return fdt_end_node(fdt);
}

static const struct vdev_type pl031_type = {
	.name = "pl031",
	.create = rtc_create,
	.reset = rtc_reset,
	.fdt_node = rtc_fdt_node,
};
VDEV_REGISTER(pl031_type);
