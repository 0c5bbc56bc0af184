"""Debian's stock arm64 kernel with a busybox initramfs as the guest: its own
checks (hyparm.test=smp), and the interactive shell."""
import re

import pytest

import hyparmrun as hr
from conftest import GICS


def linux(hv, name, cpus, cpu_model="cortex-a57", vms=1, timeout=120, gic=3, board="virt"):
    hv.need_linux()
    params = "console=ttyAMA0 quiet hyparm.test=smp hyparm.cpus=%d" % cpus
    pcpus = ["0,1", "0", "1"]
    guests = [hr.VM(hv.LINUX, name="%s%d" % (name, i), initrd=hv.INITRD, params=params, cpus=cpus, mem=256,
                    pcpus=pcpus[0] if vms == 1 else pcpus[1 + i]) for i in range(vms)]
    res = hv.run(guests, cpu_model=cpu_model, timeout=timeout, gic=gic, board=board)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    for g in guests:
        hv.guest_passed(res, g.name)
        hv.expect(res.vm_states.get(g.name) == "off", "%s did not power off" % g.name)
    return res


@pytest.mark.timeout(180)
def test_linux_1_vcpu(hv):
    linux(hv, "linux", 1)


@GICS
@pytest.mark.timeout(180)
def test_linux_2_vcpus(hv, gic):
    linux(hv, "linux", 2, gic=gic)


@pytest.mark.timeout(180)
def test_linux_1_vcpu_cpu_max(hv):
    linux(hv, "linux", 1, cpu_model="max,pauth-impdef=on")


@pytest.mark.timeout(180)
def test_linux_2_vcpus_cpu_max(hv):
    linux(hv, "linux", 2, cpu_model="max,pauth-impdef=on")


@pytest.mark.timeout(180)
def test_two_linux_vms_side_by_side(hv):
    linux(hv, "side", 1, vms=2)


# Longer than the virtual PL011's 32-byte receive FIFO: pasted input must not be lost.
LONG_LINE = "echo " + "0123456789" * 20 + " | wc -c\n"


@pytest.mark.timeout(180)
def test_linux_shell_reboot_and_poweroff(hv):
    """The interactive shell takes piped input, a long line included; reboot restarts the VM,
    poweroff ends it."""
    hv.need_linux()
    # ash prints its prompt, then asks the terminal where the cursor is (ESC [6n) and only
    # then reads in raw mode: what is typed before that may be eaten.
    prompt = r"/ # \x1b\[6n$"
    res = hv.run([hr.VM(hv.LINUX, name="sh", initrd=hv.INITRD, params="console=ttyAMA0 quiet", cpus=2, mem=256)],
                 timeout=120,
                 script=[(prompt, "nproc\n"), (prompt, LONG_LINE), (prompt, "reboot\n"), ("vm sh: reset", ""),
                         (prompt, "echo back-again\n"), (prompt, "poweroff\n")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("sh")
    hv.expect("2" in lines, "nproc did not print 2")
    hv.expect("201" in lines, "a %d-byte line typed at once did not arrive whole (the UART FIFO holds 32)"
              % len(LONG_LINE))
    hv.expect(res.vm_states.get("sh") == "off", "the VM did not power off")
    hv.expect(any(l == "hyparm: vm sh: reset" for l in res.lines), "reboot did not reset the VM")
    hv.expect("back-again" in lines, "the shell did not come back after reboot")


@pytest.mark.timeout(180)
def test_linux_panic_is_reported_as_a_crash(hv):
    """A guest kernel panic: with Linux's default panic=0 it would spin, silently, until the time
    limit. hyparm gives a Linux guest panic=1 reboot=panic_warm (include/hyparm/guest_cmdline.h),
    so Linux resets one second after the panic with a warm SYSTEM_RESET2, which hyparm reports as
    a crash: the VM stops and the launcher says a VM was stopped (status 1)."""
    hv.need_linux()
    params = "console=ttyAMA0 quiet rdinit=/nonexistent init=/nonexistent"  # no init: a panic
    res = hv.run([hr.VM(hv.LINUX, name="p", initrd=hv.INITRD, params=params, mem=256)], timeout=120)
    hv.expect(any("Kernel panic - not syncing" in l for l in res.vm_lines("p")), "the guest did not panic")
    hv.expect(res.status == hr.STATUS_VM_FAILED, "status %d: %s" % (res.status, res.why))
    hv.expect(any(l.startswith("hyparm: vm p: stopped: guest kernel panic") for l in res.lines),
              "hyparm did not report the panic")
    hv.expect(not any(l == "hyparm: vm p: reset" for l in res.lines), "the panic was taken for a reboot")


@pytest.mark.timeout(240)
def test_linux_panic_with_restart_on_crash_boots_again(hv):
    """restart = "on-crash" applies to a guest kernel panic too: the panicked kernel is reported
    as a crash (with the vCPU's registers) and booted again from its images, panics again..."""
    hv.need_linux()
    params = "console=ttyAMA0 quiet rdinit=/nonexistent init=/nonexistent"  # no init: a panic
    vm = hr.VM(hv.LINUX, name="p", initrd=hv.INITRD, params=params, mem=256, restart="on-crash")
    res = hv.run([vm], timeout=200, until=r"hyparm: vm p: restarting .*: restart 2$")
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    panics = sum(1 for l in res.vm_lines("p") if "Kernel panic - not syncing" in l)
    hv.expect(panics == 2, "%d panics, want 2 (the restarted kernel boots and panics again)" % panics)
    hv.expect(sum(1 for l in res.lines if l.startswith("hyparm: vm p: stopped: guest kernel panic")) == 2,
              "hyparm did not report both panics")
    hv.expect(any(re.match(r"hyparm: vm p: vcpu \d: pc [0-9a-f]{16} pstate ", l) for l in res.lines),
              "the panic's report has no registers")


# Boot entropy (hyparm's /chosen/rng-seed, kaslr-seed and SMCCC TRNG): the kernel's RNG is ready
# at once, and KASLR puts the kernel somewhere else on every boot.
ENTROPY_CMD = "dmesg | grep 'crng init done'; echo KASLR-BASE $(grep ' _stext$' /proc/kallsyms)\n"


@pytest.mark.timeout(240)
def test_linux_crng_ready_in_first_second_and_kaslr_base_differs_per_boot(hv):
    hv.need_linux()
    prompt = r"/ # \x1b\[6n$"
    res = hv.run([hr.VM(hv.LINUX, name="rng", initrd=hv.INITRD, params="console=ttyAMA0 quiet", cpus=2, mem=256)],
                 timeout=180,
                 script=[(prompt, ENTROPY_CMD), (prompt, "reboot\n"), ("vm rng: reset", ""), (prompt, ENTROPY_CMD),
                         (prompt, "poweroff\n")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("rng")
    crng = [float(m.group(1)) for m in (re.match(r"\[\s*([0-9.]+)\] random: crng init done", l) for l in lines) if m]
    bases = [m.group(1) for m in (re.match(r"KASLR-BASE ([0-9a-f]{16}) T _stext$", l) for l in lines) if m]
    hv.expect(len(crng) == 2, "'random: crng init done' not in the kernel log of both boots: %s" % crng)
    hv.expect(all(t <= 1.0 for t in crng), "crng init done only at %s s (want <= 1.0 s)" % crng)
    hv.expect(len(bases) == 2, "no _stext in /proc/kallsyms on both boots: %s" % bases)
    hv.expect(bases[0] != bases[1], "the kernel is at %s on both boots: KASLR did not move it" % bases[0])


@pytest.mark.timeout(180)
def test_linux_hw_breakpoint_and_watchpoint(hv):
    """gdb's way, in the Linux guest (guests/linux/hwdebug.c): ptrace NT_ARM_HW_BREAK and
    NT_ARM_HW_WATCH on a child, which stops with SIGTRAP/TRAP_HWBKPT at the breakpoint's address
    and at the watched variable; PTRACE_SINGLESTEP steps it."""
    hv.need_linux()
    res = hv.run([hr.VM(hv.LINUX, name="dbg", initrd=hv.INITRD, params="console=ttyAMA0 quiet hyparm.test=hwdebug",
                        cpus=2, mem=256)], timeout=120)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "dbg")
    lines = res.vm_lines("dbg")
    for want in ("PASS: breakpoint hit", "PASS: watchpoint hit", "NT_ARM_HW_BREAK: 6 breakpoints, NT_ARM_HW_WATCH: 4"):
        hv.expect(any(want in l for l in lines), "no %r line" % want)


@pytest.mark.timeout(180)
def test_linux_clock_from_rtc(hv):
    """Linux reads its clock from the virtual PL031 (the board's RTC at boot, carried on by the
    counter): date and hwclock show a year of 2024 or later, not 1970."""
    hv.need_linux()
    prompt = r"/ # \x1b\[6n$"
    res = hv.run([hr.VM(hv.LINUX, name="clk", initrd=hv.INITRD, params="console=ttyAMA0 quiet", cpus=1, mem=256)],
                 timeout=120, script=[(prompt, "date +YEAR=%Y; hwclock -r\n"), (prompt, "poweroff\n")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("clk")
    years = [int(m.group(1)) for m in (re.search(r"YEAR=(\d{4})", l) for l in lines) if m]
    hv.expect(years and years[0] >= 2024, "date: %s" % (years or "no YEAR= line"))
    hw = [l for l in lines if "hwclock" not in l and re.search(r"\b20\d\d\b", l) and "seconds" in l]
    hv.expect(hw and int(re.search(r"\b(20\d\d)\b", hw[0]).group(1)) >= 2024, "hwclock -r printed no year >= 2024")
