#!/bin/sh
# run.sh: "make bench".  Measures maintd against the floors of this
# machine (and, with PEERS=1, against supervisord, runit and s6) in one
# run, prints one table and writes it as JSON.  See tests/bench/README.md.
#
# usage: sh tests/bench/run.sh [PEERS=0|1] [QUICK=0|1] [OUT=DIR]
#            [IDLE_SECS=N] [LOG_MB=N] [BUILD=DIR] [ONLY="PART..."]
# The same settings may come from the environment.  Results go to
# OUT (default build/bench): bench.txt, bench.json and raw/ (every sample).
# Everything it starts runs from a temporary directory and is stopped by
# pid at the end.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERS=${PEERS:-0}
QUICK=${QUICK:-0}
BUILD=${BUILD:-build}
OUT=${OUT:-}
IDLE_SECS=${IDLE_SECS:-}
LOG_MB=${LOG_MB:-}
ONLY=${ONLY:-}
for a; do
	case $a in
	PEERS=*) PEERS=${a#PEERS=} ;;
	QUICK=*) QUICK=${a#QUICK=} ;;
	OUT=*) OUT=${a#OUT=} ;;
	IDLE_SECS=*) IDLE_SECS=${a#IDLE_SECS=} ;;
	LOG_MB=*) LOG_MB=${a#LOG_MB=} ;;
	BUILD=*) BUILD=${a#BUILD=} ;;
	ONLY=*) ONLY=${a#ONLY=} ;;
	-h|--help)
		sed -n '2,12p' "$0"
		exit 0
		;;
	*)
		echo "run.sh: unknown argument $a (see --help)" >&2
		exit 2
		;;
	esac
done
[ -n "$PEERS" ] || PEERS=0
case $BUILD in
/*) ;;
*) BUILD=$ROOT/$BUILD ;;
esac
[ -n "$OUT" ] || OUT=$BUILD/bench
case $OUT in
/*) ;;
*) OUT=$(pwd)/$OUT ;;
esac

# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$HERE/lib.sh"
# shellcheck source=tests/bench/peers.sh disable=SC1091
. "$HERE/peers.sh"
# shellcheck source=tests/bench/web.sh disable=SC1091
. "$HERE/web.sh"
# shellcheck source=tests/bench/cost.sh disable=SC1091
. "$HERE/cost.sh"

# Repetitions: QUICK=1 is for trying the bench out, not for figures.
if [ "$QUICK" = 1 ]; then
	R=20 RS=5 RP=2
	: "${IDLE_SECS:=3}" "${LOG_MB:=50}"
else
	R=200 RS=20 RP=5
	: "${IDLE_SECS:=10}" "${LOG_MB:=200}"
fi
LOG_BYTES=$((LOG_MB * 1000000))

MAINTD=$BUILD/maintd
MAINTCTL=$BUILD/maintctl
H=$BUILD/bench
BT=$H/bt
STAMP=$H/stamp
if [ ! -x "$MAINTD" ] || [ ! -x "$MAINTCTL" ]; then
	die "no $MAINTD or $MAINTCTL: run 'make all' first"
fi
mkdir -p "$OUT/raw" || die "cannot create $OUT"
rm -f "$OUT"/raw/*
# The round-trip floor's client is linked as maintctl is.
RTTC_LDFLAGS=
if command -v readelf >/dev/null 2>&1 &&
    ! LC_ALL=C readelf -l "$MAINTCTL" | grep -q 'program interpreter'; then
	RTTC_LDFLAGS=-static
fi
rm -f "$H/rttc"
${MAKE:-make} -s -C "$HERE" OUT="$H" RTTC_LDFLAGS="$RTTC_LDFLAGS" >&2 ||
	die "building the helpers"

# Short paths: Unix socket names are limited to 108 bytes.
W=$(mktemp -d "${TMPDIR:-/tmp}/maintd-bench.XXXXXX") || die "mktemp"
chmod 755 "$W"
S=$W/stamps
mkdir -p "$S" "$W/log"
chmod 1777 "$S"
ROWS=$W/rows.tsv
: >"$ROWS"
MPID=""
ECHO_PID=""

cleanup() {
	[ -n "$MPID" ] && stop_maintd
	[ -n "$ECHO_PID" ] && kill "$ECHO_PID" 2>/dev/null
	peers_cleanup
	kill_stamped "$S"/* "$W"/peer*/*.stamps
	if [ -n "${KEEP_TMP:-}" ]; then
		say "kept $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ "$(id -u)" -eq 0 ]; then
	TASK_USER='user = "nobody"'
else
	TASK_USER=''
fi

# --- maintd helpers ---------------------------------------------------

# mconf NAME: the head of config NAME; the tasks come on stdin.
mconf() {
	{
		cat <<EOF
socket = "$W/$1.sock"
pidfile = "$W/$1.pid"
database = "$W/$1.db"
log_dir = "$W/log"
kill_grace = 2s
max_weight = 1000000
$TASK_USER
EOF
		cat
	} >"$W/$1.conf"
}

# gen_tasks FMT N KIND ARGV [OPTS]: N tasks named by printf FMT, each
# running ARGV (already in config syntax: "a", "b"), output discarded, and
# OPTS (config syntax) if given.
gen_tasks() {
	awk -v fmt="$1" -v n="$2" -v kind="$3" -v argv="$4" -v opts="${5:-}" \
	    'BEGIN {
	    for (i = 1; i <= n; i++)
		printf "task " fmt " { command = { %s } kind = %s " \
		    "output = discard %s }\n", i, argv, kind, opts }'
}

# start_maintd NAME: daemonised start (maintd exits 0 once ready);
# sets MPID and MSOCK, and leaves the start-up time (ms) in $W/NAME.up.
start_maintd() {
	MSOCK=$W/$1.sock
	_t0=$("$BT" now)
	if ! "$MAINTD" -c "$W/$1.conf" >"$W/$1.out" 2>&1; then
		cat "$W/$1.out" >&2
		die "maintd did not start on $W/$1.conf"
	fi
	_t1=$("$BT" now)
	ms_between "$_t0" "$_t1" >"$W/$1.up"
	MPID=$(cat "$W/$1.pid")
	"$MAINTCTL" -s "$MSOCK" ping >/dev/null || die "maintd does not answer"
}

# stop_maintd: TERM; the daemon stops its runs and exits.
stop_maintd() {
	kill -TERM "$MPID" 2>/dev/null
	if ! wait_gone 30 "$MPID"; then
		say "maintd $MPID ignored TERM; killing it"
		kill -KILL "$MPID" 2>/dev/null
	fi
	MPID=""
}

mctl() {
	"$MAINTCTL" -q -s "$MSOCK" "$@"
}

# activate_all FMT N: activate the N tasks named by FMT, 250 a request.
activate_all() {
	awk -v fmt="$1" -v n="$2" 'BEGIN {
	    for (i = 1; i <= n; i++) {
		printf fmt "%s", i, (i % 250 == 0 || i == n) ? "\n" : " " } }' |
	while read -r _names; do
		# shellcheck disable=SC2086
		mctl activate --confirm $_names ||
			die "activate failed: $_names"
	done
}

idle_re='"state":"idle"'

# --- floors -------------------------------------------------------------

# Floors are sampled twice, at the start and at the end of the run, and
# each floor row pools both: a machine that was busy for a while moves
# them less.  Rows name their floor by id (floor.spawn+floor.rtt, say);
# report.awk puts in the medians.
FL_SPAWN=floor.spawn
FL_RTT=floor.rtt
FL_START=floor.spawn+floor.rtt

echo_up() {
	"$BT" echod "$W/echo.sock" &
	ECHO_PID=$!
	i=0
	while [ ! -S "$W/echo.sock" ] && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

echo_down() {
	kill "$ECHO_PID"
	ECHO_PID=""
	rm -f "$W/echo.sock"
}

# floor_samples: one round of the floors that are sampled twice.
floor_samples() {
	"$BT" spawnfloor "$R" "$STAMP" "$S/floor" >>"$W/fl.spawn" ||
		die "spawn floor"
	"$BT" timeit "$R" /bin/true >>"$W/fl.true"
	echo_up
	"$BT" timeit "$R" "$H/rttc" "$W/echo.sock" >>"$W/fl.rtt"
	echo_down
	i=0
	while [ "$i" -lt 2 ]; do
		"$BT" pipefloor "$H/spew" "$LOG_BYTES" 100 "$W/pipe.out" \
		    >>"$W/fl.pipe"
		rm -f "$W/pipe.out"
		"$BT" prefixfloor "$H/spew" "$LOG_BYTES" 100 "$W/pipe.out" \
		    >>"$W/fl.prefix"
		rm -f "$W/pipe.out"
		i=$((i + 1))
	done
}

floors() {
	say "floors"
	# warm up: caches, the CPU's clock
	"$BT" spawnfloor 50 "$STAMP" "$S/warm" >/dev/null || die "spawn floor"
	: >"$W/fl.spawn"
	: >"$W/fl.true"
	: >"$W/fl.rtt"
	: >"$W/fl.pipe"
	: >"$W/fl.prefix"
	floor_samples
	echo_up
	: >"$W/x"
	: >"$W/y"
	i=0
	while [ "$i" -lt "$RP" ]; do
		"$BT" pipeline -e "$W/echo.sock" 1 100000 64 ping >>"$W/x"
		"$BT" pipeline -e "$W/echo.sock" 32 100000 64 ping >>"$W/y"
		i=$((i + 1))
	done
	echo_down
	row floor.echo1 floor "pipelined echo, 1 connection" req/s "$W/x"
	row floor.echo32 floor "pipelined echo, 32 connections" req/s "$W/y"
	: >"$W/x"
	i=0
	while [ "$i" -lt 3 ]; do
		fresh "$S/bring-floor"
		"$BT" bringfloor 1000 "$STAMP" "$S/bring-floor" >>"$W/x"
		i=$((i + 1))
	done
	row floor.bring floor "bring-up floor: 1000 fork+exec from one process" \
	    ms "$W/x"
	# the honest one: spawned as maintd spawns (a vfork)
	: >"$W/x"
	i=0
	while [ "$i" -lt 3 ]; do
		fresh "$S/bring-floor"
		"$BT" bringfloor -s 1000 "$STAMP" "$S/bring-floor" >>"$W/x"
		i=$((i + 1))
	done
	row floor.bringv floor "bring-up floor: 1000 posix_spawn (vfork) from \
one process" ms "$W/x"
}

# floors_end: the second round, and the rows of the pooled floors.
floors_end() {
	say "floors, again"
	floor_samples
	row floor.spawn floor "spawn floor: fork+exec until the exec stamp" \
	    ms "$W/fl.spawn"
	row floor.true floor "/bin/true as a whole process" ms "$W/fl.true"
	row floor.rtt floor "round-trip floor: C client process, echo server" \
	    ms "$W/fl.rtt"
	row floor.pipe floor "pipe floor: child->pipe->file, 100-byte lines" \
	    MB/s "$W/fl.pipe"
	row floor.prefix floor "log floor: the same, each line written with \
time stamp and run id" MB/s "$W/fl.prefix"
}

# --- start latency, restart, log throughput ---------------------------

misc() {
	say "maintd: start latency, restart, log throughput"
	fresh "$S/lat-run" "$S/lat-svc" "$S/crash"
	{
		cat <<EOF
task lat-run { command = { "$STAMP", "$S/lat-run", "exit" } kind = oneshot
	output = discard }
task lat-svc { command = { "$STAMP", "$S/lat-svc", "pause" } kind = service
	output = discard }
task crash { command = { "$STAMP", "$S/crash", "crash" } kind = service
	backoff = { 0, 1s } restart_limit = 0 output = discard }
task spew { command = { "$H/spew", "$LOG_BYTES", "100" } kind = oneshot
	output = file }
EOF
		gen_tasks 'f%03d' 96 oneshot "\"/bin/true\""
	} | mconf misc
	start_maintd misc

	"$BT" timeit "$R" "$MAINTCTL" -s "$MSOCK" ping >"$W/x"
	row ctl.ping maintd "maintctl ping (whole process)" ms "$W/x" \
	    "$FL_RTT"

	n=$((R / 2))
	"$BT" startlat "$n" "$S/lat-run" "$BT waitreply $MSOCK 10 \
'status lat-run --json' '$idle_re' >/dev/null" \
	    "$MAINTCTL" -q -s "$MSOCK" run lat-run >"$W/x" ||
		die "start latency (run)"
	row start.run maintd "start latency: maintctl run (oneshot)" ms \
	    "$W/x" "$FL_START" "le:2,rle:1.4" "<=2 ms, <=1.4x floor"
	n=$((R / 4))
	"$BT" startlat "$n" "$S/lat-svc" "$MAINTCTL -q -s $MSOCK deactivate \
lat-svc && $BT waitreply $MSOCK 10 'status lat-svc --json' '$idle_re' \
>/dev/null" "$MAINTCTL" -q -s "$MSOCK" activate lat-svc >"$W/x" ||
		die "start latency (activate)"
	row start.svc maintd "start latency: activate a service" ms "$W/x" \
	    "$FL_START" "le:2,rle:1.4" "<=2 ms, <=1.4x floor"

	# A crashing service, backoff minimum 0: exit stamp to next exec.
	n=$((R / 2))
	mctl activate crash || die "activate crash"
	"$BT" waitlines "$S/crash" "$((n + 1))" 60 >/dev/null ||
		say "the crashing service did not restart $n times"
	mctl deactivate crash
	restart_gaps "$S/crash" | head -n "$n" >"$W/x"
	row restart maintd "restart gap of a crashing service (backoff 0)" \
	    ms "$W/x" "$FL_SPAWN" "le:10" "<=10 ms"

	# status of this daemon's 100 tasks while nothing is logged
	"$BT" timeit "$R" "$MAINTCTL" -s "$MSOCK" status >"$W/x"
	row status.idle100 maintd "status (100 tasks), nothing logged" ms \
	    "$W/x" "$FL_RTT"

	# 200 MB of 100-byte lines through the daemon into its log file.
	: >"$W/tput"
	: >"$W/lat"
	i=0
	while [ "$i" -lt 3 ]; do
		: >"$W/log/spew.log" 2>/dev/null
		"$BT" logrun "$MSOCK" "$MAINTCTL" spew "$LOG_BYTES" 20 \
		    >"$W/x" || die "log throughput"
		sed -n 's/^tput //p' "$W/x" >>"$W/tput"
		sed -n 's/^lat //p' "$W/x" >>"$W/lat"
		i=$((i + 1))
	done
	rm -f "$W/log/spew.log"
	row log.tput maintd "log throughput: ${LOG_MB} MB of lines to the log \
file" MB/s "$W/tput" floor.prefix "rge:0.85" \
	    ">=0.85x log floor"
	row log.status maintd "status (100 tasks) while the log is written" \
	    ms "$W/lat" "$(median status.idle100 maintd)" "rle:2" \
	    "<=2x status idle"
	stop_maintd
}

# --- status, memory and pipelining with 1 to 10 000 tasks -------------

scaling() {
	for n in 1 100 1000 10000; do
		say "maintd: $n tasks defined"
		gen_tasks 't%05d' "$n" oneshot "\"$STAMP\", \"/dev/null\"" |
			mconf "def$n"
		start_maintd "def$n"
		row startup.$n maintd "start-up until ready, $n tasks" ms \
		    "$W/def$n.up"
		# the most memory start-up held (VmHWM) against what stays
		hwm_rss "$MPID" >"$W/x"
		row1 mem.hwm.$n maintd "peak RSS during start-up / settled RSS, \
$n tasks" x "$(cat "$W/x")" "" "le:2" "<=2x"
		# a reload of the same configuration: every task parsed again
		: >"$W/x"
		i=0
		while [ "$i" -lt 3 ]; do
			_t0=$("$BT" now)
			mctl reload >/dev/null || die "reload with $n tasks"
			_t1=$("$BT" now)
			ms_between "$_t0" "$_t1" >>"$W/x"
			i=$((i + 1))
		done
		row reload.$n maintd "maintctl reload, $n tasks" ms "$W/x"
		one=$(printf 't%05d' $(((n + 1) / 2)))
		case $n in
		10000) k=$R ka=$RS ;;
		1000) k=$R ka=$((R / 2)) ;;
		*) k=$R ka=$R ;;
		esac
		"$BT" timeit "$k" "$MAINTCTL" -s "$MSOCK" status "$one" >"$W/x"
		if [ "$n" -eq 1000 ]; then
			row status.one.$n maintd "status of one among $n" \
			    ms "$W/x" "$FL_RTT" "rle:1.1" "<=1.1x floor"
			# the same request from the floor's client: what the
			# daemon adds, without maintctl's own start-up
			"$BT" timeit "$k" "$H/rttc" "$MSOCK" "status $one" \
			    >"$W/x"
			row status.raw.$n maintd "status of one among $n, \
sent by rttc" ms "$W/x" "$FL_RTT"
		else
			row status.one.$n maintd "status of one among $n" \
			    ms "$W/x" "$FL_RTT"
		fi
		"$BT" timeit "$ka" "$MAINTCTL" -s "$MSOCK" status >"$W/x"
		if [ "$n" -eq 1000 ]; then
			row status.all.$n maintd "status of all $n" ms \
			    "$W/x" "$FL_RTT" "rle:2" "<=2x floor"
		else
			row status.all.$n maintd "status of all $n" ms \
			    "$W/x" "$FL_RTT"
		fi
		if [ "$n" -eq 1000 ]; then
			pipelined
		fi
		mem_sample "$W/mem" "$MPID"
		row mem.rss.$n maintd "daemon RSS, $n tasks defined" MiB \
		    "$W/mem.rss"
		if [ "$n" -eq 1000 ]; then
			row mem.pss.$n maintd "daemon PSS, $n tasks defined" \
			    MiB "$W/mem.pss" "" "le:5" "<=5 MiB"
		else
			row mem.pss.$n maintd "daemon PSS, $n tasks defined" \
			    MiB "$W/mem.pss"
		fi
		stop_maintd
		rm -f "$W/def$n.db"*
	done
	# Per-task cost of "status" (all minus one, per task): flat means
	# the same at 10 000 tasks as at 1 000.
	for n in 100 1000 10000; do
		row1 status.pertask.$n maintd "status of all: cost per task, \
$n tasks" us "$(calc "(a - o) * 1000 / n" a="$(median status.all.$n \
		    maintd)" o="$(median status.one.$n maintd)" n="$n")"
	done
	row1 status.flat maintd "status of all: per-task cost, 10000 vs 1000 \
tasks" x "$(calc "a / b" a="$(median status.pertask.10000 maintd)" \
	    b="$(median status.pertask.1000 maintd)")" "" "le:1.25" "<=1.25x"
	row1 startup.flat maintd "start-up until ready: 10000 vs 1000 tasks" \
	    x "$(calc "a / b" a="$(median startup.10000 maintd)" \
	    b="$(median startup.1000 maintd)")" "" "le:11" "<=11x"
	row1 reload.flat maintd "reload: 10000 vs 1000 tasks" x \
	    "$(calc "a / b" a="$(median reload.10000 maintd)" \
	    b="$(median reload.1000 maintd)")" "" "le:11" "<=11x"
	row1 mem.pertask maintd "daemon PSS per task, 1 to 10000 tasks" \
	    KiB "$(calc "(b - a) * 1024 / 9999" a="$(median mem.pss.1 \
	    maintd)" b="$(median mem.pss.10000 maintd)")"
}

# Requests per second, pipelined, on one connection and on 32.
pipelined() {
	for req in ping status; do
		r=$req
		[ "$req" = status ] && r="status t00500"
		: >"$W/x"
		: >"$W/y"
		i=0
		while [ "$i" -lt "$RP" ]; do
			"$BT" pipeline "$MSOCK" 1 50000 64 "$r" >>"$W/x" ||
				die "pipeline"
			"$BT" pipeline "$MSOCK" 32 50000 64 "$r" >>"$W/y" ||
				die "pipeline"
			i=$((i + 1))
		done
		row pipe1.$req maintd "pipelined '$r', 1 connection" req/s \
		    "$W/x" floor.echo1
		row pipe32.$req maintd "pipelined '$r', 32 connections" \
		    req/s "$W/y" floor.echo32
	done
}

# --- 1 000 services: bring-up, memory ----------------------------------

services() {
	say "maintd: 1000 services"
	{
		gen_tasks 's%04d' 1000 service \
		    "\"$STAMP\", \"$S/svc\", \"pause\""
		cat <<EOF
task crash { command = { "$STAMP", "$S/crash1000", "crash" } kind = service
	backoff = { 0, 1s } restart_limit = 0 output = discard }
EOF
	} | mconf svc
	: >"$W/x"
	i=0
	reps=3
	[ "$QUICK" = 1 ] && reps=1
	while [ "$i" -lt "$reps" ]; do
		fresh "$S/svc"
		rm -f "$W/svc.db"*
		start_maintd svc
		t0=$("$BT" now)
		activate_all 's%04d' 1000
		last=$("$BT" waitlines "$S/svc" 1000 120) ||
			die "1000 services did not start"
		ms_between "$t0" "$last" >>"$W/x"
		"$BT" waitreply "$MSOCK" 60 status ' 1000 running' >/dev/null ||
			die "maintd does not see 1000 services running"
		if [ "$i" -eq 0 ]; then
			mem_sample "$W/mem" "$MPID"
			row mem.rss.svc1000 maintd "RSS, 1000 services running" \
			    MiB "$W/mem.rss"
			row mem.pss.svc1000 maintd "PSS, 1000 services running" \
			    MiB "$W/mem.pss" "" "le:5" "<=5 MiB"
			# restarts with 1000 other services running
			n=$((R / 4))
			fresh "$S/crash1000"
			mctl activate crash || die "activate crash"
			"$BT" waitlines "$S/crash1000" "$((n + 1))" 60 \
			    >/dev/null || say "the crashing service stalled"
			mctl deactivate crash
			restart_gaps "$S/crash1000" | head -n "$n" >"$W/y"
			row restart.svc1000 maintd "restart gap, 1000 services \
running" ms "$W/y" "$FL_SPAWN" "le:10" "<=10 ms"
			row1 restart.flat maintd "restart gap: 1000 services \
running vs none" x "$(calc "a / b" a="$(median restart.svc1000 maintd)" \
			    b="$(median restart maintd)")" "" "le:1.5" "<=1.5x"
		fi
		stop_maintd
		i=$((i + 1))
	done
	row bringup maintd "bring-up: 1000 services until all exec'd" ms \
	    "$W/x" floor.bringv "le:300,rle:1.3" "<=300 ms, <=1.3x floor"
}

# --- 10 000 services ---------------------------------------------------

# services10k: as many of 10 000 services as the hard RLIMIT_NOFILE lets
# run, each with output_streams = merged: one pipe a run (and a pidfd
# where the daemon has them), not two.  What a run holds is measured on
# the daemon itself (the descriptors one running service adds), and the
# count is what the hard limit leaves after what the daemon holds idle;
# as root the bench raises the hard limit to what 10 000 need first.
services10k() {
	n=10000
	say "maintd: up to $n services (output_streams = merged)"
	gen_tasks 's%05d' "$n" service "\"$STAMP\", \"$S/svc10k\", \"pause\"" \
	    "output_streams = merged" | mconf svc10k
	fresh "$S/svc10k"
	MSOCK=$W/svc10k.sock
	hard=$(prlimit --pid "$$" --nofile --noheadings --output HARD |
	    tr -d ' ')
	soft=$(prlimit --pid "$$" --nofile --noheadings --output SOFT |
	    tr -d ' ')
	pre=""
	# two a run at most (its pipe, a pidfd), and room for the rest
	need=$((2 * n + 300))
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ] &&
	    [ "$(id -u)" -eq 0 ] &&
	    prlimit --nofile="$soft:$need" true 2>/dev/null; then
		pre="prlimit --nofile=$soft:$need"
		hard=$need
	fi
	# shellcheck disable=SC2086
	if ! $pre "$MAINTD" -c "$W/svc10k.conf" >"$W/svc10k.out" 2>&1; then
		cat "$W/svc10k.out" >&2
		die "maintd did not start on $W/svc10k.conf"
	fi
	MPID=$(cat "$W/svc10k.pid")
	fd0=$(find "/proc/$MPID/fd" -mindepth 1 | wc -l)
	mctl activate --confirm s00001 >/dev/null || die "activate s00001"
	"$BT" waitlines "$S/svc10k" 1 30 >/dev/null || die "s00001 did not start"
	"$BT" waitreply "$MSOCK" 30 status " 1 running" >/dev/null ||
		die "maintd does not see s00001 running"
	per=$(($(find "/proc/$MPID/fd" -mindepth 1 | wc -l) - fd0))
	[ "$per" -ge 1 ] || per=1
	if [ "$hard" != unlimited ] &&
	    [ $(((hard - fd0 - 300) / per)) -lt "$n" ]; then
		n=$(((hard - fd0 - 300) / per))
		say "$n services: the hard limit on open files is $hard, \
a running service holds $per, the idle daemon $fd0"
	fi
	stop_maintd
	kill_stamped "$S/svc10k"
	if [ "$n" -lt 1000 ]; then
		say "10000 services: skipped: $n fit under the hard limit"
		return 0
	fi
	# a daemon of n tasks: the PSS row is of n tasks as well as n runs
	gen_tasks 's%05d' "$n" service "\"$STAMP\", \"$S/svc10k\", \"pause\"" \
	    "output_streams = merged" | mconf svc10k
	rm -f "$W/svc10k.db"*
	# shellcheck disable=SC2086
	if ! $pre "$MAINTD" -c "$W/svc10k.conf" >"$W/svc10k.out" 2>&1; then
		cat "$W/svc10k.out" >&2
		die "maintd did not start on $W/svc10k.conf"
	fi
	MPID=$(cat "$W/svc10k.pid")
	fresh "$S/svc10k"
	t0=$("$BT" now)
	activate_all 's%05d' "$n"
	last=$("$BT" waitlines "$S/svc10k" "$n" 300) ||
		die "$n services did not start"
	ms_between "$t0" "$last" >"$W/x"
	"$BT" waitreply "$MSOCK" 120 status " $n running" >/dev/null ||
		die "maintd does not see $n services running"
	k=$(calc "n / 1000" n="$n")
	row bringup.10000 maintd "bring-up: $n services until all exec'd" ms \
	    "$W/x" "$(calc "a * (k + 1)" a="$(median bringup maintd)" \
	    k="$k")" "rle:1" "<=$(calc "k + 1" k="$k")x 1000"
	mem_sample "$W/mem" "$MPID"
	row mem.pss.svc10000 maintd "PSS, $n services running" MiB \
	    "$W/mem.pss" "$(calc "a * k" a="$(median mem.pss.svc1000 \
	    maintd)" k="$k")" "rle:1" "<=${k}x 1000"
	stop_maintd
	kill_stamped "$S/svc10k"
}

# --- idle: 100 services running, nothing due ---------------------------

idle_maintd() {
	say "maintd: idle with 100 services for 2 x $IDLE_SECS s"
	fresh "$S/idle"
	gen_tasks 's%04d' 100 service "\"$STAMP\", \"$S/idle\", \"pause\"" |
		mconf idle
	start_maintd idle
	activate_all 's%04d' 100
	"$BT" waitlines "$S/idle" 100 60 >/dev/null || die "100 services"
	mem_sample "$W/mem" "$MPID"
	row mem.rss.svc100 maintd "RSS, 100 services running" MiB "$W/mem.rss"
	row mem.pss.svc100 maintd "PSS, 100 services running" MiB "$W/mem.pss"
	sleep 1
	idle maintd "$MPID"
	stop_maintd
}

# --- the report -----------------------------------------------------------

report() {
	{
		echo "# maintd bench, $(date -u '+%Y-%m-%d %H:%M UTC'), \
$(nproc) CPUs, $(uname -sr), maintd $(git -C "$ROOT" describe --always \
--dirty 2>/dev/null || echo '?')"
		awk -F '\t' -f "$HERE/report.awk" -v mode=table "$ROWS"
	} | tee "$OUT/bench.txt"
	awk -F '\t' -f "$HERE/report.awk" -v mode=json \
	    -v date="$(date -u '+%Y-%m-%dT%H:%M:%SZ')" -v cpus="$(nproc)" \
	    -v kernel="$(uname -sr)" \
	    -v rev="$(git -C "$ROOT" describe --always --dirty 2>/dev/null)" \
	    -v peers="$PEERS" -v quick="$QUICK" "$ROWS" >"$OUT/bench.json"
	say "wrote $OUT/bench.txt, $OUT/bench.json and the samples in $OUT/raw"
}

# --- time zones: 10 000 cron tasks in four zones -------------------

# gen_cron ZONES N: N cron tasks, their timezone taken in turn from
# ZONES ("-": none, the daemon's zone).
gen_cron() {
	awk -v zones="$1" -v n="$2" 'BEGIN {
	    nz = split(zones, z, " ")
	    for (i = 1; i <= n; i++) {
		tz = z[i % nz + 1] == "-" ? "" : \
		    sprintf(" timezone = \"%s\"", z[i % nz + 1])
		printf "task c%05d { command = { \"/bin/true\" } " \
		    "schedule = \"%d 3 * * *\"%s output = discard }\n",
		    i, i % 60, tz } }'
}

# Start-up (each zone file checked once, not once a task: about 5% more
# instructions, those of parsing one more option a task) and the
# activation of every task (each armed: its next tick worked out in its
# zone, each zone's offsets once, not its file read at each switch),
# against the same tasks in the daemon's zone.
zones() {
	reps=5
	[ "$QUICK" = 1 ] && reps=1
	for z in local zoned; do
		say "maintd: 10000 cron tasks, $z"
		case $z in
		local) gen_cron "-" 10000 ;;
		zoned) gen_cron "Europe/Berlin America/New_York Asia/Tokyo \
Australia/Sydney" 10000 ;;
		esac | mconf "cron$z"
		: >"$W/x"
		: >"$W/y"
		i=0
		while [ "$i" -lt "$reps" ]; do
			start_maintd "cron$z"
			cat "$W/cron$z.up" >>"$W/x"
			_t0=$("$BT" now)
			activate_all 'c%05d' 10000
			_t1=$("$BT" now)
			ms_between "$_t0" "$_t1" >>"$W/y"
			stop_maintd
			rm -f "$W/cron$z.db"*
			i=$((i + 1))
		done
		row zones.startup.$z maintd "start-up until ready, 10000 cron \
tasks ($z)" ms "$W/x"
		row zones.activate.$z maintd "activate 10000 cron tasks, each \
armed ($z)" ms "$W/y"
	done
	# no target: the zoned file is longer (a timezone line a task)
	row1 zones.startup.flat maintd "start-up, 10000 cron tasks: in 4 \
zones vs the daemon's" x "$(calc "a / b" a="$(median zones.startup.zoned \
	    maintd)" b="$(median zones.startup.local maintd)")"
	row1 zones.activate.flat maintd "activation, 10000 cron tasks: in 4 \
zones vs the daemon's" x "$(calc "a / b" a="$(median zones.activate.zoned \
	    maintd)" b="$(median zones.activate.local maintd)")" "" "le:1.1" \
	    "<=1.1x"
}

# ONLY="misc peers" (say) runs only those parts, after the floors: for
# working on the bench itself.
part() {
	if [ -z "$ONLY" ]; then
		"$1"
		return
	fi
	case " $ONLY " in
	*" $1 "*) "$1" ;;
	esac
}

floors
part misc
part scaling
part services
part services10k
part idle_maintd
part zones
part web
part cost
if [ "$PEERS" = 1 ]; then
	part peers
fi
floors_end
report
