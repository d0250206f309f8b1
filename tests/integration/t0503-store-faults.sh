#!/bin/sh
# t0503-store-faults: the database on a file system that fails, while
# periodic tasks tick and a service runs (DESIGN §7: "a full or
# read-only disk is an error that is logged and survives").  t0205 has
# a read-only database file at start, t0211 a full disk under manual
# runs; this adds what they leave out:
#  - a file system read-only when maintd starts (sqlite cannot even set
#    WAL up), remounted read-write while it runs: supervision goes on,
#    health names the cause ("Read-only file system"), and history
#    resumes without a restart, with the runs made meanwhile;
#  - a disk that fills while tasks tick, and maintd restarted while it is
#    full: every run keeps an id of its own across the restart, and
#    history resumes when space returns, again without a restart;
#  - an ext4 that turns itself read-only under maintd (an I/O error with
#    errors=remount-ro, forced through /sys/fs/ext4/DEV/trigger_fs_error,
#    with the database open): health names the cause, not only "disk
#    I/O error"; every run keeps an id of its own; after fsck and a new
#    mount, maintd starts on it, and the ids handed out while it was
#    read-only (from a range of their own: the store could not count
#    them) are not handed out again.
# Every run writes its MAINTD_RUN_ID to a file outside the store: that is
# what proves the ids unique.  Root only: it mounts file systems.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if ! is_root; then
	echo "1..0 # SKIP needs root to mount file systems"
	exit 0
fi

TAG=$$
NA=20
NB=15
NC=12
plan $((NA + NB + NC))

MA=$T/ro
MB=$T/full
MC=$T/ext4
LOOP=""
kill_marked() {
	for p in $(pgrep -f -- "sleep 1000 953[0-9]\\.$TAG"); do
		kill -KILL "$p" 2>/dev/null
	done
}
unmount_all() {
	for m in "$MA" "$MB" "$MC"; do
		if mountpoint -q "$m" 2>/dev/null; then
			umount "$m" 2>/dev/null || umount -l "$m"
		fi
	done
	if [ -n "$LOOP" ]; then
		losetup -d "$LOOP" 2>/dev/null
	fi
}
trap 'stop_daemon; kill_marked; unmount_all; cleanup' EXIT

# each part its own database, and its own ids
IDS=$T/ids
new_ids() {
	: >"$IDS"
	chmod 666 "$IDS"
}

# conf DATABASE: the tasks, with the database there
conf() {
	write_conf <<EOF
database = "$1"
task tick { every = 1s  command = "echo \$MAINTD_RUN_ID >>$IDS"  shell = true }
task one { command = "echo \$MAINTD_RUN_ID >>$IDS"  shell = true }
task svc {
	kind = service
	command = "echo \$MAINTD_RUN_ID >>$IDS; exec sleep 1000 9531.$TAG"
	shell = true
}
EOF
}

hf() {
	ctl --json health 2>/dev/null | head -n 1 | jq -r "$1"
}

hf_is() {
	[ "$(hf "$1")" = "$2" ]
}

nids() {
	wc -l <"$IDS"
}

# more_ids N: N more runs than now have written their ids
more_ids() {
	want=$(($(nids) + $1))
	wait_for 30 sh -c "[ \$(wc -l <$IDS) -ge $want ]"
}

dups() {
	sort "$IDS" | uniq -d
}

idle() {
	[ "$(ctl --json status tick svc | jq -r .state | sort -u)" = idle ]
}

# missing FROM: the ids in $IDS from line FROM on that history lacks, or
# has without an end
missing() {
	ctl --json history -n 100000 | jq -r 'select(.ended != null) | .run' |
	    sort >"$T/hist"
	tail -n "+$1" "$IDS" | sort | comm -23 - "$T/hist"
}

integrity() {
	sqlite3 "$1" 'PRAGMA integrity_check'
}

# --- a file system read-only at start, read-write while running --------------

mkdir "$MA"
if ! mount -t tmpfs -o size=4m tmpfs "$MA" 2>/dev/null; then
	for _ in $(seq "$NA"); do
		skip "cannot mount a tmpfs here"
	done
else
	new_ids
	conf "$MA/maintd.db"
	check "ro: first start on a tmpfs" start_fg
	check "ro: a run" ctl run one --wait
	stop_daemon
	check "ro: the file system is remounted read-only" mount -o remount,ro "$MA"
	check "ro: maintd starts with its database on a read-only file system" start_fg
	is "ro: health degraded" "$(hf .status)" degraded
	like "ro: health names the cause" "$(hf .store)" 'Read-only file system'
	from=$(($(nids) + 1))
	check "ro: a service and a periodic task every 1s" ctl -y activate tick svc
	check "ro: a manual run" ctl run one --wait
	check "ro: the periodic task ticks" more_ids 3
	is "ro: every run has an id of its own" "$(dups)" ""
	check "ro: remounted read-write while maintd runs" mount -o remount,rw "$MA"
	check "ro: health ok again, without a restart" wait_for 20 hf_is .status ok
	check "ro: a manual run after" ctl run one --wait
	r=$(tail -n 1 "$IDS")
	is "ro: ... is in history" \
	    "$(ctl --json history one -n 100 | jq -r "select(.run == $r) | .result")" ok
	check "ro: deactivate" ctl -y deactivate tick svc
	check "ro: ... both idle" wait_for 20 idle
	is "ro: every run made while read-only is in history, with its end" \
	    "$(missing "$from")" ""
	stop_daemon
	check "ro: restarted" start_fg
	check "ro: a run" ctl run one --wait
	is "ro: still no id handed out twice" "$(dups)" ""
	stop_daemon
	umount "$MA"
fi

# --- a full disk, and a restart while it is full --------------------------------

mkdir "$MB"
if ! mount -t tmpfs -o size=1m tmpfs "$MB" 2>/dev/null; then
	for _ in $(seq "$NB"); do
		skip "cannot mount a tmpfs here"
	done
else
	new_ids
	conf "$MB/maintd.db"
	check "full: maintd starts, its database on a 1 MiB tmpfs" start_fg
	check "full: a service and a periodic task every 1s" ctl -y activate tick svc
	check "full: they run" more_ids 3
	dd if=/dev/zero of="$MB/filler" bs=4k 2>/dev/null
	check "full: the file system is full" \
	    test "$(df -P "$MB" | awk 'NR == 2 { print $4 }')" -eq 0
	check "full: the periodic task goes on ticking" more_ids 3
	like "full: health names the cause" "$(hf .store)" 'database or disk is full'
	stop_daemon
	check "full: maintd starts again on the full disk" start_fg
	check "full: a service and a periodic task again" ctl -y activate tick svc
	from=$(($(nids) + 1))
	check "full: they run" more_ids 3
	is "full: every run has an id of its own, across the restart" "$(dups)" ""
	rm -f "$MB/filler"
	check "full: space again: health ok, without a restart" \
	    wait_for 20 hf_is .status ok
	check "full: deactivate" ctl -y deactivate tick svc
	check "full: ... both idle" wait_for 20 idle
	is "full: every run of this maintd is in history, with its end" \
	    "$(missing "$from")" ""
	stop_daemon
	is "full: sqlite3: PRAGMA integrity_check" "$(integrity "$MB/maintd.db")" ok
	umount "$MB"
fi

# --- an ext4 that turns read-only under maintd --------------------------------------

why=""
if ! command -v mkfs.ext4 >/dev/null 2>&1 || ! command -v losetup >/dev/null 2>&1; then
	why="no mkfs.ext4 or losetup"
elif ! truncate -s 16m "$T/img" || ! mkfs.ext4 -q -F "$T/img" >/dev/null 2>&1; then
	why="mkfs.ext4 failed"
elif ! LOOP=$(losetup -f --show "$T/img" 2>/dev/null) || [ -z "$LOOP" ]; then
	LOOP=""
	why="no loop device to be had"
elif ! mkdir "$MC" || ! mount -o errors=remount-ro "$LOOP" "$MC" 2>/dev/null; then
	why="cannot mount an ext4 here"
elif [ ! -w "/sys/fs/ext4/${LOOP#/dev/}/trigger_fs_error" ]; then
	why="no /sys/fs/ext4/${LOOP#/dev/}/trigger_fs_error (Linux < 6.8?)"
fi
if [ -n "$why" ]; then
	diag "ext4: skipped: $why"
	for _ in $(seq "$NC"); do
		skip "ext4 read-only on error: $why"
	done
else
	new_ids
	conf "$MC/maintd.db"
	check "ext4: maintd starts, its database on an ext4 (errors=remount-ro)" start_fg
	check "ext4: a run" ctl run one --wait
	echo 1 >"/sys/fs/ext4/${LOOP#/dev/}/trigger_fs_error"
	check "ext4: an error: the file system is read-only" sh -c "! touch '$MC/probe'"
	from=$(($(nids) + 1))
	check "ext4: a service and a periodic task every 1s" ctl -y activate tick svc
	check "ext4: they run" more_ids 3
	like "ext4: health names the cause" "$(hf .store)" 'Read-only file system'
	is "ext4: every run has an id of its own" "$(dups)" ""
	stop_daemon
	tail -n "+$from" "$IDS" >"$T/fault-ids"
	umount "$MC"
	e2fsck -fy "$LOOP" >/dev/null 2>&1
	check "ext4: after fsck, mounted again" mount "$LOOP" "$MC"
	check "ext4: maintd starts again" start_fg
	# (what the file system had not written out when it failed is lost,
	# as after a crash: sqlite's synchronous = NORMAL)
	is "ext4: sqlite3: PRAGMA integrity_check" "$(integrity "$MC/maintd.db")" ok
	check "ext4: a run" ctl run one --wait
	is "ext4: its id is none of those handed out while read-only" \
	    "$(grep -cxF "$(tail -n 1 "$IDS")" "$T/fault-ids")" 0
	stop_daemon
fi

done_testing
