"""A VM's life cycle next to other VMs: a VM that reboots again and again while
another runs a job (issue 11: "a VM that reboots 20 times in a row while another
VM runs a job, both on one physical CPU and on separate ones: the rebooting VM
comes back every time and the other finishes with the right result").

The rebooting VM (guests/tests/reboot.c) checks at every boot that it starts in
the reset state (MMU off, its EL1 registers as hyparm resets them), turns its MMU
on and marks its registers, and resets when it is told to ('r' typed on its
console). The job is the hostile suite's honest VM (guests/tests/honest.c): its
checksum must be the one it computes alone, its own checks must pass.
"""
import re

import pytest

import hyparmrun as hr

REBOOTS = 20
# The job must outlast the storm (20 reboots take 1-3 s here; this job 8-10 s).
ROUNDS = 100000
TIMEOUT = 90

_alone = {}


def honest(hv, pcpus):
    return hr.VM(hv.guest("honest"), name="job", mem=16, pcpus=pcpus, params="rounds=%d" % ROUNDS)


def checksum(hv, res):
    hv.guest_passed(res, "job")
    cks = [l.split()[1] for l in res.vm_lines("job") if l.startswith("CHECKSUM ")]
    hv.expect(cks, "the job printed no CHECKSUM")
    return cks[-1]


def checksum_alone(hv):
    if "cks" not in _alone:
        res = hv.run([honest(hv, "0")], timeout=TIMEOUT)
        hv.expect(res.status == hr.STATUS_OK, "the job alone: status %d: %s" % (res.status, res.why))
        _alone["cks"] = checksum(hv, res)
    return _alone["cks"]


def storm(hv, job_pcpus):
    want = checksum_alone(hv)
    # The rebooting VM first: it has the console's input focus, so what is typed reaches it.
    vms = [hr.VM(hv.guest("reboot"), name="rb", mem=16, pcpus="0"), honest(hv, job_pcpus)]
    script = [("reboot: ready", "r")] * REBOOTS + [("reboot: ready", "q")]
    res = hv.run(vms, timeout=TIMEOUT, script=script)
    boots = [i for i, l in enumerate(res.lines) if l == "[rb] reboot: boot"]
    resets = sum(1 for l in res.lines if l == "hyparm: vm rb: reset")
    hv.expect(len(boots) == REBOOTS + 1, "the rebooting VM booted %d times after %d resets (want %d)"
              % (len(boots), resets, REBOOTS + 1))
    hv.expect(res.status == hr.STATUS_OK, "launcher status %d: %s" % (res.status, res.why))
    hv.guest_passed(res, "rb")  # every boot's checks: FAIL lines of any boot count
    hv.expect(res.vm_states.get("rb") == "off" and res.vm_states.get("job") == "off", "a VM did not power off")
    hv.expect(checksum(hv, res) == want, "the job's checksum differs from its checksum alone (%s)" % want)
    done = [i for i, l in enumerate(res.lines) if re.match(r"\[job\] CHECKSUM ", l)]
    hv.expect(done and done[-1] > boots[-1], "the job ended before the storm did: make ROUNDS larger")
    return res


@pytest.mark.timeout(240)
def test_reboot_storm_next_to_a_job_on_the_same_cpu(hv):
    storm(hv, "0")


@pytest.mark.timeout(240)
def test_reboot_storm_next_to_a_job_on_another_cpu(hv):
    storm(hv, "1")


# Restart policies (the manifest's `restart`, docs/manifest.md). The guest is guests/tests/crash.c:
# mode=ask waits for a key at "crash: ready" ('c' crash, 'm' hang with interrupts masked, 'o' power off),
# no mode crashes at once (an exception loop).
CTRL_A3 = "\x01\x01\x01"
CRASH_REPORT = (r"hyparm: vm %s: vcpu 0: pc [0-9a-f]{16} pstate [0-9a-f]{8} \(EL1h, DAIF ",
                r"hyparm: vm %s: vcpu 0: esr_el1 [0-9a-f]{16} far_el1 [0-9a-f]{16} ",
                r"hyparm: vm %s: vcpu 0: x0  [0-9a-f]{16} x1  [0-9a-f]{16} x2  [0-9a-f]{16} x3  [0-9a-f]{16}$",
                r"hyparm: vm %s: vcpu 0: x28 [0-9a-f]{16} x29 [0-9a-f]{16} x30 [0-9a-f]{16}$",
                r"hyparm: vm %s: vcpu 0: sp_el1 [0-9a-f]{16} elr_el1 [0-9a-f]{16} spsr_el1 [0-9a-f]{8}$",
                r"hyparm: vm %s: vcpu 0: vbar_el1 [0-9a-f]{16} sctlr_el1 [0-9a-f]{16}$")


def count(res, text):
    return sum(1 for l in res.lines if l == text)


def starts(res, prefix):
    return sum(1 for l in res.lines if l.startswith(prefix))


def expect_report(hv, res, name, n):
    for pat in CRASH_REPORT:
        got = sum(1 for l in res.lines if re.match(pat % name, l))
        hv.expect(got == n, "%d crash report line(s) like %r, want %d" % (got, pat % name, n))


@pytest.mark.timeout(120)
def test_on_crash_a_crashing_vm_comes_back_each_time(hv):
    """restart = "on-crash": each crash (an exception loop) is reported with the vCPU's registers
    and the VM boots again from its images; its power-off then ends it."""
    crashes = 3
    vm = hr.VM(hv.guest("crash"), name="g", params="mode=ask", restart="on-crash")
    res = hv.run([vm], timeout=90, script=[("crash: ready", "c")] * crashes + [("crash: ready", "o")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect(starts(res, "hyparm: vm g: stopped: exception loop") == crashes, "not %d crashes" % crashes)
    hv.expect(starts(res, 'hyparm: vm g: restarting (restart = "on-crash")') == crashes, "not restarted each time")
    hv.expect(res.vm_lines("g").count("crash: ready") == crashes + 1, "the VM did not boot %d times" % (crashes + 1))
    expect_report(hv, res, "g", crashes)
    # The first fault: the data abort the guest took (EC 0x25, external abort) at its unusable vectors.
    hv.expect(any(re.match(r"hyparm: vm g: vcpu 0: esr_el1 0000000096000010 far_el1 0000000020000000", l)
                  for l in res.lines), "the report does not give the first fault's ESR/FAR")
    hv.expect(any(l == "hyparm: vm g: vcpu 0: vbar_el1 0000000020000000 sctlr_el1 0000000030d00800" or
                  l.startswith("hyparm: vm g: vcpu 0: vbar_el1 0000000020000000 ") for l in res.lines),
              "the report does not give the guest's VBAR_EL1")
    hv.expect(res.vm_states.get("g") == "off" and res.vm_crashes.get("g") == crashes and
              res.vm_restarts.get("g") == crashes, "launcher: state %s, %s crashes, %s restarts"
              % (res.vm_states.get("g"), res.vm_crashes.get("g"), res.vm_restarts.get("g")))
    hv.expect(hr.summary(res) == ["vm g: powered off (crashed 3 times, restarted 3 times)"],
              "summary: %s" % hr.summary(res))


@pytest.mark.timeout(120)
def test_never_a_crashed_vm_stays_down_and_gives_its_memory_back(hv):
    """restart = "never" (the default): the crash stops the VM for good, the other VM runs on, the
    stopped VM's RAM goes back to hyparm; the monitor's start allocates it again and boots it
    from its images."""
    vms = [hr.VM(hv.guest("crash"), name="other", params="mode=ask", pcpus="1"),
           hr.VM(hv.guest("crash"), name="g", pcpus="0")]
    res = hv.run(vms, timeout=90, script=[
        (r"hyparm: vm g: memory returned", CTRL_A3 + CTRL_A3),
        (r"console input goes to the monitor", "list\r"),
        (r"hyparm> $", "start g\r"),
        (r"hyparm: vm g: started again[\s\S]*hyparm: vm g: memory returned", "console other\r"),
        (r"console input goes to vm other", "o"),
    ])
    hv.expect(res.status == hr.STATUS_VM_FAILED, "status %d (want 1): %s" % (res.status, res.why))
    hv.expect(starts(res, "hyparm: vm g: stopped: exception loop") == 2, "g did not crash twice (start, start)")
    hv.expect(starts(res, "hyparm: vm g: restarting") == 0, "restart = never restarted it")
    # RAM and every stage-2 table go back (the tables' KiB: more than the root's 8, which alone
    # would mean the RAM's tables stayed or were never counted).
    returned = [re.match(r"hyparm: vm g: memory returned \(64 MiB of RAM, (\d+) KiB of stage-2 tables\)$", l)
                for l in res.lines if l.startswith("hyparm: vm g: memory returned")]
    hv.expect(len(returned) == 2 and all(m and int(m.group(1)) > 8 for m in returned),
              "g's memory and tables were not returned twice: %s" % [m and m.group(0) for m in returned])
    # The monitor's list shows what each VM holds: g nothing once it gave its memory back.
    text = "\n".join(res.lines)
    hv.expect(re.search(r"^\d+\s+g\s+crashed\s+1\s+\d+\s+\d+\s+0$", text, re.M), "list shows g holding memory")
    other = re.search(r"^\d+\s+other\s+running\s+1\s+\d+\s+\d+\s+(\d+)$", text, re.M)
    hv.expect(other and int(other.group(1)) > 64 * 1024, "list shows other holding less than its 64 MiB")
    hv.expect(res.vm_lines("g").count("crashing now") == 2, "the monitor's start did not boot g again")
    hv.expect(res.vm_states.get("other") == "off" and res.vm_states.get("g") == "stopped", "states %s" % res.vm_states)
    expect_report(hv, res, "g", 2)


@pytest.mark.timeout(120)
def test_always_restarts_after_a_power_off_until_a_restart_loop(hv):
    """restart = "always": the guest's own power-off boots it again too; a VM that powers off 5
    times within 10 s is a restart loop and stays down (bounded: the run ends by itself)."""
    vm = hr.VM(hv.guest("crash"), name="g", params="mode=ask", restart="always")
    res = hv.run([vm], timeout=90, script=[("crash: ready", "o")] * 5)
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect(count(res, "hyparm: vm g: powered off") == 5, "not 5 power-offs")
    hv.expect(starts(res, 'hyparm: vm g: restarting (restart = "always")') == 4, "not restarted 4 times")
    hv.expect(count(res, "hyparm: vm g: 5 stops within 10 s: a restart loop, it stays down") == 1,
              "no restart loop reported")
    hv.expect(hr.summary(res) == ["vm g: powered off (restarted 4 times, a restart loop: left down)"],
              "summary: %s" % hr.summary(res))


@pytest.mark.timeout(120)
def test_on_crash_a_crash_loop_stops_restarting(hv):
    """A VM that crashes as it boots: restarted 4 times, the fifth crash within 10 s is a restart
    loop and it stays down, while the other VM runs on undisturbed."""
    vms = [hr.VM(hv.guest("crash"), name="other", params="mode=ask", pcpus="1"),
           hr.VM(hv.guest("crash"), name="g", pcpus="0", restart="on-crash")]
    res = hv.run(vms, timeout=90, script=[(r"a restart loop, it stays down", "o")])
    hv.expect(res.status == hr.STATUS_VM_FAILED, "status %d (want 1): %s" % (res.status, res.why))
    hv.expect(starts(res, "hyparm: vm g: stopped: exception loop") == 5, "not 5 crashes")
    hv.expect(starts(res, 'hyparm: vm g: restarting (restart = "on-crash")') == 4, "not 4 restarts")
    hv.expect(res.vm_states.get("other") == "off", "the other VM did not power off")
    hv.expect(sorted(hr.summary(res)) == ["vm g: stopped by hyparm (crashed 5 times, restarted 4 times, "
                                          "a restart loop: left down)", "vm other: powered off"],
              "summary: %s" % hr.summary(res))


@pytest.mark.timeout(120)
def test_a_vcpu_spinning_with_interrupts_masked_is_stopped_and_restarted(hv):
    """A guest that hangs with interrupts masked and its timer pending (a dead kernel) makes no
    exit at all: hyparm's progress watchdog notices it, reports it with its registers as a crash,
    and restart = "on-crash" brings it back."""
    vm = hr.VM(hv.guest("crash"), name="g", params="mode=ask", restart="on-crash")
    res = hv.run([vm], timeout=90, script=[("crash: ready", "m"), ("crash: ready", "o")])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    hv.expect(starts(res, "hyparm: vm g: stopped: no progress: vcpu 0 spun 10 s with interrupts masked") == 1,
              "the masked spin was not reported")
    hv.expect(any(re.match(r"hyparm: vm g: vcpu 0: pc [0-9a-f]{16} pstate [0-9a-f]{8} \(EL1h, DAIF DAIF\)", l)
                  for l in res.lines), "the report does not show PSTATE with interrupts masked")
    expect_report(hv, res, "g", 1)
    hv.expect(res.vm_lines("g").count("crash: ready") == 2, "the VM did not come back")
