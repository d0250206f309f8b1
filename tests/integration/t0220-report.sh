#!/bin/sh
# t0220-report: maintctl report and the roll-ups (DESIGN §15, maintctl(8)
# "report", maintd.conf(5) history_retention).  Its sums match history's
# rows; ok %, p50 and p95 (nearest rank) of known durations; --by tag,
# TASK..., --since, the order by cost, errors; missed, the ledger's
# missed ticks (synthetic rows), folded into the roll-ups with the runs.  The retention pass at
# start-up folds runs that ended before the day of now - history_retention
# into one row per task and day (runs, ok, failed, p50, p95, CPU, peak
# memory, IO) and deletes them, and report reads those rows for the older
# part of a span: synthetic old runs put into a stopped daemon's database
# with sqlite3, and real runs rolled up by a later clock (maintd -X
# prune-at=@SECONDS, the test hook of HACKING) give the same report as
# before they were folded.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 37

command -v sqlite3 >/dev/null 2>&1 || skip_rest "no sqlite3"
DB=$T/maintd.db
NOW=$(date +%s)
YNOON=$((NOW / 86400 * 86400 - 43200))	# yesterday, noon UTC

write_conf <<EOF
task a { command = "/bin/true" tags = { "db", "nightly" } }
task b { command = "head -c 3000000 /dev/zero | gzip -1 >/dev/null" shell = true tags = { "db" } }
task c { command = "exit 1" shell = true }
EOF

q() {
	sqlite3 "$DB" "$1"
}

# r ARGS FILTER: report --json rows through jq -s FILTER
r() {
	filter=$1
	shift
	ctl --json report "$@" | jq -sc "$filter"
}

# hsums TASK: history's runs, ok, cpu, highest peak memory, bytes
# written of TASK
hsums() {
	ctl --json history "$1" -n 100000 | jq -sc \
	    '[.[] | select(.ended != null)] | [length,
	    (map(select(.result == "ok")) | length),
	    (map(.cpu_s // 0) | add * 1000 | round),
	    (map(.memory_peak_bytes // 0) | max),
	    (map(.io_write_bytes // 0) | add)]'
}

rsums() {
	r "map(select(.task == \"$1\")) | .[0] | [.runs, .ok,
	    (.cpu_s * 1000 | round), .memory_peak_bytes, .io_write_bytes]" \
	    "$@"
}

check "daemon starts" start_fg
for _ in 1 2 3; do
	ctl run a --wait >/dev/null 2>&1
	ctl run b --wait >/dev/null 2>&1
done
ctl run c --wait >/dev/null 2>&1
# same_sums TASK: report and history agree (CPU to the ms each row is
# rounded to in history)
same_sums() {
	h=$(hsums "$1")
	rs=$(rsums "$1")
	echo "history $h, report $rs"
	jq -en --argjson h "$h" --argjson r "$rs" '$h[0] == $r[0] and
	    $h[1] == $r[1] and ($h[2] - $r[2]) * ($h[2] - $r[2]) <= $h[0] * $h[0]
	    and $h[3] == $r[3] and $h[4] == $r[4]' >/dev/null
}
check "report a: runs, ok, CPU, peak memory, written as history sums them" \
    same_sums a
check "report b: the same" same_sums b
is "report c: 1 run, none ok, ok_pct 0" \
    "$(r 'map(select(.task == "c")) | .[0] | [.runs, .ok, .ok_pct]')" '[1,0,0]'
is "sorted by CPU, the costliest first" \
    "$(r '[.[].cpu_s] == ([.[].cpu_s] | sort | reverse)')" true
is "TASK...: only those" "$(r '[.[].task] | sort' b c b)" '["b","c"]'
is "--by tag: db is a and b" "$(r 'map(select(.tag == "db")) | .[0].runs' \
    --by tag)" 6
is "--by tag: a task without tags is under null" \
    "$(r 'map(select(.tag == null)) | .[0].runs' --by tag)" 1
is "--by tag: nightly" "$(r 'map(select(.tag == "nightly")) | .[0].runs' \
    --by tag)" 3
ctl report >"$T/table"
is "table: header" "$(head -1 "$T/table" | tr -s ' ')" \
    "TASK RUNS OK% P50 P95 CPU PEAK MEM WRITTEN MISSED"
like "table: the row of c" "$(grep '^c ' "$T/table")" \
    '^c +1 +0\.0 +[0-9.]+s +[0-9.]+s +[0-9.]+s +[0-9.]+[BKMG] +[-0-9.BKMG]+ +0 *$'
check_fails "--by something else: refused" ctl report --by day
check_fails "an unknown task: refused" ctl report nosuch
check_fails "--since that is not a time: refused" ctl report --since soon
is "--since now: nothing" "$(ctl --json report --since now | wc -l | tr -d ' ')" 0

# --- synthetic runs: percentiles, old runs rolled up ------------------------

stop_daemon
# 20 runs of x yesterday, durations 1..20 s, 2 failed; 3 days of 20 runs
# 45 days ago (over history_retention, 30 days by default) each.
q "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i
    WHERE n < 20) INSERT INTO runs (task, trigger, started, ended,
    duration, result, cpu, mem_peak, io_read, io_write) SELECT 'x',
    'schedule', $YNOON + n, $YNOON + n + n, n, CASE WHEN n IN
    (3, 7) THEN 'failed' ELSE 'ok' END, n / 10.0, n * 1048576, n, 1000 * n
    FROM i;
    WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i
    WHERE n < 59) INSERT INTO runs (task, trigger, started, ended,
    duration, result, cpu, mem_peak, io_read, io_write) SELECT 'old',
    'schedule', s, s + d, d, CASE WHEN n % 20 = 0 THEN 'timeout' ELSE
    'ok' END, 0.5, (n + 1) * 1048576, 0, 100 FROM (SELECT n, (($NOW - 45 *
    86400) / 86400 - n / 20) * 86400 + 3600 + n * 60 AS s, n % 20 + 1
    AS d FROM i);"
# the ledger's missed ticks: 4 of x yesterday; of old 45 days ago, 3 on
# its first day of runs and 2 five days before it, a day without runs
OLD0=$(((NOW - 45 * 86400) / 86400 * 86400))
q "INSERT INTO ledger (task, tick, outcome, reason, recorded) VALUES
    ('x', $YNOON + 100, 'missed', 'overlap', $YNOON),
    ('x', $YNOON + 101, 'missed', 'budget', $YNOON),
    ('x', $YNOON + 102, 'missed', 'daemon-down', $YNOON),
    ('x', $YNOON + 103, 'missed', 'guard', $YNOON),
    ('x', $YNOON + 104, 'ran', NULL, $YNOON),
    ('old', $OLD0 + 7200, 'missed', 'halted', $OLD0),
    ('old', $OLD0 + 7260, 'missed', 'halted', $OLD0),
    ('old', $OLD0 + 7320, 'missed', 'budget', $OLD0),
    ('old', $OLD0 + 7380, 'ran', NULL, $OLD0),
    ('old', $OLD0 - 5 * 86400, 'missed', 'daemon-down', $OLD0),
    ('old', $OLD0 - 5 * 86400 + 60, 'missed', 'daemon-down', $OLD0);"
check "daemon starts" start_fg
# the pass folds a day a turn of the loop: until no run is left before
# the cut (30 days ago: the days of 'old')
no_old() {
	[ "$(q "SELECT count(*) FROM runs WHERE ended < $NOW - 31 * 86400")" = 0 ]
}
wait_for 10 no_old
is "x: ok 90 %, p50 10 s, p95 19 s (nearest rank), CPU 21 s" \
    "$(r 'map(select(.task == "x")) | .[0] | [.runs, .ok_pct,
    .duration_p50_s, .duration_p95_s, .cpu_s, .memory_peak_bytes,
    .io_write_bytes]')" '[20,90,10,19,21,20971520,210000]'
is "old runs are gone from the runs" "$(q "SELECT count(*) FROM runs WHERE
    task = 'old'")" 0
is "... folded into a row per day" "$(q "SELECT count(*) || ' ' ||
    sum(runs) || ' ' || sum(ok) || ' ' || sum(failed) FROM rollups WHERE
    task = 'old' AND runs > 0")" "3 60 57 3"
is "old's missed ticks counted in the roll-ups: 2 in a row of their own, 3 with the runs" \
    "$(q "SELECT group_concat(runs || '/' || missed, ' ') FROM (SELECT * FROM
    rollups WHERE task = 'old' AND missed > 0 ORDER BY day)")" "0/2 20/3"
is "... and gone from the ledger" \
    "$(q "SELECT count(*) FROM ledger WHERE task = 'old'")" 0
is "missed: x's 4 missed ticks in the ledger (not the one that ran); a's none" \
    "$(r 'map(select(.task == "x" or .task == "a")) | sort_by(.task) |
    map(.missed)')" '[0,4]'
is "missed: old's 5 from the roll-ups" \
    "$(r 'map(select(.task == "old")) | .[0].missed' --since 60d)" 5
is "... each with p50 10, p95 19, CPU 10, its peak memory, IO" \
    "$(q "SELECT group_concat(duration_p50 || '/' || duration_p95 || '/' ||
    cpu || '/' || mem_peak || '/' || io_write, ' ') FROM (SELECT * FROM
    rollups WHERE task = 'old' AND runs > 0 ORDER BY day)")" \
    "10.0/19.0/10.0/62914560/2000 10.0/19.0/10.0/41943040/2000 10.0/19.0/10.0/20971520/2000"
is "report --since 60d reads the roll-ups" \
    "$(r 'map(select(.task == "old")) | .[0] | [.runs, .ok, .duration_p50_s,
    .duration_p95_s, .cpu_s, .memory_peak_bytes, .io_write_bytes]' \
    --since 60d)" '[60,57,10,19,30,62914560,6000]'
is "report --since 7d does not" \
    "$(r 'map(select(.task == "old")) | length')" 0

# --- real runs rolled up by a later clock (the test hook) --------------------

before=$(r 'map(select(.task == "a" or .task == "b")) | sort_by(.task) |
    map([.task, .runs, .ok, .cpu_s, .memory_peak_bytes, .io_write_bytes])' \
    --since 1d)
diag "before the fold: $before"
stop_daemon
check_fails "-X with something else: refused" "$MAINTD" -f -c "$CONF" -X now=1
check "daemon starts with its retention clock 31 days ahead" start_fg \
    -X "prune-at=@$((NOW + 31 * 86400))"
none_left() {
	[ "$(q "SELECT count(*) FROM runs")" = 0 ]
}
wait_for 10 none_left
is "the runs of a, b and c are rolled up" "$(q "SELECT count(*) FROM runs
    WHERE task IN ('a', 'b', 'c')") $(q "SELECT sum(runs) FROM rollups WHERE
    task IN ('a', 'b', 'c')")" "0 7"
is "... and x's (31 days ahead, all of today's runs are old)" \
    "$(q "SELECT count(*) FROM runs WHERE task = 'x'")" 0
is "report over the span: the same runs, CPU, memory, bytes written" \
    "$(r 'map(select(.task == "a" or .task == "b")) | sort_by(.task) |
    map([.task, .runs, .ok, .cpu_s, .memory_peak_bytes, .io_write_bytes])' \
    --since 1d)" "$before"
is "report of x from its roll-up: ok 90 %, p50 10, p95 19, missed 4" \
    "$(r 'map(select(.task == "x")) | .[0] | [.runs, .ok_pct,
    .duration_p50_s, .duration_p95_s, .missed]' --since 2d)" \
    '[20,90,10,19,4]'
is "... its missed ticks merged into its day's row of runs, out of the ledger" \
    "$(q "SELECT group_concat(runs || '/' || missed) FROM rollups WHERE
    task = 'x'") $(q "SELECT count(*) FROM ledger WHERE task = 'x'")" "20/4 0"
ctl run a --wait >/dev/null 2>&1
is "a new run and the roll-ups together" \
    "$(r 'map(select(.task == "a")) | .[0].runs' --since 2d)" 4
is "--by tag over runs and roll-ups" \
    "$(r 'map(select(.tag == "db")) | .[0].runs' --by tag --since 2d)" 7
stop_daemon
check "the pass again" start_fg -X "prune-at=@$((NOW + 31 * 86400))"
wait_for 10 none_left
is "... the new run of a is merged into its day's row" \
    "$(q "SELECT count(*) || ' ' || sum(runs) FROM rollups WHERE task = 'a'")
$(q "SELECT sum(runs) FROM rollups")" "1 4
88"

done_testing
