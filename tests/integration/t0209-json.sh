#!/bin/sh
# t0209-json: --json on every verb (DESIGN §5: "With --json, every payload
# is one JSON object (JSON Lines)"; the keys as maintctl(8) lists them).
# Each request is sent raw with --json: every data line must be "- " and
# one JSON object, then one final line; maintctl --json prints those
# objects and nothing else.  The verbs whose objects maintctl(8)
# documents must have exactly those keys (in that order where the order
# is the same for every object).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 67

TAG=$$


# payloads_json REQUEST: the raw reply to REQUEST --json is data lines
# that are each one JSON object, then exactly one final line.
payloads_json() {
	raw "$1 --json" >"$T/reply"
	[ -s "$T/reply" ] || { echo "no reply"; return 1; }
	awk '
	/^(OK|ERR)( |$)/ { finals++; last = NR; next }
	/^- / { if (finals) { print "data after the final line: " $0; bad = 1 }; next }
	{ print "neither data nor final: " $0; bad = 1 }
	END {
		if (finals != 1) { print finals " final lines"; bad = 1 }
		if (last != NR) { print "the final line is not the last"; bad = 1 }
		exit bad
	}' "$T/reply" || return 1
	sed -n 's/^- //p' "$T/reply" >"$T/payloads"
	[ -s "$T/payloads" ] || return 0
	# one object per line: as many objects as lines, each an object
	n=$(wc -l <"$T/payloads" | tr -d ' ')
	o=$(jq -R -c 'fromjson? | select(type == "object")' "$T/payloads" | wc -l |
	    tr -d ' ')
	[ "$n" = "$o" ] || {
		echo "$n data lines, $o JSON objects:"
		head -5 "$T/payloads"
		return 1
	}
}

# ctl_json ARGS...: maintctl --json prints only JSON objects, one a line.
ctl_json() {
	ctl --json "$@" >"$T/cj" 2>"$T/cj.err"
	rc=$?
	[ "$rc" -eq 0 ] || { echo "exit $rc: $(cat "$T/cj.err")"; return 1; }
	[ -s "$T/cj" ] || return 0
	n=$(wc -l <"$T/cj" | tr -d ' ')
	o=$(jq -R -c 'fromjson? | select(type == "object")' "$T/cj" | wc -l |
	    tr -d ' ')
	[ "$n" = "$o" ] || { echo "$n lines, $o objects:"; head -5 "$T/cj"; return 1; }
}

# keys_are KEYS ARGS...: every object of maintctl --json ARGS has exactly
# the keys KEYS (a JSON array), in that order.
keys_are() {
	k=$1
	shift
	ctl --json "$@" >"$T/k" || return 1
	[ -s "$T/k" ] || { echo "no objects"; return 1; }
	jq -se --argjson k "$k" 'all(.[]; keys_unsorted == $k)' "$T/k" >/dev/null || {
		jq -c keys_unsorted "$T/k" | sort -u
		return 1
	}
}

# keyset_is KEYS ARGS...: the same, in any order.
keyset_is() {
	k=$1
	shift
	ctl --json "$@" >"$T/k" || return 1
	[ -s "$T/k" ] || { echo "no objects"; return 1; }
	jq -se --argjson k "$k" 'all(.[]; keys == ($k | sort))' "$T/k" >/dev/null || {
		jq -c keys "$T/k" | sort -u
		return 1
	}
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 9[0-9]{3}\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

write_conf <<EOF
task odd {
	command = "printf 'tab\\\\there \"quoted\" back\\\\\\\\slash\\\\n'"
	shell = true
	dry_run = true
	tags = { "x" }
}
task hourly { every = 1h command = "/bin/true" }
task long { command = "exec sleep 9901.$TAG" shell = true }
preset p { tasks = { "hourly" } }
window w { preset = "p" schedule = "0 3 * * *" duration = 1h }
EOF

STATUS='["task","kind","active","until","state","waiting","health","pid","uptime_s","restarts","next_run","current","last","missed","late","last_ok"]'

check "daemon starts" start_fg
check "odd: run" ctl run odd --wait

# --- read-only verbs --------------------------------------------------------

for req in version help "help history" status "status odd" list "show odd" \
    history "history odd" events "events --task odd" "logs odd" health \
    "health odd" "preset list" "preset show p" "preset export p" \
    "window list" "nosuchverb" "status nosuch" "history -n 0"; do
	check "$req --json: JSON objects, one final line" payloads_json "$req"
done
check "maintctl --json status: only JSON objects" ctl_json status
check "maintctl --json logs odd: only JSON objects" ctl_json logs odd
is "logs --json: the line with a tab, quotes and a backslash, as written" \
    "$(ctl --json logs odd -n 1 | jq -r .line)" \
    "$(printf 'tab\there "quoted" back\\slash')"
ctl --json status nosuch >"$T/o" 2>"$T/e"
is "an error with --json: exit 1" "$?" 1
is "an error with --json: a JSON error object on stdout" \
    "$(jq -c . "$T/o")" '{"error":{"code":"unknown-task","message":"no task named '"'nosuch'"'"}}'

check "version: version, protocol" keys_are '["version","protocol"]' version
check "help: verb, usage, help, admin" keys_are '["verb","usage","help","admin"]' help
check "list: task, kind, schedule, every_s, tags, description" \
    keys_are '["task","kind","schedule","every_s","tags","description"]' list
check "status: the documented keys" keys_are "$STATUS" status
is "show: starts with the keys of status" \
    "$(ctl --json show odd | jq -c "keys_unsorted[0:$(echo "$STATUS" | jq length)]")" \
    "$STATUS"
is "status: last is a run with the documented keys" \
    "$(ctl --json status odd | jq -c '.last | keys_unsorted')" \
    '["run","trigger","pid","started","dry_run","ended","duration_s","result","ok","exit","signal","timed_out","failure","cpu_s","maxrss_kb","cpu_user_s","cpu_system_s","memory_peak_bytes","io_read_bytes","io_write_bytes","cpu_pressure_some_s","cpu_pressure_full_s","memory_pressure_some_s","memory_pressure_full_s","io_pressure_some_s","io_pressure_full_s","source","memory_source","io_source"]'
check "history: the documented keys" keys_are \
    '["run","task","trigger","pid","dry_run","started","ended","duration_s","result","exit","signal","summary","cpu_s","maxrss_kb","cpu_user_s","cpu_system_s","memory_peak_bytes","io_read_bytes","io_write_bytes","cpu_pressure_some_s","cpu_pressure_full_s","memory_pressure_some_s","memory_pressure_full_s","io_pressure_some_s","io_pressure_full_s","source","memory_source","io_source"]' history
check "events: id, time, task, event, actor, detail" \
    keys_are '["id","time","task","event","actor","detail"]' events
check "logs: task, time, run, stream, line" keys_are \
    '["task","time","run","stream","line"]' logs odd
check "health: the documented keys" keys_are \
    '["status","reason","host","tasks","active","running","failed","unhealthy","late","halted","store","clients","weight_in_use","max_weight","load1","tracking","cgroup","fleet","uptime_s","version"]' health
check "health TASK: task, status, state, active, last_result" \
    keys_are '["task","status","state","active","late","last_result","log","health","probe"]' health odd
check "preset list: name, description, tasks, source" \
    keyset_is '["name","description","tasks","source"]' preset list
check "preset show: as preset list" \
    keyset_is '["name","description","tasks","source"]' preset show p
check "preset export: name, description, tasks" \
    keyset_is '["name","description","tasks"]' preset export p
check "window list: the documented keys" keys_are \
    '["window","preset","source","schedule","timezone","duration_s","next","open","open_until","rolling","turn"]' window list

# --- verbs that change things -----------------------------------------------

check "run --dry-run --wait --json: JSON objects" payloads_json \
    "run odd --dry-run --wait"
ctl --json run odd --wait >"$T/w"
is "run --wait: the lines: task, run, stream, line" \
    "$(head -n -1 "$T/w" | jq -c keys_unsorted | sort -u)" '["task","run","stream","line"]'
is "run --wait: the last object is the result" \
    "$(tail -n 1 "$T/w" | jq -c keys_unsorted)" \
    '["task","run","result","ok","class","exit","duration_s"]'
check "run (no wait) --json" payloads_json "run long"
check "long: running" wait_for 10 state_is long running
check "stop --json" payloads_json "stop long"
check "long: stopped" wait_for 10 state_is long idle
check "activate --dry-run: one plan object" payloads_json \
    "activate hourly long --dry-run"
check "the plan: the documented keys" keys_are \
    '["activate","deactivate","unchanged","weight_after","max_weight","start_when","refused","why"]' \
    activate hourly --dry-run
check "activate --json: JSON objects" \
    payloads_json "activate hourly"
check "deactivate --json: JSON objects" \
    payloads_json "deactivate hourly"
check "activate two --confirm --json: JSON objects" \
    payloads_json "activate hourly long --confirm"
check "long: running" wait_for 10 state_is long running
check "deactivate two --confirm --json: JSON objects" \
    payloads_json "deactivate hourly long --confirm"
check "long: stopped" wait_for 10 state_is long idle
check "stop-all --dry-run --json: only the plan object" \
    payloads_json "stop-all --dry-run"
check "stop-all --confirm --json" payloads_json "stop-all --confirm"
check "resume --json" payloads_json "resume"
check "preset apply --confirm --json: JSON objects" \
    payloads_json "preset apply p --confirm"
check "deactivate hourly" ctl deactivate hourly
check "preset create --json" payloads_json "preset create q hourly"
check "preset delete --json" payloads_json "preset delete q"
check "reopen --json" payloads_json "reopen"
check "metrics --json: JSON objects" \
    payloads_json "metrics"

done_testing
