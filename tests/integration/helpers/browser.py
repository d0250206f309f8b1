#!/usr/bin/env python3
"""browser.py: drives the maintd dashboard in a real browser (headless
Chromium, started by the test, over the DevTools protocol with Debian's
python3-websocket) and checks it against maintd itself (maintctl).

usage: browser.py DEVTOOLS_PORT URL SHOTS_DIR
environment: MAINTCTL, SOCK (maintctl -s), TADMIN, TREAD (tokens),
SERVICE (a service task), PRESET (a preset of inactive tasks),
CHARTED (a task with runs, after another), TICKER (an active periodic
task).

Each check prints "PASS what" or "FAIL what: why"; t0704-browser.sh
makes them test points.  Screenshots go to SHOTS_DIR/*.png.  Clicks and
keys are real input events (Input.dispatch*), not element.click()."""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

import websocket

PORT, URL, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
ENV = os.environ


class CDP:
    """One page's DevTools session: commands and their answers."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30,
                                              suppress_origin=True)
        self.n = 0

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method,
                                 "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.n:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("js: %s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, secs=10):
        end = time.time() + secs
        while time.time() < end:
            try:
                if self.js(expr):
                    return True
            except RuntimeError:
                pass
            time.sleep(0.1)
        return False

    def click(self, selector):
        box = self.js("(() => { const e = document.querySelector(%s);"
                      " if (!e) return null; e.scrollIntoView({block:"
                      " 'center'}); const r = e.getBoundingClientRect();"
                      " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
                      % json.dumps(selector))
        if box is None:
            raise RuntimeError("no element " + selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0],
                      y=box[1], button="left", clickCount=1)

    def type(self, text):
        self.call("Input.insertText", text=text)

    def key(self, key, code, keycode):
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key,
                      code=code, windowsVirtualKeyCode=keycode)

    def enter(self, selector):
        """Focus an element and press Enter on it: the keyboard's click."""
        self.js("document.querySelector(%s).focus()" % json.dumps(selector))
        self.call("Input.dispatchKeyEvent", type="keyDown", key="Enter",
                  code="Enter", windowsVirtualKeyCode=13, text="\r")
        self.call("Input.dispatchKeyEvent", type="keyUp", key="Enter",
                  code="Enter", windowsVirtualKeyCode=13)

    def shot(self, name):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path = os.path.join(SHOTS, name + ".png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path


def report(ok, what, why=""):
    print(("PASS %s" % what) if ok else ("FAIL %s: %s" % (what, why)),
          flush=True)


def ctl(*args):
    r = subprocess.run([ENV["MAINTCTL"], "-s", ENV["SOCK"], "--json"] +
                       list(args), capture_output=True, text=True)
    return [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]


def until(fn, secs=10):
    end = time.time() + secs
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except (ValueError, KeyError, IndexError):
            pass
        time.sleep(0.1)
    return None


def page():
    """The first page target of the browser."""
    for _ in range(100):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%s/json/list" %
                                        PORT, timeout=5) as r:
                for t in json.load(r):
                    if t.get("type") == "page":
                        return t["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("no page in the browser")


def sign_in(c, token):
    c.wait("document.getElementById('login').open")
    c.click("#token")
    c.type(token)
    c.click("#login-form button[type=submit]")


def main():
    os.makedirs(SHOTS, exist_ok=True)
    c = CDP(page())
    c.call("Page.enable")
    c.call("Emulation.setDeviceMetricsOverride", width=1360, height=1000,
           deviceScaleFactor=1, mobile=False)
    c.call("Page.navigate", url=URL + "/")
    report(c.wait("document.getElementById('login') &&"
                  " document.getElementById('login').open"),
           "the token prompt comes first")

    sign_in(c, "mdt_wrong-token")
    report(c.wait("document.getElementById('login-err').textContent"
                  " === 'unknown token'"),
           "a wrong token: maintd's words under the prompt",
           c.js("document.getElementById('login-err').textContent"))
    c.js("document.getElementById('token').value = ''")

    sign_in(c, ENV["TADMIN"])
    names = sorted(t["task"] for t in ctl("list"))
    ok = c.wait("document.body.classList.contains('ready') &&"
                " document.querySelectorAll('#task-rows tr').length === %d"
                % len(names))
    shown = c.js("[...document.querySelectorAll('#task-rows tr')]"
                 ".map(r => r.dataset.task)")
    report(ok and shown == names, "signed in: every task is shown",
           "%s != %s" % (shown, names))
    report(c.wait("[...document.querySelectorAll('#plan tr')].some(r =>"
                  " r.textContent.includes('%s') &&"
                  " r.textContent.includes('nothing')) &&"
                  " /^and [0-9]+ more/.test(document.getElementById("
                  "'plan-more').textContent)" % ENV["TICKER"]),
           "the next 24 h: the active task's ticks, and how many more",
           c.js("document.getElementById('plan').textContent"))
    c.js("window.__same_page = 1")
    c.wait("document.getElementById('live').textContent === 'live'")
    report(c.js("!!sessionStorage.getItem('maintd.token')") and
           "mdt_" not in c.js("location.href"),
           "the token is in sessionStorage, not in the URL")
    c.shot("dashboard")

    svc = ENV["SERVICE"]
    c.click("tr[data-task='%s'] .switch" % svc)
    st = until(lambda: ctl("status", svc)[0]["state"] == "running", 10)
    report(st, "a service's toggle starts it (maintctl status: running)",
           json.dumps(ctl("status", svc)))
    seen = c.wait("[...document.querySelectorAll('#activity li')].some(l =>"
                  " l.textContent.includes('%s') &&"
                  " l.textContent.includes('activated'))" % svc)
    report(seen and c.js("window.__same_page === 1"),
           "its event is in the activity log, without a reload")
    report(c.wait("document.querySelector(\"tr[data-task='%s'] .light\")"
                  ".classList.contains('running')" % svc),
           "its light says running")

    preset = ENV["PRESET"]
    members = [p for p in ctl("preset", "show", preset)][0]["tasks"]
    c.click("#presets article:nth-child(%d) button" %
            (1 + [p["name"] for p in ctl("preset", "list")].index(preset)))
    ok = c.wait("document.getElementById('confirm').open &&"
                " !!document.querySelector('#confirm .plan')")
    plan = c.js("document.querySelector('#confirm .plan').textContent")
    report(ok and all(m in plan for m in members),
           "apply a preset: the confirmation shows the dry-run plan", plan)
    c.shot("preset-plan")
    c.click("#confirm-ok")
    act = until(lambda: all(t["active"] for t in ctl("status", *members)))
    report(act and c.wait("!document.getElementById('confirm').open"),
           "... confirmed: its tasks are active (maintctl status)")

    c.click("#filter")
    c.type(svc)
    vis = c.js("[...document.querySelectorAll('#task-rows tr')]"
               ".filter(r => !r.hidden).map(r => r.dataset.task)")
    report(svc in vis and len(vis) < len(names), "the text filter", vis)
    c.js("document.getElementById('filter').value = '';"
         " document.getElementById('filter').dispatchEvent("
         "new Event('input'))")
    c.key("/", "Slash", 191)
    report(c.js("document.activeElement.id") == "filter",
           "keyboard: / goes to the filter")
    c.js("document.activeElement.blur()")

    c.click("#estop")
    ok = c.wait("document.getElementById('confirm').open &&"
                " document.getElementById('confirm-body').textContent"
                ".includes('until Resume')")
    report(ok, "the emergency stop asks first, saying what it will do")
    c.shot("emergency-stop")
    c.click("#confirm-ok")
    halted = until(lambda: ctl("health")[0]["halted"])
    report(halted and c.wait("!document.getElementById('banner').hidden"),
           "... confirmed: maintd is halted and the page says so")
    c.click("#resume")
    c.wait("document.getElementById('confirm').open")
    c.click("#confirm-ok")
    report(until(lambda: not ctl("health")[0]["halted"]) and
           c.wait("!document.getElementById('confirm').open &&"
                  " document.getElementById('banner').hidden"),
           "... and Resume ends it")

    charted = ENV["CHARTED"]
    c.enter("tr[data-task='%s'] td:nth-child(2) a" % charted)
    report(c.wait("location.hash === '#/task/%s'" % charted),
           "keyboard: Enter on a task opens its page")
    ok = c.wait("['duration', 'memory', 'cpu'].every((n) =>"
                " document.querySelectorAll('#chart-' + n + ' rect')"
                ".length >= 3) && (document.querySelectorAll('#chart-io"
                " rect').length >= 3 || document.getElementById('chart-io')"
                ".textContent.includes('runs: 0 B each'))")
    report(ok, "the task page draws its runs' durations, memory, CPU and "
           "bytes written")
    report(c.wait("document.getElementById('tp-log').textContent"
                  ".includes('trimming')"),
           "... and tails its output")
    report(c.wait("document.querySelectorAll('#tp-runs tr').length >= 3"),
           "... and lists its last runs")
    report(c.wait("!!document.querySelector('#tp-deps a[href=\"#/task/backup\"]')"
                  " && document.getElementById('tp-deps').textContent"
                  ".includes('after')"),
           "... and its dependencies (after backup)",
           c.js("document.getElementById('tp-deps').textContent"))
    c.shot("task-page")
    c.js("location.hash = '#/task/%s'" % ENV["TICKER"])
    report(c.wait("[...document.querySelectorAll('#tp-ledger tr')].some(r =>"
                  " r.textContent.includes('ran'))"),
           "a periodic task's page shows its ledger: its ticks, ran",
           c.js("document.getElementById('tp-ledger').textContent"))
    c.js("location.hash = '#/task/%s'" % charted)
    c.wait("document.getElementById('tp-name').textContent === '%s'"
           % charted)

    c.click("#signout")
    c.wait("document.getElementById('login').open")
    sign_in(c, ENV["TREAD"])
    ok = c.wait("document.body.classList.contains('ro') &&"
                " document.body.classList.contains('ready') &&"
                " document.querySelectorAll('#task-rows tr').length === %d"
                % len(names))
    c.wait("document.querySelectorAll('#presets button').length > 0")
    enabled = c.js("[...document.querySelectorAll('#task-rows button.switch,"
                   " #task-rows .c-act button, #presets button, #estop')]"
                   ".filter(b => !b.disabled).length")
    report(ok and enabled == 0, "read role: every task, every button disabled",
           "%s enabled" % enabled)
    c.shot("read-only")
    c.js("location.hash = '#/task/%s'" % charted)
    ok = c.wait("document.getElementById('whoami').textContent.endsWith("
                "'read') && !document.getElementById('taskpage').hidden &&"
                " document.querySelectorAll('#tp-actions button').length === 3")
    enabled = c.js("[...document.querySelectorAll('#tp-actions button')]"
                   ".filter(b => !b.disabled).length")
    report(ok and enabled == 0, "read role: the task page's buttons too",
           "%s enabled" % enabled)
    c.shot("read-only-task")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the rest is not run: the test counts it
        print("FAIL the driver stopped: %s" % e, flush=True)
        sys.exit(1)
