# maintd: build, install, test.  GNU make or BSD make with the usual
# variables: PREFIX, DESTDIR, SBINDIR, SYSCONFDIR, LOCALSTATEDIR,
# STATEDIR, RUNSTATEDIR, MANDIR, DOCDIR, LIBEXECDIR, DATADIR, BASHCOMPDIR,
# ZSHCOMPDIR; MAINTD_USER and MAINTD_GROUP.

VERSION		= 0.1.0
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
LOCALSTATEDIR	?= /var
RUNSTATEDIR	?= /run
STATEDIR	?= $(LOCALSTATEDIR)/lib
DOCDIR		?= $(PREFIX)/share/doc/maintd
LIBEXECDIR	?= $(PREFIX)/libexec/maintd
DATADIR		?= $(PREFIX)/share
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR	?= $(PREFIX)/share/zsh/site-functions
# The user and group maintd runs as (root and root's group): the owner
# the log rotation files give the task logs they create.
MAINTD_USER	?= root
MAINTD_GROUP	?= $(shell id -gn $(MAINTD_USER) 2>/dev/null || echo $(MAINTD_USER))

CC		?= cc
# make V=1 shows the compiler command lines
Q		= $(if $(V),,@)
BUILD		?= build
PKGS		= libconfuse libbsd-overlay sqlite3 libcurl json-c libcrypto
PKG_CFLAGS	= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# maintctl needs only libc: it starts fast and stays small; linked
# statically where the C library allows it, it starts in about 0.1 ms
# less (no dynamic loader).  make CLIENT_LDFLAGS= links it dynamically.
CLIENT_LIBS	=
CLIENT_LDFLAGS	?= -static
WARN		= -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
		  -Wmissing-prototypes -Wstrict-prototypes
OPT		?= -O2 -g
# The version and the paths the programs know are in $(BUILD)/paths.h,
# written again only when one changes: then what includes it is rebuilt
# (make install with another PREFIX or SYSCONFDIR).
ALL_CFLAGS	= -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) $(PKG_CFLAGS) \
		  -include $(BUILD)/paths.h $(CFLAGS)
ALL_LDFLAGS	= $(LDFLAGS)

DAEMON_SRCS	= daemon/maintd.c daemon/conf.c daemon/control.c daemon/sock.c \
		  daemon/cron.c \
		  daemon/tz.c \
		  daemon/ev.c daemon/log.c daemon/paths.c daemon/proto.c daemon/pidmap.c \
		  daemon/table.c daemon/task.c daemon/state.c daemon/util.c daemon/verbs.c \
		  daemon/verbs_ctl.c daemon/supervise.c daemon/activate.c daemon/spawn.c \
		  daemon/spawn_clone.c daemon/output.c daemon/osdep.c daemon/host.c daemon/store.c \
		  daemon/store_lock.c daemon/store_db.c daemon/store_run.c \
		  daemon/store_runfile.c \
		  daemon/store_event.c daemon/store_preset.c daemon/store_window.c \
		  daemon/event.c \
		  daemon/store_rollup.c daemon/store_report.c daemon/cgroup_stat.c \
		  daemon/cost.c \
		  daemon/verbs_report.c \
		  daemon/metrics.c daemon/verbs_obs.c daemon/policy.c \
		  daemon/sched.c daemon/preset.c daemon/verbs_plan.c daemon/verbs_window.c \
		  daemon/trust.c daemon/run.c daemon/feed.c \
		  daemon/conf_err.c daemon/conf_secret.c daemon/conf_cond.c \
		  daemon/conf_opts.c daemon/conf_valid.c \
		  daemon/conf_read.c daemon/conf_file.c \
		  daemon/conf_token.c \
		  daemon/conf_manifest.c daemon/http.c \
		  daemon/health.c daemon/guard.c daemon/notify.c \
		  daemon/verbs_health.c daemon/reload.c daemon/discover.c \
		  daemon/verbs_common.c daemon/verbs_auth.c daemon/cgroup.c \
		  daemon/etcd.c daemon/fleet_kv.c daemon/fleet_node.c \
		  daemon/fleet_lock.c daemon/fleet_roll.c daemon/fleet.c \
		  daemon/verbs_fleet.c daemon/verbs_grep.c daemon/verbs_tail.c \
		  daemon/redact.c daemon/peer.c \
		  daemon/expect.c daemon/alert.c daemon/store_ledger.c \
		  daemon/ledger.c daemon/requires.c daemon/verbs_ledger.c \
		  daemon/depgraph.c daemon/conf_deps.c daemon/after.c daemon/deps.c \
		  daemon/verbs_graph.c daemon/forecast.c daemon/verbs_forecast.c
CLIENT_SRCS	= client/maintctl.c client/help.c client/transport.c \
		  client/tokfile.c daemon/proto.c
UNIT_TESTS	= test_proto test_util test_conf test_cron test_cron_table \
		  test_expect test_alert test_depgraph test_resources test_pidmap

DAEMON_OBJS	= $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
CLIENT_OBJS	= $(CLIENT_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/client/paths.o
# what each unit test links with
T_proto		= proto
T_util		= util log redact
T_conf		= conf conf_deps depgraph conf_err conf_secret conf_cond conf_valid conf_opts conf_read conf_file conf_token conf_manifest cron tz proto util log trust osdep host cgroup ev
T_cron		= cron tz
T_cron_table	= cron tz
T_expect	= expect cron tz util log
T_alert		= alert
T_depgraph	= depgraph util log
T_pidmap	= pidmap util log redact
T_resources	= run cgroup cgroup_stat ev log util redact

MANS		= daemon/maintd.8 client/maintctl.8 conf/maintd.conf.5 \
		  web/maintd-http.8
SHELL_SCRIPTS	= rc/maintd.init rc/maintd.freebsd rc/maintd.openbsd \
		  rc/maintd.openrc rc/maintd-http.init rc/maintd-http.freebsd \
		  rc/maintd-http.openbsd rc/maintd-http.openrc \
		  tests/integration/*.sh \
		  tests/integration/helpers/*.sh tests/run-unit.sh \
		  tests/deps.sh tests/valgrind-maintd.sh tests/bench/*.sh tests/fuzz/run.sh \
		  tests/layers.sh tests/fleet-loop.sh $(CONTRIB_TASKS) \
		  contrib/tmux-monitor debian/maintd.postinst debian/maintd.postrm
BASH_SCRIPTS	= $(BUILD)/completion/maintctl.bash

# The example maintenance scripts, installed in LIBEXECDIR.
CONTRIB_TASKS	= contrib/tasks/cleanup-old-files contrib/tasks/log-cleanup \
		  contrib/tasks/sqlite-vacuum contrib/tasks/disk-space-check

# Debian packages for building and testing (make deps installs them);
# the last line builds and checks the Debian package (debian/, t0801).
DEB_PKGS	= build-essential pkg-config libconfuse-dev libbsd-dev \
		  libsqlite3-dev libcurl4-openssl-dev libssl-dev libjson-c-dev \
		  libedit-dev libmicrohttpd-dev tmux \
		  libcmocka-dev mandoc shellcheck socat jq util-linux procps \
		  perl clang logrotate valgrind sqlite3 python3 curl strace \
		  etcd-server etcd-client libclang-rt-14-dev openssh-server \
		  chromium python3-websocket openssl \
		  debhelper lintian fakeroot dpkg-dev faketime

# The completion scripts, made from the daemon's verb and option tables.
COMPLETION	= $(BUILD)/completion/maintctl.bash $(BUILD)/completion/_maintctl

all: $(BUILD)/maintd $(BUILD)/maintctl $(BUILD)/maintctl-tty $(COMPLETION) \
    $(BUILD)/maintd-http

# maintd-http(8), the HTTP gateway (web/): GNU libmicrohttpd, and the
# daemon's event loop, log, protocol syntax and paths
WEB_PKGS	= libmicrohttpd json-c libbsd-overlay
WEB_SRCS	= web/maintd-http.c web/server.c web/api.c web/sse.c \
		  web/static.c web/upstream.c web/route.c web/reply.c
WEB_DAEMON	= ev log util paths proto
WEB_OBJS	= $(WEB_SRCS:%.c=$(BUILD)/%.o) \
		  $(WEB_DAEMON:%=$(BUILD)/daemon/%.o)
$(BUILD)/web/%.o: web/%.c web/*.h daemon/*.h daemon/*.def $(BUILD)/paths.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $$(pkg-config --cflags $(WEB_PKGS)) \
	    -iquote daemon -iquote web -c -o $@ $<
$(BUILD)/maintd-http: $(WEB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(WEB_OBJS) \
	    $$(pkg-config --libs $(WEB_PKGS)) $(ALL_LDFLAGS)

# maintctl top, shell and token new: json-c, libedit and libcrypto, in a
# program of their own
TTY_PKGS	= json-c libedit libbsd-overlay libcrypto
TTY_SRCS	= client/tty.c client/complete.c client/help.c client/transport.c \
		  client/token.c client/tokfile.c
$(BUILD)/maintctl-tty: $(TTY_SRCS) client/*.h daemon/proto.h daemon/*.def \
    $(BUILD)/paths.h
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $$(pkg-config --cflags $(TTY_PKGS)) \
	    -iquote daemon -iquote client -o $@ $(TTY_SRCS) \
	    $$(pkg-config --libs $(TTY_PKGS)) $(ALL_LDFLAGS)
$(BUILD)/gencomp: client/gencomp.c client/help.c client/help.h daemon/*.def \
    $(BUILD)/paths.h
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -iquote daemon -iquote client -o $@ \
	    client/gencomp.c client/help.c
$(BUILD)/completion/maintctl.bash: $(BUILD)/gencomp
	@mkdir -p $(@D)
	$(Q)$(BUILD)/gencomp bash >$@
$(BUILD)/completion/_maintctl: $(BUILD)/gencomp
	@mkdir -p $(@D)
	$(Q)$(BUILD)/gencomp zsh >$@

$(BUILD)/paths.h: FORCE
	@mkdir -p $(BUILD)
	@{ echo '#define MAINT_VERSION "$(VERSION)"'; \
	   echo '#define SYSCONFDIR "$(SYSCONFDIR)"'; \
	   echo '#define RUNSTATEDIR "$(RUNSTATEDIR)"'; \
	   echo '#define LOCALSTATEDIR "$(LOCALSTATEDIR)"'; \
	   echo '#define STATEDIR "$(STATEDIR)"'; \
	   echo '#define SBINDIR "$(SBINDIR)"'; \
	   echo '#define DATADIR "$(DATADIR)"'; } >$@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

FORCE:

$(BUILD)/maintd: $(DAEMON_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(DAEMON_OBJS) $(PKG_LIBS) $(ALL_LDFLAGS)

$(BUILD)/maintctl: $(CLIENT_OBJS)
	@echo "  LD      $@"
	$(Q)if $(CC) $(ALL_CFLAGS) -o $@ $(CLIENT_OBJS) $(CLIENT_LIBS) \
	    $(ALL_LDFLAGS) $(CLIENT_LDFLAGS) 2>$@.err; then cat $@.err; else \
	    echo "  LD      $@ (dynamic: linking with $(CLIENT_LDFLAGS) failed)"; \
	    $(CC) $(ALL_CFLAGS) -o $@ $(CLIENT_OBJS) $(CLIENT_LIBS) \
	    $(ALL_LDFLAGS) || { rm -f $@.err; exit 1; }; fi; rm -f $@.err

# maintctl's copy of paths.c takes ~ from $$HOME only: no NSS, which a
# static program could not load.
$(BUILD)/client/paths.o: daemon/paths.c daemon/*.h $(BUILD)/paths.h
	@mkdir -p $(@D)
	@echo "  CC      $< (for maintctl)"
	$(Q)$(CC) $(ALL_CFLAGS) -DPATHS_HOME_ONLY -iquote daemon -c -o $@ daemon/paths.c

$(BUILD)/%.o: %.c daemon/*.h daemon/*.def client/*.h $(BUILD)/paths.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -iquote daemon -iquote client -c -o $@ $<

.SECONDEXPANSION:
$(BUILD)/test_%: tests/unit/test_%.c \
    $$(addprefix $(BUILD)/daemon/,$$(addsuffix .o,$$(T_$$*)))
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $$(pkg-config --cflags cmocka) -iquote daemon -o $@ \
	    $< $(addprefix $(BUILD)/daemon/,$(addsuffix .o,$(T_$*))) $(PKG_LIBS) \
	    $$(pkg-config --libs cmocka) $(ALL_LDFLAGS)

units: $(UNIT_TESTS:%=$(BUILD)/%)

# Install what is missing (as root on Debian), or say what to run.
deps:
	@sh tests/deps.sh $(DEB_PKGS)

# Run maintd in the foreground on the example config, with its socket,
# database and logs under ./run (no root needed), and maintd-http on
# 127.0.0.1:RUN_PORT with an admin token made for the run (in run/token).
RUN_PORT	?= 8750
run: deps
	@$(MAKE) all
	@mkdir -p run
	@umask 077; { cat conf/maintd.conf; \
	   echo '# added by make run: keep everything under ./run'; \
	   echo 'socket = "$(CURDIR)/run/maintd.sock"'; \
	   echo 'pidfile = "$(CURDIR)/run/maintd.pid"'; \
	   echo 'database = "$(CURDIR)/run/maintd.db"'; \
	   echo 'log_dir = "$(CURDIR)/run/log"'; \
	   echo 'discover = { "$(CURDIR)/conf/tasks.d/*.conf", "$(CURDIR)/conf/tasks.d/*.json" }'; \
	   if [ "$$(id -u)" = 0 ]; then echo 'user = "nobody"'; fi; \
	 } > run/maintd.conf
	@(umask 077; $(BUILD)/maintctl token new run --role admin >run/token.new)
	@sed -n '/^token run {/,/^}/p' run/token.new >>run/maintd.conf
	@(umask 077; sed -n 's/^token: //p' run/token.new >run/token); rm -f run/token.new
	@echo "maintd: in another shell: $(BUILD)/maintctl -s run/maintd.sock status"
	@echo "maintd: the dashboard: http://127.0.0.1:$(RUN_PORT)/ with the token" \
	    "$$(cat run/token) (also in run/token: maintctl -T run/token)"
	@$(BUILD)/maintd-http -f -l 127.0.0.1:$(RUN_PORT) \
	    -s $(CURDIR)/run/maintd.sock -w web/static & http=$$!; \
	 trap 'kill $$http 2>/dev/null' EXIT INT TERM; \
	 $(BUILD)/maintd -f -c run/maintd.conf

# Integration test files run three at a time (each has its own directory,
# sockets and ports; most of their time is spent waiting for what they
# poll, so three keep a 2-core machine busy without crowding it);
# TEST_JOBS=1 runs them one by one.
TEST_JOBS	?= 3

check: deps
	@$(MAKE) all units
	@$(MAKE) test
	@$(MAKE) soak
	@$(MAKE) soak-fleet
	@$(MAKE) fuzz-check

test: lint
	sh tests/layers.sh $(BUILD)
	sh tests/run-unit.sh $(BUILD) $(UNIT_TESTS)
	MAINTD=$(CURDIR)/$(BUILD)/maintd MAINTCTL=$(CURDIR)/$(BUILD)/maintctl \
	    prove -f --timer -j$(TEST_JOBS) tests/integration/t*.sh

lint:
	mandoc -Tlint -W warning $(MANS)
	shellcheck $(SHELL_SCRIPTS) $(BASH_SCRIPTS)
	for f in $(SHELL_SCRIPTS); do sh -n $$f || exit 1; done
	for f in $(BASH_SCRIPTS); do bash -n $$f || exit 1; done

# The model-checked soak (tests/soak/soak.py, HACKING): random requests
# against the real maintd, the invariants checked after every step, for
# SOAK_SECONDS, after the regressions of tests/soak/regress.  A failure
# prints its seed and the shortest sequence of steps that still fails.
SOAK_SECONDS	?= 60
soak: all
	python3 tests/soak/soak.py --build $(BUILD) --seconds $(SOAK_SECONDS) \
	    --replay tests/soak/regress/*.txt
.PHONY: soak

# The whole suite under AddressSanitizer and UBSan, in its own build tree.
ASAN_OPT	= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		  -fno-sanitize-recover=all
asan: deps
	@$(MAKE) BUILD=build-asan CC=clang CLIENT_LDFLAGS= OPT="$(ASAN_OPT)" \
	    all units
	rm -rf build-asan/reports && mkdir -p -m 1777 build-asan/reports
	ASAN_OPTIONS=detect_leaks=1:log_path=$(CURDIR)/build-asan/reports/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:log_path=$(CURDIR)/build-asan/reports/ubsan \
	    $(MAKE) BUILD=build-asan test
	@if ls build-asan/reports/* >/dev/null 2>&1; then \
		cat build-asan/reports/*; echo "asan: errors found"; exit 1; fi
	@echo "asan: no errors, no leaks"

# The fleet tests (t0601, t0602, t0603) under ASan FLEET_LOOP times in a
# row with two CPU hogs beside them (tests/fleet-loop.sh): each result,
# a tally, non-zero on any failure.  Not part of check (about 1.5 minutes
# a round).
FLEET_LOOP	?= 20
fleet-loop: deps
	@$(MAKE) BUILD=build-asan CC=clang CLIENT_LDFLAGS= OPT="$(ASAN_OPT)" all
	sh tests/fleet-loop.sh build-asan $(FLEET_LOOP)

# The fleet soak (tests/soak/soak_fleet.py, HACKING): 3 etcd members and 3
# maintd nodes on 127.0.0.1, members and nodes killed and started again
# at random while singletons and a rolling window are active, for
# SOAK_FLEET_SECONDS; skipped without etcd.
SOAK_FLEET_SECONDS	?= 60
soak-fleet: all
	python3 tests/soak/soak_fleet.py --build $(BUILD) \
	    --seconds $(SOAK_FLEET_SECONDS)
.PHONY: fleet-loop soak-fleet

# libFuzzer targets (tests/fuzz/README), built with clang, ASan and UBSan
# in build-fuzz.  make fuzz runs each for FUZZ_SECONDS on a scratch copy
# of its corpus; fuzz-check (in make check) replays the corpus and every
# regression input, then runs each target for 10 s: non-zero on a crash.
FUZZ_TARGETS	= request config cron units manifest preset route
FUZZ_SECONDS	?= 60
FUZZ_OBJS	= $(filter-out $(BUILD)/daemon/maintd.o,$(DAEMON_OBJS))
fuzz-build: deps
	@$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer \
	    -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=all" $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.c tests/fuzz/fuzz_daemon.c \
    tests/fuzz/fuzz.h $(FUZZ_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -iquote daemon -o $@ $< \
	    tests/fuzz/fuzz.c tests/fuzz/fuzz_daemon.c $(FUZZ_OBJS) $(PKG_LIBS) \
	    $(ALL_LDFLAGS)
# maintd-http's request mapping: web/route.c and web/reply.c as well
$(BUILD)/fuzz_route: tests/fuzz/fuzz_route.c tests/fuzz/fuzz.c \
    tests/fuzz/fuzz_daemon.c tests/fuzz/fuzz.h $(FUZZ_OBJS) \
    $(BUILD)/web/route.o $(BUILD)/web/reply.o
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -iquote daemon -iquote web \
	    -o $@ $< tests/fuzz/fuzz.c tests/fuzz/fuzz_daemon.c $(FUZZ_OBJS) \
	    $(BUILD)/web/route.o $(BUILD)/web/reply.o $(PKG_LIBS) $(ALL_LDFLAGS)
fuzz: fuzz-build
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-check: fuzz-build
	sh tests/fuzz/run.sh -c build-fuzz 10 $(FUZZ_TARGETS)
.PHONY: fuzz fuzz-build fuzz-check

# The integration tests with maintd under valgrind: fails on any memory
# error or definite leak (tests that time out under valgrind's slowness,
# and the rlimit points: valgrind keeps nofile for itself, are reported,
# not counted).  The log directory is open to all: some tests run maintd
# as nobody.
valgrind: deps
	@$(MAKE) all
	rm -rf $(BUILD)/vg && mkdir -p -m 1777 $(BUILD)/vg
	-VG_LOGDIR=$(CURDIR)/$(BUILD)/vg REAL_MAINTD=$(CURDIR)/$(BUILD)/maintd \
	    MAINTD=$(CURDIR)/tests/valgrind-maintd.sh \
	    MAINTCTL=$(CURDIR)/$(BUILD)/maintctl prove tests/integration/t*.sh
	@if [ -n "$$(cat $(BUILD)/vg/vg.*.log 2>/dev/null)" ]; then \
		cat $(BUILD)/vg/vg.*.log; echo "valgrind: errors found"; \
		exit 1; fi; echo "valgrind: no errors, no definite leaks"

# Performance against this machine's floors (and, with PEERS=1, against
# supervisord, runit and s6): see tests/bench/README.md.  Not part of check.
bench: all
	sh tests/bench/run.sh PEERS=$(PEERS) BUILD=$(BUILD)

# What make install fills in: the rc scripts and the log rotation files
# hold @SBINDIR@, @SYSCONFDIR@, @RUNSTATEDIR@, @STATEDIR@ and
# @LOCALSTATEDIR@ (the log rotation files also @MAINTD_USER@ and
# @MAINTD_GROUP@); the example configuration, the manual pages and
# contrib/ show the default paths of this build (and contrib/kubernetes
# an image made with this PREFIX).
SUBST		= -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		  -e 's|@RUNSTATEDIR@|$(RUNSTATEDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g' \
		  -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' \
		  -e 's|@MAINTD_USER@|$(MAINTD_USER)|g' \
		  -e 's|@MAINTD_GROUP@|$(MAINTD_GROUP)|g'
SUBST_DEFAULTS	= -e 's|/etc/maintd/|$(SYSCONFDIR)/maintd/|g' \
		  -e 's|/run/maintd|$(RUNSTATEDIR)/maintd|g' \
		  -e 's|/var/lib/maintd|$(STATEDIR)/maintd|g' \
		  -e 's|/var/log/maintd|$(LOCALSTATEDIR)/log/maintd|g' \
		  -e 's|/usr/local/libexec/maintd|$(LIBEXECDIR)|g' \
		  -e 's|/usr/local/share/maintd|$(DATADIR)/maintd|g' \
		  -e 's|PREFIX=/usr/local|PREFIX=$(PREFIX)|g'
# contrib/ goes to DOCDIR/contrib as it is in the tree, but for the task
# scripts, which go to LIBEXECDIR.
CONTRIB_DOCS	= contrib/README contrib/WRITING-TASKS contrib/tasks/tasks.conf \
		  contrib/tmux-monitor contrib/cron/maintd-health \
		  $(wildcard contrib/systemd/* contrib/kubernetes/*)
# The installed example configuration is for a daemon running as root.
SUBST_ROOT	= -e 's|^\# user \( *\)= "maint" |user  \1= "nobody"|'

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/maintd/tasks.d \
	    $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/maintd $(BUILD)/maintctl $(BUILD)/maintctl-tty \
	    $(DESTDIR)$(SBINDIR)
	for m in $(MANS); do \
		sed $(SUBST_DEFAULTS) $$m \
		    >$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; \
	done
	install -m 0755 $(BUILD)/maintd-http $(DESTDIR)$(SBINDIR)
	install -d $(DESTDIR)$(DATADIR)/maintd/www
	install -m 0644 web/static/* $(DESTDIR)$(DATADIR)/maintd/www
	sed $(SUBST_DEFAULTS) $(SUBST_ROOT) conf/maintd.conf >$(DESTDIR)$(DOCDIR)/maintd.conf.example
	sed $(SUBST_DEFAULTS) conf/maintd-fleet.conf \
	    >$(DESTDIR)$(DOCDIR)/maintd-fleet.conf.example
	install -d $(DESTDIR)$(DOCDIR)/tasks.d
	install -m 0644 conf/tasks.d/cache-trim.conf conf/tasks.d/image-prune.json \
	    $(DESTDIR)$(DOCDIR)/tasks.d
	[ -f $(DESTDIR)$(SYSCONFDIR)/maintd/maintd.conf ] || \
	    install -m 0644 $(DESTDIR)$(DOCDIR)/maintd.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/maintd/maintd.conf
	for f in rc/maintd.service rc/maintd.init rc/maintd.openrc \
	    rc/maintd.freebsd rc/maintd.openbsd rc/maintd-http.service \
	    rc/maintd-http.init rc/maintd-http.openrc rc/maintd-http.freebsd \
	    rc/maintd-http.openbsd; do \
		sed $(SUBST) $$f >$(DESTDIR)$(DOCDIR)/$${f#rc/}; \
	done
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 $(BUILD)/completion/maintctl.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/maintctl
	install -m 0644 $(BUILD)/completion/_maintctl $(DESTDIR)$(ZSHCOMPDIR)/_maintctl
	sed $(SUBST) conf/logrotate.d/maintd >$(DESTDIR)$(DOCDIR)/logrotate.maintd
	sed $(SUBST) conf/newsyslog.conf.d/maintd.conf \
	    >$(DESTDIR)$(DOCDIR)/newsyslog.maintd.conf
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR)/contrib
	for f in $(CONTRIB_TASKS); do \
		sed $(SUBST_DEFAULTS) $$f >$(DESTDIR)$(LIBEXECDIR)/$${f##*/} && \
		chmod 0755 $(DESTDIR)$(LIBEXECDIR)/$${f##*/}; \
	done
	for f in $(CONTRIB_DOCS); do \
		install -d $(DESTDIR)$(DOCDIR)/$${f%/*} && \
		sed $(SUBST_DEFAULTS) $$f >$(DESTDIR)$(DOCDIR)/$$f && \
		chmod 0644 $(DESTDIR)$(DOCDIR)/$$f || exit 1; \
	done
	chmod 0755 $(DESTDIR)$(DOCDIR)/contrib/tmux-monitor
	@echo "rc scripts and log rotation configs are in $(DOCDIR);" \
	    "see rc/README for where they go"

# Everything install wrote but the configuration (SYSCONFDIR/maintd).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/maintd $(DESTDIR)$(SBINDIR)/maintctl \
	    $(DESTDIR)$(SBINDIR)/maintctl-tty $(DESTDIR)$(SBINDIR)/maintd-http \
	    $(DESTDIR)$(MANDIR)/man8/maintd.8 $(DESTDIR)$(MANDIR)/man8/maintctl.8 \
	    $(DESTDIR)$(MANDIR)/man5/maintd.conf.5 \
	    $(DESTDIR)$(MANDIR)/man8/maintd-http.8
	rm -rf $(DESTDIR)$(DATADIR)/maintd
	rm -f $(DESTDIR)$(BASHCOMPDIR)/maintctl $(DESTDIR)$(ZSHCOMPDIR)/_maintctl
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -rf build build-asan build-fuzz run

.PHONY: all units deps run check test lint asan valgrind bench install \
	uninstall clean FORCE
