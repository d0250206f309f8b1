#!/bin/sh
# t0302-window: a maintenance window (DESIGN §2, issue 5 "Windows").  A
# window scheduled for the coming minute applies its preset then (its
# tasks activated by "window:NAME", the service started with trigger
# window, the periodic task ticking), "window list" shows the next
# opening and "open until ...", and after its duration the tasks are
# auto-deactivated and the window is closed again, with window-opened
# and window-closed events.  A second daemon, halted by stop-all, does
# not open the same window: window-skipped, nothing activated.
# The whole file takes about a minute and a half at most.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 42

DUR=6

now() {
	date +%s.%3N
}

epoch() {
	date -d "$1" +%s.%3N
}

past() {
	awk -v t="$1" -v n="$(now)" 'BEGIN { exit !(n >= t) }'
}

# between X LO HI: LO <= X < HI (numbers)
between() {
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x < hi) }'
}

# ev SOCKET: the activity log as compact JSON lines.
ev() {
	"$MAINTCTL" -s "$1" --json events -n 100000 | jq -c .
}

# evt SOCKET EVENT FILTER: FILTER on the newest event named EVENT.
evt() {
	ev "$1" | jq -r --arg e "$2" "select(.event == \$e) | $3" | tail -1
}

has_ev() {
	[ -n "$(evt "$1" "$2" .id)" ]
}

st() {
	ctl --json status "$1" | jq -r "$2"
}

inactive() {
	[ "$(st "$1" .active)" = false ]
}

idle() {
	[ "$(st "$1" .state)" = idle ]
}

nruns() {
	ctl --json history "$1" -n 100000 | wc -l | tr -d ' '
}

ticked() {
	[ "$(nruns wa)" -ge "$1" ]
}

# past_s T: the clock has reached T (whole seconds); cheap to poll.
past_s() {
	[ "$(date +%s)" -ge "$1" ]
}

# The window opens at the start of the next minute, or of the one after
# when less than 8 s are left to set up.
n=$(date +%s)
open=$(((n / 60 + 1) * 60))
if [ $((open - n)) -lt 8 ]; then
	open=$((open + 60))
fi
SCHED=$(date -d "@$open" '+%M %H %d %m *')
OPEN_AT=$(date -d "@$open" '+%Y-%m-%d %H:%M')
diag "the window opens at $OPEN_AT ($SCHED), for ${DUR}s"

TASKS=$(cat <<EOF
task wa { command = "/bin/true" every = 1s }
task wb { kind = service command = "sleep 600" shell = true }
task other { kind = service command = "sleep 600" shell = true }
preset wp { tasks = { "wa", "wb" } }
window w1 { preset = "wp" schedule = "$SCHED" duration = ${DUR}s }
EOF
)
printf '%s\n' "$TASKS" | write_conf
check "daemon starts" start_fg

# A second daemon with the same window, halted by stop-all.
B=$T/b
mkdir "$B"
sed -e "s|$T/maintd|$B/maintd|g" -e "s|$T/log|$B/log|" "$CONF" >"$B/maintd.conf"
"$MAINTD" -f -c "$B/maintd.conf" >"$B/daemon.log" 2>&1 &
BPID=$!
EXTRA_PIDS="$EXTRA_PIDS $BPID"
ctlb() {
	"$MAINTCTL" -s "$B/maintd.sock" "$@"
}
check "second daemon starts" wait_for 10 ctlb ping
check "second daemon: stop-all" ctlb -y stop-all

# --- before: closed, the next opening ---------------------------------------

ctl --json window list >"$T/wl" 2>&1
is "window list --json: one window" "$(wc -l <"$T/wl" | tr -d ' ')" 1
is "window list --json: name, preset, schedule, duration" \
    "$(jq -r '[.window, .preset, .schedule, .duration_s] | join(" ")' "$T/wl")" \
    "w1 wp $SCHED $DUR"
is "window list --json: next is the coming opening" \
    "$(epoch "$(jq -r .next "$T/wl")" 2>&1 | cut -d. -f1)" "$open"
is "window list --json: not open" \
    "$(jq -r '[.open, .open_until] | tostring' "$T/wl")" '[false,null]'
like "window list: NEXT and STATE closed" "$(ctl window list)" \
    "^w1 +wp +config +$(echo "$SCHED" | sed 's/\*/\\*/') +- +${DUR}s +${OPEN_AT} [^ ]+ +closed\$"
is "before the window: wa inactive" "$(st wa .active)" false

# --- it opens ---------------------------------------------------------------

check "the minute comes" wait_for 90 past_s "$open"
check "the window opens" wait_for 10 has_ev "$SOCK" window-opened
t=$(epoch "$(evt "$SOCK" window-opened .time)")
check "window-opened on time ($t, due $open)" between "$t" "$open" \
    "$((open + 2))"
is "window-opened: actor and detail" \
    "$(evt "$SOCK" window-opened '[.task, .actor, .detail.preset,
    .detail.started] | tostring')" '[null,"window:w1","wp",2]'
is "wa active" "$(st wa .active)" true
is "wb active" "$(st wb .active)" true
is "other untouched" "$(st other .active)" false
u=$(epoch "$(st wb .until)")
check "wb active until the end of the window ($u)" between "$u" \
    "$((open + DUR - 1))" "$((open + DUR + 2))"
is "wb's run was triggered by the window" \
    "$(st wb '(.current // .last).trigger')" window
is "activated by window:w1" \
    "$(ev "$SOCK" | jq -r 'select(.event == "activated") | .actor' |
    sort -u)" "window:w1"
ctl --json window list >"$T/wl" 2>&1
is "window list --json: open" "$(jq -r .open "$T/wl")" true
ou=$(epoch "$(jq -r .open_until "$T/wl")" 2>&1)
check "window list --json: open_until is the end ($ou)" between "$ou" \
    "$((open + DUR - 1))" "$((open + DUR + 2))"
like "window list: STATE open until ..." "$(ctl window list)" \
    '^w1 .* open until [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{5,8} [^ ]+$'
check "wa ticks while the window is open" wait_for 10 ticked 2

# --- it closes --------------------------------------------------------------

check "wa is auto-deactivated" wait_for 30 inactive wa
check "wb is auto-deactivated" wait_for 30 inactive wb
check "window-closed" wait_for 10 has_ev "$SOCK" window-closed
t=$(epoch "$(evt "$SOCK" window-closed .time)")
check "closed after ${DUR}s ($t)" between "$t" "$((open + DUR))" \
    "$((open + DUR + 3))"
t=$(epoch "$(ev "$SOCK" | jq -r 'select(.event == "auto-deactivated" and
    .task == "wb") | .time')")
check "wb auto-deactivated after ${DUR}s ($t)" between "$t" \
    "$((open + DUR - 1))" "$((open + DUR + 3))"
is "window-closed: actor and preset" \
    "$(evt "$SOCK" window-closed '[.actor, .detail.preset] | tostring')" \
    '["window:w1","wp"]'
check "wb stopped" wait_for 20 idle wb
ctl --json window list >"$T/wl" 2>&1
is "window list --json: closed again" \
    "$(jq -r '[.open, .open_until] | tostring' "$T/wl")" '[false,null]'
nx=$(epoch "$(jq -r .next "$T/wl")" 2>&1)
check "window list --json: the next opening is next year ($nx)" \
    between "$nx" "$((open + 364 * 86400))" "$((open + 367 * 86400))"
like "window list: closed" "$(ctl window list)" '^w1 .* closed$'
n=$(nruns wa)
check "two seconds pass" wait_for 10 past "$(($(date +%s) + 2))"
is "wa does not tick once the window has closed" "$(nruns wa)" "$n"

# --- the halted daemon skipped it ------------------------------------------

check "halted: window-skipped" wait_for 10 has_ev "$B/maintd.sock" \
    window-skipped
is "halted: window-skipped's actor, preset and reason" \
    "$(evt "$B/maintd.sock" window-skipped '[.actor, .detail.preset,
    .detail.reason] | tostring')" '["window:w1","wp","maintd is halted"]'
check_fails "halted: no window-opened" has_ev "$B/maintd.sock" window-opened
is "halted: nothing activated" \
    "$(ev "$B/maintd.sock" | jq -r 'select(.event == "activated")' | wc -l |
    tr -d ' ')" 0
like "halted: window list says none will open" \
    "$(printf 'window list\n' | socat -t 5 - "UNIX-CONNECT:$B/maintd.sock")" \
    '^OK 1 window \(halted: none will open\)$'
is "halted: the tasks did not run" \
    "$(ctlb --json history -n 1000 | wc -l | tr -d ' ')" 0

kill -TERM "$BPID"
check "second daemon stops" wait_for 20 gone "$BPID"

done_testing
