#!/bin/sh
# t0502-sigstop: maintd stopped with SIGSTOP for 5 s, then continued
# (issue #15).  Its runs go on without it; their ends, the ticks of
# periodic tasks every 1 s and the restarts of a service that exits all
# fall due while it is stopped, and come to it at once when it goes on.
# None of that may start a task twice: while stopped nothing is started
# at all; after SIGCONT each task has at most one run at any moment (a
# sampler counts the sessions of each task's processes all along, and the runs'
# own records of their starts and ends never overlap), the missed ticks
# are not caught up in a burst, a long-running service keeps its run,
# a periodic task with overlap = queue runs one after the other, every
# run id is unique (history and MAINTD_RUN_ID alike), and the tasks go
# on ticking.  With cgroup tracking, where the cgroup v2 hierarchy can
# be written (ends come from cgroup.events as well as from SIGCHLD), and
# with cgroup = off.
# The runs of task NN carry "96NN.<pid>" on their command lines.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PER=17
plan $((PER * 2))

TAG=$$
RUNS=$T/runs
# periodic tasks: 11..14 every 1s, 15 every 1s that runs 1.5 s with
# overlap = queue; services: 21 keeps running, 22 exits after 0.5 s
PERIODIC="11 12 13 14 15"
SERVICES="21 22"

# run.sh SECONDS MARK: a run that records its start and end
cat >"$T/run.sh" <<EOF
#!/bin/sh
echo "\$MAINTD_TASK \$MAINTD_RUN_ID start \$(date +%s.%N)" >>$RUNS
sleep "\$1"
echo "\$MAINTD_TASK \$MAINTD_RUN_ID end \$(date +%s.%N)" >>$RUNS
EOF
chmod 755 "$T/run.sh"

kill_marked() {
	for p in $(pgrep -f -- "96[0-9][0-9]\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}

SAMPLER=""
stop_sampler() {
	if [ -n "$SAMPLER" ]; then
		kill -TERM "$SAMPLER" 2>/dev/null
		wait "$SAMPLER" 2>/dev/null
		SAMPLER=""
	fi
}
trap 'stop_sampler; kill_marked; cleanup' EXIT

# sampler: every 50 ms, any task with processes in two sessions at once
# (two runs: each run is a session of its own; a run's subshells share
# its session and its mark) goes to $T/double, and whether the service
# 9621 is there to $T/samples ("TIME 1" or "TIME 0")
sampler() {
	while :; do
		ps -e -o sid= -o args= | awk -v tag="$TAG" -v t="$(date +%s.%N)" '
		    match($0, "96[0-9][0-9][.]" tag) {
			k = substr($0, RSTART, RLENGTH)
			if (!((k, $1) in seen)) { seen[k, $1] = 1; n[k]++ }
		    }
		    END {
			for (k in n) if (n[k] > 1) print t, k, n[k], "sessions" >"/dev/stderr"
			print t, ("9621." tag in n) ? 1 : 0
		    }' >>"$T/samples" 2>>"$T/double"
		sleep 0.05
	done
}

starts() {
	grep -c " start " "$RUNS" || true
}

# starts_of TASK [SINCE]: how many runs of TASK began (after SINCE)
starts_of() {
	awk -v t="$1" -v s="${2:-0}" '$1 == t && $3 == "start" && $4 > s' "$RUNS" | wc -l
}

# overlaps: runs of one task whose start comes before the end of the
# one before it (by the runs' own clocks)
overlaps() {
	sort -k4,4n "$RUNS" | awk '
	    $3 == "start" { if (open[$1] != "") print $1, "run", $2, "began while run", open[$1], "went"; open[$1] = $2 }
	    $3 == "end" { if (open[$1] == $2) open[$1] = "" }'
}

ticked_since() {
	for k in $PERIODIC; do
		[ "$(starts_of "$P$k" "$1")" -ge 1 ] || return 1
	done
}

cg_state() {
	ctl --json status "$1" | jq -r '[.state, .current.run] | tostring'
}

hf() {
	ctl --json health 2>/dev/null | head -n 1 | jq -r "$1"
}

# phase MODE: cgroup (if it can be had) or off
phase() {
	mode=$1
	P=t0502.$TAG.$mode.
	: >"$RUNS"
	chmod 666 "$RUNS"
	: >"$T/double"
	: >"$T/samples"
	{
		[ "$mode" = off ] && echo 'cgroup = off'
		for k in 11 12 13 14; do
			echo "task $P$k { every = 1s  command = { \"$T/run.sh\", \"0.3\", \"96$k.$TAG\" } }"
		done
		echo "task ${P}15 { every = 1s  overlap = queue  command = { \"$T/run.sh\", \"1.5\", \"9615.$TAG\" } }"
		echo "task ${P}21 { kind = service  command = { \"$T/run.sh\", \"1000\", \"9621.$TAG\" } }"
		echo "task ${P}22 { kind = service  restart = always  restart_limit = 0  backoff = { 1s, 1s }"
		echo "    command = { \"$T/run.sh\", \"0.5\", \"9622.$TAG\" } }"
	} | write_conf
	check "$mode: daemon starts" start_fg
	if [ "$mode" = off ]; then
		is "$mode: tracking by process groups" "$(hf .tracking)" "process groups"
	else
		is "$mode: tracking by cgroups" "$(hf .tracking)" cgroup
	fi
	sampler &
	SAMPLER=$!
	# shellcheck disable=SC2046
	check "$mode: activate 5 periodic tasks and 2 services" \
	    ctl -y activate $(for k in $PERIODIC $SERVICES; do echo "$P$k"; done)
	check "$mode: all of them ran" wait_for 30 sh -c "
	    for k in $PERIODIC $SERVICES; do
		[ \$(awk -v t=$P\$k '\$1 == t' $RUNS | wc -l) -ge 1 ] || exit 1
	    done"
	check "$mode: ${P}22 restarted once" wait_for 30 sh -c \
	    "[ \$(grep -c '^${P}22 .* start ' $RUNS) -ge 2 ]"
	svc=$(cg_state "${P}21")

	kill -STOP "$DAEMON_PID"
	stopped=$(date +%s.%N)
	sleep 1		# a run being started as it stopped has begun by now
	before=$(starts)
	sleep 4		# the fault: 5 s stopped
	during=$(starts)
	kill -CONT "$DAEMON_PID"
	cont=$(date +%s.%N)
	is "$mode: while stopped, nothing starts" "$during" "$before"
	check "$mode: after SIGCONT, it answers" wait_for 10 ctl ping
	check "$mode: the periodic tasks tick again" wait_for 20 ticked_since "$cont"
	check "$mode: ${P}22 is restarted again" wait_for 20 sh -c \
	    "[ \$(awk -v t=${P}22 -v s=$cont '\$1 == t && \$3 == \"start\" && \$4 > s' $RUNS | wc -l) -ge 1 ]"
	# the missed ticks are not caught up: in the first 1.9 s at most
	# the tick that was due and the ticks of the schedule's grid (two
	# at most: the first may come a moment after the one that was due,
	# which ran late); five missed would be a burst
	n=0
	: >"$T/burst"
	for k in 11 12 13 14; do
		c=$(awk -v t="$P$k" -v a="$cont" '$1 == t && $3 == "start" &&
		    $4 > a && $4 < a + 1.9' "$RUNS" | wc -l)
		if [ "$c" -gt 3 ]; then
			{
				echo "$P$k: $c runs in the 1.9 s after SIGCONT, at (s after it):"
				awk -v t="$P$k" -v a="$cont" '$1 == t && $4 > a - 6 {
				    printf "%s %s %+.3f\n", $2, $3, $4 - a }' "$RUNS"
			} >>"$T/burst"
			n=$((n + 1))
		fi
	done
	is "$mode: no burst of the ticks missed while stopped" "$n" 0
	[ "$n" -eq 0 ] || diag "$(cat "$T/burst")"
	is "$mode: the long-running service kept its run" "$(cg_state "${P}21")" "$svc"
	# let the restarts and ticks go on for a while after the fault
	wait_for 10 sh -c "[ \$(awk -v t=${P}22 -v s=$cont '\$1 == t && \$3 == \"start\" && \$4 > s' $RUNS | wc -l) -ge 2 ]"
	stop_sampler
	# from its first sample on, in every one (and in enough of them)
	# shellcheck disable=SC2016
	check "$mode: the sampler saw the service all along" awk '
	    $2 == 1 { seen++ } $2 == 0 && seen { gone++ }
	    END { exit !(seen >= 10 && !gone) }' "$T/samples"
	is "$mode: never two processes of one task at once" "$(cat "$T/double")" ""
	is "$mode: the runs of each task never overlap" "$(overlaps)" ""
	# (what began before history is asked: a run's row is stored before
	# its process exists)
	awk '$3 == "start" { print $2 }' "$RUNS" | sort >"$T/began"
	ctl --json history -n 10000 >"$T/h"
	is "$mode: history: every run id unique" \
	    "$(jq -r .run "$T/h" | sort | uniq -d)" ""
	is "$mode: MAINTD_RUN_ID: every run its own" \
	    "$(awk '$3 == "start" { print $2 }' "$RUNS" | sort | uniq -d)" ""
	jq -r .run "$T/h" | sort >"$T/hruns"
	is "$mode: every run that began is in history" \
	    "$(comm -23 "$T/began" "$T/hruns")" ""
	diag "$mode: $(starts) runs; stopped at $stopped, continued at $cont"
	stop_daemon
	kill_marked
}

cgroup_probe
if [ -n "$NOCG" ]; then
	diag "cgroup tracking skipped: $NOCG"
	for _ in $(seq "$PER"); do
		skip "cgroup tracking: $NOCG"
	done
else
	phase cgroup
fi
phase off

done_testing
