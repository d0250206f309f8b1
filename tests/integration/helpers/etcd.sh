# etcd.sh: a 3-member etcd cluster on 127.0.0.1 for the fleet tests,
# sourced after lib.sh.  Members 1, 2, 3 listen for clients on
# ETCD_PORT+N and for peers on ETCD_PORT+10+N (ports from this test's
# pid, so files that run at once do not meet), keep their data in
# $T/etcdN, and are stopped by pid by etcd_stop (also at exit).
# shellcheck shell=sh

ETCD_PORT=$((20000 + ($$ % 400) * 20))
ETCD_PIDS=""

etcd_url() {
	echo "http://127.0.0.1:$((ETCD_PORT + $1))"
}

# the endpoints of all three, as maintd.conf wants them
etcd_endpoints() {
	echo "\"$(etcd_url 1)\", \"$(etcd_url 2)\", \"$(etcd_url 3)\""
}

etcd_cluster_spec() {
	echo "e1=http://127.0.0.1:$((ETCD_PORT + 11)),e2=http://127.0.0.1:$((ETCD_PORT + 12)),e3=http://127.0.0.1:$((ETCD_PORT + 13))"
}

# etcd_member N: start member N (again: with its data kept)
etcd_member() {
	state=new
	[ -d "$T/etcd$1/member" ] && state=existing
	etcd --name "e$1" --data-dir "$T/etcd$1" \
	    --listen-client-urls "$(etcd_url "$1")" \
	    --advertise-client-urls "$(etcd_url "$1")" \
	    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10 + $1))" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10 + $1))" \
	    --initial-cluster "$(etcd_cluster_spec)" \
	    --initial-cluster-state "$state" \
	    --initial-cluster-token "maintd-test-$$" \
	    --heartbeat-interval 50 --election-timeout 500 \
	    >"$T/etcd$1.log" 2>&1 &
	eval "ETCD_PID_$1=$!"
	ETCD_PIDS="$ETCD_PIDS $!"
}

# etcd_kill N: stop member N (its data stays, for etcd_member N)
etcd_kill() {
	eval "p=\${ETCD_PID_$1:-}"
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	wait_for 10 gone "$p" || kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	eval "ETCD_PID_$1="
}

etcd_healthy() {
	curl -s -m 1 "$(etcd_url "$1")/health" | grep -q '"health":"true"'
}

etcd_start() {
	etcd_member 1
	etcd_member 2
	etcd_member 3
	wait_for 20 etcd_healthy 1 && wait_for 20 etcd_healthy 2 &&
	    wait_for 20 etcd_healthy 3
}

etcd_stop() {
	etcd_kill 1
	etcd_kill 2
	etcd_kill 3
}

# etcdctl on the cluster
ectl() {
	ETCDCTL_API=3 etcdctl --endpoints "$(etcd_url 1),$(etcd_url 2),$(etcd_url 3)" \
	    --dial-timeout 2s --command-timeout 3s "$@"
}

# nodes_dump: after a failed test point, the end of each node's log
# ($T/NODE.out, for NODE in $NODES), so a CI log says what happened
nodes_dump() {
	[ "${nfail:-0}" -eq 0 ] && return 0
	for n in $NODES; do
		[ -f "$T/$n.out" ] && diag "--- node $n:" "$(tail -40 "$T/$n.out")"
	done
	return 0
}

# The maintd nodes of a fleet test: NODE_<name> is the pid of the one
# named name, its socket $T/<name>.sock; stop_nodes stops all of $NODES.
node_pid() {
	eval "echo \${NODE_$1:-}"
}

node_stop() {
	p=$(node_pid "$1")
	[ -n "$p" ] || return 0
	kill -CONT "$p" 2>/dev/null
	kill -TERM "$p" 2>/dev/null
	wait_for 20 gone "$p" || kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	eval "NODE_$1="
}

stop_nodes() {
	for n in $NODES; do
		node_stop "$n"
	done
}

nctl() {
	n=$1
	shift
	"$MAINTCTL" -s "$T/$n.sock" "$@"
}

# connected NODE: the node is in the fleet now
connected() {
	[ "$(nctl "$1" --json fleet status | jq -r .state)" = connected ]
}
