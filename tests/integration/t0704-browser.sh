#!/bin/sh
# t0704-browser: the dashboard in a real browser.  Headless Chromium,
# driven over the DevTools protocol (helpers/browser.py, Debian's
# python3-websocket), against maintd and maintd-http: the token prompt,
# every task, a service's toggle (checked with maintctl status), a
# preset applied through its dry-run confirmation, the new event in the
# activity log without a reload, the emergency stop and resume, the
# filter and the keyboard, the next 24 hours' plan, a task page with
# its charts, output and dependencies, a periodic task's page with its
# ledger, and the read role with every button disabled.  Screenshots are kept in
# BUILD/screenshots/ (BUILD: where maintd is).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/helpers/http.sh
. "$(dirname "$0")/helpers/http.sh"

NCHECKS=23
plan $((NCHECKS + 5))

BROWSER=""
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null; then
		BROWSER=$b
		break
	fi
done
PY=""
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import websocket' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$BROWSER" ] || skip_rest "needs chromium"
[ -n "$PY" ] || skip_rest "needs python3-websocket"

hash_of() {
	printf '%s' "$1" | sha256sum | cut -c1-64
}
TADMIN=mdt_admin-Bw4k8Ls2Xe1Q
TREAD=mdt_read-Vn6p3Jd9Rt5Y

write_conf <<EOF
socket_mode = "0666"
max_clients = 128
max_weight = 6
task web-front {
	description = "the front end's cache warmer"
	command = "/bin/sleep 300"
	kind = service
	tags = { "web" }
}
task web-back { command = "/bin/sleep 300"  kind = service  tags = { "web" }  weight = 2 }
task cache-trim {
	description = "trim the image cache"
	command = { "/bin/sh", "-c", "echo trimming; echo done >&2" }
	every = 1h
	tags = { "web", "fast" }
	after = { "backup" }
}
task ticker { command = "/bin/true"  every = 1s }
task backup { command = "/bin/sleep 1"  schedule = "0 3 * * *"  tags = { "storage" } }
task vacuum { command = "/bin/false"  tags = { "db" } }
preset nightly { description = "what runs at night"  tasks = { "backup", "vacuum" } }
preset webs { tasks = { "web-front", "web-back" } }
window night { preset = "nightly"  schedule = "0 2 * * *"  duration = 1h }
token boss { hash = "sha256:$(hash_of "$TADMIN")"  role = admin }
token viewer { hash = "sha256:$(hash_of "$TREAD")" }
EOF
chmod 600 "$CONF"	# it holds token hashes
check "maintd starts" start_fg
i=0
while [ "$i" -lt 4 ]; do
	ctl run cache-trim --wait >/dev/null
	i=$((i + 1))
done
ctl run vacuum --wait >/dev/null 2>&1
ctl activate ticker >/dev/null
check "maintd-http starts" start_http

SHOTS=$(cd "$(dirname "${REAL_MAINTD:-$MAINTD}")" && pwd)/screenshots
mkdir -p "$SHOTS" "$T/chrome"
"$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update \
    --disable-sync --disable-dev-shm-usage --user-data-dir="$T/chrome" \
    --remote-debugging-address=127.0.0.1 --remote-debugging-port=0 \
    about:blank >"$T/chrome.log" 2>&1 &
CHROME=$!
EXTRA_PIDS="$EXTRA_PIDS $CHROME"
if wait_for 30 test -s "$T/chrome/DevToolsActivePort"; then
	ok "headless Chromium starts"
else
	not_ok "headless Chromium starts"
	diag "$(tail -n 20 "$T/chrome.log")"
	skip_rest "no browser"
fi
port=$(head -n 1 "$T/chrome/DevToolsActivePort")

MAINTCTL=$MAINTCTL SOCK=$SOCK TADMIN=$TADMIN TREAD=$TREAD SERVICE=web-front \
    PRESET=nightly CHARTED=cache-trim TICKER=ticker \
    timeout 180 "$PY" "$(dirname "$0")/helpers/browser.py" "$port" "$URL" \
    "$SHOTS" >"$T/browser.out" 2>&1
n=0
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }"; n=$((n + 1)) ;;
	"FAIL "*) not_ok "${line#FAIL }"; n=$((n + 1)) ;;
	*) diag "$line" ;;
	esac
done <"$T/browser.out"
while [ "$n" -lt "$NCHECKS" ]; do
	not_ok "a check of browser.py that did not run"
	n=$((n + 1))
done
like "screenshots are kept" "$(ls "$SHOTS")" 'dashboard\.png'

kill -TERM "$CHROME" 2>/dev/null
if wait_for 10 gone "$CHROME"; then
	ok "Chromium stops"
else
	kill -KILL "$CHROME" 2>/dev/null
	not_ok "Chromium stops"
fi
wait "$CHROME" 2>/dev/null
stop_http

done_testing
