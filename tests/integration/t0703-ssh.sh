#!/bin/sh
# t0703-ssh: maintctl -H ssh://[user@]host[:port] (and MAINTD_HOST)
# against a private sshd on 127.0.0.1 (its host key, the client's key,
# its authorized keys and config all in the test's directory; started
# with -D, stopped by pid).  ssh runs with the options of
# MAINTD_SSH="ssh -F CONFIG"; on the other side, maintctl --stdio joins
# the session to the socket, so maintd sees the login user: root may
# activate (a bulk change confirmed with -y over a second connection), a
# user not in admin_group may read but is denied (exit 77, as on that
# host, and the denied event names that user's uid).  logs --follow
# streams and ends when the daemon stops, or when the client is killed
# (TERM or KILL): no ssh, no session, no maintctl --stdio left.  ssh
# failing (a port nobody listens on), no maintd there, no maintctl
# there: exit 69, naming the host.  A bad -H: exit 2, no ssh run.  The
# shell sends every line over one ssh login (logging in again when
# maintd closed it idle); top draws the remote
# dashboard; the bash completion asks the host of -H for names.  As
# root, the second user is made with useradd and removed at the end;
# sshd as root needs /run/sshd (made if missing, and left: another
# suite's t0703 beside this one may be using it, as a packaged sshd's
# tmpfiles make it at boot).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 48

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
if [ ! -x "$SSHD" ] || ! command -v ssh >/dev/null 2>&1 ||
    ! command -v ssh-keygen >/dev/null 2>&1; then
	skip_rest "no sshd, ssh or ssh-keygen (Debian openssh-server)"
fi

S=$T/ssh
mkdir -m 755 "$S" "$S/keys" "$T/bin"
SSHD_PID=""
OTHER=""

ssh_cleanup() {
	if [ -n "$SSHD_PID" ]; then
		kill -TERM "$SSHD_PID" 2>/dev/null
		wait_for 10 gone "$SSHD_PID" || kill -KILL "$SSHD_PID" 2>/dev/null
	fi
	[ -n "$OTHER" ] && userdel "$OTHER" 2>/dev/null
	cleanup
}
trap ssh_cleanup EXIT

# The remote maintctl: a copy any login user may run (the build tree may
# be under a home that is closed to others).
cp "$MAINTCTL" "$T/bin/maintctl"
chmod 755 "$T/bin/maintctl"
ME=$(id -un)

if ! ssh-keygen -q -t ed25519 -N '' -C host -f "$S/host_key" ||
    ! ssh-keygen -q -t ed25519 -N '' -C client -f "$S/key"; then
	skip_rest "ssh-keygen failed"
fi
cp "$S/key.pub" "$S/keys/$ME"

# as root: a user not in admin_group, with a shell that can run a
# command, whose password field ('*') is not a locked account's
if is_root; then
	if command -v useradd >/dev/null 2>&1 &&
	    useradd -r -M -d "$T" -s /bin/sh -p '*' "mtd$$" 2>"$T/useradd.err"
	then
		OTHER="mtd$$"
		cp "$S/key.pub" "$S/keys/$OTHER"
	else
		diag "useradd: $(cat "$T/useradd.err" 2>/dev/null)"
	fi
	# privilege separation needs it (a packaged sshd makes it at boot)
	[ -d /run/sshd ] || mkdir -m 755 /run/sshd 2>/dev/null || [ -d /run/sshd ]
fi
chmod 644 "$S"/keys/*

free_port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# StrictModes no: the key files are under /tmp, which all may write.
start_sshd() {
	PORT=$(free_port)
	cat >"$S/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/keys/%u
AllowUsers $ME ${OTHER:-$ME}
UsePAM no
StrictModes no
UseDNS no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PermitTTY no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
EOF
	: >"$S/sshd.log"
	"$SSHD" -D -f "$S/sshd_config" -E "$S/sshd.log" &
	SSHD_PID=$!
	wait_for 10 grep -q "Server listening on 127.0.0.1 port $PORT" \
	    "$S/sshd.log"
}
tries=0
until start_sshd; do
	diag "sshd: $(cat "$S/sshd.log")"
	kill -KILL "$SSHD_PID" 2>/dev/null
	SSHD_PID=""
	tries=$((tries + 1))
	[ "$tries" -lt 3 ] || skip_rest "sshd does not start here"
done
ok "a private sshd listens on 127.0.0.1:$PORT"

printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$S/host_key.pub")" \
    >"$S/known_hosts"
cat >"$S/config" <<EOF
Host *
	IdentityFile $S/key
	IdentitiesOnly yes
	UserKnownHostsFile $S/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	ConnectTimeout 20
	LogLevel ERROR
EOF
MAINTD_SSH="ssh -F $S/config"
MAINTD_REMOTE_MAINTCTL=$T/bin/maintctl
export MAINTD_SSH MAINTD_REMOTE_MAINTCTL
unset MAINTD_HOST MAINTD_SOCKET
H="ssh://$ME@127.0.0.1:$PORT"

# Not root: sshd runs as this user, who must be able to log in (an
# account with a shell, not locked).  As root, a failed login fails.
if ! is_root && ! $MAINTD_SSH -p "$PORT" -l "$ME" 127.0.0.1 true \
    </dev/null >"$T/probe" 2>&1; then
	skip_rest "$ME cannot log in to a private sshd: $(cat "$T/probe")"
fi

write_conf <<'EOF'
socket_mode = "0666"
client_timeout = 3s
task ticker {
	kind = service
	shell = true
	command = "while :; do echo tick; sleep 0.1; done"
}
task a { command = "/bin/true" }
task b { command = "/bin/true" }
EOF
check "daemon starts" start_fg

# rctl ARGS: maintctl through ssh, as $ME; RC, OUT, ERR
rctl() {
	"$MAINTCTL" -H "$H" -s "$SOCK" "$@" >"$T/r.out" 2>"$T/r.err" </dev/null
	RC=$?
	OUT=$(cat "$T/r.out")
	ERR=$(cat "$T/r.err")
}

# --- through ssh, as on that host -------------------------------------------

rctl status
is "status through ssh: exit 0" "$RC" 0
like "... the remote daemon's tasks" "$OUT" '^ticker +service +inactive'
MAINTD_HOST=$H "$MAINTCTL" -s "$SOCK" ping >"$T/o" 2>&1 </dev/null
is "MAINTD_HOST instead of -H" "$?:$(cat "$T/o")" "0:pong"
MAINTD_HOST=$H "$MAINTCTL" -H '' -s "$SOCK" ping >"$T/o" 2>&1 </dev/null
is "-H '' is this host, MAINTD_HOST or not" "$?:$(cat "$T/o")" "0:pong"
rctl --json status
is "--json through ssh: one object a task" \
    "$(printf '%s\n' "$OUT" | jq -r .task | tr '\n' ' ')" "ticker a b "

rctl activate ticker
is "activate as $ME (admin there): exit 0" "$RC" 0
is "... it is active" "$(ctl --json status ticker | jq -r .active)" true
like "... and the activity log names the login user" \
    "$(ctl --json events --task ticker |
    jq -r 'select(.event == "activated") | .actor' | tail -n 1)" \
    "uid $(id -u)\)?$"
rctl activate a b
is "a bulk change without -y and no terminal: exit 1" "$RC" 1
like "... not confirmed" "$ERR" 'activate 2 tasks: a, b: not confirmed'
rctl -y activate a b
is "... with -y: confirmed over a second connection, exit 0" "$RC" 0
is "... both are active" "$(ctl --json status a b | jq -r .active | sort -u)" true

if [ -n "$OTHER" ]; then
	"$MAINTCTL" -H "ssh://$OTHER@127.0.0.1:$PORT" -s "$SOCK" status \
	    >"$T/o" 2>&1 </dev/null
	is "$OTHER (not in admin_group) may read: exit 0" "$?" 0
	"$MAINTCTL" -H "ssh://$OTHER@127.0.0.1:$PORT" -s "$SOCK" deactivate \
	    ticker >"$T/o" 2>&1 </dev/null
	is "... but is denied a change: exit 77, as on that host" "$?" 77
	like "... with the daemon's reason" "$(cat "$T/o")" '^maintctl: denied: '
	like "... and the denied event names that user's uid" \
	    "$(ctl --json events | jq -r 'select(.event == "denied") |
	    .actor' | tail -n 1)" "uid $(id -u "$OTHER")\)?$"
else
	for _ in 1 2 3 4; do
		skip "a second login user needs root and useradd"
	done
fi

# --- streams: no process left behind on either side --------------------------------

# the ssh client, the remote shell and maintctl --stdio all carry this
RELAY="--stdio -s $SOCK"
relays() {
	pgrep -f -- "$RELAY" >/dev/null 2>&1
}
sessions() {
	pgrep -P "$SSHD_PID" >/dev/null 2>&1
}
nothing_left() {
	! relays && ! sessions
}
ticks() {
	[ "$(grep -c tick "$T/follow.out")" -ge "$1" ]
}

"$MAINTCTL" -H "$H" -s "$SOCK" logs ticker --follow -n 1 >"$T/follow.out" \
    2>&1 </dev/null &
FPID=$!
EXTRA_PIDS="$EXTRA_PIDS $FPID"
check "logs --follow through ssh streams the lines" wait_for 30 ticks 5
stop_daemon
check "... and ends when the remote daemon stops" wait_for 10 gone "$FPID"
wait "$FPID"
is "... exit 0 (its final line: maintd is stopping)" "$?" 0
check "... no ssh, no session, no maintctl --stdio left" \
    wait_for 10 nothing_left

check "daemon starts again" start_fg
ctl activate ticker >/dev/null
for sig in TERM KILL; do
	: >"$T/follow.out"
	"$MAINTCTL" -H "$H" -s "$SOCK" logs ticker --follow -n 1 \
	    >"$T/follow.out" 2>&1 </dev/null &
	FPID=$!
	EXTRA_PIDS="$EXTRA_PIDS $FPID"
	if ! wait_for 30 ticks 3; then
		not_ok "logs --follow streams again (for SIG$sig)"
		diag "$(cat "$T/follow.out")"
		continue
	fi
	if [ "$sig" = KILL ] && [ "$(uname -s)" != Linux ]; then
		kill -TERM "$FPID"
		skip "ssh follows a SIGKILLed maintctl only on Linux (PDEATHSIG)"
		continue
	fi
	kill -"$sig" "$FPID"
	wait "$FPID" 2>/dev/null
	if wait_for 10 nothing_left; then
		ok "the client killed (SIG$sig): nothing left on either side"
	else
		not_ok "the client killed (SIG$sig): nothing left on either side"
		diag "$(pgrep -af -- "$RELAY"; pgrep -aP "$SSHD_PID")"
	fi
done
ctl deactivate ticker >/dev/null

# --- failures ------------------------------------------------------------------

DEAD=$(free_port)
"$MAINTCTL" -H "ssh://$ME@127.0.0.1:$DEAD" -s "$SOCK" status \
    >"$T/o" 2>"$T/e" </dev/null
is "ssh cannot connect (a port nobody listens on): exit 69" "$?" 69
like "... the message names the host" "$(cat "$T/e")" \
    "^maintctl: cannot reach maintd on ssh://$ME@127\\.0\\.0\\.1:$DEAD: ssh failed"
rctl -s "$T/nothing.sock" status
is "no maintd there: exit 69" "$RC" 69
like "... what that host said" "$(printf '%s\n' "$ERR" | head -n 1)" \
    "^maintctl: cannot reach maintd at $T/nothing\\.sock: "
like "... and which host that was" "$(printf '%s\n' "$ERR" | tail -n 1)" \
    "^maintctl: cannot reach maintd on $H \\(what that host said is above\\)$"
MAINTD_REMOTE_MAINTCTL=$T/no/maintctl "$MAINTCTL" -H "$H" -s "$SOCK" status \
    >"$T/o" 2>"$T/e" </dev/null
is "no maintctl there: exit 69" "$?" 69
like "... saying how to name it" "$(cat "$T/e")" \
    "^maintctl: cannot reach maintd on $H: no maintctl to run there.*MAINTD_REMOTE_MAINTCTL"
before=$(grep -c 'Connection from' "$S/sshd.log")
"$MAINTCTL" -H "ssh://-oProxyCommand=touch $T/pwned" status >"$T/o" 2>&1
is "-H with an option for a host: exit 2" "$?:$(test -e "$T/pwned" && echo ran)" 2:
"$MAINTCTL" -H "127.0.0.1:$PORT" status >"$T/o" 2>&1
is "-H without ssh://: exit 2" "$?" 2
like "... saying what it takes" "$(cat "$T/o")" 'ssh://\[user@\]host\[:port\]'
is "... and no ssh was run" "$(grep -c 'Connection from' "$S/sshd.log")" \
    "$before"

# --- maintctl --stdio, completion, shell and top ----------------------------------

is "--stdio alone: the raw protocol, answered then closed" \
    "$(printf 'ping\n' | "$MAINTCTL" --stdio -s "$SOCK")" "OK pong"
COMP=$(dirname "$MAINTCTL")/completion
is "bash completion: task names from the host and socket of -H and -s" \
    "$(PATH=$(dirname "$MAINTCTL"):$PATH bash -c '. "$1"; shift
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
	_maintctl; printf "%s\n" "${COMPREPLY[@]}"' sh "$COMP/maintctl.bash" \
    maintctl -H "$H" -s "$SOCK" activate '' </dev/null | sort | tr '\n' ' ')" \
    "a b ticker "
before=$(grep -c 'Accepted publickey' "$S/sshd.log")
r=$(printf 'ping\nstatus a\n' |
    HOME=$T "$MAINTCTL" -H "$H" -s "$SOCK" shell 2>&1)
like "shell through ssh: it says where" "$r" "^maintd shell on $H:"
like "... each line is a request" "$r" "^pong$"
like "... answered as maintctl prints it" "$r" "^a +oneshot +"
is "... all of them over one ssh login" \
    "$(($(grep -c 'Accepted publickey' "$S/sshd.log") - before))" 1

# the shell's connection closed by maintd (client_timeout): the next line
# logs in again, and is answered
mkfifo "$T/shell.in"
HOME=$T "$MAINTCTL" -H "$H" -s "$SOCK" shell <"$T/shell.in" >"$T/shell.out" \
    2>&1 &
SHPID=$!
EXTRA_PIDS="$EXTRA_PIDS $SHPID"
exec 7>"$T/shell.in"
# feed LINE: to the shell; an error, not SIGPIPE, if it is gone
feed() {
	(trap '' PIPE; printf '%s\n' "$1" >&7) 2>/dev/null
}
before=$(grep -c 'Accepted publickey' "$S/sshd.log")
feed ping
wait_for 30 grep -q '^pong$' "$T/shell.out"
no_relay() {
	! relays
}
check "shell: maintd closes its idle connection, and ssh ends" \
    wait_for 20 no_relay
feed 'status b'
check "... the next line logs in again and is answered" \
    wait_for 30 grep -q '^b  *oneshot' "$T/shell.out"
exec 7>&-
check "... end of input: the shell ends" wait_for 10 gone "$SHPID"
is "... two logins, no error" \
    "$(($(grep -c 'Accepted publickey' "$S/sshd.log") - before)):$(grep -c maintctl: "$T/shell.out")" \
    "2:0"

if command -v tmux >/dev/null 2>&1; then
	TS="maintd-t0703-$$"
	tmux -L "$TS" new-session -d -s t -x 160 -y 30 sh
	tmux -L "$TS" send-keys -t t "MAINTD_SSH='$MAINTD_SSH' $MAINTCTL -H $H -s $SOCK top" Enter
	check "top through ssh: the remote dashboard, its host in the header" \
	    wait_for 30 sh -c "tmux -L $TS capture-pane -t t -p |
	    grep -q 'on 127.0.0.1, up.*tasks 3'"
	[ "$lastfail" = 0 ] || diag "the pane: $(tmux -L "$TS" capture-pane -t t -p)"
	tmux -L "$TS" send-keys -t t q
	top_gone() {
		! tmux -L "$TS" capture-pane -t t -p |
		    grep -q '^TASK .*ACTIVATION' && nothing_left
	}
	check "... q: it ends, nothing left on either side" wait_for 15 top_gone
	tmux -L "$TS" kill-server
else
	skip "no tmux"
	skip "no tmux"
fi

done_testing
