#!/usr/bin/env python3
"""hyparm's integration tests: boot hyparm in QEMU with real guests and judge
by what the guests report (their PASS/FAIL and RESULT lines), hyparm's VM
states and the launcher's exit status. Every run has a time limit.

  python3 tests/integration/run.py [-k NAME] [--list]
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))
import hyparmrun as hr  # noqa: E402

G = os.path.join(REPO, "build", "guests")
LINUX = os.path.join(REPO, "deps", "linux", "Image")
INITRD = os.path.join(REPO, "build", "linux", "initramfs.cpio.gz")
HYPARM = os.path.join(REPO, "build", "hyparm.bin")
TESTS = []


class Fail(Exception):
    pass


def test(fn):
    TESTS.append(fn)
    return fn


LAST = []  # the most recent run's Result, so a failure can show its console


def run(*args, **kw):
    res = hr.run(*args, **kw)
    LAST[:] = [res]
    return res


def guest(name):
    return os.path.join(G, name + ".bin")


def expect(cond, why):
    if not cond:
        raise Fail(why)


def guest_passed(res, vm):
    """The VM reported its checks and none failed."""
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
    for i, l in enumerate(res.lines):
        if l.startswith("[%s] " % vm) and re.search(r"\b%s \d+$" % word, l):
            return i
    raise Fail("vm %s did not report its %s" % (vm, word))


def one(kernel, timeout=30, **kw):
    res = run([hr.VM(kernel, name="g", **kw)], hyparm=HYPARM, timeout=timeout)
    expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    guest_passed(res, "g")
    expect(res.vm_states.get("g") == "off", "hyparm did not report 'vm g: powered off'")
    return res


@test
def hello_prints_and_powers_off():
    res = one(guest("hello"))
    expect(any("hello from guest" in l for l in res.vm_lines("g")), "no greeting on the console")
    expect("hyparm: all VMs stopped" in res.lines, "hyparm did not end the run")
    expect(any(l.startswith("hyparm: EL2 mappings: W^X checked") for l in res.lines),
           "the banner does not report the W^X / guard page self-check")


@test
def smccc_and_psci_versions():
    one(guest("smccc"))


@test
def shadow_id_registers():
    one(guest("idregs"), params="expect_midr=0x411fd070", pcpus="1")


@test
def abort_on_unmapped_ipa_while_another_vm_runs():
    res = run([hr.VM(guest("abort"), name="aborter", pcpus="0"),
                  hr.VM(guest("survivor"), name="other", pcpus="1")], hyparm=HYPARM, timeout=30)
    expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    guest_passed(res, "aborter")
    guest_passed(res, "other")


def registers_isolated(cpu_model):
    """Two VMs on one physical CPU: neither sees the other's register values (guests/tests/regleak.c)."""
    res = run([hr.VM(guest("regleak"), name="a", params="seed=1", pcpus="0"),
               hr.VM(guest("regleak"), name="b", params="seed=2", pcpus="0")],
              hyparm=HYPARM, cpu_model=cpu_model, timeout=60)
    expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    guest_passed(res, "a")
    guest_passed(res, "b")


@test
def registers_isolated_between_vms_cortex_a57():
    registers_isolated("cortex-a57")


@test
def registers_isolated_between_vms_cpu_max():
    registers_isolated("max,pauth-impdef=on")


@test
def isolation_from_hyparm_and_the_other_vm():
    size = (os.path.getsize(HYPARM) + 0xFFF) & ~0xFFF
    common = "secret=0x5ec7e75ec7e75ec7 hyp_base=0x40200000 hyp_size=0x%x" % size
    res = run([hr.VM(guest("isolation"), name="writer", params="role=writer " + common, pcpus="0"),
                  hr.VM(guest("isolation"), name="reader", params="role=reader " + common, pcpus="1")],
                 hyparm=HYPARM, timeout=40)
    expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    guest_passed(res, "writer")
    guest_passed(res, "reader")
    # Both ran at the same time, each on its own physical CPU.
    ws, we = line_index(res, "writer", "start"), line_index(res, "writer", "end")
    rs, re_ = line_index(res, "reader", "start"), line_index(res, "reader", "end")
    expect(rs < we and ws < re_, "the two VMs did not run concurrently")


@test
def unknown_hypercall_and_undefined_sysreg():
    one(guest("undef"))


@test
def crashing_vm_leaves_the_other_running():
    res = run([hr.VM(guest("crash"), name="crasher", pcpus="0"),
                  hr.VM(guest("survivor"), name="survivor", pcpus="1")], hyparm=HYPARM, timeout=30)
    expect(res.status == hr.STATUS_VM_FAILED, "launcher status %d (want 1: a VM crashed): %s"
           % (res.status, res.why))
    expect(res.vm_states.get("crasher") == "stopped", "hyparm did not stop the crashing VM")
    expect(any("exception loop" in l for l in res.lines), "no 'exception loop' reason given")
    guest_passed(res, "survivor")
    expect(res.vm_states.get("survivor") == "off", "survivor did not power off")


@test
def early_poweroff_leaves_the_other_running():
    res = run([hr.VM(guest("crash"), name="quitter", params="mode=off", pcpus="0"),
                  hr.VM(guest("survivor"), name="survivor", pcpus="1")], hyparm=HYPARM, timeout=30)
    expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    expect(res.vm_states.get("quitter") == "off", "quitter did not power off")
    guest_passed(res, "survivor")
    off = [i for i, l in enumerate(res.lines) if l == "hyparm: vm quitter: powered off"]
    work = [i for i, l in enumerate(res.lines) if l.startswith("[survivor] PASS")]
    expect(off and work and off[0] < work[0], "survivor's work did not go on after the other powered off")


def test_build(name, define):
    """hyparm built with HV_TEST_CFLAGS=-D<define> in build/<name> (never the real build)."""
    out = os.path.join(REPO, "build", name)
    mk = subprocess.run(["make", "-s", "-j2", "B=" + out, "HV_TEST_CFLAGS=-D" + define,
                         os.path.join(out, "hyparm.bin")], cwd=REPO, capture_output=True, text=True)
    expect(mk.returncode == 0, "test build failed: " + (mk.stderr or mk.stdout)[-400:])
    return os.path.join(out, "hyparm.bin")


@test
def bp_hardened_exit_path_keeps_guest_registers():
    """The exit vectors that call SMCCC_ARCH_WORKAROUND_1 first (used where the firmware says the
    CPU needs it; QEMU's does not) forced on in a test build: guests that check their registers
    across exits (SMCCC results in x0-x3, every register in regleak) still pass."""
    hyp = test_build("test-bp-harden", "HYPARM_TEST_FORCE_BP_HARDEN")
    for g, kw in (("smccc", {}), ("psci", {"cpus": 2, "pcpus": "0"})):
        res = run([hr.VM(guest(g), name="g", **kw)], hyparm=hyp, timeout=30)
        expect(any("WORKAROUND_1 on every exit forced" in l for l in res.lines), "not the test build")
        expect(res.status == hr.STATUS_OK, "%s: status %d: %s" % (g, res.status, res.why))
        guest_passed(res, "g")
    res = run([hr.VM(guest("regleak"), name="a", params="seed=1", pcpus="0"),
               hr.VM(guest("regleak"), name="b", params="seed=2", pcpus="0")], hyparm=hyp, timeout=60)
    expect(res.status == hr.STATUS_OK, "regleak: status %d: %s" % (res.status, res.why))
    guest_passed(res, "a")
    guest_passed(res, "b")


@test
def stack_overflow_hits_the_guard_page():
    """A test build of hyparm (HV_TEST_CFLAGS=-DHYPARM_TEST_STACK_OVERFLOW, its own build directory)
    overflows CPU 0's stack at boot: the guard page below the stack must stop it with a fault dump
    that names the CPU and says 'stack overflow', printed from the emergency stack."""
    hyp = test_build("test-stack-overflow", "HYPARM_TEST_STACK_OVERFLOW")
    res = run([hr.VM(guest("hello"), name="g")], hyparm=hyp, timeout=30,
              until=r"^hyparm: CPU 0 stopped")
    expect(res.status == hr.STATUS_OK, "no 'CPU 0 stopped' after the overflow: %s" % res.why)
    expect(any("overflowing CPU 0's stack on purpose" in l for l in res.lines), "the test build did not run")
    expect(any(l.startswith("hyparm: FAULT in hyparm on CPU 0") for l in res.lines), "no fault dump")
    expect(any("stack overflow on CPU 0: ran into the guard page below CPU 0's stack" in l
               for l in res.lines), "the dump does not say 'stack overflow'")


@test
def bad_config_names_file_and_line():
    import tempfile
    d = tempfile.mkdtemp()
    conf = os.path.join(d, "vms.conf")
    with open(conf, "w") as f:
        f.write("[vm]\nname = x\nkernel = hello.bin\nmemroy = 64M\n")
    os.link(guest("hello"), os.path.join(d, "hello.bin"))
    res = run(config=conf, hyparm=HYPARM, timeout=20)
    expect(res.status == hr.STATUS_HYP_FAILED, "status %d" % res.status)
    expect(any(re.search(r"PANIC: vms.conf:4: unknown key 'memroy'", l) for l in res.lines),
           "no 'vms.conf:4' error in: " + res.tail(3))


@test
def entered_at_el1_refuses_to_run():
    cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a57", "-m", "512",
           "-nographic", "-net", "none", "-kernel", HYPARM]
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20,
                             stdin=subprocess.DEVNULL).stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        raise Fail("hyparm at EL1 did not power off (hang)")
    expect("entered at EL1, but hyparm must be started at EL2" in out, "no EL1 error message: " + out[-300:])


@test
def vgic_sgis_spis_priority_and_triggers():
    one(guest("vgic"), cpus=2, pcpus="0,1")


@test
def vgic_with_both_vcpus_on_one_cpu():
    one(guest("vgic"), cpus=2, pcpus="0")


@test
def virtual_and_physical_timers():
    one(guest("vtimer"))


@test
def psci_cpu_on_off_affinity_and_error_codes():
    # Both vCPUs on one physical CPU, so that ON_PENDING is observable.
    one(guest("psci"), cpus=2, pcpus="0")


def linux(name, cpus, cpu_model="cortex-a57", vms=1, timeout=120):
    if not (os.path.isfile(LINUX) and os.path.isfile(INITRD)):
        raise Fail("Debian kernel or initramfs missing: run 'make linux' (scripts/fetch-linux.sh)")
    params = "console=ttyAMA0 quiet hyparm.test=smp hyparm.cpus=%d" % cpus
    pcpus = ["0,1", "0", "1"]
    guests = [hr.VM(LINUX, name="%s%d" % (name, i), initrd=INITRD, params=params, cpus=cpus, mem=256,
                    pcpus=pcpus[0] if vms == 1 else pcpus[1 + i]) for i in range(vms)]
    res = run(guests, hyparm=HYPARM, cpu_model=cpu_model, timeout=timeout)
    expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    for g in guests:
        guest_passed(res, g.name)
        expect(res.vm_states.get(g.name) == "off", "%s did not power off" % g.name)
    return res


@test
def linux_1_vcpu():
    linux("linux", 1)


@test
def linux_2_vcpus():
    linux("linux", 2)


@test
def linux_1_vcpu_cpu_max():
    linux("linux", 1, cpu_model="max,pauth-impdef=on")


@test
def linux_2_vcpus_cpu_max():
    linux("linux", 2, cpu_model="max,pauth-impdef=on")


@test
def two_linux_vms_side_by_side():
    linux("side", 1, vms=2)


# Longer than the virtual PL011's 32-byte receive FIFO: pasted input must not be lost.
LONG_LINE = "echo " + "0123456789" * 20 + " | wc -c\n"


@test
def linux_shell_reboot_and_poweroff():
    """The interactive shell takes piped input, a long line included; reboot restarts the VM,
    poweroff ends it."""
    if not (os.path.isfile(LINUX) and os.path.isfile(INITRD)):
        raise Fail("Debian kernel or initramfs missing")
    # ash prints its prompt, then asks the terminal where the cursor is (ESC [6n) and only
    # then reads in raw mode: what is typed before that may be eaten.
    prompt = r"/ # \x1b\[6n$"
    res = run([hr.VM(LINUX, name="sh", initrd=INITRD, params="console=ttyAMA0 quiet", cpus=2, mem=256)],
              hyparm=HYPARM, timeout=120,
              script=[(prompt, "nproc\n"), (prompt, LONG_LINE), (prompt, "reboot\n"), ("vm sh: reset", ""),
                      (prompt, "echo back-again\n"), (prompt, "poweroff\n")])
    expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("sh")
    expect("2" in lines, "nproc did not print 2")
    expect("201" in lines, "a %d-byte line typed at once did not arrive whole (the UART FIFO holds 32)"
           % len(LONG_LINE))
    expect(res.vm_states.get("sh") == "off", "the VM did not power off")
    expect(any(l == "hyparm: vm sh: reset" for l in res.lines), "reboot did not reset the VM")
    expect("back-again" in lines, "the shell did not come back after reboot")


@test
def bench_smoke():
    """make bench's machinery works: hyparm, KVM (nVHE) and native each report every row."""
    try:
        out = subprocess.run([sys.executable, os.path.join(REPO, "tools", "bench.py"), "--smoke"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300).stdout.decode()
    except subprocess.TimeoutExpired:
        raise Fail("bench --smoke did not finish in 300 s")
    expect("bench smoke: ok" in out, "bench --smoke: " + " | ".join(out.strip().splitlines()[-6:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", help="run the tests whose name contains this")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    tests = [t for t in TESTS if not args.k or args.k in t.__name__]
    if args.list:
        print("\n".join(t.__name__ for t in tests))
        return 0
    passed = failed = 0
    for t in tests:
        start = time.monotonic()
        LAST.clear()
        try:
            t()
            passed += 1
            print("PASS %s (%.1fs)" % (t.__name__, time.monotonic() - start), flush=True)
        except (Fail, hr.UsageError) as e:
            failed += 1
            print("FAIL %s: %s" % (t.__name__, e), flush=True)
            if LAST:
                print("  last console lines:\n    " + LAST[0].tail(15).replace("\n", "\n    "), flush=True)
    print("integration: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
