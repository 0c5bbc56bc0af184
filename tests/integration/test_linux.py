"""Debian's stock arm64 kernel with a busybox initramfs as the guest: its own
checks (hyparm.test=smp), and the interactive shell."""
import pytest

import hyparmrun as hr
from conftest import GICS


def linux(hv, name, cpus, cpu_model="cortex-a57", vms=1, timeout=120, gic=3):
    hv.need_linux()
    params = "console=ttyAMA0 quiet hyparm.test=smp hyparm.cpus=%d" % cpus
    pcpus = ["0,1", "0", "1"]
    guests = [hr.VM(hv.LINUX, name="%s%d" % (name, i), initrd=hv.INITRD, params=params, cpus=cpus, mem=256,
                    pcpus=pcpus[0] if vms == 1 else pcpus[1 + i]) for i in range(vms)]
    res = hv.run(guests, cpu_model=cpu_model, timeout=timeout, gic=gic)
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
