#!/bin/sh
# t0210-metrics-rate: metrics_file is rewritten at most once a second
# while things change, and not at all while nothing does (DESIGN §8,
# issue 4: "written atomically ... when state changes, at most once a
# second").  Every change moves the run counters, so a change of the
# file's content is one write.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 7

PROM=$T/maintd.prom
write_conf <<EOC
metrics_file = "$PROM"
task quick { command = "/bin/true" }
EOC

ino() {
	cksum <"$PROM" 2>/dev/null
}

check "daemon starts" start_fg
check "metrics_file is written at start" wait_for 10 test -s "$PROM"

# Watch the content (a background sampler, every 20 ms) while a burst of
# 30 runs changes the metrics 60 times, and for 2 s after: the writes
# (each file's mtime: a write is a new file renamed into place)
# must be at least ~1 s apart.
first=$(ino)
: >"$T/changes"
(
	last=$(ino)
	while [ ! -e "$T/stop" ]; do
		now=$(ino)
		if [ "$now" != "$last" ]; then
			# when maintd wrote it (its mtime), not when the
			# sampler, slowed by the load beside it, saw it
			stat -c %.9Y "$PROM" >>"$T/changes"
			last=$now
		fi
		sleep 0.02
	done
) &
sampler=$!
EXTRA_PIDS="$EXTRA_PIDS $sampler"
i=0
while [ "$i" -lt 30 ]; do
	ctl run quick --wait >/dev/null 2>&1
	i=$((i + 1))
done
deadline=$(($(date +%s) + 3))
# shellcheck disable=SC2016
wait_for 5 sh -c '[ "$(date +%s)" -ge "$1" ]' sh "$deadline"
touch "$T/stop"
wait "$sampler"
check "the burst was written out" test "$(ino)" != "$first"
is "the runs are all in it" \
    "$(grep -c '^maintd_task_runs_total{task="quick",result="ok"} 30$' "$PROM")" 1
# shellcheck disable=SC2016
check "writes during and after the burst are at least 0.9 s apart" awk '
	{ if (NR > 1 && $1 - prev < 0.9) bad = 1; prev = $1 }
	END { exit bad }' "$T/changes"
diag "writes seen: $(wc -l <"$T/changes")"

# Idle: nothing changes, nothing is written.
before=$(ino)
check_fails "idle: no write within 2 s" wait_for 2 sh -c \
    "[ \"\$(cksum <'$PROM')\" != '$before' ]"
stop_daemon
like "after stop: maintd_up 0" "$(grep '^maintd_up ' "$PROM")" '^maintd_up 0$'
done_testing
