"""Console focus (Ctrl-a three times) and hyparm's monitor, driven through stdin."""
import re

import pytest

import hyparmrun as hr

CTRL_A3 = "\x01\x01\x01"


@pytest.mark.timeout(120)
def test_focus_cycles_through_the_vms_and_the_monitor(hv):
    """Typed bytes reach the VM with the focus only; Ctrl-a three times moves it to the next VM,
    then the monitor; every monitor command does what it says."""
    echo = hv.guest("echo")
    vms = [hr.VM(echo, name="a", pcpus="0"), hr.VM(echo, name="b", pcpus="1")]
    res = hv.run(vms, timeout=90, script=[
        # Both up (what is typed before a VM runs is dropped), in either order.
        (r"\[a\] echo up[\s\S]*\[b\] echo up|\[b\] echo up[\s\S]*\[a\] echo up", "x"),
        (r"\[a\] echo: 0x78", CTRL_A3),
        (r"console input goes to vm b", "y"),
        (r"\[b\] echo: 0x79", CTRL_A3),
        (r"console input goes to the monitor", "help\r"),
        (r"hyparm> $", "bogus\r"),
        (r"hyparm> $", "list\r"),
        (r"hyparm> $", "stats a\r"),
        (r"hyparm> $", "stop b\r"),
        (r"vm b: powered off", ""),
        (r"hyparm> $", "start b\r"),
        (r"\[b\] echo up", ""),
        (r"hyparm> $", "restart a\r"),
        (r"\[a\] echo up", ""),
        (r"hyparm> $", "stop nosuch\r"),
        (r"hyparm> $", "console a\r"),
        (r"console input goes to vm a", "q"),
        (r"vm a: powered off", CTRL_A3),
        (r"console input goes to vm b", "q"),
    ])
    hv.expect(res.status == hr.STATUS_OK, "status %d: %s" % (res.status, res.why))
    a, b = res.vm_lines("a"), res.vm_lines("b")
    hv.expect("echo: 0x78" in a and "echo: 0x78" not in b, "'x' went to the wrong VM")
    hv.expect("echo: 0x79" in b and "echo: 0x79" not in a, "'y' went to the wrong VM")
    # Two of the three Ctrl-a reach the VM that had the focus, as under Xen; the third is hyparm's.
    hv.expect(a.count("echo: 0x01") == 2, "vm a saw %d Ctrl-a, want 2" % a.count("echo: 0x01"))
    text = "\n".join(res.lines)
    hv.expect("commands:" in text, "help printed no command list")
    hv.expect("monitor: unknown command 'bogus'" in text, "an unknown command was not refused")
    hv.expect(re.search(r"^\d+\s+a\s+running\s+1\s+\d+\s+\d+", text, re.M), "list shows no running VM a")
    hv.expect(re.search(r"device pl011@0x9000000: \d+ reads", text) or re.search(r"device \S*pl011\S*: \d+ reads", text),
              "stats a shows no UART accesses: " + res.tail(20))
    hv.expect(re.search(r"vcpu 0: cpu \d+ ms on pCPU 0, in hyparm [1-9]\d* us, interrupts \d+, exits:.* mmio \d+", text),
              "stats a shows no per-vCPU exits")
    hv.expect("hyparm: vm b: started again" in text and b.count("echo up") == 2, "start b did not boot b again")
    hv.expect("hyparm: vm a: reset" in text and a.count("echo up") == 2, "restart a did not reset a")
    hv.expect("monitor: no VM called 'nosuch'" in text, "a bad VM name was not refused")
    hv.expect(res.vm_states.get("a") == "off" and res.vm_states.get("b") == "off", "the VMs did not power off")
