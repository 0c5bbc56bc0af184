"""The scheduler's fair shares (core/sched.c, docs/design.md "Scheduling"): vCPUs that share a
physical CPU split it by their VMs' weights, Linux guests included, and many Linux VMs on two
CPUs all boot and all progress. Shares are measured in the guests, by turns of a fixed loop
within a window of the VM's virtual counter (guests/tests/spin.c, guests/linux/cpuspin.c)."""
import os
import re

import pytest

import hyparmrun as hr
from test_kvm_abi import linux_shell, said


def spin_vm(node, kernel, window, weight=None):
    return ('\t\t%s {\n\t\t\tcompatible = "hyparm,vm";\n\t\t\tkernel = "%s";\n\t\t\tmemory = "16M";\n'
            '\t\t\taffinity = <0>;\n\t\t\tbootargs = "%s";\n%s\t\t};\n'
            % (node, kernel, window, "\t\t\tweight = <%d>;\n" % weight if weight else ""))


def turns(hv, res, vm):
    for l in res.vm_lines(vm):
        m = re.match(r"turns (\d+)$", l)
        if m:
            return int(m.group(1))
    hv.expect(False, "vm %s reported no turns" % vm)


def within(share, want, tolerance=0.10):
    return abs(share - want) <= tolerance * want


@pytest.mark.timeout(90)
def test_sched_weights_split_one_cpu(hv, tmp_path):
    # Three spinners on physical CPU 0, one with twice the default weight: 1/4, 1/4, 1/2.
    window = "spin.from=1000 spin.to=6000 spin.until=6500"
    spin = hv.guest("spin")
    dts = tmp_path / "m.dts"
    dts.write_text('/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n' +
                   spin_vm("a", spin, window) + spin_vm("b", spin, window) +
                   spin_vm("heavy", spin, window, weight=512) + "\t};\n};\n")
    res = hv.run(manifest=str(dts), timeout=60)
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    got = {vm: turns(hv, res, vm) for vm in ("a", "b", "heavy")}
    total = sum(got.values())
    for vm, want in (("a", 0.25), ("b", 0.25), ("heavy", 0.5)):
        hv.guest_passed(res, vm)
        hv.expect(within(got[vm] / total, want), "vm %s got %.1f%% of the CPU, not %d%% (turns %s)"
                  % (vm, 100.0 * got[vm] / total, 100 * want, got))


CPUSPIN = re.compile(r"CPUSPIN cpu (\d+) turns (\d+)$")


def cpuspin_turns(hv, lines, vm):
    """Turns per cpuspin run of vm's workers, summed: [run1, run2, ...]."""
    late = [l for l in lines if l.startswith("CPUSPIN late")]
    hv.expect(not late, "vm %s booted after its window began: %s" % (vm, late))
    runs, seen = [], set()
    for l in lines:
        m = CPUSPIN.match(l)
        if m:
            if not runs or m.group(1) in seen:
                runs.append(0)
                seen = set()
            seen.add(m.group(1))
            runs[-1] += int(m.group(2))
    return runs


# Linux's uptime and the time stolen from it (PV stolen time: hyparm's own accounting), 1/100 s.
STAT = "echo STAT $(cut -d' ' -f1 /proc/uptime) $(awk '/^cpu / { print $9 }' /proc/stat)"


@pytest.mark.timeout(240)
def test_sched_linux_gets_half_a_cpu_next_to_a_busy_vm(hv):
    # Linux (one vCPU, busy for 10 s) and a bare-metal spinner on physical CPU 0: the time stolen
    # from Linux is half the time that passed. Stolen time (hyparm's accounting, which Linux reads)
    # rather than Linux's busy ticks, which it loses while descheduled, or turns of a loop, whose
    # speed under QEMU varies with the host's load. (A guard: main's round robin passes it too;
    # the lost share of a vCPU that sleeps often is test_sched.c's to show.)
    linux = hr.VM(hv.LINUX, name="linux", initrd=hv.INITRD, params="console=ttyAMA0 quiet", cpus=1, mem=256,
                  pcpus="0")
    hog = hr.VM(hv.guest("spin"), name="hog", params="spin.from=0 spin.to=1000 spin.until=3600000", pcpus="0")
    lines = linux_shell(hv, [linux, hog], [STAT.replace("STAT", "STAT1"), "cpuspin +10 +10010",
                                           STAT.replace("STAT", "STAT2")], timeout=200)
    s1, s2 = said(lines, "STAT1"), said(lines, "STAT2")
    hv.expect(s1 and s2, "no uptime and steal figures (%r, %r)" % (s1, s2))
    (up1, steal1), (up2, steal2) = [[float(x) for x in s.split()] for s in (s1, s2)]
    share = 1 - (steal2 - steal1) / 100.0 / (up2 - up1)
    hv.expect(within(share, 0.5), "Linux got %.1f%% of its CPU next to the spinner (%.2f s stolen of %.2f s)"
              % (100 * share, (steal2 - steal1) / 100.0, up2 - up1))


# Each VM spins for SPIN_MS of its counter from its own boot, every worker reporting its turns so far
# at every SAMPLE_MS of the counter. The VMs' counters start together (vm_start), so a sample time
# is the same moment in every VM: the shares are compared over the stretch where all of them spun,
# however late one of them booted on a loaded host. (A fixed window of the counter, which runs with
# the host's clock, began before the last VM had booted whenever the host was busy.)
SPIN_MS, SAMPLE_MS, COMMON_MIN_MS = 25000, 1000, 10000
SAMPLE = re.compile(r"CPUSPIN cpu (\d+) at (\d+) turns (\d+)$")


def turns_between(hv, res, names):
    """{vm: turns of all its workers} over the longest stretch every worker of every VM spun."""
    samples = {}  # (vm, cpu) -> {ms: turns so far}
    for vm in names:
        for l in res.vm_lines(vm):
            m = SAMPLE.match(l)
            if m:
                samples.setdefault((vm, m.group(1)), {})[int(m.group(2))] = int(m.group(3))
    for vm in names:
        hv.expect(len([k for k in samples if k[0] == vm]) == 2, "vm %s: samples of %s workers, not 2"
                  % (vm, len([k for k in samples if k[0] == vm])))
    start = max(min(s) for s in samples.values())
    end = min(max(s) for s in samples.values())
    hv.expect(end - start >= COMMON_MIN_MS, "the VMs spun together for %d ms only (%d..%d): one booted late"
              % (end - start, start, end))
    got = {}
    for (vm, cpu), s in samples.items():
        hv.expect(start in s and end in s, "vm %s cpu %s: no sample at %d or %d ms" % (vm, cpu, start, end))
        got[vm] = got.get(vm, 0) + s[end] - s[start]
    return got, start, end


@pytest.mark.timeout(300)
def test_sched_4_linux_vms_2_vcpus_on_2_cpus(hv):
    # 8 vCPUs on 2 physical CPUs: each VM's vCPU i on CPU (VM + i) % 2, so each CPU runs one vCPU
    # of every VM. All boot, and over the stretch where all spin they get equal shares.
    hv.need_linux()
    params = "console=ttyAMA0 quiet hyparm.test=cpuspin hyparm.spin=+500,+%d,%d" % (SPIN_MS, SAMPLE_MS)
    vms = [hr.VM(hv.LINUX, name="l%d" % i, initrd=hv.INITRD, params=params, cpus=2, mem=128) for i in range(4)]
    res = hv.run(vms, timeout=240)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    for vm in vms:
        runs = cpuspin_turns(hv, res.vm_lines(vm.name), vm.name)
        hv.expect(len(runs) == 1, "vm %s: cpuspin runs %s, not one" % (vm.name, runs))
        hv.expect(res.vm_states.get(vm.name) == "off", "vm %s did not power off" % vm.name)
    got, start, end = turns_between(hv, res, [vm.name for vm in vms])
    # Each VM has one vCPU on each CPU: a quarter of both, the same turns as the others.
    mean = sum(got.values()) / float(len(got))
    for name, n in got.items():
        hv.expect(within(n / mean, 1.0), "vm %s spun %d turns from %d to %d ms, %.1f%% of the mean (all: %s)"
                  % (name, n, start, end, 100 * n / mean, got))


EIGHT = "eight-linux-on-two-cpus.dts"
JOB_RESULT = "150003"  # rc.sh's job: the sum of i % 7 for i = 1..50000


@pytest.mark.timeout(900)
def test_sched_8_linux_vms_2_vcpus_on_2_cpus_all_finish_a_job(hv, tmp_path):
    # examples/eight-linux-on-two-cpus.dts as it is (16 vCPUs on 2 physical CPUs, 96 MiB each on the
    # default 1 GiB machine), each VM given rc.sh's job: one CPU-bound awk per vCPU at once. All 8
    # boot with both CPUs, every vCPU computes the right result, and all power off.
    hv.need_linux()
    text = open(os.path.join(hv.REPO, "examples", EIGHT)).read()
    text = text.replace('"../', '"%s/' % hv.REPO)
    text = text.replace('bootargs = "console=ttyAMA0 quiet";', 'bootargs = "console=ttyAMA0 quiet hyparm.test=job";')
    hv.expect(text.count("hyparm.test=job") == 8, "the example no longer has 8 VMs with that command line")
    dts = tmp_path / EIGHT
    dts.write_text(text)
    # Software emulation of 16 busy vCPUs on 2 host threads, on a host shared with other jobs: each
    # VM boots in about 1/8 of a CPU. The limit is the run's, in host seconds, far above its need.
    res = hv.run(manifest=str(dts), timeout=800)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    for i in range(8):
        name = "linux%d" % i
        lines = res.vm_lines(name)
        hv.expect(any(re.match(r"hyparm-guest: up .*, 2 CPU\(s\)", l) for l in lines), "%s did not come up with 2 CPUs" % name)
        for cpu in (0, 1):
            want = "hyparm-guest: job cpu %d result %s" % (cpu, JOB_RESULT)
            hv.expect(want in lines, "%s: no '%s' (its job lines: %s)" % (name, want, [l for l in lines if "job" in l]))
        hv.expect(res.vm_states.get(name) == "off", "%s did not power off: %s" % (name, res.vm_states.get(name)))
