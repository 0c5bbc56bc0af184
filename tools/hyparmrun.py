"""Boot hyparm in QEMU with the VMs it is given (used by tools/hyparm-run,
the integration tests and the benchmarks, so everyone starts hyparm the
same way).

A run writes vms.conf and the images into a cpio "newc" bundle that QEMU
loads as the initrd; hyparm reads it at boot. The run never hangs: a time
limit kills QEMU. Its status says how it ended (see STATUS_*).
"""
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STATUS_OK = 0        # every VM powered off cleanly and QEMU exited
STATUS_VM_FAILED = 1  # a VM was stopped by hyparm (crash, exception loop)
STATUS_TIMEOUT = 2   # the time limit ended the run
STATUS_HYP_FAILED = 3  # hyparm panicked or faulted
STATUS_USAGE = 4     # bad options or missing files

VM_LINE = re.compile(r"^hyparm: vm (\S+): (powered off|reset|stopped: .*)$")


class UsageError(Exception):
    pass


class VM:
    """One VM, with the options `lkvm run` users know."""

    def __init__(self, kernel, name=None, initrd=None, params="", cpus=1, mem=64, pcpus=None, dtb=None):
        self.kernel, self.name, self.initrd, self.params = kernel, name, initrd, params
        self.cpus, self.mem, self.pcpus, self.dtb = cpus, mem, pcpus, dtb


class Result:
    def __init__(self):
        self.status = None
        self.why = ""
        self.lines = []
        self.vm_states = {}
        self.elapsed = 0.0

    def vm_lines(self, name):
        prefix = "[%s] " % name
        return [l[len(prefix):] for l in self.lines if l.startswith(prefix)]

    def tail(self, n=15):
        return "\n".join(self.lines[-n:])


def _check_file(path, what):
    if not path or not os.path.isfile(path):
        raise UsageError("%s '%s' does not exist" % (what, path))


def write_bundle(vms, workdir, config=None):
    """Write vms.conf and the images into workdir/bundle.cpio; return its path."""
    files = os.path.join(workdir, "files")
    os.makedirs(files)
    if config:
        _check_file(config, "config")
        base = os.path.dirname(os.path.abspath(config))
        text = open(config).read()
        shutil.copy(config, os.path.join(files, "vms.conf"))
        for m in re.finditer(r"^\s*(kernel|initrd|dtb)\s*=\s*(\S+)", text, re.M):
            src = os.path.join(base, m.group(2))
            _check_file(src, m.group(1))
            dst = os.path.join(files, m.group(2))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)
    else:
        if not vms:
            raise UsageError("no VM given (use -k KERNEL, or --config FILE)")
        lines = ["# written by tools/hyparm-run"]
        for i, vm in enumerate(vms):
            name = vm.name or "vm%d" % i
            lines.append("[vm]")
            lines.append("name = %s" % name)
            for key, path in (("kernel", vm.kernel), ("initrd", vm.initrd), ("dtb", vm.dtb)):
                if path is None:
                    continue
                _check_file(path, key)
                fname = "%s-%s-%s" % (name, key, os.path.basename(path))
                shutil.copy(path, os.path.join(files, fname))
                lines.append("%s = %s" % (key, fname))
            if vm.params:
                lines.append("cmdline = %s" % vm.params)
            lines.append("vcpus = %d" % vm.cpus)
            lines.append("memory = %dM" % vm.mem)
            if vm.pcpus is not None:
                lines.append("pcpus = %s" % vm.pcpus)
        with open(os.path.join(files, "vms.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")
    names = sorted(os.listdir(files))
    bundle = os.path.join(workdir, "bundle.cpio")
    with open(bundle, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=files, input="\n".join(names).encode(),
                       stdout=out, check=True)
    return bundle


def qemu_command(hyparm, bundle, cpu_model="cortex-a57", pcpus_total=2, gic=3, ram=1024,
                 gdb=False, icount=False, extra=()):
    cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=%d,virtualization=on" % gic,
           "-cpu", cpu_model, "-smp", str(pcpus_total), "-m", str(ram),
           "-nographic", "-net", "none", "-kernel", hyparm, "-initrd", bundle]
    if icount:
        cmd += ["-icount", "shift=0"]
    if gdb:
        cmd += ["-s", "-S"]
    return cmd + list(extra)


class Watched:
    """What watch() saw: console lines, each line's arrival time (s), why it ended, the exit code."""

    def __init__(self):
        self.lines, self.times, self.why, self.stopped, self.rc, self.elapsed = [], [], None, False, None, 0.0


def watch(cmd, timeout=60, stop=None, script=(), stdin=None, echo=False):
    """Run cmd (its stdout and stderr together) and read its console line by line.
    stop: a regex; reading ends when a line matches it (Watched.stopped).
    timeout: seconds, 0 = none (Watched.why says when it was reached).
    script: (regex, text) pairs played in order, expect-style: once the output since the
    previous step matches regex (a prompt needs no newline), text is typed.
    The process is killed when reading ends."""
    w = Watched()
    steps = list(script)
    if steps and stdin is None:
        stdin = subprocess.PIPE
    seen = ""  # output since the last script step
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    buf = b""
    deadline = start + timeout if timeout else None
    try:
        while not w.stopped:
            wait = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
            ready, _, _ = select.select([proc.stdout], [], [], wait)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                if echo:
                    sys.stdout.buffer.write(chunk)
                    sys.stdout.flush()
                buf += chunk
                seen += chunk.decode("utf-8", "replace")
                if steps and re.search(steps[0][0], seen):
                    proc.stdin.write(steps[0][1].encode())
                    proc.stdin.flush()
                    steps.pop(0)
                    seen = ""
                while b"\n" in buf and not w.stopped:
                    line, buf = buf.split(b"\n", 1)
                    w.lines.append(line.decode("utf-8", "replace").rstrip("\r"))
                    w.times.append(time.monotonic() - start)
                    w.stopped = bool(stop and re.search(stop, w.lines[-1]))
            if not w.stopped and deadline is not None and time.monotonic() >= deadline:
                w.why = "time limit of %ss reached" % timeout
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if buf and not w.stopped:
        w.lines.append(buf.decode("utf-8", "replace").rstrip("\r\n"))
        w.times.append(time.monotonic() - start)
    w.rc = proc.returncode
    w.elapsed = time.monotonic() - start
    return w


def run(vms=(), config=None, hyparm=None, cpu_model="cortex-a57", pcpus_total=2, gic=3, ram=1024,
        timeout=60, gdb=False, icount=False, extra=(), echo=False, stdin=None, until=None, script=()):
    """Boot hyparm with these VMs; return a Result. echo: copy the console to stdout live.
    until: a regex; the run ends (status OK) when a console line matches it.
    script: (regex, text) pairs typed expect-style (see watch())."""
    res = Result()
    hyparm = hyparm or os.path.join(REPO, "build", "hyparm.bin")
    _check_file(hyparm, "hyparm image")
    if not shutil.which("qemu-system-aarch64"):
        raise UsageError("qemu-system-aarch64 not found: apt-get install qemu-system-arm")
    work = tempfile.mkdtemp(prefix="hyparm-run-")
    try:
        bundle = write_bundle(list(vms), work, config)
        cmd = qemu_command(hyparm, bundle, cpu_model, pcpus_total, gic, ram, gdb, icount, extra)
        w = watch(cmd, timeout, stop=until, script=script, stdin=stdin, echo=echo)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res.lines, res.elapsed = w.lines, w.elapsed
    for text in res.lines:
        m = VM_LINE.match(text)
        if m:
            state = m.group(2)
            res.vm_states[m.group(1)] = "off" if state == "powered off" else \
                "reset" if state == "reset" else "stopped"
    if w.stopped:
        res.status, res.why = STATUS_OK, "saw '%s'" % until
    elif w.why:
        res.status, res.why = STATUS_TIMEOUT, w.why
    else:
        res.status, res.why = _judge(res)
    return res


def hyparm_lines(lines):
    """hyparm's own messages: the lines that begin with "hyparm: ". Only there: a guest's
    every line begins with its "[name] " prefix, and hyparm's console filter lets no guest
    byte move to the start of a line (core/console_filter.c), so what a guest prints can
    never be taken for a verdict of hyparm's, wherever in its line it says so."""
    return [l for l in lines if l.startswith("hyparm: ")]


def _judge(res):
    own = hyparm_lines(res.lines)
    if any(l.startswith("hyparm: PANIC") or l.startswith("hyparm: FAULT") for l in own):
        return STATUS_HYP_FAILED, "hyparm failed"
    stopped = [n for n, s in res.vm_states.items() if s == "stopped"]
    if stopped:
        return STATUS_VM_FAILED, "VM(s) stopped by hyparm: " + ", ".join(stopped)
    if "hyparm: all VMs stopped" in own:
        return STATUS_OK, "every VM powered off"
    return STATUS_HYP_FAILED, "QEMU exited before hyparm said every VM stopped"
