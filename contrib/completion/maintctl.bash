# bash completion for maintctl(8).  Source it, or install it as
# /usr/share/bash-completion/completions/maintctl.
# shellcheck shell=bash

_maintctl_tasks() {
	# The first column of "maintctl list", without its header.
	maintctl "$@" list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_maintctl() {
	local cur prev verb i sockopt=()
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	verb=""
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s) sockopt=(-s "${COMP_WORDS[i+1]}"); i=$((i + 1)) ;;
		-*) ;;
		*) verb=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ "$prev" = "-s" ]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
	fi
	if [ -z "$verb" ]; then
		mapfile -t COMPREPLY < <(compgen -W "ping version help quit \
		    status list show activate deactivate run stop restart \
		    reopen -s -j -q -y --json" -- "$cur")
		return
	fi
	case $verb in
	status|show|activate|deactivate|run|stop|restart)
		case $cur in
		--*)
			mapfile -t COMPREPLY < <(compgen -W "--json --for \
			    --wait --dry-run" -- "$cur") ;;
		*)
			mapfile -t COMPREPLY < <(compgen -W \
			    "$(_maintctl_tasks "${sockopt[@]}")" -- "$cur") ;;
		esac ;;
	help)
		mapfile -t COMPREPLY < <(compgen -W "ping version help quit \
		    status list show activate deactivate run stop restart \
		    reopen" -- "$cur") ;;
	esac
}
complete -F _maintctl maintctl
