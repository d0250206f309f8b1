#!/bin/sh
# t0303-presets: presets (DESIGN §2, §5, issue 5 "Activation model").
# A config preset by tasks and tags: list, show, apply (which always
# asks to confirm), apply again (already active), --for, --exclusive;
# runtime presets: create with tasks and with none (the active set),
# export as one JSON object, import of that JSON (maintctl and raw, a
# quoted word), the round trip, delete; the refusals (exists, config
# preset, unknown task, bad name, bad JSON, nothing to store); runtime
# presets survive a restart, activation does not.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 85

st() {
	ctl --json status "$1" | jq -r "$2"
}

# active: the names of the active tasks, space separated, in config order.
active() {
	ctl --json status | jq -r 'select(.active) | .task' | tr '\n' ' ' |
	    sed 's/ $//'
}

inactive() {
	[ "$(st "$1" .active)" = false ]
}

nevents() {
	ctl --json events -n 100000 | jq -r --arg e "$1" \
	    'select(.event == $e) | .id' | wc -l | tr -d ' '
}

# ctl_err ARGS...: maintctl's stderr, and its exit status as "rc=N".
ctl_err() {
	{ ctl "$@" >/dev/null; } 2>&1
	echo "rc=$?"
}

write_conf <<EOF
task pa { kind = service command = "sleep 600" shell = true tags = { "grp" } }
task pb { command = "/bin/true" every = 1h tags = { "grp", "x" } }
task pc { kind = service command = "sleep 600" shell = true }
task pd { kind = service command = "sleep 600" shell = true }
preset cfgp {
	description = "from the config"
	tasks = { "pc" }
	tags = { "grp" }
}
EOF
check "daemon starts" start_fg

# --- a config preset --------------------------------------------------------

like "list: the config preset" "$(ctl preset list)" \
    '^cfgp +config +3 +from the config$'
is "list --json" "$(ctl --json preset list | jq -c .)" \
    '{"name":"cfgp","description":"from the config","tasks":["pc","pa","pb"],"source":"config"}'
is "show --json: by task, then by tag" "$(ctl --json preset show cfgp |
    jq -c '[.name, .source, .tasks]')" '["cfgp","config",["pc","pa","pb"]]'
like "show: text" "$(ctl preset show cfgp)" 'source +config'
is "raw: show's final line" "$(finals "$(raw 'preset show cfgp')")" \
    "OK 3 tasks"
is "raw: apply without --confirm asks" "$(raw 'preset apply cfgp')" \
    "ERR confirm Apply preset cfgp: start 3 tasks, stop 0"
is "nothing was applied" "$(active)" ""
ctl preset apply cfgp </dev/null >"$T/o" 2>"$T/e"
is "maintctl without a tty and without -y: exit 1" "$?" 1
is "nothing was applied" "$(active)" ""
raw 'preset apply cfgp --confirm' >"$T/r"
is "raw: apply --confirm" "$(cat "$T/r")" "- pc: activated
- pa: activated
- pb: activated
OK preset cfgp applied: 3 activated, 0 deactivated, 0 already active"
is "its tasks are active" "$(active)" "pa pb pc"
is "event preset-applied" "$(ctl --json events -n 100000 |
    jq -c 'select(.event == "preset-applied") | .detail')" \
    '{"preset":"cfgp","activated":["pc","pa","pb"],"deactivated":[]}'
is "apply again: all already active" \
    "$(finals "$(raw 'preset apply cfgp --confirm')")" \
    "OK preset cfgp applied: 0 activated, 0 deactivated, 3 already active"
check "deactivate them" ctl -y deactivate pa pb pc

# --for
check "apply --for 2s" ctl -y preset apply cfgp --for 2s
like "--for: until is set" "$(st pa .until)" '^[0-9]{4}-'
check "--for: auto-deactivated" wait_for 20 inactive pa
check "--for: all of them" wait_for 5 inactive pc
is "--for: nothing left active" "$(active)" ""
like "raw: --for 0 is refused" "$(raw 'preset apply cfgp --for 0 --confirm')" \
    '^ERR invalid --for 0'

# --exclusive
check "activate pd" ctl activate pd
is "raw: --exclusive asks, naming the stop" \
    "$(raw 'preset apply cfgp --exclusive')" \
    "ERR confirm Apply preset cfgp: start 3 tasks, stop 1"
check "apply --exclusive" ctl -y preset apply cfgp --exclusive
is "--exclusive: pd deactivated, the preset active" "$(active)" "pa pb pc"
like "raw: unknown preset" "$(raw 'preset apply nosuch --confirm')" \
    "^ERR unknown-preset no preset named 'nosuch'\$"

# --- runtime presets --------------------------------------------------------

is "create with no tasks: the active set" "$(raw 'preset create act')" \
    "OK preset act stored with 3 tasks"
is "it holds the active tasks" "$(ctl --json preset show act |
    jq -c '[.source, .tasks]')" '["runtime",["pa","pb","pc"]]'
is "create with tasks" "$(raw 'preset create rt1 pc pd')" \
    "OK preset rt1 stored with 2 tasks"
is "create: an existing name" "$(raw 'preset create rt1 pa')" \
    "ERR state preset rt1 exists (delete it first)"
is "create: a config preset's name" "$(raw 'preset create cfgp pa')" \
    "ERR state preset cfgp is defined in the config"
is "create: an unknown task" "$(raw 'preset create rt9 pa nosuch')" \
    "ERR unknown-task no task named 'nosuch'"
like "create: a bad name" "$(raw 'preset create bad/name pa')" \
    "^ERR invalid bad preset name 'bad/name'"
check "deactivate all" ctl -y deactivate pa pb pc
is "create with no tasks and none active" "$(raw 'preset create none')" \
    "ERR invalid a preset needs tasks (none named, none active)"
is "event preset-created" "$(ctl --json events -n 100000 |
    jq -c 'select(.event == "preset-created") | .detail' | tail -1)" \
    '{"preset":"rt1","tasks":["pc","pd"]}'

# export
ctl preset export rt1 >"$T/rt1.json"
is "export: one line" "$(wc -l <"$T/rt1.json" | tr -d ' ')" 1
is "export: exactly name, description, tasks" "$(cat "$T/rt1.json")" \
    '{"name":"rt1","description":"","tasks":["pc","pd"]}'
is "raw export: a data line, then OK" "$(raw 'preset export rt1')" \
    '- {"name":"rt1","description":"","tasks":["pc","pd"]}
OK'
is "export of a config preset" "$(ctl preset export cfgp)" \
    '{"name":"cfgp","description":"from the config","tasks":["pc","pa","pb"]}'
is "export --json: the same object" "$(ctl --json preset export rt1)" \
    "$(cat "$T/rt1.json")"
is "export: unknown" "$(ctl_err preset export nosuch)" \
    "maintctl: unknown-preset: no preset named 'nosuch'
rc=1"

# import: the exported JSON under another name, as one maintctl argument
jq -c '.name = "rt2" | .description = "imported \"one\""' "$T/rt1.json" \
    >"$T/rt2.json"
check "import (maintctl, one argument)" ctl preset import "$(cat "$T/rt2.json")"
is "round trip: export gives back what was imported" \
    "$(ctl preset export rt2)" "$(cat "$T/rt2.json")"
is "import: shown as runtime" "$(ctl --json preset show rt2 |
    jq -c '[.source, .description, .tasks]')" \
    '["runtime","imported \"one\"",["pc","pd"]]'
is "raw import: a quoted word with escapes" \
    "$(raw 'preset import "{\"name\": \"rt3\", \"tasks\": [\"pa\", \"pb\"]}"')" \
    "OK preset rt3 stored with 2 tasks"
is "raw import: the description defaults to empty" \
    "$(ctl preset export rt3)" '{"name":"rt3","description":"","tasks":["pa","pb"]}'
like "import: not JSON" "$(raw 'preset import "{nope"')" '^ERR invalid '
like "import: no tasks array" "$(raw 'preset import "{\"name\":\"x\"}"')" \
    '^ERR invalid '
is "import: an unknown task" \
    "$(raw 'preset import "{\"name\":\"x\",\"tasks\":[\"pa\",\"zz\"]}"')" \
    "ERR unknown-task no task named 'zz'"
is "import: an existing name" "$(ctl_err preset import "$(cat "$T/rt2.json")")" \
    "maintctl: state: preset rt2 exists (delete it first)
rc=1"
is "import: a config preset's name" \
    "$(raw 'preset import "{\"name\":\"cfgp\",\"tasks\":[\"pa\"]}"')" \
    "ERR state preset cfgp is defined in the config"
is "import: an empty task list" \
    "$(raw 'preset import "{\"name\":\"x\",\"tasks\":[]}"')" \
    "ERR invalid a preset needs tasks"
is "event preset-imported" "$(nevents preset-imported)" 2

# apply a runtime preset
is "raw: apply rt2 asks" "$(raw 'preset apply rt2')" \
    "ERR confirm Apply preset rt2: start 2 tasks, stop 0"
check "apply rt2" ctl -y preset apply rt2
is "rt2's tasks are active" "$(active)" "pc pd"
check "deactivate them" ctl -y deactivate pc pd

# delete
is "delete a config preset: refused" "$(raw 'preset delete cfgp')" \
    "ERR state preset cfgp is defined in the config; remove it there"
is "delete rt1" "$(raw 'preset delete rt1')" "OK preset rt1 deleted"
is "rt1 is gone" "$(raw 'preset show rt1')" \
    "ERR unknown-preset no preset named 'rt1'"
is "delete it again" "$(raw 'preset delete rt1')" \
    "ERR unknown-preset no preset named 'rt1'"
is "event preset-deleted" "$(ctl --json events -n 100000 |
    jq -c 'select(.event == "preset-deleted") | .detail')" '{"preset":"rt1"}'
is "raw: list's final line" "$(finals "$(raw 'preset list')")" \
    "OK 4 presets"
like "list: no description is - for a runtime preset too" \
    "$(ctl preset list)" '^rt3 +runtime +2 +-$'
is "list --json: a runtime preset's keys in the order of a config one's" \
    "$(ctl --json preset list | jq -c keys_unsorted | sort -u)" \
    '["name","description","tasks","source"]'
is "create with one task: 1 task" "$(raw 'preset create one pd')" \
    "OK preset one stored with 1 task"
is "show: OK 1 task" "$(finals "$(raw 'preset show one')")" "OK 1 task"
is "apply asks: start 1 task" "$(raw 'preset apply one')" \
    "ERR confirm Apply preset one: start 1 task, stop 0"
check "delete it" ctl preset delete one

# usage
like "raw: preset with no subcommand" "$(raw 'preset')" '^ERR usage '
like "raw: an unknown subcommand" "$(raw 'preset frob x')" '^ERR usage '
like "raw: export takes one name" "$(raw 'preset export a b')" '^ERR usage '
like "raw: --confirm is for apply only" "$(raw 'preset delete rt2 --confirm')" \
    '^ERR usage '
check "the failed deletes kept rt2" ctl preset show rt2

# --- a restart --------------------------------------------------------------

ctl --json preset list | jq -c . | sort >"$T/list.before"
check "activate pa" ctl activate pa
stop_daemon
check "daemon starts again" start_fg
ctl --json preset list | jq -c . | sort >"$T/list.after"
check "after a restart: the same presets" diff -u "$T/list.before" \
    "$T/list.after"
is "after a restart: runtime presets act, rt2, rt3" \
    "$(ctl --json preset list | jq -r 'select(.source == "runtime") | .name' |
    sort | tr '\n' ' ')" "act rt2 rt3 "
is "after a restart: export rt2 is unchanged" "$(ctl preset export rt2)" \
    "$(cat "$T/rt2.json")"
is "after a restart: the deleted one stays deleted" \
    "$(raw 'preset show rt1')" "ERR unknown-preset no preset named 'rt1'"
is "after a restart: activation is not restored" "$(active)" ""
check "after a restart: apply a runtime preset" ctl -y preset apply act
is "its tasks are active" "$(active)" "pa pb pc"
check "deactivate them" ctl -y deactivate pa pb pc

done_testing
