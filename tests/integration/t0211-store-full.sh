#!/bin/sh
# t0211-store-full: the database on a full file system (DESIGN §7).
# Supervision goes on; every run gets an id of its own (never one
# handed out before, whatever the store did with it: a rolled-back
# insert must not give the same id again); health names the cause
# ("database or disk is full"), not what followed from it; when space
# returns, the runs it missed are recorded, each with its end.
# Root only: it mounts a small tmpfs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

M=$T/full
small_fs "$M" 1m
trap 'stop_daemon; umount "$M" 2>/dev/null; cleanup' EXIT

plan 17

write_conf <<EOF
database = "$M/maintd.db"
task one { command = "echo \$MAINTD_RUN_ID >>$T/ids"  shell = true }
task two { command = "/bin/true" }
EOF

health_has() {
	ctl --json health 2>/dev/null | head -n 1 | jq -r '.store' | grep -q -- "$1"
}

state_is() {
	[ "$(ctl --json status "$1" | jq -r .state)" = "$2" ]
}

: >"$T/ids"
chmod 666 "$T/ids"
check "daemon starts with its database on a 1 MiB tmpfs" start_fg
check "a run while there is room" ctl run one --wait
first=$(cat "$T/ids")

dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null
check "the file system is full" test "$(df -P "$M" | awk 'NR == 2 { print $4 }')" -eq 0

i=0
while [ "$i" -lt 30 ]; do
	ctl run one --wait >/dev/null 2>&1 || break
	i=$((i + 1))
done
is "30 runs in a row on a full disk all ran" "$i" 30
is "... each with an id of its own" "$(sort -u "$T/ids" | wc -l)" 31
is "... none the id of the run before the disk filled" \
    "$(grep -cx "$first" "$T/ids")" 1
check "... and each ended: the task is idle" state_is one idle
is "the last one ended well" "$(ctl --json status one | jq -r .last.result)" "exit 0"
check "health: degraded" test "$(ctl --json health 2>/dev/null | head -n 1 | jq -r .status)" = degraded
check "health names the cause: database or disk is full" \
    health_has "database or disk is full"
check_fails "... not what followed from it" health_has "rollback"
ctl health >"$T/h" 2>&1
is "maintctl health exits 1" "$?" 1

rm -f "$M/filler"
check "space again: a run" ctl run two --wait
check "health: ok again" wait_for 10 sh -c \
    "[ \"\$($MAINTCTL -s $SOCK --json health | head -n 1 | jq -r .status)\" = ok ]"
is "every run of one is in history, with an end" \
    "$(ctl --json history one -n 100 | jq -s '[.[] | select(.ended != null)] | length')" 31
# those runs have ids of the fallback range (large): not listed first
is "history: the newest run first, not those of the large ids" \
    "$(ctl --json history -n 1 | jq -r .task)" two
is "history: newest first (no clock step here: by start time too)" \
    "$(ctl --json history -n 100 | jq -s 'map(.started) | . == (sort | reverse)')" \
    true

done_testing
