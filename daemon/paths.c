/*
 * paths.c: default locations.  As root the system paths (compiled in from
 * the Makefile); otherwise under $XDG_RUNTIME_DIR/maintd (socket, pidfile),
 * $XDG_STATE_HOME/maintd (database, logs) and $XDG_CONFIG_HOME/maintd.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR	"/run"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif
#ifndef STATEDIR
#define STATEDIR	LOCALSTATEDIR "/lib"
#endif

/* ~: $HOME, else the password database (not in maintctl: see Makefile) */
static const char *
home(void)
{
	const char	*h = getenv("HOME");
#ifndef PATHS_HOME_ONLY
	struct passwd	*pw;
#endif

	if (h != NULL && *h == '/')
		return h;
#ifndef PATHS_HOME_ONLY
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_dir;
#endif
	return "/";
}

static void
xdg(const char *var, const char *fallback, char *buf, size_t len)
{
	const char	*v = getenv(var);

	if (v != NULL && *v == '/')
		snprintf(buf, len, "%s/maintd", v);
	else
		snprintf(buf, len, "%s/%s/maintd", home(), fallback);
}

char *
path_default(enum path_kind kind, char *buf, size_t len)
{
	char	dir[1024];

	if (geteuid() == 0) {
		switch (kind) {
		case PATH_CONFIG:
			snprintf(buf, len, "%s/maintd/maintd.conf", SYSCONFDIR);
			break;
		case PATH_SOCKET:
			snprintf(buf, len, "%s/maintd/maintd.sock", RUNSTATEDIR);
			break;
		case PATH_PIDFILE:
			snprintf(buf, len, "%s/maintd.pid", RUNSTATEDIR);
			break;
		case PATH_DATABASE:
			snprintf(buf, len, "%s/maintd/maintd.db", STATEDIR);
			break;
		case PATH_LOGDIR:
			snprintf(buf, len, "%s/log/maintd", LOCALSTATEDIR);
			break;
		}
		return buf;
	}
	switch (kind) {
	case PATH_CONFIG:
		xdg("XDG_CONFIG_HOME", ".config", dir, sizeof(dir));
		snprintf(buf, len, "%s/maintd.conf", dir);
		break;
	case PATH_SOCKET:
	case PATH_PIDFILE:
		if (getenv("XDG_RUNTIME_DIR") != NULL &&
		    *getenv("XDG_RUNTIME_DIR") == '/')
			xdg("XDG_RUNTIME_DIR", "", dir, sizeof(dir));
		else
			xdg("XDG_STATE_HOME", ".local/state", dir, sizeof(dir));
		snprintf(buf, len, "%s/%s", dir,
		    kind == PATH_SOCKET ? "maintd.sock" : "maintd.pid");
		break;
	case PATH_DATABASE:
		xdg("XDG_STATE_HOME", ".local/state", dir, sizeof(dir));
		snprintf(buf, len, "%s/maintd.db", dir);
		break;
	case PATH_LOGDIR:
		xdg("XDG_STATE_HOME", ".local/state", dir, sizeof(dir));
		snprintf(buf, len, "%s/log", dir);
		break;
	}
	return buf;
}

/* mkdir -p of the directories above path (not path itself). */
int
mkdir_parents(const char *path, int mode)
{
	char	 buf[1024], *p;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, (mode_t)mode) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}
