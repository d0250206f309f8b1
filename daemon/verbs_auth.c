/*
 * verbs_auth.c: bearer tokens on a connection.  "auth TOKEN" compares
 * the token's SHA-256 with the hash of every configured token (in
 * constant time, each one) and from then on the connection has the
 * token's role, whoever the peer is: read (the read-only verbs),
 * operate (activate, deactivate, run, stop, restart and preset apply,
 * for the tasks its globs match) or admin.  The role is looked up again
 * at every request, so a reload that changes or removes the token
 * applies at once.  A wrong token is denied and audited, and costs the
 * connection every right until a good one comes (so that a request
 * sent after it, pipelined, never runs with the peer's own rights);
 * the third closes the connection.  The token itself is never kept, logged or
 * answered: only its name.
 * Also who a client is, as the activity log names it, and the audit of
 * denials (a bucket, so a flood cannot fill the store).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "control.h"
#include "ev.h"
#include "event.h"
#include "log.h"
#include "state.h"
#include "preset.h"
#include "proto.h"
#include "util.h"
#include "verbs.h"

#define AUTH_TRIES	3	/* wrong tokens before the connection closes */
#define DENY_BURST	10	/* denied events at once, then ... */
#define DENY_EVERY_MS	6000	/* ... one more every DENY_EVERY_MS */

struct client_auth {
	bool		 on;		/* a token was accepted */
	bool		 failed;	/* the last auth was wrong */
	char		 name[80];
	unsigned char	 digest[TOKEN_DIGEST_LEN];
	enum token_role	 role;
	int		 fails;
	char		 why[300];	/* why this request may not change */
};

/* Who made a change: "uid 1000", or "token NAME (uid 1000)". */
const char *
verbs_actor(struct client *c, char *buf, size_t len)
{
	const struct client_auth *a = client_auth(c);
	const char		*name;

	if (a != NULL && a->on)
		snprintf(buf, len, "token %s (uid %u)", a->name,
		    (unsigned)client_uid(c));
	else if ((name = client_user(c)) != NULL)
		snprintf(buf, len, "%s (uid %u)", name,
		    (unsigned)client_uid(c));
	else
		snprintf(buf, len, "uid %u", (unsigned)client_uid(c));
	return buf;
}

/*
 * A denied attempt: logged, and an event while the bucket holds one;
 * what it holds back is counted in the next ("suppressed").  reason
 * (may be NULL) goes into the event's detail.
 */
void
verbs_audit_denied(struct client *c, const char *what, const char *reason)
{
	verbs_audit_denied_tasks(c, what, reason, NULL, 0);
}

/*
 * The same for a request that names tasks: the event names them, as
 * "task" for one, "tasks" for several, as they were asked; one that
 * exists is the event's task (events --task finds it).
 */
void
verbs_audit_denied_tasks(struct client *c, const char *what,
    const char *reason, char *const *tasks, int ntasks)
{
	static uint64_t		 last;
	static double		 tokens = DENY_BURST;
	static unsigned		 suppressed;
	struct json_object	*d, *a;
	uint64_t		 now = ev_now();
	char			 actor[128];
	int			 i;

	tokens += (double)(now - last) / DENY_EVERY_MS;
	if (tokens > DENY_BURST)
		tokens = DENY_BURST;
	last = now;
	verbs_actor(c, actor, sizeof(actor));
	log_info("control: %s denied %s%s%s", actor, what, reason ? ": " : "",
	    reason ? reason : "");
	if (tokens < 1) {
		suppressed++;
		return;
	}
	tokens -= 1;
	d = json_object_new_object();
	json_object_object_add(d, "verb", json_object_new_string(what));
	if (ntasks == 1)
		json_object_object_add(d, "task",
		    json_object_new_string(tasks[0]));
	else if (ntasks > 1) {
		a = json_object_new_array();
		for (i = 0; i < ntasks; i++)
			json_object_array_add(a, json_object_new_string(tasks[i]));
		json_object_object_add(d, "tasks", a);
	}
	if (reason != NULL)
		json_object_object_add(d, "reason",
		    json_object_new_string(reason));
	if (suppressed > 0)
		json_object_object_add(d, "suppressed",
		    json_object_new_int((int)suppressed));
	suppressed = 0;
	event_emit(ntasks == 1 && task_find(&md.tasks, tasks[0]) != NULL ?
	    tasks[0] : NULL, "denied", actor, d);
}

static struct client_auth *
auth_of(struct client *c)
{
	struct client_auth	*a;

	if ((a = client_auth(c)) == NULL) {
		a = xcalloc(1, sizeof(*a));
		client_set_auth(c, a);
	}
	return a;
}

void
verb_auth(struct client *c, struct request *r)
{
	struct client_auth	*a = auth_of(c);
	const struct token_conf	*t, *match = NULL;
	struct json_object	*o, *g;
	unsigned char		 d[EVP_MAX_MD_SIZE];
	unsigned int		 dlen = 0;
	char			*tok = r->args[0];
	size_t			 i;

	if (EVP_Digest(tok, strlen(tok), d, &dlen, EVP_sha256(), NULL) != 1 ||
	    dlen != TOKEN_DIGEST_LEN) {
		explicit_bzero(tok, strlen(tok));
		/* no rights until a good token, as after a wrong one */
		a->on = false;
		a->failed = true;
		client_err(c, "internal", "SHA-256 failed");
		return;
	}
	explicit_bzero(tok, strlen(tok));
	/* every token compared, all the way: the time says nothing */
	for (i = 0; i < md.conf->ntokens; i++) {
		t = &md.conf->tokens[i];
		if (CRYPTO_memcmp(d, t->digest, TOKEN_DIGEST_LEN) == 0)
			match = t;
	}
	if (match == NULL) {
		a->fails++;
		a->on = false;
		a->failed = true;
		verbs_audit_denied(c, "auth", "unknown token");
		if (a->fails >= AUTH_TRIES) {
			client_close_after_reply(c);
			client_err(c, "denied", "unknown token (%d wrong tokens: "
			    "closing the connection)", a->fails);
		} else
			client_err(c, "denied", "unknown token");
		return;
	}
	a->on = true;
	a->failed = false;
	snprintf(a->name, sizeof(a->name), "%s", match->name);
	memcpy(a->digest, match->digest, TOKEN_DIGEST_LEN);
	a->role = match->role;
	log_debug("control: uid %u is token %s (role %s)",
	    (unsigned)client_uid(c), a->name, token_role_name(a->role));
	if (client_json_mode(c)) {
		o = json_object_new_object();
		json_object_object_add(o, "token",
		    json_object_new_string(a->name));
		json_object_object_add(o, "role",
		    json_object_new_string(token_role_name(a->role)));
		g = json_object_new_array();
		for (i = 0; match->tasks[i] != NULL; i++)
			json_object_array_add(g,
			    json_object_new_string(match->tasks[i]));
		json_object_object_add(o, "tasks", g);
		client_json(c, o);
		json_object_put(o);
	}
	client_ok(c, "token %s, role %s", a->name, token_role_name(a->role));
}

/* Does name match one of the globs (none: every task)? */
static bool
glob_match(char *const *globs, const char *name)
{
	if (globs == NULL || globs[0] == NULL)
		return true;
	for (; *globs != NULL; globs++)
		if (fnmatch(*globs, name, 0) == 0)
			return true;
	return false;
}

static const char *const operate_verbs[] = {
	"activate", "deactivate", "run", "stop", "restart", NULL
};

/*
 * May an operate token do this request?  The verbs of operate on tasks
 * its globs match; preset apply when they match every task the preset
 * would activate (and, with --exclusive, every active task it would
 * deactivate).  why says what is out of bounds.
 */
static bool
operate_ok(struct client_auth *a, const struct token_conf *t,
    const char *verb, struct request *r)
{
	struct preset	 p;
	const char	*out = NULL;
	size_t		 i;
	int		 k;

	for (i = 0; operate_verbs[i] != NULL; i++)
		if (strcmp(verb, operate_verbs[i]) == 0)
			break;
	if (operate_verbs[i] != NULL) {
		for (k = 0; k < r->nargs && out == NULL; k++)
			if (!glob_match(t->tasks, r->args[k]))
				out = r->args[k];
		if (out == NULL)
			return true;
		snprintf(a->why, sizeof(a->why), "%s %s: token %s (role operate) "
		    "may not change task %s: it is not among its tasks", verb,
		    out, a->name, out);
		return false;
	}
	if (strcmp(verb, "preset") == 0 && r->nargs == 2 &&
	    strcmp(r->args[0], "apply") == 0) {
		if (preset_get(r->args[1], &p) != 0)
			return true;	/* unknown: the verb says so */
		for (i = 0; i < p.ntasks && out == NULL; i++)
			if (!glob_match(t->tasks, p.tasks[i]->conf->name))
				out = p.tasks[i]->conf->name;
		for (i = 0; request_has(r, "exclusive") && i < md.tasks.n &&
		    out == NULL; i++)
			if (md.tasks.v[i]->active &&
			    !glob_match(t->tasks, md.tasks.v[i]->conf->name))
				out = md.tasks.v[i]->conf->name;
		if (out != NULL)
			snprintf(a->why, sizeof(a->why), "preset apply %s: "
			    "token %s (role operate) may not change task %s: "
			    "it is not among its tasks", p.name, a->name, out);
		preset_free(&p);
		return out == NULL;
	}
	return false;
}

/*
 * Before each request but auth: on a connection with a token, what the
 * token's role allows (the peer's own rights no longer count).  -1 with
 * ERR denied sent after a wrong token, or when the token has gone from
 * the configuration (then the connection closes).
 */
int
verbs_auth_check(struct client *c, const char *verb, struct request *r)
{
	struct client_auth	*a = client_auth(c);
	const struct token_conf	*t;

	if (a == NULL || (!a->on && !a->failed))
		return 0;
	if (a->failed) {
		verbs_audit_denied(c, verb, "after a wrong token");
		client_err(c, "denied", "the last auth on this connection "
		    "failed: no rights until a good token");
		return -1;
	}
	t = conf_token(md.conf, a->name);
	if (t == NULL || CRYPTO_memcmp(t->digest, a->digest,
	    TOKEN_DIGEST_LEN) != 0) {
		verbs_audit_denied(c, verb, "token revoked");
		client_close_after_reply(c);
		client_err(c, "denied", "token %s is no longer configured",
		    a->name);
		return -1;
	}
	a->role = t->role;
	a->why[0] = '\0';
	switch (t->role) {
	case ROLE_ADMIN:
		client_set_admin(c, true);
		break;
	case ROLE_OPERATE:
		client_set_admin(c, operate_ok(a, t, verb, r));
		break;
	default:
		client_set_admin(c, false);
	}
	return 0;
}

/* Why a token may not do what: the text of ERR denied; NULL: no token. */
const char *
verbs_auth_denial(struct client *c, const char *what, char *buf, size_t len)
{
	const struct client_auth *a = client_auth(c);

	if (a == NULL || !a->on)
		return NULL;
	if (a->why[0] != '\0')
		snprintf(buf, len, "%s", a->why);
	else if (a->role == ROLE_OPERATE)
		snprintf(buf, len, "token %s has role operate: it may activate, "
		    "deactivate, run, stop, restart and apply presets, not %s",
		    a->name, what);
	else
		snprintf(buf, len, "token %s has role %s: %s changes state",
		    a->name, token_role_name(a->role), what);
	return buf;
}

void
verbs_auth_client_gone(struct client *c)
{
	struct client_auth	*a = client_auth(c);

	if (a == NULL)
		return;
	explicit_bzero(a, sizeof(*a));
	free(a);
	client_set_auth(c, NULL);
}
