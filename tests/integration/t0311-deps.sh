#!/bin/sh
# t0311-deps: after, on_success / on_failure and the loop check (issue 23,
# §1).  A loop in after, requires or the chains (a self loop, two tasks,
# three) is a config error naming the file and line, at load and at
# reload (the old config kept); so is after or a chain naming an unknown
# task, a oneshot after a service, a chain to a service; requires beside
# a chain the other way is no loop.  Chains: a run by hand of an inactive
# parent starts its on_success task (inactive itself) with trigger
# chain:P#RUN in history and events, and MAINTD_PARENT_TASK, _RUN and
# _RESULT in its environment; a failure starts on_failure; a chained run
# chains on; a dry run's chains are dry runs, or skipped (an event) where
# the task has no dry run; a chained run the policy refuses (a conflict)
# is not started, a skipped event says why; an active periodic parent
# fires its chain once per run, and none once it is inactive.  after: a
# tick while the task it is after runs waits, is missed after-timeout
# when the next tick comes, and runs when the other ends (its start
# after the other's end in history); a oneshot activated meanwhile
# waits and runs then; a manual run is refused (ERR after) unless
# --force.
# A service after a service starts once that one runs and is healthy
# (activate says "waiting: after db"), is stopped when it stops, and
# starts again when it is back.  graph (tree, --dot, --json) and show's
# edges both ways.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 80

W=$T/w
mkdir "$W"
chmod 1777 "$W"

# hist TASK JQ: the runs of TASK (JSON lines) that pass the filter
hist() {
	ctl --json history "$1" -n 1000 | jq -c "select($2)"
}

has_run() {
	[ -n "$(hist "$1" "$2")" ]
}

has_row() {
	[ -n "$(ctl --json ledger "$1" -n 1000 | jq -c "select($2)")" ]
}

# has_event TASK JQ: an event of TASK passes the filter
has_event() {
	[ -n "$(ctl --json events --task "$1" -n 1000 | jq -c "select($2)")" ]
}

# runs_of TASK: how many runs TASK has
runs_of() {
	ctl --json history "$1" -n 100000 | wc -l | tr -d ' '
}

# at_least TASK N: TASK has N runs or more
at_least() {
	[ "$(runs_of "$1")" -ge "$2" ]
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

epoch() {
	date -d "$1" +%s.%3N
}

le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'
}

# --- config errors ------------------------------------------------------

write_conf <<EOF
task base { command = "/bin/true" }
EOF
cp "$CONF" "$T/good.conf"
cat >>"$CONF" <<EOF
task s1 { command = "/bin/true"  after = { "s1" } }
task a1 { command = "/bin/true"  after = { "a2" } }
task a2 { command = "/bin/true"  after = { "a1" } }
task c1 { command = "/bin/true"  on_success = { "c2" } }
task c2 { command = "/bin/true"  on_failure = { "c3" } }
task c3 { command = "/bin/true"  on_success = { "c1" } }
task r1 { command = "/bin/true"  requires { task = "r2"  ok_within = 1h } }
task r2 { command = "/bin/true"  requires { task = "r1"  ok_within = 1h } }
EOF
b=$(wc -l <"$T/good.conf")
out=$("$MAINTD" -n -c "$CONF" 2>&1)
like "a self loop in after: file and line" "$out" \
    "$CONF:$((b + 1)): task s1: after: a loop: s1 -> s1"
like "two tasks after each other" "$out" \
    "$CONF:$((b + 2)): task a1: after: a loop: a1 -> a2 -> a1"
like "a loop of three chains, on_success and on_failure" "$out" \
    "$CONF:$((b + 4)): task c1: on_success: a loop: c1 -> c2 -> c3 -> c1"
like "a loop in requires" "$out" \
    "$CONF:$((b + 7)): task r1: requires: a loop: r1 -> r2 -> r1"
cp "$T/good.conf" "$CONF"
cat >>"$CONF" <<EOF
task u1 { command = "/bin/true"  after = { "nosuch" } }
task u2 { command = "/bin/true"  on_failure = { "nosuch" } }
task sv { command = "/bin/sleep 9"  kind = service }
task u3 { command = "/bin/true"  after = { "sv" } }
task u4 { command = "/bin/true"  on_success = { "sv" } }
EOF
out=$("$MAINTD" -n -c "$CONF" 2>&1)
like "after an unknown task" "$out" \
    "$CONF:$((b + 1)): task u1: after unknown task 'nosuch'"
like "a chain to an unknown task" "$out" \
    "$CONF:$((b + 2)): task u2: on_failure unknown task 'nosuch'"
like "a oneshot after a service" "$out" \
    "$CONF:$((b + 4)): task u3: after sv: sv is a service"
like "a chain to a service" "$out" \
    "$CONF:$((b + 5)): task u4: on_success sv: sv is a service"
cp "$T/good.conf" "$CONF"
cat >>"$CONF" <<EOF
task bk { command = "/bin/true"  on_success = { "vf" } }
task vf { command = "/bin/true"  requires { task = "bk"  ok_within = 1h } }
task d1 { command = "/bin/true"  after = { "d2", "d3" } }
task d2 { command = "/bin/true"  after = { "d4" } }
task d3 { command = "/bin/true"  after = { "d4" } }
task d4 { command = "/bin/true" }
EOF
check "requires one way, a chain the other; a diamond: no loop" \
    "$MAINTD" -n -c "$CONF"

# --- the config of the rest --------------------------------------------

echo 0 >"$W/p.exit"
write_conf <<EOF
task p {
	command = "env | grep ^MAINTD_ | sort > $W/p.\$MAINTD_RUN_ID; exit \$(cat $W/p.exit)"
	shell = true
	dry_run = true
	on_success = { "ok1", "nodry" }
	on_failure = { "bad1" }
}
task ok1 {
	command = "env | grep ^MAINTD_ | sort > $W/ok1.\$MAINTD_RUN_ID"
	shell = true
	dry_run = true
	on_success = { "ok2" }
}
task ok2 { command = "/bin/true" }
task nodry { command = "/bin/true" }
task bad1 {
	command = "env | grep ^MAINTD_ | sort > $W/bad1.\$MAINTD_RUN_ID"
	shell = true
}
task tick { command = "/bin/true"  every = 1s  on_success = { "child" } }
task child { command = "/bin/true" }
task clock { command = "/bin/true"  every = 1s }
task blocker {
	command = "while [ ! -e $W/go ]; do sleep 0.05; done"
	shell = true
}
task dep { command = "/bin/true"  every = 1s  after = { "blocker" } }
task once { command = "/bin/true"  after = { "blocker" } }
task cp { command = "/bin/true"  on_success = { "cc" } }
task cc { command = "/bin/true"  conflicts = { "holder" } }
task holder { kind = service  command = "/bin/sleep 600" }
task db {
	kind = service
	command = "/bin/sleep 600"
	health { command = { "/bin/test", "-e", "$W/db-ready" }  interval = 1s }
}
task web { kind = service  command = "/bin/sleep 600"  after = { "db" } }
EOF
check "daemon starts" start_fg

# --- reload with a loop: refused, the old config kept ----------------------

cp "$CONF" "$T/good.conf"
sed -i 's/^task child { command = "\/bin\/true" }$/task child { command = "\/bin\/true"  on_success = { "tick" } }/' "$CONF"
ctl reload >"$T/out" 2>"$T/err"
is "reload with a loop: exit 1" "$?" 1
like "... the error names file and line" "$(cat "$T/out")" \
    "$CONF:[0-9]+: task (tick: on_success: a loop: tick -> child -> tick|child: on_success: a loop: child -> tick -> child)"
is "... the old config kept: child chains nowhere" \
    "$(ctl --json show child | jq -c .on_success)" '[]'
cp "$T/good.conf" "$CONF"

# --- chains: a run by hand of an inactive parent -------------------------

check "run p by hand (p inactive)" ctl run p --wait
prun=$(ctl --json history p -n 1 | jq -r .run)
check "ok1 (inactive) runs, chained from p" wait_for 10 has_run ok1 \
    ".trigger == \"chain:p#$prun\""
r1=$(hist ok1 ".trigger == \"chain:p#$prun\"" | jq -r .run)
check "ok1's environment was written" wait_for 5 test -s "$W/ok1.$r1"
is "... MAINTD_PARENT_*" "$(grep PARENT "$W/ok1.$r1" | tr '\n' ' ')" \
    "MAINTD_PARENT_RESULT=ok MAINTD_PARENT_RUN=$prun MAINTD_PARENT_TASK=p "
check "a chained run chains on: ok2 from ok1" wait_for 10 has_run ok2 \
    ".trigger == \"chain:ok1#$r1\""
check "the run-started event of ok1 names the chain" wait_for 5 has_event ok1 \
    ".event == \"run-started\" and .detail.trigger == \"chain:p#$prun\" and .actor == \"chain:p#$prun\""
check "nodry ran too" wait_for 10 has_run nodry ".trigger == \"chain:p#$prun\""
is "bad1 did not run: p succeeded" "$(runs_of bad1)" 0

echo 3 >"$W/p.exit"
check_fails "p fails" ctl run p --wait
prun=$(ctl --json history p -n 1 | jq -r .run)
check "bad1 runs, on_failure" wait_for 10 has_run bad1 \
    ".trigger == \"chain:p#$prun\""
r=$(hist bad1 ".trigger == \"chain:p#$prun\"" | jq -r .run)
check "bad1's environment was written" wait_for 5 test -s "$W/bad1.$r"
like "... MAINTD_PARENT_RESULT=failed" "$(cat "$W/bad1.$r")" \
    "MAINTD_PARENT_RESULT=failed"
is "ok1 did not run for the failure" \
    "$(hist ok1 ".trigger == \"chain:p#$prun\"" | wc -l | tr -d ' ')" 0

# --- a dry run's chains -----------------------------------------------------

echo 0 >"$W/p.exit"
check "p --dry-run by hand" ctl run p --dry-run --wait
prun=$(ctl --json history p -n 1 | jq -r .run)
check "ok1 runs as a dry run" wait_for 10 has_run ok1 \
    ".trigger == \"chain:p#$prun\" and .dry_run == true"
r=$(hist ok1 ".trigger == \"chain:p#$prun\"" | jq -r .run)
check "... with MAINTD_DRY_RUN=1" wait_for 5 grep -qx MAINTD_DRY_RUN=1 "$W/ok1.$r"
check "nodry (no dry run) is skipped, saying why" wait_for 10 has_event nodry \
    ".event == \"skipped\" and .actor == \"chain:p#$prun\" and (.detail.reason | test(\"dry run\"))"
is "... and has no run of it" \
    "$(hist nodry ".trigger == \"chain:p#$prun\"" | wc -l | tr -d ' ')" 0

# --- an active periodic parent: once per run; inactive: never -----------

check "activate tick" ctl activate tick
check "tick runs three times" wait_for 15 at_least tick 3
check "deactivate tick" ctl deactivate tick
check "tick is idle" wait_for 10 state_is tick idle
check "child ran once per run of tick" wait_for 10 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json history child -n 1000 | wc -l) -eq \$($MAINTCTL -s $SOCK --json history tick -n 1000 | wc -l) ]"
is "... each chained from a run of tick of its own" \
    "$(ctl --json history child -n 1000 | jq -r .trigger | sort -u | wc -l | tr -d ' ')" \
    "$(runs_of tick)"
nchild=$(runs_of child)
check "activate clock (to count ticks)" ctl activate clock
check "clock ticks three times" wait_for 15 at_least clock 3
is "tick inactive: child never ran meanwhile" "$(runs_of child)" "$nchild"
check "deactivate clock" ctl deactivate clock

# --- after: a tick waits while blocker runs ----------------------------

check "blocker runs (until $W/go exists)" ctl run blocker
check "activate dep" ctl activate dep
check "a tick of dep waited until its next: missed after-timeout" \
    wait_for 15 has_row dep '.outcome == "missed" and .reason == "after-timeout"'
is "no run of dep while blocker runs" "$(runs_of dep)" 0
like "run dep by hand: ERR after" "$(raw 'run dep')" \
    '^ERR after after blocker: blocker is running \(run [0-9]+\) \(--force runs it anyway\)'
like "activate a oneshot after blocker: it waits" "$(ctl activate once)" \
    "once: activated, waiting: after blocker: blocker is running"
is "... no run of once yet" "$(runs_of once)" 0
touch "$W/go"
check "blocker ends" wait_for 10 state_is blocker idle
check "once runs once blocker has ended" wait_for 10 at_least once 1
oend=$(epoch "$(ctl --json history once -n 1 | jq -r .started)")
check "dep runs" wait_for 10 at_least dep 1
bend=$(epoch "$(ctl --json history blocker -n 1 | jq -r .ended)")
dstart=$(epoch "$(ctl --json history dep -n 1000 | jq -r .started | tail -n 1)")
check "dep's first start is after blocker's end" le "$bend" "$dstart"
check "... and once's" le "$bend" "$oend"
check "deactivate dep" ctl deactivate dep

# --- a chained run the policy refuses: not started, a skipped event --------

check "activate holder (cc conflicts with it)" ctl activate holder
check "run cp by hand" ctl run cp --wait
prun=$(ctl --json history cp -n 1 | jq -r .run)
check "cc is not started: a skipped event says conflict" wait_for 10 has_event cc \
    ".event == \"skipped\" and .actor == \"chain:cp#$prun\" and (.detail.reason | test(\"^conflict: cc conflicts with active holder\"))"
is "... and cc has no run" "$(runs_of cc)" 0
check "deactivate holder" ctl deactivate holder

# --- a service after a service --------------------------------------------

like "activate web: waiting: after db" "$(ctl activate web)" \
    "web: activated, waiting: after db: db is not active"
is "web is not running: it waits" "$(ctl --json status web | jq -r .state)" waiting
check "activate db" ctl activate db
check "db runs" wait_for 10 state_is db running
check_fails "web waits while db is not healthy" state_is web running
ready=$(date +%s.%3N)
touch "$W/db-ready"
check "web starts once db is healthy" wait_for 15 state_is web running
wstart=$(epoch "$(ctl --json history web -n 1 | jq -r .started)")
check "... its start after db became ready" le "$ready" "$wstart"
check "deactivate db" ctl deactivate db
check "web is stopped with it" wait_for 15 has_event web \
    '.event == "run-stopped"'
check "... because db ended" grep -q \
    'web: db ended: stopping it until db runs again' "$T/daemon.log"
is "... its run stopped" "$(ctl --json history web -n 1 | jq -r .result)" stopped
is "web stays active, waiting" "$(ctl --json status web | jq -r .active)" true
check "activate db again" ctl activate db
check "web runs again once db is back and healthy" wait_for 20 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json history web -n 100 | wc -l) -ge 2 ] && [ \$($MAINTCTL -s $SOCK --json status web | jq -r .state) = running ]"

# --- graph and show ---------------------------------------------------------

is "graph p: the tree" "$(ctl graph p)" "p
  on_success ok1
    on_success ok2
  on_success nodry
  on_failure bad1"
like "graph: every root" "$(ctl graph)" "web
  after db"
like "graph --dot" "$(ctl graph --dot)" '^digraph maintd \{
  "p" -> "ok1" \[label="on_success"\];'
is "graph --json: one object per edge" \
    "$(ctl --json graph tick)" '{"from":"tick","to":"child","edge":"on_success"}'
is "show ok1: chained from, chains to" \
    "$(ctl --json show ok1 | jq -c '[.chained_from, .on_success]')" '[["p"],["ok2"]]'
is "show db: before (web is after it)" "$(ctl --json show db | jq -c .before)" '["web"]'
is "show dep: after" "$(ctl --json show dep | jq -c .after)" '["blocker"]'
