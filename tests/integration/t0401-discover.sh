#!/bin/sh
# t0401-discover: drop-in .conf files and JSON manifests found by the
# discover globs (DESIGN §6).  A manifest is taken only when its tags hold
# discover_tag; one with defaultState other than inactive, or
# canDeactivate false, is refused; a broken file is reported (file and
# line, or file and key path) and left out at start-up while the rest
# loads, and maintd -n fails on it; a name defined twice names both
# places; show says where a task comes from; as root, a drop-in another
# user could change is refused; a drop-in written with write-then-rename
# is taken within 2 s, without SIGHUP.  As root, files a user could plant
# are never read: a symbolic link (to a root-only file: its content in no
# error), a FIFO (no hang, for maintd -n or the daemon), a hard link, a
# discover directory others may write even with the sticky bit; and a
# drop-in or manifest others can read that holds a secret is refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 54

D=$T/tasks.d
mkdir -m 755 "$D"
write_conf <<EOF
discover = { "$D/*.conf", "$D/*.json" }
discover_settle = 300ms
task main1 { command = "/bin/true" }
EOF

put() {
	cat >"$D/$1"
	chmod 644 "$D/$1"
}

put drop.conf <<'EOF'
# a drop-in: tasks, presets, windows
task drop1 {
	command = "/bin/echo from a drop-in"
	tags = { "dropped" }
}
preset dropped { tasks = { "drop1", "img" } }
EOF
put img.json <<'EOF'
{ "name": "img", "tags": ["maintenance", "performance"],
  "description": "prune the image cache",
  "maintenance": { "command": ["/bin/echo", "prune", "--all"],
                   "every": "1h", "timeout": "5m", "killSignal": "INT",
                   "canDeactivate": true, "defaultState": "inactive" } }
EOF
put web.json <<'EOF'
{ "name": "web", "tags": ["web"], "maintenance": { "command": "/bin/true" } }
EOF
put active.json <<'EOF'
{ "name": "act", "tags": ["maintenance"],
  "maintenance": { "command": "/bin/true", "defaultState": "active" } }
EOF
put pinned.json <<'EOF'
{ "name": "pinned", "tags": ["maintenance"],
  "maintenance": { "command": "/bin/true", "canDeactivate": false } }
EOF
put badval.json <<'EOF'
{ "name": "bv", "tags": ["maintenance"],
  "maintenance": { "command": "/bin/true", "every": "soon" } }
EOF
put broken.json <<'EOF'
{ "name": "broken", "tags": ["maintenance"
EOF
put bad.conf <<'EOF'
task drop2 {
	command = "/bin/true"
	timeout = 10x
}
EOF
put dup.conf <<'EOF'
task main1 { command = "/bin/false" }
EOF

"$MAINTD" -n -c "$CONF" >"$T/n.out" 2>"$T/n.err"
is "maintd -n: a bad discovered file fails the check" "$?" 1
ERR=$(cat "$T/n.err")
like "... with its file and line" "$ERR" "^$D/bad.conf:3: timeout: bad duration '10x'"
like "a manifest with defaultState active: refused" "$ERR" \
    "^$D/active.json: maintenance.defaultState: 'active' is refused: every task starts inactive"
like "canDeactivate false: refused" "$ERR" \
    "^$D/pinned.json: maintenance.canDeactivate: false is refused"
like "a bad value in a manifest: file and key path" "$ERR" \
    "^$D/badval.json:maintenance.every: every: bad duration 'soon'"
like "a manifest that is not JSON" "$ERR" "^$D/broken.json: not JSON"
like "a name defined twice: both places" "$ERR" \
    "^$D/dup.conf:1: task main1 is defined twice: also at $CONF:[0-9]+"
check_fails "a manifest without the tag: not an error" grep -q web.json "$T/n.err"

check "maintd starts anyway" start_fg
for f in bad.conf active.json pinned.json badval.json broken.json dup.conf; do
	like "start-up: $f is reported and left out" "$(cat "$T/daemon.log")" \
	    "$D/$f.*\\(the file is left out\\)"
done
names=$(ctl --json list | jq -r .task | sort | tr '\n' ' ')
is "the rest loads: the config's task, the drop-in's, the tagged manifest's" \
    "$names" "drop1 img main1 "
is "main1 is the config's" "$(ctl --json show main1 | jq -r '.command | join(" ")')" /bin/true
is "show: where a drop-in task is written" \
    "$(ctl --json show drop1 | jq -r '"\(.file):\(.line)"')" "$D/drop.conf:3"
is "show: a manifest task's file and key" \
    "$(ctl --json show img | jq -r '"\(.file) \(.key) \(.line)"')" "$D/img.json maintenance null"
is "the manifest's options" \
    "$(ctl --json show img | jq -c '[.command, .every_s, .timeout_s, .kill_signal, .tags, .description]')" \
    '[["/bin/echo","prune","--all"],3600,300,"INT",["maintenance","performance"],"prune the image cache"]'
is "the drop-in's preset names tasks of other files" \
    "$(ctl --json preset show dropped | jq -c .tasks)" '["drop1","img"]'
is "every discovered task starts inactive" \
    "$(ctl --json status | jq -r 'select(.active) | .task')" ""
check "a manifest task runs" ctl run img --wait
is "... its command" "$(ctl logs img -n 1 | sed 's/.*] //')" "prune --all"

# --- watched: write-then-rename, without SIGHUP ---------------------------------

# (a reload is all or nothing: the broken files go first)
rm -f "$D"/bad.conf "$D"/active.json "$D"/pinned.json "$D"/badval.json \
    "$D"/broken.json "$D"/dup.conf
check "once the broken files are gone, a reload of its own" wait_for 5 sh -c \
    "$MAINTCTL -s $SOCK --json events -n 5 | grep -q '\"event\":\"reloaded\"'"

printf 'task renamed { command = "/bin/true" }\n' >"$D/.tmp.new"
chmod 644 "$D/.tmp.new"
mv "$D/.tmp.new" "$D/renamed.conf"
check "a drop-in written with write-then-rename is taken within 2 s" \
    wait_for 2 sh -c "$MAINTCTL -s $SOCK list | grep -q '^renamed '"
like "... by a reload the activity log shows" \
    "$(ctl --json events -n 5 | jq -r 'select(.event == "reloaded") | "\(.actor) \(.detail.added)"')" \
    'discover \["renamed"\]'

# --- as root: drop-ins must be root's ------------------------------------------

if is_root; then
	put theirs.conf <<'EOF'
task theirs { command = "/bin/true" }
EOF
	chown nobody "$D/theirs.conf"
	ctl reload >"$T/r" 2>&1
	is "a drop-in owned by nobody: the reload is refused" "$?" 1
	like "... saying why" "$(cat "$T/r")" "$D/theirs.conf: refusing: owned by uid"
	rm -f "$D/theirs.conf"

	# --- files a user could plant: never read --------------------------------

	# tctl ARGS: maintctl, bounded (a daemon stuck on a FIFO never answers)
	tctl() {
		timeout 10 "$MAINTCTL" -s "$SOCK" "$@"
	}
	# planted NAME DESCRIPTION WHY: a reload with NAME in $D is refused
	# with WHY; the daemon still answers; then NAME goes
	planted() {
		tctl reload >"$T/r" 2>&1
		is "$2: the reload is refused" "$?" 1
		like "... saying why" "$(cat "$T/r")" "$D/$1:( )?$3"
		check "... and the daemon answers" tctl ping
		rm -f "$D/$1"
	}
	# a root-only file, as /etc/shadow is
	printf 'root:SECRET-%s:19000:0:99999:7:::\n' "$$" >"$T/shadow"
	chmod 600 "$T/shadow"
	ln -s "$T/shadow" "$D/shadow.conf"
	timeout 20 "$MAINTD" -n -c "$CONF" >"$T/n.out" 2>&1
	like "maintd -n: a symbolic link is refused, not followed" "$(cat "$T/n.out")" \
	    "^$D/shadow.conf: refusing: a symbolic link"
	planted shadow.conf "a symbolic link to a root-only file" "refusing: a symbolic link"
	check_fails "... whose content is in no error, log or event" grep -rq "SECRET-$$" \
	    "$T/n.out" "$T/r" "$T/daemon.log"
	check_fails "... nor in maintctl log, as anyone may read it" sh -c \
	    "timeout 10 $MAINTCTL -s $SOCK log -n 1000 | grep -q SECRET-$$"

	mkfifo "$D/fifo.conf"
	timeout 10 "$MAINTD" -n -c "$CONF" >"$T/n.out" 2>&1
	is "maintd -n: a FIFO does not hang it (exit 1)" "$?" 1
	like "... it is refused" "$(cat "$T/n.out")" "^$D/fifo.conf: refusing: not a regular file \\(a FIFO\\)"
	planted fifo.conf "a FIFO" "refusing: not a regular file \\(a FIFO\\)"

	printf 'task linked { command = "/bin/true" }\n' >"$T/linked.conf"
	chmod 644 "$T/linked.conf"
	ln "$T/linked.conf" "$D/linked.conf"
	planted linked.conf "a hard link to a file of root's" "refusing: 2 hard links"

	put secret.conf <<'EOF'
task withpw {
	command = "/bin/true"
	environment = { "API_TOKEN=abc" }
}
EOF
	planted secret.conf "a drop-in others can read, with a secret" \
	    "3: environment: a secret in the environment, and the file is readable by others \\(mode 0644\\): refusing it \\(chmod o-r $D/secret.conf\\)"
	put secret.json <<'EOF'
{ "name": "pw", "tags": ["maintenance"],
  "maintenance": { "command": "/bin/true",
                   "health": { "url": "http://u:pw@127.0.0.1:9/" } } }
EOF
	planted secret.json "a manifest others can read, with a password in a URL" \
	    "maintenance.health.url: url: a password in the URL"

	chmod 1777 "$D"
	tctl reload >"$T/r" 2>&1
	is "a discover directory others may write (sticky): refused" "$?" 1
	like "... naming it" "$(cat "$T/r")" "refusing: directory $D writable by others \\(mode 1777\\)"
	chmod 755 "$D"
	chown nobody "$D"
	tctl reload >"$T/r" 2>&1
	is "a discover directory a user owns: refused" "$?" 1
	like "... naming it" "$(cat "$T/r")" "refusing: directory $D owned by uid $(id -u nobody)"
	chown root "$D"
	check "the files gone, a reload goes through" tctl reload
else
	for _ in $(seq 27); do
		skip "a daemon not running as root trusts its user's files"
	done
fi

done_testing
