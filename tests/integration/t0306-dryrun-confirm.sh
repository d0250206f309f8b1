#!/bin/sh
# t0306-dryrun-confirm: --dry-run and confirmation (DESIGN §5, §9, issue
# 5 "Dry run and confirmation").  --dry-run on activate, deactivate,
# stop-all, preset apply (also --exclusive), resume, stop and restart
# prints the plan (would activate/deactivate, unchanged, budget after;
# as JSON: activate, deactivate, unchanged, weight_after, max_weight,
# refused, why) and changes nothing: status --json and the activity log
# are the same after.  Bulk changes answer ERR confirm <summary> without
# --confirm, over the raw socket and through maintctl: without a tty and
# without -y it exits 1 with a hint (even with "y" piped in), -y / --yes
# resend with --confirm, and on a terminal (script(1)) it asks
# "<summary>? [y/N]" and applies the change on y only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 75

KEYS='["activate","deactivate","unchanged","weight_after","max_weight","start_when","refused","why"]'

st() {
	ctl --json status "$1" | jq -r "$2"
}

active() {
	ctl --json status | jq -r 'select(.active) | .task' | tr '\n' ' ' |
	    sed 's/ $//'
}

busy() {
	[ "$(st "$1" .pid)" != null ]
}

idle() {
	[ "$(st "$1" .state)" = idle ]
}

# snap: the state that must not change (status without the uptimes, and
# the activity log).
snap() {
	ctl --json status | jq -c 'del(.uptime_s)'
	ctl --json events -n 100000 | jq -c .
}

# unchanged DESC REQUEST: the raw REQUEST (a --dry-run) changes nothing.
unchanged() {
	snap >"$T/before"
	raw "$2" >"$T/reply"
	snap >"$T/after"
	check "$1: nothing changed" diff -u "$T/before" "$T/after"
}

# ctl_err ARGS...: maintctl's stderr, and its exit status as "rc=N".
ctl_err() {
	{ ctl "$@" >/dev/null </dev/null; } 2>&1
	echo "rc=$?"
}

SVC='kind = service command = "sleep 600" shell = true'
write_conf <<EOF
task sa { $SVC }
task sb { $SVC weight = 2 }
task sc { $SVC }
task pp { command = "/bin/true" every = 1h }
task ob { command = "/bin/true" }
task long { command = "sleep 600" shell = true weight = 0 }
preset pbc { tasks = { "sb", "sc" } }
EOF
check "daemon starts" start_fg
check "activate sa" ctl activate sa
check "activate pp" ctl activate pp
check "sa runs" wait_for 10 busy sa

# --- --dry-run: the plan, and nothing changes --------------------------------

unchanged "activate one --dry-run" 'activate sb --dry-run'
is "activate one --dry-run: the plan" "$(cat "$T/reply")" \
    "- would activate sb (and start it)
- budget after: 3/8
OK dry run: nothing changed"
unchanged "activate several --dry-run" 'activate sa sb sc pp ob --dry-run'
is "activate several --dry-run: the plan" "$(cat "$T/reply")" \
    "- would activate sb (and start it)
- would activate sc (and start it)
- would activate ob (and start it)
- 2 unchanged
- budget after: 5/8
OK dry run: nothing changed"
unchanged "activate --dry-run --confirm" 'activate sb sc --dry-run --confirm'
is "--dry-run wins over --confirm" "$(finals "$(cat "$T/reply")")" \
    "OK dry run: nothing changed"
unchanged "activate --dry-run --json" 'activate sb sc --dry-run --json'
is "activate --dry-run --json: the plan" "$(cat "$T/reply")" \
    '- {"activate":["sb","sc"],"deactivate":[],"unchanged":0,"weight_after":4,"max_weight":8,"start_when":{},"refused":null,"why":null}
OK dry run: nothing changed'
unchanged "deactivate --dry-run" 'deactivate sa pp sc --dry-run'
is "deactivate --dry-run: the plan" "$(cat "$T/reply")" \
    "- would deactivate sa (and stop it)
- would deactivate pp
- 1 unchanged
- budget after: 0/8
OK dry run: nothing changed"
unchanged "deactivate --dry-run --json" 'deactivate sa --dry-run --json'
ctl --json deactivate sa --dry-run >"$T/j"
# shellcheck disable=SC2016 # jq's variable
check "deactivate --dry-run --json: exactly the documented keys" \
    jq -e --argjson k "$KEYS" 'keys_unsorted == $k' "$T/j"
is "deactivate --dry-run --json: the plan" \
    "$(jq -c '[.activate, .deactivate, .unchanged, .weight_after]' "$T/j")" \
    '[[],["sa"],0,0]'
unchanged "stop-all --dry-run" 'stop-all --dry-run'
is "stop-all --dry-run: the plan" "$(cat "$T/reply")" \
    "- would halt: nothing starts until resume
- would deactivate sa (and stop it)
- would deactivate pp
- budget after: 0/8
OK dry run: nothing changed"
is "not halted after it" "$(finals "$(raw health)")" "OK ok"
unchanged "stop-all --dry-run --json" 'stop-all --dry-run --json'
check "stop-all --dry-run --json: every data line is JSON" sh -c \
    "grep '^- ' '$T/reply' | cut -c3- | jq -se 'length >= 1' >/dev/null"
unchanged "preset apply --dry-run" 'preset apply pbc --dry-run'
is "preset apply --dry-run: the plan" "$(cat "$T/reply")" \
    "- would activate sb (and start it)
- would activate sc (and start it)
- budget after: 4/8
OK dry run: nothing changed"
unchanged "preset apply --exclusive --dry-run" \
    'preset apply pbc --exclusive --dry-run --json'
is "preset apply --exclusive --dry-run --json: the plan" \
    "$(sed -n 's/^- //p' "$T/reply" | jq -c '[.activate, .deactivate,
    .weight_after, .refused]')" '[["sb","sc"],["sa","pp"],4,null]'
check "run long (a oneshot)" ctl run long
check "long runs" wait_for 10 busy long
unchanged "stop --dry-run" 'stop long --dry-run'
is "stop --dry-run: the plan" "$(cat "$T/reply")" \
    "- would stop run $(st long .current.run) of long (pid $(st long .pid))
OK dry run: nothing changed"
check "stop long" ctl stop long
check "long ends" wait_for 20 idle long
unchanged "restart --dry-run" 'restart sa --dry-run'
is "restart --dry-run: the plan" "$(cat "$T/reply")" \
    "- would restart sa (stopping it first)
OK dry run: nothing changed"
unchanged "resume --dry-run (not halted)" 'resume --dry-run'
is "the daemon still runs sa" "$(active)" "sa pp"

# --- confirm: the raw socket --------------------------------------------------

snap >"$T/before"
is "raw: activate two asks" "$(raw 'activate sb sc')" \
    "ERR confirm activate 2 tasks: sb, sc"
is "raw: deactivate two asks" "$(raw 'deactivate sa pp')" \
    "ERR confirm deactivate 2 tasks: sa, pp"
is "raw: preset apply asks" "$(raw 'preset apply pbc')" \
    "ERR confirm Apply preset pbc: start 2 tasks, stop 0"
like "raw: stop-all asks" "$(raw 'stop-all')" \
    '^ERR confirm Stop all: deactivate 2 tasks, stop 1 running, '
snap >"$T/after"
check "unconfirmed: nothing changed" diff -u "$T/before" "$T/after"
is "raw: one task needs no confirmation" "$(raw 'activate ob')" \
    "- ob: activated
OK 1 activated, 0 already active"
is "raw: activate two --confirm" "$(raw 'activate sb sc --confirm')" \
    "- sb: activated
- sc: activated
OK 2 activated, 0 already active"
is "raw: deactivate two --confirm" \
    "$(raw 'deactivate sb sc ob --confirm')" "- sb: deactivated
- sc: deactivated
- ob: deactivated
OK 3 deactivated, 0 already inactive"
is "active again: sa pp" "$(active)" "sa pp"
check "sb ends" wait_for 20 idle sb
check "sc ends" wait_for 20 idle sc

# --- confirm: maintctl ------------------------------------------------------

snap >"$T/before"
is "maintctl, no tty, no -y: exit 1 and the hint" \
    "$(ctl_err activate sb sc)" \
    "maintctl: activate 2 tasks: sb, sc: not confirmed (answer y on a terminal, or use -y)
rc=1"
echo y | ctl activate sb sc >/dev/null 2>&1
is "maintctl: y piped in is no terminal: exit 1" "$?" 1
is "maintctl preset apply, no tty: exit 1" "$(ctl_err preset apply pbc |
    tail -1)" "rc=1"
is "maintctl stop-all, no tty: exit 1" "$(ctl_err stop-all | tail -1)" "rc=1"
snap >"$T/after"
check "refused: nothing changed" diff -u "$T/before" "$T/after"
ctl -y activate sb sc >"$T/o" 2>"$T/e"
is "maintctl -y: exit 0" "$?" 0
is "maintctl -y: what it did" "$(cat "$T/o")" "sb: activated
sc: activated"
is "maintctl -y: no question asked" "$(cat "$T/e")" ""
is "applied" "$(active)" "sa sb sc pp"
check "maintctl --yes deactivate" ctl --yes deactivate sb sc
is "applied" "$(active)" "sa pp"
is "maintctl -y on a single task: no question" "$(ctl -y activate ob)" \
    "ob: activated"
check "deactivate ob" ctl deactivate ob
ctl -y --json preset apply pbc >"$T/o" 2>"$T/e"
is "maintctl -y --json preset apply: exit 0" "$?" 0
is "applied" "$(active)" "sa sb sc pp"
check "maintctl -y --json: every line printed is JSON" sh -c \
    "jq -se 'length >= 2' '$T/o' >/dev/null"
check "maintctl -y deactivate" ctl -y deactivate sb sc

# --- confirm: on a terminal -------------------------------------------------

if command -v script >/dev/null 2>&1 &&
    script -qec true /dev/null </dev/null >/dev/null 2>&1; then
	echo y | script -qec "'$MAINTCTL' -s '$SOCK' activate sb sc" \
	    /dev/null >"$T/tty" 2>&1
	is "tty, y: exit 0" "$?" 0
	like "tty: the question" "$(cat "$T/tty")" \
	    'activate 2 tasks: sb, sc\? \[y/N\] '
	is "tty, y: applied" "$(active)" "sa sb sc pp"
	echo n | script -qec "'$MAINTCTL' -s '$SOCK' deactivate sb sc" \
	    /dev/null >"$T/tty" 2>&1
	is "tty, n: exit 1" "$?" 1
	like "tty, n: not confirmed" "$(cat "$T/tty")" \
	    'deactivate 2 tasks: sb, sc: not confirmed'
	is "tty, n: nothing changed" "$(active)" "sa sb sc pp"
	printf '\n' | script -qec "'$MAINTCTL' -s '$SOCK' deactivate sb sc" \
	    /dev/null >"$T/tty" 2>&1
	is "tty, just enter (N is the default): exit 1" "$?" 1
	echo yes | script -qec "'$MAINTCTL' -s '$SOCK' deactivate sb sc" \
	    /dev/null >"$T/tty" 2>&1
	is "tty, yes: exit 0" "$?" 0
	is "tty, yes: applied" "$(active)" "sa pp"
	echo y | script -qec "'$MAINTCTL' -s '$SOCK' preset apply pbc" \
	    /dev/null >"$T/tty" 2>&1
	like "tty: preset apply's question" "$(cat "$T/tty")" \
	    'Apply preset pbc: start 2 tasks, stop 0\? \[y/N\] '
	is "tty, y: the preset applied" "$(active)" "sa sb sc pp"
else
	i=0
	while [ "$i" -lt 11 ]; do
		skip "script(1) from util-linux is not available"
		i=$((i + 1))
	done
fi

done_testing
