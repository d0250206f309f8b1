#!/bin/sh
# t0602-fleet-window: a rolling window (fleet = rolling, max_parallel = 1)
# over three nodes on a 3-member etcd cluster (DESIGN §12).  Scheduled for
# the coming minute, it opens on every node; the nodes take turns: never
# two inside at once (each turn's run writes its start and end), all three
# have their turn, window list shows whose turn it is, and once every
# node has had its turn the window closes everywhere, long before its
# duration; no node calls curl from inside a curl callback.  The file
# waits for the minute: about a minute at most.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/helpers/etcd.sh
. "$(dirname "$0")/helpers/etcd.sh"

plan 13

command -v etcd >/dev/null 2>&1 ||
    skip_rest "no etcd (apt-get install etcd-server)"

TAG=$$
NODES="a b c"
mkdir -m 1777 "$T/turns"

trap 'nodes_dump; stop_nodes; etcd_stop; cleanup' EXIT

# the coming minute, at least 15 s away (the nodes must be up by then)
at=$(($(date +%s) / 60 * 60 + 60))
[ $((at - $(date +%s))) -lt 15 ] && at=$((at + 60))
MIN=$(date -d "@$at" +%M | sed 's/^0//')
HOUR=$(date -d "@$at" +%H | sed 's/^0//')

node_start() {
	cat >"$T/$1.conf" <<EOF
socket = "$T/$1.sock"
pidfile = "$T/$1.pid"
database = "$T/$1.db"
log_dir = "$T/$1.log"
kill_grace = 1s
$TASK_USER
fleet {
	endpoints = { $(etcd_endpoints) }
	prefix = "/t0602-$TAG/"
	node = "$1"
	ttl = 3s
	timeout = 500ms
}
task turn {
	command = "echo start $1 \$(date +%s%N) >>$T/turns/log; sleep 1; echo end $1 \$(date +%s%N) >>$T/turns/log"
	shell = true
}
preset p { tasks = { "turn" } }
window roll {
	preset = "p"
	schedule = "$MIN $HOUR * * *"
	duration = 10m
	fleet = "rolling"
	max_parallel = 1
}
EOF
	"$MAINTD" -f -c "$T/$1.conf" >>"$T/$1.out" 2>&1 &
	eval "NODE_$1=$!"
	wait_for 10 nctl "$1" ping
}

turns() {
	grep -c '^end ' "$T/turns/log" 2>/dev/null || echo 0
}
closed() {
	[ "$(nctl "$1" --json window list | jq -r .open)" = false ]
}

check "a 3-member etcd cluster on 127.0.0.1" etcd_start
for n in $NODES; do
	check "node $n starts" node_start "$n"
done
check "all three are connected" wait_for 10 sh -c \
    "for n in a b c; do [ \"\$($MAINTCTL -s $T/\$n.sock --json fleet status | jq -r .state)\" = connected ] || exit 1; done"
diag "the window opens at $(date -d "@$at" +%H:%M)"
check "the window opens on a" wait_for 75 sh -c \
    "[ \"\$($MAINTCTL -s $T/a.sock --json window list | jq -r .open)\" = true ]"
check "a turn is under way" wait_for 10 sh -c \
    "grep -q '^start ' $T/turns/log 2>/dev/null"
# between two turns no node holds the slot: look while one is under way
one_turn() {
	case $(nctl a --json window list | jq -r '.turn | join(" ")') in
	a | b | c) return 0 ;;
	esac
	return 1
}
check "window list: one node's turn" wait_for 10 one_turn
check "all three have their turn" wait_for 30 sh -c "[ \$(grep -c '^end ' $T/turns/log 2>/dev/null) -eq 3 ]"
is "each node once" "$(awk '$1 == "end" { print $2 }' "$T/turns/log" | sort | tr '\n' ' ')" "a b c "
# never two inside at once: ordered by time, starts and ends alternate
seq=$(sort -k3,3n "$T/turns/log" | awk '{ printf "%s ", $1 }')
is "never two nodes inside at once" "$seq" "start end start end start end "
diag "$(sort -k3,3n "$T/turns/log")"
check "every node had its turn: the window closes on all three" \
    wait_for 10 sh -c "for n in a b c; do [ \"\$($MAINTCTL -s $T/\$n.sock --json window list | jq -r .open)\" = false ] || exit 1; done"
check "no node logged a curl call from inside a curl callback" sh -c \
    "! grep -l 'API function called from within callback' $T/a.out $T/b.out $T/c.out"

done_testing
