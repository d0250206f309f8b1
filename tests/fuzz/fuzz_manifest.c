/*
 * fuzz_manifest.c: the JSON manifests of discover (conf_manifest.c,
 * json-c), on the input as a .json file.
 *
 * conf_manifest(): 1 with the text of a drop-in and one label a line
 * (conf_err.c names errors by them), 0 (not tagged for maintd), or -1
 * with a reason.  Then discovery as maintd does it: a main config whose
 * discover glob finds the file, loaded strictly and leniently: an
 * untagged manifest adds nothing; a refused one fails the strict load
 * with an error naming it and is left out of the lenient one with a
 * warning; a taken one adds its task (its name, key "maintenance") or
 * fails with errors naming it.  Errors hold no raw control character
 * and no "(null)" (glibc's text for a NULL given to %s).
 */
#include <sys/stat.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_manifest.h"
#include "fuzz.h"
#include "util.h"

/* "(null)" in a message is a NULL string, unless the input says it */
static bool	null_ok;

static char	*json_path, *conf_path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*text;

	(void)argc;
	(void)argv;
	json_path = xstrdup(fuzz_path("d"));
	(void)mkdir(json_path, 0755);
	free(json_path);
	json_path = xstrdup(fuzz_path("d/m.json"));
	conf_path = xstrdup(fuzz_path("maintd.conf"));
	if (asprintf(&text, "%sdiscover = { \"%s/d/*.json\" }\n"
	    "task local { command = \"/bin/true\" }\n",
	    geteuid() == 0 ? "user = \"nobody\"\n" : "", fuzz_tmpdir()) == -1)
		abort();
	fuzz_write(conf_path, text, strlen(text));
	free(text);
	return 0;
}

/* Every error is clean; how many name the manifest. */
static size_t
check_errors(char **errors)
{
	size_t		 i, n = 0;
	const char	*p;

	for (i = 0; errors != NULL && errors[i] != NULL; i++) {
		for (p = errors[i]; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f,
			    "a raw control character %#x in the error \"%s\"",
			    (unsigned char)*p, errors[i]);
		/* glibc's rendering of a NULL given to %s */
		FUZZ_CHECK(null_ok || strstr(errors[i], "(null)") == NULL,
		    "a NULL "
		    "string in the error \"%s\"", errors[i]);
		if (strncmp(errors[i], json_path, strlen(json_path)) == 0)
			n++;
	}
	return n;
}

static const struct task_conf *
task_named(const struct config *conf, const char *name)
{
	size_t	i;

	for (i = 0; i < conf->ntasks; i++)
		if (strcmp(conf->tasks[i].name, name) == 0)
			return &conf->tasks[i];
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest		 m;
	struct config		*strict, *lenient;
	const struct task_conf	*t;
	char			 err[512], name[80], **errors, **lerrors;
	char			**warnings;
	const char		*p;
	size_t			 nlines = 0;
	int			 rc;
	bool			 m_refused;

	null_ok = fuzz_says_null(data, size);
	fuzz_write(json_path, data, size);
	rc = conf_manifest(json_path, "maintenance", &m);
	FUZZ_CHECK(rc >= -1 && rc <= 1, "conf_manifest: %d", rc);
	snprintf(err, sizeof(err), "%s", m.errors != NULL ? m.errors[0] : "");
	if (rc == -1)
		FUZZ_CHECK(err[0] != '\0', "refused with no reason");
	for (size_t i = 0; m.errors != NULL && m.errors[i] != NULL; i++)
		FUZZ_CHECK(null_ok || strstr(m.errors[i], "(null)") == NULL,
		    "refused with the reason \"%s\"", m.errors[i]);
	FUZZ_CHECK(rc != 0 || m.errors == NULL, "untagged, with errors");
	name[0] = '\0';
	if (rc == 1) {
		FUZZ_CHECK(m.text != NULL && strncmp(m.text, "task ", 5) == 0,
		    "the text: %s", m.text ? m.text : "none");
		for (p = m.text; *p; p++)
			nlines += *p == '\n';
		FUZZ_CHECK(nlines == m.nlabels, "%zu lines, %zu labels:\n%s",
		    nlines, m.nlabels, m.text);
		sscanf(m.text, "task %64s", name);
	} else
		FUZZ_CHECK(m.text == NULL && m.nlabels == 0, "text with %d", rc);
	m_refused = m.errors != NULL;
	conf_manifest_free(&m);

	strict = conf_load(conf_path, false, &errors, NULL);
	FUZZ_CHECK((strict == NULL) != (errors == NULL), "config %p errors %p",
	    (void *)strict, (void *)errors);
	lenient = conf_load(conf_path, true, &lerrors, &warnings);
	FUZZ_CHECK(lenient != NULL, "the main file is good: %s", lerrors[0]);
	FUZZ_CHECK(task_named(lenient, "local") != NULL, "task local is gone");
	(void)check_errors(lerrors);
	(void)check_errors(warnings);

	switch (rc) {
	case 0:
		FUZZ_CHECK(strict != NULL, "an untagged manifest failed the "
		    "load: %s", errors[0]);
		FUZZ_CHECK(strict->ntasks == 1 && lenient->ntasks == 1 &&
		    warnings == NULL, "an untagged manifest added tasks");
		break;
	case -1:
		FUZZ_CHECK(strict == NULL && check_errors(errors) > 0,
		    "a refused manifest (%s) did not fail the load with an "
		    "error naming it", err);
		FUZZ_CHECK(lenient->ntasks == 1 && check_errors(warnings) > 0,
		    "a refused manifest (%s) was not left out", err);
		break;
	case 1:
		FUZZ_CHECK(!m_refused || strict == NULL,
		    "a refused manifest (%s) did not fail the load", err);
		if (strict == NULL) {
			FUZZ_CHECK(check_errors(errors) > 0, "the manifest "
			    "failed the load with no error naming it: %s",
			    errors[0]);
			FUZZ_CHECK(lenient->ntasks == 1 &&
			    check_errors(warnings) > 0, "a failing manifest "
			    "was not left out");
			break;
		}
		t = task_named(strict, name);
		FUZZ_CHECK(t != NULL && strict->ntasks == 2 &&
		    t->key != NULL && strcmp(t->key, "maintenance") == 0 &&
		    strcmp(t->file, json_path) == 0, "the manifest's task %s "
		    "is not there as it should be", name);
		FUZZ_CHECK(lenient->ntasks == 2 && task_named(lenient, name) !=
		    NULL && conf_task_same(t, task_named(lenient, name)),
		    "loaded leniently, task %s differs", name);
		break;
	}
	strv_free(errors);
	strv_free(lerrors);
	strv_free(warnings);
	conf_free(strict);
	conf_free(lenient);
	return 0;
}
