# SPDX-License-Identifier: GPL-2.0-only
"""Boot Lamina (or Debian's Xen 4.17) under QEMU with a dom0 kernel and
report how the run ended. Shared by tests/run/boot and tests/run/guest-tests.

Outcomes come from the hypervisor's isa-debug-exit codes in test mode
(hypervisor/include/hv/domain.h: TEST_EXIT_*); QEMU exits with
(code << 1) | 1. Xen cannot end QEMU itself, so for Xen the console is
watched for its "Hardware Dom0 ..." message and QEMU is stopped there.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import threading
import time

DEBUG_EXIT_PORT = 0xF4
OUTCOMES = {            # TEST_EXIT_* code -> outcome name
    0x10: "poweroff",
    0x11: "reboot",
    0x12: "crash",
    0x13: "build-failed",
    0x1F: "hypervisor-panic",
}
# Exit status of `make boot` for each outcome.
EXIT_STATUS = {"poweroff": 0, "reboot": 2, "crash": 3, "build-failed": 4,
               "hypervisor-panic": 5, "qemu-exit": 6, "timeout": 124}

XEN_GZ = "/boot/xen-4.17-amd64.gz"
XEN_END = [
    (re.compile(r"Hardware Dom0 halted"), "poweroff"),
    (re.compile(r"Hardware Dom0 crashed"), "crash"),
    (re.compile(r"Hardware Dom0 shutdown"), "reboot"),
    (re.compile(r"Panic on CPU"), "hypervisor-panic"),
    (re.compile(r"Could not set up DOM0 guest OS|Could not construct domain 0"),
     "build-failed"),
]


def choose_accel(accel, quiet=False):
    """TCG unless KVM is asked for and can run a PV hypervisor."""
    def say(msg):
        if not quiet:
            print("boot: " + msg, file=sys.stderr)
    if accel == "kvm":
        if os.path.exists("/sys/module/kvm_pvm"):
            say("ACCEL=kvm asked, but /dev/kvm here is KVM-PVM, a software "
                "shadow-paging variant that cannot run a PV hypervisor "
                "(Xen 4.17 fails on it too); using TCG")
            return "tcg"
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            say("ACCEL=kvm asked, but /dev/kvm is not usable; using TCG")
            return "tcg"
        return "kvm"
    return "tcg"


def module_arg(path, args):
    """One -initrd module: 'path args', with QEMU's ',' escaped as ',,'."""
    s = path if not args else path + " " + args
    return s.replace(",", ",,")


def xen_image(build_dir):
    """Debian ships Xen gzip-compressed; QEMU's loader needs it plain."""
    out = os.path.join(build_dir, "xen", "xen-4.17.elf")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(XEN_GZ):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with gzip.open(XEN_GZ, "rb") as src, open(out + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.rename(out + ".tmp", out)
    return out


# dom0's devices (issue 20): a virtio-blk disk whose 4 KiB blocks say
# which block they are, and a virtio-net NIC on QEMU's user-mode network
# (DHCP from 10.0.2.2, which also reaches this machine's loopback).
DISK_BLOCK = 4096


def disk_block(i):
    """The known contents of block i of a fresh disk image."""
    return (b"LAMINA-DISK-%08d\n" % i).ljust(DISK_BLOCK, b".")


def make_disk(path, mib=64):
    """A fresh image of mib MiB, every block as disk_block() says."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        for i in range(mib * (1 << 20) // DISK_BLOCK):
            f.write(disk_block(i))
    os.rename(path + ".tmp", path)


def device_args(disk):
    """QEMU options for dom0's virtio disk (the image at disk) and NIC."""
    return ["-drive", "file=%s,if=none,id=vd0,format=raw,cache=unsafe" % disk.replace(",", ",,"),
            "-device", "virtio-blk-pci,drive=vd0",
            "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"]


def qemu_command(hv, hvargs, modules, accel, memory="512", interactive=False,
                 extra=(), cpu="max", smp=1):
    cmd = ["qemu-system-x86_64", "-M", "q35", "-m", memory, "-smp", str(smp),
           "-no-reboot", "-kernel", hv, "-append", hvargs,
           "-device", "isa-debug-exit,iobase=0x%x,iosize=4" % DEBUG_EXIT_PORT]
    if accel == "kvm":
        cmd += ["-accel", "kvm", "-cpu", "host"]
    else:
        cmd += ["-accel", "tcg", "-cpu", cpu]
    if modules:
        cmd += ["-initrd", ",".join(module_arg(p, a) for p, a in modules)]
    if interactive:
        cmd += ["-nographic"]
    else:
        cmd += ["-display", "none", "-serial", "stdio", "-monitor", "none"]
    return cmd + list(extra)


class NmiInjector:
    """Injects an NMI into every CPU (QMP inject-nmi) each interval seconds
    through QEMU's QMP socket at path, from start() until QEMU ends.
    Add args() to the QEMU command. A QMP error reply (to qmp_capabilities
    or inject-nmi) stops the injector, sets refused to its text and calls
    on_refused (run() kills QEMU and ends the run as "qmp-error")."""

    def __init__(self, path, interval):
        self.path, self.interval, self.sent, self.error = path, interval, 0, None
        self.refused, self.on_refused = None, None

    def args(self):
        return ["-qmp", "unix:%s,server=on,wait=off" % self.path.replace(",", ",,")]

    def start(self):
        threading.Thread(target=self._loop, daemon=True).start()

    @staticmethod
    def _execute(f, command):
        """Sends command; returns None on success, else the error's text.
        Asynchronous events before the reply are skipped."""
        import json
        f.write(json.dumps({"execute": command}) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply:
                return None
            if "error" in reply:
                err = reply["error"]
                return "QMP %s refused: %s: %s" % (command, err.get("class", "?"),
                                                   err.get("desc", reply))

    def _loop(self):
        import socket
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.path)
            f = s.makefile("rw")
            f.readline()                                # the greeting
            self.refused = self._execute(f, "qmp_capabilities")
            while not self.refused:
                self.refused = self._execute(f, "inject-nmi")
                if not self.refused:
                    self.sent += 1
                    time.sleep(self.interval)
        except (OSError, ValueError) as e:              # QEMU ended (or never listened)
            self.error = str(e)
            return
        self.error = self.refused
        if self.on_refused:
            self.on_refused()


F_SETPIPE_SZ = 1031	# fcntl.F_SETPIPE_SZ (Python 3.10+ names it; Linux's value)


def widen_pipe(f):
    """Gives the pipe QEMU's console writes into 1 MiB (pipe-max-size),
    from 64 KiB. When a reader busy elsewhere lets the pipe fill, QEMU's
    UART stops taking bytes and a polled console (Lamina's, Xen's) gives
    up waiting and drops them: conform-args-diff lost 33 of its 2000
    lines with the reader 8 s late, none with it reading at once. Best
    effort: a smaller limit keeps the default."""
    import fcntl
    try:
        fcntl.fcntl(f.fileno(), F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass


def run(cmd, timeout, log_path=None, echo=True, watch=None, interactive=False, feed=None,
        nmi=None):
    """Runs QEMU; returns (outcome, output text).

    watch: list of (regex, outcome); the first match ends the run (Xen).
    feed: (regex, bytes) - type bytes on the console once regex is seen.
    nmi: (regex, NmiInjector) - start injecting NMIs once regex is seen; a
    QMP error reply kills QEMU and the outcome is "qmp-error"."""
    if interactive:
        try:
            rc = subprocess.run(cmd, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return "timeout", ""
        return decode_status(rc), ""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    widen_pipe(proc.stdout)
    fed = []
    lines = []
    found = []
    log = open(log_path, "w", errors="replace") if log_path else None

    def reader():
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").replace("\r", "")
            lines.append(line)
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
            if log:
                log.write(line)
                log.flush()
            if feed and not fed and feed[0].search(line):
                fed.append(True)
                for b in feed[1]:       # one byte at a time, as typed
                    proc.stdin.write(bytes([b]))
                    proc.stdin.flush()
                    time.sleep(0.05)
            if nmi and not nmi[1].sent and not getattr(nmi[1], "started", False) \
                    and nmi[0].search(line):
                nmi[1].started = True
                nmi[1].on_refused = proc.kill
                nmi[1].start()
            for rx, outcome in watch or ():
                if not found and rx.search(line):
                    found.append(outcome)
                    # Let the rest of the message reach the log, then stop.
                    threading.Timer(1.0, proc.kill).start()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        rc = proc.wait(timeout=timeout)
        outcome = found[0] if found else decode_status(rc)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        outcome = found[0] if found else "timeout"
    t.join(timeout=5)
    if nmi and nmi[1].refused:
        # QEMU did not inject what the test relies on: say so, whatever
        # the guest did meanwhile.
        outcome = "qmp-error"
        lines.append("qemu_run: %s\n" % nmi[1].refused)
        if log:
            log.write(lines[-1])
        if echo:
            sys.stdout.write(lines[-1])
    if log:
        log.close()
    return outcome, "".join(lines)


def decode_status(rc):
    if rc > 0 and rc & 1 and (rc >> 1) in OUTCOMES:
        return OUTCOMES[rc >> 1]
    if rc == 0:
        return "poweroff"       # ACPI power-off or -no-reboot reset ends QEMU with 0
    return "qemu-exit"


def which(prog):
    return shutil.which(prog) is not None
