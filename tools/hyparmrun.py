"""Boot hyparm in QEMU with the VMs it is given (used by tools/hyparm-run,
the integration tests and the benchmarks, so everyone starts hyparm the
same way).

A run writes vms.conf and the images into a cpio "newc" bundle that QEMU
loads as the initrd; hyparm reads it at boot. QEMU runs on a pseudo-terminal
driven with pexpect (Debian's python3-pexpect), so scripted input is typed
as a person would. The run never hangs: a time limit kills QEMU. Its status
says how it ended (see STATUS_*).
"""
import ctypes
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty

import pexpect

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STATUS_OK = 0        # every VM powered off cleanly and QEMU exited
STATUS_VM_FAILED = 1  # a VM was stopped by hyparm (crash, exception loop)
STATUS_TIMEOUT = 2   # the time limit ended the run
STATUS_HYP_FAILED = 3  # hyparm panicked, faulted or its watchdog caught a stuck CPU
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


def plan_bundle(vms, config=None, origins=None):
    """What a bundle holds, checked but not written: (vms.conf text, [(source, name in bundle)]).
    origins: a dict to fill with what each line of the generated vms.conf came from
    ({line number: "the option that made it"}), for explain_config_error()."""
    copies = []
    if config:
        _check_file(config, "config")
        base = os.path.dirname(os.path.abspath(config))
        text = open(config).read()
        for m in re.finditer(r"^\s*(kernel|initrd|dtb)\s*=\s*(\S+)", text, re.M):
            src = os.path.join(base, m.group(2))
            _check_file(src, m.group(1))
            copies.append((src, m.group(2)))
        return text, copies
    if not vms:
        raise UsageError("no VM given (use -k KERNEL, or --config FILE)")
    lines, what = ["# written by tools/hyparm-run"], [None]

    def add(line, origin):
        lines.append(line)
        what.append(origin)

    for i, vm in enumerate(vms):
        name = vm.name or "vm%d" % i
        this = "VM %s (%s-k %s)" % (name, "--vm #%d: " % (i + 1) if len(vms) > 1 else "", vm.kernel)
        add("[vm]", this)
        add("name = %s" % name, "%s, -n %s" % (this, name))
        for key, opt, path in (("kernel", "-k", vm.kernel), ("initrd", "-i", vm.initrd), ("dtb", "--dtb", vm.dtb)):
            if path is None:
                continue
            _check_file(path, key)
            fname = "%s-%s-%s" % (name, key, os.path.basename(path))
            copies.append((path, fname))
            add("%s = %s" % (key, fname), "%s, %s %s" % (this, opt, path))
        if vm.params:
            add("cmdline = %s" % vm.params, "%s, -p \"%s\"" % (this, vm.params))
        add("vcpus = %d" % vm.cpus, "%s, -c %d" % (this, vm.cpus))
        add("memory = %dM" % vm.mem, "%s, -m %d" % (this, vm.mem))
        if vm.pcpus is not None:
            add("pcpus = %s" % vm.pcpus, "%s, --pcpus %s" % (this, vm.pcpus))
    if origins is not None:
        origins.update({n: w for n, w in enumerate(what, 1) if w})
    return "\n".join(lines) + "\n", copies


# hyparm reports most problems of a VM at its [vm] line: what a message is about says which
# of the VM's options made the line that is really at fault.
_TOPIC_OPTION = ((r"of RAM", "-m"), (r"physical CPU", "--pcpus"), (r"vCPUs", "-c"), (r"kernel", "-k"),
                 (r"initrd", "-i"), (r"dtb|device tree", "--dtb"))


def explain_config_error(text, origins, config=None, ram=None):
    """hyparm's complaint about a line of the vms.conf the launcher generated, told in the user's
    own terms: "vms.conf:7: ..." becomes "VM g (-k foo.bin), -m 2048: ..." (the option that made
    that line), or names the user's own file for --config. A VM that does not fit in the
    machine's RAM also learns which option gives the machine more.
    (The one place that knows the generated file's lines: a manifest's line map can replace it.)"""
    m = re.search(r"vms\.conf:(\d+): ", text)
    if not m:
        return text
    line = int(m.group(1))
    if config:
        where = "%s:%d" % (config, line)
    else:
        where = origins.get(line, "vms.conf line %d" % line)
        if ", " not in where:  # a VM's [vm] line
            for pattern, opt in _TOPIC_OPTION:
                if re.search(pattern, text[m.end():]):
                    found = [w for w in origins.values() if w.startswith("%s, %s " % (where, opt))]
                    where = found[0] if found else where
                    break
    out = text[:m.start()] + where + ": " + text[m.end():]
    if ram and re.search(r"cannot allocate .* of RAM", out):
        out += "; the machine has %d MiB: use --ram MiB to give it more" % ram
    return out


# What the machine's RAM holds besides the VMs: hyparm itself (image, stacks, tables: it reports
# 1022 of 1024 MiB free for guests) and some room for the VMs' alignment.
HYPARM_RAM_MIB = 8


def check_ram(vms, copies, ram):
    """Refuse, before anything boots, VMs whose RAM cannot fit in the machine's (--ram): the
    VMs' RAM, the bundle (it sits in the machine's RAM too) and hyparm's own."""
    if not vms:
        return
    need = sum(vm.mem for vm in vms)
    bundle = (sum(os.path.getsize(src) for src, _ in copies) + (1 << 20) - 1) >> 20
    if need + bundle + HYPARM_RAM_MIB <= ram:
        return
    raise UsageError("the VMs need %d MiB of RAM (%s), their images %d MiB and hyparm about %d MiB, but the "
                     "machine has %d MiB: use --ram MiB to give the machine more RAM (e.g. --ram %d)"
                     % (need, ", ".join("-m %d" % vm.mem for vm in vms), bundle, HYPARM_RAM_MIB, ram,
                        (need + bundle + 128 + 255) // 256 * 256))


# Where each image's data starts in the bundle, as a multiple of this: hyparm copies an image
# into guest RAM word by word only if source and destination agree on their alignment (the
# destinations are page aligned; a 4-aligned source would be copied byte by byte, 8 times as
# slow: long enough, for Debian's kernel and initrd, to trip hyparm's watchdog).
BUNDLE_DATA_ALIGN = 16


def _newc_entry(out, name, data):
    """One cpio "newc" member (the format core/bundle.c reads): a header of 13 hex fields,
    the name with its NUL, the data; name and data each padded to 4 bytes. data None: the
    trailer. The name is given as many extra NULs as put the data on a BUNDLE_DATA_ALIGN
    boundary (they are part of namesize; readers take the name up to its first NUL)."""
    size = len(data) if data else 0
    namesz = len(name) + 1
    if data:
        namesz += -(out.tell() + 110 + namesz) % BUNDLE_DATA_ALIGN
    fields = (0, 0o100644 if data is not None else 0, 0, 0, 1, 0, size, 0, 0, 0, 0, namesz, 0)
    out.write(("070701" + "".join("%08x" % f for f in fields)).encode())
    out.write(name.encode() + b"\0" * (namesz - len(name)))
    out.write(b"\0" * (-(110 + namesz) % 4))
    if data:
        out.write(data)
        out.write(b"\0" * (-size % 4))


def write_bundle(vms, workdir, config=None):
    """Write vms.conf and the images into workdir/bundle.cpio (a cpio "newc" archive, written
    straight from the images: no copy of them is made); return its path."""
    conf, copies = plan_bundle(vms, config)
    bundle = os.path.join(workdir, "bundle.cpio")
    with open(bundle, "wb") as out:
        _newc_entry(out, "vms.conf", conf.encode())
        for src, name in copies:
            with open(src, "rb") as f:
                _newc_entry(out, name, f.read())
        _newc_entry(out, "TRAILER!!!", None)
    return bundle


def qemu_command(hyparm, bundle, cpu_model="cortex-a57", pcpus_total=2, gic=3, ram=1024,
                 gdb=False, icount=False, extra=()):
    cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=%d,virtualization=on" % gic,
           "-cpu", cpu_model, "-smp", str(pcpus_total), "-m", str(ram),
           # -echr 0x14: QEMU's own console keys move to Ctrl-t, so Ctrl-a reaches hyparm (its focus key).
           "-nographic", "-echr", "0x14", "-net", "none", "-kernel", hyparm, "-initrd", bundle]
    if icount:
        cmd += ["-icount", "shift=0"]
    if gdb:
        cmd += ["-s", "-S"]
    return cmd + list(extra)


class Watched:
    """What watch() saw: console lines, each line's arrival time (s), why it ended, the exit code."""

    def __init__(self):
        self.lines, self.times, self.why, self.stopped, self.rc, self.elapsed = [], [], None, False, None, 0.0


class _Lines:
    """pexpect's logfile_read: every chunk read from the child comes through write(), so
    the console is cut into lines here, each stamped when it arrived, whatever expect()
    matches meanwhile. After a line matches stop, the rest is not kept."""

    def __init__(self, w, start, stop, echo):
        self.w, self.start, self.stop, self.echo, self.part = w, start, stop, echo, ""
        self.seen_hyparm = False

    def write(self, chunk):
        if self.echo:
            sys.stdout.buffer.write(chunk.encode("utf-8", "replace"))
            sys.stdout.flush()
        self.part += chunk
        while "\n" in self.part and not self.w.stopped:
            line, self.part = self.part.split("\n", 1)
            self.add(line)

    def add(self, line):
        # hyparm redraws the focused VM's unfinished line after other output: "\r", CSI K
        # (erase), the other line... A line is what follows its last "\r" (guests cannot
        # print either: their output is filtered).
        line = line.rstrip("\r")
        if "\r" in line:
            line = line.rsplit("\r", 1)[1]
        line = line.replace("\x1b[K", "")
        self.w.lines.append(line)
        self.seen_hyparm = self.seen_hyparm or line.startswith("hyparm: ")
        self.w.times.append(time.monotonic() - self.start)
        self.w.stopped = bool(self.stop and re.search(self.stop, self.w.lines[-1]))

    def flush(self):
        pass

    def close(self):
        """The last, unterminated line."""
        if self.part.rstrip("\r\n") and not self.w.stopped:
            self.add(self.part.rstrip("\r\n"))
        self.part = ""


def _forward(src, child, done):
    """Copy what is typed (or piped) on src to the child until src ends or the run does."""
    fd = src.fileno()
    while not done.is_set():
        if not select.select([fd], [], [], 0.2)[0]:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        try:
            # Bytes as they came (child.send() would want text, and a key like Ctrl-A
            # must pass unchanged).
            os.write(child.child_fd, data)
        except OSError:
            return


def foreground(f):
    """Whether we own terminal f: its foreground process group is ours."""
    try:
        return os.tcgetpgrp(f.fileno()) == os.getpgrp()
    except OSError:  # not our controlling terminal
        return False


PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In QEMU's child process, before exec: the kernel kills it when we end, however we
    end (SIGKILL included: no cleanup of ours runs then). QEMU has its own session (the
    pseudo-terminal's), so no signal sent to our process group or terminal reaches it."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # we ended before the line above: nobody would kill it
        os._exit(1)


def watch(cmd, timeout=60, stop=None, script=(), stdin=None, echo=False, started=None):
    """Run cmd on a pseudo-terminal (pexpect; stdout and stderr together) and read its
    console line by line.
    stop: a regex; reading ends when a line matches it (Watched.stopped).
    timeout: seconds, 0 = none (Watched.why says when it was reached).
    script: (regex, text) pairs played in order, expect-style: once the output since the
    previous step matches regex (a prompt needs no newline), text is typed.
    stdin: a file whose input is passed on to cmd (a terminal is put in raw mode meanwhile,
    so that QEMU's Ctrl-A keys and the guest's Ctrl-C work as with QEMU on the terminal).
    started: called once, when hyparm's first line ("hyparm: ...") arrives.
    The process (its whole process group) is killed when reading ends, however it ends; it
    dies with us if we are killed outright."""
    w = Watched()
    steps = list(script)
    start = time.monotonic()
    deadline = start + timeout if timeout else None
    lines = _Lines(w, start, stop, echo)
    # echo=False: the pty does not repeat what is sent (the guest's own echo still shows).
    child = pexpect.spawn(cmd[0], list(cmd[1:]), maxread=65536, echo=False, encoding="utf-8",
                          codec_errors="replace", timeout=None, preexec_fn=_die_with_parent)
    child.delaybeforesend = None
    child.logfile_read = lines
    done = threading.Event()
    saved_tty = None
    try:
        if stdin is not None and stdin.isatty() and not foreground(stdin):
            # Started in the background (`timeout`, `&`): touching the terminal would stop
            # us (SIGTTIN, SIGTTOU), so nothing is typed.
            stdin = None
        if stdin is not None:
            if stdin.isatty():
                saved_tty = termios.tcgetattr(stdin.fileno())
                tty.setraw(stdin.fileno())
            threading.Thread(target=_forward, args=(stdin, child, done), daemon=True).start()
        while not w.stopped:
            if started and lines.seen_hyparm:
                started, _ = None, started()
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                w.why = "time limit of %ss reached" % timeout
                break
            wait = 0.2 if left is None else min(0.2, left)
            try:
                if steps:
                    # What a step matches leaves pexpect's buffer: the next step looks
                    # at what came after it.
                    if child.expect([steps[0][0], pexpect.TIMEOUT], timeout=wait) == 0:
                        child.send(steps[0][1])
                        steps.pop(0)
                else:
                    # No prompt to wait for: read as it comes (lines reach _Lines as read).
                    child.read_nonblocking(65536, timeout=wait)
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                break
    finally:
        done.set()
        if saved_tty is not None:
            termios.tcsetattr(stdin.fileno(), termios.TCSADRAIN, saved_tty)
        if child.isalive():
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        child.close(force=True)
    lines.close()
    w.rc = child.exitstatus if child.exitstatus is not None else -(child.signalstatus or 0)
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
    origins = {}
    check_ram(list(vms) if not config else [], plan_bundle(list(vms), config, origins)[1], ram)
    work = tempfile.mkdtemp(prefix="hyparm-run-")
    try:
        bundle = write_bundle(list(vms), work, config)
        cmd = qemu_command(hyparm, bundle, cpu_model, pcpus_total, gic, ram, gdb, icount, extra)
        # Once hyparm runs, QEMU has long read the bundle into the machine's RAM (a reset
        # of the machine reloads it from QEMU's own copy): the file is not needed any
        # more, and removing it then leaves nothing behind even if we are killed later.
        w = watch(cmd, timeout, stop=until, script=script, stdin=stdin, echo=echo,
                  started=lambda: shutil.rmtree(work, ignore_errors=True))
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
    elif w.why and not hyparm_failed(res.lines):
        res.status, res.why = STATUS_TIMEOUT, w.why
    else:
        # A hyparm failure wins over the time limit: a CPU hyparm stopped keeps its VMs from
        # ever ending the run, so the limit is usually what ends it, and the failure is the news.
        res.status, res.why = _judge(res)
    if res.status == STATUS_HYP_FAILED:
        res.why = explain_config_error(res.why, origins, config, ram)
    return res


def hyparm_lines(lines):
    """hyparm's own messages: the lines that begin with "hyparm: ". Only there: a guest's
    every line begins with its "[name] " prefix, and hyparm's console filter lets no guest
    byte move to the start of a line (core/console_filter.c), so what a guest prints can
    never be taken for a verdict of hyparm's, wherever in its line it says so."""
    return [l for l in lines if l.startswith("hyparm: ")]


# hyparm's own failures: a panic at boot, an exception at EL2, a CPU stuck in EL2 (its watchdog).
HYPARM_FAILURES = ("hyparm: PANIC", "hyparm: FAULT", "hyparm: WATCHDOG:")


def hyparm_failed(lines):
    """hyparm's first failure line, or None."""
    for l in hyparm_lines(lines):
        if l.startswith(HYPARM_FAILURES):
            return l
    return None


def _judge(res):
    own = hyparm_lines(res.lines)
    if hyparm_failed(own):
        return STATUS_HYP_FAILED, "hyparm failed: " + hyparm_failed(own)
    stopped = [n for n, s in res.vm_states.items() if s == "stopped"]
    if stopped:
        return STATUS_VM_FAILED, "VM(s) stopped by hyparm: " + ", ".join(stopped)
    if "hyparm: all VMs stopped" in own:
        return STATUS_OK, "every VM powered off"
    return STATUS_HYP_FAILED, "QEMU exited before hyparm said every VM stopped"
