/*
 * conf_manifest.c: a JSON manifest of discover (json-c), as the text of a
 * drop-in, so that its values are checked by the same rows and give the
 * same errors as the config file's:
 *
 *   { "name": "image-cache", "tags": ["maintenance", "performance"],
 *     "description": "...",
 *     "maintenance": { "command": ["/opt/img/bin/prune", "--all"],
 *                      "every": "1h", "timeout": "5m",
 *                      "health": { "url": "http://127.0.0.1:8080/" },
 *                      "canDeactivate": true, "defaultState": "inactive" } }
 *
 * becomes "task image-cache { tags = {...} command = {...} every = ... }",
 * one option a line, each line labelled with its key path for errors
 * ("image.json:maintenance.every: every: bad duration ...").  A manifest
 * is taken only when its tags hold discover_tag.  Every task starts
 * inactive and can be deactivated: a manifest that says otherwise is
 * refused.  Keys may be written in camelCase (killSignal).  Every fault
 * is reported, not only the first, as for a config file: a key that
 * cannot be written as an option is left out of the text, and the rest
 * is still checked by the rows.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "conf.h"
#include "conf_read.h"
#include "conf_manifest.h"
#include "log.h"
#include "util.h"

struct out {
	char	*text;
	size_t	 len, cap;
	char	**labels;
	size_t	 nlabels;
	char	**errors;	/* every fault, "KEY.PATH: why" */
	size_t	 nerrors;
};

static void
put(struct out *o, const char *s)
{
	size_t	n = strlen(s);

	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->text = xreallocarray(o->text, o->cap, 1);
	}
	memcpy(o->text + o->len, s, n + 1);
	o->len += n;
}

/* End a line of text, labelled with the key path it came from. */
static void
endline(struct out *o, const char *label)
{
	put(o, "\n");
	o->labels = xreallocarray(o->labels, o->nlabels + 1,
	    sizeof(*o->labels));
	o->labels[o->nlabels++] = xstrdup(label);
}

/* Note a fault; -1. */
static int
fail(struct out *o, const char *fmt, const char *a, const char *b)
{
	char	*s;

	if (asprintf(&s, fmt, a, b) == -1)
		fatal("asprintf");
	o->errors = xreallocarray(o->errors, o->nerrors + 2,
	    sizeof(*o->errors));
	o->errors[o->nerrors++] = s;
	o->errors[o->nerrors] = NULL;
	return -1;
}

/* Can v be written as a value (of a list, when list)?  If not, why (-1). */
static int
check_value(struct out *o, struct json_object *v, const char *path, bool list)
{
	const char	*s;
	size_t		 i;

	switch (json_object_get_type(v)) {
	case json_type_string:
		for (s = json_object_get_string(v); *s; s++)
			if ((unsigned char)*s < 0x20 && *s != '\n' &&
			    *s != '\t')
				return fail(o, "%s: a control character in a "
				    "string%s", path, "");
		return 0;
	case json_type_boolean:
	case json_type_int:
	case json_type_double:
		return 0;
	case json_type_array:
		if (!list)
			break;
		for (i = 0; i < json_object_array_length(v); i++)
			if (check_value(o, json_object_array_get_idx(v, i),
			    path, false) == -1)
				return -1;
		return 0;
	default:
		break;
	}
	return fail(o, "%s: expected a string, number or boolean%s", path, "");
}

/* A string as the config syntax quotes it (checked by check_value). */
static void
put_string(struct out *o, const char *s)
{
	char	c[8];

	put(o, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			c[0] = '\\';
			c[1] = *s;
			c[2] = '\0';
		} else if (*s == '\n')
			snprintf(c, sizeof(c), "\\n");
		else if (*s == '\t')
			snprintf(c, sizeof(c), "\\t");
		else {
			c[0] = *s;
			c[1] = '\0';
		}
		put(o, c);
	}
	put(o, "\"");
}

/* A value that check_value passed: a scalar, or a list as { a, b }. */
static void
put_value(struct out *o, struct json_object *v)
{
	char	buf[64];
	size_t	i;

	switch (json_object_get_type(v)) {
	case json_type_string:
		put_string(o, json_object_get_string(v));
		break;
	case json_type_boolean:
		put(o, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_int:
		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_object_get_int64(v));
		put(o, buf);
		break;
	case json_type_double:
		snprintf(buf, sizeof(buf), "%.17g", json_object_get_double(v));
		put(o, buf);
		break;
	case json_type_array:
		put(o, "{ ");
		for (i = 0; i < json_object_array_length(v); i++) {
			if (i > 0)
				put(o, ", ");
			put_value(o, json_object_array_get_idx(v, i));
		}
		put(o, " }");
		break;
	default:
		break;
	}
}

/* "killSignal" -> "kill_signal"; -1 if it is not a plain name. */
static int
option_name(const char *key, char *buf, size_t len)
{
	size_t	o = 0;

	for (; *key; key++) {
		if (o + 3 > len)
			return -1;
		if (isupper((unsigned char)*key)) {
			buf[o++] = '_';
			buf[o++] = (char)tolower((unsigned char)*key);
		} else if (islower((unsigned char)*key) ||
		    isdigit((unsigned char)*key) || *key == '_')
			buf[o++] = *key;
		else
			return -1;
	}
	buf[o] = '\0';
	return o > 0 ? 0 : -1;
}

/*
 * The options of obj, one a line; objects are sections (health, limits).
 * A key that cannot be an option is noted and left out; the others go on.
 */
static void
put_options(struct out *o, struct json_object *obj, const char *prefix,
    int depth)
{
	char	 name[64], path[256];

	json_object_object_foreach(obj, key, val) {
		snprintf(path, sizeof(path), "%s.%s", prefix, key);
		if (depth == 0 && (strcmp(key, "canDeactivate") == 0 ||
		    strcmp(key, "defaultState") == 0))
			continue;	/* checked by the caller */
		if (option_name(key, name, sizeof(name)) == -1) {
			(void)fail(o, "%s: '%s' is not an option name", path,
			    key);
			continue;
		}
		if (val == NULL) {
			(void)fail(o, "%s: null is not a value%s", path, "");
			continue;
		}
		if (json_object_is_type(val, json_type_object)) {
			if (depth > 0) {
				(void)fail(o, "%s: sections do not nest "
				    "here%s", path, "");
				continue;
			}
			put(o, name);
			put(o, " {");
			endline(o, path);
			put_options(o, val, path, depth + 1);
			put(o, "}");
			endline(o, path);
			continue;
		}
		if (check_value(o, val, path, true) == -1)
			continue;
		put(o, name);
		put(o, " = ");
		put_value(o, val);
		endline(o, path);
	}
}

static bool
tagged(struct json_object *tags, const char *tag)
{
	size_t	i;

	for (i = 0; i < json_object_array_length(tags); i++) {
		struct json_object *v = json_object_array_get_idx(tags, i);

		if (json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), tag) == 0)
			return true;
	}
	return false;
}

int
conf_manifest(const char *path, const char *tag, struct manifest *m)
{
	struct json_tokener	*tok;
	struct json_object	*root = NULL, *name, *tags, *mt, *v;
	struct out		 o;
	struct stat		 st;
	char			*text, err[512];
	size_t			 len;
	int			 rc = -1;
	bool			 named, has_mt;

	memset(m, 0, sizeof(*m));
	memset(&o, 0, sizeof(o));
	/* as a drop-in is read: no link followed, at most 1 MiB */
	if ((text = conf_read(path, true, &st, &len, err, sizeof(err))) ==
	    NULL) {
		(void)fail(&o, "%s%s", err, "");
		m->errors = o.errors;
		return -1;
	}
	m->mode = st.st_mode;
	tok = json_tokener_new();
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		(void)fail(&o, "not JSON: %s%s", json_tokener_error_desc(
		    json_tokener_get_error(tok)), "");
		goto done;
	}
	if (!json_object_is_type(root, json_type_object)) {
		(void)fail(&o, "expected a JSON object%s%s", "", "");
		goto done;
	}
	if (!json_object_object_get_ex(root, "tags", &tags) ||
	    !json_object_is_type(tags, json_type_array) || !tagged(tags, tag)) {
		rc = 0;		/* not a manifest for maintd */
		goto done;
	}
	/* every fault is noted; the text is made when it can be */
	named = json_object_object_get_ex(root, "name", &name) &&
	    json_object_is_type(name, json_type_string) &&
	    conf_valid_name(json_object_get_string(name));
	if (!named)
		(void)fail(&o, "name: a task name is needed (letters, digits, "
		    "'-', '_', '.', at most 64)%s%s", "", "");
	has_mt = json_object_object_get_ex(root, "maintenance", &mt) &&
	    json_object_is_type(mt, json_type_object);
	if (!has_mt)
		(void)fail(&o, "maintenance: an object is needed%s%s", "", "");
	if (has_mt && json_object_object_get_ex(mt, "canDeactivate", &v) &&
	    !json_object_get_boolean(v))
		(void)fail(&o, "maintenance.canDeactivate: false is refused: "
		    "every task of maintd can be deactivated%s%s", "", "");
	if (has_mt && json_object_object_get_ex(mt, "defaultState", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "inactive") != 0))
		(void)fail(&o, "maintenance.defaultState: '%s' is refused: "
		    "every task starts inactive%s", v != NULL ?
		    json_object_get_string(v) : "null", "");
	if (!named || !has_mt)
		goto done;
	put(&o, "task ");
	put(&o, json_object_get_string(name));
	put(&o, " {");
	endline(&o, "name");
	if (check_value(&o, tags, "tags", true) == 0) {
		put(&o, "tags = ");
		put_value(&o, tags);
		endline(&o, "tags");
	}
	if (json_object_object_get_ex(root, "description", &v) &&
	    check_value(&o, v, "description", false) == 0) {
		put(&o, "description = ");
		put_value(&o, v);
		endline(&o, "description");
	}
	put_options(&o, mt, "maintenance", 0);
	put(&o, "}");
	endline(&o, "maintenance");
	m->text = o.text;
	m->labels = o.labels;
	m->nlabels = o.nlabels;
	o.text = NULL;
	o.labels = NULL;
	rc = 1;
 done:
	m->errors = o.errors;
	json_tokener_free(tok);
	json_object_put(root);
	free(text);
	free(o.text);
	while (o.labels != NULL && o.nlabels > 0)
		free(o.labels[--o.nlabels]);
	free(o.labels);
	return rc;
}

void
conf_manifest_free(struct manifest *m)
{
	size_t	i;

	free(m->text);
	for (i = 0; i < m->nlabels; i++)
		free(m->labels[i]);
	free(m->labels);
	strv_free(m->errors);
	memset(m, 0, sizeof(*m));
}
