/* help.h: maintctl's help from the daemon's verb and option tables. */
#ifndef MAINTCTL_HELP_H
#define MAINTCTL_HELP_H

#include <stddef.h>
#include <stdio.h>

void		 help_all(FILE *);
/* maintctl's own options, one a line */
void		 help_options(FILE *);
/* -1: no such verb */
int		 help_verb(FILE *, const char *name);
/* The tables, for the completion scripts (gencomp.c). */
size_t		 help_nverbs(void);
const char	*help_verb_name(size_t);
const char	*help_verb_args(size_t);
const char	*help_verb_opts(size_t);
size_t		 help_nopts(void);
const char	*help_opt_name(size_t);
const char	*help_opt_value(size_t);
size_t		 help_nclopts(void);
const char	*help_clopt_flag(size_t);	/* NULL: long only */
const char	*help_clopt_name(size_t);
const char	*help_clopt_value(size_t);

#endif
