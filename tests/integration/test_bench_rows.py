"""make bench's hyparm rows measure what they say: scale figures from counters (repeat exactly under
icount, present under the normal clock), exits from hyparm's power-off report, the reboot-storm row."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import bench  # noqa: E402

logged = []


def log(s):
    logged.append(s)
    print(s)


@pytest.mark.timeout(240)
def test_scale_rows_come_from_counters_and_repeat_under_icount(hv):
    a = bench.scale_run(4, True, log)
    b = bench.scale_run(4, True, log)
    hv.expect(a is not None and b is not None, "a scale run gave no figures: " + " | ".join(logged[-3:]))
    # Exact but for one tick of the 62.5 MHz counter (16 ns), and as a set: which VM of one pCPU is
    # reset first is not fixed (two CPUs under -icount), the times at which the first, second... VM
    # starts are. The table shows first VM .. last VM.
    same = all(a[k] == b[k] for k in a if not isinstance(a[k], list)) and all(
        abs(x - y) <= 0.1 for k in ("first_insn_us", "first_output_us") for x, y in zip(sorted(a[k]), sorted(b[k])))
    hv.expect(same, "two icount runs differ by more than a counter tick: %s / %s" % (a, b))
    hv.expect(len(a["first_insn_us"]) == 4 and len(a["first_output_us"]) == 4, "not one figure per VM: %s" % a)
    hv.expect(0 < a["create_us_per_vm"] <= a["all_created_us"], "creation times wrong: %s" % a)
    for entry, out in zip(a["first_insn_us"], a["first_output_us"]):
        # A VM runs once it is started (its RAM cleared first): it prints after its first instruction.
        hv.expect(0 < entry < out, "first instruction / output out of order: %s" % a)


@pytest.mark.timeout(300)
def test_scale_rows_complete_under_the_normal_clock(hv):
    """8 VMs printing at once on a host-paced clock: every VM's timing line still parses. It caught
    core/console.c ending the focused VM's unfinished line when another VM powered off (the rest of
    the line then came out as a new line, "[s0] eting cntvct ..."): about 1 run in 7 here, hence 6."""
    for i in range(6):
        r = bench.scale_run(8, False, log)
        hv.expect(r is not None, "8-VM run %d dropped as incomplete: %s" % (i, " | ".join(logged[-3:])))


def test_power_off_report_parsed():
    lines = ["hyparm: vm g: powered off", "hyparm: vm g: exits: hvc 1 mmio 500", "hyparm: vm g: off, 2 vCPUs, 16 MiB",
             "  vcpu 0: cpu 3 ms on pCPU 0, in hyparm 173 us, interrupts 2, exits: hvc 1 mmio 400",
             "  vcpu 0: scheduler: weight 256, 1 entries after another vCPU, 0 slices ended for another, 0 wake-ups",
             "  vcpu 1: cpu 1 ms on pCPU 1, in hyparm 27 us, interrupts 1, exits: mmio 100",
             "  device pl011: 250 reads, 250 writes", "hyparm: all VMs stopped"]
    r = bench.power_off_reports(lines)["g"]
    assert r["exits"] == {"hvc": 1, "mmio": 500}
    assert (r["cpu_ms"], r["in_hyparm_us"], r["interrupts"]) == (4, 200, 3)
    assert r["devices"] == {"pl011": [250, 250]}


@pytest.mark.timeout(240)
def test_micro_run_reports_exits_from_hyparm(hv):
    rows, _, extra = bench.micro_run("hyparm", True, 20, log)
    rep = extra.get("report")
    hv.expect(rep is not None, "no power-off report parsed: " + " | ".join(logged[-3:]))
    # Every timed null HVC is an exit hyparm counted (batches of 8 plus the loop's own calibration).
    hv.expect(rep["exits"].get("hvc", 0) >= rows["null_hvc"]["n"], "hvc exits %s < %d samples"
              % (rep["exits"], rows["null_hvc"]["n"]))


@pytest.mark.timeout(300)
def test_reboot_storm_row(hv):
    alone = bench.storm_run("0", None, True, log)
    storm = bench.storm_run("0", "reboot", True, log)
    hv.expect(alone and storm, "a storm run gave no figures: " + " | ".join(logged[-3:]))
    hv.expect(storm["resets"] >= 10, "the rebooting VM reset only %d times during the job" % storm["resets"])
    hv.expect(storm["job_ms"] >= alone["job_ms"], "the job ran faster next to the storm: %s / %s" % (storm, alone))
