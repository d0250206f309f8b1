# web.sh: the rows of maintd-http (sourced by run.sh: part web).
#   web.tasks.1000   GET /api/v1/tasks with 1000 tasks, and the same
#                    request straight to maintd (status --json on a
#                    connection of its own, as the gateway opens one):
#                    the gateway's cost, goal <= 1.5x
#   web.sse          an event's latency to an SSE client of the gateway,
#                    from the request that causes it (an activation sent
#                    to maintd's socket) to its event on the stream, and
#                    the same to a client of events --follow on maintd's
#                    socket: goal <= 5 ms median
#   web.rss.100      the gateway's RSS with 100 event streams open
# Both sides are timed from one python3 process (standard library only),
# so a process start is in neither; every request has its own
# connection to maintd and is authenticated with a token, as the
# gateway does it.
# shellcheck shell=sh

WEB_TOKEN=mdt_bench-9Hq2Lw7Zx4Pk

web_py() {
	cat >"$W/web.py" <<'EOF'
import http.client, json, socket, sys, time

mode, sock = sys.argv[1], sys.argv[2]
port, token, n = int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
auth = {"Authorization": "Bearer " + token}

def direct(line):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(("auth %s\n%s\n" % (token, line)).encode())
    f = s.makefile("rb")
    finals = 0
    while finals < 2:
        l = f.readline()
        if not l:
            raise SystemExit("maintd closed the connection")
        if l.startswith(b"OK") or l.startswith(b"ERR"):
            finals += 1
    s.close()

def sse_open(path):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("GET", path, headers=auth)
    r = c.getresponse()
    if r.status != 200:
        raise SystemExit("stream: %d" % r.status)
    return c, r

def wait_event(readline, task, event):
    while True:
        l = readline()
        if not l:
            raise SystemExit("stream ended")
        if l.startswith(b"data: ") or l.startswith(b"- "):
            o = json.loads(l.split(b" ", 1)[1])
            if o.get("task") == task and o.get("event") == event:
                return

if mode == "tasks":
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(n + 5):
        t0 = time.perf_counter()
        c.request("GET", "/api/v1/tasks", headers=auth)
        r = c.getresponse()
        body = r.read()
        t1 = time.perf_counter()
        if r.status != 200:
            raise SystemExit("tasks: %d" % r.status)
        if i >= 5:
            print("gw %.4f" % ((t1 - t0) * 1000))
        t0 = time.perf_counter()
        direct("status --json")
        t1 = time.perf_counter()
        if i >= 5:
            print("md %.4f" % ((t1 - t0) * 1000))
elif mode == "sse":
    c, r = sse_open("/api/v1/events/stream?n=1")
    d = socket.socket(socket.AF_UNIX)
    d.connect(sock)
    d.sendall(("auth %s\nevents --follow --json -n 1\n" % token).encode())
    df = d.makefile("rb")
    for i in range(n + 3):
        verb = "activate" if i % 2 == 0 else "deactivate"
        t0 = time.perf_counter()
        direct("%s web1" % verb)
        wait_event(r.fp.readline, "web1", verb + "d")
        t1 = time.perf_counter()
        wait_event(df.readline, "web1", verb + "d")
        t2 = time.perf_counter()
        if i >= 3:
            print("gw %.4f" % ((t1 - t0) * 1000))
            print("md %.4f" % ((t2 - t0) * 1000))
elif mode == "streams":
    conns = [sse_open("/api/v1/events/stream?n=1") for _ in range(n)]
    print("open", flush=True)
    sys.stdin.read()
EOF
}

web() {
	if [ ! -x "$BUILD/maintd-http" ] || ! command -v python3 >/dev/null; then
		say "no $BUILD/maintd-http or python3: no web rows"
		return 0
	fi
	say "maintd-http: 1000 tasks, event latency, 100 streams"
	web_py
	{
		printf 'max_clients = 400\n'
		printf 'token bench { hash = "sha256:%s"  role = admin }\n' \
		    "$(printf '%s' "$WEB_TOKEN" | sha256sum | cut -c1-64)"
		printf 'task web1 { command = "%s" kind = oneshot output = discard }\n' \
		    "/bin/true"
		gen_tasks 't%05d' 1000 oneshot "\"$STAMP\", \"/dev/null\""
	} | mconf web
	chmod 600 "$W/web.conf"	# it holds a token's hash
	start_maintd web
	"$BUILD/maintd-http" -f -l 127.0.0.1:0 -s "$MSOCK" -c 400 \
	    -w "$ROOT/web/static" >"$W/http.log" 2>&1 &
	_wb_pid=$!
	_wb_i=0
	while ! grep -q 'serving on' "$W/http.log" && [ "$_wb_i" -lt 100 ]; do
		sleep 0.05
		_wb_i=$((_wb_i + 1))
	done
	_wb_port=$(sed -n 's/.*serving on http:[^ ]*:\([0-9]*\) .*/\1/p' \
	    "$W/http.log")
	if [ -z "$_wb_port" ]; then
		say "maintd-http did not start: $(cat "$W/http.log")"
		kill "$_wb_pid" 2>/dev/null
		stop_maintd
		return 0
	fi
	python3 "$W/web.py" tasks "$MSOCK" "$_wb_port" "$WEB_TOKEN" "$RS" \
	    >"$W/web.tasks" || say "web: the tasks bench failed"
	sed -n 's/^gw //p' "$W/web.tasks" >"$W/x"
	sed -n 's/^md //p' "$W/web.tasks" >"$W/y"
	row web.status.1000 maintd "status --json of 1000 tasks, straight to \
maintd (auth, request, reply)" ms "$W/y"
	row web.tasks.1000 maintd-http "GET /api/v1/tasks of 1000 tasks \
(keep-alive)" ms "$W/x" "$(median web.status.1000 maintd)" "rle:1.5" \
	    "<=1.5x maintd"
	python3 "$W/web.py" sse "$MSOCK" "$_wb_port" "$WEB_TOKEN" "$R" \
	    >"$W/web.sse" || say "web: the event bench failed"
	sed -n 's/^gw //p' "$W/web.sse" >"$W/x"
	sed -n 's/^md //p' "$W/web.sse" >"$W/y"
	row web.sse.follow maintd "an activation to its event: events \
--follow on the socket" ms "$W/y"
	row web.sse maintd-http "an activation to its event: the SSE stream" \
	    ms "$W/x" "" "le:5" "<=5ms"
	mkfifo "$W/hold"
	python3 "$W/web.py" streams "$MSOCK" "$_wb_port" "$WEB_TOKEN" 100 \
	    <"$W/hold" >"$W/web.streams" &
	_wb_py=$!
	exec 7>"$W/hold"
	_wb_i=0
	while ! grep -q open "$W/web.streams" && [ "$_wb_i" -lt 200 ]; do
		sleep 0.05
		_wb_i=$((_wb_i + 1))
	done
	mem_sample "$W/webmem" "$_wb_pid"
	row web.rss.100 maintd-http "RSS with 100 event streams open" MiB \
	    "$W/webmem.rss"
	exec 7>&-
	wait "$_wb_py" 2>/dev/null
	kill "$_wb_pid" 2>/dev/null
	wait_gone 10 "$_wb_pid"
	stop_maintd
}
