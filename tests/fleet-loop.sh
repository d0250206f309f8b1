#!/bin/sh
# fleet-loop.sh: the fleet tests (t0601, t0602, t0603) under ASan and
# UBSan, N times in a row, with two CPU hogs (yes >/dev/null) beside them
# (make fleet-loop builds BUILD first).  Each file of each round is run
# with prove.  Prints each result and a tally at the end; exits non-zero
# on any failure or sanitizer report.  The output of a failed file and its
# reports are kept in BUILD/fleet-loop/.
# usage: sh tests/fleet-loop.sh [BUILD [N]]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-asan}
n=${2:-20}
out=$top/$build/fleet-loop
hogs=""

for p in maintd maintctl; do
	if [ ! -x "$top/$build/$p" ]; then
		echo "fleet-loop: no $build/$p (make fleet-loop builds it)"
		exit 2
	fi
done
if ! command -v etcd >/dev/null 2>&1; then
	echo "fleet-loop: skipped: no etcd (apt-get install etcd-server)"
	exit 0
fi

stop_hogs() {
	for p in $hogs; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	hogs=""
}
trap 'stop_hogs' EXIT
trap 'exit 1' INT TERM

rm -rf "$out"
mkdir "$out" && chmod 1777 "$out" || exit 2
yes >/dev/null &
hogs="$hogs $!"
yes >/dev/null &
hogs="$hogs $!"
echo "fleet-loop: $n rounds of t0601, t0602 and t0603 under $build; CPU hogs:$hogs"

# one_file ROUND FILE: prove one test file; its TAP and reports kept
one_file() {
	r=$1
	f=$2
	d=$out/$r-${f%.sh}
	mkdir "$d" && chmod 1777 "$d"
	t0=$(date +%s)
	ASAN_OPTIONS=detect_leaks=1:log_path=$d/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:log_path=$d/ubsan \
	    MAINTD=$top/$build/maintd MAINTCTL=$top/$build/maintctl \
	    prove -v "$top/tests/integration/$f" >"$d/tap" 2>&1
	rc=$?
	s=$(($(date +%s) - t0))
	reports=0
	for x in "$d"/asan* "$d"/ubsan*; do
		[ -e "$x" ] && reports=$((reports + 1))
	done
	if [ "$rc" -eq 0 ] && [ "$reports" -eq 0 ]; then
		echo "round $r: $f: ok (${s}s)"
		rm -rf "$d"
		return 0
	fi
	echo "round $r: $f: FAILED (${s}s, exit $rc, $reports sanitizer reports; $d)"
	grep '^not ok' "$d/tap" | sed 's/^/    /'
	return 1
}

# a round: t0601 and t0602 side by side, t0603 once t0601 is over (as
# make check runs files, two at a time)
pass=0
fail=0
count() {
	if [ "$1" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}
i=1
while [ "$i" -le "$n" ]; do
	one_file "$i" t0601-fleet.sh &
	p1=$!
	one_file "$i" t0602-fleet-window.sh &
	p2=$!
	wait "$p1"
	count $?
	one_file "$i" t0603-fleet-identity.sh &
	p3=$!
	wait "$p2"
	count $?
	wait "$p3"
	count $?
	i=$((i + 1))
done
stop_hogs
echo "fleet-loop: $n rounds, $((pass + fail)) file runs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
