/*
 * gencomp.c: writes maintctl's bash and zsh completion from the daemon's
 * verb and option tables (daemon/verbs.def, daemon/options.def, through
 * help.c), at build time, so that they cannot go stale.
 * usage: gencomp bash|zsh > FILE
 */
#include <stdio.h>
#include <string.h>

#include "help.h"

/* The options a verb takes, as "--for --dry-run ... --json". */
static void
verb_opts(size_t v, char *buf, size_t len)
{
	const char	*p = help_verb_opts(v), *q;
	size_t		 o = 0;

	buf[0] = '\0';
	for (; *p; p = *q ? q + 1 : q) {
		q = p + strcspn(p, " ");
		o += (size_t)snprintf(buf + o, len - o, "%s%.*s ",
		    q - p == 1 ? "-" : "--", (int)(q - p), p);
	}
	snprintf(buf + o, len - o, "--json");
}

static void
words(const char *sep, int (*want)(size_t), const char *(*name)(size_t),
    size_t n)
{
	size_t	i;
	int	first = 1;

	for (i = 0; i < n; i++)
		if (want == NULL || want(i)) {
			printf("%s%s", first ? "" : sep, name(i));
			first = 0;
		}
}

/* maintctl's own options: "-H --host -j --json ..." */
static void
client_opts(void)
{
	size_t	i;

	for (i = 0; i < help_nclopts(); i++) {
		if (help_clopt_flag(i) != NULL)
			printf(" %s", help_clopt_flag(i));
		printf(" %s", help_clopt_name(i));
	}
}

static const char *
opt_flag(size_t i)
{
	static char	buf[64];

	snprintf(buf, sizeof(buf), "%s%s", strcmp(help_opt_name(i), "n") == 0 ?
	    "-" : "--", help_opt_name(i));
	return buf;
}

/* Options that take a free value (those with a list are done apart). */
static int
valued(size_t i)
{
	const char	*n = help_opt_name(i);

	return help_opt_value(i) != NULL && strcmp(n, "task") != 0 &&
	    strcmp(n, "stream") != 0 && strcmp(n, "level") != 0 &&
	    strcmp(n, "by") != 0;
}

static void
bash(void)
{
	char	o[512];
	size_t	i;

	printf("# bash completion for maintctl(8), made by gencomp from the "
	    "daemon's\n# tables: do not edit.  Source it, or install it as\n"
	    "# /usr/share/bash-completion/completions/maintctl.\n"
	    "# shellcheck shell=bash\n\n");
	printf("_maintctl_names() {\n"
	    "\t# the first column of a table (task, preset, window, notify), "
	    "from the\n\t# running daemon, on the socket (and host) the "
	    "command line names\n"
	    "\tlocal what=$1\n\tshift\n"
	    "\tcase $what in\n"
	    "\ttask) maintctl \"$@\" list ;;\n"
	    "\tpreset) maintctl \"$@\" preset list ;;\n"
	    "\twindow) maintctl \"$@\" window list ;;\n"
	    "\tnotify) maintctl \"$@\" notify list ;;\n"
	    "\tesac 2>/dev/null | awk 'NR > 1 { print $1 }'\n}\n\n");
	printf("_maintctl() {\n"
	    "\tlocal cur prev verb i n=0 sock=()\n"
	    "\tCOMPREPLY=()\n"
	    "\tcur=${COMP_WORDS[COMP_CWORD]}\n"
	    "\tprev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\tverb=\"\"\n"
	    "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	    "\t\tcase ${COMP_WORDS[i]} in\n"
	    "\t\t-s|--socket|-H|--host) sock+=(\"${COMP_WORDS[i]}\" "
	    "\"${COMP_WORDS[i+1]}\"); i=$((i + 1)) ;;\n"
	    "\t\t-*) ;;\n"
	    "\t\t*) if [ -z \"$verb\" ]; then verb=${COMP_WORDS[i]}; else "
	    "n=$((n + 1)); fi ;;\n"
	    "\t\tesac\n"
	    "\tdone\n"
	    "\tcase $prev in\n"
	    "\t-s|--socket) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); "
	    "return ;;\n"
	    "\t-H|--host) return ;;\n"
	    "\t--stream) mapfile -t COMPREPLY < <(compgen -W \"stdout stderr\" "
	    "-- \"$cur\"); return ;;\n"
	    "\t--level) mapfile -t COMPREPLY < <(compgen -W \"debug info "
	    "warning error\" -- \"$cur\"); return ;;\n"
	    "\t--by) mapfile -t COMPREPLY < <(compgen -W \"task tag\" "
	    "-- \"$cur\"); return ;;\n"
	    "\t--task) mapfile -t COMPREPLY < <(compgen -W \"$(_maintctl_names "
	    "task \"${sock[@]}\")\" -- \"$cur\"); return ;;\n");
	printf("\t");
	words("|", valued, opt_flag, help_nopts());
	printf(") return ;;\n\tesac\n");
	printf("\tif [ -z \"$verb\" ]; then\n"
	    "\t\tmapfile -t COMPREPLY < <(compgen -W \"");
	words(" ", NULL, help_verb_name, help_nverbs());
	client_opts();
	printf("\" -- \"$cur\")\n\t\treturn\n\tfi\n");
	printf("\tif [[ $cur == -* ]]; then\n\t\tcase $verb in\n");
	for (i = 0; i < help_nverbs(); i++) {
		verb_opts(i, o, sizeof(o));
		printf("\t\t%s) mapfile -t COMPREPLY < <(compgen -W \"%s\" -- "
		    "\"$cur\") ;;\n", help_verb_name(i), o);
	}
	printf("\t\tesac\n\t\treturn\n\tfi\n");
	printf("\tcase $verb in\n");
	for (i = 0; i < help_nverbs(); i++) {
		const char *a = help_verb_args(i);

		if (*a == '\0')
			continue;
		printf("\t%s)\n", help_verb_name(i));
		if (strcmp(a, "tasks") == 0)
			printf("\t\tmapfile -t COMPREPLY < <(compgen -W "
			    "\"$(_maintctl_names task \"${sock[@]}\")\" -- "
			    "\"$cur\") ;;\n");
		else if (strncmp(a, "task", 4) == 0)
			printf("\t\tif [ \"$n\" -eq 0 ]; then mapfile -t "
			    "COMPREPLY < <(compgen -W \"$(_maintctl_names task "
			    "\"${sock[@]}\")\" -- \"$cur\"); fi ;;\n");
		else if (strcmp(a, "verb?") == 0) {
			printf("\t\tmapfile -t COMPREPLY < <(compgen -W \"");
			words(" ", NULL, help_verb_name, help_nverbs());
			printf("\" -- \"$cur\") ;;\n");
		} else if (strcmp(a, "preset") == 0)
			printf("\t\tif [ \"$n\" -eq 0 ]; then mapfile -t "
			    "COMPREPLY < <(compgen -W \"list show apply create "
			    "delete export import\" -- \"$cur\")\n"
			    "\t\telif [ \"${COMP_WORDS[COMP_CWORD-1]}\" = "
			    "import ]; then mapfile -t COMPREPLY < <(compgen -f "
			    "-- \"$cur\")\n"
			    "\t\telif [ \"${COMP_WORDS[COMP_CWORD-2]}\" = "
			    "create ] || [ \"$n\" -ge 2 ]; then mapfile -t "
			    "COMPREPLY < <(compgen -W \"$(_maintctl_names task "
			    "\"${sock[@]}\")\" -- \"$cur\")\n"
			    "\t\telse mapfile -t COMPREPLY < <(compgen -W "
			    "\"$(_maintctl_names preset \"${sock[@]}\")\" -- "
			    "\"$cur\"); fi ;;\n");
		else if (strcmp(a, "window") == 0)
			printf("\t\tif [ \"$n\" -eq 0 ]; then mapfile -t "
			    "COMPREPLY < <(compgen -W \"list create delete export "
			    "import\" -- \"$cur\")\n"
			    "\t\telif [ \"${COMP_WORDS[COMP_CWORD-1]}\" = "
			    "import ]; then mapfile -t COMPREPLY < <(compgen -f "
			    "-- \"$cur\")\n"
			    "\t\telif [ \"$n\" -eq 1 ]; then mapfile -t COMPREPLY "
			    "< <(compgen -W \"$(_maintctl_names window "
			    "\"${sock[@]}\")\" -- \"$cur\"); fi ;;\n");
		else if (strncmp(a, "words:", 6) == 0)
			printf("\t\tif [ \"$n\" -eq 0 ]; then mapfile -t "
			    "COMPREPLY < <(compgen -W \"%s\" -- \"$cur\"); "
			    "fi ;;\n", a + 6);
		else if (strcmp(a, "notify") == 0)
			printf("\t\tif [ \"$n\" -eq 0 ]; then mapfile -t "
			    "COMPREPLY < <(compgen -W \"list test\" -- "
			    "\"$cur\")\n\t\telse mapfile -t COMPREPLY < <(compgen "
			    "-W \"$(_maintctl_names notify \"${sock[@]}\")\" -- "
			    "\"$cur\"); fi ;;\n");
	}
	printf("\tesac\n}\ncomplete -F _maintctl maintctl\n");
}

static void
zsh(void)
{
	char	o[512];
	size_t	i;

	printf("#compdef maintctl\n# zsh completion for maintctl(8), made by "
	    "gencomp from the daemon's\n# tables: do not edit.  Install it as "
	    "_maintctl in a directory of $fpath.\n\n");
	printf("_maintctl_names() {\n"
	    "\tlocal what=$1\n\tshift\n"
	    "\tcase $what in\n"
	    "\ttask) maintctl \"$@\" list ;;\n"
	    "\tpreset) maintctl \"$@\" preset list ;;\n"
	    "\twindow) maintctl \"$@\" window list ;;\n"
	    "\tnotify) maintctl \"$@\" notify list ;;\n"
	    "\tesac 2>/dev/null | awk 'NR > 1 { print $1 }'\n}\n\n");
	printf("_maintctl() {\n"
	    "\tlocal verb i n=0\n\tlocal -a sock\n"
	    "\tfor ((i = 2; i < CURRENT; i++)); do\n"
	    "\t\tcase ${words[i]} in\n"
	    "\t\t-s|--socket|-H|--host) sock+=(\"${words[i]}\" "
	    "\"${words[i+1]}\"); i=$((i + 1)) ;;\n"
	    "\t\t-*) ;;\n"
	    "\t\t*) if [[ -z $verb ]]; then verb=${words[i]}; else "
	    "n=$((n + 1)); fi ;;\n"
	    "\t\tesac\n\tdone\n"
	    "\tcase ${words[CURRENT-1]} in\n"
	    "\t-s|--socket) _files; return ;;\n"
	    "\t-H|--host) return ;;\n"
	    "\t--stream) compadd stdout stderr; return ;;\n"
	    "\t--level) compadd debug info warning error; return ;;\n"
	    "\t--by) compadd task tag; return ;;\n"
	    "\t--task) compadd -- $(_maintctl_names task \"${sock[@]}\"); "
	    "return ;;\n\t");
	words("|", valued, opt_flag, help_nopts());
	printf(") return ;;\n\tesac\n");
	printf("\tif [[ -z $verb ]]; then\n\t\tcompadd -- ");
	words(" ", NULL, help_verb_name, help_nverbs());
	client_opts();
	printf("\n\t\treturn\n\tfi\n");
	printf("\tif [[ ${words[CURRENT]} == -* ]]; then\n\t\tcase $verb in\n");
	for (i = 0; i < help_nverbs(); i++) {
		verb_opts(i, o, sizeof(o));
		printf("\t\t%s) compadd -- %s ;;\n", help_verb_name(i), o);
	}
	printf("\t\tesac\n\t\treturn\n\tfi\n\tcase $verb in\n");
	for (i = 0; i < help_nverbs(); i++) {
		const char *a = help_verb_args(i);

		if (*a == '\0')
			continue;
		printf("\t%s) ", help_verb_name(i));
		if (strncmp(a, "task", 4) == 0)
			printf("compadd -- $(_maintctl_names task "
			    "\"${sock[@]}\") ;;\n");
		else if (strcmp(a, "verb?") == 0) {
			printf("compadd -- ");
			words(" ", NULL, help_verb_name, help_nverbs());
			printf(" ;;\n");
		} else if (strcmp(a, "preset") == 0)
			printf("if ((n == 0)); then compadd list show apply "
			    "create delete export import; elif [[ "
			    "${words[CURRENT-1]} == import ]]; then _files; "
			    "else compadd -- $(_maintctl_names preset "
			    "\"${sock[@]}\") $(_maintctl_names task "
			    "\"${sock[@]}\"); fi ;;\n");
		else if (strcmp(a, "window") == 0)
			printf("if ((n == 0)); then compadd list create delete "
			    "export import; elif [[ ${words[CURRENT-1]} == import "
			    "]]; then _files; else compadd -- $(_maintctl_names "
			    "window \"${sock[@]}\"); fi ;;\n");
		else if (strncmp(a, "words:", 6) == 0)
			printf("if ((n == 0)); then compadd %s; fi ;;\n", a + 6);
		else if (strcmp(a, "notify") == 0)
			printf("if ((n == 0)); then compadd list test; else "
			    "compadd -- $(_maintctl_names notify "
			    "\"${sock[@]}\"); fi ;;\n");
	}
	printf("\tesac\n}\n\n_maintctl \"$@\"\n");
}

int
main(int argc, char *argv[])
{
	if (argc == 2 && strcmp(argv[1], "bash") == 0)
		bash();
	else if (argc == 2 && strcmp(argv[1], "zsh") == 0)
		zsh();
	else {
		fprintf(stderr, "usage: gencomp bash|zsh\n");
		return 2;
	}
	return 0;
}
