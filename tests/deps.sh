#!/bin/sh
# deps.sh: install the build and test dependencies that are missing.
# Debian/Ubuntu as root: apt-get; otherwise print the command to run.
# Usage: deps.sh DEBIAN-PACKAGE...
set -u

if [ -r /etc/debian_version ] && command -v dpkg-query >/dev/null 2>&1; then
	missing=""
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q "ok installed"; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && exit 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages:$missing" >&2
		echo "deps: run: sudo apt-get install -y$missing" >&2
		exit 1
	fi
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get update -qq; then
		echo "deps: apt-get update failed" >&2
		exit 1
	fi
	# shellcheck disable=SC2086 # one word per package
	if ! apt-get install -y -qq $missing >/dev/null; then
		echo "deps: apt-get install failed" >&2
		exit 1
	fi
	exit 0
fi

case "$(uname -s)" in
FreeBSD)
	echo "deps: on FreeBSD: pkg install libconfuse sqlite3 curl json-c" \
	    "cmocka pkgconf mandoc hs-ShellCheck socat jq" ;;
OpenBSD)
	echo "deps: on OpenBSD: pkg_add libconfuse sqlite3 curl json-c" \
	    "cmocka shellcheck socat jq" ;;
*)
	echo "deps: install libconfuse, libbsd, sqlite3, libcurl, json-c," \
	    "cmocka, mandoc, shellcheck, socat and jq with your package manager" ;;
esac
for m in libconfuse sqlite3 libcurl json-c cmocka; do
	pkg-config --exists "$m" 2>/dev/null ||
	    { echo "deps: $m not found by pkg-config" >&2; exit 1; }
done
exit 0
