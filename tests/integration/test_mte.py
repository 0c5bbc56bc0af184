"""MTE (FEAT_MTE2) for guests where the machine has it (QEMU virt,mte=on with -cpu max): the ID
register, the tag registers, tags set and read, tag-check faults taken by the guest's own vector,
tags cleared when hyparm scrubs RAM, registers and tags that never cross VMs on one CPU; hidden
where the machine has none or the VM's manifest says no-mte (guests/tests/mte.c)."""
import re

import pytest

import hyparmrun as hr


def passed_and_off(hv, res, *names):
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    for n in names:
        hv.guest_passed(res, n)
        hv.expect(res.vm_states.get(n) == "off", "vm %s did not power off" % n)


@pytest.mark.timeout(120)
def test_mte_tags_and_tag_check_faults_in_the_guest(hv):
    res = hv.run([hr.VM(hv.guest("mte"), name="g")], timeout=90, cpu_model="max", mte=True)
    passed_and_off(hv, res, "g")
    lines = res.vm_lines("g")
    hv.expect(any("EC 0x25, DFSC 0x11" in l for l in lines), "the tag-check fault was not checked")
    # The fault was the guest's own: hyparm saw no abort it could not serve (only the lazy RAM maps).
    hv.expect(not any(re.search(r"hyparm: vm g: .*(abort|injected|unhandled)", l) for l in res.lines),
              "hyparm handled something of the tag-check fault")


@pytest.mark.timeout(120)
def test_mte_hidden_without_tag_storage(hv):
    """cortex-a57 has no MTE; -cpu max without mte=on has no tag storage (QEMU then shows MTE 0):
    the ID register shows none, the registers and IRG are UNDEFINED."""
    for cpu in ("cortex-a57", "max"):
        res = hv.run([hr.VM(hv.guest("mte"), name="g", params="expect=off insn=undef")], timeout=90,
                     cpu_model=cpu)
        passed_and_off(hv, res, "g")


@pytest.mark.timeout(120)
def test_mte_off_for_a_vm_by_manifest(hv):
    """no-mte on a machine with MTE: the ID register shows none, the registers trap (UNDEFINED),
    tags can be neither set nor read (HCR_EL2.ATA clear) and nothing is tag checked."""
    res = hv.run([hr.VM(hv.guest("mte"), name="g", params="expect=off", no_mte=True)], timeout=90,
                 cpu_model="max", mte=True)
    passed_and_off(hv, res, "g")


@pytest.mark.timeout(150)
def test_mte_tags_do_not_survive_a_reset(hv):
    """The guest tags its RAM and resets; after the reset hyparm's scrub (DC GZVA) has cleared the
    tags with the data, so the next boot finds tag 0 again."""
    script = [("mte: ready", "r"), ("mte: ready", "q")]
    res = hv.run([hr.VM(hv.guest("mte"), name="g", params="role=reboot")], timeout=120, cpu_model="max",
                 mte=True, script=script)
    passed_and_off(hv, res, "g")
    boots = [l for l in res.vm_lines("g") if l.startswith("PASS: boot: RAM has tag 0")]
    hv.expect(len(boots) == 2, "booted with clean tags %d times (want 2)" % len(boots))


@pytest.mark.timeout(150)
def test_mte_registers_and_tags_do_not_leak_between_vms_on_one_cpu(hv):
    res = hv.run([hr.VM(hv.guest("mte"), name="holder", params="role=holder", pcpus="0"),
                  hr.VM(hv.guest("mte"), name="peeker", params="role=peeker", pcpus="0")], timeout=120,
                 cpu_model="max", mte=True)
    passed_and_off(hv, res, "holder", "peeker")


@pytest.mark.timeout(240)
def test_linux_reports_mte_and_faults_a_wrong_tag(hv):
    """Debian's kernel (CONFIG_ARM64_MTE) sees MTE in the ID register and lists it in /proc/cpuinfo;
    a PROT_MTE page is tagged from user space and a load through a wrong tag is SIGSEGV
    (guests/linux/mtetag.c)."""
    hv.need_linux()
    res = hv.run([hr.VM(hv.LINUX, name="l", initrd=hv.INITRD, params="console=ttyAMA0 quiet hyparm.test=mte",
                        cpus=1, mem=256)], timeout=180, cpu_model="max,pauth-impdef=on", mte=True)
    passed_and_off(hv, res, "l")
    lines = res.vm_lines("l")
    hv.expect(any(re.match(r"hyparm-guest: cpuinfo: mte( |$)", l) for l in lines), "no mte in /proc/cpuinfo")
    hv.expect(any(l == "PASS: a load through a wrong tag: SIGSEGV" for l in lines), "the tag-check fault was not seen")


@pytest.mark.timeout(240)
def test_linux_without_mte_on_a_machine_that_has_it(hv):
    """no-mte: the same kernel on the same machine finds no MTE (cpuinfo has none, PROT_MTE fails)."""
    hv.need_linux()
    res = hv.run([hr.VM(hv.LINUX, name="l", initrd=hv.INITRD, params="console=ttyAMA0 quiet hyparm.test=mte",
                        cpus=1, mem=256, no_mte=True)], timeout=180, cpu_model="max,pauth-impdef=on", mte=True)
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    lines = res.vm_lines("l")
    hv.expect("hyparm-guest: cpuinfo:" in lines, "cpuinfo lists MTE: %s" %
              [l for l in lines if l.startswith("hyparm-guest: cpuinfo")])
    hv.expect(any(l.startswith("FAIL: prctl") or l.startswith("FAIL: mmap PROT_MTE") for l in lines),
              "MTE worked in a VM that has it hidden")
