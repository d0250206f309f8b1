#!/bin/sh
# t0005-permissions: who may connect and who may change state.  The
# socket gets socket_mode and socket_group; anyone who can connect may use
# read-only verbs; changing verbs need root, the daemon's uid or
# admin_group (the peer's gid or supplementary groups, as the kernel has
# them, not the user database).
# Root only: the clients run as nobody.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if ! is_root; then
	echo "1..0 # SKIP needs root to run clients as another user"
	exit 0
fi
if ! getent group daemon >/dev/null || ! id nobody >/dev/null 2>&1 ||
    [ "$(id -gn nobody)" != nogroup ]; then
	echo "1..0 # SKIP needs user nobody (group nogroup) and group daemon"
	exit 0
fi

plan 18

# nobody_as GROUP COMMAND...: run as nobody with primary group GROUP and
# no supplementary groups.
nobody_as() {
	g=$1
	shift
	setpriv --reuid=nobody --regid="$g" --clear-groups "$@"
}

# not_denied DESCRIPTION REPLY: a changing verb got past the permission
# check.
not_denied() {
	case $2 in
	*"ERR denied"*|*unknown-verb*)
		not_ok "$1"
		diag "reply: $2"
		;;
	"")
		not_ok "$1"
		diag "no reply"
		;;
	*) ok "$1" ;;
	esac
}

# denied DESCRIPTION REPLY: ERR denied.
denied() {
	like "$1" "$2" '^ERR denied '
}

# --- socket mode and group ------------------------------------------------

write_conf <<'EOF'
socket_group = "daemon"
task alpha { command = "/bin/true" }
EOF
check "daemon starts (socket_group daemon)" start_fg
is "socket mode is 0660 by default" "$(stat -c %a "$SOCK")" 660
is "socket group is socket_group" "$(stat -c %G "$SOCK")" daemon
is "socket owner is the daemon's user" "$(stat -c %U "$SOCK")" root
as_nobody "$MAINTCTL" -s "$SOCK" status >"$T/o" 2>&1
is "a user outside the group cannot connect (exit 77)" "$?" 77
nobody_as daemon "$MAINTCTL" -s "$SOCK" status >"$T/o" 2>&1
is "a member of socket_group can connect and read (exit 0)" "$?" 0
stop_daemon

# --- read-only for everyone, changes for admins ------------------------------

write_conf <<'EOF'
socket_mode = "0666"
admin_group = "daemon"
task alpha { command = "/bin/true" }
EOF
check "daemon starts (socket_mode 0666, admin_group daemon)" start_fg
is "socket mode is socket_mode" "$(stat -c %a "$SOCK")" 666

as_nobody "$MAINTCTL" -s "$SOCK" status >"$T/o" 2>&1
is "nobody may use status (exit 0)" "$?" 0
like "... and sees the tasks" "$(cat "$T/o")" '^alpha +oneshot'
r=$(as_nobody socat -t 5 - "UNIX-CONNECT:$SOCK" <<'EOF'
ping
show alpha
list
EOF
)
is "nobody may use ping, show, list" "$(finals "$r" | cut -c1-2 | tr '\n' ' ')" \
    "OK OK OK "

r=$(printf 'activate alpha\n' | as_nobody socat -t 5 - "UNIX-CONNECT:$SOCK")
denied "nobody gets ERR denied for activate" "$r"
as_nobody "$MAINTCTL" -s "$SOCK" activate alpha >"$T/o" 2>&1
rc=$?
is "maintctl exits 77 on ERR denied" "$rc" 77

r=$(printf 'activate alpha\n' | nobody_as daemon socat -t 5 - \
    "UNIX-CONNECT:$SOCK")
not_denied "a peer whose gid is admin_group may activate" "$r"

r=$(printf 'activate alpha\n' | socat -t 5 - "UNIX-CONNECT:$SOCK")
not_denied "root may activate" "$r"
stop_daemon

# Membership is what the kernel says of the peer, not what the user
# database says of its user: nobody's group in /etc/passwd is nogroup,
# but a process of nobody's running with gid daemon and no supplementary
# groups is not in nogroup; one with the supplementary group nogroup is.
write_conf <<'EOF'
socket_mode = "0666"
admin_group = "nogroup"
task alpha { command = "/bin/true" }
EOF
check "daemon starts (admin_group nogroup)" start_fg
r=$(printf 'activate alpha\n' | nobody_as daemon socat -t 5 - \
    "UNIX-CONNECT:$SOCK")
denied "nobody's database group does not count: the process is not in it" "$r"
r=$(printf 'activate alpha\n' | setpriv --reuid=nobody --regid=daemon \
    --groups=nogroup socat -t 5 - "UNIX-CONNECT:$SOCK")
not_denied "a process with the supplementary group admin_group may activate" "$r"

done_testing
