#!/bin/sh
# t0313-windows-cli: maintenance windows made from the CLI (issue 24 §2).
# window create (--dry-run first: nothing made), window list with the
# source (config or store), the time zone and the next opening in the
# window's zone; the refusals, one ERR line each (bad name, the name of
# a config window or of one that exists, unknown preset, bad cron, bad
# duration, bad or unknown zone, rolling without a fleet, rolling
# options on a plain window, a missing option, not an admin); export and
# import (a file, stdin, a raw quoted word) round trip; a window made at
# run time survives a restart and opens at its tick (one due in the
# coming minute, the daemon restarted before it), and while it is open
# the plan of a periodic task it activated says its ticks after the
# window's end are window-closed; a stored preset a window opens cannot
# be deleted; deleting the window while it is open closes it and
# deactivates the task it activated; a config
# window of the same name wins over the stored one, which comes back
# when the config's goes; a rolling window with a fleet section (its
# etcd away): max_parallel, slot_duration checked, the round trip.
# Takes about a minute and a half at most.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# the daemon (and date) in UTC, whatever the machine says
TZ=UTC
export TZ

plan 110

# ev EVENT FILTER: FILTER on the newest event named EVENT.
ev() {
	ctl --json events -n 100000 | jq -c --arg e "$1" \
	    "select(.event == \$e) | $2" | tail -1
}

nevents() {
	ctl --json events -n 100000 | jq -r --arg e "$1" \
	    'select(.event == $e) | .id' | wc -l | tr -d ' '
}

has_ev() {
	[ "$(nevents "$1")" -gt 0 ]
}

st() {
	ctl --json status "$1" | jq -r "$2"
}

inactive() {
	[ "$(st "$1" .active)" = false ]
}

# wl NAME FILTER: FILTER on window NAME of "window list --json".
wl() {
	ctl --json window list | jq -r --arg w "$1" "select(.window == \$w) | $2"
}

nwindows() {
	ctl --json window list | wc -l | tr -d ' '
}

# past_s T: the clock has reached T (whole seconds).
past_s() {
	[ "$(date +%s)" -ge "$1" ]
}

CFG=$(cat <<EOF
socket_mode = "0666"
task wa { kind = service command = "sleep 600" shell = true }
task wb { kind = service command = "sleep 600" shell = true }
task wt { command = "/bin/true" every = 20m }
preset wp { tasks = { "wa", "wt" } }
preset wq { tasks = { "wb" } }
window cw { preset = "wp" schedule = "0 3 * * *" duration = 1h timezone = "Asia/Tokyo" }
EOF
)
printf '%s\n' "$CFG" | write_conf
check "daemon starts" start_fg

# --- list: the config window, its zone ------------------------------------

like "list: the config window, its source, zone and next opening there" \
    "$(ctl window list)" \
    '^cw +wp +config +0 3 \* \* \* +Asia/Tokyo +1h00m +[0-9]{4}-[0-9]{2}-[0-9]{2} 03:00 JST +closed$'
like "list --json: next in RFC 3339 with the zone's offset" \
    "$(wl cw '[.source, .timezone, .next] | join(" ")')" \
    '^config Asia/Tokyo [0-9]{4}-[0-9]{2}-[0-9]{2}T03:00:00\+09:00$'

# --- create -----------------------------------------------------------------

r=$(raw 'window create w1 --preset wq --cron "30 2 * * 0" --duration 2h --tz America/New_York --dry-run')
like "create --dry-run: what would be made" "$r" \
    '^- would create window w1: preset wq, schedule "30 2 \* \* 0" in America/New_York, for 2h'
like "create --dry-run: its next opening, in its zone" "$r" \
    '^- it would open next at [0-9-]{10} 02:30 E[SD]T$'
is "create --dry-run: the final line" "$(finals "$r")" \
    "OK dry run: nothing changed"
is "create --dry-run: nothing made" "$(nwindows)" 1
is "create --dry-run: no event" "$(nevents window-created)" 0

like "create" "$(raw 'window create w1 --preset wq --cron "30 2 * * 0" --duration 2h --tz America/New_York')" \
    '^OK window w1 created: next opening [0-9-]{10} 02:30 E[SD]T$'
like "list: w1 from the store" "$(ctl window list)" \
    '^w1 +wq +store +30 2 \* \* 0 +America/New_York +2h00m +[0-9-]{10} 02:30 E[SD]T +closed$'
like "list --json: w1" "$(wl w1 '[.source, .schedule, .timezone, .duration_s, .rolling, .open] | tostring')" \
    '^\["store","30 2 \* \* 0","America/New_York",7200,false,false\]$'
like "list --json: w1's next is a Sunday 02:30 in New York" \
    "$(TZ=America/New_York date -d "$(wl w1 .next)" '+%a %H:%M')" '^Sun 02:30$'
is "event window-created, with the actor" \
    "$(ev window-created '[.actor, .detail]')" \
    '["root (uid 0)",{"window":"w1","preset":"wq","schedule":"30 2 * * 0","timezone":"America/New_York","duration":"2h","fleet":null,"max_parallel":null,"slot_duration":null,"imported":false}]'

# --- refusals: one ERR line each -------------------------------------------

refused() {
	r=$(raw "$2")
	like "$1" "$r" "$3"
	is "$1: one line" "$(printf '%s\n' "$r" | wc -l | tr -d ' ')" 1
}
refused "the name of a config window" \
    'window create cw --preset wp --cron "* * * * *" --duration 1m' \
    '^ERR state window cw is defined in the config$'
refused "a name that exists" \
    'window create w1 --preset wp --cron "* * * * *" --duration 1m' \
    '^ERR state window w1 exists \(delete it first\)$'
refused "a bad name" \
    'window create bad/name --preset wp --cron "* * * * *" --duration 1m' \
    "^ERR invalid bad window name 'bad/name'"
refused "an unknown preset" \
    'window create w2 --preset nosuch --cron "* * * * *" --duration 1m' \
    "^ERR unknown-preset window w2: unknown preset 'nosuch'\$"
refused "a bad cron" \
    'window create w2 --preset wp --cron "61 * * * *" --duration 1m' \
    "^ERR invalid window w2: bad schedule '61 \\* \\* \\* \\*': minute field: 61 is out of range 0-59\$"
refused "@reboot" \
    'window create w2 --preset wp --cron "@reboot" --duration 1m' \
    "^ERR invalid window w2: @reboot is for tasks: a window opens at times of a schedule\$"
refused "a bad duration" \
    'window create w2 --preset wp --cron "* * * * *" --duration 2x' \
    "^ERR invalid window w2: duration '2x': "
refused "an unknown zone" \
    'window create w2 --preset wp --cron "* * * * *" --duration 1m --tz Mars/Olympus' \
    "^ERR invalid window w2: unknown time zone 'Mars/Olympus'"
refused "a zone that is a path" \
    'window create w2 --preset wp --cron "* * * * *" --duration 1m --tz ../../etc/passwd' \
    "^ERR invalid window w2: time zone '../../etc/passwd': the name of a zone"
refused "rolling without a fleet section" \
    'window create w2 --preset wp --cron "* * * * *" --duration 1m --rolling' \
    '^ERR invalid window w2: fleet = rolling needs a fleet section$'
refused "max-parallel on a plain window" \
    'window create w2 --preset wp --cron "* * * * *" --duration 1m --max-parallel 2' \
    '^ERR invalid window w2: max_parallel and slot_duration are for windows with fleet = rolling$'
refused "no duration" \
    'window create w2 --preset wp --cron "* * * * *"' \
    '^ERR usage window w2: needs a preset, a schedule and a duration'
refused "an option of another subcommand" \
    'window list --tz UTC' '^ERR usage window list takes no --tz'
r=$(printf 'window create w2 --preset wp --cron "* * * * *" --duration 1m\n' |
    as_nobody socat -t 5 - "UNIX-CONNECT:$SOCK")
like "not an admin: denied" "$r" '^ERR denied '
r=$(printf 'window list\n' | as_nobody socat -t 5 - "UNIX-CONNECT:$SOCK")
is "not an admin: list is allowed" "$(finals "$r")" "OK 2 windows"
is "nothing was made by the refusals" "$(nwindows)" 2

# --- a stored preset that a window opens stays until the window goes ---------

check "a stored preset" ctl preset create sp wa
check "a window that opens it" \
    ctl window create ws --preset sp --cron "0 4 * * *" --duration 1h
is "delete the preset: refused while the window opens it" \
    "$(raw 'preset delete sp')" \
    "ERR state preset sp is opened by window ws; delete the window first"
check "delete the window, then the preset" \
    sh -c "$MAINTCTL -s $SOCK window delete ws && $MAINTCTL -s $SOCK preset delete sp"

# --- export and import --------------------------------------------------------

ctl window export w1 >"$T/w1.json"
is "export: the window as one JSON object" "$(cat "$T/w1.json")" \
    '{"name":"w1","preset":"wq","schedule":"30 2 * * 0","timezone":"America/New_York","duration":"2h","fleet":null,"max_parallel":null,"slot_duration":null}'
is "export of a config window" "$(ctl window export cw | jq -c '[.name, .timezone, .duration]')" \
    '["cw","Asia/Tokyo","1h"]'
like "export: unknown" "$(raw 'window export nosuch')" \
    "^ERR unknown-window no window named 'nosuch'\$"
is "delete w1" "$(raw 'window delete w1')" "OK window w1 deleted"
is "event window-deleted" "$(ev window-deleted '[.actor, .detail]')" \
    '["root (uid 0)",{"window":"w1","was_open":false}]'
is "w1 is gone" "$(nwindows)" 1
check "import the file" ctl window import "$T/w1.json"
is "round trip: export gives the same" "$(ctl window export w1)" \
    "$(cat "$T/w1.json")"
is "event window-created: imported" "$(ev window-created .detail.imported)" true
is "import from stdin: exists" "$(ctl window import - <"$T/w1.json" 2>&1)" \
    "maintctl: state: window w1 exists (delete it first)"
is "import: a raw quoted word" \
    "$(raw 'window import "{\"name\": \"w3\", \"preset\": \"wp\", \"schedule\": \"0 4 * * *\", \"duration\": \"1h30m\"}"')" \
    "OK window w3 created: next opening $(date -d "$(wl w3 .next)" '+%Y-%m-%d') 04:00 UTC"
is "import: the duration exactly" "$(ctl window export w3 | jq -r .duration)" 1h30m
refused "import: the name of a config window" \
    'window import "{\"name\": \"cw\", \"preset\": \"wp\", \"schedule\": \"0 4 * * *\", \"duration\": \"1h\"}"' \
    '^ERR state window cw is defined in the config$'
refused "import: an unknown key" \
    'window import "{\"name\": \"w4\", \"preset\": \"wp\", \"cron\": \"0 4 * * *\", \"duration\": \"1h\"}"' \
    "^ERR invalid unknown key 'cron'"
refused "import: not JSON" 'window import "{nope"' '^ERR invalid expected a JSON object'
refused "import: a number for a string" \
    'window import "{\"name\": \"w4\", \"preset\": \"wp\", \"schedule\": \"0 4 * * *\", \"duration\": 3600}"' \
    '^ERR invalid duration: a string$'
refused "delete a config window" 'window delete cw' \
    '^ERR state window cw is defined in the config; remove it there$'
refused "delete an unknown window" 'window delete nosuch' \
    "^ERR unknown-window no window named 'nosuch'\$"

# --- it survives a restart and opens at its tick ------------------------------

# The window opens at the start of the next minute, or of the one after
# when less than 12 s are left to set up (with a restart).
n=$(date +%s)
open=$(((n / 60 + 1) * 60))
if [ $((open - n)) -lt 12 ]; then
	open=$((open + 60))
fi
SCHED=$(date -d "@$open" '+%M %H * * *')
diag "the window opens at $(date -d "@$open") ($SCHED)"
check "create a window for the coming minute" \
    ctl window create soon --preset wp --cron "$SCHED" --duration 1h
check "stop the daemon" stop_daemon
check "start it again" start_fg
is "after the restart: the stored windows are there" \
    "$(ctl --json window list | jq -r '[.window, .source] | join(":")' | tr '\n' ' ')" \
    "cw:config soon:store w1:store w3:store "
is "after the restart: soon's next opening" \
    "$(date -d "$(wl soon .next)" +%s)" "$open"
is "before its tick: wa inactive" "$(st wa .active)" false
check "the minute comes" wait_for 90 past_s "$open"
check "the window opens" wait_for 10 has_ev window-opened
t=$(date -d "$(ev window-opened .time | tr -d '"')" +%s)
check "window-opened on time ($t, due $open)" \
    test "$t" -ge "$open" -a "$t" -le "$((open + 2))"
is "window-opened: by the window" "$(ev window-opened .actor)" '"window:soon"'
is "its preset's task is active" "$(st wa .active)" true
like "list: open until ..." "$(ctl window list)" \
    '^soon +wp +store .* open until [0-9-]{10} [0-9:]{5,8} UTC$'

# the plan of wt, which the window activated: its ticks while the window
# is open would run, those after its end are window-closed
ctl --json plan --next 90m wt >"$T/plan"
is "plan: wt's ticks in the window would run" \
    "$(jq -r 'select(.time < "'"$(date -d "@$((open + 3500))" +%Y-%m-%dT%H:%M:%S)"'") | .stop // "ran"' "$T/plan" | sort -u)" ran
is "plan: those after its end: window-closed, and when it closes" \
    "$(jq -r 'select(.stop != null) | [.stop, .why] | @tsv' "$T/plan" | sort -u)" \
    "window-closed	the window that activated it closes at $(date -d "@$((open + 3600))" +%Y-%m-%dT%H:%M:%S%:z)"

# --- deleting it while it is open ---------------------------------------------

check "activate wb by hand" ctl activate wb
is "delete the open window" "$(raw 'window delete soon')" \
    "OK window soon deleted; it was open: closed now, its tasks deactivated"
check "wa: deactivated" wait_for 10 inactive wa
is "wa: deactivated by who deleted it" \
    "$(ctl --json events --task wa -n 100000 | jq -r 'select(.event == "deactivated") | .actor' | tail -1)" \
    "root (uid 0)"
is "wb (not the window's) is still active" "$(st wb .active)" true
is "window-closed says why" "$(ev window-closed .detail.reason)" \
    '"deleted by root (uid 0)"'
is "window-deleted: it was open" "$(ev window-deleted .detail.was_open)" true
is "soon is gone" "$(wl soon .window)" ""

# --- a config window of the same name wins ------------------------------------

check "stop the daemon" stop_daemon
printf '%s\nwindow w3 { preset = "wq" schedule = "0 5 * * *" duration = 10m }\n' \
    "$CFG" | write_conf
check "start it with a config window named w3" start_fg
is "w3: the config's, once" "$(wl w3 '[.source, .preset] | join(" ")')" \
    "config wq"
like "the daemon says the config's is in force" "$(cat "$T/daemon.log")" \
    "window w3: the config's is in force"
printf '%s\n' "$CFG" | write_conf
check "reload without it" ctl reload
is "w3: the stored one again" "$(wl w3 '[.source, .preset] | join(" ")')" \
    "store wp"

# --- rolling: the fleet's rules -------------------------------------------------

# A fleet section whose etcd is not there (the discard port): the fleet
# is degraded, but its windows can be made and checked.
check "stop the daemon" stop_daemon
printf '%s\nfleet { endpoints = { "http://127.0.0.1:9" } node = "n1" }\n' \
    "$CFG" | write_conf
check "start it with a fleet section" start_fg
like "rolling with a fleet section" \
    "$(raw 'window create r1 --preset wp --cron "0 1 * * *" --duration 1h --rolling --max-parallel 2 --slot-duration 10m')" \
    '^OK window r1 created'
is "rolling: export" "$(ctl window export r1)" \
    '{"name":"r1","preset":"wp","schedule":"0 1 * * *","timezone":null,"duration":"1h","fleet":"rolling","max_parallel":2,"slot_duration":"10m"}'
is "rolling: list --json" "$(wl r1 '[.rolling, .open] | tostring')" \
    '[true,false]'
refused "a slot longer than the window" \
    'window create r2 --preset wp --cron "0 1 * * *" --duration 1h --rolling --slot-duration 2h' \
    "^ERR invalid window r2: slot_duration is longer than the window's duration\$"
refused "max-parallel 0" \
    'window create r2 --preset wp --cron "0 1 * * *" --duration 1h --rolling --max-parallel 0' \
    "^ERR invalid window r2: max_parallel '0': too small\$"
ctl window export r1 >"$T/r1.json"
check "delete r1" ctl window delete r1
check "import it again" ctl window import "$T/r1.json"
is "rolling: the round trip" "$(ctl window export r1)" "$(cat "$T/r1.json")"

done_testing
