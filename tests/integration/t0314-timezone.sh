#!/bin/sh
# t0314-timezone: timezone for a task and for a window (issue 24 §2).
# The daemon runs in UTC; a task in Asia/Karachi (UTC+5, no DST) whose
# cron names the coming minute there fires then, not five hours later
# as it would in the daemon's zone (a task with the same schedule and no
# timezone shows that); a window in Asia/Karachi opens at its local
# tick.  status NEXT and show print the time in the task's zone with its
# abbreviation, --json in RFC 3339 with its offset; a reload that
# changes the zone moves the next run.  The checks at load: an unknown
# zone, a path, "..", timezone with every (not affected by zones), a
# window's bad zone, each FILE:LINE; UTC is always fine.  DST days are
# the unit tests' (test_cron.c, test_cron_table.c).  About a minute.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# the daemon (and date) in UTC, whatever the machine says
TZ=UTC
export TZ
ZONE=Asia/Karachi

plan 33

if [ ! -f /usr/share/zoneinfo/$ZONE ] && [ ! -f "${TZDIR:-/nonexistent}/$ZONE" ]; then
	skip_rest "no zone database ($ZONE)"
fi

# nconf NAME: stdin becomes $T/NAME.conf (its line 1 is $TASK_USER, so
# the text given starts at line 2); run maintd -n on it.
nconf() {
	F=$T/$1.conf
	{
		printf '%s\n' "$TASK_USER"
		cat
	} >"$F"
	"$MAINTD" -n -c "$F" >"$T/n.out" 2>"$T/n.err"
	RC=$?
	ERR=$(cat "$T/n.err")
}

# has_err DESCRIPTION LINE FRAGMENT: maintd -n exited 1 and some stderr
# line begins with exactly "$F:LINE: " and contains FRAGMENT.
has_err() {
	if [ "$RC" -eq 1 ] && printf '%s\n' "$ERR" |
	    awk -v p="$F:$2: " -v m="$3" '
		index($0, p) == 1 && index(substr($0, length(p) + 1), m) { f = 1 }
		END { exit !f }'; then
		ok "$1"
	else
		not_ok "$1"
		diag "exit status $RC; want 1 and a line '$F:$2: ...$3...'"
		diag "stderr: $ERR"
	fi
}

st() {
	ctl --json status "$1" | jq -r "$2"
}

nruns() {
	ctl --json history "$1" -n 100000 | wc -l | tr -d ' '
}

ev() {
	ctl --json events -n 100000 | jq -r --arg e "$1" \
	    "select(.event == \$e) | $2" | tail -1
}

has_ev() {
	[ -n "$(ev "$1" .id)" ]
}

past_s() {
	[ "$(date +%s)" -ge "$1" ]
}

epoch() {
	date -d "$1" +%s
}

# --- checked at load ----------------------------------------------------------

nconf zones <<'EOF'
task a { command = "/bin/true" schedule = "0 2 * * *" timezone = "Mars/Olympus" }
task b { command = "/bin/true" schedule = "0 2 * * *" timezone = "/etc/localtime" }
task c { command = "/bin/true" schedule = "0 2 * * *" timezone = "Europe/../Europe/Berlin" }
task d { command = "/bin/true" every = 1h timezone = "Europe/Berlin" }
task e { command = "/bin/true" schedule = "0 2 * * *" timezone = "UTC" }
task f { command = "/bin/true" schedule = "0 2 * * *" timezone = "Europe/Berlin" }
preset p { tasks = { "e" } }
window w { preset = "p" schedule = "0 3 * * *" duration = 1h timezone = "Nowhere" }
EOF
has_err "an unknown zone" 2 "timezone: unknown time zone 'Mars/Olympus'"
has_err "a path" 3 "timezone: time zone '/etc/localtime': the name of a zone"
has_err "a name with .." 4 "not a path"
has_err "timezone with every" 5 \
    "task d: timezone is for a cron schedule (every is not affected by time zones)"
has_err "a window's unknown zone" 9 "timezone: unknown time zone 'Nowhere'"
is "UTC and a real zone are fine: five errors in all" \
    "$(printf '%s\n' "$ERR" | grep -c "^$F:")" 5

# --- a task and a window in a zone five hours ahead ---------------------------

# The coming minute, or the one after when less than 8 s are left.
n=$(date +%s)
open=$(((n / 60 + 1) * 60))
if [ $((open - n)) -lt 8 ]; then
	open=$((open + 60))
fi
KSCHED=$(TZ=$ZONE date -d "@$open" '+%M %H * * *')
diag "due at $(date -d "@$open" "+%H:%M %Z"), $(TZ=$ZONE date -d "@$open" '+%H:%M %Z') in $ZONE ($KSCHED)"

conf() {
	write_conf <<EOF
task tzk { command = "/bin/true" schedule = "$KSCHED" timezone = "$1" }
task plain { command = "/bin/true" schedule = "$KSCHED" }
task ks { kind = service command = "sleep 600" shell = true }
preset kp { tasks = { "ks" } }
window kw { preset = "kp" schedule = "$KSCHED" duration = 1h timezone = "$ZONE" }
EOF
}
conf "$ZONE"
check "daemon starts" start_fg
check "activate tzk and plain" ctl -y activate tzk plain

is "tzk: next_run is the coming minute" "$(epoch "$(st tzk .next_run)")" "$open"
like "tzk: next_run in RFC 3339 with the zone's offset" "$(st tzk .next_run)" \
    '^[0-9-]{10}T[0-9:]{8}\+05:00$'
is "plain (the daemon's zone): five hours later" \
    "$(epoch "$(st plain .next_run)")" "$((open + 5 * 3600))"
like "plain: next_run with the daemon's offset" "$(st plain .next_run)" \
    '\+00:00$'
like "status: NEXT in the task's zone, with its abbreviation" \
    "$(ctl status tzk)" \
    "^tzk .* $(TZ=$ZONE date -d "@$open" '+%m-%d %H:%M %Z') +0 +0\$"
like "status: plain's NEXT in UTC" "$(ctl status plain)" \
    "^plain .* $(date -d "@$((open + 5 * 3600))" '+%m-%d %H:%M') UTC +0 +0\$"
like "show: the timezone" "$(ctl show tzk)" "^timezone +$ZONE\$"
like "show: next_run with the zone's abbreviation" "$(ctl show tzk)" \
    "^next_run +[0-9-]{10}T[0-9:]{8}\\+05:00 $(TZ=$ZONE date -d "@$open" +%Z)\$"
is "show --json: timezone" "$(ctl --json show tzk | jq -r .timezone)" "$ZONE"
is "show --json: no timezone is null" \
    "$(ctl --json show plain | jq -r .timezone)" null
is "window list: kw's next opening is the coming minute" \
    "$(epoch "$(ctl --json window list | jq -r .next)")" "$open"
like "window list: in the window's zone" "$(ctl window list)" \
    "^kw .* $ZONE +1h00m +$(TZ=$ZONE date -d "@$open" '+%Y-%m-%d %H:%M %Z') +closed\$"

check "the minute comes" wait_for 90 past_s "$open"
check "tzk runs" wait_for 10 test "$(nruns tzk)" -ge 1
t=$(epoch "$(ctl --json history tzk | jq -r .started | tail -1)")
check "tzk started on time ($t, due $open)" \
    test "$t" -ge "$open" -a "$t" -le "$((open + 2))"
is "tzk's trigger: its schedule" \
    "$(ctl --json history tzk | jq -r .trigger | tail -1)" schedule
check "the window opens" wait_for 10 has_ev window-opened
t=$(epoch "$(ev window-opened .time)")
check "window-opened on time ($t, due $open)" \
    test "$t" -ge "$open" -a "$t" -le "$((open + 2))"
is "the window's task is active" "$(st ks .active)" true
is "plain did not run (its time is five hours away)" "$(nruns plain)" 0
is "tzk: next_run a day after" "$(epoch "$(st tzk .next_run)")" \
    "$((open + 86400))"

# --- a reload that changes the zone -------------------------------------------

conf UTC
check "reload with tzk in UTC" ctl reload
check "tzk is still active" test "$(st tzk .active)" = true
is "tzk: next_run now five hours after the tick" \
    "$(epoch "$(st tzk .next_run)")" "$((open + 5 * 3600))"
like "tzk: next_run's offset now UTC's" "$(st tzk .next_run)" '\+00:00$'

done_testing
