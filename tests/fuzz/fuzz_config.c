/*
 * fuzz_config.c: the config loader (conf.c, conf_file.c, conf_opts.c,
 * conf_err.c, libconfuse) on the input as a maintd.conf, written to a
 * file as conf_load() reads it (comments blanked, braces counted, then
 * cfg_parse_buf()), strictly (-n, reload) and leniently (start-up).
 *
 * A load gives a config or errors, never both or neither; every error
 * names the file, and has no raw control character (values are shown
 * with strvis) and no "(null)" (glibc's text for a NULL given to %s).  The lenient load fails when the strict one does, unless
 * it left out discovered files (with warnings).  A config loaded twice
 * has the same tasks, and conf_task_same() says so (what reload uses
 * to keep unchanged tasks alone); tasks_build() finds each by its name.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "task.h"
#include "util.h"

/* "(null)" in a message is a NULL string, unless the input says it */
static bool	null_ok;

static void
check_errors(char **errors, const char *path)
{
	size_t		 i;
	const char	*p;

	FUZZ_CHECK(errors != NULL && errors[0] != NULL, "no config and no "
	    "error");
	for (i = 0; errors[i] != NULL; i++) {
		FUZZ_CHECK(strncmp(errors[i], path, strlen(path)) == 0 ||
		    errors[i][0] == '/', "error %zu names no file: %s", i,
		    errors[i]);
		/* glibc's rendering of a NULL given to %s */
		FUZZ_CHECK(null_ok || strstr(errors[i], "(null)") == NULL,
		    "a NULL "
		    "string in the error \"%s\"", errors[i]);
		for (p = errors[i]; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f,
			    "a raw control character %#x in the error \"%s\"",
			    (unsigned char)*p, errors[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*strict, *lenient, *again;
	struct tasks	 ts;
	char		**errors, **lerrors, **warnings, *path;
	size_t		  i;

	path = xstrdup(fuzz_path("maintd.conf"));
	null_ok = fuzz_says_null(data, size);
	fuzz_write(path, data, size);

	strict = conf_load(path, false, &errors, NULL);
	if (strict == NULL)
		check_errors(errors, path);
	else
		FUZZ_CHECK(errors == NULL, "a config and errors");

	lenient = conf_load(path, true, &lerrors, &warnings);
	if (lenient == NULL) {
		check_errors(lerrors, path);
		FUZZ_CHECK(strict == NULL, "strictly loaded, but not "
		    "leniently: %s", lerrors[0]);
	} else {
		FUZZ_CHECK(lerrors == NULL, "a config and errors");
		FUZZ_CHECK(strict != NULL || warnings != NULL, "leniently "
		    "loaded with nothing left out, but not strictly: %s",
		    errors[0]);
	}
	strv_free(errors);
	strv_free(lerrors);
	strv_free(warnings);
	conf_free(lenient);
	if (strict == NULL) {
		free(path);
		return 0;
	}

	again = conf_load(path, false, &errors, NULL);
	FUZZ_CHECK(again != NULL, "loaded once, not twice: %s", errors[0]);
	FUZZ_CHECK(again->ntasks == strict->ntasks && again->npresets ==
	    strict->npresets && again->nwindows == strict->nwindows,
	    "loaded twice: %zu and %zu tasks", strict->ntasks, again->ntasks);
	for (i = 0; i < strict->ntasks; i++)
		FUZZ_CHECK(conf_task_same(&strict->tasks[i], &again->tasks[i]),
		    "task %s: loaded twice, not the same", strict->tasks[i].name);
	conf_free(again);

	memset(&ts, 0, sizeof(ts));
	tasks_build(&ts, strict);
	for (i = 0; i < ts.n; i++)
		FUZZ_CHECK(task_find(&ts, ts.v[i]->conf->name) == ts.v[i],
		    "task_find(%s)", ts.v[i]->conf->name);
	tasks_free(&ts);
	conf_free(strict);
	free(path);
	return 0;
}
