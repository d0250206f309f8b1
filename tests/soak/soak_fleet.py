#!/usr/bin/env python3
"""soak_fleet.py: a soak of maintd's fleet (DESIGN §10, issue #20 "Proof").

Starts a 3-member etcd cluster and three maintd nodes (n1, n2, n3) on
127.0.0.1, in a temporary directory of its own, on ports nothing else
listens on, and while fleet = "once" singletons (a service, svc, and a
periodic task, per) are active on every node and a rolling window (roll,
max_parallel = 1, opening every minute) turns, sends random steps: etcd
members killed (KILL or TERM) and started again, maintd nodes killed
(KILL or TERM) and started again, pauses.  Invariants, sampled every
~50 ms between steps:

  single     never two runs of a singleton at once: by the processes
             alive (found by the marker DIR/m/NODE/TASK/ in their command
             lines) and by each node's status (a node that says it runs it,
             with a pid that is alive);
  again      svc runs again within ttl + 2 s of the last disruption (etcd's
             quorum back, a member or a node killed or started) while etcd
             has its quorum and a node is up, and on from then;
  turn       never more than max_parallel nodes in their turn of the
             rolling window (by the processes of its task alive);
  curl       no node logs a curl call from inside a curl callback.

A failure prints the seed and the steps played; --seed replays the same
steps (not the same timing: a race may need a few tries).  Only the
processes this driver started, and those carrying its marker, are ever
signalled.  Without etcd installed, it says so and exits 0.

  soak_fleet.py [--seconds N] [--seed S] [--build DIR] [--keep] [-v]
"""

import argparse
import base64
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

TTL = 2.0               # the fleet's ttl in the generated configuration
AGAIN = TTL + 2.0       # a singleton runs again within this
SAMPLE = 0.05           # between samples of the invariants
MAX_PARALLEL = 1
NODES = ["n1", "n2", "n3"]
MEMBERS = [1, 2, 3]
SINGLETONS = ["svc", "per"]
START_TIMEOUT = 20.0
REPLY_TIMEOUT = 10.0


class Violation(Exception):
    def __init__(self, kind, msg):
        super().__init__("%s: %s" % (kind, msg))
        self.kind = kind


VERBOSE = False


def now():
    return time.monotonic()


def say(*a):
    print("soak-fleet:", *a, flush=True)


def debug(*a):
    if VERBOSE:
        print("soak-fleet: [debug]", *a, flush=True)


# --- processes ---------------------------------------------------------------

def alive(pid):
    """pid is a live process (not a zombie)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return False
    return s[s.rindex(")") + 2:].split()[0] not in ("Z", "X")


def scan(marker):
    """{pid: (node, task)} of the live processes carrying marker."""
    found = {}
    mb = marker.encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cl = f.read()
        except OSError:
            continue
        i = cl.find(mb)
        if i < 0 or not alive(int(d)):
            continue
        parts = cl[i + len(mb):].split(b"/")
        if len(parts) >= 2:
            found[int(d)] = (parts[0].decode(errors="replace"),
                             parts[1].decode(errors="replace"))
    return found


def free_block():
    """The first block of 20 ports from 10000 (from our pid on) that can all
    be bound on 127.0.0.1."""
    slot = os.getpid() % 1000
    for _ in range(1000):
        base = 10000 + (slot * 20) % 20000
        socks = []
        try:
            for p in range(base, base + 20):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            slot += 1
        finally:
            for s in socks:
                s.close()
    raise SystemExit("soak-fleet: no free block of ports")


# --- the cluster ----------------------------------------------------------------

class Etcd:
    def __init__(self, d, base, tag):
        self.d = d
        self.base = base
        self.tag = tag
        self.procs = {}

    def url(self, i):
        return "http://127.0.0.1:%d" % (self.base + i)

    def peers(self):
        return ",".join("e%d=http://127.0.0.1:%d" % (i, self.base + 10 + i)
                        for i in MEMBERS)

    def start(self, i):
        data = os.path.join(self.d, "etcd%d" % i)
        state = "existing" if os.path.isdir(os.path.join(data, "member")) \
            else "new"
        log = open(os.path.join(self.d, "etcd%d.log" % i), "ab")
        self.procs[i] = subprocess.Popen(
            ["etcd", "--name", "e%d" % i, "--data-dir", data,
             "--listen-client-urls", self.url(i),
             "--advertise-client-urls", self.url(i),
             "--listen-peer-urls", "http://127.0.0.1:%d" % (self.base + 10 + i),
             "--initial-advertise-peer-urls",
             "http://127.0.0.1:%d" % (self.base + 10 + i),
             "--initial-cluster", self.peers(),
             "--initial-cluster-state", state,
             "--initial-cluster-token", "soak-fleet-%s" % self.tag,
             "--heartbeat-interval", "50", "--election-timeout", "500"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()

    def stop(self, i, sig):
        p = self.procs.pop(i, None)
        if p is None:
            return
        p.send_signal(sig)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def up(self):
        return sorted(self.procs)

    def quorum(self):
        """A linearizable read answered by one of the members up."""
        body = json.dumps({"key": base64.b64encode(b"soak").decode()}).encode()
        for i in self.up():
            try:
                r = urllib.request.urlopen(urllib.request.Request(
                    self.url(i) + "/v3/kv/range", data=body,
                    headers={"Content-Type": "application/json"}),
                    timeout=1)
                if "header" in json.loads(r.read()):
                    return True
            except (OSError, ValueError):
                pass
        return False


# --- the nodes -------------------------------------------------------------------

class Node:
    def __init__(self, soak, name):
        self.soak = soak
        self.name = name
        d = soak.d
        self.sock = os.path.join(d, name + ".sock")
        self.conf = os.path.join(d, name + ".conf")
        self.log = os.path.join(d, name + ".out")
        self.proc = None
        m = os.path.join(soak.marker, name)
        for t in ("svc", "per", "turn"):
            os.makedirs(os.path.join(m, t))
            os.symlink(soak.sleep, os.path.join(m, t, "sleep"))
        user = 'user = "nobody"\n' if os.getuid() == 0 else ""
        eps = ", ".join('"%s"' % soak.etcd.url(i) for i in MEMBERS)
        with open(self.conf, "w") as f:
            f.write("""socket = "{d}/{n}.sock"
pidfile = "{d}/{n}.pid"
database = "{d}/{n}.db"
log_dir = "{d}/{n}.log"
kill_grace = 1s
{user}fleet {{
	endpoints = {{ {eps} }}
	prefix = "/soak-fleet-{tag}/"
	node = "{n}"
	ttl = {ttl}s
	timeout = 500ms
}}
task svc {{
	kind = service
	command = "exec {m}/svc/sleep 1000"
	shell = true
	fleet = "once"
}}
task per {{
	command = "exec {m}/per/sleep 1.5"
	shell = true
	every = 1s
	fleet = "once"
}}
task turn {{
	command = "exec {m}/turn/sleep 2"
	shell = true
}}
preset p {{ tasks = {{ "turn" }} }}
window roll {{
	preset = "p"
	schedule = "* * * * *"
	duration = 40s
	fleet = "rolling"
	max_parallel = {mp}
}}
""".format(d=d, n=name, user=user, eps=eps, tag=soak.tag, ttl=int(TTL),
           m=m, mp=MAX_PARALLEL))

    def start(self):
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(self.soak.build, "maintd"), "-f", "-c", self.conf],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        end = now() + START_TIMEOUT
        while True:
            try:
                if self.request("ping")[1] == "OK pong":
                    break
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise Violation("start", "maintd %s exited %d: %s" % (
                    self.name, self.proc.returncode, self.tail()))
            if now() > end:
                raise Violation("start", "maintd %s does not answer"
                                % self.name)
            time.sleep(0.05)
        data, final = self.request("activate svc per --confirm")
        if not final.startswith("OK"):
            raise Violation("start", "%s: activate: %s" % (self.name, final))

    def stop(self, sig):
        if self.proc is None:
            return
        os.kill(self.proc.pid, sig)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Violation("exit", "maintd %s still running 20 s after %s"
                            % (self.name, signal.Signals(sig).name))
        self.proc = None
        if sig == signal.SIGTERM and rc != 0:
            raise Violation("exit", "maintd %s exited %d on SIGTERM: %s" % (
                self.name, rc, self.tail()))

    def up(self):
        return self.proc is not None

    def request(self, line):
        """(data lines, final line) of one request."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(REPLY_TIMEOUT)
        try:
            s.connect(self.sock)
            s.sendall((line + "\n").encode())
            buf = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError("connection closed before the final line")
                buf += chunk
                lines = buf.decode(errors="replace").split("\n")
                for i, ln in enumerate(lines[:-1]):
                    if ln.startswith("OK") or ln.startswith("ERR"):
                        return [x[2:] for x in lines[:i]], ln
        finally:
            s.close()

    def status(self):
        """{task: pid} of the singletons this node says it runs."""
        data, final = self.request("status --json svc per")
        if not final.startswith("OK"):
            raise Violation("reply", "%s: status: %s" % (self.name, final))
        out = {}
        for d in data:
            o = json.loads(d)
            if o.get("pid"):
                out[o["task"]] = o["pid"]
        return out

    def tail(self, n=15):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


# --- the soak ---------------------------------------------------------------------

class Soak:
    def __init__(self, build, seed, keep):
        self.build = build
        self.seed = seed
        self.keep = keep
        self.tag = "%s-%d" % (seed, os.getpid())
        self.d = tempfile.mkdtemp(prefix="maintd-soak-fleet.")
        os.chmod(self.d, 0o755)
        self.marker = os.path.join(self.d, "m")
        os.mkdir(self.marker)
        os.chmod(self.marker, 0o755)
        self.sleep = shutil.which("sleep")
        self.etcd = Etcd(self.d, free_block(), self.tag)
        self.nodes = {}
        self.steps = []
        self.rng = random.Random(seed)
        self.disrupted = now()      # the last disruption
        self.quorum_since = None    # etcd's quorum back at (None: not)
        self.quorum_lost = now()
        self.stats = {"samples": 0, "ran_again": 0, "max_again": 0.0,
                      "turns": 0}
        self.waiting_since = None   # a disruption not yet followed by a run

    # the cluster and the nodes, from nothing
    def setup(self):
        for i in MEMBERS:
            self.etcd.start(i)
        self.wait_quorum()
        for n in NODES:
            self.nodes[n] = Node(self, n)
            self.nodes[n].start()
        self.disrupted = now()

    def teardown(self):
        for n in self.nodes.values():
            if n.up():
                try:
                    n.stop(signal.SIGKILL)
                except Violation:
                    pass
        for i in list(self.etcd.procs):
            self.etcd.stop(i, signal.SIGKILL)
        end = now() + 5
        while now() < end:
            left = scan(self.marker + "/")
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)
        if self.keep:
            say("kept %s" % self.d)
        else:
            shutil.rmtree(self.d, ignore_errors=True)

    def wait_quorum(self, limit=30.0):
        end = now() + limit
        while not self.etcd.quorum():
            if now() > end:
                raise Violation("etcd", "no quorum %ds after members %s "
                                "started" % (limit, self.etcd.up()))
            time.sleep(0.05)
        self.quorum_since = now()

    # --- steps -----------------------------------------------------------------

    def next_step(self):
        up = self.etcd.up()
        down = [i for i in MEMBERS if i not in up]
        nup = [n for n in NODES if self.nodes[n].up()]
        ndown = [n for n in NODES if not self.nodes[n].up()]
        choices = []
        for i in up:
            choices += [("kill-etcd %d" % i, 2), ("term-etcd %d" % i, 1)]
        for i in down:
            choices.append(("start-etcd %d" % i, 6 if len(up) < 2 else 3))
        for n in nup:
            choices += [("kill-node %s" % n, 2), ("term-node %s" % n, 1)]
        for n in ndown:
            choices.append(("start-node %s" % n, 6 if len(nup) < 2 else 3))
        choices.append(("pause %d" % self.rng.choice([500, 1000, 3000]), 2))
        total = sum(w for _, w in choices)
        x = self.rng.uniform(0, total)
        for s, w in choices:
            x -= w
            if x <= 0:
                return s
        return choices[-1][0]

    def play(self, step):
        self.steps.append(step)
        debug("step %d: %s" % (len(self.steps), step))
        w = step.split()
        if w[0] == "pause":
            self.watch(int(w[1]) / 1000.0)
            return
        if w[0] in ("kill-etcd", "term-etcd"):
            self.etcd.stop(int(w[1]), signal.SIGKILL if w[0] == "kill-etcd"
                           else signal.SIGTERM)
            if len(self.etcd.up()) < 2:
                self.quorum_since = None
                self.quorum_lost = now()
        elif w[0] == "start-etcd":
            self.etcd.start(int(w[1]))
        elif w[0] in ("kill-node", "term-node"):
            self.nodes[w[1]].stop(signal.SIGKILL if w[0] == "kill-node"
                                  else signal.SIGTERM)
        elif w[0] == "start-node":
            self.nodes[w[1]].start()
        self.disrupted = now()
        self.watch(self.rng.choice([0.3, 1.0, 2.5]))

    # --- invariants --------------------------------------------------------------

    def expecting(self):
        """Since when svc must run (None: it need not now)."""
        if self.quorum_since is None:
            return None
        if not any(n.up() for n in self.nodes.values()):
            return None
        return max(self.quorum_since, self.disrupted)

    def sample(self):
        self.stats["samples"] += 1
        t = now()
        procs = scan(self.marker + "/")
        by_task = {}
        for pid, (node, task) in procs.items():
            by_task.setdefault(task, []).append((node, pid))
        for task in SINGLETONS:
            if len(by_task.get(task, [])) > 1:
                raise Violation("single", "%s runs %d times at once: %s" % (
                    task, len(by_task[task]), by_task[task]))
        turns = set(node for node, _ in by_task.get("turn", []))
        if len(turns) > MAX_PARALLEL:
            raise Violation("turn", "%d nodes in their turn of roll at once "
                            "(max_parallel = %d): %s" % (
                                len(turns), MAX_PARALLEL, sorted(turns)))
        if turns:
            self.stats["turns"] += 1
        # by each node's own view
        says = {}
        for n in self.nodes.values():
            if not n.up():
                continue
            try:
                st = n.status()
            except OSError as e:
                raise Violation("reply", "%s: status: %s" % (n.name, e))
            for task, pid in st.items():
                if task in SINGLETONS and alive(pid):
                    says.setdefault(task, []).append((n.name, pid))
        for task, v in says.items():
            if len(v) > 1 and all(alive(p) for _, p in v):
                raise Violation("single", "%s: %d nodes say they run it: %s"
                                % (task, len(v), v))
        # ran again in time
        since = self.expecting()
        running = len(by_task.get("svc", []))
        if since is None:
            self.waiting_since = None
            return
        if running == 1:
            if self.waiting_since is not None:
                took = t - self.waiting_since
                self.stats["ran_again"] += 1
                self.stats["max_again"] = max(self.stats["max_again"], took)
                self.waiting_since = None
            return
        if self.waiting_since is None or self.waiting_since < since:
            self.waiting_since = since
        if t - since > AGAIN + SAMPLE:
            raise Violation("again", "svc has not run for %.1f s since the "
                            "last disruption (ttl + 2 s = %.0f s), with "
                            "etcd's quorum and nodes %s up" % (
                                t - since, AGAIN, [n.name for n in
                                                   self.nodes.values()
                                                   if n.up()]))

    def watch(self, secs):
        """Sample the invariants for secs (and etcd's quorum, if due)."""
        end = now() + secs
        while True:
            if self.quorum_since is None and len(self.etcd.up()) >= 2:
                if self.etcd.quorum():
                    self.quorum_since = now()
                    debug("quorum back after %.1fs" % (
                        self.quorum_since - self.quorum_lost))
                elif now() - self.quorum_lost > 60:
                    raise Violation("etcd", "no quorum 60 s after %s "
                                    "started" % self.etcd.up())
            self.sample()
            if now() >= end:
                return
            time.sleep(SAMPLE)

    def logs_clean(self):
        for n in self.nodes.values():
            try:
                with open(n.log, errors="replace") as f:
                    if "API function called from within callback" in f.read():
                        raise Violation("curl", "%s logged a curl call from "
                                        "inside a curl callback" % n.name)
            except OSError:
                pass

    def finish(self):
        """Quorum and every node back: svc must run again, in time."""
        for i in MEMBERS:
            if i not in self.etcd.up():
                self.play("start-etcd %d" % i)
        for n in NODES:
            if not self.nodes[n].up():
                self.play("start-node %s" % n)
        self.watch(AGAIN + 1)
        for n in NODES:
            self.play("term-node %s" % n)
        left = scan(self.marker + "/")
        if left:
            raise Violation("exit", "processes left after every maintd "
                            "stopped: %s" % left)
        self.logs_clean()


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description="a soak of maintd's fleet")
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("SOAK_FLEET_SECONDS", 60)))
    ap.add_argument("--seed", default=None)
    ap.add_argument("--build", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    VERBOSE = a.verbose
    if shutil.which("etcd") is None:
        say("skipped: no etcd (apt-get install etcd-server)")
        return 0
    build = os.path.abspath(a.build)
    for prog in ("maintd", "maintctl"):
        if not os.access(os.path.join(build, prog), os.X_OK):
            sys.exit("soak-fleet: no %s in %s (make all first)" % (prog, build))
    seed = a.seed if a.seed is not None else str(random.randrange(10 ** 9))
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(130))
    say("seed %s, %gs (replay with --seed %s)" % (seed, a.seconds, seed))
    s = Soak(build, seed, a.keep)
    failed = None
    try:
        s.setup()
        t_end = now() + a.seconds
        while now() < t_end:
            s.play(s.next_step())
            s.logs_clean()
        s.finish()
    except Violation as v:
        failed = v
    except KeyboardInterrupt:
        say("interrupted (seed %s)" % seed)
        s.teardown()
        return 130
    if failed is not None:
        say("FAILED: %s" % failed)
        say("seed %s, after %d steps:" % (seed, len(s.steps)))
        for st in s.steps:
            print("    " + st)
        for n in s.nodes.values():
            say("%s's last messages:" % n.name)
            for ln in n.tail().splitlines():
                print("    " + ln)
        s.keep = True
        s.teardown()
        return 1
    st = s.stats
    say("ok: %d steps, %d samples; svc ran again %d times after a "
        "disruption (at most %.1f s after it; ttl + 2 s = %.0f s); roll "
        "turns seen in %d samples; seed %s" % (
            len(s.steps), st["samples"], st["ran_again"], st["max_again"],
            AGAIN, st["turns"], seed))
    s.teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
