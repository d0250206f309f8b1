#!/bin/sh
# t0010-client: maintctl as a new user meets it.  help, --help and
# --version with no daemon, from the daemon's own verb table (the same
# usage lines as the daemon's help); the completion scripts, made from
# that table, know every verb and option, and complete task names from
# the daemon on the socket given; times as journalctl takes them
# (--since today, --until, 1h ago, 5 min ago); a run's stderr apart
# (--stream, and in run --wait --json); the
# daemon's own messages (log); preset import from a file or stdin;
# maintctl shell (a declined prompt says so in words; maintctl(8) shows
# its example with the backslashes); maintctl top in tmux: an activation
# made from another shell shows within a second, and q gives the
# terminal back; the shell's Tab, in tmux, completes verbs, options,
# option values, and task and preset names from the daemon.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 60

COMP=$(dirname "$MAINTCTL")/completion

# --- without a daemon ----------------------------------------------------------

"$MAINTCTL" -s "$T/nothing.sock" help >"$T/help" 2>&1
is "help with no daemon: exit 0" "$?" 0
like "... lists the verbs" "$(cat "$T/help")" '^activate TASK\.\.\. \[--for DUR\]'
"$MAINTCTL" -s "$T/nothing.sock" help run >"$T/o" 2>&1
is "help VERB with no daemon: exit 0" "$?" 0
like "... the usage" "$(cat "$T/o")" '^usage: maintctl run TASK \[--wait\] \[--dry-run\] \[--force\]'
like "... its options, each explained" "$(cat "$T/o")" \
    '--force +run although start_when, requires or after does not hold'
like "... the exit codes" "$(cat "$T/o")" '^exit status: 0 OK, 1 .*77 denied'
like "... an example" "$(cat "$T/o")" '^example: maintctl run'
"$MAINTCTL" help frobnicate >"$T/o" 2>&1
is "help of an unknown verb: exit 2" "$?" 2
like "--version" "$("$MAINTCTL" --version)" '^maintctl [0-9.]+ \(protocol 1\)$'
like "--help" "$("$MAINTCTL" --help)" '^usage: maintctl'

# --- completion ---------------------------------------------------------------

write_conf <<'EOF'
task alpha { command = "/bin/sh -c 'echo out; echo err >&2'"  shell = false }
task beta { command = "echo to-stdout; echo to-stderr >&2"  shell = true }
preset both { tasks = { "alpha", "beta" } }
EOF
check "daemon starts" start_fg
verbs=$(ctl --json help | jq -r .verb | sort)
missing=""
for v in $verbs top shell token; do
	grep -q -- "$v" "$COMP/maintctl.bash" || missing="$missing bash:$v"
	grep -q -- "$v" "$COMP/_maintctl" || missing="$missing zsh:$v"
done
is "every verb of the daemon's help is in both completion scripts" "$missing" ""
is "... and the daemon's help is maintctl's, line for line" \
    "$(raw help | sed -n 's/^- //p')" \
    "$("$MAINTCTL" -s "$T/nothing.sock" help | sed '/^$/,$d' |
    grep -v '^top \|^shell \|^token ')"
missing=""
sed -n 's/^OPTION("\([a-z-]*\)".*/\1/p' "$(dirname "$0")/../../daemon/options.def" >"$T/opts"
while read -r o; do
	[ "$o" = n ] && o="-n" || o="--$o"
	grep -q -- "$o" "$COMP/maintctl.bash" || missing="$missing bash:$o"
	grep -q -- "$o" "$COMP/_maintctl" || missing="$missing zsh:$o"
done <"$T/opts"
is "every option is in both completion scripts" "$missing" ""
missing=""
for o in $("$MAINTCTL" --help | sed -n 's/^  \(-[a-zA-Z], \)*\(--[a-z]*\).*/\1\2/p' |
    tr -d ','); do
	grep -q -- " $o" "$COMP/maintctl.bash" || missing="$missing bash:$o"
	grep -q -- " $o" "$COMP/_maintctl" || missing="$missing zsh:$o"
done
is "... and every option of maintctl's own (--help lists -H, --stdio)" \
    "$missing:$("$MAINTCTL" --help | grep -c -- '^  -H, --host \|^  --stdio ')" ":2"
# complete WORDS...: what bash completion offers for the last word
complete_words() {
	PATH=$(dirname "$MAINTCTL"):$PATH bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_maintctl; printf "%s\n" "${COMPREPLY[@]}"' sh \
	    "$COMP/maintctl.bash" "$@" | sort | tr '\n' ' '
}
is "bash: a verb" "$(complete_words maintctl acti)" "activate "
is "bash: task names from the daemon on -s" \
    "$(complete_words maintctl -s "$SOCK" activate '')" "alpha beta "
is "bash: a verb's options" "$(complete_words maintctl run --d)" "--dry-run "
is "bash: --stream values" "$(complete_words maintctl logs alpha --stream '')" \
    "stderr stdout "

# --- times, streams, the daemon's messages ---------------------------------------

check "run beta" ctl run beta --wait
is "logs --stream stdout" "$(ctl logs beta --stream stdout | sed 's/.*] //')" to-stdout
is "logs --stream stderr" "$(ctl logs beta --stream stderr | sed 's/.*] //')" to-stderr
like "a stderr line says so in the log file" "$(cat "$T/log/beta.log")" \
    '\[[0-9]+ stderr\] to-stderr'
is "logs --json: the stream" "$(ctl --json logs beta | jq -r .stream | tr '\n' ' ')" \
    "stdout stderr "
is "history --since today" "$(ctl --json history --since today | wc -l | tr -d ' ')" 1
is "history --until an hour ago: nothing" \
    "$(ctl --json history --until '1h ago' | wc -l | tr -d ' ')" 0
is "events --since 10m ago --until now" \
    "$(ctl --json events --since '10m ago' --until now | jq -r .event | grep -c run-)" 2
is "events --since '5 min ago' (spelled out, as journalctl takes it)" \
    "$(ctl --json events --since '5 min ago' | jq -r .event | grep -c run-)" 2
is "run --wait --json: each line says its stream" \
    "$(ctl --json run beta --wait | jq -r 'select(.line) | .stream + ":" + .line' | tr '\n' ' ')" \
    "stdout:to-stdout stderr:to-stderr "
like "log: the daemon's own messages" "$(ctl log -n 50)" 'info +beta: run [0-9]+ started'
is "log --until an hour ago: nothing" "$(ctl log --until '1 hour ago')" "0 lines"
like "log --since 10m ago: the run" "$(ctl log --since '10m ago')" 'beta: run [0-9]+ started'
is "log --level warning: not the info ones" "$(ctl log --level warning | grep -c 'run .* started')" 0

# --- preset import from a file, from stdin ----------------------------------------

printf '{\n  "name": "fromfile",\n  "tasks": ["alpha"]\n}\n' >"$T/p.json"
check "preset import FILE" ctl preset import "$T/p.json"
check "preset import -" sh -c "printf '{\"name\": \"fromstdin\", \"tasks\": [\"beta\"]}' | \
    $MAINTCTL -s $SOCK preset import -"
is "both are there" "$(ctl --json preset list | jq -r .name | sort | tr '\n' ' ')" \
    "both fromfile fromstdin "

# --- shell -------------------------------------------------------------------

r=$(printf 'ping\nstatus alpha\nnosuchverb\nactivate alpha beta\ny\nquit\n' |
    HOME=$T "$MAINTCTL" -s "$SOCK" shell 2>&1)
like "shell: each line is a request" "$r" 'pong'
like "shell: replies as maintctl prints them" "$r" '^alpha +oneshot +inactive'
like "shell: errors as maintctl prints them" "$r" "maintctl: unknown-verb"
like "shell: a bulk change is asked, y sends it confirmed" "$r" \
    'activate 2 tasks: alpha, beta\? \[y/N\] alpha: activated'
is "shell: both active" "$(ctl --json status | jq -r .active | sort -u)" true
check "shell: the history is kept in ~/.maintctl_history" \
    grep -q 'nosuchverb' "$T/.maintctl_history"
ctl -y deactivate alpha beta >/dev/null
printf 'activate alpha beta\nn\n' | HOME=$T "$MAINTCTL" -s "$SOCK" shell \
    >/dev/null 2>"$T/e"
is "shell: a declined prompt says so in words" "$(cat "$T/e")" \
    "maintctl: not confirmed; nothing changed"
is "... and changes nothing" "$(ctl --json status | jq -r .active | sort -u)" false
MAN=$(dirname "$0")/../../client/maintctl.8
if command -v mandoc >/dev/null 2>&1; then
	like "maintctl(8): the shell example keeps its backslashes" \
	    "$(mandoc -Tascii "$MAN" | col -b)" "printf 'status\\\\nhealth\\\\n' \\| maintctl shell"
else
	skip "no mandoc"
fi

# --- top on a terminal that hangs up, SIGHUP blocked: it ends all the same

cat >"$T/hup.py" <<'PYEOF'
import os, pty, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    os.execv(sys.argv[1], [sys.argv[1], "-s", sys.argv[2], "top"])
buf = b""
deadline = time.time() + 10
while b"TASK" not in buf and time.time() < deadline:
    try:
        buf += os.read(fd, 4096)
    except OSError:
        break
if b"TASK" not in buf:
    print("top did not draw"); os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0); sys.exit(1)
os.close(fd)
deadline = time.time() + 5
while time.time() < deadline:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p == pid:
        print("gone"); sys.exit(0)
    time.sleep(0.05)
print("still running after the hang-up"); os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0); sys.exit(1)
PYEOF
r=$(python3 "$T/hup.py" "$MAINTCTL" "$SOCK" 2>&1)
is "top ends when its terminal hangs up, even with no SIGHUP" "$r" gone

# --- top, in tmux ----------------------------------------------------------------

if command -v tmux >/dev/null 2>&1; then
	TS="maintd-t0010-$$"
	tmux -L "$TS" new-session -d -s t -x 160 -y 30 sh
	pane() {
		tmux -L "$TS" capture-pane -t t -p
	}
	tmux -L "$TS" send-keys -t t "$MAINTCTL -s $SOCK top" Enter
	check "top: the dashboard is drawn" wait_for 10 sh -c \
	    "tmux -L $TS capture-pane -t t -p | grep -q '^TASK .*KIND .*ACTIVATION'"
	ctl activate alpha >/dev/null
	check "an activation from another shell shows within a second" \
	    wait_for 1 sh -c "tmux -L $TS capture-pane -t t -p | grep -q 'alpha .*activated'"
	tmux -L "$TS" send-keys -t t q
	check "q: the dashboard is gone, the shell is back" wait_for 5 sh -c \
	    "! tmux -L $TS capture-pane -t t -p | grep -q '^TASK .*ACTIVATION'"
	tmux -L "$TS" send-keys -t t "stty -a | tr ' ' '\\n' | grep -x -- '-*icanon' >$T/stty" Enter
	check "... with the terminal as it was (canonical mode)" wait_for 5 \
	    grep -qx icanon "$T/stty"

	# the shell's Tab: what the prompt line becomes
	tmux -L "$TS" send-keys -t t clear Enter \
	    "HOME=$T $MAINTCTL -s $SOCK shell" Enter
	check "shell in tmux: the prompt" wait_for 10 sh -c \
	    "tmux -L $TS capture-pane -t t -p | grep -q '^maintd> *\$'"
	# tabbed TEXT LINE DESCRIPTION: type TEXT (as it is), Tab, and a '#'
	# (so that the blank after a whole word shows): the prompt's line is
	# LINE then; the '#' is taken back
	tabbed() {
		tmux -L "$TS" send-keys -t t -l -- "$1"
		tmux -L "$TS" send-keys -t t Tab
		tmux -L "$TS" send-keys -t t -l '#'
		check "$3" wait_for 5 prompt_is "$2#"
		tmux -L "$TS" send-keys -t t BSpace
	}
	prompt_is() {
		tmux -L "$TS" capture-pane -t t -p | grep -qxF -- "maintd> $1"
	}
	tabbed acti 'activate ' "Tab completes a verb"
	tabbed al 'activate alpha ' "... a task name, asked of the daemon"
	tabbed --d 'activate alpha --dry-run ' "... the verb's options"
	tmux -L "$TS" send-keys -t t C-u
	tabbed 'logs beta --stream stde' 'logs beta --stream stderr ' \
	    "... an option's values"
	tmux -L "$TS" send-keys -t t C-u
	tabbed 'preset apply b' 'preset apply both ' "... a preset name"
	tmux -L "$TS" send-keys -t t C-u quit Enter
	tmux -L "$TS" kill-server
else
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		skip "no tmux"
	done
fi

# a reply line longer than maintctl's 16 KiB read buffer (which grows)
long=$(awk 'BEGIN { while (n++ < 40000) printf "x" }')
printf 'task long { command = { "/bin/echo", "%s" } }\n' "$long" >>"$CONF"
ctl -q reload
is "a reply line of 40 KB comes through whole" \
    "$(ctl show long --json | jq -r '.command[1]' | wc -c)" 40001

# a follower whose reader went away (head after its line) ends at its
# next line instead of following unseen
gone() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	"" | Z*) return 0 ;;
	esac
	return 1
}
sh -c 'echo $$ >"$1/follower.pid"; exec "$2" -s "$3" events -n 1 --follow' \
    sh "$T" "$MAINTCTL" "$SOCK" | head -n 1 >/dev/null &
HEAD=$!
check "events --follow | head -n 1: the follower runs" wait_for 10 test -s "$T/follower.pid"
FOLLOWER=$(cat "$T/follower.pid")
EXTRA_PIDS="$EXTRA_PIDS $FOLLOWER"
check "... head has had its line" wait_for 10 gone "$HEAD"
ctl reload >/dev/null
check "... and the follower ends at the next event" wait_for 10 gone "$FOLLOWER"

done_testing
