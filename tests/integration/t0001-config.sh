#!/bin/sh
# t0001-config: maintd -n on good and bad configs.  Each error kind is
# reported as FILE:LINE: message, on stderr, with exit status 1; every
# value error in a file is reported, not just the first.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 48

# nconf NAME: stdin becomes $T/NAME.conf (its line 1 is $TASK_USER, so
# the text given starts at line 2); run maintd -n on it.  Sets F (the
# file), RC, OUT (stdout) and ERR (stderr).
nconf() {
	F=$T/$1.conf
	{
		printf '%s\n' "$TASK_USER"
		cat
	} >"$F"
	"$MAINTD" -n -c "$F" >"$T/n.out" 2>"$T/n.err"
	RC=$?
	OUT=$(cat "$T/n.out")
	ERR=$(cat "$T/n.err")
}

# has_err DESCRIPTION LINE FRAGMENT: maintd -n exited 1 and some stderr
# line begins with exactly "$F:LINE: " and contains FRAGMENT.
has_err() {
	if [ "$RC" -eq 1 ] && printf '%s\n' "$ERR" |
	    awk -v p="$F:$2: " -v m="$3" '
		index($0, p) == 1 && index(substr($0, length(p) + 1), m) { f = 1 }
		END { exit !f }'; then
		ok "$1"
	else
		not_ok "$1"
		diag "exit status $RC; want 1 and a line '$F:$2: ...$3...'"
		diag "stderr: $ERR"
	fi
}

# A complete, valid config: globals, comments of every style, list and
# string commands, limits, health, presets, windows, notify.
nconf good <<EOF
# comment
socket = "$T/maintd.sock"   // trailing comment
pidfile = "$T/maintd.pid"
/* a block
   comment */
database = "$T/maintd.db"
log_dir = "$T/log"
socket_mode = "0660"
kill_grace = 1h30m
max_clients = 8
client_timeout = 30s
task alpha {
	description = "first"
	command = { "/bin/sh", "-c", "echo hi" }   # a list
	tags = { "one", "two" }
	schedule = "*/30 * * * *"
	timeout = 10m
	limits { cpu = 5m  memory = 512M  nofile = 1024  nproc = 64  fsize = 1G  core = 0 }
	conflicts = { "beta" }
}
task beta {
	command = "/bin/true --flag"
	every = 90
	tags = { "two" }
}
task gamma {
	kind = service
	command = "/bin/sleep 1000"
	health { url = "http://127.0.0.1:8080/health"  interval = 30s }
	backoff = { 1s, 60s }
}
preset both { description = "a and b"  tasks = { "alpha", "beta" } }
preset two { tags = { "two" } }
window nightly { preset = "both"  schedule = "0 3 * * *"  duration = 2h }
notify ops { url = "https://hooks.example.net/x"  events = { "run-failed" } }
EOF
is "good config: exit 0" "$RC" 0
like "good config: says OK with the task count" "$OUT" \
    "^$F: configuration OK \\(3 tasks"
is "good config: nothing on stderr" "$ERR" ""

"$MAINTD" -n -c "$T/does-not-exist.conf" >"$T/n.out" 2>&1
is "missing config file: exit 1" "$?" 1
like "missing config file: names the file" "$(cat "$T/n.out")" \
    "does-not-exist.conf.*(No such file|not found)"

# --- one case per error kind ---------------------------------------

nconf unknown-global <<'EOF'
# line 2
bogus_option = 1
EOF
has_err "unknown global option" 3 "no such option 'bogus_option'"

nconf unknown-event <<'EOF'
notify n { url = "http://127.0.0.1:1/"  events = { "run-failed", "bogus" } }
preset p { tasks = { "a b" } }
EOF
has_err "an unknown event in a list" 2 "events: unknown event 'bogus'"
is "... said once" "$(printf '%s\n' "$ERR" | grep -c "unknown event 'bogus'")" 1
is "a bad name in a list: said once" \
    "$(printf '%s\n' "$ERR" | grep -c "tasks: bad name 'a b'")" 1

nconf unknown-in-task <<'EOF'
/* lines 2
   and 3 */
task a {
	command = "/bin/true"
	descripton = "typo"
}
EOF
has_err "unknown option in a task (after a block comment)" 6 \
    "no such option 'descripton'"

nconf durations <<'EOF'
kill_grace = 5x
task a {
	command = "/bin/true"
	timeout = 10q
}
task b {
	command = "/bin/true"
	every = soon
}
EOF
has_err "bad duration: kill_grace" 2 "bad duration '5x'"
has_err "bad duration: timeout" 5 "bad duration '10q'"
has_err "bad duration: every" 9 "bad duration 'soon'"

nconf sizes <<'EOF'
task a {
	command = "/bin/true"
	limits {
		memory = 12Q
		fsize = lots
		core = -1
	}
}
EOF
has_err "bad size: memory" 5 "bad size '12Q'"
has_err "bad size: fsize" 6 "bad size 'lots'"
has_err "bad size: core" 7 "bad size '-1'"

nconf schedules <<'EOF'
task a {
	command = "/bin/true"
	schedule = "61 * * * *"
}
task b {
	command = "/bin/true"
	schedule = "* * *"
}
EOF
has_err "bad schedule: minute out of range" 4 "bad schedule '61 * * * *'"
has_err "bad schedule: too few fields" 8 "bad schedule '* * *'"

nconf users <<'EOF'
task a {
	command = "/bin/true"
	user = "no-such-user-xyz"
}
EOF
has_err "unknown user" 4 "unknown user 'no-such-user-xyz'"

nconf groups <<'EOF'
admin_group = "no-such-group-xyz"
task a {
	command = "/bin/true"
	group = "no-such-group-abc"
}
EOF
has_err "unknown group: admin_group" 2 "unknown group 'no-such-group-xyz'"
has_err "unknown group: task group" 5 "unknown group 'no-such-group-abc'"

nconf duplicate <<'EOF'
task a {
	command = "/bin/true"
}
task a {
	command = "/bin/false"
}
EOF
has_err "duplicate task: both places" 6 "task a is defined twice: also at $F:3"

# fleet options where they do nothing are refused, not ignored
nconf fleet-lost <<'EOF'
task a {
	command = "/bin/true"
	fleet_lost = keep
}
EOF
has_err "fleet_lost without fleet = once" 4 "task a: fleet_lost is for tasks with fleet = once"

nconf fleet-window <<'EOF'
task a { command = "/bin/true" }
preset p { tasks = { "a" } }
window w {
	preset = "p"
	schedule = "0 3 * * *"
	duration = 1h
	max_parallel = 2
}
EOF
has_err "max_parallel on a window that is not rolling" 8 "window w: max_parallel is for windows with fleet = rolling"

nconf fleet-slot <<'EOF'
fleet { endpoints = { "http://127.0.0.1:9" } }
task a { command = "/bin/true" }
preset p { tasks = { "a" } }
window w {
	preset = "p"
	schedule = "0 3 * * *"
	duration = 1h
	fleet = "rolling"
	slot_duration = 2h
}
EOF
has_err "slot_duration longer than the window" 10 "window w: slot_duration is longer than the window's duration"

nconf window-reboot <<'EOF'
task a { command = "/bin/true" }
preset p { tasks = { "a" } }
window w {
	preset = "p"
	schedule = "@reboot"
	duration = 1h
}
EOF
has_err "a window on @reboot" 6 "window w: @reboot is for tasks: a window opens at times of a schedule"

nconf fleet-cert <<'EOF'
fleet {
	endpoints = { "https://127.0.0.1:9" }
	cert = "/etc/ssl/maintd.pem"
}
EOF
has_err "fleet: cert without key" 4 "fleet: give cert and key together"

nconf conflict <<'EOF'
task a {
	command = "/bin/true"
	conflicts = { "ghost" }
}
EOF
has_err "conflict with an unknown task" 4 \
    "task a: conflicts with unknown task 'ghost'"

nconf preset <<'EOF'
task a { command = "/bin/true" }
preset p {
	tasks = { "a", "ghost" }
}
EOF
has_err "preset naming an unknown task" 4 "preset p: unknown task 'ghost'"

nconf window <<'EOF'
task a { command = "/bin/true" }
preset p { tasks = { "a" } }
window w {
	preset = "ghost"
	schedule = "0 2 * * 0"
	duration = 2h
}
EOF
has_err "window naming an unknown preset" 5 "window w: unknown preset 'ghost'"

nconf unclosed <<'EOF'
task a {
	command = "/bin/true"
}
task b {
	command = "/bin/true"
EOF
has_err "unclosed brace" 5 "'{' is never closed"

nconf relative <<'EOF'
socket = "maintd.sock"
pidfile = "run/maintd.pid"
database = "maintd.db"
log_dir = "log"
task a {
	command = "/bin/true"
	directory = "tmp"
}
EOF
has_err "relative socket path" 2 "'maintd.sock' is not an absolute path"
has_err "relative pidfile path" 3 "'run/maintd.pid' is not an absolute path"
has_err "relative database path" 4 "'maintd.db' is not an absolute path"
has_err "relative log_dir path" 5 "'log' is not an absolute path"
has_err "relative task directory" 8 "'tmp' is not an absolute path"

# --- every error of a file is reported ------------------------------

nconf several <<'EOF'
kill_grace = never
task a {
	command = "/bin/true"
	timeout = 1parsec
	user = "no-such-user-xyz"
	limits { memory = 1X }
	conflicts = { "ghost" }
}
preset p { tasks = { "phantom" } }
EOF
has_err "several errors: kill_grace" 2 "bad duration 'never'"
has_err "several errors: timeout" 5 "bad duration '1parsec'"
has_err "several errors: user" 6 "unknown user 'no-such-user-xyz'"
has_err "several errors: memory" 7 "bad size '1X'"
has_err "several errors: conflicts" 8 "conflicts with unknown task 'ghost'"
has_err "several errors: preset" 10 "preset p: unknown task 'phantom'"
is "several errors: nothing on stdout" "$OUT" ""
is "several errors: exactly six errors, no spurious ones" \
    "$(printf '%s\n' "$ERR" | grep -c .)" 6

# --- root only -------------------------------------------------------

if is_root; then
	nconf writable <<'EOF'
task a { command = "/bin/true" }
EOF
	chmod o+w "$F"
	"$MAINTD" -n -c "$F" >"$T/n.out" 2>"$T/n.err"
	RC=$?
	ERR=$(cat "$T/n.err")
	if [ "$RC" -eq 1 ] && printf '%s\n' "$ERR" |
	    grep -F -- "$F: " | grep -Fq -- "writable by others"; then
		ok "as root: a config writable by others is refused"
	else
		not_ok "as root: a config writable by others is refused"
		diag "exit $RC; stderr: $ERR"
	fi

	# No $TASK_USER here: the task would run as root.
	F=$T/roottask.conf
	cat >"$F" <<'EOF'
# line 1
task rt { command = "/bin/true" }
task ok { command = "/bin/true"  allow_root = true }
task ru {
	command = "/bin/true"
	user = "root"
}
EOF
	"$MAINTD" -n -c "$F" >"$T/n.out" 2>"$T/n.err"
	RC=$?
	ERR=$(cat "$T/n.err")
	has_err "as root: a task without a user is refused" 2 \
	    'task rt would run as root: set user = "..." or allow_root = true'
	has_err "as root: a task with user = root is refused" 6 \
	    "task ru would run as root"
	if printf '%s\n' "$ERR" | grep -q "task ok"; then
		not_ok "as root: allow_root = true is accepted"
		diag "$ERR"
	else
		ok "as root: allow_root = true is accepted"
	fi
else
	skip "a config writable by others: only refused when root"
	skip "a task running as root: only refused when root"
	skip "user = root: only refused when root"
	skip "allow_root: only checked when root"
fi

done_testing
