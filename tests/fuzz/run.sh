#!/bin/sh
# run.sh: run the libFuzzer targets of tests/fuzz (make fuzz, make
# fuzz-check).  Each target runs on a scratch copy of its corpus in
# BUILD/fuzz-corpus/TARGET (kept between runs: it grows), reading the
# seeds of tests/fuzz/corpus/TARGET as well; crashes go to
# BUILD/fuzz-crashes/TARGET, the output to BUILD/fuzz-logs/TARGET.log.
# TARGET.dict and TARGET.options there give it a dictionary and flags.
# With -c (fuzz-check) it first replays the seeds and every input of
# tests/fuzz/regress/TARGET, and the scratch corpus starts afresh.
# Exit status non-zero when a target crashed, leaked or timed out.
# Usage: run.sh [-c] BUILD SECONDS TARGET...
set -u

check=""
if [ "${1:-}" = "-c" ]; then
	check=1
	shift
fi
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
status=0

# The targets' scratch directories (fuzz.c: databases, config files),
# in memory where it can be, all removed at the end: a target that
# crashes cannot remove its own.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=$build
TMPDIR=$(mktemp -d "$shm/maintd-fuzz-run.XXXXXX") || exit 1
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
trap 'exit 1' INT TERM

# libFuzzer's exit status for a crash is 1, for a leak or a timeout too;
# a clean run is 0.
for t in "$@"; do
	bin=$build/fuzz_$t
	log=$build/fuzz-logs/$t.log
	corpus=$build/fuzz-corpus/$t
	crashes=$build/fuzz-crashes/$t
	mkdir -p "$build/fuzz-logs" "$crashes"
	: >"$log"
	[ -n "$check" ] && rm -rf "$corpus"
	mkdir -p "$corpus"
	seeds=$here/corpus/$t
	dict=""
	[ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
	# TARGET.options: more libFuzzer flags, on one line
	[ -f "$here/$t.options" ] && dict="$dict $(cat "$here/$t.options")"
	if [ -n "$check" ]; then
		set -- "$seeds"/*
		[ -d "$here/regress/$t" ] && set -- "$@" "$here/regress/$t"/*
		# shellcheck disable=SC2086 # dict: flags, one a word
		if ! "$bin" $dict -timeout=25 -artifact_prefix="$crashes/" "$@" \
		    >>"$log" 2>&1; then
			echo "fuzz: $t: a seed or regression input fails:"
			tail -n 40 "$log"
			status=1
			continue
		fi
		nreg=$(find "$here/regress/$t" -type f 2>/dev/null | wc -l)
	fi
	start=$(date +%s)
	# shellcheck disable=SC2086 # dict: flags, one a word
	if "$bin" $dict -max_total_time="$seconds" -timeout=25 \
	    -print_final_stats=1 -artifact_prefix="$crashes/" \
	    "$corpus" "$seeds" >>"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		    tail -n 1)
		echo "fuzz: $t: ${runs:-?} inputs in $(($(date +%s) - start)) s${check:+, $nreg regression inputs}: ok"
	else
		echo "fuzz: $t: FAILED (input in $crashes; log $log):"
		grep -E '^(fuzz:|==[0-9]+==|SUMMARY|.*runtime error)' "$log" |
		    head -n 20
		status=1
	fi
done
exit $status
