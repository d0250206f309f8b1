/* conf_manifest.h: a JSON manifest of discover, as the text of a drop-in. */
#ifndef MAINTD_CONF_MANIFEST_H
#define MAINTD_CONF_MANIFEST_H

#include <sys/types.h>

#include <stddef.h>

struct manifest {
	char	 *text;		/* "task NAME { ... }" */
	char	**labels;	/* line n of text came from key labels[n - 1] */
	size_t	  nlabels;
	mode_t	  mode;		/* the file's (a secret in it: conf_file.c) */
	char	**errors;	/* every fault found ("KEY.PATH: why"), or NULL */
};

/*
 * 1: the manifest, as text, in *m (what could be written: with
 * m->errors, it is refused, but its text shows the value errors too);
 * 0: not tagged with tag (not for maintd); -1: refused, every reason in
 * m->errors, no text.
 */
int	conf_manifest(const char *path, const char *tag, struct manifest *m);
void	conf_manifest_free(struct manifest *);

#endif
