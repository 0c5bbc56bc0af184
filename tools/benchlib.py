"""What tools/bench.py's parts share: where things are, a watched QEMU run, the QEMU command
of each target, hyparm's power-off report parsed, and the table cells' formatting."""
import os
import re
import sys


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import hyparmrun as hr  # noqa: E402

BENCH_BIN = os.path.join(REPO, "build", "guests", "bench.bin")
HELLO_BIN = os.path.join(REPO, "build", "guests", "hello.bin")
LINUX = os.path.join(REPO, "deps", "linux", "Image")
INITRD = os.path.join(REPO, "build", "linux", "initramfs.cpio.gz")
KVM_HOST_RUN = os.path.join(REPO, "scripts", "kvm-host-run.sh")


class Run:
    """A QEMU process watched line by line (hyparmrun.watch), each line with its arrival time."""

    def __init__(self, cmd, timeout, stop=None):
        w = hr.watch(cmd, timeout, stop=stop)
        self.lines, self.times, self.why, self.rc, self.elapsed = w.lines, w.times, w.why, w.rc, w.elapsed

    def first(self, pattern):
        """(index, match) of the first line matching pattern, or (None, None)."""
        for i, l in enumerate(self.lines):
            m = re.search(pattern, l)
            if m:
                return i, m
        return None, None

    def tail(self, n=15):
        return "\n    ".join(self.lines[-n:])


# ---------------------------------------------------------------- commands

# Every icount run, whatever the target: 1 instruction = 1 ns, and with sleep=off emulated time jumps to
# the next timer when every CPU idles instead of following the host's clock meanwhile (with the default
# sleep=on two runs of the same 8 VMs differed by microseconds; with sleep=off they repeat exactly).
ICOUNT = "shift=0,sleep=off"


def hyparm_cmd(vms, workdir, icount, cpu="cortex-a57"):
    bundle = hr.write_bundle(vms, workdir)
    return hr.qemu_command(os.path.join(REPO, "build", "hyparm.bin"), bundle, cpu_model=cpu,
                           extra=["-icount", ICOUNT] if icount else [])


# The virtio group's third clock for what waits on the host (a disk request, the host's TCP side):
# instructions counted, but idle time follows the host's clock (sleep=on), so that I/O finished in
# QEMU's threads in host time neither looks free nor endless. icount is then this string.
ICOUNT_IO = "shift=0,sleep=on"


def icount_arg(icount):
    """-icount's value: ICOUNT for icount=True, the string itself for ICOUNT_IO."""
    return icount if isinstance(icount, str) else ICOUNT


def native_cmd(kernel, append, icount, initrd=None, smp=2):
    cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a57", "-smp", str(smp),
           "-m", "1024", "-nographic", "-net", "none", "-kernel", kernel, "-append", append]
    if initrd:
        cmd += ["-initrd", initrd]
    if icount:
        cmd += ["-icount", icount_arg(icount)]
    return cmd


def xen_cpus(icount):
    """CPUs for Xen (and its domU): 1 under -icount. Xen's spin-waits (smp_call_function and the like)
    have no YIELD, and QEMU's round-robin TCG under -icount then never runs the other CPU: with 2 CPUs
    Xen 4.17 hangs at boot (after "P2M: 4 levels"). So the icount column has no IPI rows."""
    return 1 if icount else 2


def kvm_cmd(mode, icount, guest=None, params="", cpus=2, kernel=None, initrd=None, mem=None, timeout=300,
            disk_mib=None, net=False, pair=None):
    cmd = ["bash", KVM_HOST_RUN, "--cpu", "cortex-a57" if mode == "nvhe" else "max",
           "--cpus", str(cpus), "--params", params, "--timeout", str(timeout)]
    if disk_mib:
        cmd += ["--disk-mib", str(disk_mib)]
    if net:
        cmd += ["--net"]
    if pair:
        cmd += ["--pair", pair]
    if guest:
        cmd += ["--guest", guest]
    if kernel:
        cmd += ["--kernel", kernel, "--initrd", initrd]
    if mem:
        cmd += ["--mem", str(mem)]
    if icount:
        cmd += ["--icount-io" if icount == ICOUNT_IO else "--icount"]
    return cmd


# ---------------------------------------------------------------- hyparm's own reports

# hyparm's power-off report (core/vm.c power_off): the same counters as the monitor's `stats`.
EXITS_LINE = re.compile(r"^hyparm: vm (\S+): exits:(.*)$")
VCPU_STATS_LINE = re.compile(r"^  vcpu (\d+): cpu (\d+) ms on pCPU \d+, in hyparm (\d+) us, interrupts (\d+), exits:")
DEVICE_LINE = re.compile(r"^  device (\S+): (\d+) reads, (\d+) writes$")


def power_off_reports(lines):
    """{vm: {"exits": {reason: n}, "cpu_ms", "in_hyparm_us", "interrupts", "devices": {name: [r, w]}}} from
    hyparm's power-off reports: bench never recounts what hyparm already counted. A VM reset and
    powered off again reports again: the last report wins (counters are cumulative over its life)."""
    reps, cur = {}, None
    for l in lines:
        m = EXITS_LINE.match(l)
        if m:
            name = m.group(1)
            cur = reps[name] = {"exits": {}, "cpu_ms": 0, "in_hyparm_us": 0, "interrupts": 0, "devices": {}}
            it = m.group(2).split()
            cur["exits"] = {it[i]: int(it[i + 1]) for i in range(0, len(it) - 1, 2)}
            continue
        if cur is None:
            continue
        m = VCPU_STATS_LINE.match(l)
        if m:
            cur["cpu_ms"] += int(m.group(2))
            cur["in_hyparm_us"] += int(m.group(3))
            cur["interrupts"] += int(m.group(4))
            continue
        m = DEVICE_LINE.match(l)
        if m:
            cur["devices"][m.group(1)] = [int(m.group(2)), int(m.group(3))]
            continue
        # The report goes on with its VM's own lines ("hyparm: vm NAME: off, ...") and indented ones.
        if not l.startswith("  ") and not l.startswith("hyparm: vm %s: " % name):
            cur = None
    return reps


# ---------------------------------------------------------------- output

def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.2f" % v
    return str(v)


def ratio(a, b):
    if a is None or b is None or a <= 0:
        return None
    return round(b / a, 1)
