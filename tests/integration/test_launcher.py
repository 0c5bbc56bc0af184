"""tools/hyparm-run itself: what it leaves behind when it is done, or is stopped."""
import os
import select
import signal
import subprocess
import time

import pytest


def launcher(hv, *args, tmp, stdin_pipe=False):
    """tools/hyparm-run with its temporary files under tmp (TMPDIR)."""
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.Popen([os.path.join(hv.REPO, "tools", "hyparm-run")] + list(args), env=env,
                            stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def alive(pid):
    """pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.timeout(30)
def test_dry_run_leaves_no_copy_of_the_images(hv, tmp_path):
    p = launcher(hv, "--dry-run", "-k", hv.guest("hello"), "-n", "g", tmp=tmp_path)
    out = p.communicate(timeout=20)[0].decode()
    hv.expect(p.returncode == 0, "dry run exit %d: %s" % (p.returncode, out))
    hv.expect("\t\tg {" in out and "qemu-system-aarch64" in out, "no manifest or QEMU command: " + out)
    hv.expect(not os.listdir(tmp_path), "the dry run left %s behind" % os.listdir(tmp_path))


@pytest.mark.timeout(60)
def test_sigterm_kills_qemu_and_removes_the_bundle(hv, tmp_path):
    """As `timeout` stops it: SIGTERM to the launcher must not leave QEMU (in its own
    session) running, nor the bundle's temporary directory."""
    p = launcher(hv, "--timeout", "40", "-k", hv.guest("crash"), "-n", "g", "-p", "mode=spin", tmp=tmp_path)
    qemu = None
    try:
        # Wait until the guest spins, then find QEMU among the launcher's children.
        seen, end = b"", time.monotonic() + 30
        while b"[g] spinning" not in seen and time.monotonic() < end:
            if select.select([p.stdout], [], [], 1)[0]:
                chunk = os.read(p.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
        hv.expect(b"[g] spinning" in seen, "the guest did not start: " + seen[-500:].decode("utf-8", "replace"))
        with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
            kids = [int(x) for x in f.read().split()]
        qemu = [k for k in kids if "qemu-system" in open("/proc/%d/cmdline" % k).read()]
        hv.expect(qemu, "no QEMU among the launcher's children %s" % kids)
        qemu = qemu[0]
        hv.expect(any(n.startswith("hyparm-run-") for n in os.listdir(tmp_path)), "no bundle directory while running")
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=15)
        end = time.monotonic() + 5
        while alive(qemu) and time.monotonic() < end:
            time.sleep(0.1)
        hv.expect(not alive(qemu), "QEMU (pid %d) still runs after the launcher got SIGTERM" % qemu)
        hv.expect(not os.listdir(tmp_path), "left behind: %s" % os.listdir(tmp_path))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        if qemu and alive(qemu):
            os.kill(qemu, signal.SIGKILL)


@pytest.mark.timeout(180)
def test_piped_input_reaches_the_guest_shell(hv, tmp_path):
    """`(sleep 20; echo nproc; echo poweroff) | make run` (the README): what is piped to
    the launcher is typed into the guest's console."""
    hv.need_linux()
    p = launcher(hv, "--timeout", "120", "-n", "sh", "-k", hv.LINUX, "-i", hv.INITRD, "-p", "console=ttyAMA0 quiet",
                 "-c", "2", "-m", "256", tmp=tmp_path, stdin_pipe=True)
    try:
        out, end = b"", time.monotonic() + 120
        while b"/ # \x1b[6n" not in out and time.monotonic() < end:
            if select.select([p.stdout], [], [], 1)[0]:
                chunk = os.read(p.stdout.fileno(), 4096)
                if not chunk:
                    break
                out += chunk
        hv.expect(b"/ # \x1b[6n" in out, "no shell prompt: " + out[-500:].decode("utf-8", "replace"))
        p.stdin.write(b"echo piped-$((6*7))\n")
        p.stdin.flush()
        time.sleep(1)
        try:
            out += p.communicate(b"poweroff\n", timeout=60)[0]
        except subprocess.TimeoutExpired:
            pytest.fail("the piped 'poweroff' did not end the run", pytrace=False)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = out.decode("utf-8", "replace")
    hv.expect(p.returncode == 0, "launcher exit %d: %s" % (p.returncode, text[-500:]))
    hv.expect("[sh] piped-42" in text.replace("\r", ""), "the piped command did not run: " + text[-500:])
