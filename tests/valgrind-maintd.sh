#!/bin/sh
# valgrind-maintd.sh: stands in for maintd in the integration tests under
# "make valgrind": the same daemon, run by valgrind, one log per process.
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --suppressions="$(dirname "$0")/valgrind.supp" \
    --log-file="${VG_LOGDIR:?}/vg.%p.log" "${REAL_MAINTD:?}" "$@"
