# cost.sh: the rows of what runs cost: roll-ups, report (run.sh: part cost).
#   cost.fold         the retention pass over a year of synthetic runs of
#                     100 hourly tasks (876 000 rows): from maintd's start
#                     to the last of the 335 days older than
#                     history_retention (30 days) folded into its roll-ups
#   cost.db           the live part of the database afterwards (its pages
#                     less the free ones): runs of 30 days, roll-ups of 335
#   cost.floor        the sqlite3 client reading the same rows once
#   cost.report.365d  maintctl report --since 365d over it (30 days of
#                     runs, 335 of roll-ups): goal <= 50 ms median
#   cost.report.tag   the same --by tag (10 tags)
#   cost.report.7d    maintctl report (the last 7 days: runs only)
# The synthetic runs, and the ledger's ticks of the last 30 days (one in
# 50 missed), are written with the sqlite3 client into the database of a
# stopped maintd (the schema its first start made).
# shellcheck shell=sh

cost() {
	if ! command -v sqlite3 >/dev/null; then
		say "no sqlite3: no cost rows"
		return 0
	fi
	say "what runs cost: a year of 100 hourly tasks, rolled up and reported"
	awk 'BEGIN { for (i = 1; i <= 100; i++)
	    printf "task c%03d { command = \"/bin/true\" tags = { \"t%d\" } " \
	    "output = discard }\n", i, i % 10 }' | mconf cost
	start_maintd cost
	stop_maintd
	_co_now=$(date +%s)
	sqlite3 "$W/cost.db" "WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL
	    SELECT n + 1 FROM h WHERE n < 365 * 24 - 1), t(k) AS (SELECT 1
	    UNION ALL SELECT k + 1 FROM t WHERE k < 100) INSERT INTO runs (task,
	    trigger, started, ended, duration, result, cpu, cpu_user,
	    cpu_system, mem_peak, io_read, io_write, source, memory_source,
	    io_source) SELECT printf('c%03d', k), 'schedule',
	    $_co_now - 365 * 86400 + n * 3600 + k,
	    $_co_now - 365 * 86400 + n * 3600 + k + (n * k) % 60 + 1,
	    (n * k) % 60 + 1, CASE WHEN (n + k) % 50 = 0 THEN 'failed' ELSE
	    'ok' END, ((n * k) % 100) / 50.0, ((n * k) % 100) / 100.0,
	    ((n * k) % 100) / 100.0, 1048576 * (1 + (n * k) % 200),
	    4096 * (n % 7), 65536 * (k % 13), 'cgroup', 'cgroup', 'cgroup'
	    FROM h, t;
	    WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM h
	    WHERE n < 30 * 24 - 1), t(k) AS (SELECT 1 UNION ALL SELECT k + 1
	    FROM t WHERE k < 100) INSERT INTO ledger (task, tick, outcome,
	    reason, recorded) SELECT printf('c%03d', k), $_co_now - 30 * 86400 +
	    n * 3600, CASE WHEN (n + k) % 50 = 1 THEN 'missed' ELSE 'ran' END,
	    CASE WHEN (n + k) % 50 = 1 THEN 'overlap' END, $_co_now FROM h, t" ||
	    die "cannot write the synthetic runs"
	_co_t0=$("$BT" now)
	start_maintd cost
	_co_cut=$(( (_co_now - 30 * 86400) / 86400 * 86400 ))
	_co_i=0
	while [ "$(sqlite3 "$W/cost.db" "SELECT count(*) FROM runs WHERE
	    ended < $_co_cut")" != 0 ] && [ "$_co_i" -lt 6000 ]; do
		sleep 0.1
		_co_i=$((_co_i + 1))
	done
	_co_t1=$("$BT" now)
	row1 cost.fold maintd "the retention pass: 335 days of 100 hourly \
tasks folded" s "$(calc 'a / 1000' a="$(ms_between "$_co_t0" "$_co_t1")")"
	row1 cost.db maintd "the database's live pages: 30 days of runs, 335 \
of roll-ups" MiB "$(sqlite3 "$W/cost.db" "SELECT printf('%.1f', \
((SELECT page_count FROM pragma_page_count) - (SELECT freelist_count FROM \
pragma_freelist_count)) * (SELECT page_size FROM pragma_page_size) / \
1048576.0)")"
	_co_n=$("$MAINTCTL" -s "$MSOCK" report --since 365d |
	    awk '$2 == 8760' | wc -l | tr -d ' ')
	[ "$_co_n" = 100 ] || say "report --since 365d: $_co_n tasks of 8760 \
runs, not 100"
	# the floor: the sqlite3 client reading the same rows once (a sum of
	# each column), as a whole process
	_co_since=$((_co_now - 365 * 86400))
	"$BT" timeit "$RS" "$(command -v sqlite3)" "$W/cost.db" "SELECT count(*), sum(d),
	    sum(r = 'ok'), sum(c), max(m), sum(i), sum(o), sum(n) FROM (SELECT
	    duration AS d, result AS r, cpu AS c, mem_peak AS m, io_read AS i,
	    io_write AS o, 1 AS n FROM runs WHERE started >= $_co_since AND ended IS
	    NOT NULL UNION ALL SELECT duration_p50, duration_p95, cpu,
	    mem_peak, io_read, io_write, runs FROM rollups WHERE day >=
	    $_co_since / 86400 * 86400); SELECT count(*) FROM ledger INDEXED BY
	    ledger_missed WHERE tick >= $_co_since AND outcome = 'missed'" \
	    >"$W/x"
	row cost.floor floor "sqlite3 reads the rows of report --since 365d \
once" ms "$W/x"
	"$BT" timeit "$RS" "$MAINTCTL" -s "$MSOCK" report --since 365d >"$W/x"
	row cost.report.365d maintd "report --since 365d: 30 days of runs and \
335 of roll-ups, 100 tasks" ms "$W/x" cost.floor "le:50" "<=50ms"
	"$BT" timeit "$RS" "$MAINTCTL" -s "$MSOCK" report --since 365d \
	    --by tag >"$W/x"
	row cost.report.tag maintd "report --since 365d --by tag (10 tags)" \
	    ms "$W/x"
	"$BT" timeit "$RS" "$MAINTCTL" -s "$MSOCK" report >"$W/x"
	row cost.report.7d maintd "report (7 days of runs, 100 tasks)" ms \
	    "$W/x"
	stop_maintd
}
