#!/bin/sh
# run-unit.sh: run the cmocka unit test programs, stop at the first failure.
# Usage: run-unit.sh BUILD-DIR TEST...
set -eu
build=$1
shift
for t in "$@"; do
	"$build/$t"
done
