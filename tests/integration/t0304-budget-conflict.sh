#!/bin/sh
# t0304-budget-conflict: the weight budget, conflicts and idempotency
# (DESIGN §2, §5, issue 5 "Activation model").  The weight in use is the
# sum of the weights of the tasks with a run going; activating a service
# or oneshot (they start at once) or running a task over max_weight is
# refused with "ERR budget <in use>/<max>, <task> needs <w>", a periodic
# task's activation needs no budget, a refused request changes nothing
# and writes no event, the default max_weight is 8.  Conflicts are
# symmetric and count active, running and stopping tasks: "ERR conflict
# <task> conflicts with active <other>" (or "with <other>, which is
# running / still stopping (pid N)"; two named in one request "conflict:
# they cannot be active together"), for activate and for run.  Activating
# an active task (or deactivating an inactive one) is OK "already ..."
# and writes no second event.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 83

st() {
	ctl --json status "$1" | jq -r "$2"
}

# nev EVENT [TASK]: how many such events the activity log holds.
nev() {
	ctl --json events -n 100000 ${2:+--task "$2"} |
	    jq -r --arg e "$1" 'select(.event == $e) | .id' | wc -l | tr -d ' '
}

# total: how many events the activity log holds.
total() {
	ctl --json events -n 100000 | wc -l | tr -d ' '
}

in_use() {
	ctl metrics | sed -n 's/^maintd_weight_in_use //p'
}

busy() {
	[ "$(st "$1" .pid)" != null ]
}

idle() {
	[ "$(st "$1" .state)" = idle ]
}

# ctl_err ARGS...: maintctl's stderr, and its exit status as "rc=N".
ctl_err() {
	{ ctl "$@" >/dev/null; } 2>&1
	echo "rc=$?"
}

SVC='command = "sleep 600" shell = true'
write_conf <<EOF
max_weight = 5
task s2 { kind = service $SVC weight = 2 }
task s3 { kind = service $SVC weight = 3 }
task o1 { $SVC weight = 1 }
task o2 { $SVC weight = 2 }
task p4 { command = "/bin/true" every = 1h weight = 4 }
task big { command = "/bin/true" weight = 9 }
task ca { kind = service $SVC weight = 0 conflicts = { "cb" } }
task cb { kind = service $SVC weight = 0 }
task cc { $SVC weight = 0 conflicts = { "cd" } }
task cd { $SVC weight = 0 }
task free { kind = service $SVC weight = 0 }
task cs {
	kind = service
	command = "trap '' TERM; sleep 600"
	shell = true
	weight = 0
	conflicts = { "ce" }
}
task ce { kind = service $SVC weight = 0 }
EOF
check "daemon starts" start_fg

# --- budget -----------------------------------------------------------------

is "nothing in use" "$(in_use)" 0
is "raw: a task heavier than max_weight" "$(raw 'run big')" \
    "ERR budget 0/5, big needs 9"
is "raw: activate s3 (3/5)" "$(raw 'activate s3')" "- s3: activated
OK 1 activated, 0 already active"
check "s3 runs" wait_for 10 busy s3
is "weight in use 3" "$(in_use)" 3
is "raw: activate o2, a oneshot: it starts at once (5/5)" \
    "$(finals "$(raw 'activate o2')")" "OK 1 activated, 0 already active"
check "o2 runs" wait_for 10 busy o2
is "weight in use 5" "$(in_use)" 5
n=$(total)
is "raw: run over budget" "$(raw 'run o1')" "ERR budget 5/5, o1 needs 1"
is "maintctl run over budget: stderr and exit 1" "$(ctl_err run o1)" \
    "maintctl: budget: 5/5, o1 needs 1
rc=1"
is "raw: activate a service over budget" "$(raw 'activate s2')" \
    "ERR budget 5/5, s2 needs 2"
is "maintctl activate over budget: stderr and exit 1" \
    "$(ctl_err activate s2)" "maintctl: budget: 5/5, s2 needs 2
rc=1"
is "raw: activate a oneshot over budget" "$(raw 'activate o1')" \
    "ERR budget 5/5, o1 needs 1"
is "refused: s2 stays inactive" "$(st s2 .active)" false
is "refused: o1 stays inactive and has not run" "$(st o1 '[.active, .last] |
    tostring')" '[false,null]'
is "refused requests write no event" "$(total)" "$n"
is "raw: a periodic task's activation needs no budget" \
    "$(raw 'activate p4')" "- p4: activated
OK 1 activated, 0 already active"
is "weight in use still 5 (p4 has not started)" "$(in_use)" 5
is "raw: a bulk activation over budget is refused as a whole" \
    "$(raw 'activate free s2 --confirm')" "ERR budget 5/5, s2 needs 2"
is "refused as a whole: free stays inactive" "$(st free .active)" false
is "dry run over budget: the plan says why" \
    "$(raw 'activate s2 --dry-run')" "- budget after: 5/5
- refused: budget 5/5, s2 needs 2
ERR budget 5/5, s2 needs 2"
check "stop o2" ctl stop o2
check "o2 ends" wait_for 20 idle o2
is "weight in use 3 again" "$(in_use)" 3
like "raw: run o1 now fits (4/5)" "$(raw 'run o1')" \
    '^OK o1: run [0-9]+ started, pid [0-9]+$'
is "raw: run o2 no longer fits" "$(raw 'run o2')" \
    "ERR budget 4/5, o2 needs 2"
is "the budget counts o1's run although o1 is not active" "$(in_use)" 4
check "stop o1" ctl stop o1
check "deactivate s3" ctl deactivate s3
check "o1 ends" wait_for 20 idle o1
check "s3 ends" wait_for 20 idle s3
is "nothing in use" "$(in_use)" 0
check "deactivate o2 and p4" ctl -y deactivate o2 p4

# --- conflicts --------------------------------------------------------------

check "activate ca" ctl activate ca
n=$(total)
is "raw: activate cb while ca is active" "$(raw 'activate cb')" \
    "ERR conflict cb conflicts with active ca"
is "maintctl: stderr and exit 1" "$(ctl_err activate cb)" \
    "maintctl: conflict: cb conflicts with active ca
rc=1"
is "cb stays inactive" "$(st cb .active)" false
is "no event for the refusal" "$(total)" "$n"
check "deactivate ca" ctl deactivate ca
check "ca ends" wait_for 20 idle ca
check "activate cb" ctl activate cb
is "symmetric: raw activate ca while cb is active" "$(raw 'activate ca')" \
    "ERR conflict ca conflicts with active cb"
is "ca stays inactive" "$(st ca .active)" false
check "deactivate cb" ctl deactivate cb
check "cb ends" wait_for 20 idle cb
is "both in one request: neither is called active" \
    "$(raw 'activate ca cb --confirm')" \
    "ERR conflict ca and cb conflict: they cannot be active together"
is "both stay inactive" "$(st ca .active) $(st cb .active)" "false false"
is "dry run of both: the plan says why" "$(raw 'activate ca cb --dry-run')" \
    "- would activate ca (and start it)
- budget after: 0/5
- refused: conflict ca and cb conflict: they cannot be active together
ERR conflict ca and cb conflict: they cannot be active together"

# a task that is stopping counts too, and is called so
check "activate cs (it ignores TERM)" ctl activate cs
check "cs runs" wait_for 10 busy cs
cspid=$(st cs .pid)
is "deactivate cs, then activate ce at once: cs is still stopping" \
    "$(finals "$(raw 'deactivate cs' 'activate ce')" | tail -n 1)" \
    "ERR conflict ce conflicts with cs, which is still stopping (pid $cspid)"
check "cs ends (KILL after kill_grace)" wait_for 20 idle cs
check "then ce may be activated" ctl activate ce
check "deactivate ce" ctl deactivate ce

# a running (not active) task counts too
check "run cc" ctl run cc
check "cc runs" wait_for 10 busy cc
ccpid=$(st cc .pid)
is "raw: run cd while cc runs" "$(raw 'run cd')" \
    "ERR conflict cd conflicts with cc, which is running (pid $ccpid)"
is "maintctl run: stderr and exit 1" "$(ctl_err run cd)" \
    "maintctl: conflict: cd conflicts with cc, which is running (pid $ccpid)
rc=1"
is "raw: activate cd while cc runs" "$(raw 'activate cd')" \
    "ERR conflict cd conflicts with cc, which is running (pid $ccpid)"
is "cd has not run" "$(st cd .last)" null
check "stop cc" ctl stop cc
check "cc ends" wait_for 20 idle cc
check "now run cd" ctl run cd
check "cd runs" wait_for 10 busy cd
is "symmetric: raw run cc while cd runs" "$(raw 'run cc')" \
    "ERR conflict cc conflicts with cd, which is running (pid $(st cd .pid))"
check "stop cd" ctl stop cd
check "cd ends" wait_for 20 idle cd

# --- idempotency ------------------------------------------------------------

check "activate free" ctl activate free
is "activate it again (maintctl): already active" "$(ctl activate free)" \
    "free already active"
is "raw: activate it again" "$(raw 'activate free')" "OK free already active"
is "one activated event only" "$(nev activated free)" 1
is "one run only" "$(ctl --json history free | wc -l | tr -d ' ')" 1
is "raw: one new, one already active: no confirm needed" \
    "$(raw 'activate free s2')" "- s2: activated
OK 1 activated, 1 already active"
is "still one activated event for free" "$(nev activated free)" 1
check "deactivate both" ctl -y deactivate free s2
n=$(nev deactivated free)
is "raw: deactivate it again: already inactive" "$(raw 'deactivate free')" \
    "OK free already inactive"
is "maintctl: already inactive" "$(ctl deactivate free)" \
    "free already inactive"
is "no second deactivated event" "$(nev deactivated free)" "$n"
is "raw: deactivate two inactive tasks: nothing to confirm" \
    "$(raw 'deactivate free s2')" "OK 0 deactivated, 2 already inactive"

# --- the default max_weight is 8 --------------------------------------------

stop_daemon
write_conf <<EOF
task big { command = "/bin/true" weight = 9 }
task eight { command = "/bin/true" weight = 8 }
EOF
check "daemon starts without max_weight" start_fg
is "raw: default max_weight 8" "$(raw 'run big')" "ERR budget 0/8, big needs 9"
check "weight 8 fits" ctl run eight --wait

done_testing
