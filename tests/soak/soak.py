#!/usr/bin/env python3
"""soak.py: a model-checked soak of maintd (issue #15, "Robustness, proven").

Starts the real maintd in the foreground, in a temporary directory of its
own, on a generated configuration, and sends it random sequences of
requests (activate, deactivate, run, stop, restart, stop-all, resume,
preset apply, reload by request and by SIGHUP, valid and invalid; run
--wait on a connection dropped at once; the daemon stopped, or killed,
and started again) while its tasks crash, hang, leave escaped processes
behind and print a lot, and three streams (events, logs, log --follow)
stay open.
A small model of what the daemon must do follows each reply, and after
every step the invariants are checked:

  leftover   no process of a task that was stopped (or that ended, for the
             daemon's own view) outlives kill_grace + 1 s;
  weight     the weight in use never exceeds max_weight (health, status,
             and the processes found alive);
  conflict   two conflicting tasks are never active or running at once
             (status, and the processes found alive);
  history    every run has a unique id, and an end once the daemon stopped
             (in the database, and in the activity log as events --follow
             streams it: one end for each run-started);
  requires   no run of a task starts while its requirement is false: each
             run of "req" (every second, requires okay within 10 s) started
             within 10 s (and a second of rounding) of the end of a
             successful run of "okay";
  chains     every successful run of "par" (every second, on_success
             kid) has one outcome of its chain, a run of kid with trigger
             chain:par#RUN or a skipped event of kid saying why (unless par
             was deactivated, or the daemon stopped or was killed, as it
             ended); no chained run names a run of par that did not
             succeed, or that neither an active par nor an operator (run)
             started;
  fd, rss    the daemon's file descriptors and memory stay within bounds,
             and go back down when it is idle;
  reply      every request gets exactly one final line (OK or ERR code),
             data lines are "- payload", JSON where --json asked for it,
             no control characters; a stream ends only when the daemon
             stops, with "OK maintd is stopping";
  model      replies and state agree with the model (halted, activation,
             refusals that must happen, reload counts, config in force);
  exit       the daemon is alive at the end, exits 0 on SIGTERM within
             kill_grace + 5 s, and leaves no process and no cgroup behind.

Processes are found by a marker in their command line: every task runs
its programs through links in RUNDIR/m/TASK/, a directory unique to this
run.  Only the daemon this driver started and processes carrying that
marker are ever signalled.

A failing run prints the seed and the shortest sequence of steps that
still fails (steps dropped delta-debugging style, each candidate replayed
against a fresh daemon, within --shrink-seconds), and writes it as a file
that --replay takes (tests/soak/regress/ holds those that found bugs).

  soak.py [--seconds N] [--seed S] [--replay FILE...] [--build DIR] [-v]
"""

import argparse
import ctypes
import datetime
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

GRACE = 2.0             # kill_grace of the generated configuration
SLACK = 1.0             # the "+ 1 s" of the leftover invariant
MAX_WEIGHT = 5
REPLY_TIMEOUT = 30.0    # a request unanswered this long is a failure
START_TIMEOUT = 20.0

# The tasks.  kind, weight, command (a template: {S} is the task's own
# sleep, {M} its marker), extra options.  Conflicts are listed apart.
TASKS = {
    # a service that ignores TERM: stopping it takes kill_grace
    "svc":   ("service", 2, 'trap "" TERM; {S} 1000', ""),
    "stub":  ("service", 1, "{S} 1000", ""),
    # a service that leaves an escaped process (its own session)
    "esc":   ("service", 1, "setsid {S} 1000 & exec {S} 1000", ""),
    # a service that crashes quickly: backoff, then failed
    "flap":  ("service", 1, "{S} 0.3; exit 1",
              "restart = on-failure backoff = { 500ms, 1s } restart_limit = 3"),
    "tick":  ("periodic", 1, "{S} 0.2", "every = 1s"),
    # hangs until its timeout
    "hang":  ("oneshot", 1, "{S} 1000", "timeout = 2s"),
    "crash": ("oneshot", 0, ": {M}; exit 3", ""),
    # lots of output, long lines, both streams, control characters (the
    # command is split as the protocol splits, and the config takes one
    # level of backslashes first: a backslash is written as four)
    "print": ("oneshot", 1,
              ': {M}; i=0; while [ $i -lt 1500 ]; do '
              'echo "out $i ........................................................'
              '......................................................................"; '
              'echo "err $i" >&2; i=$((i+1)); done; printf "%05000d\\\\\\\\n" 7; '
              'printf "tab\\\\\\\\there bell\\\\\\\\007 esc\\\\\\\\033[0m\\\\\\\\n"', ""),
    # the first process exits at once, leaving an escaped one behind
    "esc1":  ("oneshot", 1, "setsid {S} 1000 & exit 0", ""),
    "slow":  ("oneshot", 1, 'trap "" TERM; {S} 3', ""),
    # a reload changes its command (and it is restarted: restart_on_change)
    "chg":   ("service", 1, "{S} {CHG}", "restart_on_change = true"),
    # a reload changes its weight
    "wt":    ("oneshot", "{WT}", "{S} 4", ""),
    # a reload removes it and adds it back
    "extra": ("service", 1, 'trap "" TERM; {S} 1000', ""),
    # crashes at once and is restarted at once, for ever: a start every
    # few milliseconds (only regressions activate it)
    "burst": ("service", 0, ": {M}; exit 1",
              "restart = always backoff = { 10ms, 10ms } restart_limit = 0 "
              "output = discard"),
    # a requirement: req runs only within OK_WITHIN of a success of okay
    "okay":  ("oneshot", 0, ": {M}; exit 0", ""),
    "req":   ("periodic", 0, ": {M}; exit 0",
              'every = 1s requires { task = "okay" ok_within = 10s }'),
    # a chain: each successful run of par starts kid (kid's command has
    # no marker: its runs come and go with par's, the model does not
    # follow them, and it leaves nothing)
    "par":   ("periodic", 0, ": {M}; exit 0",
              'every = 1s on_success = { "kid" }'),
    "kid":   ("oneshot", 0, "exit 0", ""),
}
OK_WITHIN = 10.0
CONFLICTS = [("svc", "hang"), ("stub", "slow"), ("tick", "print"),
             ("extra", "stub")]
PRESETS = {
    "pa": ["svc", "tick", "esc", "par"],
    "pb": ["hang", "stub", "flap"],
    "pc": ["slow", "print", "chg"],
}
SERVICES = [t for t, v in TASKS.items() if v[0] == "service"]
CHG_ARGS = {1: "1000", 2: "2000"}
WT_WEIGHTS = {1: 1, 3: 3}


class Violation(Exception):
    def __init__(self, kind, msg):
        super().__init__("%s: %s" % (kind, msg))
        self.kind = kind
        self.msg = msg


def now():
    return time.monotonic()


VERBOSE = False


def say(*a):
    print("soak:", *a, flush=True)


def debug(*a):
    if VERBOSE:
        print("soak: [debug]", *a, flush=True)


# --- processes -----------------------------------------------------------

def proc_stat(pid):
    """(state, starttime) of pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    return rest[0], int(rest[19])


def proc_session(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    return int(s[s.rindex(")") + 2:].split()[3])


def scan(marker):
    """{(pid, starttime): task} of the live processes carrying marker."""
    found = {}
    mb = marker.encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cl = f.read()
        except OSError:
            continue
        i = cl.find(mb)
        if i < 0:
            continue
        st = proc_stat(pid)
        if st is None or st[0] in ("Z", "X"):
            continue
        rest = cl[i + len(mb):]
        task = rest.split(b"/", 1)[0].decode(errors="replace")
        found[(pid, st[1])] = task
    return found


def kill_marked(marker, deadline=5.0):
    """SIGKILL every process carrying marker until none is left."""
    end = now() + deadline
    while True:
        procs = scan(marker)
        if not procs:
            return True
        for (pid, start) in procs:
            st = proc_stat(pid)
            if st is not None and st[1] == start:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if now() > end:
            return False
        time.sleep(0.05)


def fd_info(pid):
    """(count, [targets]) of pid's open file descriptors."""
    d = "/proc/%d/fd" % pid
    targets = []
    for fd in os.listdir(d):
        try:
            targets.append(os.readlink(os.path.join(d, fd)))
        except OSError:
            pass
    return len(targets), targets


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# --- the protocol ---------------------------------------------------------

FINAL_OK = re.compile(r"^OK( .*)?$")
FINAL_ERR = re.compile(r"^ERR ([a-z][a-z0-9-]*)( .*)?$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Reply:
    def __init__(self, data, final):
        self.data = data
        self.final = final
        m = FINAL_ERR.match(final)
        self.ok = m is None
        self.code = "OK" if m is None else m.group(1)
        self.text = final[3:] if self.ok else (m.group(2) or "").strip()

    def __repr__(self):
        return "%r (+%d data lines)" % (self.final, len(self.data))


class Client:
    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(REPLY_TIMEOUT)
        self.sock.connect(path)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def line(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - now()
            if left <= 0:
                raise Violation("reply", "no complete reply within %ds"
                                % REPLY_TIMEOUT)
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                raise Violation("reply", "connection failed: %s" % e)
            if not chunk:
                raise Violation("reply", "connection closed before the "
                                "final line")
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        try:
            s = ln.decode("utf-8")
        except UnicodeDecodeError:
            raise Violation("reply", "not UTF-8: %r" % ln[:200])
        if CONTROL.search(s):
            raise Violation("reply", "control character in %r" % s[:200])
        return s

    def read_reply(self, req, json_mode, deadline):
        data = []
        while True:
            s = self.line(deadline)
            if s == "-" or s.startswith("- "):
                payload = s[2:]
                if json_mode:
                    try:
                        o = json.loads(payload)
                    except ValueError:
                        raise Violation("reply", "%r: data line is not "
                                        "JSON: %r" % (req, s[:200]))
                    if not isinstance(o, dict):
                        raise Violation("reply", "%r: JSON data line is not "
                                        "an object: %r" % (req, s[:200]))
                    data.append(o)
                else:
                    data.append(payload)
                continue
            if FINAL_OK.match(s) or FINAL_ERR.match(s):
                return Reply(data, s)
            raise Violation("reply", "%r: a line that is neither data nor "
                            "final: %r" % (req, s[:200]))

    def requests(self, reqs, timeout=REPLY_TIMEOUT):
        """Send reqs at once (pipelined), then a ping; read one reply
        each, and the pong right after: exactly one final line each."""
        self.sock.sendall(("".join(r + "\n" for r in reqs) +
                           "ping\n").encode())
        deadline = now() + timeout
        out = [self.read_reply(r, "--json" in r.split(), deadline)
               for r in reqs]
        pong = self.line(deadline)
        if pong != "OK pong":
            raise Violation("reply", "after the reply to %r came %r, not "
                            "the reply to the ping" % (reqs[-1], pong[:200]))
        return out

    def request(self, req, timeout=REPLY_TIMEOUT):
        return self.requests([req], timeout)[0]


class Follower:
    """A streaming reply (events --follow, ...) held open on a connection
    of its own: its lines are read after every step, and it must end with
    "OK maintd is stopping" when the daemon stops, not before."""

    def __init__(self, path, req):
        self.req = req
        self.json = "--json" in req.split()
        self.c = Client(path)
        self.c.sock.sendall((req + "\n").encode())
        self.lines = 0
        self.final = None
        self.started = set()    # events: the runs started, and ended
        self.ended = set()

    def feed(self, block_until=None):
        """Read what has come (until the final line, or block_until)."""
        while self.final is None:
            if block_until is None:
                self.c.sock.setblocking(False)
                try:
                    chunk = self.c.sock.recv(1 << 20)
                except (BlockingIOError, InterruptedError):
                    chunk = None
                except OSError as e:
                    raise Violation("reply", "%r: %s" % (self.req, e))
                finally:
                    self.c.sock.setblocking(True)
                if chunk is None:
                    break
                if not chunk:
                    raise Violation("reply", "%r: connection closed without "
                                    "a final line" % self.req)
                self.c.buf += chunk
                while b"\n" in self.c.buf and self.final is None:
                    self.take(self.c.line(now() + 1))
            else:
                try:
                    self.take(self.c.line(block_until))
                except Violation as v:
                    raise Violation(v.kind, "%r: %s" % (self.req, v.msg))

    def take(self, s):
        if s.startswith("- "):
            if self.json:
                try:
                    o = json.loads(s[2:])
                except ValueError:
                    raise Violation("reply", "%r: not JSON: %r" % (
                        self.req, s[:200]))
                if not isinstance(o, dict):
                    raise Violation("reply", "%r: %r" % (self.req, s[:200]))
                ev = o.get("event", "")
                run = (o.get("detail") or {}).get("run") \
                    if isinstance(o.get("detail"), dict) else None
                if self.req.startswith("events") and run is not None:
                    if ev == "run-started":
                        self.started.add(run)
                    elif ev.startswith("run-"):
                        if run in self.ended:
                            raise Violation("history", "run %d ended twice "
                                            "in the activity log" % run)
                        self.ended.add(run)
            self.lines += 1
        elif FINAL_OK.match(s) or FINAL_ERR.match(s):
            self.final = s
        else:
            raise Violation("reply", "%r: %r" % (self.req, s[:200]))

    def close(self):
        self.c.close()


FOLLOW = ["events --follow --json -n 1", "logs print --follow -n 1",
          "log --follow --json -n 1"]


# --- steps ----------------------------------------------------------------
#
# A step is a line of words, as in a regression file:
#   activate T... [-j]        activate-for T SECS      deactivate T... [-j]
#   run T [-j]                run-wait T [-j]          stop T       restart T
#   stop-all                  stop-all-ask             resume
#   apply P [-x] [-j]         apply-ask P
#   reload VARIANT ctl|hup    reload-bad ctl|hup       pause MS
#   drop T                    run T --wait on a connection closed at once
#   restart-daemon            SIGTERM (the checks of the end), start again
#   kill-daemon               SIGKILL, start again: leftovers are killed
#   look WHAT                 (status, history, logs, events, metrics, show,
#                              health, ctl, pipeline, window, list, log)
# A reload VARIANT is cN-wN-x|nox: chg's command, wt's weight, extra or not.

def parse_variant(v):
    c, w, x = v.split("-")
    return (int(c[1:]), int(w[1:]), x == "x")


def variant_name(var):
    return "c%d-w%d-%s" % (var[0], var[1], "x" if var[2] else "nox")


def gen_steps(rng, n):
    names = [t for t in TASKS if t not in ("extra", "burst")]
    steps = []
    for _ in range(n):
        r = rng.random()
        j = " -j" if rng.random() < 0.3 else ""
        if r < 0.22:
            steps.append("pause %d" % rng.choice([20, 50, 100, 200, 400,
                                                  800, 1500]))
        elif r < 0.36:
            k = 1 if rng.random() < 0.8 else 2
            pool = names + ["extra"]
            steps.append("activate " + " ".join(rng.sample(pool, k)) + j)
        elif r < 0.38:
            steps.append("activate-for %s 3" % rng.choice(SERVICES))
        elif r < 0.49:
            k = 1 if rng.random() < 0.8 else 2
            pool = names + ["extra"]
            steps.append("deactivate " + " ".join(rng.sample(pool, k)) + j)
        elif r < 0.59:
            t = rng.choice(["hang", "crash", "print", "esc1", "slow", "wt",
                            "tick", "svc", "okay", "okay", "req", "par",
                            "par", "par", "kid"])
            if t in ("crash", "print", "esc1") and rng.random() < 0.4:
                steps.append("run-wait %s%s" % (t, j))
            else:
                steps.append("run %s%s" % (t, j))
        elif r < 0.65:
            steps.append("stop %s" % rng.choice(["hang", "slow", "wt",
                                                 "print", "tick", "svc"]))
        elif r < 0.69:
            steps.append("restart %s" % rng.choice(SERVICES + ["hang"]))
        elif r < 0.72:
            steps.append(rng.choice(["stop-all", "stop-all", "stop-all-ask"]))
        elif r < 0.76:
            steps.append("resume")
        elif r < 0.83:
            p = rng.choice(list(PRESETS))
            if rng.random() < 0.1:
                steps.append("apply-ask %s" % p)
            else:
                steps.append("apply %s%s%s" % (
                    p, " -x" if rng.random() < 0.4 else "", j))
        elif r < 0.90:
            var = (rng.choice([1, 2]), rng.choice([1, 3]),
                   rng.random() < 0.6)
            steps.append("reload %s %s" % (variant_name(var),
                                            rng.choice(["ctl", "hup"])))
        elif r < 0.92:
            steps.append("reload-bad %s" % rng.choice(["ctl", "hup"]))
        elif r < 0.935:
            steps.append("drop %s" % rng.choice(["print", "hang", "crash"]))
        elif r < 0.945:
            steps.append(rng.choice(["restart-daemon", "kill-daemon"]))
        else:
            steps.append("look %s" % rng.choice([
                "status", "history", "logs", "events", "metrics", "show",
                "health", "ctl", "pipeline", "window", "list", "log"]))
    return steps


# --- an episode: one daemon, one sequence ---------------------------------

CLEANUPS = []   # episodes still holding a daemon or a directory


class Episode:
    def __init__(self, build, cgroup, steps, label, keep=False):
        self.build = build
        self.cgroup = cgroup
        self.steps = steps
        self.label = label
        self.keep = keep
        self.proc = None
        self.client = None
        self.followers = []
        self.dir = None
        self.cg_base = None
        self.failed_at = None
        self.stats = {"max_fd": 0, "max_rss": 0, "base_fd": 0,
                      "base_rss": 0, "steps": 0, "runs": 0}

    # -- set-up and tear-down --

    def setup(self):
        self.dir = tempfile.mkdtemp(prefix="maintd-soak.")
        os.chmod(self.dir, 0o755)
        self.marker = self.dir + "/m/"
        sleep = shutil.which("sleep") or "/bin/sleep"
        for t in TASKS:
            d = os.path.join(self.dir, "m", t)
            os.makedirs(d)
            os.chmod(os.path.join(self.dir, "m"), 0o755)
            os.chmod(d, 0o755)
            os.symlink(sleep, os.path.join(d, "sleep"))
        self.sock = os.path.join(self.dir, "maintd.sock")
        self.conf = os.path.join(self.dir, "maintd.conf")
        self.db = os.path.join(self.dir, "maintd.db")
        self.variant = (1, 1, True)
        self.write_conf(self.variant)

    def task_block(self, name, var):
        kind, w, cmd, extra = TASKS[name]
        S = "%s%s/sleep" % (self.marker, name)
        cmd = cmd.replace("{S}", S).replace("{M}", self.marker + name + "/")
        cmd = cmd.replace("{CHG}", CHG_ARGS[var[0]])
        if w == "{WT}":
            w = WT_WEIGHTS[var[1]]
        confl = [b for a, b in CONFLICTS if a == name]
        lines = ["task %s {" % name,
                 "\tcommand = '%s'" % cmd,
                 "\tshell = true",
                 "\tweight = %d" % w]
        if kind != "periodic":
            lines.append("\tkind = %s" % kind)
        if confl:
            lines.append("\tconflicts = { %s }" %
                         ", ".join('"%s"' % c for c in confl))
        if extra:
            lines.append("\t" + extra)
        lines.append("}")
        return "\n".join(lines)

    def conf_text(self, var, bad=False):
        head = [
            'socket = "%s"' % self.sock,
            'pidfile = "%s/maintd.pid"' % self.dir,
            'database = "%s"' % self.db,
            'log_dir = "%s/log"' % self.dir,
            "kill_grace = %ds" % GRACE,
            "max_weight = %d" % MAX_WEIGHT,
            "cgroup = %s" % self.cgroup,
            "start_when = {}",
        ]
        if os.geteuid() == 0:
            head.append('user = "nobody"')
        body = [self.task_block(t, var) for t in TASKS
                if t != "extra" or var[2]]
        for p, ts in PRESETS.items():
            body.append("preset %s { tasks = { %s } }" %
                        (p, ", ".join('"%s"' % t for t in ts)))
        if bad:
            # two errors: a task without a command, an unknown option
            body.append("task broken { weight = 2 }")
            body.append("no_such_option = 1")
        return "\n".join(head + body) + "\n"

    def write_conf(self, var, bad=False):
        tmp = self.conf + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.conf_text(var, bad))
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.conf)

    def start(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("MAINTD_")}
        self.log = open(os.path.join(self.dir, "daemon.log"), "ab")

        def child():
            # the daemon dies with this driver, whatever kills it
            try:
                ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
            except Exception:
                pass
        self.proc = subprocess.Popen(
            [os.path.join(self.build, "maintd"), "-f", "-c", self.conf],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            env=env, start_new_session=True, preexec_fn=child)
        self.pid = self.proc.pid
        end = now() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise Violation("exit", "maintd exited at start-up (%d): %s"
                                % (self.proc.returncode, self.daemon_log()))
            try:
                self.client = Client(self.sock)
                if self.client.request("ping").final == "OK pong":
                    break
            except (OSError, Violation):
                if self.client:
                    self.client.close()
                self.client = None
            if now() > end:
                raise Violation("exit", "maintd did not answer within %ds"
                                % START_TIMEOUT)
            time.sleep(0.05)
        h = self.client.request("health --json").data[0]
        self.tracking = h.get("tracking")
        if h.get("tracking") == "cgroup":
            self.cg_base = h.get("cgroup")

    def daemon_log(self, n=30):
        try:
            with open(os.path.join(self.dir, "daemon.log"), "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def teardown(self):
        """Whatever happened: nothing of this episode is left running."""
        if self.client:
            self.client.close()
            self.client = None
        for f in self.followers:
            f.close()
        self.followers = []
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()
        if self.dir:
            if not kill_marked(self.marker):
                say("warning: processes of %s would not die" % self.marker)
            if self.cg_base and os.path.isdir(self.cg_base):
                # what a killed daemon left: its own cgroups, emptied above
                for root, dirs, _ in os.walk(self.cg_base, topdown=False):
                    for d in dirs:
                        try:
                            os.rmdir(os.path.join(root, d))
                        except OSError:
                            pass
                try:
                    os.rmdir(self.cg_base)
                except OSError:
                    pass
            if self.keep:
                say("kept %s" % self.dir)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
        if self.proc is not None:
            self.log.close()
        if self in CLEANUPS:
            CLEANUPS.remove(self)

    # -- the model --

    def model_init(self):
        self.tasks = {t for t in TASKS if t != "extra" or self.variant[2]}
        self.active = set()
        self.halted = False
        self.unsure = {}        # task: (from, to) its activation is unsure
        self.dead_after = {}    # task: no process of it after this time
        self.retired_until = {}  # task: a removed run of it may linger
        self.weights_seen = {t: {self.weight(t, self.variant)}
                             for t in TASKS}
        self.run_ids = set()
        self.ended_ids = set()

    @staticmethod
    def weight(t, var):
        w = TASKS[t][1]
        return WT_WEIGHTS[var[1]] if w == "{WT}" else w

    def min_weight(self, t):
        return min(self.weights_seen[t])

    def partners(self, t):
        return [b if a == t else a for a, b in CONFLICTS if t in (a, b)]

    def is_active(self, t):
        """True, False, or None when the model cannot tell."""
        if t in self.unsure:
            lo, hi = self.unsure[t]
            if now() < lo:
                return True
            return None
        return t in self.active

    def until(self, t, sec):
        """t is deactivated by its timer sec seconds from now."""
        self.unsure[t] = (now() + sec - 1.5, now() + sec + 1.5)

    def settle(self):
        """Activations that surely timed out by now."""
        for t, (lo, hi) in list(self.unsure.items()):
            if now() > hi:
                del self.unsure[t]
                self.active.discard(t)
                self.doom(t, hi)

    def doom(self, t, at=None):
        """t was stopped: none of its processes may be left after
        kill_grace + 1 s."""
        self.dead_after[t] = (at or now()) + GRACE + SLACK

    def started(self, t, lifetime=None):
        """A run of t started: its processes are legitimate again,
        for lifetime seconds if it has one."""
        self.dead_after.pop(t, None)
        if lifetime is not None:
            self.dead_after[t] = now() + lifetime + GRACE + SLACK

    def lifetime(self, t):
        # hang: its timeout; esc1: the leader exits at once, what it left
        # is killed within kill_grace
        return {"hang": 2.0, "esc1": 0.5}.get(t)

    def expect(self, step, rep, allowed):
        if rep.code not in allowed:
            raise Violation("model", "%r: got %r, expected %s" % (
                step, rep.final, " or ".join(sorted(allowed))))

    # -- steps --

    def run_step(self, step):
        w = step.split()
        verb, args = w[0], w[1:]
        js = "-j" in args
        args = [a for a in args if a != "-j"]
        J = " --json" if js else ""
        c = self.client
        self.settle()

        if verb in ("run", "run-wait", "stop", "restart") and \
                args[0] not in self.tasks:
            rep = c.request("%s %s" % (verb.split("-")[0], args[0]))
            self.expect(step, rep, {"unknown-task"})
            return

        if verb == "pause":
            time.sleep(int(args[0]) / 1000.0)

        elif verb in ("activate", "activate-for"):
            names = args if verb == "activate" else [args[0]]
            req = "activate " + " ".join(names)
            if verb == "activate-for":
                req += " --for %ss" % args[1]
            if len(names) > 1:
                req += " --confirm"
            rep = c.request(req + J)
            known = all(n in self.tasks for n in names)
            if not known:
                self.expect(step, rep, {"unknown-task"})
                return
            states = [self.is_active(n) for n in names]
            if self.halted and not all(s is True for s in states):
                self.expect(step, rep, {"halted"})
                return
            if all(s is True for s in states):
                self.expect(step, rep, {"OK"})
                if "already active" not in rep.final:
                    raise Violation("model", "%r: all were active, yet %r"
                                    % (step, rep.final))
                if verb == "activate-for":
                    # --for on an active task sets its deadline anew
                    self.until(args[0], float(args[1]))
                return
            allowed = {"OK", "conflict", "budget", "halted"}
            if self.halted:
                allowed = {"halted"}
            for n in names:
                for p in self.partners(n):
                    if self.is_active(p) is True or (
                            p in names and p != n):
                        allowed.discard("OK")
            if any(s is None for s in states):
                allowed.add("OK")
            self.expect(step, rep, allowed)
            if rep.ok:
                if js:
                    now_on = {o.get("task") for o in rep.data
                              if o.get("result") == "activated"}
                else:
                    now_on = {d.split(":")[0] for d in rep.data
                              if d.endswith(": activated")}
                for n in names:
                    st = self.is_active(n)
                    if st is not None and (n in now_on) == st:
                        raise Violation("model", "%r: %s was %s, yet %r" % (
                            step, n, "active" if st else "inactive",
                            rep.final))
                    if n in now_on:
                        self.active.add(n)
                        self.unsure.pop(n, None)
                        # its runs are legitimate again (a periodic
                        # task's from its next tick on)
                        self.started(n, self.lifetime(n))
                        if verb == "activate-for":
                            self.until(n, float(args[1]))
                    elif verb == "activate-for" and (
                            "already active; now until" in rep.final or
                            any(o.get("result") == "deadline set"
                                for o in rep.data if js)):
                        # it was active (the model could not tell): its
                        # deadline is set anew
                        self.active.add(n)
                        self.until(n, float(args[1]))

        elif verb == "deactivate":
            req = "deactivate " + " ".join(args)
            if len(args) > 1:
                req += " --confirm"
            rep = c.request(req + J)
            if not all(n in self.tasks for n in args):
                self.expect(step, rep, {"unknown-task"})
                return
            self.expect(step, rep, {"OK"})
            if js:
                gone = {o.get("task") for o in rep.data
                        if o.get("result") == "deactivated"}
            else:
                gone = {d.split(":")[0] for d in rep.data
                        if d.endswith(": deactivated")}
            for n in args:
                st = self.is_active(n)
                if st is not None and st != (n in gone):
                    raise Violation("model", "%r: %s was %s, yet %r" % (
                        step, n, "active" if st else "inactive",
                        rep.final))
                if n in gone:
                    self.doom(n)
                self.active.discard(n)
                self.unsure.pop(n, None)

        elif verb in ("run", "run-wait"):
            t = args[0]
            wait = verb == "run-wait"
            rep = c.request("run %s%s%s" % (t, " --wait" if wait else "", J),
                            timeout=REPLY_TIMEOUT + (10 if wait else 0))
            if TASKS[t][0] == "service":
                self.expect(step, rep, {"state", "halted"} if self.halted
                            else {"state"})
                return
            if self.halted:
                # or "already running": a run stop-all stopped, still going
                self.expect(step, rep, {"halted", "state"})
                return
            allowed = {"OK", "state", "conflict", "budget"}
            if wait:
                allowed |= {"failed", "timeout"}
            if t == "req":
                # whether okay's success is recent enough: check_history
                allowed.add("requires")
            if any(self.is_active(p) is True for p in self.partners(t)):
                allowed -= {"OK", "failed", "timeout"}
                if wait:
                    # a refusal of run --wait says why, before any output
                    pass
            self.expect(step, rep, allowed)
            if wait and rep.code in ("OK", "failed", "timeout"):
                self.stats["runs"] += 1
                want = {"crash": "ERR failed exit 3 after ",
                        "print": "OK exit 0 after ",
                        "esc1": "OK exit 0 after "}
                if t in want and not rep.final.startswith(want[t]):
                    raise Violation("model", "%r ended %r, not %r..." % (
                        step, rep.final, want[t]))
                if t == "print":
                    n = len(rep.data) - (1 if js else 0)
                    if n < 3002:
                        raise Violation("model", "%r: %d lines of output, "
                                        "not 3002 or more" % (step, n))
                return
            if rep.ok:
                m = re.match(r"^OK %s: run (\d+) started, pid (\d+)$" % t,
                             rep.final)
                if not m:
                    raise Violation("reply", "%r: %r" % (step, rep.final))
                self.run_ids.add(int(m.group(1)))
                self.stats["runs"] += 1
                self.started(t, self.lifetime(t))

        elif verb == "stop":
            t = args[0]
            rep = c.request("stop %s" % t)
            if TASKS[t][0] == "service":
                self.expect(step, rep, {"state"})
                return
            self.expect(step, rep, {"OK", "state"})
            # an active task may start again: a periodic one at its next
            # tick, one activated while its last run was stopping once
            # that run has gone (stop ends the run, not the activation)
            if rep.ok and self.is_active(t) is False:
                self.doom(t)

        elif verb == "restart":
            t = args[0]
            rep = c.request("restart %s" % t)
            if TASKS[t][0] != "service":
                self.expect(step, rep, {"state", "halted"} if self.halted
                            else {"state"})
                return
            st = self.is_active(t)
            if self.halted:
                self.expect(step, rep, {"halted"})
            elif st is True:
                # not running (backoff, failed): it starts now, if it fits
                self.expect(step, rep, {"OK", "budget"})
                if rep.ok:
                    self.started(t)
            elif st is False:
                self.expect(step, rep, {"state"})
            else:
                self.expect(step, rep, {"OK", "state"})

        elif verb == "stop-all":
            rep = c.request("stop-all --confirm" + J)
            self.expect(step, rep, {"OK"})
            m = re.match(r"^OK halted: (\d+) deactivated, (\d+) stopping",
                         rep.final)
            if not m:
                raise Violation("reply", "%r: %r" % (step, rep.final))
            sure = {t for t in self.active if t not in self.unsure}
            if not (len(sure) <= int(m.group(1)) <=
                    len(self.active | set(self.unsure))):
                raise Violation("model", "%r: %s deactivated, the model "
                                "has %d active" % (step, m.group(1),
                                                   len(self.active)))
            self.active.clear()
            self.unsure.clear()
            self.halted = True
            for t in self.tasks:
                self.doom(t)

        elif verb == "stop-all-ask":
            rep = c.request("stop-all" + J)
            self.expect(step, rep, {"confirm"})

        elif verb == "resume":
            rep = c.request("resume" + J)
            self.expect(step, rep, {"OK"})
            want = "OK resumed; every task is inactive" if self.halted \
                else "OK not halted"
            if rep.final != want:
                raise Violation("model", "%r: got %r, expected %r" % (
                    step, rep.final, want))
            self.halted = False

        elif verb in ("apply", "apply-ask"):
            p = args[0]
            excl = "-x" in args
            req = "preset apply %s%s" % (p, " --exclusive" if excl else "")
            if verb == "apply-ask":
                rep = c.request(req)
                self.expect(step, rep, {"confirm", "halted", "conflict",
                                        "budget"})
                return
            rep = c.request(req + " --confirm" + J)
            if self.halted:
                self.expect(step, rep, {"halted"})
                return
            allowed = {"OK", "conflict", "budget"}
            for n in PRESETS[p]:
                for q in self.partners(n):
                    if q in PRESETS[p] or (
                            not excl and self.is_active(q) is True):
                        allowed.discard("OK")
            if any(self.is_active(n) is None for n in self.tasks):
                allowed.add("OK")
            self.expect(step, rep, allowed)
            if not rep.ok:
                return
            if js:
                lines = [(o.get("task"), o.get("result")) for o in rep.data]
            else:
                lines = [tuple(d.split(": ", 1)) for d in rep.data]
            for t, what in lines:
                if what == "activated":
                    self.active.add(t)
                    self.unsure.pop(t, None)
                    self.started(t, self.lifetime(t))
                elif what == "deactivated":
                    self.active.discard(t)
                    self.unsure.pop(t, None)
                    self.doom(t)
                else:
                    raise Violation("reply", "%r: data line %r" % (step,
                                                                   what))
            for t in PRESETS[p]:
                if t not in self.active and t not in self.unsure:
                    raise Violation("model", "%r: OK, yet %s was not "
                                    "activated" % (step, t))
            if excl:
                for t in self.active - set(PRESETS[p]):
                    if t not in self.unsure:
                        raise Violation("model", "%r: --exclusive, yet %s "
                                        "stays active" % (step, t))

        elif verb == "reload":
            var = parse_variant(args[0])
            self.reload(step, var, args[1])

        elif verb == "reload-bad":
            self.reload_bad(step, args[0])

        elif verb == "restart-daemon":
            self.restart_daemon(step)

        elif verb == "kill-daemon":
            self.kill_daemon(step)

        elif verb == "drop":
            t = args[0]
            d = Client(self.sock)
            try:
                d.sock.sendall(("run %s --wait\n" % t).encode())
                if t == "print":
                    for _ in range(3):      # its output has begun
                        s = d.line(now() + REPLY_TIMEOUT)
                        if not s.startswith("- "):
                            break
            finally:
                d.close()
            # it may have started, or been refused
            self.started(t, self.lifetime(t))

        elif verb == "look":
            self.look(step, args[0])

        else:
            raise ValueError("unknown step %r" % step)

    def diff(self, old, new):
        added = removed = changed = 0
        if old[2] and not new[2]:
            removed += 1
        if new[2] and not old[2]:
            added += 1
        if old[0] != new[0]:
            changed += 1
        if old[1] != new[1]:
            changed += 1
        return added, removed, changed

    def log_count(self, prefix, since):
        rep = self.client.request('log --json -n 1000 --since "%s"' % since)
        return sum(1 for o in rep.data
                   if re.match(prefix, str(o.get("message", ""))))

    @staticmethod
    def wall():
        """Now, as --since takes it (RFC 3339, milliseconds)."""
        t = time.time() - 0.005
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
            ".%03dZ" % (int(t * 1000) % 1000)

    def wait_log(self, prefix, since, what):
        """The daemon logs a message matching prefix, since then."""
        end = now() + 15
        while self.log_count(prefix, since) < 1:
            if self.proc.poll() is not None:
                raise Violation("exit", "maintd died: %s" % self.daemon_log())
            if now() > end:
                raise Violation("model", "%s: no %r in the daemon's log "
                                "within 15s" % (what, prefix))
            time.sleep(0.05)

    def reload(self, step, var, how):
        old = self.variant
        self.write_conf(var)
        if how == "ctl":
            rep = self.client.request("reload --json")
            self.expect(step, rep, {"OK"})
            a, r, ch = self.diff(old, var)
            want = "OK reloaded: %d added, %d removed, %d changed" % (a, r,
                                                                      ch)
            if rep.final != want:
                raise Violation("model", "%r: got %r, expected %r" % (
                    step, rep.final, want))
            o = rep.data[0] if rep.data else {}
            if len(o.get("added", [])) != a or \
                    len(o.get("removed", [])) != r or \
                    len(o.get("changed", [])) != ch:
                raise Violation("model", "%r: JSON %r" % (step, o))
        else:
            since = self.wall()
            os.kill(self.pid, signal.SIGHUP)
            self.wait_log("reloaded by SIGHUP", since, step)
        self.variant = var
        for t in TASKS:
            self.weights_seen[t].add(self.weight(t, var))
        if old[2] and not var[2]:
            self.tasks.discard("extra")
            if "extra" in self.active or "extra" in self.unsure:
                self.doom("extra")
            self.active.discard("extra")
            self.unsure.pop("extra", None)
            self.retired_until["extra"] = now() + GRACE + SLACK + 2
        if var[2] and not old[2]:
            self.tasks.add("extra")
        self.check_config(step)

    def reload_bad(self, step, how):
        self.write_conf(self.variant, bad=True)
        try:
            if how == "ctl":
                rep = self.client.request("reload")
                self.expect(step, rep, {"config"})
                if not rep.data:
                    raise Violation("reply", "%r: ERR config without the "
                                    "errors" % step)
                if "nothing changed" not in rep.final:
                    raise Violation("model", "%r: %r" % (step, rep.final))
            else:
                since = self.wall()
                os.kill(self.pid, signal.SIGHUP)
                self.wait_log(r"reload: \d+ errors; the configuration in "
                              "force is unchanged", since, step)
        finally:
            self.write_conf(self.variant)
        self.check_config(step)

    def check_config(self, step):
        """The configuration in force is the model's."""
        c = self.client
        st = c.request("status --json")
        names = {o["task"] for o in st.data}
        if names != self.tasks:
            raise Violation("model", "after %r: tasks %s, the model has %s"
                            % (step, sorted(names), sorted(self.tasks)))
        show = c.request("show chg --json").data[0]
        want = CHG_ARGS[self.variant[0]]
        if show["command"][-1].split()[-1] != want:
            raise Violation("model", "after %r: chg runs %r, not ... %s"
                            % (step, show["command"], want))
        show = c.request("show wt --json").data[0]
        if show["weight"] != WT_WEIGHTS[self.variant[1]]:
            raise Violation("model", "after %r: wt weighs %r, not %d"
                            % (step, show["weight"],
                               WT_WEIGHTS[self.variant[1]]))

    def look(self, step, what):
        c = self.client
        if what == "status":
            c.request("status")
        elif what == "history":
            c.request("history -n 50")
        elif what == "logs":
            c.request("logs print -n 300 --json")
            c.request("logs print -n 50 --stream stderr")
        elif what == "events":
            c.request("events -n 200 --json")
        elif what == "metrics":
            rep = c.request("metrics")
            for d in rep.data:
                m = re.match(r"^maintd_weight_in_use (\d+)$", d)
                if m and int(m.group(1)) > MAX_WEIGHT:
                    raise Violation("weight", "metrics: %s" % d)
        elif what == "show":
            c.request("show print")
            c.request("show esc --json")
        elif what == "health":
            c.request("health")
        elif what == "window":
            c.request("window list --json")
        elif what == "list":
            c.request("list")
            c.request("preset list --json")
        elif what == "log":
            c.request("log -n 100")
        elif what == "pipeline":
            reqs = ["status --json", "health", "history -n 5 --json",
                    "show hang", "bogus-verb", 'show "no such"',
                    "run", "list --json"]
            reps = c.requests(reqs)
            if reps[4].code != "unknown-verb" or \
                    reps[5].code != "unknown-task" or \
                    reps[6].code != "usage":
                raise Violation("reply", "pipelined errors: %r" % reps[4:7])
        elif what == "ctl":
            p = subprocess.run(
                [os.path.join(self.build, "maintctl"), "-s", self.sock,
                 "--json", "status"], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, timeout=REPLY_TIMEOUT)
            if p.returncode != 0:
                raise Violation("reply", "maintctl --json status: exit %d: "
                                "%s" % (p.returncode, p.stderr[:300]))
            for ln in p.stdout.decode().splitlines():
                try:
                    json.loads(ln)
                except ValueError:
                    raise Violation("reply", "maintctl --json status: %r"
                                    % ln[:200])

    # -- the invariants, after every step --

    def snapshot(self, step, final=False):
        c = self.client
        for f in self.followers:
            f.feed()
            if f.final is not None:
                raise Violation("reply", "%r ended before the daemon did: "
                                "%r" % (f.req, f.final))
        t1 = now()
        p1 = scan(self.marker)
        st, he = c.requests(["status --json", "health --json"])
        t3 = now()
        p3 = scan(self.marker)
        both = {k: v for k, v in p3.items() if k in p1}
        tasks = {o["task"]: o for o in st.data}
        h = he.data[0] if he.data else {}
        if self.proc.poll() is not None:
            raise Violation("exit", "maintd died (%d): %s" % (
                self.proc.returncode, self.daemon_log()))

        # status is well-formed and agrees with itself
        m = re.match(r"^OK (HALTED \(stop-all\): nothing starts until "
                     r"resume; )?(\d+) tasks, (\d+) active, (\d+) running$",
                     st.final)
        if not m:
            raise Violation("reply", "status: %r" % st.final)
        if int(m.group(2)) != len(tasks) or \
                int(m.group(3)) != sum(1 for o in tasks.values()
                                       if o["active"]):
            raise Violation("reply", "status: %r, for %d lines" % (
                st.final, len(tasks)))
        if bool(m.group(1)) != self.halted or h.get("halted") != self.halted:
            raise Violation("model", "halted: status %r, health %r, the "
                            "model %r" % (bool(m.group(1)), h.get("halted"),
                                          self.halted))
        if set(tasks) != self.tasks:
            raise Violation("model", "tasks %s, the model has %s" % (
                sorted(tasks), sorted(self.tasks)))

        busy = {t for t, o in tasks.items() if o["state"] in
                ("starting", "running", "stopping")}
        for t, o in tasks.items():
            if (o["current"] is not None) != (t in busy):
                raise Violation("reply", "status of %s: state %s, current "
                                "%r" % (t, o["state"], o["current"]))
            want = self.is_active(t)
            if want is not None and o["active"] != want:
                raise Violation("model", "after %r: %s is %s, the model "
                                "says %s" % (step, t, "active" if
                                             o["active"] else "inactive",
                                             "active" if want else
                                             "inactive"))
            if o["active"] and self.halted:
                raise Violation("model", "%s active while halted" % t)

        # weight
        if h.get("weight_in_use", 0) > MAX_WEIGHT or \
                h.get("max_weight") != MAX_WEIGHT:
            raise Violation("weight", "health: weight_in_use %r, max_weight "
                            "%r" % (h.get("weight_in_use"),
                                    h.get("max_weight")))
        w = sum(self.min_weight(t) for t in busy)
        if w > MAX_WEIGHT:
            raise Violation("weight", "status: %s running, weighing %d > %d"
                            % (sorted(busy), w, MAX_WEIGHT))
        alive = set(both.values())
        w = sum(self.min_weight(t) for t in alive)
        if w > MAX_WEIGHT:
            raise Violation("weight", "processes of %s alive at once, "
                            "weighing %d > %d" % (sorted(alive), w,
                                                  MAX_WEIGHT))

        # conflicts
        for a, b in CONFLICTS:
            oa, ob = tasks.get(a), tasks.get(b)
            if oa and ob and (oa["active"] or a in busy) and \
                    (ob["active"] or b in busy):
                raise Violation("conflict", "%s (%s%s) and %s (%s%s) at once"
                                % (a, "active, " if oa["active"] else "",
                                   oa["state"], b, "active, " if
                                   ob["active"] else "", ob["state"]))
            if a in alive and b in alive:
                raise Violation("conflict", "processes of %s and %s alive "
                                "at once: %s" % (a, b, self.ps(both)))

        # leftovers: what the model stopped, and what the daemon says ended
        for (pid, start), t in p3.items():
            d = self.dead_after.get(t)
            if d is not None and t3 > d:
                raise Violation("leftover", "%s: pid %d still alive %.1fs "
                                "after it had to be gone: %s" % (
                                    t, pid, t3 - d + GRACE + SLACK,
                                    self.ps({(pid, start): t})))
        for k, t in both.items():
            if t in tasks and t not in busy and \
                    self.retired_until.get(t, 0) < t1:
                raise Violation("leftover", "%s is %s (no run), yet pid %d "
                                "of it lives: %s" % (
                                    t, tasks[t]["state"], k[0],
                                    self.ps({k: t})))

        # the daemon's resources
        n, targets = fd_info(self.pid)
        rss = rss_kb(self.pid)
        self.stats["max_fd"] = max(self.stats["max_fd"], n)
        self.stats["max_rss"] = max(self.stats["max_rss"], rss)
        if n > self.fd_bound:
            raise Violation("fd", "maintd has %d open files (bound %d): %s"
                            % (n, self.fd_bound, sorted(targets)))
        logs = [x for x in targets if x.startswith(self.dir + "/log/")]
        if len(logs) != len(set(logs)):
            raise Violation("fd", "a log file open twice: %s" % sorted(logs))
        if rss > self.rss_bound:
            raise Violation("rss", "maintd's RSS is %d kB (bound %d kB)"
                            % (rss, self.rss_bound))
        return tasks

    def ps(self, procs):
        out = []
        for (pid, _), t in sorted(procs.items()):
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cl = f.read().replace(b"\0", b" ").decode(
                        errors="replace").strip()
            except OSError:
                cl = "(gone)"
            out.append("%d %s" % (pid, cl.replace(self.marker, "M/")))
        return "; ".join(out)

    def check_history(self, final=False):
        rep = self.client.request("history --json -n 100000")
        ids = [o["run"] for o in rep.data]
        if len(ids) != len(set(ids)):
            raise Violation("history", "run ids twice in history: %s" %
                            sorted(i for i in ids if ids.count(i) > 1))
        open_ = {}
        for o in rep.data:
            if o["ended"] is None:
                open_.setdefault(o["task"], []).append(o["run"])
                if o["run"] in self.ended_ids:
                    raise Violation("history", "run %d ended, then not"
                                    % o["run"])
            else:
                self.ended_ids.add(o["run"])
                if o["result"] is None:
                    raise Violation("history", "run %d ended without a "
                                    "result" % o["run"])
        for t, v in open_.items():
            if len(v) > (2 if t == "extra" else 1):
                raise Violation("history", "%s has runs %s going at once" %
                                (t, v))
        missing = self.run_ids - set(ids)
        if missing:
            raise Violation("history", "runs %s started, not in history"
                            % sorted(missing))
        self.check_requires(rep.data)

    @staticmethod
    def ts(s):
        return datetime.datetime.fromisoformat(s).timestamp()

    def check_requires(self, runs):
        """No run of req started unless okay succeeded within OK_WITHIN."""
        oks = sorted(self.ts(o["ended"]) for o in runs
                     if o["task"] == "okay" and o["result"] == "ok" and
                     not o["dry_run"])
        for o in runs:
            if o["task"] != "req":
                continue
            st = self.ts(o["started"])
            if not any(st - OK_WITHIN - 1.0 <= e <= st + 0.5 for e in oks):
                before = [e for e in oks if e <= st + 0.5]
                raise Violation("requires", "run %d of req started at %s; "
                                "okay's last success before it ended %s "
                                "(ok_within %gs)" % (
                                    o["run"], o["started"], "%.3fs before" %
                                    (st - max(before)) if before else
                                    "never", OK_WITHIN))

    # -- the whole episode --

    def play(self, on_step=None, finish=True):
        """Run the steps (and the checks of the end, unless not finish);
        None, or the Violation (with failed_at)."""
        CLEANUPS.append(self)
        i = -1
        try:
            self.setup()
            self.model_init()
            self.start()
            self.baselines()
            self.snapshot("start")
            for i, step in enumerate(self.steps):
                if on_step and not on_step():
                    self.steps = self.steps[:i]
                    break
                debug("%s [%d] %s" % (self.label, i, step))
                self.run_step(step)
                self.snapshot(step)
                self.stats["steps"] += 1
                if i % 10 == 9:
                    self.check_history()
            i = len(self.steps)
            if finish:
                self.finish()
            return None
        except Violation as v:
            self.failed_at = v.failed_at = i
            v.log = self.daemon_log()
            return v
        finally:
            self.teardown()

    def baselines(self):
        """Warm up (the database, a log file), open the streams, then
        take the daemon's descriptors and memory as they are idle."""
        self.client.request("run crash --wait")
        self.client.request("history -n 1")
        socks = lambda: len([x for x in fd_info(self.pid)[1]
                             if x.startswith("socket:")])
        before = socks()
        self.followers = [Follower(self.sock, r) for r in FOLLOW]
        self.client.request("ping")
        # the daemon takes the new connections when it will (with epoll
        # not before the ping's): the baseline waits until it holds them
        end = now() + 10
        while socks() < before + len(FOLLOW) and now() < end:
            time.sleep(0.02)
        n, targets = fd_info(self.pid)
        self.stats["base_fd"] = n
        self.base_nonlog = len([x for x in targets
                                if not x.startswith(self.dir + "/log/")])
        self.stats["base_rss"] = rss_kb(self.pid)
        # a few per run (pipes, a cgroup), a log file per task, clients
        self.fd_bound = n + 6 * len(TASKS) + 16
        self.rss_bound = max(self.stats["base_rss"] * 4,
                             self.stats["base_rss"] + 65536)

    def restarted(self):
        """A new daemon: every task inactive, nothing halted."""
        self.active.clear()
        self.unsure.clear()
        self.halted = False
        self.dead_after.clear()
        self.retired_until.clear()
        self.tasks = {t for t in TASKS if t != "extra" or self.variant[2]}
        self.start()
        self.baselines()

    def restart_daemon(self, step):
        """SIGTERM with whatever runs, the checks of the end, start again."""
        self.client.request("ping")
        self.client.close()
        self.client = None
        self.term_check()
        self.restarted()

    def kill_daemon(self, step):
        """SIGKILL, start again: what the killed one left is killed, but
        for what left the runs' sessions when tracked by process groups
        (it cannot be told from a stranger: maintd(8), SECURITY)."""
        for f in self.followers:
            f.close()
        self.followers = []
        self.client.close()
        self.client = None
        os.kill(self.pid, signal.SIGKILL)
        self.proc.wait()
        if os.path.exists(self.sock):
            os.unlink(self.sock)    # a stale socket is replaced; be quick
        self.restarted()
        end = now() + GRACE + SLACK + 3
        while True:
            left = {k: t for k, t in scan(self.marker).items()
                    if not (self.tracking != "cgroup" and t in ("esc", "esc1")
                            and proc_session(k[0]) == k[0])}
            if not left:
                break
            if now() > end:
                raise Violation("leftover", "%s after maintd was killed and "
                                "started again: %s" % (step, self.ps(left)))
            time.sleep(0.05)
        # the escaped ones the new daemon may not kill: ours to kill
        for (pid, start), t in scan(self.marker).items():
            st = proc_stat(pid)
            if st is not None and st[1] == start:
                os.kill(pid, signal.SIGKILL)
        if not kill_marked(self.marker):
            raise Violation("leftover", "escaped processes would not die")
        self.dead_after.clear()
        self.snapshot(step)
        rep = self.client.request("history --json -n 100000")
        for o in rep.data:
            if o["ended"] is None and o["run"] in self.run_ids:
                raise Violation("history", "run %d of the killed maintd not "
                                "closed" % o["run"])

    def finish(self):
        """The end: idle leaks, then SIGTERM with runs going."""
        c = self.client
        self.check_history()
        rep = c.request("stop-all --confirm")
        self.halted = True
        self.active.clear()
        self.unsure.clear()
        for t in self.tasks:
            self.doom(t)
        end = now() + GRACE + SLACK + 10
        while True:
            tasks = self.snapshot("final stop-all")
            if all(o["state"] in ("idle", "failed") for o in tasks.values())\
                    and not scan(self.marker):
                break
            if now() > end:
                raise Violation("leftover", "still running %ds after "
                                "stop-all: %s" % (
                                    GRACE + SLACK + 10,
                                    self.ps(scan(self.marker))))
            time.sleep(0.1)
        # idle again: the descriptors are back, but for the log files
        n, targets = fd_info(self.pid)
        nonlog = [x for x in targets if not x.startswith(self.dir + "/log/")]
        if len(nonlog) > self.base_nonlog + 2:
            raise Violation("fd", "idle with %d descriptors other than log "
                            "files, %d at start: %s" % (
                                len(nonlog), self.base_nonlog,
                                sorted(nonlog)))
        # SIGTERM with runs going: a TERM-ignorer and an escapee
        c.request("resume")
        self.halted = False
        rep = c.request("activate svc esc --confirm")
        self.expect("final activate", rep, {"OK"})
        end = now() + 10
        while not {"svc", "esc"} <= set(scan(self.marker).values()):
            if now() > end:
                raise Violation("model", "svc and esc did not start")
            time.sleep(0.05)
        self.check_history()
        if c.request("ping").final != "OK pong":
            raise Violation("exit", "maintd does not answer at the end")
        c.close()
        self.client = None
        self.term_check()

    def term_check(self):
        """SIGTERM: exit 0 in time, streams ended, nothing left behind,
        every run ended in the database."""
        t0 = now()
        os.kill(self.pid, signal.SIGTERM)
        # the streams are read as a client reads them, until the end
        while self.proc.poll() is None:
            if now() - t0 > GRACE + 5 + 10:
                raise Violation("exit", "maintd still running %ds after "
                                "SIGTERM" % (GRACE + 15))
            for f in self.followers:
                f.feed()
            time.sleep(0.01)
        rc = self.proc.returncode
        took = now() - t0
        for f in self.followers:
            f.feed(block_until=now() + 5)
            if f.final != "OK maintd is stopping":
                raise Violation("reply", "%r ended with %r, not OK maintd is "
                                "stopping" % (f.req, f.final))
            try:
                f.c.sock.settimeout(5)
                rest = f.c.buf + f.c.sock.recv(4096)
            except OSError:
                rest = b""
            if rest:
                raise Violation("reply", "%r: more after the final line: %r"
                                % (f.req, rest[:200]))
            if f.started - f.ended:
                raise Violation("history", "runs started and never ended in "
                                "the activity log: %s" % sorted(
                                    f.started - f.ended))
        self.stats["followed"] = sum(f.lines for f in self.followers)
        self.stats["ev_runs"] = self.stats.get("ev_runs", 0) + sum(
            len(f.started) for f in self.followers)
        if rc != 0:
            raise Violation("exit", "maintd exited %d on SIGTERM: %s" % (
                rc, self.daemon_log()))
        left = scan(self.marker)
        if left:
            raise Violation("exit", "processes left after maintd exited: %s"
                            % self.ps(left))
        if "exiting anyway" in self.daemon_log(1000):
            raise Violation("exit", "maintd gave up waiting for its runs")
        if os.path.exists(self.sock):
            raise Violation("exit", "the socket is still there")
        if self.cg_base and os.path.exists(self.cg_base) and \
                [d for d in os.listdir(self.cg_base)
                 if os.path.isdir(os.path.join(self.cg_base, d))]:
            raise Violation("exit", "cgroups left in %s: %s" % (
                self.cg_base, os.listdir(self.cg_base)))
        # the database: every run has ended, once
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        try:
            rows = db.execute("SELECT id, task, ended, result FROM runs"
                              ).fetchall()
        finally:
            db.close()
        ids = [r[0] for r in rows]
        if len(ids) != len(set(ids)):
            raise Violation("history", "duplicate run ids in the database")
        open_ = [r for r in rows if r[2] is None or r[3] is None]
        if open_:
            raise Violation("history", "runs without an end after a clean "
                            "exit: %s" % open_[:10])
        if not self.run_ids <= set(ids):
            raise Violation("history", "runs missing from the database: %s"
                            % sorted(self.run_ids - set(ids)))
        self.stats["term_s"] = took
        self.stats["db_runs"] = len(rows)
        self.check_chains()

    def check_chains(self):
        """par's chain fired once per successful run of par, and only
        for runs of an active par or runs started by hand."""
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        try:
            runs = db.execute("SELECT id, task, trigger, started, ended, "
                              "result FROM runs WHERE task IN ('par', "
                              "'kid')").fetchall()
            evs = db.execute("SELECT time, task, event, actor FROM events "
                             "WHERE (task = 'par' AND event IN "
                             "('deactivated', 'auto-deactivated')) OR "
                             "(task IS NULL AND event IN ('stopped', "
                             "'started')) OR "
                             "(task = 'kid' AND event = 'skipped')"
                             ).fetchall()
        finally:
            db.close()
        par = {r[0]: r for r in runs if r[1] == "par"}
        outcomes = {}
        for r in runs:
            if r[1] == "kid" and r[2].startswith("chain:"):
                outcomes.setdefault(r[2], []).append("run %d" % r[0])
        for e in evs:
            if e[1] == "kid" and e[3].startswith("chain:"):
                outcomes.setdefault(e[3], []).append("skipped")
        for trig, v in outcomes.items():
            m = re.match(r"^chain:par#(\d+)$", trig)
            if not m:
                raise Violation("chains", "kid chained from %s" % trig)
            p = par.get(int(m.group(1)))
            if p is None or p[5] != "ok":
                raise Violation("chains", "%s: %s, but that run of par %s"
                                % (trig, v, "does not exist" if p is None
                                   else "ended %s" % p[5]))
            if p[2] not in ("manual", "schedule", "chain"):
                raise Violation("chains", "%s: %s, for a run of par "
                                "started by %s" % (trig, v, p[2]))
            if len(v) > 1:
                raise Violation("chains", "%s fired %d times: %s" %
                                (trig, len(v), v))
        offs = [e[0] for e in evs if e[1] == "par"]
        downs = [e[0] for e in evs if e[1] is None]
        fired = 0
        for rid, p in par.items():
            if p[5] != "ok" or p[4] is None:
                continue
            # deactivated while it ran (its chain is looked at once what
            # it left is gone, after its end), or the daemon stopping or
            # killed (the next one's start) as it ended: no chain
            if any(p[3] - 0.5 <= t <= p[4] + 1 for t in offs) or \
                    any(p[4] - 0.5 <= t <= p[4] + GRACE + 2 for t in downs):
                continue
            if "chain:par#%d" % rid not in outcomes:
                raise Violation("chains", "run %d of par (%s) succeeded "
                                "and its chain did not fire" % (rid, p[2]))
            fired += 1
        self.stats["chains"] = fired     # the database has them all


# --- files of steps --------------------------------------------------------

def read_steps(path):
    cgroup = "auto"
    steps = []
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            if ln.startswith("cgroup "):
                cgroup = ln.split()[1]
                continue
            steps.append(ln)
    return cgroup, steps


def write_steps(path, cgroup, steps, header):
    with open(path, "w") as f:
        for h in header:
            for ln in str(h).splitlines()[:20]:
                f.write("# %s\n" % ln)
        f.write("cgroup %s\n" % cgroup)
        for s in steps:
            f.write(s + "\n")


# --- shrinking --------------------------------------------------------------

def shrink(build, cgroup, steps, kind, cap, at_end):
    """The shortest sub-sequence that still fails the same way (ddmin).
    The checks of the end are played only for a failure found there."""
    end = now() + cap
    tries = [0]

    def fails(cand):
        if now() > end:
            return False
        tries[0] += 1
        ep = Episode(build, cgroup, cand, "shrink")
        v = ep.play(finish=at_end)
        debug("shrink: %d steps: %s" % (len(cand), v))
        return v is not None and v.kind == kind

    n = 2
    while len(steps) >= 2 and now() < end:
        chunk = max(1, len(steps) // n)
        parts = [steps[i:i + chunk] for i in range(0, len(steps), chunk)]
        reduced = False
        for k in range(len(parts)):
            cand = [s for j, p in enumerate(parts) if j != k for s in p]
            if cand and fails(cand):
                steps = cand
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if n >= len(steps):
                break
            n = min(len(steps), n * 2)
    # pauses are cheap to keep, but try without each one
    for s in list(steps):
        if now() > end:
            break
        if s.startswith("pause") and s in steps:
            cand = list(steps)
            cand.remove(s)
            if fails(cand):
                steps = cand
    return steps, tries[0], now() > end


# --- main ---------------------------------------------------------------------

def cleanup_all():
    for ep in list(CLEANUPS):
        try:
            ep.teardown()
        except Exception as e:
            print("soak: cleanup: %s" % e, file=sys.stderr)


def on_signal(signo, frame):
    raise KeyboardInterrupt


def report(v, seed, label, cgroup, steps):
    say("FAILED: %s" % v)
    say("seed %s, %s, cgroup = %s, at step %d of %d" % (
        seed, label, cgroup, v.failed_at if hasattr(v, "failed_at") else -1,
        len(steps)))
    if getattr(v, "log", ""):
        say("the daemon's last messages:")
        for ln in v.log.splitlines()[-15:]:
            print("    " + ln)


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description="a model-checked soak of maintd")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", default=None)
    ap.add_argument("--build", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
    ap.add_argument("--replay", nargs="*", default=[],
                    help="step files to play first (each must pass)")
    ap.add_argument("--steps", type=int, default=100,
                    help="steps per daemon (episode)")
    ap.add_argument("--shrink-seconds", type=float, default=240)
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--cgroup", choices=["auto", "off", "both"],
                    default="both")
    ap.add_argument("--out", default=None,
                    help="where to write the shrunk sequence of a failure")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directories")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    VERBOSE = a.verbose
    build = os.path.abspath(a.build)
    for prog in ("maintd", "maintctl"):
        if not os.access(os.path.join(build, prog), os.X_OK):
            sys.exit("soak: no %s in %s (make all first)" % (prog, build))
    seed = a.seed if a.seed is not None else str(random.randrange(10 ** 9))
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    t_end = now() + a.seconds
    say("seed %s, %gs (replay with --seed %s%s)" % (
        seed, a.seconds, seed,
        " --steps %d" % a.steps if a.steps != 100 else ""))
    failed = None
    try:
        for path in a.replay:
            cgroup, steps = read_steps(path)
            ep = Episode(build, cgroup, steps, os.path.basename(path),
                         a.keep)
            v = ep.play()
            if v is not None:
                report(v, "-", path, cgroup, steps)
                say("regression %s fails again" % path)
                at_end = v.failed_at >= len(steps)
                failed = (v, path, cgroup, steps[:v.failed_at + 1]
                          if v.failed_at >= 0 else steps)
                break
            say("regression %s: ok (%d steps)" % (os.path.basename(path),
                                                  len(steps)))
        i = 0
        total = 0
        while failed is None and (now() < t_end or i == 0):
            rng = random.Random("%s:%d" % (seed, i))
            if a.cgroup == "both":
                cgroup = "auto" if i % 2 == 0 else "off"
            else:
                cgroup = a.cgroup
            steps = gen_steps(rng, a.steps)
            label = "episode %d" % i
            ep = Episode(build, cgroup, steps, label, a.keep)
            t0 = now()
            v = ep.play(on_step=lambda: now() < t_end)
            st = ep.stats
            if v is not None:
                at_end = v.failed_at >= len(ep.steps)
                failed = (v, label, cgroup, ep.steps[:v.failed_at + 1]
                          if v.failed_at >= 0 else ep.steps)
                report(v, seed, label, cgroup, ep.steps)
                break
            total += st["steps"]
            say("%s: ok, %d steps, tracking %s, %.1fs; maintd: fds %d..%d, "
                "RSS %d..%d kB, %d runs (%d followed start to end), %d "
                "chains, SIGTERM exit in %.1fs" % (
                    label, st["steps"], ep.tracking, now() - t0,
                    st["base_fd"], st["max_fd"], st["base_rss"],
                    st["max_rss"], st.get("db_runs", 0), st.get("ev_runs", 0),
                    st.get("chains", 0), st.get("term_s", 0)))
            i += 1
        if failed is None:
            say("ok: %d episodes, %d steps, seed %s" % (i, total, seed))
            return 0
        v, label, cgroup, steps = failed
        if not a.no_shrink:
            say("shrinking %d steps (at most %ds)..." % (len(steps),
                                                       a.shrink_seconds))
            small, tries, capped = shrink(build, cgroup, steps, v.kind,
                                          a.shrink_seconds, at_end)
            say("shortest sequence that still fails (%s), %d steps, after "
                "%d tries%s:" % (v.kind, len(small), tries,
                                 " (time cap reached)" if capped else ""))
            steps = small
        for s in steps:
            print("    " + s)
        out = a.out or os.path.join(tempfile.gettempdir(),
                                    "maintd-soak-fail-%s.txt" % seed)
        write_steps(out, cgroup, steps, [
            "soak failure: %s" % v, "seed %s, %s" % (seed, label)])
        say("written to %s (replay: soak.py --replay %s)" % (out, out))
        return 1
    except KeyboardInterrupt:
        say("interrupted (seed %s)" % seed)
        return 130
    finally:
        cleanup_all()


if __name__ == "__main__":
    sys.exit(main())
