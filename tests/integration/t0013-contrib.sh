#!/bin/sh
# t0013-contrib: the examples of contrib/.  Each script of contrib/tasks
# with MAINTD_DRY_RUN=1 says what it would do and changes nothing (the
# fixture's names and checksums are the same after), and for real does it
# (old files gone, new ones kept; logs compressed and removed by age; the
# database vacuumed, freelist 0, rows kept); usage errors exit 2 with a
# message, refused targets (/, empty) too, failures 1; disk-space-check
# exits 1 above -t 0 and 0 below -t 100, 3 when it cannot check.  Then a
# daemon runs them as tasks: run --dry-run --wait exits 0 and says
# "would", changing nothing, run --wait does the work, a refused target
# fails the run with the reason on stderr (logs --stream stderr) without
# degrading the daemon, disk-space-check serves as a health probe;
# contrib/tasks/tasks.conf passes maintd -n, alone and as a drop-in.  The
# line of contrib/cron/maintd-health is silent when healthy and logs by
# exit status (degraded, not reachable).  contrib/tmux-monitor -d opens a
# session on a private tmux server whose panes show the tasks, events and
# the daemon's messages.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 113

C=$(cd "$(dirname "$0")/../../contrib" && pwd -P)
TK=$C/tasks

# age DAYS FILE...: make FILEs DAYS days (and an hour) old
age() {
	s=$(($(date +%s) - $1 * 86400 - 3600))
	shift
	t=$(date -d "@$s" +%Y%m%d%H%M.%S 2>/dev/null || date -r "$s" +%Y%m%d%H%M.%S)
	touch -t "$t" "$@"
}

# snap DIR: every name under DIR, and the checksum of every file
snap() {
	(cd "$1" && find . -print | sort && find . -type f -exec cksum {} + | sort)
}

# same DIR: DIR is as $T/before says (snap)
same() {
	snap "$1" >"$T/after"
	diff -u "$T/before" "$T/after"
}

# files DIR: the files under DIR, on one line
files() {
	(cd "$1" && find . -type f -print | sort | tr '\n' ' ')
}

# sh_rc SCRIPT ARGS...: run a contrib script, output in $T/o (stdout) and
# $T/e (stderr), its exit status in $rc
sh_rc() {
	"$@" >"$T/o" 2>"$T/e"
	rc=$?
}

# flat FILE: $rc and the lines of FILE on one line, for like
flat() {
	printf '%s ' "$rc"
	tr '\n' ' ' <"$1"
}

nlines() {
	grep -c -- "$1" "$2"
}

# --- cleanup-old-files -------------------------------------------------------

mk_clean() {
	rm -rf "$1"
	mkdir -p "$1/sub"
	for f in old1 "old 2" sub/old3.tmp new sub/new.tmp; do
		echo "$f" >"$1/$f"
	done
	age 10 "$1/old1" "$1/old 2" "$1/sub/old3.tmp"
	ln -s /etc/passwd "$1/old-link"
}
D=$T/clean
mk_clean "$D"
snap "$D" >"$T/before"
sh_rc env MAINTD_DRY_RUN=1 "$TK/cleanup-old-files" -d 7 "$D"
is "cleanup-old-files, dry run: exit 0" "$rc" 0
is "... would remove the three old files" "$(nlines '^would remove ' "$T/o")" 3
like "... names them" "$(cat "$T/o")" "^would remove $D/sub/old3.tmp$"
check "... and changes nothing" same "$D"
sh_rc env MAINTD_DRY_RUN=1 "$TK/cleanup-old-files" "$D" -p '*.tmp' -d 7
is "-p PATTERN after DIR: only the matching old file" \
    "$(sed -n 's/^would remove //p' "$T/o")" "$D/sub/old3.tmp"
sh_rc "$TK/cleanup-old-files" -d 7 "$D"
is "for real: exit 0" "$rc" 0
is "... the old files are gone, the new ones and the link stay" \
    "$(files "$D") $(cd "$D" && find . -type l)" "./new ./sub/new.tmp  ./old-link"
like "... says what it removed" "$(cat "$T/o")" "^removed $D/old 2$"
is "... nothing on stderr" "$(cat "$T/e")" ""
sh_rc "$TK/cleanup-old-files" -d 7 "$D"
like "again: nothing left to remove, exit 0" "$(flat "$T/o")" "^0 .*removed 0 files"

sh_rc "$TK/cleanup-old-files" /
is "DIR /: exit 2" "$rc" 2
like "... refused, on stderr" "$(cat "$T/e")" 'refusing to clean / '
ln -s / "$T/rootlink"
sh_rc "$TK/cleanup-old-files" "$T/rootlink"
like "a link to /: refused too" "$(flat "$T/e")" '^2 .*refusing to clean /'
sh_rc "$TK/cleanup-old-files" ""
like "an empty DIR: exit 2, refused" "$(flat "$T/e")" '^2 .*empty DIR: refusing'
sh_rc env CLEANUP_DIR= "$TK/cleanup-old-files"
like "no DIR at all: exit 2" "$(flat "$T/e")" '^2 .*no directory given'
sh_rc "$TK/cleanup-old-files" -d soon "$D"
like "a bad -d: exit 2 with a usage line" "$(flat "$T/e")" "^2 .*'soon' is not a number.*usage: cleanup-old-files"
sh_rc "$TK/cleanup-old-files" -x "$D"
like "an unknown option: exit 2" "$(flat "$T/e")" '^2 .*unknown option -x'
sh_rc "$TK/cleanup-old-files" "$D" "$T"
is "two directories: exit 2" "$rc" 2
sh_rc "$TK/cleanup-old-files" "$T/nowhere"
like "a missing DIR: exit 1" "$(flat "$T/e")" '^1 .*no such directory'
mkdir "$T/ro" && echo x >"$T/ro/old" && age 10 "$T/ro/old" && chmod 555 "$T/ro"
if is_root; then
	as_nobody "$TK/cleanup-old-files" -d 1 "$T/ro" >"$T/o" 2>"$T/e"
	rc=$?
else
	sh_rc "$TK/cleanup-old-files" -d 1 "$T/ro"
fi
like "a file it cannot remove: exit 1, said on stderr" "$(flat "$T/e")" \
    '^1 .*could not remove 1 files'
check "... and the file is still there" test -f "$T/ro/old"
chmod 755 "$T/ro"

# --- log-cleanup -------------------------------------------------------------

mk_logs() {
	rm -rf "$1"
	mkdir -p "$1/sub"
	for f in app.log app.log.1 sub/b.log.2 app.log.5 notes.txt; do
		echo "$f" >"$1/$f"
	done
	echo app.log.4 | gzip >"$1/app.log.4.gz"
	age 10 "$1/app.log.1" "$1/sub/b.log.2"
	age 40 "$1/app.log.5" "$1/app.log.4.gz" "$1/notes.txt"
}
L=$T/logs
mk_logs "$L"
snap "$L" >"$T/before"
sh_rc env MAINTD_DRY_RUN=1 "$TK/log-cleanup" -c 7 -d 30 "$L"
is "log-cleanup, dry run: exit 0" "$rc" 0
is "... would remove the two logs older than 30 days" \
    "$(sed -n "s|^would remove $L/||p" "$T/o" | sort | tr '\n' ' ')" "app.log.4.gz app.log.5 "
is "... would compress the two older than 7" \
    "$(sed -n "s|^would compress $L/||p" "$T/o" | sort | tr '\n' ' ')" "app.log.1 sub/b.log.2 "
check "... and changes nothing" same "$L"
sh_rc "$TK/log-cleanup" -c 7 -d 30 "$L"
is "for real: exit 0" "$rc" 0
is "... compressed, removed, the live log and other files kept" "$(files "$L")" \
    "./app.log ./app.log.1.gz ./notes.txt ./sub/b.log.2.gz "
is "... the compressed log holds the log" "$(gzip -dc "$L/app.log.1.gz")" app.log.1
check "... and keeps its age (gzip keeps the time): not compressed again, not removed" \
    sh -c "'$TK/log-cleanup' -c 7 -d 30 '$L' | grep -q 'removed 0 files' && test -f '$L/app.log.1.gz'"
sh_rc env LOG_COMPRESS_DAYS=0 LOG_DELETE_DAYS=5 "$TK/log-cleanup" "$L"
is "from the environment, -c 0: only removal" "$rc $(files "$L")" "0 ./app.log ./notes.txt "
mk_logs "$L"
echo in-the-way >"$L/app.log.1.gz"
sh_rc "$TK/log-cleanup" -c 7 -d 30 "$L"
like "a log it cannot compress (FILE.gz exists): exit 1, said on stderr" \
    "$(flat "$T/e")" '^1 .*could not compress 1 files'
is "... the other one is compressed all the same" "$(gzip -dc "$L/sub/b.log.2.gz")" sub/b.log.2
sh_rc "$TK/log-cleanup" -c 10 -d 5 "$L"
like "-d not above -c: exit 2" "$(flat "$T/e")" '^2 .*must be larger than -c 10'
sh_rc "$TK/log-cleanup" -c 0 -d 0 "$L"
like "-c 0 -d 0: exit 2" "$(flat "$T/e")" '^2 .*nothing to do'
sh_rc "$TK/log-cleanup" /var
like "a system directory: exit 2, refused" "$(flat "$T/e")" '^2 .*refusing to clean a system directory'
sh_rc "$TK/log-cleanup" relative/logs
like "a relative DIR: exit 2, refused" "$(flat "$T/e")" '^2 .*not an absolute path'

# --- sqlite-vacuum -------------------------------------------------------------

# mk_db FILE: 2000 rows of 1000 bytes, all but 200 deleted: free pages
mk_db() {
	rm -f "$1"
	sqlite3 "$1" 'CREATE TABLE t(x);
	    INSERT INTO t SELECT randomblob(1000) FROM generate_series(1, 2000);
	    DELETE FROM t WHERE rowid > 200;'
}
freelist() {
	sqlite3 -readonly "$1" 'PRAGMA freelist_count;'
}
if command -v sqlite3 >/dev/null 2>&1; then
	mkdir "$T/db"
	DB=$T/db/app.db
	mk_db "$DB"
	free0=$(freelist "$DB")
	check "the fixture has free pages" test "$free0" -gt 100
	sum=$(cksum <"$DB")
	sh_rc env MAINTD_DRY_RUN=1 "$TK/sqlite-vacuum" -i "$DB"
	is "sqlite-vacuum, dry run: exit 0" "$rc" 0
	like "... reports the size and free pages" "$(cat "$T/o")" \
	    "^$DB: [0-9]+ bytes, [0-9]+ pages of [0-9]+ bytes, $free0 free"
	like "... runs integrity_check (read-only)" "$(cat "$T/o")" 'integrity_check ok'
	like "... would vacuum" "$(cat "$T/o")" "^would vacuum $DB: "
	is "... and the database is the same, byte for byte" "$(cksum <"$DB")" "$sum"
	is "... with no journal left" "$(ls "$T/db")" app.db
	size0=$(wc -c <"$DB")
	sh_rc "$TK/sqlite-vacuum" -i "$DB"
	is "for real: exit 0" "$rc" 0
	is "... freelist 0 after" "$(freelist "$DB")" 0
	check "... the file is smaller" test "$(wc -c <"$DB")" -lt "$size0"
	is "... the rows are all there" "$(sqlite3 -readonly "$DB" 'SELECT count(*) FROM t')" 200
	like "... says so" "$(cat "$T/o")" "^vacuumed $DB: $size0 -> [0-9]+ bytes, 0 free pages"
	sh_rc "$TK/sqlite-vacuum" "$T/db/none.db"
	like "a missing database: exit 1" "$(flat "$T/e")" '^1 .*no such file \(not creating it\)'
	check "... and it is not created" test ! -e "$T/db/none.db"
	echo "not a database" >"$T/db/bad.db"
	sh_rc "$TK/sqlite-vacuum" "$T/db/bad.db"
	like "not a database: exit 1" "$(flat "$T/e")" '^1 .*cannot read it as an SQLite database'
	sh_rc "$TK/sqlite-vacuum"
	like "no database: exit 2" "$(flat "$T/e")" '^2 .*no database given'
	sh_rc "$TK/sqlite-vacuum" -z "$DB"
	is "an unknown option: exit 2" "$rc" 2
else
	for _ in $(seq 17); do
		skip "no sqlite3"
	done
fi

# --- disk-space-check ------------------------------------------------------------

sh_rc "$TK/disk-space-check" -t 0 "$T"
is "disk-space-check -t 0: exit 1 (above)" "$rc" 1
like "... says which, on stderr, last" "$(tail -n 1 "$T/e")" "1 of 1 above 0%: $T \([0-9]+%\)"
sh_rc "$TK/disk-space-check" -t 100 "$T" /
is "-t 100: exit 0" "$rc" 0
like "... ok for each path, on stdout" "$(cat "$T/o")" "^ok /: [0-9]+% used of .* \(threshold 100%\)"
sh_rc env MAINTD_DRY_RUN=1 "$TK/disk-space-check" -t 0 "$T"
is "a dry run checks as usual: still exit 1 above -t 0" "$rc" 1
sh_rc env DISK_THRESHOLD=100 "$TK/disk-space-check" "$T"
is "DISK_THRESHOLD=100: exit 0" "$rc" 0
sh_rc "$TK/disk-space-check" -t 100 "$T/nowhere"
like "a path that does not exist: exit 3" "$(flat "$T/e")" '^3 .*no such file or directory'
sh_rc "$TK/disk-space-check" -t 101
like "-t 101: exit 2" "$(flat "$T/e")" '^2 .*above 100'
sh_rc "$TK/disk-space-check" -t half
is "-t half: exit 2" "$rc" 2

# --- tasks.conf --------------------------------------------------------------------

check "tasks.conf passes maintd -n on its own" "$MAINTD" -n -c "$TK/tasks.conf"
printf '%s\ndiscover = { "%s" }\n' "$TASK_USER" "$TK/tasks.conf" >"$T/dropin.conf"
like "... and as a drop-in of discover" "$("$MAINTD" -n -c "$T/dropin.conf" 2>&1)" \
    'configuration OK \(4 tasks, 1 preset, 1 window, 1 file discovered\)'
check "systemd/app-db-vacuum.maintd.conf passes maintd -n" \
    "$MAINTD" -n -c "$C/systemd/app-db-vacuum.maintd.conf"

# --- the scripts as tasks of a daemon ----------------------------------------------

E=$T/e2e
mkdir -p "$E"
mk_clean "$E/clean"
mk_logs "$E/logs"
mkdir "$E/db"
have_sqlite=false
if command -v sqlite3 >/dev/null 2>&1; then
	have_sqlite=true
	mk_db "$E/db/app.db"
fi
if is_root; then
	chown -R nobody "$E"
fi
write_conf <<EOF
task e-clean {
	command = { "$TK/cleanup-old-files", "-d", "7", "$E/clean" }
	dry_run = true  timeout = 1m  nice = 10  limits { cpu = 30s  core = 0 }
}
task e-logs {
	command = { "$TK/log-cleanup", "-c", "7", "-d", "30", "$E/logs" }
	dry_run = true  timeout = 1m
}
task e-vacuum {
	command = { "$TK/sqlite-vacuum", "-i", "$E/db/app.db" }
	dry_run = true  timeout = 1m
}
task e-refused {
	command = { "$TK/cleanup-old-files", "/" }
	dry_run = true  timeout = 1m
}
task e-disk {
	command = { "$TK/disk-space-check", "-t", "100", "$E" }
	every = 1h  weight = 0  dry_run = true
	health { command = { "$TK/disk-space-check", "-t", "100", "$E" }  interval = 1s }
}
task e-full {
	command = "/bin/true"
	health { command = { "$TK/disk-space-check", "-t", "0", "$E" }  interval = 1s  failures = 1 }
}
EOF
check "daemon starts" start_fg

snap "$E/clean" >"$T/before"
ctl run e-clean --dry-run --wait >"$T/o" 2>&1
is "run e-clean --dry-run --wait: exit 0" "$?" 0
like "... its output says what it would remove" "$(cat "$T/o")" "^would remove $E/clean/old1$"
check "... and the fixture is unchanged" same "$E/clean"
is "... recorded as a dry run" "$(ctl --json history e-clean | jq -r .dry_run)" true
ctl run e-clean --wait >"$T/o" 2>&1
is "run e-clean --wait: exit 0" "$?" 0
is "... the old files are gone, the new ones stay" "$(files "$E/clean")" "./new ./sub/new.tmp "
like "... logs --stream stdout: what it removed" \
    "$(ctl logs e-clean --stream stdout)" "\] removed $E/clean/sub/old3.tmp$"
is "... logs --stream stderr: nothing" "$(ctl --json logs e-clean --stream stderr | wc -l | tr -d ' ')" 0

snap "$E/logs" >"$T/before"
ctl run e-logs --dry-run --wait >"$T/o" 2>&1; rc=$?
like "run e-logs --dry-run --wait: exit 0, would compress" "$(flat "$T/o")" \
    "^0 .*would compress $E/logs/app.log.1"
check "... and the logs are unchanged" same "$E/logs"
check "run e-logs --wait" ctl run e-logs --wait
is "... compressed and removed" "$(files "$E/logs")" \
    "./app.log ./app.log.1.gz ./notes.txt ./sub/b.log.2.gz "

if $have_sqlite; then
	sum=$(cksum <"$E/db/app.db")
	ctl run e-vacuum --dry-run --wait >"$T/o" 2>&1; rc=$?
	like "run e-vacuum --dry-run --wait: exit 0, would vacuum" "$(flat "$T/o")" \
	    "^0 .*would vacuum $E/db/app.db"
	is "... the database is unchanged" "$(cksum <"$E/db/app.db")" "$sum"
	check "run e-vacuum --wait" ctl run e-vacuum --wait
	is "... freelist 0" "$(freelist "$E/db/app.db")" 0
else
	for _ in 1 2 3 4; do
		skip "no sqlite3"
	done
fi

ctl run e-refused --wait >"$T/o" 2>&1; rc=$?
like "a refused target fails the run: exit 1, ERR failed exit 2" "$(flat "$T/o")" \
    '^1 .*failed: exit 2 after'
like "... the reason is on the task's stderr" "$(ctl logs e-refused --stream stderr)" \
    'stderr\] cleanup-old-files: /: refusing to clean /'
check_fails "... the task is degraded" ctl -q health e-refused
check "... the daemon is not" ctl -q health
check "run e-disk --wait (-t 100)" ctl run e-disk --wait

probe() {
	[ "$(ctl --json health "$1" | jq -r .probe.status)" = "$2" ]
}
check "activate e-disk" ctl activate e-disk
check "... its disk-space-check probe (-t 100): healthy" wait_for 20 probe e-disk healthy
check "deactivate e-disk" ctl deactivate e-disk

# --- the cron line ----------------------------------------------------------------

mkdir "$T/bin"
ln -s "$MAINTCTL" "$T/bin/maintctl"
cat >"$T/bin/logger" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$T/logger.out"
EOF
chmod 755 "$T/bin/logger"
grep -v -e '^#' -e '^[A-Z_]*=' -e '^[[:space:]]*$' "$C/cron/maintd-health" >"$T/cronlines"
is "cron: one active line" "$(wc -l <"$T/cronlines" | tr -d ' ')" 1
CRONCMD=$(sed -E 's/^([^[:space:]]+[[:space:]]+){6}//' "$T/cronlines")
is "... no % in it (cron would make it a newline)" "$(printf '%s' "$CRONCMD" | tr -cd %)" ""
cron_run() {
	: >"$T/logger.out"
	env PATH="$T/bin:$PATH" MAINTD_SOCKET="$1" sh -c "$CRONCMD" >"$T/o" 2>&1
	rc=$?
}
cron_run "$SOCK"
is "... healthy: it succeeds" "$rc" 0
is "... and logs nothing" "$(cat "$T/logger.out")" ""
check "activate e-full (a disk-space-check -t 0 probe)" ctl activate e-full
check "... the daemon becomes degraded" wait_for 20 sh -c "! $MAINTCTL -s $SOCK -q health"
cron_run "$SOCK"
like "... cron logs it as a warning, with the reason" "$(cat "$T/logger.out")" \
    '^-t maintd-health -p daemon.warning maintd degraded: maintctl: degraded: 1 unhealthy task'
check "deactivate e-full" ctl deactivate e-full
check "... healthy again" wait_for 20 ctl -q health
cron_run "$T/nowhere.sock"
like "not reachable: logged as an error" "$(cat "$T/logger.out")" \
    '^-t maintd-health -p daemon.err maintd not reachable: maintctl: cannot reach maintd'

# --- tmux-monitor ------------------------------------------------------------------

if command -v tmux >/dev/null 2>&1 && tmux -V | grep -Eq 'tmux (3\.[2-9]|[4-9])'; then
	# A private server in the foreground (-D), a child of this shell, so
	# that it can be waited for: nothing is left to an init that may not
	# reap.
	TS="maintd-t0013-$$"
	tmux -L "$TS" -f /dev/null -D >/dev/null 2>&1 </dev/null &
	TMUX_PID=$!
	pids_before=$EXTRA_PIDS
	EXTRA_PIDS="$EXTRA_PIDS $TMUX_PID"
	trap 'tmux -L "$TS" kill-server 2>/dev/null; cleanup' EXIT
	wait_for 10 tmux -L "$TS" show-options -g
	monitor() {
		env -u TMUX MAINTCTL="$MAINTCTL" "$C/tmux-monitor" -d -L "$TS" "$@" \
		    >"$T/o" 2>&1
		rc=$?
	}
	monitor -s "$SOCK" -S mon
	like "tmux-monitor -d: exit 0, session created" "$(flat "$T/o")" '^0 .*session mon created'
	tpane() {
		tmux -L "$TS" list-panes -t mon: -F '#{pane_title} #{pane_id}' |
		    awk -v t="$1" '$1 == t { print $2 }'
	}
	is "... three panes: top, events, log" \
	    "$(tmux -L "$TS" list-panes -t mon: -F '#{pane_title}' | sort | tr '\n' ' ')" \
	    "events log top "
	check "... top, the active pane, shows the tasks" wait_for 20 sh -c \
	    "tmux -L $TS capture-pane -p -t mon: | grep -q '^e-clean '"
	ctl activate e-disk >/dev/null
	check "... the events pane shows an activation" wait_for 20 sh -c \
	    "tmux -L $TS capture-pane -p -t $(tpane events) | grep -q 'e-disk  activated  by .* (uid [0-9]*)'"
	check "... the log pane the daemon's message" wait_for 20 sh -c \
	    "tmux -L $TS capture-pane -p -t $(tpane log) | grep -q 'e-disk: activated by .* (uid [0-9]*)'"
	ctl deactivate e-disk >/dev/null
	top=$(tpane top)
	tmux -L "$TS" send-keys -t "$top" q
	check "... q in top: its pane stays, dead" wait_for 20 sh -c \
	    "[ \"\$(tmux -L $TS display-message -p -t $top '#{pane_dead}')\" = 1 ]"
	monitor -s "$SOCK" -S mon
	like "... run again: exit 0, the session is there, the dead pane started again" \
	    "$(flat "$T/o")" "^0 .*session mon is there already .*pane $top started again"
	check "... top shows the tasks again" wait_for 20 sh -c \
	    "tmux -L $TS capture-pane -p -t $top | grep -q '^e-clean '"
	monitor -s "$T/nowhere.sock" -S other
	like "... against no daemon: exit 1" "$(flat "$T/o")" '^1 .*maintd does not answer'
	check_fails "... and no session" tmux -L "$TS" has-session -t =other
	monitor -x
	is "... a bad option: exit 2" "$rc" 2
	# close the panes, let the server reap them, then stop it
	pids=$(tmux -L "$TS" list-panes -s -t mon -F '#{pane_pid}' | tr '\n' ' ')
	tmux -L "$TS" kill-session -t mon
	panes_gone() {
		for p in $pids; do
			ps -p "$p" >/dev/null 2>&1 && return 1
		done
		return 0
	}
	check "... its panes end with the session" wait_for 20 panes_gone
	tmux -L "$TS" kill-server
	check "... and the tmux server with kill-server" wait_for 10 gone "$TMUX_PID"
	wait "$TMUX_PID" 2>/dev/null
	EXTRA_PIDS=$pids_before
	trap cleanup EXIT
else
	for _ in $(seq 13); do
		skip "no tmux 3.2 or later"
	done
fi

stop_daemon
done_testing
