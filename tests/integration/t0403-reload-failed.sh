#!/bin/sh
# t0403-reload-failed: a reload that fails, by "maintctl reload", by
# SIGHUP or by discover, is not only logged (issue 21): it emits the
# event reload-failed, whose detail carries the first error (FILE:LINE:
# ...), notify can subscribe to it and the webhook carries that error,
# and health is degraded ("config on disk does not load: FILE:LINE: ...")
# until a reload succeeds.  A dry run changes nothing of that.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 41

H=$T/httpd
mkdir "$H"
python3 "$(dirname "$0")/helpers/httpd.py" "$H" &
EXTRA_PIDS="$EXTRA_PIDS $!"
if ! wait_for 10 test -s "$H/port"; then
	echo "1..0 # SKIP the test HTTP server did not start"
	exit 0
fi
PORT=$(cat "$H/port")

D=$T/tasks.d
mkdir -m 755 "$D"

# conf [BROKEN]: the config, with a bad line 5 when BROKEN is given
conf() {
	write_conf <<EOF
discover = { "$D/*.conf" }
discover_settle = 200ms
task a { command = "/bin/true" }
${1:+task b { command = "/bin/true" nosuchkey = 1 \}}
notify hook {
	url = "http://127.0.0.1:$PORT/hook"
	events = { "reload-failed" }
	throttle = 0
}
EOF
}

# the line of the bad key: the 5th after the common head of write_conf
badline=$(( $(write_conf </dev/null; wc -l <"$CONF") + 4 ))

health_ok() {
	ctl health >/dev/null 2>&1
}

reason() {
	ctl --json health 2>/dev/null | jq -r 'select(.status) | .reason'
}

# failed_by ACTOR: the last event is a reload-failed by ACTOR (an ERE)
failed_by() {
	ctl --json events -n 1 | jq -r '[.event, .actor] | join(" ")' |
	    grep -Eqx "reload-failed $1"
}

nfailed() {
	ctl --json events | jq -s 'map(select(.event == "reload-failed")) | length'
}

hooks_is() {
	[ "$(grep -c '"path": "/hook"' "$H/requests" 2>/dev/null)" -eq "$1" ]
}

conf
check "maintd -n: notify may subscribe to reload-failed" "$MAINTD" -n -c "$CONF"
check "daemon starts" start_fg
check "health: ok" health_ok

# --- by the verb ------------------------------------------------------------
conf broken
check_fails "reload of a broken file: refused" ctl reload
check "... a reload-failed event" wait_for 5 failed_by ".* \\(uid $(id -u)\\)"
like "... its detail: the first error, FILE:LINE:" \
    "$(ctl --json events -n 1 | jq -r .detail.error)" \
    "^$CONF:$badline: .*nosuchkey"
like "... and the config file" \
    "$(ctl --json events -n 1 | jq -r .detail.config)" "^$CONF\$"
check_fails "health: degraded" health_ok
like "health: config on disk does not load: FILE:LINE: ..." "$(reason)" \
    "config on disk does not load: $CONF:$badline: "
like "health (text): the same reason" "$(ctl health 2>&1)" \
    "degraded: .*config on disk does not load: $CONF:$badline: "
check "the webhook carries it" wait_for 10 hooks_is 1
is "... the event and its error" \
    "$(grep '"path": "/hook"' "$H/requests" | tail -1 | jq -r .body |
    jq -r '[.event, (.detail.error | test(":'$badline': "))] | join(" ")')" \
    "reload-failed true"
n=$(nfailed)
check_fails "reload --dry-run of the broken file: refused" ctl reload --dry-run
is "... no more reload-failed event" "$(nfailed)" "$n"
conf
check "reload of the fixed file" ctl reload
check "health: ok again" health_ok
check "reload --dry-run: health stays ok" ctl reload --dry-run
check "... ok" health_ok

# --- by SIGHUP --------------------------------------------------------------
conf broken
kill -HUP "$DAEMON_PID"
check "SIGHUP with a broken file: reload-failed by SIGHUP" \
    wait_for 10 failed_by SIGHUP
check_fails "health: degraded" health_ok
like "health: why" "$(reason)" "config on disk does not load: $CONF:$badline: "
check "the webhook again" wait_for 10 hooks_is 2
conf
kill -HUP "$DAEMON_PID"
check "SIGHUP with the fixed file: health ok again" wait_for 10 health_ok

# --- by discover ------------------------------------------------------------
printf 'task d1 { command = "/bin/true" }\ntask d2 { bad = 1 }\n' >"$D/bad.conf"
chmod 644 "$D/bad.conf"
check "a broken drop-in: reload-failed by discover" \
    wait_for 20 failed_by discover
like "... its first error: the drop-in's line 2" \
    "$(ctl --json events -n 1 | jq -r .detail.error)" "^$D/bad.conf:2: "
check_fails "health: degraded" health_ok
like "health: why" "$(reason)" "config on disk does not load: $D/bad.conf:2: "
check "the webhook a third time" wait_for 10 hooks_is 3
printf 'task d1 { command = "/bin/true" }\n' >"$D/bad.conf"
check "the drop-in fixed: health ok again" wait_for 20 health_ok
check "... and its task loaded" ctl show d1
check "a reload of the main file keeps it ok" ctl reload
check "... ok" health_ok

# --- every error, in the order of the files and lines ------------------------
# (the unknown preset of line H+3 is found after the bad duration of
# line H+4: the checks of references come last)
h=$(write_conf </dev/null; wc -l <"$CONF")
write_conf <<EOF
discover = { "$D/*.conf", "$D/*.json" }
discover_settle = 200ms
window w { preset = "nosuch" schedule = "0 3 * * *" duration = 1h }
task a { command = "/bin/true" timeout = 10x }
EOF
cat >"$D/m.json" <<'EOF'
{ "name": "mm", "tags": ["maintenance"],
  "maintenance": { "command": "/bin/true", "every": "soon",
    "canDeactivate": false, "defaultState": "active", "bad-key": 1 } }
EOF
chmod 644 "$D/m.json"
ctl reload >"$T/r" 2>&1
is "reload: the errors of the main file by line" \
    "$(grep "^$CONF:" "$T/r" | cut -d: -f2 | tr '\n' ' ')" \
    "$((h + 3)) $((h + 4)) "
is "... the main file's, then the drop-ins'" \
    "$(grep -v '^maintctl' "$T/r" | cut -d: -f1 | uniq | tr '\n' ' ')" \
    "$CONF $D/m.json "
like "a bad manifest: canDeactivate" "$(cat "$T/r")" \
    "$D/m.json: maintenance.canDeactivate: false is refused"
like "... and defaultState" "$(cat "$T/r")" \
    "$D/m.json: maintenance.defaultState: 'active' is refused"
like "... and the key that is no option" "$(cat "$T/r")" \
    "$D/m.json: maintenance.bad-key: 'bad-key' is not an option name"
like "... and the bad value" "$(cat "$T/r")" \
    "$D/m.json:maintenance.every: every: bad duration 'soon'"
ctl --json reload >"$T/rj" 2>/dev/null
is "--json: every error in one shape, {error: {code, message}}" \
    "$(jq -c '[.error | keys_unsorted, .code]' "$T/rj" | sort -u)" \
    '[["code","message"],"config"]'
is "--json: the objects are the errors of the text, then the final one" \
    "$(jq -r .error.message "$T/rj" | head -n -1)" \
    "$(grep -v '^maintctl' "$T/r")"
like "health: the first of them" "$(reason)" \
    "config on disk does not load: $CONF:$((h + 3)): window w: unknown preset"

done_testing
