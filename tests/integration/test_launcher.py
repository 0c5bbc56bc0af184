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


def spinning_qemu(hv, p):
    """Wait until the launcher's guest spins; QEMU's pid among the launcher's children."""
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
    return qemu[0]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_stopping_the_launcher_ends_qemu_and_leaves_nothing(hv, tmp_path, sig):
    """However the launcher is stopped (SIGTERM as `timeout` sends, Ctrl-C with piped input,
    SIGKILL, where none of its own cleanup runs), QEMU (in its own session) must not go on
    running, and no temporary file may stay."""
    p = launcher(hv, "--timeout", "40", "-k", hv.guest("crash"), "-n", "g", "-p", "mode=spin", tmp=tmp_path)
    qemu = None
    try:
        qemu = spinning_qemu(hv, p)
        # QEMU holds the bundle in the machine's RAM once hyparm runs: the file is gone already.
        hv.expect(not os.listdir(tmp_path), "the bundle is still there while hyparm runs: %s" % os.listdir(tmp_path))
        p.send_signal(sig)
        p.communicate(timeout=15)
        end = time.monotonic() + 5
        while alive(qemu) and time.monotonic() < end:
            time.sleep(0.1)
        hv.expect(not alive(qemu), "QEMU (pid %d) still runs after the launcher got %s" % (qemu, sig.name))
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


@pytest.mark.timeout(60)
def test_interactive_run_has_no_time_limit_and_scripted_run_names_its_own(hv, tmp_path):
    """Typed at a terminal, a run has no time limit unless --timeout gives one (a session on
    one's own kernel must not end after 60 s); piped or without input, it has one, and says so."""
    import pexpect
    child = pexpect.spawn(os.path.join(hv.REPO, "tools", "hyparm-run"), ["-k", hv.guest("hello"), "-n", "g"],
                          env=dict(os.environ, TMPDIR=str(tmp_path)), encoding="utf-8", codec_errors="replace",
                          timeout=40)
    try:
        child.expect(r"hyparm-run: (.*)\r?\n")
        banner = child.match.group(1)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    hv.expect(banner.startswith("no time limit"), "interactive run: %r" % banner)
    hv.expect(child.exitstatus == 0, "interactive run: exit %s" % child.exitstatus)
    p = launcher(hv, "-k", hv.guest("hello"), "-n", "g", tmp=tmp_path)
    out = p.communicate(timeout=40)[0].decode("utf-8", "replace")
    hv.expect(p.returncode == 0, "scripted run: exit %d: %s" % (p.returncode, out[-500:]))
    hv.expect("hyparm-run: time limit 60s" in out, "the scripted run did not name its time limit: " + out[:300])


def errors_of(hv, tmp, *args):
    p = launcher(hv, "--timeout", "30", *args, tmp=tmp)
    out = p.communicate(timeout=40)[0].decode("utf-8", "replace")
    return p.returncode, [l for l in out.splitlines() if l.startswith("hyparm-run: ")]


@pytest.mark.timeout(60)
def test_errors_name_the_users_own_options(hv, tmp_path):
    """hyparm refuses a line of the manifest the launcher wrote: the launcher names the user's
    option that made it (never 'options.dts:N', a file the user never saw), and a VM too large for
    the machine's RAM is told which option raises it."""
    hello = hv.guest("hello")
    # Refused before QEMU starts (the launcher runs hyparm's own manifest checks).
    rc, msgs = errors_of(hv, tmp_path, "--vm", "-n", "a", "-k", hello, "--vm", "-n", "b", "-k", hello, "--pcpus", "5")
    hv.expect(rc == 4, "exit %d: %s" % (rc, msgs))
    hv.expect(any("--vm #2" in m and "--pcpus 5" in m and "options.dts" not in m for m in msgs),
              "the error does not name --vm #2's --pcpus 5: %s" % msgs)
    # Fits on paper, not in one piece of the machine's RAM: hyparm says so, the launcher names -m and --ram.
    rc, msgs = errors_of(hv, tmp_path, "-n", "a", "-k", hello, "-m", "1000")
    hv.expect(rc == 3, "exit %d: %s" % (rc, msgs))
    hv.expect(any("-m 1000" in m and "--ram" in m and "options.dts" not in m for m in msgs),
              "the error does not name -m 1000 and --ram: %s" % msgs)
    # Cannot fit at all: refused before QEMU starts, the dry run too.
    for dry in ([], ["--dry-run"]):
        rc, msgs = errors_of(hv, tmp_path, *dry, "-n", "a", "-k", hello, "-m", "2048")
        hv.expect(rc == 4 and any("-m 2048" in m and "use --ram MiB" in m for m in msgs),
                  "%s-m 2048 on a 1024 MiB machine: exit %d: %s" % (" ".join(dry), rc, msgs))
    hv.expect(not os.listdir(tmp_path), "left behind: %s" % os.listdir(tmp_path))


@pytest.mark.timeout(30)
def test_bundle_data_is_aligned_and_cpio_reads_it(hv, tmp_path):
    """The bundle is written straight from the images (no copies); each image's data must start
    on a BUNDLE_DATA_ALIGN boundary, or hyparm copies it into guest RAM byte by byte (a
    33 MiB kernel then took more than a second in one reset step: hyparm's watchdog fired)."""
    import hyparmrun as hr
    odd = tmp_path / "odd.bin"
    odd.write_bytes(b"\x01" * 4099)
    vms = [hr.VM(hv.guest("hello"), name="a", initrd=str(odd), params="x" * 5), hr.VM(str(odd), name="bb")]
    work = tmp_path / "work"
    work.mkdir()
    data = open(hr.write_bundle(vms, str(work)), "rb").read()
    off, names = 0, []
    while True:
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        name = data[off + 110:off + 110 + f[11]].split(b"\0")[0].decode()
        start = (off + 110 + f[11] + 3) // 4 * 4
        if name == "TRAILER!!!":
            break
        names.append(name)
        hv.expect(start % hr.BUNDLE_DATA_ALIGN == 0, "%s's data at offset %d" % (name, start))
        off = (start + f[6] + 3) // 4 * 4
    listed = subprocess.run(["cpio", "-t", "--quiet"], input=data, stdout=subprocess.PIPE, check=True).stdout.split()
    # The manifest and each image once (odd.bin is both a kernel and an initrd).
    hv.expect([n.decode() for n in listed] == names and len(names) == 3, "cpio lists %s, we wrote %s" % (listed, names))
