#!/bin/sh
# t0603-fleet-identity: two maintd with the same node name (DESIGN §10).
# Instances x1 and y (nodes x and y) join a 3-member etcd cluster; x2, a
# second maintd also configured as node x, must refuse to join: fleet
# status says "refused", health is degraded saying why, its log says so
# once, it takes no lock and runs no singleton, and x1 runs on as before
# (still connected, its registration and its run untouched).  With x2
# killed, still exactly one runs the singleton and the lock names the node
# that runs it.  Once x1 stops (its lease revoked), x2 joins as node x.
# Skipped without etcd (make deps installs it).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/helpers/etcd.sh
. "$(dirname "$0")/helpers/etcd.sh"

plan 23

command -v etcd >/dev/null 2>&1 ||
    skip_rest "no etcd (apt-get install etcd-server)"

TAG=$$
TTL=2
NODES="x1 y x2"
PREFIX="/t0603-$TAG/"

trap 'nodes_dump; stop_nodes; etcd_stop; cleanup' EXIT

# every singleton run is "sleep 1000 96I1.TAG", I the instance: 1 2 3
idx() {
	case $1 in x1) echo 1 ;; y) echo 2 ;; x2) echo 3 ;; esac
}

# node_start INSTANCE NODE
node_start() {
	i=$(idx "$1")
	cat >"$T/$1.conf" <<EOF
socket = "$T/$1.sock"
pidfile = "$T/$1.pid"
database = "$T/$1.db"
log_dir = "$T/$1.log"
kill_grace = 1s
$TASK_USER
fleet {
	endpoints = { $(etcd_endpoints) }
	prefix = "$PREFIX"
	node = "$2"
	ttl = ${TTL}s
	timeout = 500ms
}
task single {
	kind = service
	command = "exec sleep 1000 96${i}1.$TAG"
	shell = true
	fleet = "once"
}
EOF
	"$MAINTD" -f -c "$T/$1.conf" >>"$T/$1.out" 2>&1 &
	eval "NODE_$1=$!"
	wait_for 10 nctl "$1" ping
}

state_is() {
	[ "$(nctl "$1" --json fleet status | jq -r .state)" = "$2" ]
}
running() {
	pgrep -c -f -- "sleep 1000 96[123]1\\.$TAG" || true
}
runs_on() {
	pgrep -f -- "sleep 1000 96$(idx "$1")1\\.$TAG" >/dev/null
}
one_runs() {
	[ "$(running)" -eq 1 ]
}
# sample N: exactly one runs at each of N samples 50 ms apart
sample() {
	n=0
	while [ "$n" -lt "$1" ]; do
		[ "$(running)" -eq 1 ] || return 1
		sleep 0.05	# the sampling period
		n=$((n + 1))
	done
}
# the instance that runs single, by its marker
holder() {
	for n in $NODES; do
		runs_on "$n" && echo "$n"
	done
}

check "a 3-member etcd cluster on 127.0.0.1" etcd_start
check "x1 (node x) starts" node_start x1 x
check "y (node y) starts" node_start y y
check "x1 is connected" wait_for 10 state_is x1 connected
check "y is connected" wait_for 10 state_is y connected
nctl x1 activate single >/dev/null
nctl y activate single >/dev/null
check "single runs on one" wait_for 10 one_runs
h=$(holder)
hp=$(pgrep -f -- "sleep 1000 96$(idx "$h")1\\.$TAG")
lease1=$(ectl get "${PREFIX}nodes/x" -w json | jq -r '.kvs[0].lease')

check "x2, a second maintd as node x, starts" node_start x2 x
nctl x2 activate single >/dev/null
check "x2 refuses to join: fleet status says refused" wait_for 10 state_is x2 refused
like "... and why" "$(nctl x2 --json fleet status | jq -r .reason)" \
    'node name x is already in the fleet under another lease'
check "x2's health is degraded (exit 1)" sh -c \
    "! $MAINTCTL -s $T/x2.sock -q health"
like "... saying why" "$(nctl x2 health 2>&1)" 'fleet: node name x is already in the fleet'
check "its log says so" grep -q 'fleet: node name x is already in the fleet' "$T/x2.out"
check "x2 never runs single (sampled every 50 ms for 3 s, and one runs)" sample 60
check "... nor does it" sh -c "! pgrep -f -- 'sleep 1000 9631\\.$TAG'"
is "x1's registration is its own, untouched" \
    "$(ectl get "${PREFIX}nodes/x" -w json | jq -r '.kvs[0].lease')" "$lease1"
check "x1 is still connected" state_is x1 connected
is "the holder's run is the same" \
    "$(pgrep -f -- "sleep 1000 96$(idx "$h")1\\.$TAG")" "$hp"

p=$(node_pid x2)
kill -KILL "$p"
wait_for 10 gone "$p"
wait "$p" 2>/dev/null
eval "NODE_x2="
check "x2 gone: still exactly one runs (sampled for 3 s)" sample 60
holder_node=$(case $(holder) in x1) echo x ;; y) echo y ;; esac)
is "the lock names the node that runs it" \
    "$(ectl get "${PREFIX}lock/single" --print-value-only)" "$holder_node"

# x1 stops (its lease revoked): node x is free for x2
check "x2 starts again" node_start x2 x
nctl x2 activate single >/dev/null
check "... refused while x1 runs" wait_for 10 state_is x2 refused
node_stop x1
check "x1 stopped: x2 joins as node x within ttl + 2 s" \
    wait_for $((TTL + 2)) state_is x2 connected
check "no maintd logged a curl call from inside a callback" sh -c \
    "! grep -l 'API function called from within callback' $T/*.out"

done_testing
