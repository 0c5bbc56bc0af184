/*
 * VM life cycle: build a VM from its config (RAM, stage 2, devices, vCPUs,
 * a plan for its boot images), start it, power it off, reset it, or give
 * up on it.
 *
 * Starting and resetting are the same job: the VM enters VM_RESETTING and
 * the CPU of its boot vCPU runs vm_reset_step() in pieces (scrub RAM, copy
 * the images, clean the caches, reset the devices) between which it serves
 * interrupts and its other vCPUs. Nothing waits with interrupts masked, two
 * resets cannot collide (the state change is a compare-and-swap), and each
 * VM's CPU loads its own VM in parallel with the others.
 */
#include <arch/cache.h>
#include <arch/hyp_timer.h>
#include <arch/stage2.h>
#include <arch/tlb.h>
#include <arch/vcpu_arch.h>
#include <arch/vgic_lr.h>
#include <drivers/gic.h>
#include <hyparm/bundle.h>
#include <hyparm/console.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/exit.h>
#include <hyparm/guest_fdt.h>
#include <hyparm/loader.h>
#include <hyparm/monitor.h>
#include <hyparm/page_alloc.h>
#include <hyparm/pcpu.h>
#include <hyparm/print.h>
#include <hyparm/restart.h>
#include <hyparm/sched.h>
#include <hyparm/vm.h>
#include <hyparm/vmconfig.h>
#include <hyparm/vmm.h>
#include <string.h>


/* Does s contain word? */
static bool mentions(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s; s++)
		if (strncmp(s, word, n) == 0)
			return true;
	return false;
}

/*
 * The devices every VM has unless its config names others; the interrupt
 * controller comes first. Its version is the host GIC's: the guest's CPU
 * interface is the hardware's virtual one (a config that names one
 * explicitly gets an error on the other kind of host). A firmware VM also
 * has QEMU virt's flash, where its firmware is.
 */
static const char *default_devices(bool firmware)
{
	const struct vgic_lr_backend *be = arch_vgic_backend();
	bool v2 = be && be->version == 2;

	if (firmware)
		return v2 ? "gicv2 arm-vtimer arm-ptimer arm-pmu pl011 pvtime pl031 virtio-mmio cfi-flash"
			  : "gicv3 gicv3-its arm-vtimer arm-ptimer arm-pmu pl011 pvtime pl031 virtio-mmio "
			    "cfi-flash";
	return v2 ? "gicv2 arm-vtimer arm-ptimer arm-pmu pl011 pvtime pl031 virtio-mmio"
		  : "gicv3 gicv3-its arm-vtimer arm-ptimer arm-pmu pl011 pvtime pl031 virtio-mmio";
}

/* Create the VM's devices, in the order its config lists them (space-separated registry names). */
static int vm_create_devices(struct vm *vm, char *err, size_t errlen)
{
	const char *p = vm->config->devices[0] ? vm->config->devices
					       : default_devices(vm->config->firmware[0]);

	while (*p) {
		char name[32];
		size_t n = 0;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		while (*p && *p != ' ' && *p != '\t' && *p != ',') {
			if (n + 1 < sizeof(name))
				name[n++] = *p;
			p++;
		}
		if (!n)
			break;
		name[n] = 0;
		int rc = vdev_create(vm, name, err, errlen);
		if (rc) {
			char why[160];
			hv_snprintf(why, sizeof(why), "%s", err);
			hv_snprintf(err, errlen, "%s: %s", vm->config->where, why);
			return rc;
		}
	}
	/* A node's device that stands on another (ivshmem on the PCI bridge) gets it if `devices` left it out. */
	for (u32 i = 0; i < vm->config->nr_devnodes; i++) {
		const char *needs = vm->config->devnodes[i].schema->needs;
		bool have = false;
		if (!needs)
			continue;
		for (unsigned j = 0; j < vm->nr_devices; j++)
			have |= !strcmp(vm->devices[j].type->name, needs);
		int rc = have ? HV_OK : vdev_create(vm, needs, err, errlen);
		if (rc) {
			char why[160];
			hv_snprintf(why, sizeof(why), "%s", err);
			hv_snprintf(err, errlen, "%s: %s (for device node %s)", vm->config->where, why,
				    vm->config->devnodes[i].name);
			return rc;
		}
	}
	/* Then the manifest's device nodes, in source order; their refusals name the node's own line. */
	for (u32 i = 0; i < vm->config->nr_devnodes; i++) {
		const struct devnode *dn = &vm->config->devnodes[i];
		int rc = vdev_create_node(vm, dn, err, errlen);
		if (rc) {
			char why[200], where[VMCONF_WHERE_MAX + 64];
			/*
			 * A device's devnode_fail() already says where (the node's line, or
			 * its property's: so look for the node's path); other refusals get
			 * the node's place.
			 */
			devnode_where(dn, where, sizeof(where));
			const char *path = strrchr(where, ' ');
			if (!mentions(err, path ? path + 1 : where)) {
				hv_snprintf(why, sizeof(why), "%s", err);
				hv_snprintf(err, errlen, "%s: %s", where, why);
			}
			return rc;
		}
	}
	/* A firmware VM starts at IPA 0: something must be there to run (the flash device). */
	if (vm->config->firmware[0] && !mmio_bus_find(&vm->mmio, GUEST_FLASH0_IPA)) {
		hv_snprintf(err, errlen, "%s: firmware needs the flash at IPA 0 (cfi-flash)",
			    vm->config->where);
		return -HV_EINVAL;
	}
	if (!vm->irqchip) {
		hv_snprintf(err, errlen,
			    "%s: vm %s: no interrupt controller among its devices (gicv3, gicv2)",
			    vm->config->where, vm->name);
		return -HV_EINVAL;
	}
	return HV_OK;
}

static struct vm vm_storage[VM_MAX];
static struct vcpu vcpu_storage[VM_MAX][VM_MAX_VCPUS];

void vm_release_if_idle(struct vm *vm)
{
	if (!__atomic_load_n(&vm->release_pending, __ATOMIC_ACQUIRE))
		return;
	/* Pairs with the barrier in the scheduler's enter(): it sees the stop, or we see its vCPU loaded. */
	arch_smp_mb();
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (__atomic_load_n(&vm->vcpus[i]->running, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&vm->vcpus[i]->loaded, __ATOMIC_ACQUIRE))
			return; /* its CPU calls us again when it unloads it */
	/* Before the RAM goes: no device writes it from another CPU any more (before ram_lock: devices take it inside theirs). */
	vdev_quiesce_all(vm);
	spin_lock(&vm->ram_lock);
	if (vm->release_pending && vm->memory_held) {
		vm->release_pending = false;
		vm_memory_free(vm);
	}
	vm->release_pending = false;
	spin_unlock(&vm->ram_lock);
}

int vm_create(const struct vm_config *cfg, unsigned id, const struct guest_bundle *bundle, struct vm **out,
	      char *err, size_t errlen)
{
	struct vm *vm = &vm_storage[id];
	int rc;

	if (id >= VM_MAX || cfg->vcpus > VM_MAX_VCPUS) {
		hv_snprintf(err, errlen, "%s: too many VMs or vCPUs", cfg->where);
		return -HV_EINVAL;
	}
	if (cfg->mem_size > VM_RAM_MAX) {
		hv_snprintf(err, errlen, "%s: %llu MiB of RAM, more than a VM can have (%llu MiB)",
			    cfg->where, (unsigned long long)(cfg->mem_size >> 20),
			    (unsigned long long)(VM_RAM_MAX >> 20));
		return -HV_EINVAL;
	}
	memset(vm, 0, sizeof(*vm));
	hv_snprintf(vm->name, sizeof(vm->name), "%s", cfg->name);
	vm->id = id;
	vm->state = VM_POWERED_OFF; /* until vm_start() */
	vm->config = cfg;
	vm->weight = cfg->weight;
	vm->mte = !cfg->no_mte;
	vm->bundle = bundle;
	vm->ram_ipa = GUEST_RAM_IPA;
	vm->ram_size = cfg->mem_size;
	rc = vm_memory_alloc(vm, err, errlen);
	if (rc)
		return rc;

	vm->nr_vcpus = cfg->vcpus;
	for (unsigned i = 0; i < cfg->vcpus; i++) {
		struct vcpu *v = &vcpu_storage[id][i];
		unsigned cpu = cfg->nr_pcpus ? cfg->pcpus[i % cfg->nr_pcpus] : (id + i) % nr_pcpus;

		if (cpu >= nr_pcpus) {
			hv_snprintf(err, errlen,
				    "%s: vm %s: physical CPU %u does not exist (the machine has %u)",
				    cfg->where, vm->name, cpu, nr_pcpus);
			return -HV_EINVAL;
		}
		memset(v, 0, sizeof(*v));
		/* The arch's state that is sized at boot (the SVE registers at hyparm's vector length). */
		if (arch_vcpu_state_bytes()) {
			void *area = page_alloc((arch_vcpu_state_bytes() + PAGE_SIZE - 1) / PAGE_SIZE);
			if (!area) {
				hv_snprintf(err, errlen, "%s: vm %s: no memory for vCPU %u's SVE registers",
					    cfg->where, vm->name, i);
				return -HV_ENOMEM;
			}
			arch_vcpu_set_state_area(v, area);
		}
		v->vm = vm;
		v->id = i;
		v->mpidr = vcpu_mpidr_for(i);
		v->state = VCPU_OFF;
		vm->vcpus[i] = v;
		sched_place(v, cpu);
	}
	rc = vm_create_devices(vm, err, errlen);
	if (rc)
		return rc;
	rc = vm_plan_images(vm, err, errlen);
	if (rc)
		return rc;
	*out = vm;
	return HV_OK;
}

struct vm *vm_by_id(unsigned id)
{
	return &vm_storage[id];
}

/* Begin a (re)load of vm: its boot vCPU's CPU takes it from here (vm_reset_step). */
static void begin_reset(struct vm *vm)
{
	unsigned self = this_pcpu()->id;

	vm->reset_phase = RESET_FORGET;
	vm->reset_off = 0;
	/* Before RESET_FORGET unmaps and scrubs the RAM: nothing from outside may write it from here on. */
	vdev_quiesce_all(vm);
	/*
	 * Everyone off the CPU: a vCPU in the guest elsewhere is interrupted so
	 * that it notices. Its CPU is interrupted whatever its flags say: one
	 * that picked the vCPU before the state changed may be about to enter
	 * it (running not yet set, need_resched cleared by enter()); the SGI
	 * then waits until that entry and brings it straight back out.
	 */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *o = vm->vcpus[i];
		o->state = VCPU_OFF;
		pcpus[o->pcpu].need_resched =
			true; /* its next exit leaves the fast path (sched_after_exit) */
		arch_smp_mb();
		if (o->pcpu != self)
			gic_send_wake(o->pcpu);
	}
	/* The boot vCPU's CPU runs the reset: let it know. */
	pcpus[vm->vcpus[0]->pcpu].need_rearm = true;
	arch_smp_mb();
	if (vm->vcpus[0]->pcpu != self)
		gic_send_wake(vm->vcpus[0]->pcpu);
}

void vm_start(struct vm *vm)
{
	/* The guest's virtual counter starts near zero, as under KVM. */
	vm->cntvoff = hyp_timer_now();
	vm->state = VM_RESETTING;
	begin_reset(vm);
}

/* Every vCPU stops; CPUs running or holding one of them are interrupted so they notice and unload it. */
static void vm_stop_vcpus(struct vm *vm)
{
	unsigned self = this_pcpu()->id;

	/* Before the RAM can be given back (vm_release_if_idle): nothing from outside writes it any more. */
	vdev_quiesce_all(vm);

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		v->state = VCPU_STOPPED;
		pcpus[v->pcpu].need_resched =
			true; /* its next exit leaves the fast path (sched_after_exit) */
		arch_smp_mb();
		if (v->pcpu != self) /* whatever its flags say: see begin_reset() */
			gic_send_wake(v->pcpu);
	}
}

static bool vm_enter_state(struct vm *vm, enum vm_state s)
{
	enum vm_state running = VM_RUNNING;
	/* Two vCPUs may stop or reset the VM at once (SYSTEM_OFF on one, a crash on another): first one wins. */
	return __atomic_compare_exchange_n(&vm->state, &running, s, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* What made the VM's vCPUs exit, summed: the first thing to look at when a guest is slow. */
static void vm_print_exits(struct vm *vm)
{
	char buf[256];
	int n = hv_snprintf(buf, sizeof(buf), "hyparm: vm %s: exits:", vm->name);

	for (unsigned k = 0; k < EXIT_KIND_COUNT && n < (int)sizeof(buf); k++) {
		u64 sum = 0;
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			sum += vm->vcpus[i]->exits[k];
		if (sum)
			n += hv_snprintf(buf + n, sizeof(buf) - n, " %s %llu", exit_kind_name(k),
					 (unsigned long long)sum);
	}
	hv_printf("%s\n", buf);
}

/* The guest's PSTATE mode field, for the report. */
static const char *pstate_mode(u64 spsr)
{
	switch (spsr & 0xf) {
	case SPSR_MODE_EL0T:
		return "EL0t";
	case SPSR_MODE_EL1T:
		return "EL1t";
	case SPSR_MODE_EL1H:
		return "EL1h";
	}
	return "?";
}

/*
 * The crashing vCPU's registers, for whoever must find out why. Every crash
 * is noticed on the CPU the crashing vCPU is loaded on (its exit, hyparm's
 * timer interrupting it), so its EL1 registers are read from the CPU; a
 * crash with none of its vCPUs there (a failed reset) has no registers.
 * ESR_EL1/FAR_EL1 are the last exception the guest took or hyparm gave it:
 * in an exception loop, the first fault (the loop is the fault it then
 * takes at its own vector, which hyparm no longer injects).
 */
void vm_report_crash_registers(struct vm *vm)
{
	struct pcpu *p = this_pcpu();
	struct vcpu *v = p->loaded;
	const struct gp_regs *r;
	const struct el1_sysregs *s;
	const char *n = vm->name;

	if (!v || v->vm != vm) {
		hv_printf("hyparm: vm %s: no vCPU of it was on the CPU: no registers\n", n);
		return;
	}
	arch_vcpu_sync_sysregs(v);
	r = &v->arch.regs;
	s = &v->arch.sys;
	hv_printf("hyparm: vm %s: vcpu %u: pc %016llx pstate %08llx (%s, DAIF %c%c%c%c)\n", n, v->id,
		  (unsigned long long)r->elr, (unsigned long long)r->spsr, pstate_mode(r->spsr),
		  r->spsr & SPSR_D ? 'D' : '-', r->spsr & SPSR_A ? 'A' : '-', r->spsr & SPSR_I ? 'I' : '-',
		  r->spsr & SPSR_F ? 'F' : '-');
	hv_printf("hyparm: vm %s: vcpu %u: esr_el1 %016llx far_el1 %016llx (its last exception: in a loop, "
		  "the first fault)\n",
		  n, v->id, (unsigned long long)s->esr_el1, (unsigned long long)s->far_el1);
	for (unsigned i = 0; i < 31; i += 4) {
		char line[128];
		int len = 0;
		for (unsigned j = i; j < i + 4 && j < 31; j++)
			len += hv_snprintf(line + len, sizeof(line) - len, " x%-2u %016llx", j,
					   (unsigned long long)r->x[j]);
		hv_printf("hyparm: vm %s: vcpu %u:%s\n", n, v->id, line);
	}
	hv_printf("hyparm: vm %s: vcpu %u: sp_el1 %016llx elr_el1 %016llx spsr_el1 %08llx\n", n, v->id,
		  (unsigned long long)s->sp_el1, (unsigned long long)s->elr_el1,
		  (unsigned long long)s->spsr_el1);
	hv_printf("hyparm: vm %s: vcpu %u: vbar_el1 %016llx sctlr_el1 %016llx\n", n, v->id,
		  (unsigned long long)s->vbar_el1, (unsigned long long)s->sctlr_el1);
}

/* Back to a first boot from its images, from a stopped state; false if it was not in it. */
static bool vm_boot_again(struct vm *vm, enum vm_state from)
{
	if (!__atomic_compare_exchange_n(&vm->state, &from, VM_RESETTING, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	vm->cntvoff = hyp_timer_now();
	begin_reset(vm);
	return true;
}

/* vm stopped and nothing starts it again (but the monitor): it leaves the running count and gives its memory back. */
static void stay_down(struct vm *vm)
{
	__atomic_store_n(&vm->release_pending, true, __ATOMIC_RELEASE);
	vm_release_if_idle(vm);
	sched_vm_stopped();
}

/*
 * vm stopped by itself (crashed: hyparm stopped it; else it powered off) and
 * is in that state: its restart policy says whether it boots again. A VM
 * that stays down leaves the running count (the last one powers the machine
 * off) and gives its memory back once its vCPUs are off every CPU.
 */
static void vm_after_stop(struct vm *vm, bool crashed)
{
	enum vm_state stopped = crashed ? VM_CRASHED : VM_POWERED_OFF;
	const char *policy = restart_policy_name(vm->config->restart);

	switch (restart_decide(&vm->restart, vm->config->restart, crashed, hyp_timer_now(),
			       hyp_timer_freq())) {
	case RESTART_AGAIN:
		hv_printf("hyparm: vm %s: restarting (restart = \"%s\"): restart %u\n", vm->name, policy,
			  vm->restart.restarts);
		if (vm_boot_again(vm, stopped))
			return;
		/* The monitor started it meanwhile, and counted it again: it runs, counted once. */
		sched_vm_stopped();
		return;
	case RESTART_LOOP:
		hv_printf("hyparm: vm %s: %u stops within %u s: a restart loop, it stays down\n", vm->name,
			  RESTART_LOOP_STOPS, RESTART_LOOP_SECONDS);
		break;
	case RESTART_STAY_DOWN:
		break;
	}
	stay_down(vm);
}

/* by_guest: its own SYSTEM_OFF, which its restart policy may undo; else someone stopped it (the monitor). */
static void power_off(struct vm *vm, bool by_guest)
{
	if (!vm_enter_state(vm, VM_POWERED_OFF))
		return;
	vm_stop_vcpus(vm);
	console_vm_flush(vm);
	hv_printf("hyparm: vm %s: powered off\n", vm->name);
	vm_print_exits(vm);
	monitor_print_stats(vm); /* what the monitor's `stats` shows */
	if (by_guest)
		vm_after_stop(vm, false);
	else
		stay_down(vm);
}

void vm_power_off(struct vm *vm)
{
	power_off(vm, true);
}

void vm_stop(struct vm *vm)
{
	power_off(vm, false);
}

void vm_crash(struct vm *vm, const char *fmt, ...)
{
	char why[320];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!vm_enter_state(vm, VM_CRASHED))
		return;
	vm_stop_vcpus(vm);
	console_vm_flush(vm);
	hv_printf("hyparm: vm %s: stopped: %s\n", vm->name, why);
	vm_report_crash_registers(vm);
	vm_after_stop(vm, true);
}

bool vm_start_stopped(struct vm *vm)
{
	enum vm_state s = __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
	char err[160];
	int rc = HV_OK;

	if (s != VM_POWERED_OFF && s != VM_CRASHED)
		return false;
	/* Its memory first (RAM and stage 2 may have been given back), so that its reset never runs without it. */
	spin_lock(&vm->ram_lock);
	vm->release_pending = false;
	if (!vm->memory_held)
		rc = vm_memory_alloc(vm, err, sizeof(err));
	spin_unlock(&vm->ram_lock);
	if (rc) {
		hv_printf("hyparm: vm %s: cannot start: %s\n", vm->name, err);
		return false;
	}
	memset(&vm->restart, 0, sizeof(vm->restart)); /* someone started it by hand: a new history */
	sched_vm_started(); /* first: it may stop again as soon as it boots */
	if (!vm_boot_again(vm, s)) {
		sched_vm_stopped();
		return false;
	}
	hv_printf("hyparm: vm %s: started again\n", vm->name);
	return true;
}

void vm_reset(struct vm *vm)
{
	/* A second SYSTEM_RESET while one is under way (or after the VM stopped) changes nothing. */
	if (!vm_enter_state(vm, VM_RESETTING))
		return;
	console_vm_flush(vm);
	hv_printf("hyparm: vm %s: reset\n", vm->name);
	begin_reset(vm);
}
