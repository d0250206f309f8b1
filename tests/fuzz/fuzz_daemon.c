/*
 * fuzz_daemon.c: maintd started and stopped inside the fuzzing process,
 * in the order of daemon/maintd.c (main and maintd_shutdown) without
 * what a test cannot have: no pidfile, no fork, no cgroup, no signal
 * handlers of its own but SIGCHLD's.  Its clients are real ones, on its
 * real control socket, driven from its own event loop.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgroup.h"
#include "conf.h"
#include "control.h"
#include "cost.h"
#include "deps.h"
#include "discover.h"
#include "ev.h"
#include "event.h"
#include "fleet.h"
#include "fuzz.h"
#include "health.h"
#include "http.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "output.h"
#include "preset.h"
#include "reload.h"
#include "sched.h"
#include "spawn.h"
#include "state.h"
#include "store.h"
#include "supervise.h"
#include "util.h"
#include "verbs.h"

/* The daemon the request and preset targets talk to. */
const char fuzz_daemon_conf[] =
    "task alpha {\n"
    "	description = \"tab\\tand \\\"quotes\\\" café\"\n"
    "	command = \"/bin/true\"\n"
    "	tags = { \"t1\", \"cleanup\" }\n"
    "}\n"
    "task beta {\n"
    "	command = { \"/bin/echo\", \"beta\" }\n"
    "	every = 1h\n"
    "	weight = 2\n"
    "	dry_run = true\n"
    "	conflicts = { \"gamma\" }\n"
    "	tags = { \"t2\" }\n"
    "}\n"
    "task gamma {\n"
    "	kind = service\n"
    "	command = { \"/bin/sleep\", \"60\" }\n"
    "	restart = \"on-failure\"\n"
    "	auto_deactivate = 2h\n"
    "	tags = { \"t2\" }\n"
    "	health { command = \"/bin/true\"  interval = 1h }\n"
    "}\n"
    "task delta {\n"
    "	command = \"echo out; echo err >&2\"\n"
    "	shell = true\n"
    "	schedule = \"0 3 * * *\"\n"
    "	timeout = 5s\n"
    "	start_when = { \"load1 < 1000\" }\n"
    "}\n"
    "task epsilon {\n"
    "	description = \"outlives a session: stopped by the shutdown\"\n"
    "	command = { \"/bin/sleep\", \"30\" }\n"
    "	timeout = 1m\n"
    "}\n"
    "preset p1 { tasks = { \"alpha\", \"beta\" } }\n"
    "preset p2 { description = \"by tag\"  tags = { \"t2\" } }\n"
    "window w1 { preset = \"p1\"  schedule = \"0 3 * * *\"  duration = 1h }\n"
    "notify hook {\n"
    "	url = \"http://127.0.0.1:9/hook\"\n"
    "	events = { \"preset-imported\", \"test\" }\n"
    "	retries = 0\n"
    "}\n";

#define TICK_MS		1
#define QUIET_TICKS	3	/* nothing read for this long: held */
#define BUSY_TICKS	20	/* ... while runs are under way */
#define MAX_TICKS	300

extern char	**environ;

/* As maintd.c's main() begins. */
void
fuzz_daemon_init(int argc, char **argv)
{
#ifdef __linux__
	setproctitle_init(argc, argv, environ);
#else
	(void)argc;
	(void)argv;
#endif
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		(void)setlocale(LC_CTYPE, "");
	log_init(0, 0, LOG_DAEMON);	/* syslog only: a quiet fuzzer */
	json_c_set_serialization_double_format("%.3f", JSON_C_OPTION_GLOBAL);
	if (ev_init() == -1)
		FUZZ_CHECK(0, "ev_init: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
}

/*
 * A database as store_open() makes it, made once: creating the schema
 * for every input would take most of the time of a short one.
 */
static void
copy_pristine(const char *to)
{
	static char	*pristine;
	static size_t	 len;
	char		 side[1100], err[512];
	const char	*path;
	FILE		*fp;
	size_t		 i;

	for (i = 0; i < 3; i++) {
		snprintf(side, sizeof(side), "%s%s", to,
		    i == 0 ? "" : i == 1 ? "-wal" : "-shm");
		(void)unlink(side);
	}
	if (pristine == NULL) {
		path = fuzz_path("pristine.db");
		if (store_open(path, err, sizeof(err)) == -1)
			FUZZ_CHECK(0, "store_open: %s", err);
		store_close();	/* the last connection: WAL checkpointed */
		if ((fp = fopen(path, "r")) == NULL)
			FUZZ_CHECK(0, "%s: %s", path, strerror(errno));
		pristine = malloc(1 << 20);
		len = fread(pristine, 1, 1 << 20, fp);
		FUZZ_CHECK(pristine != NULL && len > 0 && len < 1 << 20 &&
		    !ferror(fp), "%s: cannot read it", path);
		fclose(fp);
	}
	fuzz_write(to, pristine, len);
}

void
fuzz_daemon_start(const char *tasks_conf)
{
	char		 head[2048], *text, **errors, **warnings, err[512];
	const char	*dir = fuzz_tmpdir();
	struct control_conf ccf;
	size_t		 i;

	snprintf(head, sizeof(head),
	    "socket = \"%s/maintd.sock\"\n"
	    "pidfile = \"%s/maintd.pid\"\n"
	    "database = \"%s/maintd.db\"\n"
	    "log_dir = \"%s/log\"\n"
	    "kill_grace = 1s\n"
	    "%s\n", dir, dir, dir, dir,
	    geteuid() == 0 ? "user = \"nobody\"" : "");
	if (asprintf(&text, "%s%s", head, tasks_conf) == -1)
		abort();
	md.config_path = xstrdup(fuzz_path("maintd.conf"));
	fuzz_write(md.config_path, text, strlen(text));
	free(text);
	md.conf = conf_load(md.config_path, true, &errors, &warnings);
	for (i = 0; errors != NULL && errors[i] != NULL; i++)
		fprintf(stderr, "fuzz: %s\n", errors[i]);
	FUZZ_CHECK(md.conf != NULL, "the harness's config has errors");
	strv_free(warnings);
	md.socket_path = xstrdup(md.conf->socket);
	md.pidfile_path = xstrdup(md.conf->pidfile);
	log_setfacility(md.conf->syslog_facility);
	md.started = time(NULL);
	(void)mkdir(md.conf->log_dir, 0755);
	/* every input from the same empty database */
	copy_pristine(md.conf->database);
	if (store_open(md.conf->database, err, sizeof(err)) == -1)
		FUZZ_CHECK(0, "store_open: %s", err);
	FUZZ_CHECK(http_init() == 0, "http_init");
	cg_not_used("not in a fuzzer");
	tasks_build(&md.tasks, md.conf);
	supervise_init();
	ledger_init();
	sched_init();
	deps_init();
	health_init();
	notify_init();
	discover_init();
	store_recover();
	ledger_down(sched_next);
	while (store_prune(md.conf->history_retention_ms) == 1)
		;
	cost_init();

	memset(&ccf, 0, sizeof(ccf));
	ccf.dispatch = verbs_dispatch;
	ccf.gone = verbs_client_gone;
	ccf.path = md.socket_path;
	ccf.mode = md.conf->socket_mode;
	ccf.gid = md.conf->socket_gid;
	ccf.admin_gid = md.conf->admin_gid;
	ccf.max_clients = md.conf->max_clients;
	ccf.idle_ms = md.conf->client_timeout_ms;
	if (control_listen(&ccf, err, sizeof(err)) == -1)
		FUZZ_CHECK(0, "control_listen: %s", err);
	supervise_title();
	metrics_init();
	windows_init();
	fleet_init();
	event_emit(NULL, "started", "maintd", NULL);
}

/* What SIGTERM does (maintd.c: on_term), from the loop. */
static void
term_fire(void *arg)
{
	(void)arg;
	sched_stop();
	ledger_stop();
	health_stop();
	supervise_shutdown();
}

void
fuzz_daemon_stop(void)
{
	struct ev_timer	term;

	ev_timer_init(&term, term_fire, NULL);
	ev_timer_add(&term, 0);
	ev_run();
	ev_timer_del(&term);

	/* maintd.c: maintd_shutdown() */
	event_emit(NULL, "stopped", "maintd", NULL);
	windows_stop();
	discover_stop();
	reload_stop();
	health_stop();
	notify_stop();
	verbs_obs_shutdown();
	verbs_health_shutdown();
	control_close();
	fleet_stop();
	output_reopen();
	metrics_final();
	cost_stop();
	store_close();
	supervise_free();
	cg_close();
	http_shutdown();
	spawn_forget();
	tasks_free(&md.tasks);
	conf_free(md.conf);
	free(md.config_path);
	free(md.socket_path);
	free(md.pidfile_path);
	log_ring_free();
	memset(&md, 0, sizeof(md));
	/* the next start must find the loop as ev_init() left it */
	FUZZ_CHECK(ev_ntimers() == 0 && ev_nfds() == 1, "after the shutdown "
	    "%zu timers are armed, %zu fds watched", ev_ntimers(), ev_nfds());
}

bool	fuzz_daemon_closed;

struct session {
	int		 fd;
	const char	*data;
	size_t		 len, sent;
	bool		 wdone;
	char		*out;
	size_t		 outlen, outcap;
	bool		 keep;
	size_t		 progress, seen;
	int		 quiet, ticks;
	struct ev_timer	 tick;
};

static void
session_io(int fd, int revents, void *arg)
{
	struct session	*s = arg;
	char		 buf[65536];
	ssize_t		 n;

	if ((revents & EV_WRITE) && !s->wdone) {
		n = send(fd, s->data + s->sent, s->len - s->sent,
		    MSG_NOSIGNAL);
		if (n > 0)
			s->sent += (size_t)n;
		if (s->sent == s->len || (n == -1 && errno != EAGAIN &&
		    errno != EINTR)) {
			(void)shutdown(fd, SHUT_WR);
			s->wdone = true;
			ev_io_set(fd, EV_READ);
		}
		s->progress++;
	}
	if (!(revents & EV_READ))
		return;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ev_io_set(fd, 0);
		fuzz_daemon_closed = true;
		ev_break();
		return;
	}
	s->progress++;
	if (!s->keep)
		return;
	if (s->outlen + (size_t)n + 1 > s->outcap) {
		s->outcap = (s->outlen + (size_t)n + 1) * 2;
		if ((s->out = realloc(s->out, s->outcap)) == NULL)
			abort();
	}
	memcpy(s->out + s->outlen, buf, (size_t)n);
	s->outlen += (size_t)n;
	s->out[s->outlen] = '\0';
}

/* Quiet for a while with everything sent: a held request; let it go. */
static void
session_tick(void *arg)
{
	struct session	*s = arg;

	if (s->progress == s->seen && s->wdone)
		s->quiet++;
	else
		s->quiet = 0;
	s->seen = s->progress;
	if (++s->ticks >= MAX_TICKS || s->quiet >= (supervise_running() > 0 ?
	    BUSY_TICKS : QUIET_TICKS)) {
		ev_break();
		return;
	}
	ev_timer_add(&s->tick, TICK_MS);
}

size_t
fuzz_daemon_session(const void *data, size_t len, char **out)
{
	struct session		s;
	struct sockaddr_un	sun;

	memset(&s, 0, sizeof(s));
	fuzz_daemon_closed = false;
	s.data = data;
	s.len = len;
	s.keep = out != NULL || getenv("FUZZ_SHOW") != NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", md.socket_path);
	if ((s.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    connect(s.fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		FUZZ_CHECK(0, "connect %s: %s", sun.sun_path, strerror(errno));
	if (len == 0) {
		(void)shutdown(s.fd, SHUT_WR);
		s.wdone = true;
	}
	FUZZ_CHECK(ev_io_add(s.fd, s.wdone ? EV_READ : EV_READ | EV_WRITE,
	    session_io, &s) == 0, "ev_io_add");
	ev_timer_init(&s.tick, session_tick, &s);
	ev_timer_add(&s.tick, TICK_MS);
	ev_run();
	ev_timer_del(&s.tick);
	ev_io_del(s.fd);
	close(s.fd);
	if (getenv("FUZZ_SHOW") != NULL && s.out != NULL)
		fprintf(stderr, "%s", s.out);
	if (out != NULL)
		*out = s.out != NULL ? s.out : fuzz_str((const uint8_t *)"", 0);
	return s.outlen;
}
