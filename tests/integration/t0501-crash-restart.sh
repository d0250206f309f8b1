#!/bin/sh
# t0501-crash-restart: maintd killed with SIGKILL while 20 runs are
# going, each with children that daemonised (DESIGN §3 "Spawning a
# child", §5 of issue #15), then started again.  t0204 and t0215 do it
# with one run; this is the load: 20 services, each leading a child, a
# double-forked grandchild in its session and a double-forked one that
# left it with setsid, and decoys that carry the marks of a real run
# (MAINTD_TASK, MAINTD_RUN_ID) but are not the run's: one of another
# user, one of the run's own user in a session of its own, both started
# while the runs go.  After the kill the runs' first processes die with
# the daemon (PR_SET_PDEATHSIG), what they started lives on; the next
# start closes the 20 runs as abandoned and kills what is provably left
# of them.
# With cgroup tracking (where the cgroup v2 hierarchy can be written)
# that is everything in the runs' cgroups: nothing of them survives, and
# their cgroups go.  With cgroup = off it is what is in the runs'
# sessions: a grandchild that left the session cannot be told from a
# decoy once its leader is dead, so it lives on, and the daemon logs why
# (maintd(8) SECURITY, "What is killed at start-up").  Either way both
# decoys live on, the next run's id is above the abandoned ones, and
# health is ok.
# Every process this file starts is marked "sleep 1000 95NN.<pid>".
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N=20
PER=28		# test points per tracking mode
plan $((PER * 2))

TAG=$$

# exactly the sleeps marked NN (not the shells whose command lines hold
# the marks)
marked() {
	pgrep -x -f -- "sleep 1000 95$1\\.$TAG"
}

count_marked() {
	pgrep -c -x -f -- "sleep 1000 95$1\\.$TAG" || true
}

kill_marked() {
	for p in $(pgrep -f -- "sleep 1000 95[0-9][0-9]\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
trap 'kill_marked; cleanup' EXIT

# zombie or gone (PID 1 of a container may not reap what it adopts)
dead() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

all_dead() {
	[ "$#" -gt 0 ] || return 1
	for p in "$@"; do
		dead "$p" || return 1
	done
}

# pids (live, not zombies) whose environment has MAINTD_TASK=PREFIX...
carriers() {
	for f in /proc/[0-9]*/environ; do
		p=${f#/proc/}
		p=${p%/environ}
		if grep -qz -- "^MAINTD_TASK=$1" "$f" 2>/dev/null &&
		    ! dead "$p"; then
			echo "$p"
		fi
	done | sort -n
}

all_alive() {
	[ "$#" -gt 0 ] || return 1
	for p in "$@"; do
		alive "$p" || return 1
	done
}

counts_are() {
	[ "$(count_marked 01)" -eq "$1" ] && [ "$(count_marked 02)" -eq "$2" ] &&
	    [ "$(count_marked 03)" -eq "$3" ]
}

hf() {
	ctl --json health 2>/dev/null | head -n 1 | jq -r "$1"
}

hf_is() {
	[ "$(hf "$1")" = "$2" ]
}

cgroup_probe

# decoy NN USER:GROUP RUN TASK: a sleep marked NN in a session of its
# own, carrying the marks of RUN of TASK, as USER (when root)
decoy() {
	if is_root; then
		env "MAINTD_RUN_ID=$3" "MAINTD_TASK=$4" setpriv --reuid="${2%:*}" \
		    --regid="${2#*:}" --clear-groups setsid sleep 1000 "95$1.$TAG" &
	else
		env "MAINTD_RUN_ID=$3" "MAINTD_TASK=$4" setsid sleep 1000 "95$1.$TAG" &
	fi
}

# phase MODE: cgroup or off
phase() {
	mode=$1
	P=t0501.$TAG.$mode.
	{
		[ "$mode" = off ] && echo 'cgroup = off'
		echo "max_weight = $N"
		i=1
		while [ "$i" -le "$N" ]; do
			# a child; a double-forked grandchild in the session; one
			# that left it (the shell double forks: the subshell's
			# setsid exits once its sh has started the sleep)
			cat <<EOF
task $P$i {
	kind = service
	command = "sleep 1000 9501.$TAG & (sleep 1000 9502.$TAG &) ; (setsid sh -c 'sleep 1000 9503.$TAG &' &) ; wait"
	shell = true
}
EOF
			i=$((i + 1))
		done
	} | write_conf
	: >"$T/daemon.log"
	check "$mode: daemon starts with $N services" start_fg
	if [ "$mode" = off ]; then
		is "$mode: tracking by process groups" "$(hf .tracking)" "process groups"
	else
		is "$mode: tracking by cgroups" "$(hf .tracking)" cgroup
	fi
	BASE=$(hf .cgroup)
	# shellcheck disable=SC2046 # one word per task
	check "$mode: activate all $N" ctl -y activate $(seq -f "$P%.0f" 1 "$N")
	check "$mode: $N runs going" wait_for 60 hf_is .running "$N"
	check "$mode: each with its child and two daemonised grandchildren" \
	    wait_for 60 counts_are "$N" "$N" "$N"
	ctl --json status >"$T/st"
	rids=$(jq -r 'select(.current != null) | .current.run' "$T/st" | sort -n)
	leaders=$(jq -r 'select(.current != null) | .current.pid' "$T/st")
	rid1=$(jq -r "select(.task == \"${P}1\") | .current.run" "$T/st")
	is "$mode: $N distinct run ids" "$(echo "$rids" | sort -u | wc -l)" "$N"
	escaped=$(marked 03)
	n=0
	for p in $escaped; do
		sid=$(ps -o sid= -p "$p" | tr -d ' ')
		echo "$leaders" | grep -qx -- "$sid" || n=$((n + 1))
	done
	is "$mode: the setsid grandchildren left their runs' sessions" "$n" "$N"

	# decoys with the marks of run rid1, started while the runs go
	decoy 21 daemon:daemon "$rid1" "${P}1"
	decoy 22 nobody:nogroup "$rid1" "${P}1"
	check "$mode: two decoys carry the marks of run $rid1" wait_for 10 sh -c \
	    "[ \$(pgrep -c -x -f -- 'sleep 1000 952[12]\\.$TAG') -eq 2 ]"
	d21=$(marked 21)
	d22=$(marked 22)

	kill -KILL "$DAEMON_PID"
	check "$mode: maintd is gone after SIGKILL" wait_for 10 gone "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
	# shellcheck disable=SC2086 # one word per pid
	check "$mode: the $N runs' first processes died with it" \
	    wait_for 20 all_dead $leaders
	is "$mode: all they started lives on" \
	    "$(count_marked 01) $(count_marked 02) $(count_marked 03)" "$N $N $N"

	check "$mode: maintd starts again" start_fg
	if [ "$mode" = off ]; then
		check "$mode: the children and grandchildren in the runs' sessions are killed" \
		    wait_for 20 counts_are 0 0 "$N"
		# shellcheck disable=SC2086
		check "$mode: the $N that left their sessions live on" all_alive $escaped
		n=0
		for p in $escaped; do
			grep -q "not killing pid $p: it carries the marks of run [0-9]*, but it is neither in the run's session nor below it" \
			    "$T/daemon.log" && n=$((n + 1))
		done
		is "$mode: the daemon says why it left each of them" "$n" "$N"
		# what is left: those, and the decoys
		is "$mode: nothing else carries the runs' marks" \
		    "$(carriers "$P" | tr '\n' ' ')" \
		    "$(printf '%s\n' "$escaped" "$d21" "$d22" | sort -n | tr '\n' ' ')"
	else
		check "$mode: everything the runs started is killed" \
		    wait_for 20 counts_are 0 0 0
		check "$mode: the daemon says where it found them" \
		    grep -q "$BASE/${P}1/$rid1: left running by a previous maintd" \
		    "$T/daemon.log"
		is "$mode: nothing but the decoys carries the runs' marks" \
		    "$(carriers "$P" | tr '\n' ' ')" \
		    "$(printf '%s\n' "$d21" "$d22" | sort -n | tr '\n' ' ')"
		check "$mode: the runs' cgroups are removed" wait_for 20 sh -c \
		    "! ls -d $BASE/$P*/[0-9]* 2>/dev/null"
	fi
	check "$mode: the decoy of another user lives on" alive "$d21"
	check "$mode: the decoy of the run's user in its own session lives on" \
	    alive "$d22"
	check "$mode: the daemon says why it left the one of another user" grep -q \
	    "not killing pid $d21: it carries the marks of run $rid1, but it runs as another user" \
	    "$T/daemon.log"
	check "$mode: ... and the one in a session of its own" grep -q \
	    "not killing pid $d22: it carries the marks of run $rid1, but it is neither in the run's session nor below it" \
	    "$T/daemon.log"
	ctl --json history -n 1000 >"$T/h"
	is "$mode: history: the $N runs are abandoned" \
	    "$(jq -r "select(.task | startswith(\"$P\")) | select(.result == \"abandoned\") | .run" "$T/h" | sort -n)" \
	    "$rids"
	is "$mode: history: none left open" \
	    "$(jq -r 'select(.ended == null) | .run' "$T/h")" ""
	is "$mode: every task is idle and inactive" \
	    "$(ctl --json status | jq -r '[.state, .active] | tostring' | sort -u)" \
	    '["idle",false]'
	is "$mode: health ok" "$(hf .status)" ok
	check "$mode: a task runs again" ctl activate "${P}1"
	check "$mode: ... its run going" wait_for 20 sh -c \
	    "[ \$($MAINTCTL -s $SOCK --json status ${P}1 | jq -r .state) = running ]"
	new=$(ctl --json status "${P}1" | jq -r .current.run)
	is "$mode: its id is above the abandoned ones" \
	    "$([ "${new:-0}" -gt "$(echo "$rids" | tail -n 1)" ] 2>/dev/null && echo yes)" yes
	stop_daemon
	cp "$T/daemon.log" "$T/daemon.$mode.log"
	kill_marked
	check "$mode: nothing marked is left" wait_for 10 sh -c \
	    "! pgrep -f -- 'sleep 1000 95[0-9][0-9]\\.$TAG'"
}

if [ -n "$NOCG" ]; then
	diag "cgroup tracking skipped: $NOCG"
	for _ in $(seq "$PER"); do
		skip "cgroup tracking: $NOCG"
	done
else
	phase cgroup
fi
phase off

done_testing
