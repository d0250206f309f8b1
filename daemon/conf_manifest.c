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
 * refused.  Keys may be written in camelCase (killSignal).
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
#include "util.h"

struct out {
	char	*text;
	size_t	 len, cap;
	char	**labels;
	size_t	 nlabels;
	char	*err;
	size_t	 errlen;
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

static int
fail(struct out *o, const char *fmt, const char *a, const char *b)
{
	snprintf(o->err, o->errlen, fmt, a, b);
	return -1;
}

/* A string as the config syntax quotes it. */
static int
put_string(struct out *o, const char *s, const char *path)
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
		else if ((unsigned char)*s < 0x20)
			return fail(o, "%s: a control character in a string%s",
			    path, "");
		else {
			c[0] = *s;
			c[1] = '\0';
		}
		put(o, c);
	}
	put(o, "\"");
	return 0;
}

static int
put_scalar(struct out *o, struct json_object *v, const char *path)
{
	char	buf[64];

	switch (json_object_get_type(v)) {
	case json_type_string:
		return put_string(o, json_object_get_string(v), path);
	case json_type_boolean:
		put(o, json_object_get_boolean(v) ? "true" : "false");
		return 0;
	case json_type_int:
		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_object_get_int64(v));
		put(o, buf);
		return 0;
	case json_type_double:
		snprintf(buf, sizeof(buf), "%.17g", json_object_get_double(v));
		put(o, buf);
		return 0;
	default:
		return fail(o, "%s: expected a string, number or boolean%s",
		    path, "");
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

/* The options of obj, one a line; objects are sections (health, limits). */
static int
put_options(struct out *o, struct json_object *obj, const char *prefix,
    int depth)
{
	char	 name[64], path[256];
	size_t	 i;

	json_object_object_foreach(obj, key, val) {
		snprintf(path, sizeof(path), "%s.%s", prefix, key);
		if (depth == 0 && (strcmp(key, "canDeactivate") == 0 ||
		    strcmp(key, "defaultState") == 0))
			continue;	/* checked by the caller */
		if (option_name(key, name, sizeof(name)) == -1)
			return fail(o, "%s: '%s' is not an option name", path,
			    key);
		if (val == NULL)
			return fail(o, "%s: null is not a value%s", path, "");
		if (json_object_is_type(val, json_type_object)) {
			if (depth > 0)
				return fail(o, "%s: sections do not nest "
				    "here%s", path, "");
			put(o, name);
			put(o, " {");
			endline(o, path);
			if (put_options(o, val, path, depth + 1) == -1)
				return -1;
			put(o, "}");
			endline(o, path);
			continue;
		}
		put(o, name);
		put(o, " = ");
		if (json_object_is_type(val, json_type_array)) {
			put(o, "{ ");
			for (i = 0; i < json_object_array_length(val); i++) {
				if (i > 0)
					put(o, ", ");
				if (put_scalar(o, json_object_array_get_idx(val,
				    i), path) == -1)
					return -1;
			}
			put(o, " }");
		} else if (put_scalar(o, val, path) == -1)
			return -1;
		endline(o, path);
	}
	return 0;
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
conf_manifest(const char *path, const char *tag, struct manifest *m,
    char *err, size_t errlen)
{
	struct json_tokener	*tok;
	struct json_object	*root = NULL, *name, *tags, *mt, *v;
	struct out		 o;
	struct stat		 st;
	char			*text;
	size_t			 len;
	int			 rc = -1;

	memset(m, 0, sizeof(*m));
	memset(&o, 0, sizeof(o));
	o.err = err;
	o.errlen = errlen;
	/* as a drop-in is read: no link followed, at most 1 MiB */
	if ((text = conf_read(path, true, &st, &len, err, errlen)) ==
	    NULL)
		return -1;
	m->mode = st.st_mode;
	tok = json_tokener_new();
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, errlen, "not JSON: %s", json_tokener_error_desc(
		    json_tokener_get_error(tok)));
		goto done;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "expected a JSON object");
		goto done;
	}
	if (!json_object_object_get_ex(root, "tags", &tags) ||
	    !json_object_is_type(tags, json_type_array) || !tagged(tags, tag)) {
		rc = 0;		/* not a manifest for maintd */
		goto done;
	}
	if (!json_object_object_get_ex(root, "name", &name) ||
	    !json_object_is_type(name, json_type_string) ||
	    !conf_valid_name(json_object_get_string(name))) {
		snprintf(err, errlen, "name: a task name is needed (letters, "
		    "digits, '-', '_', '.', at most 64)");
		goto done;
	}
	if (!json_object_object_get_ex(root, "maintenance", &mt) ||
	    !json_object_is_type(mt, json_type_object)) {
		snprintf(err, errlen, "maintenance: an object is needed");
		goto done;
	}
	if (json_object_object_get_ex(mt, "canDeactivate", &v) &&
	    !json_object_get_boolean(v)) {
		snprintf(err, errlen, "maintenance.canDeactivate: false is "
		    "refused: every task of maintd can be deactivated");
		goto done;
	}
	if (json_object_object_get_ex(mt, "defaultState", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "inactive") != 0)) {
		snprintf(err, errlen, "maintenance.defaultState: '%s' is "
		    "refused: every task starts inactive",
		    v != NULL ? json_object_get_string(v) : "null");
		goto done;
	}
	put(&o, "task ");
	put(&o, json_object_get_string(name));
	put(&o, " {");
	endline(&o, "name");
	put(&o, "tags = ");
	put(&o, "{ ");
	for (size_t i = 0; i < json_object_array_length(tags); i++) {
		if (i > 0)
			put(&o, ", ");
		if (put_scalar(&o, json_object_array_get_idx(tags, i),
		    "tags") == -1)
			goto done;
	}
	put(&o, " }");
	endline(&o, "tags");
	if (json_object_object_get_ex(root, "description", &v)) {
		put(&o, "description = ");
		if (put_scalar(&o, v, "description") == -1)
			goto done;
		endline(&o, "description");
	}
	if (put_options(&o, mt, "maintenance", 0) == -1)
		goto done;
	put(&o, "}");
	endline(&o, "maintenance");
	m->text = o.text;
	m->labels = o.labels;
	m->nlabels = o.nlabels;
	o.text = NULL;
	o.labels = NULL;
	rc = 1;
 done:
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
	memset(m, 0, sizeof(*m));
}
