"""The guest ABI KVM gives an arm64 guest, as hyparm gives it: each topic in its own
clearly named tests (boot entropy: test_entropy_*; paravirtual stolen time: test_pvtime_*;
KVM's PTP hypercall: test_ptp_*)."""
import os
import re

import pytest

import hyparmrun as hr

# ---------------------------------------------------------------- boot entropy
# guests/tests/entropy.c checks /chosen/rng-seed, /chosen/kaslr-seed and SMCCC TRNG and
# prints what it got ("ENTROPY name hex"); here: no two VMs, boots or runs see the same.

ENTROPY_LINE = re.compile(r"ENTROPY (rng-seed|kaslr-seed|rnd64) ([0-9a-f]+)$")


def entropy_values(res, vm):
    """[{name: hex}] for each boot of vm, in order."""
    boots = []
    for l in res.vm_lines(vm):
        m = ENTROPY_LINE.match(l)
        if m:
            if not boots or m.group(1) in boots[-1]:
                boots.append({})
            boots[-1][m.group(1)] = m.group(2)
    return boots


def expect_all_different(hv, boots):
    """Every value of every boot differs from the same value of every other boot."""
    for name in ("rng-seed", "kaslr-seed", "rnd64"):
        seen = [b.get(name) for b in boots]
        hv.expect(None not in seen, "a boot did not report its %s: %s" % (name, boots))
        hv.expect(len(set(seen)) == len(seen), "%s repeats: %s" % (name, seen))


def entropy_run(hv, names, wait=False):
    vms = [hr.VM(hv.guest("entropy"), name=n, pcpus=str(i % 2), params="wait=1" if wait else "")
           for i, n in enumerate(names)]
    script = [(r"ENTROPY waiting", "r"), (r"ENTROPY waiting", "q")] if wait else ()
    res = hv.run(vms, timeout=60, script=script)
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    for n in names:
        hv.guest_passed(res, n)
        hv.expect(res.vm_states.get(n) == "off", "vm %s did not power off" % n)
    return res


@pytest.mark.timeout(120)
def test_entropy_two_vms_get_different_seeds_and_trng_answers(hv):
    res = entropy_run(hv, ["e0", "e1"])
    boots = entropy_values(res, "e0") + entropy_values(res, "e1")
    hv.expect(len(boots) == 2, "expected one boot per VM: %s" % boots)
    expect_all_different(hv, boots)


@pytest.mark.timeout(180)
def test_entropy_each_reboot_and_each_run_gets_new_seeds(hv):
    # One run in which the VM restarts itself (PSCI SYSTEM_RESET), then a second run.
    first = entropy_run(hv, ["g"], wait=True)
    hv.expect(any(l == "hyparm: vm g: reset" for l in first.lines), "the VM did not reset")
    boots = entropy_values(first, "g")
    hv.expect(len(boots) == 2, "expected two boots in the first run: %s" % boots)
    second = entropy_run(hv, ["g"])
    boots += entropy_values(second, "g")
    expect_all_different(hv, boots)

# ------------------------------------------- paravirtual time, KVM's vendor hypercalls
# guests/tests/pvtime.c checks PV time (DEN0057A: discovery, the stolen-time record) and
# KVM's vendor-hyp calls (UID, features, PTP); Debian's kernel shows steal in /proc/stat and
# registers KVM's PTP clock.

# ash prints its prompt, then asks the terminal where the cursor is: input goes after that.
PROMPT = r"/ # \x1b\[6n$"


def pvtime_vm(hv, name, params, pcpus="0"):
    return hr.VM(hv.guest("pvtime"), name=name, params=params, pcpus=pcpus)


@pytest.mark.timeout(90)
def test_pvtime_stolen_time_grows_only_while_another_vm_hogs_the_cpu(hv):
    # Both VMs on physical CPU 0; the hog spins until its counter reads 4 s, then powers off.
    res = hv.run([pvtime_vm(hv, "pv", "pvtime.shared=7000"), pvtime_vm(hv, "hog", "pvtime.hog=4000")],
                 timeout=60)
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "pv")
    hv.guest_passed(res, "hog")
    hv.expect(hv.line_index(res, "hog", "hog_done") < hv.line_index(res, "pv", "alone_from"),
              "the 'alone' window began before the hog powered off")


@pytest.mark.timeout(60)
def test_pvtime_alone_no_stolen_time_and_kvm_vendor_ptp(hv):
    hv.one(hv.guest("pvtime"), pcpus="0")


@pytest.mark.timeout(60)
def test_pvtime_absent_when_the_vm_lists_no_pvtime_device(hv, tmp_path):
    dts = tmp_path / "m.dts"
    dts.write_text('/dts-v1/;\n/ {\n\tcompatible = "hyparm,manifest";\n\tvms {\n\t\tg {\n'
                   '\t\t\tcompatible = "hyparm,vm";\n\t\t\tkernel = "%s";\n'
                   '\t\t\tbootargs = "pvtime.absent=1";\n\t\t\tmemory = "64M";\n'
                   '\t\t\tdevices = "gicv3", "arm-vtimer", "arm-ptimer", "pl011";\n\t\t};\n\t};\n};\n'
                   % hv.guest("pvtime"))
    res = hv.run(manifest=str(dts), timeout=30)
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "g")


def linux_shell(hv, vms, commands, timeout):
    """Boot Debian's kernel (VM 'linux') with the others, type commands at its shell, power off.
    The run ends when the Linux VM is off, whatever the others do."""
    hv.need_linux()
    script = [(PROMPT, c + "\n") for c in commands] + [(PROMPT, "poweroff\n")]
    res = hv.run(vms, timeout=timeout, script=script, until=r"^hyparm: vm linux: powered off")
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect(res.vm_states.get("linux") == "off", "the Linux VM did not power off")
    return res.vm_lines("linux")


def said(lines, word):
    """The rest of the line the guest printed as 'WORD rest' (the typed command itself starts with the prompt)."""
    for l in lines:
        m = re.match(r"%s (.*)$" % word, l)
        if m:
            return m.group(1)
    return None


STEAL = "echo STEAL $(awk '/^cpu / { print $9 }' /proc/stat)"
BUSY = "awk 'BEGIN { for (i = 0; i < 300000; i++) s += i; print \"BUSY\", s }'"


@pytest.mark.timeout(240)
def test_pvtime_linux_shows_steal_when_another_vm_shares_its_cpu(hv):
    # Linux (one vCPU) and a hog on physical CPU 0: Linux's /proc/stat counts steal, and a busy
    # job adds to it. The hog outlives the run (which ends when Linux is off): it prints nothing
    # meanwhile, so the shell's lines are never redrawn around another VM's.
    linux = hr.VM(hv.LINUX, name="linux", initrd=hv.INITRD, params="console=ttyAMA0 quiet", cpus=1, mem=256,
                  pcpus="0")
    lines = linux_shell(hv, [linux, pvtime_vm(hv, "hog", "pvtime.hog=3600000")],
                        [STEAL.replace("STEAL", "STEAL1"), BUSY, STEAL.replace("STEAL", "STEAL2"),
                         "dmesg | grep -q 'using stolen time PV' && echo PVTIME found"], timeout=180)
    s1, s2 = said(lines, "STEAL1"), said(lines, "STEAL2")
    hv.expect(s1 and s2 and s1.isdigit() and s2.isdigit(), "no steal figures from /proc/stat (%r, %r)" % (s1, s2))
    hv.expect(int(s1) > 0, "steal is %s in /proc/stat after booting with a hog on the same CPU" % s1)
    hv.expect(int(s2) > int(s1), "steal did not grow over a busy job (%s, then %s)" % (s1, s2))
    hv.expect(said(lines, "BUSY") == "44999850000", "the busy job's answer is wrong")
    hv.expect(said(lines, "PVTIME") == "found", "the kernel did not say 'using stolen time PV'")


@pytest.mark.timeout(180)
def test_ptp_linux_kvm_ptp_clock_and_no_steal_alone(hv):
    # Alone on its CPUs: /dev/ptp0 is KVM's PTP clock, and nothing is stolen.
    linux = hr.VM(hv.LINUX, name="linux", initrd=hv.INITRD, params="console=ttyAMA0 quiet", cpus=1, mem=256)
    lines = linux_shell(hv, [linux],
                        ["[ -c /dev/ptp0 ] && echo PTPDEV yes", "echo CLOCK $(cat /sys/class/ptp/ptp0/clock_name)",
                         BUSY, STEAL], timeout=120)
    hv.expect(said(lines, "PTPDEV") == "yes", "/dev/ptp0 is missing")
    hv.expect(said(lines, "CLOCK") == "KVM virtual PTP", "ptp0 is %r, not KVM's" % said(lines, "CLOCK"))
    hv.expect(said(lines, "STEAL") == "0", "steal is %r for a VM alone on its CPU" % said(lines, "STEAL"))
