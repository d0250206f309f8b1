#!/bin/sh
# layers.sh: daemon/ keeps the shape daemon/LAYERS gives it.  From nm of
# the object files: which file uses a function or variable that another
# file defines.  Fails, naming the file and the symbol, when a file uses
# one of a higher layer, when files of one layer use each other in a
# loop, or when a file of daemon/ has no layer or no line in HACKING.
# The same of the sources: a file (or a header, which is its .c's) that
# includes the header of a higher layer fails, even when it uses nothing
# of it, so that the source says no more than nm does.
# usage: sh tests/layers.sh [BUILD]
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
map=$top/daemon/LAYERS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# file -> layer rank, from "LAYER  file file ..." lines
awk '!/^#/ && NF > 1 { r++; for (i = 2; i <= NF; i++) print $i, r, $1 }' \
    "$map" >"$tmp/rank"

bad=0
for c in "$top"/daemon/*.c; do
	f=$(basename "$c" .c)
	if ! grep -q "^$f " "$tmp/rank"; then
		echo "layers: daemon/$f.c has no layer in daemon/LAYERS"
		bad=1
	fi
	if ! grep -q "^  $f\.c " "$top/HACKING"; then
		echo "layers: daemon/$f.c has no line in HACKING's map"
		bad=1
	fi
	o=$top/$build/daemon/$f.o
	if [ ! -f "$o" ]; then
		echo "layers: $o is missing (build first)"
		exit 2
	fi
	nm -P "$o" | awk -v f="$f" '
	    $2 == "U" { print "U", f, $1 }
	    $2 ~ /^[TDBRCV]$/ { print "D", f, $1 }' >>"$tmp/syms"
done

# edges: "user definer symbol", across files
awk '$1 == "D" { def[$3] = $2 }
    $1 == "U" { use[++n] = $2 " " $3 }
    END {
	for (i = 1; i <= n; i++) {
		split(use[i], u, " ")
		if ((u[2] in def) && def[u[2]] != u[1])
			print u[1], def[u[2]], u[2]
	}
    }' "$tmp/syms" | sort -u >"$tmp/edges"

# upward uses
awk 'NR == FNR { rank[$1] = $2; layer[$1] = $3; next }
    rank[$1] != "" && rank[$2] != "" && rank[$1] < rank[$2] {
	printf "layers: %s.c (%s) uses %s of %s.c (%s, a higher layer)\n",
	    $1, layer[$1], $3, $2, layer[$2]
	bad = 1
    }
    END { exit bad }' "$tmp/rank" "$tmp/edges" || bad=1

# loops inside a layer: a file that reaches itself
awk 'NR == FNR { rank[$1] = $2; next }
    rank[$1] == rank[$2] && rank[$1] != "" {
	if (!(($1, $2) in e)) { e[$1, $2] = $3; out[$1] = out[$1] " " $2 }
	node[$1]; node[$2]
    }
    END {
	for (s in node) {
		delete seen; delete from
		n = 0; q[++n] = s; h = 1
		while (h <= n) {
			x = q[h++]
			k = split(out[x], nb, " ")
			for (i = 1; i <= k; i++) {
				y = nb[i]
				if (y == s) {
					path = s ".c <- " x ".c"
					for (z = x; z != s; z = from[z])
						path = path " <- " from[z] ".c"
					printf "layers: a loop in one layer: %s (%s uses %s)\n",
					    path, x, e[x, s]
					bad = 1
					h = n + 1
					break
				}
				if (!(y in seen)) { seen[y]; from[y] = x; q[++n] = y }
			}
		}
	}
	exit bad
    }' "$tmp/rank" "$tmp/edges" || bad=1

# includes: "file included" for each #include "x.h" of daemon/x.c
for s in "$top"/daemon/*.c "$top"/daemon/*.h; do
	f=$(basename "$s")
	sed -n 's/^#[ 	]*include[ 	]*"\([a-z_0-9]*\)\.h".*/\1/p' "$s" |
	    while read -r h; do
		[ -f "$top/daemon/$h.c" ] && echo "${f%.[ch]} $h $f"
	done
done >"$tmp/includes"
awk 'NR == FNR { rank[$1] = $2; layer[$1] = $3; next }
    rank[$1] != "" && rank[$2] != "" && rank[$1] < rank[$2] {
	printf "layers: daemon/%s (%s) includes %s.h of %s.c (%s, a higher layer)\n",
	    $3, layer[$1], $2, $2, layer[$2]
	bad = 1
    }
    END { exit bad }' "$tmp/rank" "$tmp/includes" || bad=1

if [ "$bad" -eq 0 ]; then
	echo "layers: ok ($(wc -l <"$tmp/edges" | tr -d ' ') uses between files, none upward, no loop; $(wc -l <"$tmp/includes" | tr -d ' ') includes, none upward)"
fi
exit "$bad"
