#!/bin/sh
# t0222-json-verbs: with --json, every verb answers a successful request
# with at least one JSON object, also where the text answer is only the
# final OK line (issue 21: run gave no run id nor pid; preset create,
# resume and ping gave nothing).  The verbs come from "help --json", so
# a verb added later without a row here fails the last point; each row
# is a successful call through maintctl --json -y (exit 0, only JSON
# objects on standard output, at least one).  fleet needs etcd: a
# one-member cluster on 127.0.0.1 when etcd is installed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 81

TAG=$$
SECRET=t0220-secret-$TAG
HASH=$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)

FLEET=""
if command -v etcd >/dev/null 2>&1; then
	FLEET=1
	# shellcheck source=tests/integration/helpers/etcd.sh
	. "$(dirname "$0")/helpers/etcd.sh"
	# one member is enough here
	etcd_cluster_spec() {
		echo "e1=http://127.0.0.1:$((ETCD_PORT + 11))"
	}
fi

# fleet_conf: the fleet section, when etcd is there
fleet_conf() {
	[ -n "$FLEET" ] || return 0
	cat <<EOF
fleet {
	endpoints = { "$(etcd_url 1)" }
	prefix = "/t0220-$TAG/"
	node = "n1"
	timeout = 500ms
}
EOF
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; [ -z "$FLEET" ] || etcd_stop; cleanup' EXIT

# objects ARGS...: maintctl --json -y ARGS exits 0 and prints one JSON
# object a line, at least one; each verb it was tried on is noted.
objects() {
	echo "$1" >>"$T/tried"
	ctl --json -y "$@" >"$T/j" 2>"$T/j.err"
	rc=$?
	[ "$rc" -eq 0 ] || { echo "exit $rc: $(cat "$T/j.err")"; return 1; }
	n=$(wc -l <"$T/j" | tr -d ' ')
	o=$(jq -R -c 'fromjson? | select(type == "object")' "$T/j" | wc -l |
	    tr -d ' ')
	[ "$n" -ge 1 ] || { echo "no object"; return 1; }
	[ "$n" = "$o" ] || { echo "$n lines, $o objects:"; cat "$T/j"; return 1; }
}

# last KEY: KEY of the last object printed by objects
last() {
	tail -n 1 "$T/j" | jq -r ".$1"
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

ledger_has() {
	[ -n "$(ctl --json ledger tick -n 1)" ]
}

connected() {
	[ "$(ctl --json fleet status | jq -r .state)" = connected ]
}

write_conf <<EOF
$(fleet_conf)
token t { hash = "sha256:$HASH" role = admin }
notify ops { url = "http://127.0.0.1:9/t0220" events = { "test" } }
task say { command = "echo said" shell = true dry_run = true }
task long { command = "exec sleep 9911.$TAG" shell = true }
task svc { kind = service command = "exec sleep 9912.$TAG" shell = true }
task hourly { every = 1h command = "/bin/true" }
task tick { every = 1s command = "/bin/true" }
preset p { tasks = { "hourly" } }
EOF
chmod 600 "$CONF"

if [ -n "$FLEET" ]; then
	etcd_member 1
	check "a one-member etcd cluster" wait_for 20 etcd_healthy 1
else
	skip "etcd is not installed"
fi
check "daemon starts" start_fg

check "ping" objects ping
is "ping: pong" "$(last pong)" true
check "version" objects version
check "help" objects help
check "help VERB" objects help run
check "quit" objects quit
check "auth" objects auth "$SECRET"
is "auth: the token's name" "$(last token)" t
check "status" objects status
check "list" objects list
check "show" objects show say

check "run" objects run say
is "run: the task" "$(last task)" say
like "run: the run id" "$(last run)" '^[0-9]+$'
like "run: the pid" "$(last pid)" '^[0-9]+$'
is "run: the trigger" "$(last trigger)" manual
run_id=$(last run)
check "say: done" wait_for 10 state_is say idle
is "run: the id is that of history" \
    "$(ctl --json history say -n 1 | jq -r .run)" "$run_id"
check "run --dry-run" objects run say --dry-run
is "run --dry-run: dry_run true" "$(last dry_run)" true
check "run --wait" objects run say --wait
check "logs" objects logs say

check "run long" objects run long
check "long: running" wait_for 10 state_is long running
check "stop --dry-run" objects stop long --dry-run
is "stop --dry-run: would stop" "$(last would)" stop
check "stop" objects stop long
is "stop: the run" "$(last result) $(last task)" "stopping long"
check "long: stopped" wait_for 10 state_is long idle

check "activate" objects activate svc
check "svc: running" wait_for 10 state_is svc running
check "restart --dry-run" objects restart svc --dry-run
check "restart" objects restart svc
check "activate (already active)" objects activate svc
is "activate (already active): says so" "$(last result)" "already active"
check "activate --dry-run" objects activate hourly --dry-run
check "deactivate" objects deactivate svc
check "deactivate (already inactive)" objects deactivate svc
is "deactivate (already inactive): says so" "$(last result)" \
    "already inactive"

check "reopen" objects reopen
check "reload" objects reload
check "reload --dry-run" objects reload --dry-run
check "stop-all --dry-run" objects stop-all --dry-run
check "stop-all" objects stop-all
check "resume --dry-run" objects resume --dry-run
check "resume" objects resume
is "resume: resumed" "$(last resumed)" true
check "resume (not halted)" objects resume

check "preset create" objects preset create q say long
is "preset create: the preset and its tasks" \
    "$(last preset) $(tail -n 1 "$T/j" | jq -c .tasks)" 'q ["say","long"]'
check "preset list" objects preset list
check "preset show" objects preset show q
check "preset export" objects preset export q
sed 's/"q"/"q2"/' "$T/j" >"$T/q2.json"
check "preset import" objects preset import "$T/q2.json"
check "preset apply" objects preset apply p
check "preset delete" objects preset delete q

check "window create" objects window create w --preset p \
    --cron "0 3 * * *" --duration 1h
check "window list" objects window list
check "window export" objects window export w
sed 's/"w"/"w2"/' "$T/j" >"$T/w2.json"
check "window import" objects window import "$T/w2.json"
check "window delete" objects window delete w

check "activate tick" ctl activate tick
check "tick: in the ledger" wait_for 10 ledger_has
check "ledger" objects ledger tick
check "history" objects history
check "report" objects report
check "events" objects events -n 3
check "log" objects log -n 3
check "health" objects health
check "health TASK" objects health say
check "metrics" objects metrics
check "notify list" objects notify list
check "notify test" objects notify test ops

if [ -n "$FLEET" ]; then
	check "the node is in the fleet" wait_for 20 connected
	check "fleet status" objects fleet status
	check "fleet stop-all" objects fleet stop-all
	is "fleet stop-all: halted" "$(last fleet)" halted
	check "fleet resume" objects fleet resume
else
	echo fleet >>"$T/tried"
	skip "etcd is not installed: the node in a fleet"
	skip "etcd is not installed: fleet status"
	skip "etcd is not installed: fleet stop-all"
	skip "etcd is not installed: fleet stop-all halted"
	skip "etcd is not installed: fleet resume"
fi

# every verb of help has a row above
ctl --json help | jq -r .verb | sort -u >"$T/verbs"
is "every verb was tried" "$(sort -u "$T/tried" | comm -23 "$T/verbs" -)" ""

done_testing
