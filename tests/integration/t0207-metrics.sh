#!/bin/sh
# t0207-metrics: the Prometheus text exposition (DESIGN §8, maintctl(8)
# "metrics").  The output passes a format check: promtool where it is
# installed, and always helpers/promcheck.awk, a strict parser of the
# format that is itself tested here on good and bad input.  The
# documented metrics are there with the right types and values (up,
# start time, tasks, store, weights, active, running, restarts, runs by
# result, last run time, duration and success).  metrics_file: written
# at start, replaced (rename: a new inode, no temporary file left) after
# a run with the new counts, the same text as "metrics", and maintd_up 0
# once maintd has stopped.  --json gives the same series (labels and
# values) as the text: helpers/metrics_same.py compares them.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# steady: metrics without the host's load and memory, which move
steady() {
	grep -Ev '^maintd_(load1|mem_available_bytes) '
}

plan 78

TAG=$$
HELPERS=$(cd "$(dirname "$0")/helpers" && pwd)
PROM=$T/prom/maintd.prom
mkdir "$T/prom"

# promcheck FILE: the awk parser of the exposition format.
promcheck() {
	awk -f "$HELPERS/promcheck.awk" "$1" || return 1
	# the text ends with a newline
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || {
		echo "no newline at the end"
		return 1
	}
}

# good TEXT / bad TEXT: promcheck accepts / rejects TEXT (printf format).
good() {
	# shellcheck disable=SC2059 # the format is the point
	printf "$1" >"$T/sample"
	promcheck "$T/sample"
}

bad() {
	# shellcheck disable=SC2059
	printf "$1" >"$T/sample"
	! promcheck "$T/sample"
}

# m NAME: the value of the sample line NAME (with its labels, exactly).
m() {
	ctl metrics | awk -v n="$1" 'substr($0, 1, length(n) + 1) == n " " {
		print substr($0, length(n) + 2) }'
}

m_is() {
	[ "$(m "$1")" = "$2" ]
}

# f NAME: the same from metrics_file.
f() {
	awk -v n="$1" 'substr($0, 1, length(n) + 1) == n " " {
		print substr($0, length(n) + 2) }' "$PROM" 2>/dev/null
}

f_is() {
	[ "$(f "$1")" = "$2" ]
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

restarted() {
	[ "$(m "maintd_task_restarts_total{task=\"svc\"}")" -ge 1 ] 2>/dev/null
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

# --- the checker itself -----------------------------------------------------

check "promcheck: a good exposition passes" good \
    '# HELP a_total Things.\n# TYPE a_total counter\na_total{x="1",y="q\\"uote\\\\back\\nline"} 3\na_total{x="2"} 1e3 1700000000000\n# HELP b Gauge \\\\ with escapes\\n.\n# TYPE b gauge\nb -Inf\n# HELP c C.\n# TYPE c gauge\nc{} NaN\n'
check "promcheck: a histogram's _bucket, _sum, _count" good \
    '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 1\nh_sum 2\nh_count 1\n'
check "promcheck rejects: a bad metric name" bad \
    '# HELP 1a A.\n# TYPE 1a gauge\n1a 1\n'
check "promcheck rejects: a name with a dash" bad \
    '# HELP a-b A.\n# TYPE a-b gauge\na-b 1\n'
check "promcheck rejects: an unescaped quote in a label value" bad \
    '# HELP a A.\n# TYPE a gauge\na{x="q"q"} 1\n'
check "promcheck rejects: an unknown escape" bad \
    '# HELP a A.\n# TYPE a gauge\na{x="\\t"} 1\n'
check "promcheck rejects: an unquoted label value" bad \
    '# HELP a A.\n# TYPE a gauge\na{x=1} 1\n'
check "promcheck rejects: a bad label name" bad \
    '# HELP a A.\n# TYPE a gauge\na{1x="1"} 1\n'
check "promcheck rejects: a sample with no TYPE" bad '# HELP a A.\na 1\n'
check "promcheck rejects: a sample with no HELP" bad '# TYPE a gauge\na 1\n'
check "promcheck rejects: TYPE after the samples" bad \
    '# HELP a A.\na 1\n# TYPE a gauge\n'
check "promcheck rejects: an unknown type" bad \
    '# HELP a A.\n# TYPE a meter\na 1\n'
check "promcheck rejects: a counter not ending in _total" bad \
    '# HELP a A.\n# TYPE a counter\na 1\n'
check "promcheck rejects: the same series twice" bad \
    '# HELP a A.\n# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'
check "promcheck rejects: a family split by another" bad \
    '# HELP a A.\n# TYPE a gauge\na{x="1"} 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{x="2"} 1\n'
check "promcheck rejects: a bad value" bad \
    '# HELP a A.\n# TYPE a gauge\na 1,5\n'
check "promcheck rejects: two blanks before the value" bad \
    '# HELP a A.\n# TYPE a gauge\na  1\n'
check "promcheck rejects: a blank line" bad \
    '# HELP a A.\n# TYPE a gauge\n\na 1\n'
check "promcheck rejects: a trailing comma in the labels" bad \
    '# HELP a A.\n# TYPE a gauge\na{x="1",} 1\n'
check "promcheck rejects: no newline at the end" bad \
    '# HELP a A.\n# TYPE a gauge\na 1'

# --- the daemon's metrics ---------------------------------------------------

write_conf <<EOF
max_weight = 5
metrics_file = "$PROM"
task ok { command = "/bin/true" }
task bad { command = "exit 4" shell = true }
task slow { command = "exec sleep 9701.$TAG" shell = true timeout = 1s }
task heavy { command = "exec sleep 9702.$TAG" shell = true weight = 3 }
task nosuch { command = "/no/such/program" }
task hourly { every = 1h command = "/bin/true" }
task svc {
	kind = service
	command = "exit 0"
	shell = true
	restart = "always"
	restart_limit = 0
	backoff = { 1s, 1s }
}
EOF

t0=$(date +%s)
check "daemon starts" start_fg
check "metrics_file written at start" test -s "$PROM"
ctl metrics >"$T/m0"
check "metrics: the format check passes" promcheck "$T/m0"
if command -v promtool >/dev/null 2>&1; then
	check "metrics: promtool check metrics" sh -c "promtool check metrics <'$T/m0'"
else
	skip "promtool is not installed (promcheck.awk did the check)"
fi
r=$(raw metrics)
is "raw: every line a data line, then OK" \
    "$(printf '%s\n' "$r" | grep -vc '^- ')" 1
is "raw: the final line" "$(printf '%s\n' "$r" | tail -1)" OK
# (the host's load and memory move between two looks: left out)
is "raw: the payloads are what maintctl prints" \
    "$(printf '%s\n' "$r" | sed -n 's/^- //p' | steady)" "$(steady <"$T/m0")"

is "maintd_up 1" "$(m maintd_up)" 1
st=$(m maintd_start_time_seconds)
check "maintd_start_time_seconds: when it started ($st, test began $t0)" \
    test "$st" -ge "$t0" -a "$st" -le "$(date +%s)"
is "maintd_tasks 7" "$(m maintd_tasks)" 7
is "maintd_store_ok 1" "$(m maintd_store_ok)" 1
is "maintd_weight_max: max_weight" "$(m maintd_weight_max)" 5
is "maintd_weight_in_use 0 when idle" "$(m maintd_weight_in_use)" 0
for name in maintd_up maintd_start_time_seconds maintd_tasks maintd_store_ok \
    maintd_weight_in_use maintd_weight_max maintd_task_active \
    maintd_task_running maintd_task_failed \
    maintd_task_last_run_timestamp_seconds \
    maintd_task_last_duration_seconds maintd_task_last_success; do
	grep -qx "# TYPE $name gauge" "$T/m0" || echo "$name"
done >"$T/untyped"
is "the gauges are TYPE gauge" "$(cat "$T/untyped")" ""
is "the counters are TYPE counter" \
    "$(grep -c -x -e '# TYPE maintd_task_runs_total counter' \
    -e '# TYPE maintd_task_restarts_total counter' "$T/m0")" 2
is "maintd_task_active for each task" \
    "$(grep -c '^maintd_task_active{task="[a-z]*"} 0$' "$T/m0")" 7
is "maintd_task_runs_total: each task by each result, all 0" \
    "$(grep -c '^maintd_task_runs_total{task="[a-z]*",result="\(ok\|failed\|timeout\|stopped\|error\)"} 0$' "$T/m0")" 35

check "ok: run" ctl run ok --wait
ctl run bad --wait >/dev/null 2>&1
ctl run bad --wait >/dev/null 2>&1
ctl run slow --wait >/dev/null 2>&1
ctl run nosuch --wait >/dev/null 2>&1
check "heavy: run" ctl run heavy
is "heavy running: maintd_task_running 1" \
    "$(m 'maintd_task_running{task="heavy"}')" 1
is "heavy running: maintd_weight_in_use 3" "$(m maintd_weight_in_use)" 3
check "heavy: stop" ctl stop heavy
check "heavy: stopped" wait_for 10 state_is heavy idle
is "heavy stopped: maintd_weight_in_use 0" "$(m maintd_weight_in_use)" 0
ctl metrics >"$T/m1"
check "after runs: the format check passes" promcheck "$T/m1"
if command -v promtool >/dev/null 2>&1; then
	check "after runs: promtool check metrics" sh -c "promtool check metrics <'$T/m1'"
else
	skip "promtool is not installed (promcheck.awk did the check)"
fi
is "runs_total ok{ok}" "$(m 'maintd_task_runs_total{task="ok",result="ok"}')" 1
is "runs_total bad{failed}" \
    "$(m 'maintd_task_runs_total{task="bad",result="failed"}')" 2
is "runs_total slow{timeout}" \
    "$(m 'maintd_task_runs_total{task="slow",result="timeout"}')" 1
is "runs_total heavy{stopped}" \
    "$(m 'maintd_task_runs_total{task="heavy",result="stopped"}')" 1
is "runs_total nosuch{error}" \
    "$(m 'maintd_task_runs_total{task="nosuch",result="error"}')" 1
is "runs_total bad{ok} stays 0" \
    "$(m 'maintd_task_runs_total{task="bad",result="ok"}')" 0
is "last_success ok 1, bad 0" \
    "$(m 'maintd_task_last_success{task="ok"}') $(m 'maintd_task_last_success{task="bad"}')" \
    "1 0"
ts=$(m 'maintd_task_last_run_timestamp_seconds{task="ok"}')
check "last_run_timestamp_seconds: now-ish ($ts)" \
    awk -v t="$ts" -v a="$t0" -v b="$(date +%s)" 'BEGIN { exit !(t >= a && t <= b + 1) }'
d=$(m 'maintd_task_last_duration_seconds{task="slow"}')
check "last_duration_seconds: slow took its 1s timeout ($d)" \
    awk -v d="$d" 'BEGIN { exit !(d >= 1 && d < 10) }'
is "no last_* samples for a task that never ran" \
    "$(grep -c 'maintd_task_last_[a-z_]*{task="hourly"}' "$T/m1")" 0

# --json: the same series as the text, from the same samples (every
# label, every value; the host's load and memory move between looks)
ctl --json metrics >"$T/m1.json"
check "--json metrics: every series of the text, same labels and value" \
    python3 "$HELPERS/metrics_same.py" "$T/m1" "$T/m1.json" \
    maintd_load1 maintd_mem_available_bytes
is "--json: runs_total by task and result, not one series" \
    "$(jq -r 'select(.name == "maintd_task_runs_total" and
    .labels.task == "bad" and .labels.result == "failed") | .value' \
    "$T/m1.json")" 2
# (as a number: the text's 1.020 is JSON's 1.02)
jd=$(jq -r 'select(.name == "maintd_task_last_duration_seconds" and
    .labels.task == "slow") | .value' "$T/m1.json")
check "--json: a duration keeps its fraction ($jd, text $d)" \
    awk -v a="$jd" -v b="$d" 'BEGIN { exit !(a + 0 == b + 0) }'
is "--json: type and help of each sample" \
    "$(jq -r 'select(.name == "maintd_task_runs_total") | .type' \
    "$T/m1.json" | sort -u)" counter

check "activate hourly" ctl activate hourly
is "maintd_task_active hourly 1" "$(m 'maintd_task_active{task="hourly"}')" 1
check "deactivate hourly" ctl deactivate hourly
check "activate svc (restart always)" ctl activate svc
check "svc: maintd_task_restarts_total counts its restarts" wait_for 20 restarted
check "deactivate svc" ctl deactivate svc

# --- metrics_file -----------------------------------------------------------

check "metrics_file: the format check passes" promcheck "$PROM"
check "metrics_file: catches up with the runs" wait_for 10 f_is \
    'maintd_task_runs_total{task="nosuch",result="error"}' 1
ino=$(stat -c %i "$PROM")
check "ok: run again" ctl run ok --wait
check "metrics_file: updated after the run" wait_for 10 f_is \
    'maintd_task_runs_total{task="ok",result="ok"}' 2
check "metrics_file: replaced by rename (a new inode)" \
    test "$(stat -c %i "$PROM")" != "$ino"
is "metrics_file: no temporary file left" "$(ls "$T/prom")" maintd.prom
is "metrics_file: maintd_up 1" "$(f maintd_up)" 1
# at rest, the file says what the verb says
check "metrics_file: the same text as metrics" wait_for 10 sh -c \
    "'$MAINTCTL' -s '$SOCK' metrics | grep -Ev '^maintd_(load1|mem_available_bytes) ' >'$T/now'; grep -Ev '^maintd_(load1|mem_available_bytes) ' '$PROM' | cmp -s - '$T/now'"
check "metrics_file: after the run, the format check passes" promcheck "$PROM"
stop_daemon
is "after stop: maintd_up 0 in metrics_file" "$(f maintd_up)" 0
check "after stop: the format check passes" promcheck "$PROM"
is "after stop: no temporary file left" "$(ls "$T/prom")" maintd.prom

done_testing
