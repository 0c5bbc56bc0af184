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
