"""Fixtures and helpers for hyparm's integration tests: boot hyparm in QEMU with
real guests and judge by what the guests report (their PASS/FAIL and RESULT
lines), hyparm's VM states and the launcher's exit status.

Every QEMU run has its own time limit (hyparmrun's timeout); every test also
has a pytest timeout above it. A failing test shows the last 15 console lines
of its last run.
"""
import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))
import hyparmrun as hr  # noqa: E402

# The host GICs a test runs on: GICv3 (QEMU virt gic-version=3) and GICv2 with the virtualization
# extension (gic-version=2), whose guests get a virtual GICv2. Only a few tests take both: each run
# costs a QEMU boot.
GICS = pytest.mark.parametrize("gic", [3, 2], ids=["gicv3", "gicv2"])

HYPARM = os.path.join(REPO, "build", "hyparm.bin")
GUESTS = os.path.join(REPO, "build", "guests")
LINUX = os.path.join(REPO, "deps", "linux", "Image")
INITRD = os.path.join(REPO, "build", "linux", "initramfs.cpio.gz")


def expect(cond, why):
    """A check that fails the test with why."""
    __tracebackhide__ = True
    if not cond:
        pytest.fail(why, pytrace=False)


def guest_passed(res, vm):
    """The VM reported its checks and none failed."""
    __tracebackhide__ = True
    lines = res.vm_lines(vm)
    fails = [l for l in lines if l.startswith("FAIL") or l.startswith("UNEXPECTED")]
    expect(not fails, "vm %s: %s" % (vm, "; ".join(fails[:3])))
    results = [l for l in lines if l.startswith("RESULT:")]
    expect(results, "vm %s reported no RESULT line" % vm)
    m = re.match(r"RESULT: (\d+) passed, (\d+) failed", results[-1])
    expect(m and int(m.group(2)) == 0 and int(m.group(1)) > 0, "vm %s: %s" % (vm, results[-1]))


def line_index(res, vm, word):
    """Where on the console vm said '... word N' (each VM has its own virtual counter, so
    order on the shared console is what compares across VMs)."""
    __tracebackhide__ = True
    for i, l in enumerate(res.lines):
        if l.startswith("[%s] " % vm) and re.search(r"\b%s \d+$" % word, l):
            return i
    pytest.fail("vm %s did not report its %s" % (vm, word), pytrace=False)


class Hyparm:
    """The hv fixture: runs hyparm for one test and keeps its last run's Result, whose
    console tail goes into the test's failure report (pytest_runtest_makereport)."""

    REPO, HYPARM, LINUX, INITRD = REPO, HYPARM, LINUX, INITRD
    expect = staticmethod(expect)
    guest_passed = staticmethod(guest_passed)
    line_index = staticmethod(line_index)

    def __init__(self, node):
        self.node = node

    @staticmethod
    def guest(name):
        """build/guests/NAME.bin"""
        return os.path.join(GUESTS, name + ".bin")

    def run(self, *args, **kw):
        """hyparmrun.run() with our hyparm image; the Result is kept for the report."""
        kw.setdefault("hyparm", HYPARM)
        res = hr.run(*args, **kw)
        self.node.hyparm_result = res
        return res

    def one(self, kernel, timeout=30, gic=3, board="virt", **kw):
        """One VM named g that must pass its checks and power off (on a host with GIC version gic,
        or on another board: hyparmrun.BOARDS)."""
        __tracebackhide__ = True
        res = self.run([hr.VM(kernel, name="g", **kw)], timeout=timeout, gic=gic, board=board)
        expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
        guest_passed(res, "g")
        expect(res.vm_states.get("g") == "off", "hyparm did not report 'vm g: powered off'")
        return res

    def need_linux(self):
        __tracebackhide__ = True
        expect(os.path.isfile(LINUX) and os.path.isfile(INITRD),
               "Debian kernel or initramfs missing: run 'make linux' (scripts/fetch-linux.sh)")
        # An initramfs built before guests/linux changed knows none of the new test modes: its VMs
        # would sit at a shell until the time limit.
        src = os.path.join(REPO, "guests", "linux")
        newer = [f for f in sorted(os.listdir(src))
                 if os.path.getmtime(os.path.join(src, f)) > os.path.getmtime(INITRD)]
        expect(not newer, "%s is older than guests/linux/%s: run 'make linux'" % (INITRD, ", ".join(newer)))


@pytest.fixture
def hv(request):
    return Hyparm(request.node)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    res = getattr(item, "hyparm_result", None)
    if rep.when == "call" and rep.failed and res is not None:
        # The whole console of the last run, for what 15 lines leave out (another CPU's dump, say).
        logdir = os.path.join(REPO, "build", "test-results", "console")
        os.makedirs(logdir, exist_ok=True)
        log = os.path.join(logdir, re.sub(r"[^\w.-]+", "_", item.nodeid) + ".log")
        with open(log, "w") as f:
            f.write("\n".join(res.lines) + "\n")
        rep.sections.append(("last console lines (%s; all of them in %s)" % (res.why, os.path.relpath(log, REPO)),
                             res.tail(15)))
