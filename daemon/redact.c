/*
 * redact.c: what a client that may only read sees of a value that may
 * hold a secret (an environment entry, a probe's or a webhook's URL).
 * URLs are taken apart by libcurl's URL API.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "redact.h"

/* "a=1&b=2" -> "a=***&b=***"; a bare word is a secret too. */
static void
redact_query(const char *q, char *buf, size_t len)
{
	const char	*p, *amp, *eq;
	size_t		 o = 0;

	for (p = q; ; p = amp + 1) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp != NULL ? (size_t)(amp - p) : strlen(p));
		if (eq != NULL)
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
			    "%.*s=***", (int)(eq - p), p);
		else
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0,
			    "***");
		if (amp == NULL)
			break;
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "&");
	}
}

/*
 * What a client that may only read sees of a value that may hold a
 * secret, in buf:
 *   REDACT_ENV      NAME=VALUE -> NAME=***
 *   REDACT_URL      the password of the userinfo (a user alone, which
 *                   may be a token, too), every query value and the
 *                   fragment: http://probe:***@host/health?key=***
 *   REDACT_WEBHOOK  as REDACT_URL, and the path after its first segment
 *                   is *** too (a webhook's path is often its key)
 * A URL that libcurl cannot parse is all secret but its scheme.
 */
const char *
redact(enum redact_what what, const char *in, char *buf, size_t len)
{
	CURLU		*u;
	char		*scheme = NULL, *user = NULL, *pass = NULL, *host = NULL;
	char		*port = NULL, *path = NULL, *query = NULL, *frag = NULL;
	char		 q[2048], pth[1024];
	const char	*eq, *slash;

	if (what == REDACT_ENV) {
		if ((eq = strchr(in, '=')) == NULL)
			snprintf(buf, len, "***");
		else
			snprintf(buf, len, "%.*s=***", (int)(eq - in), in);
		return buf;
	}
	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, in, CURLU_NON_SUPPORT_SCHEME |
	    CURLU_PATH_AS_IS) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		slash = strstr(in, "://");
		snprintf(buf, len, "%.*s***", slash != NULL ? (int)(slash - in +
		    3) : 0, in);
		goto done;
	}
	(void)curl_url_get(u, CURLUPART_USER, &user, 0);
	(void)curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	(void)curl_url_get(u, CURLUPART_PATH, &path, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
	(void)curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
	snprintf(pth, sizeof(pth), "%s", path != NULL ? path : "");
	if (what == REDACT_WEBHOOK && path != NULL && path[0] == '/' &&
	    (slash = strchr(path + 1, '/')) != NULL && slash[1] != '\0')
		snprintf(pth, sizeof(pth), "%.*s/***", (int)(slash - path),
		    path);
	q[0] = '\0';
	if (query != NULL)
		redact_query(query, q, sizeof(q));
	snprintf(buf, len, "%s://%s%s%s%s%s%s%s%s%s%s", scheme,
	    user != NULL && pass != NULL ? user : "",
	    user != NULL && pass != NULL ? ":***" : user != NULL ? "***" : "",
	    user != NULL ? "@" : "", host, port != NULL ? ":" : "",
	    port != NULL ? port : "", pth, query != NULL ? "?" : "", q,
	    frag != NULL ? "#***" : "");
 done:
	curl_free(scheme);
	curl_free(user);
	curl_free(pass);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return buf;
}
