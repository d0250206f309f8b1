# http.sh: maintd-http for the tests that need it (t0702, t0704).
# Sourced after lib.sh.  start_http [ARGS...] starts it in the
# foreground on 127.0.0.1 and a port the kernel picks (or -l given in
# ARGS), on the test's socket and the dashboard of web/static; sets
# HTTP_PID and URL.  stop_http stops it by pid.  api METHOD PATH [CURL
# ARGS...] prints the body and, on a last line, the status.
# shellcheck shell=sh

MAINTD_HTTP=${MAINTD_HTTP:-$(dirname "${REAL_MAINTD:-$MAINTD}")/maintd-http}
WWW=$(cd "$(dirname "$0")/../../web/static" && pwd)
HTTP_PID=""
URL=""

start_http() {
	: >"$T/http.log"
	case "$*" in
	*-l*) "$MAINTD_HTTP" -f -s "$SOCK" -w "$WWW" "$@" >>"$T/http.log" 2>&1 & ;;
	*) "$MAINTD_HTTP" -f -l 127.0.0.1:0 -s "$SOCK" -w "$WWW" "$@" \
	    >>"$T/http.log" 2>&1 & ;;
	esac
	HTTP_PID=$!
	EXTRA_PIDS="$EXTRA_PIDS $HTTP_PID"
	if ! wait_for 10 grep -q 'serving on' "$T/http.log"; then
		diag "maintd-http did not come up:"
		diag "$(cat "$T/http.log")"
		return 1
	fi
	URL=$(sed -n 's/.*serving on \(https*:[^ ]*\) .*/\1/p' "$T/http.log" |
	    tail -n 1)
}

stop_http() {
	[ -n "$HTTP_PID" ] || return 0
	kill -TERM "$HTTP_PID" 2>/dev/null
	if ! wait_for 10 gone "$HTTP_PID"; then
		diag "maintd-http $HTTP_PID ignored TERM; killing it"
		kill -KILL "$HTTP_PID" 2>/dev/null
	fi
	wait "$HTTP_PID" 2>/dev/null
	HTTP_PID=""
}

# api METHOD PATH [CURL ARGS...]: the body, then the status on a line.
api() {
	m=$1
	p=$2
	shift 2
	curl -s -m 10 -X "$m" -w '\n%{http_code}\n' "$@" "$URL$p"
}

# status_of OUTPUT: the last line of api's output.
status_of() {
	printf '%s\n' "$1" | tail -n 1
}

# body_of OUTPUT: all but the last line.
body_of() {
	printf '%s\n' "$1" | sed '$d'
}
