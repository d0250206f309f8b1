#!/bin/sh
# t0402-reload: maintctl reload, SIGHUP (DESIGN §6).  New tasks appear
# inactive; a removed service is deactivated and its processes are
# gone; a changed task keeps its activation, and its running child keeps
# running until its run ends (the next run uses the new definition); a
# changed service with restart_on_change is restarted; unchanged tasks
# are not touched (same pid).  --dry-run says what would change and
# changes nothing; a reload with a broken file changes nothing and
# returns every error (exit 1); settings that need a restart are kept
# and said; the event "reloaded" names what changed; a guard that comes
# to hold lets a waiting run go; an open window stays open; 100 SIGHUPs
# with the config changing underneath end on the last config, with no
# run started twice.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 45

TAG=$$
kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

# conf BODY: the common head, then the tasks
conf() {
	write_conf <<EOF
$1
EOF
}

BASE="task keep { kind = service  command = \"/bin/sleep 9401.$TAG\" }
task gone { kind = service  command = \"sleep 9402.$TAG & sleep 9403.$TAG & wait\"  shell = true }
task slow { command = \"while [ ! -e $T/slow-go ]; do sleep 0.05; done; echo old\"  shell = true }
task svc { kind = service  command = \"/bin/sleep 9404.$TAG\"  restart_on_change = true }
task waits { command = \"/bin/true\"  every = 1s  start_when = { \"load1 < 0\" } }
preset both { tasks = { \"keep\", \"svc\" } }
window w { preset = \"both\"  schedule = \"* * * * *\"  duration = 1h }"
conf "$BASE"

st() {
	ctl --json status "$1" | jq -r "$2"
}

pids() {
	pgrep -f -- "sleep 94$1\\.$TAG" | sort | tr '\n' ' '
}

check "daemon starts" start_fg
check "activate keep, gone, svc, waits" ctl -y activate keep gone svc waits
check "the services run" wait_for 10 sh -c \
    "[ -n \"\$(pgrep -f 'sleep 9401\\.$TAG')\" ] && [ -n \"\$(pgrep -f 'sleep 9403\\.$TAG')\" ] && [ -n \"\$(pgrep -f 'sleep 9404\\.$TAG')\" ]"
keep=$(st keep .pid)
svc=$(st svc .pid)
check "slow: a run that goes on until told (slow-go)" ctl run slow
check "waits: waiting for start_when" wait_for 10 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status waits | jq -r .state)\" = waiting ]"

# the new config: gone removed, slow and svc and waits changed, new added
NEW="task keep { kind = service  command = \"/bin/sleep 9401.$TAG\" }
task slow { command = \"echo new\"  shell = true }
task svc { kind = service  command = \"/bin/sleep 9404.$TAG\"  restart_on_change = true  nice = 1 }
task waits { command = \"/bin/true\"  every = 1s  start_when = { \"load1 < 100000\" } }
task fresh { command = \"/bin/true\" }
preset both { tasks = { \"keep\", \"svc\" } }
window w { preset = \"both\"  schedule = \"* * * * *\"  duration = 1h }"
conf "$NEW"

r=$(ctl reload --dry-run)
is "--dry-run: what would change" "$r" "would add: fresh
would remove: gone
would change: slow, svc, waits"
is "... and nothing changed" "$(ctl --json list | jq -r .task | sort | tr '\n' ' ')" \
    "gone keep slow svc waits "

r=$(ctl reload)
is "reload: what changed" "$r" "added: fresh
removed: gone
changed: slow, svc, waits"
is "the event names them" \
    "$(ctl --json events -n 20 | jq -c 'select(.event == "reloaded") | .detail')" \
    '{"added":["fresh"],"removed":["gone"],"changed":["slow","svc","waits"]}'
is "a new task: there, inactive" "$(st fresh '[.active, .state] | join(" ")')" "false idle"
check "a removed service: its processes are gone" wait_for 10 sh -c \
    "! pgrep -f 'sleep 940[23]\\.$TAG'"
ctl status gone >/dev/null 2>&1
is "... and it is no task any more" "$?" 1
is "an unchanged service: not touched (same pid)" "$(st keep .pid)" "$keep"
is "... still active" "$(st keep .active)" true
check "a changed service with restart_on_change: restarted" wait_for 10 sh -c \
    "p=\$($MAINTCTL -s $SOCK --json status svc | jq -r .pid); [ \"\$p\" != null ] && [ \"\$p\" != $svc ]"
is "... still active" "$(st svc .active)" true
is "a changed oneshot: its running child goes on" "$(st slow .state)" running
touch "$T/slow-go"
check "... to its end, under the old definition" wait_for 10 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json status slow | jq -r .state)\" = idle ]"
is "... which printed what the old one prints" "$(ctl logs slow -n 1 | sed 's/.*] //')" old
check "the next run uses the new one" ctl run slow --wait
is "... new" "$(ctl logs slow -n 1 | sed 's/.*] //')" new
is "a changed task keeps its activation" "$(st waits .active)" true
check "start_when holds now: the waiting run goes" wait_for 10 sh -c \
    "[ \$($MAINTCTL -s $SOCK --json history waits | wc -l) -ge 1 ]"

# --- a broken file changes nothing ----------------------------------------------

cp "$CONF" "$T/good.conf"
printf '%s\n' "task bad1 { command = \"x\" }" "task bad2 { command = \"/bin/true\"  every = 0 }" >>"$CONF"
ctl reload >"$T/out" 2>"$T/err"
is "a broken config: maintctl reload exits 1" "$?" 1
like "every error is printed" "$(cat "$T/out")" \
    "$CONF:[0-9]+: task bad1: command 'x' must be an absolute path"
like "... the second one too" "$(cat "$T/out")" "$CONF:[0-9]+: task bad2"
like "ERR config, nothing changed" "$(cat "$T/err")" \
    "config: 2 errors in the configuration; nothing changed"
check_fails "no task of it was added" sh -c "$MAINTCTL -s $SOCK status bad1 >/dev/null 2>&1"
is "the services are untouched" "$(st keep .pid)" "$keep"
kill -HUP "$DAEMON_PID"
check "SIGHUP with the broken config: logged, nothing changed" wait_for 10 \
    grep -q 'reload: 2 errors; the configuration in force is unchanged' "$T/daemon.log"
is "still the same pid" "$(st keep .pid)" "$keep"
cp "$T/good.conf" "$CONF"

# --- settings that need a restart ------------------------------------------------

sed -i "s|^database = .*|database = \"$T/other.db\"|" "$CONF"
r=$(ctl reload)
like "a new database: needs a restart, kept" "$r" \
    '^needs a restart \(kept as it was\): database'
check "... the one in use stays" test ! -e "$T/other.db"
cp "$T/good.conf" "$CONF"

# --- a fleet section cannot come with a reload -------------------------------------

cat >>"$CONF" <<EOF
fleet { endpoints = { "http://127.0.0.1:9" } }
task lonely { command = "/bin/true" fleet = "once" }
EOF
ctl reload >"$T/out" 2>"$T/err"
is "adding a fleet section and a fleet task: maintctl reload exits 1" "$?" 1
like "... because without the fleet in force it would run on every node" \
    "$(cat "$T/out")" "task lonely \\(fleet = once\\) needs the fleet section, \
which only a restart of maintd can add"
check_fails "... and the task is not there" sh -c \
    "$MAINTCTL -s $SOCK status lonely >/dev/null 2>&1"
cp "$T/good.conf" "$CONF"

# --- an open window stays open ---------------------------------------------------

check "the window opens within a minute" wait_for 70 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json window list | jq -r .open)\" = true ]"
until=$(ctl --json window list | jq -r .open_until)
check "reload" ctl reload
is "an open window stays open, until the same time" \
    "$(ctl --json window list | jq -r '[.open, .open_until] | join(" ")')" "true $until"

# --- 100 SIGHUPs with the config changing underneath ---------------------------------

check "deactivate everything" ctl -y stop-all
check "resume" ctl resume
i=0
while [ "$i" -lt 100 ]; do
	if [ $((i % 2)) -eq 0 ]; then
		conf "$NEW
task extra$i { command = \"/bin/true\" }"
	else
		conf "$NEW"
	fi
	kill -HUP "$DAEMON_PID"
	i=$((i + 1))
done
conf "$NEW
task last { command = \"/bin/true\" }"
kill -HUP "$DAEMON_PID"
check "after 100 SIGHUPs, the last config is in force" wait_for 10 sh -c \
    "$MAINTCTL -s $SOCK status last >/dev/null 2>&1"
is "... and only its tasks" "$(ctl --json list | jq -r .task | sort | tr '\n' ' ')" \
    "fresh keep last slow svc waits "
check "activate keep" ctl activate keep
is "one run of keep, once" "$(pgrep -c -f "sleep 9401\\.$TAG")" 1

done_testing
