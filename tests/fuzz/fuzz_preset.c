/*
 * fuzz_preset.c: "preset import JSON" (verbs_plan.c, preset.c, the
 * store), on the input as the JSON (CR and LF made blanks: a request is
 * one line), sent to maintd in this process (fuzz_daemon.c) with what
 * follows an import:
 *
 *   preset import JSON        preset show NAME --json   preset export NAME
 *   preset apply NAME --dry-run                          preset delete NAME
 *   preset import JSON        preset import JSON
 *
 * Each request has exactly one final line.  The import is taken exactly
 * when the input is an object whose "name" is a string that is a valid
 * name and not a config preset's, and whose "tasks" is a non-empty
 * array of names of configured tasks (json-c reads it here as well);
 * then the export is {name, description, tasks} with the description
 * when it was a string and the same set of tasks, the delete is OK, the
 * import after it is taken again and the one after that refused as a
 * duplicate ("ERR state").
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "conf.h"
#include "fuzz.h"
#include "proto.h"
#include "util.h"

#define NREQ	7

static const char *const tasks[] = {
	"alpha", "beta", "gamma", "delta", "epsilon"
};
static const char *const config_presets[] = { "p1", "p2" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_daemon_init(*argc, *argv);
	return 0;
}

static bool
in(const char *s, const char *const *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

/* What the import must do with text: the preset's name, or NULL. */
static const char *
expect(struct json_object *o)
{
	struct json_object	*name, *a, *v;
	size_t			 i;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "name", &name) ||
	    !json_object_is_type(name, json_type_string) ||
	    !conf_valid_name(json_object_get_string(name)) ||
	    in(json_object_get_string(name), config_presets, 2) ||
	    !json_object_object_get_ex(o, "tasks", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) == 0)
		return NULL;
	for (i = 0; i < json_object_array_length(a); i++) {
		v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string) ||
		    !in(json_object_get_string(v), tasks, 5))
			return NULL;
	}
	return json_object_get_string(name);
}

/* Every string of a is in b. */
static bool
subset(struct json_object *a, struct json_object *b)
{
	size_t	i, j;
	bool	found;

	for (i = 0; i < json_object_array_length(a); i++) {
		found = false;
		for (j = 0; j < json_object_array_length(b); j++)
			found = found || strcmp(json_object_get_string(
			    json_object_array_get_idx(a, i)),
			    json_object_get_string(
			    json_object_array_get_idx(b, j))) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* The same task names, each once or more. */
static bool
same_set(struct json_object *a, struct json_object *b)
{
	return subset(a, b) && subset(b, a);
}

/* The reply of each request: its data lines and its final line. */
struct reply {
	const char	*data;	/* first data line, or NULL */
	const char	*final;
};

static void
split(char *out, struct reply *r, int n)
{
	char	*line, *nl;
	int	 k = 0;

	memset(r, 0, n * sizeof(*r));
	for (line = out; k < n && *line; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
		if (strncmp(line, "- ", 2) == 0) {
			if (r[k].data == NULL)
				r[k].data = line + 2;
		} else
			r[k++].final = line;
	}
	FUZZ_CHECK(k == n, "%d final lines for %d requests", k, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*o, *e, *v, *ot;
	struct reply		 r[NREQ];
	char			*text, *q, *req, *out, *p;
	const char		*name;
	size_t			 qlen;

	if (size > PROTO_MAXLINE - 64)
		return 0;
	text = fuzz_str(data, size);
	for (p = text; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	qlen = 2 * size + 3;
	q = malloc(qlen);
	if (q == NULL || proto_quote(text, q, qlen) == -1)
		FUZZ_CHECK(0, "proto_quote of %zu bytes", size);
	o = json_tokener_parse(text);
	name = expect(o);
	if (asprintf(&req, "preset import %s\n"
	    "preset show %s --json\n"
	    "preset export %s\n"
	    "preset apply %s --dry-run\n"
	    "preset delete %s\n"
	    "preset import %s\n"
	    "preset import %s\n", q, name ? name : "x", name ? name : "x",
	    name ? name : "x", name ? name : "x", q, q) == -1)
		abort();

	fuzz_daemon_start(fuzz_daemon_conf);
	fuzz_daemon_session(req, strlen(req), &out);
	fuzz_daemon_stop();

	split(out, r, NREQ);
	if (name == NULL) {
		FUZZ_CHECK(strncmp(r[0].final, "ERR ", 4) == 0, "\"%s\" was "
		    "imported: %s", text, r[0].final);
		goto done;
	}
	FUZZ_CHECK(strncmp(r[0].final, "OK preset ", 10) == 0, "\"%s\" was "
	    "not imported: %s", text, r[0].final);
	FUZZ_CHECK(strncmp(r[1].final, "OK", 2) == 0 && r[1].data != NULL,
	    "show %s: %s", name, r[1].final);
	FUZZ_CHECK(strncmp(r[2].final, "OK", 2) == 0 && r[2].data != NULL,
	    "export %s: %s", name, r[2].final);
	e = json_tokener_parse(r[2].data);
	FUZZ_CHECK(e != NULL && json_object_object_get_ex(e, "name", &v) &&
	    strcmp(json_object_get_string(v), name) == 0 &&
	    json_object_object_get_ex(e, "description", &v) &&
	    json_object_is_type(v, json_type_string),
	    "export %s: %s", name, r[2].data);
	if (json_object_object_get_ex(o, "description", &ot) &&
	    json_object_is_type(ot, json_type_string))
		FUZZ_CHECK(strcmp(json_object_get_string(ot),
		    json_object_get_string(v)) == 0, "export %s: description "
		    "%s", name, r[2].data);
	FUZZ_CHECK(json_object_object_get_ex(e, "tasks", &v) &&
	    json_object_object_get_ex(o, "tasks", &ot) && same_set(v, ot),
	    "export %s: %s, imported %s", name, r[2].data, text);
	json_object_put(e);
	FUZZ_CHECK(strncmp(r[4].final, "OK preset ", 10) == 0, "delete %s: "
	    "%s", name, r[4].final);
	FUZZ_CHECK(strncmp(r[5].final, "OK preset ", 10) == 0, "import %s "
	    "after its delete: %s", name, r[5].final);
	FUZZ_CHECK(strncmp(r[6].final, "ERR state ", 10) == 0, "import %s "
	    "twice: %s", name, r[6].final);
 done:
	json_object_put(o);
	free(out);
	free(req);
	free(q);
	free(text);
	return 0;
}
