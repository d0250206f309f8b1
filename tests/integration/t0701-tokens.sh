#!/bin/sh
# t0701-tokens: bearer tokens (token NAME { hash role tasks } in
# maintd.conf).  "auth TOKEN" gives the connection the token's role,
# whoever the peer is: read, operate (its task globs; preset apply when
# they match every task of the preset) or admin; the activity log names
# the token; a wrong token is denied and audited, the third closes the
# connection; a reload that removes the token ends its rights at once.
# The token itself is in no log, event, reply or database row.  Then
# maintctl -T FILE and MAINTD_TOKEN_FILE, and maintctl token new.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 56

hash_of() {
	printf '%s' "$1" | sha256sum | cut -c1-64
}

TREAD=read-7f1c9e2a4b
TOPER=oper-35d0b8e61c
TADMIN=admin-9a4e2c7d13
HREAD=$(hash_of "$TREAD")
HOPER=$(hash_of "$TOPER")
HADMIN=$(hash_of "$TADMIN")

tokens() {
	cat <<EOF
token viewer { hash = "sha256:$HREAD" }
token ops {
	hash = "sha256:$HOPER"
	role = operate
	tasks = { "web-*", "cache" }
}
token root-web { hash = "sha256:$HADMIN"  role = admin }
EOF
}

# --- the config -------------------------------------------------------------

# nconf: stdin as a config for maintd -n; RC and ERR.
nconf() {
	write_conf
	chmod 600 "$CONF"
	"$MAINTD" -n -c "$CONF" >/dev/null 2>"$T/n.err"
	RC=$?
	ERR=$(cat "$T/n.err")
}

nconf <<EOF
task a { command = "/bin/true" }
$(tokens)
EOF
is "tokens of every role are accepted" "$RC" 0

nconf <<'EOF'
token t1 { hash = "oper-35d0b8e61c" }
EOF
like "a bad hash is refused with its line" "$ERR" \
    "maintd.conf:7: hash: not sha256:HEX"
case $ERR in
*oper-35d0b8e61c*) not_ok "... without repeating the value (a token pasted by mistake)" ;;
*) ok "... without repeating the value (a token pasted by mistake)" ;;
esac

nconf <<EOF
token t1 { role = admin }
token t2 { hash = "sha256:$HREAD" role = root }
token t3 { hash = "sha256:$HREAD" role = admin tasks = { "x" } }
token t2 { hash = "sha256:$HOPER" }
EOF
like "no hash" "$ERR" "maintd.conf:7: token t1: no hash"
like "an unknown role" "$ERR" "maintd.conf:8: role: unknown role 'root'"
like "tasks outside role operate" "$ERR" \
    "maintd.conf:9: token t3: tasks limits role operate only"
like "the same hash twice" "$ERR" "token t3 has the hash of token t2"
like "a name twice" "$ERR" "maintd.conf:10: token t2 is defined twice"

if is_root; then
	write_conf <<EOF
token t1 { hash = "sha256:$HREAD" }
EOF
	chmod 644 "$CONF"
	"$MAINTD" -n -c "$CONF" >/dev/null 2>"$T/n.err"
	like "as root, a token's hash in a file others may read is refused" \
	    "$(cat "$T/n.err")" 'maintd.conf:7: hash: a secret, and the file is readable by others'
else
	skip "not root: any file the daemon's user may read"
fi

# --- the daemon ---------------------------------------------------------------

write_conf <<EOF
socket_mode = "0666"
task web-front { command = "/bin/sleep 300"  kind = service }
task web-back { command = "/bin/sleep 300"  kind = service }
task cache { command = "/bin/true" }
task backup { command = "/bin/true" }
preset webs { tasks = { "web-front", "web-back" } }
preset all { tasks = { "web-front", "backup" } }
$(tokens)
EOF
chmod 600 "$CONF"	# it holds token hashes
check "maintd starts with tokens" start_fg

out=$(raw "auth $TREAD" "status" "activate cache")
like "auth with the read token: OK and its name" "$out" \
    '^OK token viewer, role read$'
like "... read verbs answer" "$out" 'cache +oneshot'
like "... a change is denied, even for root" "$out" \
    '^ERR denied token viewer has role read: activate changes state$'

out=$(raw "auth $TOPER" "activate web-front" "activate backup" "stop-all" \
    "preset apply all --confirm" "preset apply webs --confirm")
like "operate: a task its globs match" "$out" '^- web-front: activated$'
like "operate: a task outside them is denied" "$out" \
    "^ERR denied activate backup: token ops \(role operate\) may not change task backup"
like "operate: stop-all is denied" "$out" \
    '^ERR denied token ops has role operate: .* not stop-all$'
like "operate: a preset with a task outside is denied" "$out" \
    '^ERR denied preset apply all: token ops .* task backup'
like "operate: a preset inside is applied" "$out" '^OK preset webs applied'
like "the activity log names the token" "$(ctl events --task web-front)" \
    'web-front +activated +by token ops \(uid [0-9]+\)'
like "the denial is audited with its reason" "$(ctl events -n 20)" \
    'denied +by token ops \(uid [0-9]+\) +\{"verb":"activate","task":"backup","reason":"activate backup: token ops'

out=$(raw "auth nope-1" "auth nope-2" "auth nope-3" "ping")
is "three wrong tokens: denied three times, then the connection is closed" \
    "$(finals "$out")" "ERR denied unknown token
ERR denied unknown token
ERR denied unknown token (3 wrong tokens: closing the connection)"
like "a wrong token is audited" "$(ctl events -n 30)" \
    'denied +by [a-z]+ \(uid 0\) +\{"verb":"auth","reason":"unknown token"\}'

out=$(raw "auth nope" "status" "activate web-back" "auth $TADMIN" "ping")
like "after a wrong token, even a read is denied (pipelined requests never run as the peer)" \
    "$out" '^ERR denied the last auth on this connection failed'
like "... and a change" "$(finals "$out" | sed -n 3p)" '^ERR denied the last auth'
like "... until a good token" "$(finals "$out" | sed -n 5p)" '^OK pong'
out=$(raw "auth $TADMIN" "auth nope" "activate web-back")
like "a wrong token after a good one takes its rights away" "$out" \
    'ERR denied the last auth on this connection failed'

out=$(raw "auth $TADMIN --json")
like "auth --json: the token's name and role" "$out" \
    '^- \{"token":"root-web","role":"admin","tasks":\[\]\}$'

if is_root && id nobody >/dev/null 2>&1; then
	out=$(printf '%s\n' "activate cache" | as_nobody socat -t 5 - \
	    "UNIX-CONNECT:$SOCK")
	like "nobody without a token may not change state" "$out" '^ERR denied'
	out=$(printf '%s\n' "auth $TADMIN" "deactivate web-front" |
	    as_nobody socat -t 5 - "UNIX-CONNECT:$SOCK")
	like "nobody with the admin token may" "$out" \
	    '^- web-front: deactivated$'
	like "... and the log says token root-web (uid of nobody)" \
	    "$(ctl events --task web-front)" \
	    "deactivated +by token root-web \(uid $(id -u nobody)\)"
else
	skip "needs root and user nobody"
	skip "needs root and user nobody"
	skip "needs root and user nobody"
fi

# A reload that takes the token away ends its rights on an open connection.
conn_open c1
conn_send c1 "auth $TADMIN"
wait_for 5 grep -q '^OK token root-web' "$T/c1.out"
cp "$CONF" "$T/with-tokens.conf"
grep -v root-web "$T/with-tokens.conf" >"$CONF"
check "reload without the admin token" ctl reload
conn_send c1 "status"
if wait_for 5 grep -q '^ERR denied token root-web is no longer configured' \
    "$T/c1.out"; then
	ok "the next request on its connection is denied"
else
	not_ok "the next request on its connection is denied"
	diag "$(cat "$T/c1.out")"
fi
check "... and the connection is closed" wait_for 5 gone "$(conn_pid c1)"
out=$(raw "auth $TADMIN")
like "the removed token is unknown" "$out" '^ERR denied unknown token$'
cp "$T/with-tokens.conf" "$CONF"
check "reload with it again" ctl reload

# --- maintctl -T and MAINTD_TOKEN_FILE ----------------------------------------

printf '%s\n' "$TOPER" >"$T/ops.token"
chmod 600 "$T/ops.token"
check "maintctl -T FILE sends auth first" ctl -T "$T/ops.token" activate web-back
like "... as the token" "$(ctl events --task web-back)" \
    'activated +by token ops'
ctl -T "$T/ops.token" activate backup >"$T/o" 2>&1
is "... denied outside its globs: exit 77" "$?" 77
like "... with maintd's reason" "$(cat "$T/o")" \
    'maintctl: denied: activate backup: token ops'
MAINTD_TOKEN_FILE=$T/ops.token ctl deactivate web-back >"$T/o" 2>&1
is "MAINTD_TOKEN_FILE does the same" "$?" 0
ctl -y -T "$T/ops.token" deactivate web-front web-back >"$T/o" 2>&1
is "a confirmed request sends auth again (exit 0)" "$?" 0
chmod 640 "$T/ops.token"
ctl -T "$T/ops.token" status >"$T/o" 2>&1
is "a token file others may read is refused (exit 2)" "$?" 2
like "... saying why" "$(cat "$T/o")" 'readable by others'
chmod 600 "$T/ops.token"
printf 'wrong-token\n' >"$T/bad.token"
chmod 600 "$T/bad.token"
ctl -T "$T/bad.token" status >"$T/o" 2>&1
is "a wrong token: exit 77" "$?" 77
like "... unknown token" "$(cat "$T/o")" 'denied: unknown token'
ctl -T "$T/missing.token" status >"$T/o" 2>&1
is "a missing token file: exit 2" "$?" 2

# --- maintctl token new -------------------------------------------------------

"$MAINTCTL" token new deploy --role operate --tasks 'web-*' 'cache' \
    >"$T/new.out" 2>"$T/new.err"
is "token new: exit 0" "$?" 0
NEWTOK=$(sed -n 's/^token: //p' "$T/new.out")
like "... prints a fresh token" "$NEWTOK" '^[A-Za-z0-9_-]{40,}$'
like "... and its config block" "$(cat "$T/new.out")" \
    "hash = \"sha256:$(hash_of "$NEWTOK")\""
like "... with its role and tasks" "$(cat "$T/new.out")" \
    'role = operate'
"$MAINTCTL" token new deploy >"$T/new2.out" 2>&1
if [ "$(sed -n 's/^token: //p' "$T/new2.out")" != "$NEWTOK" ]; then
	ok "... a different token each time"
else
	not_ok "... a different token each time"
fi
sed -n '/^token deploy/,/^}/p' "$T/new.out" >>"$CONF"
check "the block printed is a valid config" "$MAINTD" -n -c "$CONF"
check "reload with the new token" ctl reload
printf '%s\n' "$NEWTOK" >"$T/deploy.token"
chmod 600 "$T/deploy.token"
check "the new token works" ctl -T "$T/deploy.token" run cache
"$MAINTCTL" token new 'bad name' >"$T/o" 2>&1
is "token new with a bad name: exit 2" "$?" 2

# --- the tokens were never written down -------------------------------------

stop_daemon
leaks=""
for tok in "$TREAD" "$TOPER" "$TADMIN" "$NEWTOK" nope-1; do
	if grep -rqF -- "$tok" "$T/daemon.log" "$T/log" 2>/dev/null ||
	    sqlite3 "$T/maintd.db" .dump | grep -qF -- "$tok"; then
		leaks="$leaks $tok"
	fi
done
is "no token in the daemon's log, the task logs or the database" "$leaks" ""

done_testing
