/*
 * hyparm's monitor (see hyparm/monitor.h). A line editor of its own (the
 * console is a raw UART: echo, backspace, Enter) and a table of commands.
 * Everything it prints goes through hv_printf, so it never splits a VM's
 * line on the terminal.
 */
#include <arch/hyp_timer.h>
#include <hyparm/console.h>
#include <hyparm/exit.h>
#include <hyparm/irqchip.h>
#include <hyparm/monitor.h>
#include <hyparm/print.h>
#include <hyparm/sched.h>
#include <hyparm/vdev.h>
#include <hyparm/vm.h>
#include <hyparm/vmm.h>
#include <string.h>

#define LINE_MAX 80

static struct vm *const *mon_vms;
static unsigned mon_nr_vms;
static char line[LINE_MAX];
static unsigned line_len;

void monitor_init(struct vm *const *vms, unsigned nr_vms)
{
	mon_vms = vms;
	mon_nr_vms = nr_vms;
}

#define PROMPT "hyparm> "

/* The prompt and what is typed so far, as the console keeps it on the terminal. */
static void show_line(void)
{
	char buf[sizeof(PROMPT) + LINE_MAX];
	unsigned n = sizeof(PROMPT) - 1;

	memcpy(buf, PROMPT, n);
	memcpy(buf + n, line, line_len);
	console_input_line(buf, n + line_len);
}

static void prompt(void)
{
	show_line();
}

void monitor_enter(void)
{
	line_len = 0;
	hv_printf("hyparm: console input goes to the monitor (help: commands; Ctrl-a three times: "
		  "back to vm %s)\n",
		  mon_nr_vms ? mon_vms[0]->name : "-");
	prompt();
}

static const char *state_name(enum vm_state s)
{
	switch (s) {
	case VM_RUNNING:
		return "running";
	case VM_RESETTING:
		return "resetting";
	case VM_POWERED_OFF:
		return "off";
	case VM_CRASHED:
		return "crashed";
	}
	return "?";
}

/* Counter ticks as milliseconds. */
static unsigned long long ms(u64 ticks)
{
	u64 f = hyp_timer_freq();
	return f ? (unsigned long long)(ticks / (f / 1000 ? f / 1000 : 1)) : 0;
}

static unsigned long long us(u64 ticks)
{
	u64 f = hyp_timer_freq();
	return f >= 1000000 ? (unsigned long long)(ticks / (f / 1000000)) : 0;
}

static u64 vcpu_exits(const struct vcpu *v)
{
	u64 n = 0;

	for (unsigned k = 0; k < EXIT_KIND_COUNT; k++)
		n += v->exits[k];
	return n;
}

static void cmd_list(void)
{
	/* held KiB: RAM and stage-2 tables the VM holds of the page pool (0 once a stopped VM gave them back). */
	hv_printf("%-3s %-16s %-10s %5s %12s %12s %10s\n", "id", "name", "state", "vcpus", "cpu ms", "exits",
		  "held KiB");
	for (unsigned i = 0; i < mon_nr_vms; i++) {
		struct vm *vm = mon_vms[i];
		u64 t = 0, exits = 0;

		for (unsigned j = 0; j < vm->nr_vcpus; j++) {
			t += sched_vcpu_run_ticks(vm->vcpus[j]);
			exits += vcpu_exits(vm->vcpus[j]);
		}
		hv_printf("%-3u %-16s %-10s %5u %12llu %12llu %10llu\n", i, vm->name, state_name(vm->state),
			  vm->nr_vcpus, ms(t), (unsigned long long)exits,
			  (unsigned long long)(vm_memory_held_bytes(vm) >> 10));
	}
}

void monitor_print_stats(struct vm *vm)
{
	char buf[200];
	int n;

	hv_printf("hyparm: vm %s: %s, %u vCPUs, %llu MiB\n", vm->name, state_name(vm->state), vm->nr_vcpus,
		  (unsigned long long)(vm->ram_size >> 20));
	for (unsigned j = 0; j < vm->nr_vcpus; j++) {
		struct vcpu *v = vm->vcpus[j];

		n = hv_snprintf(
			buf, sizeof(buf),
			"  vcpu %u: cpu %llu ms on pCPU %u, in hyparm %llu us, interrupts %llu, exits:", j,
			ms(sched_vcpu_run_ticks(v)), v->pcpu, us(v->exit_ticks),
			(unsigned long long)(vm->irqchip && vm->irqchip->delivered ? vm->irqchip->delivered(v)
										   : 0));
		for (unsigned k = 0; k < EXIT_KIND_COUNT && n < (int)sizeof(buf); k++)
			if (v->exits[k])
				n += hv_snprintf(buf + n, sizeof(buf) - n, " %s %llu", exit_kind_name(k),
						 (unsigned long long)v->exits[k]);
		hv_printf("%s\n", buf);
		hv_printf(
			"  vcpu %u: scheduler: weight %u, %llu entries after another vCPU, %llu slices ended "
			"for another, %llu wake-ups, %llu ms stolen\n",
			j, vm->weight, (unsigned long long)v->switches_in, (unsigned long long)v->preempted,
			(unsigned long long)v->wakeups, ms(vcpu_stolen_counts(v)));
	}
	for (unsigned r = 0; r < vm->mmio.count; r++) {
		const struct mmio_region *m = &vm->mmio.regions[r];

		if (m->reads || m->writes)
			hv_printf("  device %s: %llu reads, %llu writes\n", m->name,
				  (unsigned long long)m->reads, (unsigned long long)m->writes);
	}
	/* What devices count beyond their register accesses (virtio-net, virtio-vsock: frames, packets, refusals). */
	vdev_print_stats_all(vm);
}

static void cmd_help(void)
{
	hv_printf("commands:\n"
		  "  list              VMs: state, vCPUs, CPU time, exits, memory held\n"
		  "  stats VM          exits per reason and per device, interrupts, per vCPU\n"
		  "  stop VM           power the VM off\n"
		  "  start VM          boot a stopped VM again from its images\n"
		  "  restart VM        reset a running VM (or start a stopped one)\n"
		  "  console VM        give the console's input to the VM\n"
		  "  help              this\n"
		  "VM: a name or an id from `list`. Ctrl-a three times moves the focus on.\n");
}

static int find_vm(const char *arg)
{
	for (unsigned i = 0; i < mon_nr_vms; i++)
		if (!strcmp(mon_vms[i]->name, arg))
			return (int)i;
	if (arg[0] >= '0' && arg[0] <= '9' && !arg[1] && (unsigned)(arg[0] - '0') < mon_nr_vms)
		return arg[0] - '0';
	return -1;
}

/* Run one command line; returns the VM to focus, or -1. */
static int run(char *l)
{
	char *cmd = l, *arg;
	int id;

	while (*cmd == ' ')
		cmd++;
	arg = cmd;
	while (*arg && *arg != ' ')
		arg++;
	if (*arg)
		*arg++ = '\0';
	while (*arg == ' ')
		arg++;
	for (char *e = arg + strlen(arg); e > arg && e[-1] == ' ';)
		*--e = '\0';

	if (!*cmd)
		return -1;
	if (!strcmp(cmd, "help")) {
		cmd_help();
		return -1;
	}
	if (!strcmp(cmd, "list")) {
		cmd_list();
		return -1;
	}
	if (strcmp(cmd, "stats") && strcmp(cmd, "stop") && strcmp(cmd, "start") && strcmp(cmd, "restart") &&
	    strcmp(cmd, "console")) {
		hv_printf("monitor: unknown command '%s' (help: commands)\n", cmd);
		return -1;
	}
	if (!*arg) {
		hv_printf("monitor: %s needs a VM (a name or an id from `list`)\n", cmd);
		return -1;
	}
	id = find_vm(arg);
	if (id < 0) {
		hv_printf("monitor: no VM called '%s' (list: the VMs)\n", arg);
		return -1;
	}
	struct vm *vm = mon_vms[id];
	if (!strcmp(cmd, "stats")) {
		monitor_print_stats(vm);
	} else if (!strcmp(cmd, "console")) {
		return id;
	} else if (!strcmp(cmd, "stop")) {
		if (vm->state == VM_RUNNING)
			vm_stop(vm); /* a person's stop: the VM's restart policy does not undo it */
		else
			hv_printf("monitor: vm %s is %s, not running\n", vm->name, state_name(vm->state));
	} else if (!strcmp(cmd, "start")) {
		if (!vm_start_stopped(vm))
			hv_printf("monitor: vm %s is %s: only a stopped VM starts (restart: reset it)\n",
				  vm->name, state_name(vm->state));
	} else { /* restart */
		if (vm->state == VM_RUNNING)
			vm_reset(vm);
		else if (!vm_start_stopped(vm))
			hv_printf("monitor: vm %s is %s already\n", vm->name, state_name(vm->state));
	}
	return -1;
}

int monitor_input(u8 c)
{
	int focus = -1;

	if (c == '\r' || c == '\n') {
		console_input_line(NULL, 0);
		line[line_len] = '\0';
		line_len = 0;
		focus = run(line);
		if (focus < 0)
			prompt();
		return focus;
	}
	if (c == 0x7F || c == '\b') {
		if (line_len) {
			line_len--;
			show_line();
		}
		return -1;
	}
	if (c >= 0x20 && c < 0x7F && line_len < LINE_MAX - 1) {
		line[line_len++] = (char)c;
		show_line();
	}
	return -1;
}
