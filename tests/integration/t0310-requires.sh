#!/bin/sh
# t0310-requires: requires { task ok_within } (issue 23, §1).  A periodic
# task whose required task never ran ok does not run: each of its ticks
# is a "missed requires" row in the ledger ("base: never ran ok") and no
# run is in its history.  Once base succeeds, its ticks run; once base's
# success is older than ok_within, they are missed again ("last ok ...
# ago"), and a failed run of base changes nothing.  No run of dep starts
# more than ok_within after base's last success (a second of rounding
# allowed).  A manual run is refused with ERR requires unless --force;
# show lists the requirement.  A requirement naming an unknown task, the
# task itself, or lacking task or ok_within, or one of a service, is a
# config error with its file and line.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 27

now() {
	date +%s.%3N
}

past() {
	awk -v t="$1" -v n="$(now)" 'BEGIN { exit !(n >= t) }'
}

# rows TASK: its ledger rows as JSON lines, oldest first
rows() {
	ctl --json ledger "$1" -n 100000 | jq -sc 'reverse[]'
}

# has_row TASK JQ-FILTER: a ledger row of TASK passes the filter
has_row() {
	[ -n "$(rows "$1" | jq -c "select($2)")" ]
}

epoch() {
	date -d "$1" +%s.%3N
}

# newest_after TASK T: its newest ledger row is of a tick after T
newest_after() {
	tk=$(ctl --json ledger "$1" -n 1 | jq -r .tick)
	[ -n "$tk" ] && awk -v a="$(epoch "$tk")" -v t="$2" 'BEGIN { exit !(a > t) }'
}

echo 1 >"$T/base.exit"
write_conf <<EOF
task base { command = "exit \$(cat $T/base.exit)"  shell = true }
task dep {
	command = "/bin/true"
	every = 1s
	requires { task = "base"  ok_within = 3s }
}
task once {
	command = "/bin/true"
	requires { task = "base"  ok_within = 1h }
	requires { task = "dep"  ok_within = 1h }
}
EOF

# --- config errors ------------------------------------------------------

cp "$CONF" "$T/good.conf"
cat >>"$CONF" <<EOF
task e1 { command = "/bin/true"  requires { task = "nosuch"  ok_within = 1h } }
task e2 { command = "/bin/true"  requires { task = "e2"  ok_within = 1h } }
task e3 { command = "/bin/true"  requires { ok_within = 1h } }
task e4 { command = "/bin/true"  requires { task = "base" } }
task e5 { command = "/bin/sleep 9"  kind = service  requires { task = "base"  ok_within = 1h } }
EOF
base=$(wc -l <"$T/good.conf")
out=$("$MAINTD" -n -c "$CONF" 2>&1)
like "an unknown task: file and line" "$out" \
    "$CONF:$((base + 1)): task e1: requires unknown task 'nosuch'"
like "the task itself" "$out" "$CONF:$((base + 2)): task e2 requires itself"
like "no task" "$out" "$CONF:$((base + 3)): task e3: requires: no task"
like "no ok_within" "$out" \
    "$CONF:$((base + 4)): task e4: requires base: ok_within must be given"
like "not for a service" "$out" \
    "$CONF:$((base + 5)): task e5: requires is for oneshot and periodic tasks"
cp "$T/good.conf" "$CONF"

check "daemon starts" start_fg

# --- never ran ok: missed requires, no run -----------------------------

check "activate dep" ctl activate dep
check "a tick of dep is missed: requires, base never ran ok" wait_for 10 \
    has_row dep '.outcome == "missed" and .reason == "requires" and
    .detail == "base: never ran ok"'
is "no run of dep" "$(ctl --json history dep | wc -l | tr -d ' ')" 0
like "status dep: MISSED counts them" "$(ctl --json status dep | jq -r .missed)" \
    '^[1-9][0-9]*$'

# --- manual runs: refused unless --force ------------------------------

out=$(ctl run once 2>&1)
rc=$?
is "run once: refused (exit 1)" "$rc" 1
like "... ERR requires, naming base and --force" "$(raw 'run once')" \
    '^ERR requires base: never ran ok \(--force runs it anyway\)$'
check "run once --force runs it" ctl run once --force --wait

# --- base succeeds: dep runs -------------------------------------------

check_fails "base fails first" ctl run base --wait
failed=$(now)
check "a tick after base's failure comes" wait_for 10 newest_after dep "$failed"
is "... and is missed: base never ran ok" \
    "$(ctl --json ledger dep -n 1 | jq -r '[.outcome, .reason, .detail] | join(" ")')" \
    "missed requires base: never ran ok"
echo 0 >"$T/base.exit"
check "base succeeds" ctl run base --wait
okend=$(ctl --json history base -n 1 | jq -r .ended)
check "a tick of dep runs" wait_for 10 has_row dep '.outcome == "ran"'
r=$(rows dep | jq -c 'select(.outcome == "ran")' | head -n 1)
run=$(printf '%s\n' "$r" | jq -r .run)
is "the ran row names a scheduled run of dep" \
    "$(ctl --json history dep -n 100 | jq -r "select(.run == $run) | .trigger")" \
    schedule

# --- ok_within passes: missed again ------------------------------------

check "dep's ticks are missed again once ok_within has passed" wait_for 15 \
    has_row dep '.reason == "requires" and (.detail | test("^base: last ok [0-9]+s ago, ok_within 3s$"))'
check "base fails again" sh -c "echo 1 >'$T/base.exit'"
check_fails "a failed run of base" ctl run base --wait
t=$(now)
check "two seconds pass" wait_for 10 past "$(awk -v t="$t" 'BEGIN { printf "%.3f", t + 2 }')"
check "a failure keeps them missed: the last ran row is older" sh -c "
    '$MAINTCTL' -s '$SOCK' --json ledger dep -n 3 | jq -e -s 'all(.outcome == \"missed\")'"

# no run of dep started more than ok_within (3 s, +1 s) after base's success
late=$(ctl --json history dep -n 100000 | jq -r .started | while read -r s; do
	awk -v s="$(epoch "$s")" -v e="$(epoch "$okend")" \
	    'BEGIN { if (s > e + 4) print s }'
done)
is "no run of dep started while its requirement was false" "$late" ""

# --- show ---------------------------------------------------------------

is "show: the requirements" "$(ctl --json show once | jq -c .requires)" \
    '[{"task":"base","ok_within_s":3600},{"task":"dep","ok_within_s":3600}]'
like "show (text)" "$(ctl show dep)" 'requires +\[ \{ "task": "base", "ok_within_s": 3 \} \]'

stop_daemon
done_testing
