/* test_conf.c: config validation, one case per kind of error, with file:line. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "util.h"

static char	path[] = "/tmp/test_conf.XXXXXX";

static const char *
user_line(void)
{
	/* As root every task needs a user. */
	return geteuid() == 0 ? "user = \"nobody\"\n" : "";
}

static void
write_file(const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	fputs(user_line(), fp);
	fputs(text, fp);
	fclose(fp);
	chmod(path, 0644);
}

/* Load text (line 1 is the user line); return the errors joined by \n. */
static char *
load_errors(const char *text, struct config **confp)
{
	struct config	 *conf;
	char		**errors, *all;
	size_t		  i, len = 1;

	write_file(text);
	conf = conf_load(path, false, &errors, NULL);
	if (confp != NULL)
		*confp = conf;
	else
		conf_free(conf);
	if (conf != NULL) {
		assert_null(errors);
		return NULL;
	}
	for (i = 0; errors[i] != NULL; i++)
		len += strlen(errors[i]) + 1;
	all = calloc(1, len);
	for (i = 0; errors[i] != NULL; i++) {
		strcat(all, errors[i]);
		strcat(all, "\n");
	}
	strv_free(errors);
	return all;
}

/* One error line must start with "path:line: " and contain fragment. */
static void
expect_error(const char *text, int line, const char *fragment)
{
	char	*errs, prefix[512], *l, *nl;
	int	 found = 0;

	errs = load_errors(text, NULL);
	if (errs == NULL)
		fail_msg("config loaded, expected line %d: %s", line, fragment);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	for (l = errs; !found && (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
		*nl = '\0';
		if (strncmp(l, prefix, strlen(prefix)) == 0 &&
		    strstr(l, fragment) != NULL)
			found = 1;
		*nl = '\n';
	}
	if (!found)
		fail_msg("expected '%s...%s' in:\n%s", prefix, fragment, errs);
	free(errs);
}

/* Line numbers below count the user line (line 1) when root. */
#define L(n)	((n) + (geteuid() == 0 ? 1 : 0))

static void
test_good(void **state)
{
	struct config		*conf;
	struct task_conf	*t;
	char			*errs;

	(void)state;
	errs = load_errors(
	    "max_weight = 4\n"
	    "kill_grace = 1m30s\n"
	    "# a comment\n"
	    "task a {\n"
	    "  command = \"/bin/echo 'x' \\\"two words\\\"\" // trailing\n"
	    "  schedule = \"*/5 * * * *\"\n"
	    "  timeout = 10m\n"
	    "  tags = { \"x\", # inside a list\n"
	    "           \"y\" }\n"
	    "  limits { cpu = 5m  memory = 512M  nofile = 1024 }\n"
	    "}\n"
	    "task b { kind = service command = { \"/bin/sleep\", \"9\" }\n"
	    "  backoff = { 500ms, 10s } conflicts = { \"a\" } umask = 0077 }\n"
	    "/* block\n comment */\n"
	    "preset p { tasks = { \"a\" } tags = { \"y\" } }\n"
	    "window w { preset = \"p\" schedule = \"0 2 * * *\" duration = 2h }\n",
	    &conf);
	assert_null(errs);
	assert_non_null(conf);
	assert_int_equal(conf->max_weight, 4);
	assert_int_equal(conf->kill_grace_ms, 90000);
	assert_int_equal(conf->ntasks, 2);
	t = conf_task(conf, "a");
	assert_non_null(t);
	assert_int_equal(t->kind, KIND_PERIODIC);
	assert_int_equal(t->line, L(5));
	assert_string_equal(t->argv[0], "/bin/echo");
	assert_string_equal(t->argv[1], "'x'");
	assert_string_equal(t->argv[2], "two words");
	assert_null(t->argv[3]);
	assert_int_equal(t->timeout_ms, 600000);
	assert_true(t->limits.set[LIM_MEMORY]);
	assert_true(t->limits.value[LIM_MEMORY] == 512ULL << 20);
	assert_true(t->limits.value[LIM_CPU] == 300);
	assert_int_equal(strv_len(t->tags), 2);
	t = conf_task(conf, "b");
	assert_int_equal(t->kind, KIND_SERVICE);
	assert_int_equal(t->backoff_min_ms, 500);
	assert_int_equal(t->backoff_max_ms, 10000);
	assert_int_equal(t->umask, 077);
	assert_int_equal(conf->npresets, 1);
	assert_int_equal(conf->nwindows, 1);
	assert_int_equal(conf->windows[0].duration_ms, 7200000);
	conf_free(conf);
}

static void
test_unknown_option(void **state)
{
	(void)state;
	expect_error("\n\ntask a {\n command = \"/bin/true\"\n bogus = 1\n}\n",
	    L(5), "no such option 'bogus'");
	expect_error("frobnicate = 3\n", L(1), "no such option 'frobnicate'");
}

static void
test_bad_duration(void **state)
{
	(void)state;
	expect_error("task a {\n command = \"/bin/true\"\n timeout = 10x\n}\n",
	    L(3), "timeout: bad duration '10x'");
	expect_error("kill_grace = soon\n", L(1), "kill_grace: bad duration");
	expect_error("task a {\n command = \"/bin/true\"\n every = 1h5\n}\n",
	    L(3), "every: bad duration");
}

static void
test_bad_size(void **state)
{
	(void)state;
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " limits {\n  memory = lots\n }\n}\n", L(4),
	    "memory: bad size 'lots'");
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " limits { nofile = many }\n}\n", L(3), "nofile: bad number");
}

static void
test_bad_cron(void **state)
{
	(void)state;
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " schedule = \"61 * * * *\"\n}\n", L(3),
	    "schedule: bad schedule '61 * * * *'");
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " schedule = \"* * *\"\n}\n", L(3), "schedule: bad schedule");
	expect_error("window w {\n preset = \"p\"\n schedule = \"@never\"\n"
	    " duration = 1h\n}\npreset p { tags = { \"x\" } }\n", L(3),
	    "schedule: bad schedule '@never'");
}

static void
test_unknown_user_group(void **state)
{
	(void)state;
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " user = \"no-such-user-here\"\n}\n", L(3),
	    "user: unknown user 'no-such-user-here'");
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " group = \"no-such-group-here\"\n}\n", L(3),
	    "group: unknown group 'no-such-group-here'");
	expect_error("admin_group = \"no-such-group-here\"\n", L(1),
	    "admin_group: unknown group");
}

static void
test_duplicate_task(void **state)
{
	(void)state;
	expect_error("task a { command = \"/bin/true\" }\n"
	    "task a {\n command = \"/bin/false\"\n}\n", L(3),
	    "task a is defined twice: also at ");
}

/* after, requires and chains: a loop in each, by file and line; none
 * across relations or in a diamond */
static void
test_dependency_loops(void **state)
{
	struct config	*conf;
	char		*errs;

	(void)state;
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " after = { \"a\" }\n}\n", L(3), "task a: after: a loop: a -> a");
	expect_error("task a { command = \"/bin/true\" }\n"
	    "task b { command = \"/bin/true\"  on_success = { \"c\" } }\n"
	    "task c { command = \"/bin/true\"  on_failure = { \"d\" } }\n"
	    "task d { command = \"/bin/true\"  on_success = { \"b\" } }\n",
	    L(2), "task b: on_success: a loop: b -> c -> d -> b");
	expect_error("task a { command = \"/bin/true\"\n"
	    " requires { task = \"b\"  ok_within = 1h } }\n"
	    "task b { command = \"/bin/true\"\n"
	    " requires { task = \"a\"  ok_within = 1h } }\n",
	    L(2), "task a: requires: a loop: a -> b -> a");
	expect_error("task a { command = \"/bin/true\"  after = { \"ghost\" } }\n",
	    L(1), "task a: after unknown task 'ghost'");
	/* a chain one way, requires the other; a diamond of after */
	errs = load_errors("task bk { command = \"/bin/true\"  on_success = "
	    "{ \"vf\" } }\n"
	    "task vf { command = \"/bin/true\"\n"
	    " requires { task = \"bk\"  ok_within = 1h } }\n"
	    "task d1 { command = \"/bin/true\"  after = { \"d2\", \"d3\" } }\n"
	    "task d2 { command = \"/bin/true\"  after = { \"d4\" } }\n"
	    "task d3 { command = \"/bin/true\"  after = { \"d4\" } }\n"
	    "task d4 { command = \"/bin/true\" }\n", &conf);
	if (errs != NULL)
		fail_msg("no loop expected:\n%s", errs);
	assert_non_null(conf);
	assert_string_equal(conf_task(conf, "d1")->after[1], "d3");
	assert_string_equal(conf_task(conf, "bk")->on_success[0], "vf");
	conf_free(conf);
}

static void
test_unknown_references(void **state)
{
	(void)state;
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " conflicts = { \"ghost\" }\n}\n", L(3),
	    "task a: conflicts with unknown task 'ghost'");
	expect_error("task a { command = \"/bin/true\" }\n"
	    "preset p {\n tasks = { \"a\", \"ghost\" }\n}\n", L(3),
	    "preset p: unknown task 'ghost'");
	expect_error("window w {\n preset = \"nope\"\n schedule = \"@daily\"\n"
	    " duration = 1h\n}\n", L(2), "window w: unknown preset 'nope'");
}

static void
test_task_rules(void **state)
{
	(void)state;
	expect_error("task a {\n description = \"x\"\n}\n", L(2),
	    "task a: no command");
	expect_error("task a {\n command = \"relative/path\"\n}\n", L(2),
	    "task a: command 'relative/path' must be an absolute path");
	expect_error("task a {\n command = \"/bin/true\"\n kind = service\n"
	    " every = 5m\n}\n", L(4), "task a: schedule and every are for periodic");
	expect_error("task a {\n command = \"/bin/true\"\n kind = periodic\n}\n",
	    L(3), "a periodic task needs schedule or every");
	expect_error("task a {\n command = \"/bin/true\"\n kind = daemon\n}\n",
	    L(3), "kind: unknown kind 'daemon'");
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " backoff = { 10s, 1s }\n}\n", L(3), "backoff: the first delay");
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " kill_signal = NOPE\n}\n", L(3), "unknown signal 'NOPE'");
	expect_error("task a {\n command = \"/bin/true\"\n"
	    " environment = { \"1BAD=x\" }\n}\n", L(3),
	    "bad environment entry '1BAD=x'");
	expect_error("task a {\n command = \"/bin/true\"\n nice = 40\n}\n",
	    L(3), "bad nice");
	expect_error("socket = \"relative.sock\"\n", L(1),
	    "'relative.sock' is not an absolute path");
	expect_error("socket_mode = \"0999\"\n", L(1), "bad mode '0999'");
}

static void
test_braces(void **state)
{
	(void)state;
	expect_error("\ntask a {\n command = \"/bin/true\"\n", L(2),
	    "'{' is never closed");
	expect_error("task a { command = \"/bin/true\" }\n}\n", L(2),
	    "'}' without a '{'");
}

static void
test_all_errors_reported(void **state)
{
	char	*errs;
	int	 n = 0;
	char	*p;

	(void)state;
	errs = load_errors("task a {\n command = \"/bin/true\"\n timeout = x\n"
	    " every = y\n nice = 99\n}\n", NULL);
	assert_non_null(errs);
	for (p = errs; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	assert_int_equal(n, 3);
	free(errs);
}

static void
test_root_rules(void **state)
{
	FILE		 *fp;
	struct config	 *conf;
	char		**errors;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(fp = fopen(path, "w"));
	fputs("task a {\n command = \"/bin/true\"\n}\n", fp);
	fclose(fp);
	chmod(path, 0644);
	assert_null(conf = conf_load(path, false, &errors, NULL));
	assert_non_null(strstr(errors[0], "would run as root"));
	strv_free(errors);
	write_file("task a { command = \"/bin/true\" }\n");
	chmod(path, 0646);
	assert_null(conf = conf_load(path, false, &errors, NULL));
	assert_non_null(strstr(errors[0], "writable by others"));
	strv_free(errors);
}

/* start_when conditions: each metric, its value, and what is refused. */
static void
test_conditions(void **state)
{
	static const struct {
		const char	*text;
		int		 metric;	/* -1: refused */
		double		 value;
		const char	*path;
		bool		 percent;
	} cases[] = {
		{ "load1 < 4.5", GM_LOAD1, 4.5, "", false },
		{ "  load15>=2", GM_LOAD15, 2, "", false },
		{ "mem_available > 512M", GM_MEM_AVAILABLE, 536870912, "", false },
		{ "disk_free(/var/lib) > 10G", GM_DISK_FREE, 10737418240.0,
		    "/var/lib", false },
		{ "disk_free(/a b) >= 15%", GM_DISK_FREE, 15, "/a b", true },
		{ "pressure(cpu) < 20", GM_PRESSURE_CPU, 20, "", false },
		{ "pressure(memory) < 2.5%", GM_PRESSURE_MEMORY, 2.5, "", false },
		{ "pressure(io) <= 100", GM_PRESSURE_IO, 100, "", false },
		{ "uptime > 10m", GM_UPTIME, 600, "", false },
		{ "uptime > 1h30m", GM_UPTIME, 5400, "", false },
		{ "disk_free(var) > 1G", -1, 0, "", false },
		{ "disk_free() > 1G", -1, 0, "", false },
		{ "disk_free > 1G", -1, 0, "", false },
		{ "disk_free(/) > 101%", -1, 0, "", false },
		{ "disk_free(/) > lots", -1, 0, "", false },
		{ "pressure(gpu) < 1", -1, 0, "", false },
		{ "pressure(cpu) < 101", -1, 0, "", false },
		{ "pressure(cpu < 1", -1, 0, "", false },
		{ "uptime > soon", -1, 0, "", false },
		{ "uptime ~ 1", -1, 0, "", false },
		{ "load1 < 1 2", -1, 0, "", false },
		{ "load1 <", -1, 0, "", false },
		{ "(/) > 1", -1, 0, "", false },
	};
	struct guard_cond	c;
	char			err[512];
	size_t			i;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = conf_parse_cond(cases[i].text, &c, err, sizeof(err));
		if (cases[i].metric == -1) {
			if (rc != -1)
				fail_msg("'%s' was taken", cases[i].text);
			assert_non_null(strstr(err, cases[i].text));
			continue;
		}
		if (rc != 0)
			fail_msg("'%s': %s", cases[i].text, err);
		assert_int_equal(c.metric, cases[i].metric);
		assert_true(c.value == cases[i].value);
		assert_string_equal(c.path, cases[i].path);
		assert_int_equal(c.percent, cases[i].percent);
	}
}

static int
setup(void **state)
{
	int	fd;

	(void)state;
	if ((fd = mkstemp(path)) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_bad_duration),
		cmocka_unit_test(test_bad_size),
		cmocka_unit_test(test_bad_cron),
		cmocka_unit_test(test_unknown_user_group),
		cmocka_unit_test(test_duplicate_task),
		cmocka_unit_test(test_unknown_references),
		cmocka_unit_test(test_task_rules),
		cmocka_unit_test(test_braces),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_root_rules),
		cmocka_unit_test(test_dependency_loops),
		cmocka_unit_test(test_conditions),
	};

	return cmocka_run_group_tests_name("conf", tests, setup, teardown);
}
