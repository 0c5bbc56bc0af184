"""The hostile-guest suite (docs/security.md, "Hostile guests"): each case
boots hyparm with a hostile VM (guests/tests/hostile.c, one attack chosen by
case=NAME) next to an honest one (guests/tests/honest.c, a fixed CPU and
memory job), and asserts that

  - hyparm stays alive: the honest VM powers off cleanly and the launcher's
    status is the one the case expects;
  - the honest VM's work is right: its checks pass and its checksum is the
    one it computes alone;
  - the honest VM's progress rate (rounds per virtual-timer second) is at
    least MIN_RATE of its rate alone, measured in the same session;
  - on a physical CPU of its own, the honest VM is not interrupted on the
    hostile VM's behalf (its 'irq' exits, counted by hyparm);
  - where hyparm stops the hostile VM, it says why
    ('hyparm: vm hostile: stopped: ...').

Plain functions using hyparmrun.run(), collected in TESTS; a case known
to fail carries xfail="what goes wrong". tests/integration/test_hostile.py
runs each as one pytest test (a strict xfail where marked).
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))
import hyparmrun as hr  # noqa: E402

G = os.path.join(REPO, "build", "guests")
HYPARM = os.path.join(REPO, "build", "hyparm.bin")

# The honest job: about 0.35 s of guest time alone under QEMU on this kind of machine.
HONEST_ROUNDS = 4000
# The hostile VM attacks until the physical counter reaches this (ms after QEMU started):
# longer than the honest job takes while sharing its CPU (0.7-1.5 s measured, boot included).
UNTIL_MS = 2000
# Every run's time limit: a run that works takes 1-3 s; a hang costs this much.
TIMEOUT = 10
# Round robin between two busy vCPUs halves the honest rate (measured 0.5-0.6 of alone on
# a loaded 2-core host, where "alone" and "shared" runs also see different host load).
# 0.2 leaves room for that noise (CI runs saw 0.24-0.29 for plain neighbours on a loaded host)
# and still catches a starved VM (the bugs this suite found brought it to 0.02-0.1, or to a
# standstill).
MIN_RATE = 0.2
# A hostile VM on the other physical CPU must not interrupt the honest one: alone it takes
# no 'irq' exit at all; a few are allowed for an SGI hyparm sends to a CPU while starting up.
MAX_IRQ_EXITS_ALONE = 20

TESTS = []


class Fail(AssertionError):
    pass


def case(xfail=None):
    """Register a test; xfail: why it fails on today's main (the runner reports XFAIL)."""
    def wrap(fn):
        fn.xfail = xfail
        TESTS.append(fn)
        return fn
    return wrap


LAST = []  # the most recent run, for the runner to show its console


def run(vms, **kw):
    kw.setdefault("timeout", TIMEOUT)
    res = hr.run(vms, hyparm=HYPARM, **kw)
    LAST[:] = [res]
    return res


def expect(cond, why):
    if not cond:
        raise Fail(why)


def honest_vm(pcpus="0"):
    return hr.VM(os.path.join(G, "honest.bin"), name="honest", mem=16, pcpus=pcpus,
                 params="rounds=%d" % HONEST_ROUNDS)


def hostile_vm(name, cpus=1, pcpus="0", until_ms=UNTIL_MS, devices=None):
    return hr.VM(os.path.join(G, "hostile.bin"), name="hostile", mem=16, cpus=cpus, pcpus=pcpus,
                 params="case=%s until_ms=%d" % (name, until_ms), devices=devices)


def vm_result(res, vm):
    """The VM's RESULT line parsed (passed, failed), after checking it printed no FAIL."""
    lines = res.vm_lines(vm)
    fails = [l for l in lines if l.startswith("FAIL") or l.startswith("UNEXPECTED")]
    expect(not fails, "vm %s: %s" % (vm, "; ".join(fails[:3])))
    results = [re.match(r"RESULT: (\d+) passed, (\d+) failed", l) for l in lines]
    results = [m for m in results if m]
    expect(results, "vm %s reported no RESULT line" % vm)
    return int(results[-1].group(1)), int(results[-1].group(2))


def honest_report(res):
    """(checksum, rounds per second) of the honest VM, after its own checks."""
    lines = res.vm_lines("honest")
    passed, failed = vm_result(res, "honest")
    expect(failed == 0 and passed > 0, "honest VM: %d passed, %d failed" % (passed, failed))
    cks = [l.split()[1] for l in lines if l.startswith("CHECKSUM ")]
    rounds = [re.match(r"ROUNDS (\d+) in (\d+) ms", l) for l in lines]
    rounds = [m for m in rounds if m]
    expect(cks and rounds, "honest VM printed no CHECKSUM/ROUNDS line")
    n, ms = int(rounds[-1].group(1)), max(1, int(rounds[-1].group(2)))
    return cks[-1], n * 1000.0 / ms


def exits(res, vm):
    """hyparm's exit counts for the VM at its power-off: {'hvc': 1, 'mmio': 544, 'irq': 12}."""
    for l in res.lines:
        m = re.match(r"hyparm: vm %s: exits: (.*)$" % re.escape(vm), l)
        if m:
            w = m.group(1).split()
            return {w[i]: int(w[i + 1]) for i in range(0, len(w) - 1, 2)}
    return {}


_ALONE = {}


def alone():
    """The honest VM alone on CPU 0: (checksum, rate), measured twice per session; the lower rate
    is the reference (a moment of host load then makes the bound looser, never a false failure)."""
    if not _ALONE:
        reps = []
        for _ in range(2):
            res = run([honest_vm()])
            expect(res.status == hr.STATUS_OK, "honest VM alone: status %d: %s" % (res.status, res.why))
            reps.append(honest_report(res))
        expect(reps[0][0] == reps[1][0], "honest VM alone: two runs gave two checksums")
        _ALONE.update(checksum=reps[0][0], rate=min(r for _, r in reps))
    return _ALONE["checksum"], _ALONE["rate"]


def attack(name, cpus=1, pcpus="0", status=hr.STATUS_OK, stopped=None, hostile_ok=True, own_cpu=False,
           until=None, min_boots=0, devices=None):
    """Run hostile case `name` next to the honest VM on CPU 0 and judge it (see the module's doc).
    stopped: a regex hyparm's 'stopped:' reason for the hostile VM must match.
    hostile_ok: the hostile VM's own checks pass and it powers off.
    own_cpu: no vCPU of the hostile VM shares CPU 0 (the honest VM's irq exits are bounded).
    until: end the run at this console line (a hostile VM that never stops by design)."""
    checksum, rate_alone = alone()
    # The hostile VM first: it has the console's input focus, so its output goes out byte by byte
    # and hyparm's messages (a reset's) break only its lines; the honest VM's go out whole.
    res = run([hostile_vm(name, cpus, pcpus, devices=devices), honest_vm()], until=until)
    expect(res.status == status, "launcher status %d (want %d): %s" % (res.status, status, res.why))
    expect(res.vm_states.get("honest") == "off" or until, "the honest VM did not power off")
    cks, rate = honest_report(res)
    expect(cks == checksum, "honest VM's checksum %s, alone %s" % (cks, checksum))
    expect(rate >= MIN_RATE * rate_alone, "honest VM ran at %.0f rounds/s, %.0f%% of its %.0f alone (bound %d%%)"
           % (rate, 100 * rate / rate_alone, rate_alone, 100 * MIN_RATE))
    if own_cpu and not until:
        irq = exits(res, "honest").get("irq", 0)
        expect(irq <= MAX_IRQ_EXITS_ALONE, "the honest VM, alone on its CPU, was interrupted %d times "
               "(bound %d)" % (irq, MAX_IRQ_EXITS_ALONE))
    if stopped:
        expect(res.vm_states.get("hostile") == "stopped", "hyparm did not stop the hostile VM")
        lines = [l for l in res.lines if l.startswith("hyparm: vm hostile: stopped: ")]
        expect(lines and re.search(stopped, lines[0]), "stop report %r does not match %r" % (lines[:1], stopped))
    elif hostile_ok:
        passed, failed = vm_result(res, "hostile")
        expect(failed == 0, "hostile VM: %d of its checks failed" % failed)
        expect(res.vm_states.get("hostile") == "off", "the hostile VM did not power off")
    if min_boots:
        boots = sum(1 for l in res.vm_lines("hostile") if l.startswith("hostile boot "))
        expect(boots >= min_boots, "the hostile VM booted %d times (want >= %d resets)" % (boots, min_boots - 1))
    return res


# ---- reference points ----

@case()
def hostile_busy_neighbour_shares_the_cpu():
    attack("spin")


@case()
def hostile_busy_neighbour_on_the_other_cpu():
    attack("spin", pcpus="1", own_cpu=True)


# ---- system registers, SMCCC, PSCI ----

@case()
def hostile_every_sysreg_encoding_read_and_written():
    attack("sysregs")


@case()
def hostile_every_smccc_range_over_hvc_and_smc():
    attack("smccc")


@case()
def hostile_psci_cpu_on_bad_entry_points():
    # The last CPU_ON has an unaligned entry point in RAM: hyparm may refuse it or start the
    # vCPU there, an exception loop it then stops.
    checksum, _ = alone()
    res = run([honest_vm(), hostile_vm("psci_bad_entry", cpus=2)])
    expect(res.status in (hr.STATUS_OK, hr.STATUS_VM_FAILED), "launcher status %d: %s" % (res.status, res.why))
    expect(res.vm_states.get("honest") == "off", "the honest VM did not power off")
    expect(honest_report(res)[0] == checksum, "honest VM's checksum differs from its run alone")
    lines = res.vm_lines("hostile")
    expect(any(l.startswith("PASS: CPU_ON with entry points outside RAM") for l in lines),
           "CPU_ON outside RAM / in MMIO was not refused: " + "; ".join(l for l in lines if "CPU_ON" in l))
    if res.vm_states.get("hostile") == "stopped":
        expect(any(l.startswith("hyparm: vm hostile: stopped: ") for l in res.lines), "no stop report")


@case()
def hostile_psci_cpu_on_off_storm():
    attack("psci_storm", cpus=2)


@case()
def hostile_system_reset_loop():
    attack("reset_loop", min_boots=3)


@case()
def hostile_system_reset_while_sibling_spins():
    attack("reset_spin", cpus=2, pcpus="0,1", min_boots=3)


@case()
def hostile_system_reset_while_sibling_loops_on_hvc():
    attack("reset_hvc", cpus=2, pcpus="0,1", min_boots=3)


@case()
def hostile_system_reset_from_both_vcpus_at_once():
    attack("reset_both", cpus=2, pcpus="0,1", min_boots=3)


# ---- memory and devices ----

@case()
def hostile_ipa_space_outside_ram_aborts():
    attack("ipa")


@case()
def hostile_set_way_cache_maintenance_storm():
    attack("setway")


@case()
def hostile_mmio_wrong_sizes_and_no_syndrome():
    attack("mmio")


# ---- the vGIC ----

@case()
def hostile_vgic_register_fuzz():
    attack("vgic_regs")


@case()
def hostile_vgic_register_fuzz_on_the_other_cpu():
    attack("vgic_regs", pcpus="1", own_cpu=True)


@case()
def hostile_its_command_and_table_fuzz():
    attack("its")


@case()
def hostile_its_command_and_table_fuzz_on_the_other_cpu():
    attack("its", pcpus="1", own_cpu=True)


@case()
def hostile_sgi_flood_and_bad_intids():
    attack("sgi_flood", cpus=2, pcpus="0,1")


@case()
def hostile_more_pending_than_list_registers_never_acked():
    attack("lr_noack")


@case()
def hostile_more_pending_than_list_registers_completed():
    attack("lr_ack")


# ---- timers ----

@case()
def hostile_timer_storm():
    attack("timer_storm")


@case(xfail="QEMU 7.2, not hyparm: its timer model computes CVAL + CNTVOFF_EL2 for the next tick, which "
      "wraps into the past for CVAL = ~0, and re-arms the host timer forever, freezing the emulated "
      "CPU (the same guest runs with CNTVOFF = 0; hyparm never adds the two: vdev/vtimer.c)")
def hostile_virtual_timer_cval_max():
    attack("timer_cval_max")


@case()
def hostile_wfi_with_due_timer_disabled_in_gic():
    attack("timer_wfi_disabled")


# ---- exception loops ----

@case()
def hostile_exception_loop_vbar_unmapped():
    attack("exc_unmapped", status=hr.STATUS_VM_FAILED, stopped=r"exception loop")


@case()
def hostile_exception_loop_vbar_at_faulting_instruction():
    attack("exc_fault", status=hr.STATUS_VM_FAILED, stopped=r"exception loop")


@case()
def hostile_exception_loop_inside_the_guest():
    # UDF at every vector: a loop that never leaves the guest, so hyparm cannot see it; it is
    # only a busy vCPU, and the run ends when the honest VM is done.
    attack("exc_undef", until=r"^hyparm: vm honest: exits:", hostile_ok=False)


# ---- multi-vCPU races ----

@case()
def hostile_gicd_ctlr_and_irouter_race():
    attack("race_gicd", cpus=2, pcpus="0,1")


@case()
def hostile_ipi_to_never_started_vcpu():
    # vCPU 0 floods from CPU 1; vCPU 1, never started, is placed on the honest VM's CPU 0.
    attack("ipi_unstarted", cpus=2, pcpus="1,0", own_cpu=True)


# ---- virtio ----

VIRTIO_RNG = ["gicv3", "arm-vtimer", "arm-ptimer", "pl011", "virtio-mmio", "virtio-rng"]


@case()
def hostile_random_virtqueues_from_two_vcpus():
    # vCPU 0 (rings, notifications, registers) on CPU 1; vCPU 1, rewriting the rings and notifying
    # meanwhile, shares the honest VM's CPU 0: hyparm's walker races with the guest across CPUs.
    # No rate bound here: with both CPUs busy, QEMU's two threads compete with the rest of a
    # 2-core host, and the honest VM's rate measures the host (0.16-0.40 of alone measured, as
    # race_gicd's 0.2); the case below, on the other CPU, bounds the rate and the interrupts.
    checksum, _ = alone()
    res = run([hostile_vm("virtio", 2, "1,0", devices=VIRTIO_RNG), honest_vm()])
    expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    expect(res.vm_states.get("honest") == "off", "the honest VM did not power off")
    expect(honest_report(res)[0] == checksum, "honest VM's checksum differs from its run alone")
    passed, failed = vm_result(res, "hostile")
    expect(failed == 0 and passed > 0, "hostile VM: %d of its checks failed" % failed)
    expect(res.vm_states.get("hostile") == "off", "the hostile VM did not power off")


@case()
def hostile_random_virtqueues_on_the_other_cpu():
    # Both on CPU 1: the honest VM alone on CPU 0 must not even be interrupted.
    attack("virtio", cpus=2, pcpus="1,1", own_cpu=True, devices=VIRTIO_RNG)
