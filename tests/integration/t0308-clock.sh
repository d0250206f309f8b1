#!/bin/sh
# t0308-clock: schedules across steps of the wall clock (issue 20 #9;
# maintd(8) "Clock steps").  The daemon runs under libfaketime, its wall
# clock offset through a file the test rewrites (FAKETIME_TIMESTAMP_FILE,
# re-read at every call), its monotonic clock left alone: the test steps
# the daemon's clock while it runs, as settimeofday or an NTP step would.
# libfaketime does not fire a CLOCK_REALTIME timerfd's
# TFD_TIMER_CANCEL_ON_SET, so what sees the steps here is the other half
# of ev.c's watch: the wall and monotonic clocks compared at each wakeup.
# What must hold:
#  - an `every = 2s` task keeps its pace after steps of -60 s and -2 h
#    (it counts elapsed time), and after +1 day; so does an activation
#    --for 1h (the end it shows moves with the clock);
#  - a `* * * * *` task keeps firing, on the minute of the new clock,
#    after each step: back (ticks an hour apart or closer follow the new
#    clock at once) and forward;
#  - forward by at most 3 h: a task whose tick the clock jumped over runs
#    once, at once (one run for the 4 or 60 ticks of a `* * * * *` task);
#  - back by at most 3 h, a daily task does not run again the tick it
#    ran in the repeated hour: stepped forward over it again, nothing
#    runs;
#  - forward by 1 day (more than 3 h: a correction): jumped-over ticks are
#    skipped (a "skipped" event saying why), except for a task with
#    catch_up = true, which runs once; nothing stalls.
# Times below are those of the daemon's clock, in UTC, on a day D ten
# days from now.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

FT=""
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
    /usr/local/lib/faketime/libfaketime.so.1; do
	if [ -r "$f" ]; then
		FT=$f
		break
	fi
done
if [ -z "$FT" ]; then
	echo "1..0 # SKIP no libfaketime (Debian: faketime)"
	exit 0
fi

plan 41

# ASan's allocator and libfaketime deadlock at start-up (libfaketime's
# constructor calls dlsym, whose malloc starts ASan's allocator, which
# reads the clock: "Unexpected recursive calls to clock_gettime()"; a
# futex wait for ever): the clock tests run in the plain build only
if sanitized && [ -n "${ASAN_OPTIONS:-}" ]; then
	skip_rest "libfaketime deadlocks with AddressSanitizer at start-up"
fi

export TZ=UTC
CLOCK=$T/faketime
D=$((($(date +%s) / 86400 + 10) * 86400))

# at HH:MM:SS [DAYS]: the epoch of that time of day D (+ DAYS)
at() {
	h=${1%%:*}
	r=${1#*:}
	m=${r%%:*}
	s=${r#*:}
	echo $((D + ${2:-0} * 86400 + ${h#0} * 3600 + ${m#0} * 60 + ${s#0}))
}

# clock_off SECONDS: the daemon's clock is the real one + SECONDS (the
# file replaced whole: the daemon re-reads it at every call)
clock_off() {
	case $1 in
	-*) printf '%s\n' "$1" >"$CLOCK.new" ;;
	*) printf '+%s\n' "$1" >"$CLOCK.new" ;;
	esac
	mv "$CLOCK.new" "$CLOCK"
}

# clock_to EPOCH: the daemon's clock, from now on, shows EPOCH (and on)
clock_to() {
	clock_off $(($1 - $(date +%s)))
}

# clock_by SECONDS: the daemon's clock stepped by SECONDS
clock_by() {
	clock_off $(($(sed 's/^+//' "$CLOCK") + $1))
}

write_conf <<'EOF'
task ev2 { every = 2s  command = "/bin/true" }
task cron1 { schedule = "* * * * *"  command = "/bin/true" }
task back { schedule = "5 4 * * *"  command = "/bin/true" }
task fwd { schedule = "0 5 * * *"  command = "/bin/true" }
task far { schedule = "0 12 * * *"  command = "/bin/true" }
task farcu { schedule = "0 12 * * *"  catch_up = true  command = "/bin/true" }
task lim { every = 1h  command = "/bin/true" }
EOF

clock_to "$(at 06:00:00)"
env LD_PRELOAD="$FT" FAKETIME_TIMESTAMP_FILE="$CLOCK" FAKETIME_NO_CACHE=1 \
    FAKETIME_DONT_FAKE_MONOTONIC=1 \
    "$MAINTD" -f -c "$CONF" >"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
if ! wait_for 10 socket_up; then
	not_ok "daemon starts under libfaketime"
	diag "$(cat "$T/daemon.log")"
	exit 1
fi
ok "daemon starts under libfaketime"

nruns() {
	ctl --json history "$1" -n 100000 | wc -l | tr -d ' '
}

at_least() {
	[ "$(nruns "$1")" -ge "$2" ]
}

# snap: how many runs each task has now (taken before a step: what a
# step starts may run before the step's checks begin)
snap() {
	for t in ev2 cron1 back fwd far farcu; do
		nruns "$t" >"$T/n.$t"
	done
}

was() {
	cat "$T/n.$1"
}

# more TASK N [SECONDS]: N more runs of TASK than at the last snap,
# within SECONDS
more() {
	wait_for "${3:-10}" at_least "$1" $(($(was "$1") + $2))
}

# last_start TASK: when its last run started, in seconds since the epoch
last_start() {
	date -d "$(ctl --json history "$1" -n 1 | jq -r .started)" +%s
}

# started_at TASK EPOCH: TASK's last run started at EPOCH (within a second)
started_at() {
	l=$(last_start "$1")
	[ "$l" -ge "$2" ] && [ "$l" -le $(($2 + 1)) ]
}

# started_in TASK FROM TO: how many runs of TASK started in [FROM, TO]
started_in() {
	ctl --json history "$1" -n 100000 | jq -r .started | while read -r s; do
		date -d "$s" +%s
	done | awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b { n++ } END { print n + 0 }'
}

skipped_why() {
	ctl --json events --task "$1" -n 1000 | jq -r \
	    'select(.event == "skipped") | .detail.reason' | tail -n 1
}

check "activate ev2, cron1, far, farcu" ctl -y activate ev2 cron1 far farcu
snap
check "ev2 ticks" more ev2 2
check "activate lim for an hour" ctl activate lim --for 1h
until=$(date -d "$(ctl --json status lim | jq -r .until)" +%s)
check "... on the daemon's clock: day D, 06:00" test "$(last_start ev2)" -ge "$(at 06:00:00)"
is "far: its next tick is 12:00 of day D" "$(ctl --json status far | jq -r .next_run)" \
    "$(date -u -d "@$(at 12:00:00)" +%Y-%m-%dT%H:%M:%S+00:00)"

# --- back by a minute, then by two hours ---------------------------------------

snap
clock_by -60
check "-60 s: ev2 keeps its pace (2 runs within 10 s)" more ev2 2
u=$(date -d "$(ctl --json status lim | jq -r .until)" +%s)
check "lim's activation ends an hour after it began: its end moved with the clock ($((u - until)) s)" \
    test "$((u - until))" -ge -61 -a "$((u - until))" -le -59
snap
clock_to "$(at 04:00:57)"
check "-2 h: ev2 keeps its pace" more ev2 2
check "-2 h: cron1 fires on the next minute of the new clock" more cron1 1
check "... at 04:01:00" started_at cron1 "$(at 04:01:00)"
check "activate back (04:05) and fwd (05:00)" ctl -y activate back fwd

# --- forward by four minutes, over cron1's ticks, up to back's -----------------

snap
clock_to "$(at 04:04:55)"
check "+4 min: back runs at its tick, 04:05" more back 1
check "... at 04:05:00" started_at back "$(at 04:05:00)"
is "cron1 ran once for the 3 ticks jumped over, then at 04:05" \
    "$(started_in cron1 "$(at 04:04:55)" "$(at 04:04:59)") $(started_in cron1 \
    "$(at 04:05:00)" "$(at 04:05:01)")" "1 1"

# --- back by an hour over back's tick, forward over it again ------------------

snap
clock_to "$(at 03:05:57)"
check "-59 min: cron1 fires on the next minute" more cron1 1
check "... at 03:06:00" started_at cron1 "$(at 03:06:00)"
is "back waits for tomorrow's tick" "$(ctl --json status back | jq -r .next_run)" \
    "$(date -u -d "@$(at 04:05:00 1)" +%Y-%m-%dT%H:%M:%S+00:00)"
snap
clock_to "$(at 04:10:20)"
check "+64 min: cron1 runs once for the ticks jumped over" more cron1 1
check "ev2 goes on" more ev2 1
is "... once, not once a tick" "$(nruns cron1)" $(($(was cron1) + 1))
is "back's 04:05, jumped over again, does not run twice" "$(nruns back)" 1
is "fwd and far have not run" "$(nruns fwd) $(nruns far) $(nruns farcu)" "0 0 0"

# --- forward by an hour over fwd's tick ----------------------------------------

snap
clock_to "$(at 05:10:20)"
check "+1 h: fwd's 05:00 was jumped over: it runs once, at once" more fwd 1
check "ev2 goes on" more ev2 2
is "fwd ran once" "$(nruns fwd)" 1
is "... as scheduled" "$(ctl --json history fwd -n 1 | jq -r .trigger)" schedule
like "... at the step" "$(last_start fwd)" "^($(at 05:10:20)|$(at 05:10:21)|$(at 05:10:22))$"
is "far and farcu (12:00) have not run" "$(nruns far) $(nruns farcu)" "0 0"

# --- forward by a day: a correction -------------------------------------------

snap
clock_to "$(at 05:10:57 1)"
check "+1 day: farcu (catch_up) runs once for the tick jumped over" more farcu 1
check "ev2 goes on" more ev2 2
check "cron1 goes on, on the new clock's minutes" more cron1 1
check "... at 05:11:00 of day D+1, not at the step" started_at cron1 \
    "$(at 05:11:00 1)"
is "... once" "$(nruns cron1)" $(($(was cron1) + 1))
is "far, without catch_up, did not run" "$(nruns far)" 0
is "... a skipped event says why" "$(skipped_why far)" \
    "the clock was set forward over its tick by more than 3h"
is "fwd did not run either" "$(nruns fwd)" 1
is "farcu ran once" "$(nruns farcu)" 1
is "far's next tick: 12:00 of day D+1" "$(ctl --json status far | jq -r .next_run)" \
    "$(date -u -d "@$(at 12:00:00 1)" +%Y-%m-%dT%H:%M:%S+00:00)"
like "the daemon logged the steps" "$(cat "$T/daemon.log")" \
    'the wall clock was set forward by 86[34][0-9]{5} ms'
check "deactivate" ctl -y deactivate ev2 cron1 back fwd far farcu lim

done_testing
