#!/bin/sh
# t0801-package: the Debian package (debian/, INSTALL).  Built with
# dpkg-buildpackage -us -uc -b (nocheck: not the test suite) in a copy of
# the tree under the test's directory, so the tree stays as it is;
# lintian finds no error and no warning without an override on the .deb
# and the .changes.  Then, as root, on this machine: dpkg -i makes the
# group maintd-admin, the state and log directories (root's, 0750) and
# registers the init script and the unit; maintd starts by the init
# script (a policy-rc.d that forbids it is asked first: the package must
# follow its answer), maintctl answers on the default socket for a
# member of maintd-admin and for no one else, a task dropped into
# /etc/maintd/tasks.d runs as nobody, its log rotates with the installed
# logrotate file; stop, dpkg --purge, and nothing is left: no file of
# /etc/maintd, /var/lib/maintd, /var/log/maintd, /run/maintd, no init
# script, unit, rc link or enablement, no group it made, no process, no
# cgroup.  While it runs it owns those system paths: no other test uses
# them (each names its own socket, pidfile, database and log_dir; t0011
# keeps its sockets off /run).  Skipped where maintd is installed as a
# package, or those paths are in use.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 41

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GROUP=maintd-admin
DROPIN=/etc/maintd/tasks.d/t0801.conf

why=""
for c in dpkg-buildpackage dh lintian dpkg-parsechangelog; do
	command -v "$c" >/dev/null 2>&1 || why="${why:-no $c}"
done
sanitized && why="a sanitizer or valgrind run: the package is built with Debian's flags"
[ -n "$why" ] && skip_rest "$why"

VERSION=$(cd "$ROOT" && dpkg-parsechangelog -S Version)
ARCH=$(dpkg --print-architecture)
OUT=$T/src
SRC=$OUT/maintd-$VERSION
DEB=$OUT/maintd_${VERSION}_$ARCH.deb
CHANGES=$OUT/maintd_${VERSION}_$ARCH.changes

# copy_tree: the tree's files as git knows them (committed or not; not
# what .gitignore leaves out, such as build/), else all but the builds.
copy_tree() {
	mkdir -p "$SRC" || return 1
	if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$ROOT" ls-files --cached --others --exclude-standard |
		    while IFS= read -r f; do
			[ -e "$ROOT/$f" ] && printf '%s\n' "$f"
		done >"$T/files" || return 1
		tar -C "$ROOT" -cf - -T "$T/files" | tar -C "$SRC" -xf -
	else
		cp -a "$ROOT/." "$SRC" && rm -rf "$SRC"/build* "$SRC/run"
	fi
}

# build: dpkg-buildpackage, without what an outer make passes down.
build() {
	(cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym" \
	    dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
		{ tail -30 "$T/build.log"; return 1; }
}

# overrides_explained: each lintian override follows a comment (its reason).
overrides_explained() {
	for f in "$ROOT"/debian/*lintian-overrides; do
		[ -e "$f" ] || continue
		# shellcheck disable=SC2016 # awk's fields
		awk -v f="$f" '/^#/ { why = 1; next } /^[[:space:]]*$/ { next }
		    !why { print f ": no reason for: " $0; bad = 1 }
		    { why = 0 } END { exit bad }' "$f" || return 1
	done
}

# in_deb PATH...: the package holds each PATH (dpkg-deb -c), says which not.
in_deb() {
	dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' >"$T/contents"
	for p in "$@"; do
		grep -qx -- "$p" "$T/contents" || echo "not in the package: $p"
	done | grep . && return 1
	return 0
}

before=$(git -C "$ROOT" status --porcelain 2>/dev/null)
check "a copy of the tree" copy_tree
check "dpkg-buildpackage -us -uc -b" build
check "it made maintd_${VERSION}_$ARCH.deb and its .changes" \
    test -s "$DEB" -a -s "$CHANGES"
is "the tree is as it was (the package was built in the copy)" \
    "$(git -C "$ROOT" status --porcelain 2>/dev/null)" "$before"
check_fails "the package build did not run the test suite" \
    grep -Eq '(^|[ /])prove |run-unit\.sh|build/test_' "$T/build.log"
check "lintian: no error, no warning that is not overridden (.deb, .changes)" \
    lintian --fail-on error,warning "$CHANGES" "$DEB"
check "each lintian override says why" overrides_explained
check "the package: programs, manual pages, configuration, rc, completion" \
    in_deb /usr/sbin/maintd /usr/sbin/maintctl /usr/sbin/maintctl-tty \
    /usr/share/man/man8/maintd.8.gz /usr/share/man/man8/maintctl.8.gz \
    /usr/share/man/man5/maintd.conf.5.gz /etc/maintd/maintd.conf \
    /etc/maintd/tasks.d /etc/init.d/maintd \
    /lib/systemd/system/maintd.service /etc/logrotate.d/maintd \
    /usr/share/bash-completion/completions/maintctl \
    /usr/share/zsh/vendor-completions/_maintctl
dpkg-deb -e "$DEB" "$T/control"
check "maintd.conf, the init script and the logrotate file are conffiles" \
    sh -c "grep -qx /etc/maintd/maintd.conf '$T/control/conffiles' &&
    grep -qx /etc/init.d/maintd '$T/control/conffiles' &&
    grep -qx /etc/logrotate.d/maintd '$T/control/conffiles'"
check "maintctl is linked dynamically, as Debian links its programs" \
    sh -c "dpkg-deb -x '$DEB' '$T/x' && readelf -d '$T/x/usr/sbin/maintctl' | grep -q NEEDED"

# --- on this machine -------------------------------------------------------

is_root || skip_rest "not root: dpkg -i"
dpkg-query -W -f='${db:Status-Abbrev}' maintd 2>/dev/null | grep -q '^.i' &&
	skip_rest "maintd is installed as a package here"
for p in /etc/maintd /var/lib/maintd /var/log/maintd /run/maintd \
    /run/maintd.pid /etc/init.d/maintd; do
	[ -e "$p" ] && skip_rest "$p exists: the system's paths are in use"
done
command -v logrotate >/dev/null 2>&1 || skip_rest "no logrotate"

# What the package must leave as it found: the group, if it was there.
getent group "$GROUP" >/dev/null && had_group=1 || had_group=0

# policy-rc.d (invoke-rc.d(8)): 101 forbids starting services (as in
# most containers), 0 or 104 allows it; the package asks through
# invoke-rc.d, so dpkg -i starts maintd only when allowed.
policy=allowed
if [ -x /usr/sbin/policy-rc.d ]; then
	/usr/sbin/policy-rc.d maintd start >/dev/null 2>&1
	case $? in
	0 | 104) ;;
	101) policy=forbidden ;;
	*) skip_rest "policy-rc.d answers neither yes nor no for maintd start" ;;
	esac
fi
diag "policy-rc.d: starting maintd is $policy"

# dpkg_do ARG...: dpkg, waiting (120 s) while another dpkg holds its lock.
dpkg_try() {
	dpkg "$@" >"$T/dpkg.out" 2>&1 && return 0
	grep -q 'lock' "$T/dpkg.out" && return 1
	touch "$T/dpkg.failed"
}
dpkg_do() {
	rm -f "$T/dpkg.failed"
	if wait_for 120 dpkg_try "$@" && [ ! -e "$T/dpkg.failed" ]; then
		return 0
	fi
	cat "$T/dpkg.out"
	return 1
}

# Whatever happens, the machine is left as it was: stopped, purged.
installed=0
pkg_cleanup() {
	[ "$installed" = 1 ] || return 0
	/etc/init.d/maintd stop >/dev/null 2>&1
	rm -f "$DROPIN"
	dpkg --purge maintd >/dev/null 2>&1
}
trap 'pkg_cleanup; cleanup' EXIT

mctl() {
	env -u MAINTD_SOCKET /usr/sbin/maintctl "$@"
}
# as_member / as_other: nobody, in maintd-admin or in no group
as_member() {
	setpriv --reuid=nobody --regid=nogroup \
	    --groups="$(getent group "$GROUP" | cut -d: -f3)" "$@"
}
as_other() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}
owner_mode() {
	stat -c '%U:%G %a' "$1"
}
daemon_up() {
	[ -s /run/maintd.pid ] && alive "$(cat /run/maintd.pid)" && mctl ping
}

installed=1
check "dpkg -i" dpkg_do -i "$DEB"
gid=$(getent group "$GROUP" | cut -d: -f3)
if [ "$had_group" = 1 ]; then
	skip "the group $GROUP was there before"
else
	check "it made the system group $GROUP" \
	    test -n "$gid" -a "${gid:-1000}" -lt 1000
fi
is "/var/lib/maintd: root's, 0750" "$(owner_mode /var/lib/maintd)" "root:root 750"
is "/var/log/maintd: root's, 0750" "$(owner_mode /var/log/maintd)" "root:root 750"
check "the packaged configuration loads" /usr/sbin/maintd -n
check "the init script is registered (update-rc.d)" \
    sh -c 'ls /etc/rc2.d/S[0-9][0-9]maintd'
check "the unit is enabled for systemd (deb-systemd-helper)" \
    test -L /etc/systemd/system/multi-user.target.wants/maintd.service

if [ "$policy" = forbidden ]; then
	check_fails "policy-rc.d forbids it: dpkg -i did not start maintd" daemon_up
	check "/etc/init.d/maintd start" /etc/init.d/maintd start
else
	check "dpkg -i started maintd (invoke-rc.d)" wait_for 10 daemon_up
	check "/etc/init.d/maintd restart" /etc/init.d/maintd restart
fi
[ -s /run/maintd.pid ] && DAEMON_PID=$(cat /run/maintd.pid)	# the harness stops it
check "it runs the packaged maintd" \
    sh -c "readlink /proc/${DAEMON_PID:-0}/exe | grep -qx /usr/sbin/maintd"
check "/etc/init.d/maintd status" /etc/init.d/maintd status
check "maintctl status as root, on the default socket" mctl status
is "the socket: root and $GROUP may connect" \
    "$(owner_mode /run/maintd/maintd.sock)" "root:$GROUP 660"
check "a member of $GROUP may use maintctl" as_member /usr/sbin/maintctl -s \
    /run/maintd/maintd.sock status
as_other /usr/sbin/maintctl -s /run/maintd/maintd.sock status >/dev/null 2>&1
is "anyone else is denied (exit 77)" "$?" 77

# the daemon's cgroup, if it has one: it must be gone after the stop
cgroup_probe
cg=""
if [ -n "$MNT" ] && [ -n "${DAEMON_PID:-}" ]; then
	cg=$MNT$(sed -n 's/^0:://p' "/proc/$DAEMON_PID/cgroup")/maintd
	[ -d "$cg" ] || cg=""
fi

# A task, as an operator drops one in: root's, writable by no one else.
cat >"$DROPIN" <<'EOF'
task t0801-hello {
	description = "say who runs it"
	command     = { "/bin/sh", "-c", "echo hello from $MAINTD_TASK as $(id -un)" }
	timeout     = 30s
}
EOF
chmod 0644 "$DROPIN"
check "the drop-in is taken (discover)" wait_for 20 mctl status t0801-hello
like "maintctl run --wait as a member of $GROUP: it ran, as nobody" \
    "$(as_member /usr/sbin/maintctl -s /run/maintd/maintd.sock run \
    t0801-hello --wait 2>&1)" "hello from t0801-hello as nobody"
like "history has the run" "$(mctl history t0801-hello 2>&1)" "t0801-hello"
LOG=/var/log/maintd/t0801-hello.log
check "its log is in /var/log/maintd" grep -q "hello from t0801-hello" "$LOG"
# the owner maintd gives a log, the owner logrotate gives the next one
created=$(awk '$1 == "create" { print $3 ":" $4 " " $2 }' /etc/logrotate.d/maintd)
is "logrotate's create names the log's owner and mode" \
    "$created" "$(stat -c '%U:%G 0%a' "$LOG")"
check "logrotate -f with the installed file" \
    logrotate -f -s "$T/lr.state" /etc/logrotate.d/maintd
check "it rotated the task log" test -s "$LOG.1"
check "a run after the rotation writes the new log (USR1)" \
    sh -c "env -u MAINTD_SOCKET /usr/sbin/maintctl run t0801-hello --wait &&
    grep -q 'hello from' '$LOG'"

check "/etc/init.d/maintd stop" /etc/init.d/maintd stop
check "the daemon is gone, and its pidfile" \
    sh -c "! kill -0 ${DAEMON_PID:-0} 2>/dev/null && ! test -e /run/maintd.pid"
DAEMON_PID=""
if [ -n "$cg" ]; then
	check_fails "its cgroup is gone" test -d "$cg"
else
	skip "no cgroup for its runs here"
fi

# The operator's drop-in is the operator's to remove; then purge.
rm -f "$DROPIN"
check "dpkg --purge maintd" dpkg_do --purge maintd
installed=0
left=""
for p in /etc/maintd /var/lib/maintd /var/log/maintd /run/maintd \
    /run/maintd.pid /etc/init.d/maintd /lib/systemd/system/maintd.service \
    /etc/logrotate.d/maintd /usr/sbin/maintd /usr/share/doc/maintd \
    /etc/systemd/system/multi-user.target.wants/maintd.service \
    /etc/rc[0-6S].d/[SK][0-9][0-9]maintd \
    /var/lib/systemd/deb-systemd-helper-enabled/maintd.service.dsh-also \
    /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/maintd.service; do
	[ -e "$p" ] || [ -L "$p" ] && left="$left $p"
done
is "purge left nothing behind" "$left" ""
check_fails "dpkg knows maintd no more" \
    sh -c "dpkg-query -W -f='\${db:Status-Abbrev}' maintd 2>/dev/null | grep -q '^[a-z][ic]'"
if [ "$had_group" = 1 ]; then
	check "the group $GROUP, which was there before, is still there" \
	    getent group "$GROUP"
else
	check_fails "the group $GROUP it made is gone" getent group "$GROUP"
fi
# shellcheck disable=SC2016 # the exe of each process, read by the inner sh
check_fails "no process runs /usr/sbin/maintd" sh -c \
    'for p in /proc/[0-9]*; do readlink "$p/exe"; done 2>/dev/null |
    grep -q "^/usr/sbin/maintd"'

done_testing
