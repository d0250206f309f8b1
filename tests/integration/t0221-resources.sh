#!/bin/sh
# t0221-resources: what a run used (DESIGN §15, maintd(8) "Resources").
# A run that touches 100 MiB, writes 50 MiB to a file of the test
# directory (fsync'd) and burns CPU until it has used 1 s is measured
# within 10 %, in both modes the host allows: runs in cgroups (CPU and
# pressure from the run's cgroup; memory and IO from memory.peak and
# io.stat where its controllers are there, else from wait4's rusage,
# and the record says which) and cgroup = off (rusage: the leader's CPU,
# its maxrss, its inblock/oublock x 512).  The figures are in history,
# show, the run-end event and its webhook, and the metrics, and survive
# a restart.  A run over 3 times its task's median duration or peak
# memory is a regression event (and webhook) naming the figure, also
# right after a restart (the medians come from the store).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 42

command -v "${CC:-cc}" >/dev/null 2>&1 || skip_rest "no C compiler"

# The work: C, so that nothing but what it is asked to do costs (an
# interpreter's start and exit are a good part of a second on a busy box).
cat >"$T/work.c" <<'EOF'
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* work FILE|- [MIB]: touch MIB MiB (100); write 50 MiB to FILE with
 * fsync (not for -); without MIB, burn CPU until the process has used
 * 1 s. */
int
main(int argc, char **argv)
{
	static char	 chunk[1 << 20];
	struct timespec	 t;
	size_t		 n = (size_t)(argc > 2 ? atoi(argv[2]) : 100) << 20;
	char		*p;
	int		 fd, i;

	if (argc < 2)
		return 2;
	if ((p = malloc(n)) == NULL)
		return 1;
	memset(p, 1, n);
	if (p[n / 2] != 1)
		return 1;
	free(p);
	if (strcmp(argv[1], "-") != 0) {
		if ((fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
			return 1;
		memset(chunk, 'y', sizeof(chunk));
		for (i = 0; i < 50; i++)
			if (write(fd, chunk, sizeof(chunk)) != sizeof(chunk))
				return 1;
		if (fsync(fd) == -1 || close(fd) == -1)
			return 1;
	}
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	while (argc <= 2 && t.tv_sec < 1);
	return 0;
}
EOF
"${CC:-cc}" -O2 -o "$T/work" "$T/work.c" || skip_rest "cannot compile the work"
mkdir "$T/w" && chmod 777 "$T/w"
FSTYPE=$(stat -f -c %T "$T")

start_httpd

conf() {
	write_conf <<EOF
$1
task work { command = "$T/work $T/w/out" }
task quick { command = "test -e $T/slow && sleep 1.5; exit 0" shell = true }
task mem { command = "test -e $T/big && exec $T/work - \$(cat $T/big); exit 0" shell = true }
notify hook {
	url = "http://127.0.0.1:$PORT/hook"
	events = { "run-ok", "regression" }
	throttle = 0
}
EOF
}

# f TASK FILTER: of the task's newest history row
f() {
	ctl --json history "$1" -n 1 | jq -r "$2"
}

# within GOT WANT PCT: |GOT - WANT| <= PCT % of WANT
within() {
	awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN {
		d = g - w; if (d < 0) d = -d
		if (g == "" || g == "null" || d > w * p / 100) {
			printf "%s is not within %s%% of %s\n", g, p, w; exit 1 }
	}'
}

metric() {
	ctl metrics | awk -v m="$1" '$1 == m { print $2 }'
}

# hook_key KEY EVENT TASK FILTER WANT: a webhook body of the event of the
# task gives WANT through FILTER of its KEY (detail or run)
hook_key() {
	grep '"path": "/hook"' "$H/requests" 2>/dev/null | jq -r '.body' |
	    jq -c --arg e "$2" --arg t "$3" \
	    'select(.event == $e and .task == $t) | .'"$1"' | '"$4" |
	    grep -qxF -- "$5"
}

hook_is() {
	hook_key detail "$@"
}

hook_run_is() {
	hook_key run "$@"
}

nregressions() {
	ctl --json events -n 1000 | jq -c 'select(.event == "regression")' |
	    wc -l | tr -d ' '
}

# measure MODE EXPECT_SRC: the work's figures (11 points)
measure() {
	mode=$1
	check "$mode: the work runs" ctl run work --wait
	f work . >"$T/row"
	cpu=$(jq -r .cpu_s "$T/row")
	check "$mode: CPU within 10 % of 1 s ($cpu)" within "$cpu" 1 10
	is "$mode: user + system is cpu_s" "$(jq -r \
	    '(.cpu_user_s + .cpu_system_s - .cpu_s) | . < 0.002 and . > -0.002' \
	    "$T/row")" true
	mem=$(jq -r .memory_peak_bytes "$T/row")
	check "$mode: peak memory within 10 % of 100 MiB ($mem)" \
	    within "$mem" 104857600 10
	is "$mode: memory_source" "$(jq -r .memory_source "$T/row")" "$2"
	is "$mode: io_source" "$(jq -r .io_source "$T/row")" "$3"
	if [ "$FSTYPE" = tmpfs ]; then
		skip "$mode: 50 MiB written: $T is on tmpfs (nothing counts)"
	else
		check "$mode: 50 MiB written, within 10 % ($FSTYPE)" within \
		    "$(jq -r .io_write_bytes "$T/row")" 52428800 10
	fi
	is "$mode: bytes read, a number" "$(jq -r '.io_read_bytes | type' \
	    "$T/row")" number
	is "$mode: show's last run has the same figures" "$(ctl --json show \
	    work | jq -c '.last | [.cpu_s, .memory_peak_bytes, .io_write_bytes]')" \
	    "$(jq -c '[.cpu_s, .memory_peak_bytes, .io_write_bytes]' "$T/row")"
	check "$mode: the run-ok webhook carries the figures" wait_for 10 \
	    hook_is run-ok work '[.run, .cpu_s, .memory_peak_bytes,
	    .io_write_bytes, .source]' "$(jq -c '[.run, .cpu_s,
	    .memory_peak_bytes, .io_write_bytes, .source]' "$T/row")"
	check "$mode: ... and its run, every figure" wait_for 10 \
	    hook_run_is run-ok work '[.id, .cpu_s, .cpu_user_s,
	    .memory_peak_bytes, .io_read_bytes, .io_write_bytes, .source,
	    .memory_source]' "$(jq -c '[.run, .cpu_s, .cpu_user_s,
	    .memory_peak_bytes, .io_read_bytes, .io_write_bytes, .source,
	    .memory_source]' "$T/row")"
}

# --- runs in cgroups, where the host has them -------------------------------

conf ""
check "daemon starts" start_fg
track=$(ctl --json show work | jq -r .tracking)
case $track in
cgroup\ *)
	BASE=$(dirname "${track#cgroup }")
	on=$(cat "$BASE/cgroup.subtree_control")
	msrc=rusage iosrc=rusage
	case " $on " in *" memory "*) [ -e "$BASE/memory.peak" ] && msrc=cgroup ;; esac
	case " $on " in *" io "*) iosrc=cgroup ;; esac
	diag "runs in $BASE (controllers for runs: ${on:-none}): memory from $msrc, IO from $iosrc"
	measure cgroup "$msrc" "$iosrc"
	is "cgroup: CPU from the run's cgroup" "$(jq -r .source "$T/row")" cgroup
	if [ -e "$BASE/cpu.pressure" ]; then
		is "cgroup: pressure stall times are numbers" "$(jq -c \
		    '[.cpu_pressure_some_s, .cpu_pressure_full_s,
		    .memory_pressure_some_s, .io_pressure_some_s] |
		    map(type) | unique' "$T/row")" '["number"]'
	else
		skip "cgroup: the kernel has no pressure stall information"
	fi
	;;
*)
	diag "no cgroup tracking here ($track)"
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		skip "no runs in cgroups on this host: $track"
	done
	;;
esac
m=$(metric 'maintd_task_cpu_seconds_total{task="work"}')
check "metrics: the work's CPU seconds" within "$m" "$(f work .cpu_s)" 1
is "metrics: the last run's peak memory" \
    "$(metric 'maintd_task_last_peak_memory_bytes{task="work"}')" \
    "$(f work .memory_peak_bytes)"
is "metrics: bytes written" \
    "$(metric 'maintd_task_io_bytes_total{task="work",dir="write"}')" \
    "$(f work .io_write_bytes)"

# --- regressions ------------------------------------------------------------

for _ in 1 2 3 4 5; do
	ctl run quick --wait >/dev/null 2>&1
	ctl run mem --wait >/dev/null 2>&1
done
is "five quick runs: no regression" "$(nregressions)" 0
# the big run: 4 times the small ones' peak and 64 MiB (a small run's
# rusage peak is at least the daemon's size: under valgrind, a lot)
small=$(ctl --json history mem -n 1 | jq '.memory_peak_bytes / 1048576 | floor')
big=$((small * 4 + 64))
touch "$T/slow"
echo "$big" >"$T/big"
chmod 644 "$T/big"
check "a slow run" ctl run quick --wait
regr() {
	ctl --json events --task "$1" -n 20 | jq -c \
	    "select(.event == \"regression\" and .detail.figure == \"$2\") |
	    .detail" | tail -1
}
has_regr() {
	[ -n "$(regr "$1" "$2")" ]
}
check "... is a regression event" wait_for 5 has_regr quick duration
is "... naming the duration, over 3 times the median of 5" \
    "$(regr quick duration | jq -c '[.figure, .runs, .value > 3 * .median,
    .run == '"$(f quick .run)"']')" '["duration",5,true,true]'
check "... sent to the notify endpoint that subscribes to it" wait_for 10 \
    hook_is regression quick .figure '"duration"'
check "a run taking $big MiB" ctl run mem --wait
wait_for 5 has_regr mem memory_peak
is "... is a regression of its peak memory" \
    "$(regr mem memory_peak | jq -c "[.figure, .value > $big * 1048576 * 0.9]")" \
    '["memory_peak",true]'
n=$(nregressions)

# --- rusage: cgroup = off ---------------------------------------------------

stop_daemon
conf "cgroup = off"
check "daemon starts with cgroup = off" start_fg
is "after a restart: show has the figures of the last run" \
    "$(ctl --json show work | jq -c '.last | [.cpu_s, .memory_peak_bytes,
    .io_write_bytes, .source]')" \
    "$(f work '[.cpu_s, .memory_peak_bytes, .io_write_bytes, .source] | tojson')"
check "after a restart: a slow run" ctl run quick --wait
more_regressions() {
	[ "$(nregressions)" -gt "$n" ]
}
check "... is a regression at once (the medians came from the store)" \
    wait_for 5 more_regressions
rm -f "$T/slow" "$T/big"
measure rusage rusage rusage
is "rusage: source" "$(jq -r .source "$T/row")" rusage
is "rusage: no pressure figures" "$(jq -c '[.cpu_pressure_some_s,
    .memory_pressure_full_s, .io_pressure_some_s] | unique' "$T/row")" '[null]'

# --- a run that could not start has no figures -------------------------------

cat >>"$CONF" <<EOF
task nosuch { command = "/no/such/program" }
EOF
ctl reload >/dev/null
ctl run nosuch >/dev/null 2>&1
errored() {
	[ "$(f nosuch .result)" = error ]
}
wait_for 5 errored
is "a run that could not start: no figures, no source" "$(f nosuch \
    '[.cpu_s, .memory_peak_bytes, .io_write_bytes, .source] | unique | tojson')" \
    '[null]'

done_testing
