# lib.sh: what run.sh and peers.sh share (sourced, never run).
# Samples are files of numbers, one a line; a row of the result table is
# one tab-separated line of $ROWS:
#   id subject figure unit median p95 n floor target-spec target-text
# shellcheck shell=sh

say() {
	printf 'bench: %s\n' "$*" >&2
}

die() {
	say "error: $*"
	exit 1
}

# stats FILE: "median p95 n" of the numbers in FILE (p95: nearest rank).
stats() {
	sort -g "$1" | awk '
		NF { v[++n] = $1 }
		END {
			if (n == 0) { print "- - 0"; exit }
			if (n % 2) med = v[(n + 1) / 2]
			else med = (v[n / 2] + v[n / 2 + 1]) / 2
			k = int(0.95 * n)
			if (k < 0.95 * n) k++
			if (k < 1) k = 1
			printf "%.6g %.6g %d\n", med, v[k], n
		}'
}

# row ID SUBJECT FIGURE UNIT SAMPLES [FLOOR [SPEC [TEXT]]]
# One table row from a file of samples (kept under $OUT/raw).
row() {
	read -r _rw_med _rw_p95 _rw_n <<EOS
$(stats "$5")
EOS
	if [ "$_rw_n" -eq 0 ]; then
		say "no samples for $1 ($2)"
		return 0
	fi
	cp "$5" "$OUT/raw/$1.$2.txt"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" \
	    "$4" "$_rw_med" "$_rw_p95" "$_rw_n" "${6:-}" "${7:-}" "${8:-}" \
	    >>"$ROWS"
	say "$(printf '%-20s %-11s median %s %s, p95 %s (n=%s)' "$1" "$2" \
	    "$_rw_med" "$4" "$_rw_p95" "$_rw_n")"
}

# row1 ID SUBJECT FIGURE UNIT VALUE [FLOOR [SPEC [TEXT]]]: one value.
row1() {
	if [ -z "$5" ]; then
		say "no value for $1 ($2)"
		return 0
	fi
	printf '%s\n' "$5" >"$W/row1.txt"
	row "$1" "$2" "$3" "$4" "$W/row1.txt" "${6:-}" "${7:-}" "${8:-}"
}

# median ID SUBJECT: the median of a row already recorded (empty if none).
median() {
	awk -F '\t' -v id="$1" -v s="$2" '$1 == id && $2 == s { print $5 }' \
	    "$ROWS" | tail -n 1
}

# calc EXPR [NAME=VALUE...]: floating-point arithmetic with awk on the
# named values; empty when one of them is empty (not measured).
calc() {
	_ca_e=$1
	shift
	_ca_n=$#
	while [ "$_ca_n" -gt 0 ]; do
		case $1 in
		*=)
			echo ""
			return 0
			;;
		esac
		set -- "$@" -v "$1"
		shift
		_ca_n=$((_ca_n - 1))
	done
	awk "$@" "BEGIN { printf \"%.6g\\n\", $_ca_e }"
}

# mem_kb PID...: "RSS PSS" in kB, summed over the processes.
mem_kb() {
	for _mk_p; do
		cat "/proc/$_mk_p/smaps_rollup" 2>/dev/null
	done | awk '/^Rss:/ { r += $2 } /^Pss:/ { p += $2 }
	    END { print r + 0, p + 0 }'
}

# mem_sample PREFIX PID...: 5 readings into PREFIX.rss and PREFIX.pss (MiB).
mem_sample() {
	_ms_pre=$1
	shift
	: >"$_ms_pre.rss"
	: >"$_ms_pre.pss"
	for _ms_i in 1 2 3 4 5; do
		mem_kb "$@" | awk -v r="$_ms_pre.rss" -v p="$_ms_pre.pss" '{
		    printf "%.3f\n", $1 / 1024 >> r
		    printf "%.3f\n", $2 / 1024 >> p }'
		sleep 0.2
	done
}

# hwm_rss PID: the peak resident size of the process (VmHWM) over its
# resident size now (VmRSS).
hwm_rss() {
	awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 }
	    END { if (r > 0) printf "%.3f\n", h / r }' "/proc/$1/status"
}

# ctxsw PID...: voluntary context switches, summed.
ctxsw() {
	for _cs_p; do
		cat "/proc/$_cs_p/status" 2>/dev/null
	done | awk '/^voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}

# idle SUBJECT PID...: voluntary context switches and system calls per
# second of the processes, over $IDLE_SECS each (rows idle.ctx, idle.sys).
# System calls are counted by strace -c -f (restart_syscall, the trace of
# attaching to a process asleep in poll, is left out), else by perf
# trace -s; without either only the context switches are shown.
idle() {
	_id_subj=$1
	shift
	# the target is maintd's
	_id_spec="" _id_text=""
	if [ "$_id_subj" = maintd ]; then
		_id_spec=le:0 _id_text=0/s
	fi
	_id_c0=$(ctxsw "$@")
	sleep "$IDLE_SECS"
	_id_c1=$(ctxsw "$@")
	row1 idle.ctx "$_id_subj" "idle: voluntary context switches, 100 services" \
	    /s "$(calc "(b - a) / s" a="$_id_c0" b="$_id_c1" s="$IDLE_SECS")" \
	    "" "$_id_spec" "$_id_text"
	_id_pids=$(echo "$@" | tr ' ' ',')
	if command -v strace >/dev/null 2>&1; then
		_id_n=$#
		while [ "$_id_n" -gt 0 ]; do
			set -- "$@" -p "$1"
			shift
			_id_n=$((_id_n - 1))
		done
		strace -c -f -o "$W/strace.$_id_subj" "$@" 2>/dev/null &
		_id_sp=$!
		sleep "$IDLE_SECS"
		kill -INT "$_id_sp" 2>/dev/null
		wait "$_id_sp" 2>/dev/null
		cp "$W/strace.$_id_subj" "$OUT/raw/strace.$_id_subj.txt"
		_id_calls=$(awk '$NF != "total" && $NF != "restart_syscall" &&
		    $1 ~ /^[0-9.]+$/ && NF >= 5 { n += $4 }
		    END { print n + 0 }' "$W/strace.$_id_subj")
	elif command -v perf >/dev/null 2>&1 &&
	    perf trace -s -p "$_id_pids" -o "$W/perf.$_id_subj" -- \
	    sleep "$IDLE_SECS" >/dev/null 2>&1; then
		cp "$W/perf.$_id_subj" "$OUT/raw/perf-trace.$_id_subj.txt"
		_id_calls=$(awk '$1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ &&
		    $1 != "restart_syscall" { n += $2 } END { print n + 0 }' \
		    "$W/perf.$_id_subj")
	else
		say "neither strace nor perf: no system call count for $_id_subj"
		return 0
	fi
	row1 idle.sys "$_id_subj" "idle: system calls, 100 services" /s \
	    "$(calc "n / s" n="$_id_calls" s="$IDLE_SECS")" "" "$_id_spec" \
	    "$_id_text"
}

alive() {
	kill -0 "$1" 2>/dev/null
}

# wait_gone SECS PID...: until every PID has exited; 1 if some are left.
wait_gone() {
	_wg_t=$(($1 * 20))
	shift
	while [ "$_wg_t" -gt 0 ]; do
		_wg_left=0
		for _wg_p; do
			if alive "$_wg_p"; then
				_wg_left=1
				break
			fi
		done
		[ "$_wg_left" -eq 0 ] && return 0
		sleep 0.05
		_wg_t=$((_wg_t - 1))
	done
	return 1
}

# kill_stamped FILE...: KILL what is left of the stamp processes these
# stamp files name (by name first: a pid may have been reused).
kill_stamped() {
	for _ks_f; do
		[ -f "$_ks_f" ] && awk '$1 == "e" { print $3 }' "$_ks_f"
	done | sort -u | while read -r _ks_p; do
		case $(cat "/proc/$_ks_p/comm" 2>/dev/null) in
		stamp|run)
			kill -KILL "$_ks_p" 2>/dev/null
			;;
		esac
	done
}

# restart_gaps FILE: ms from each x (exit) stamp to the next e (exec).
restart_gaps() {
	awk '{ split($2, t, ".") }
	    $1 == "x" { xs = t[1]; xn = t[2]; have = 1; next }
	    $1 == "e" && have {
		printf "%.4f\n", (t[1] - xs) * 1000 + (t[2] - xn) / 1e6
		have = 0
	    }' "$1"
}

# ms_between NS0 NS1: (NS1 - NS0) in ms (split: doubles lose ns at 1e18).
ms_between() {
	awk -v a="$1" -v b="$2" 'BEGIN {
	    as = substr(a, 1, length(a) - 9); an = substr(a, length(a) - 8)
	    bs = substr(b, 1, length(b) - 9); bn = substr(b, length(b) - 8)
	    printf "%.4f\n", (bs - as) * 1000 + (bn - an) / 1e6 }'
}

# fresh FILE...: empty files anyone may append to (tasks run as nobody).
fresh() {
	for _fr_f; do
		: >"$_fr_f"
		chmod 666 "$_fr_f"
	done
}
