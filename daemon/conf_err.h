/*
 * conf_err.h: while a configuration is read, its errors ("file:line:
 * message", each once, values escaped) and the line of each option seen,
 * for errors found after parsing.
 */
#ifndef MAINTD_CONF_ERR_H
#define MAINTD_CONF_ERR_H

#include <stdarg.h>
#include <stddef.h>

#include <confuse.h>

void	 conf_err_begin(void);
/* The errors, NULL-terminated (NULL when there were none); ends it. */
char	**conf_err_end(void);
size_t	 conf_err_count(void);
/* The file being parsed (its name for "[buf]", its text for hints). */
void	 conf_err_file(const char *path, const char *text);
/*
 * Text made from a JSON manifest: its line n is labels[n - 1] of the
 * file (a key path), which errors name instead of the line.
 */
void	 conf_err_labels(const char *const *labels, size_t n);
/* Take the errors from the from-th on out of the load (a file left out). */
char	**conf_err_take(size_t from);
void	 conf_err_add(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 conf_err_vadd(const char *file, int line, const char *fmt, va_list)
	    __attribute__((format(printf, 3, 0)));
/* libconfuse's error function. */
void	 conf_err_confuse(cfg_t *, const char *fmt, va_list);
void	 conf_err_seen(const cfg_t *sec, const char *option, int line);
/*
 * The line of option in sec, or (option NULL) the first line seen in
 * sec; the section's own (closing) line when nothing was seen.
 */
int	 conf_err_line(const cfg_t *sec, const char *option);
/* sec is about to be freed: forget where its options were. */
void	 conf_err_forget(const cfg_t *sec);
/* Is option's value on that line of the text written without quotes? */
int	 conf_err_unquoted(int line, const char *option);

#endif
