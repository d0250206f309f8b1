#!/bin/sh
# lines.sh LEN...: for each LEN, a line "-- LEN" then a line of LEN
# characters, the digits 0-9 over and over, so that a piece of it that is
# lost, repeated or moved shows when the pieces are put together again.
for n in "$@"; do
	echo "-- $n"
	awk -v n="$n" 'BEGIN {
		s = ""
		while (length(s) + 10 <= n)
			s = s "0123456789"
		print s substr("0123456789", 1, n - length(s))
	}'
done
