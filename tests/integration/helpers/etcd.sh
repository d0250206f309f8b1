# etcd.sh: a 3-member etcd cluster on 127.0.0.1 for the fleet tests,
# sourced after lib.sh.  Members 1, 2, 3 listen for clients on
# ETCD_PORT+N and for peers on ETCD_PORT+10+N, keep their data in
# $T/etcdN, and are stopped by pid by etcd_stop (also at exit).
# ETCD_PORT is one of 1000 blocks of 20 ports from 10000 on, the first
# from this test's pid whose ports nothing listens on (so files that run
# at once do not meet; below the kernel's ephemeral ports).
# shellcheck shell=sh

# the ports listened on over TCP, in decimal, one a line
etcd_ports_used() {
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {
		split($2, a, ":"); p = 0; h = a[2]
		for (i = 1; i <= length(h); i++)
			p = p * 16 + index("0123456789ABCDEF", substr(h, i, 1)) - 1
		print p
	}'
}

etcd_pick_port() {
	used=$(etcd_ports_used)
	slot=$(($$ % 1000))
	tries=0
	while [ "$tries" -lt 1000 ]; do
		base=$((10000 + slot * 20))
		free=1
		for p in $used; do
			if [ "$p" -ge "$base" ] && [ "$p" -lt $((base + 20)) ]; then
				free=0
				break
			fi
		done
		[ "$free" -eq 1 ] && break
		slot=$(((slot + 1) % 1000))
		tries=$((tries + 1))
	done
	echo "$base"
}

ETCD_PORT=$(etcd_pick_port)
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
