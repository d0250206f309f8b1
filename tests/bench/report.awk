# report.awk: the rows of run.sh (tab-separated: id subject figure unit
# median p95 n floor spec text) as one table (mode=table) or as JSON
# (mode=json).  Rows are grouped by figure in the order the figures were
# first measured (the floors first); in each group maintd comes first,
# then the peers.  A floor may be given as floor row ids joined by "+".
# A target spec is a comma-separated list of
#   le:V  ge:V	the median is at most / at least V
#   rle:R rge:R	median / floor is at most / at least R
# "best" marks the subject with the best median among maintd and peers.

function rank(s) {
	if (s == "floor") return 0
	if (s == "maintd") return 1
	if (s == "supervisord") return 2
	if (s == "runit") return 3
	if (s == "s6") return 4
	return 5
}

function higher_better(u) {
	return u == "req/s" || u == "MB/s"
}

function fmt(v, u,   a) {
	if (v == "") return "-"
	a = v < 0 ? -v : v
	if (u == "req/s") return sprintf("%.0f", v)
	if (a == 0) return "0"
	if (a >= 1000) return sprintf("%.0f", v)
	if (a >= 100) return sprintf("%.1f", v)
	if (a >= 10) return sprintf("%.2f", v)
	if (a >= 1) return sprintf("%.3f", v)
	return sprintf("%.3g", v)
}

function verdict(i,   n, k, parts, op, val, x, ok) {
	if (spec[i] == "") return ""
	n = split(spec[i], parts, ",")
	ok = 1
	for (k = 1; k <= n; k++) {
		op = parts[k]
		sub(/:.*/, "", op)
		val = parts[k]
		sub(/^[^:]*:/, "", val)
		val += 0
		if (op == "le" && !(med[i] <= val)) ok = 0
		if (op == "ge" && !(med[i] >= val)) ok = 0
		if (op == "rle" || op == "rge") {
			if (ratio[i] == "") continue
			x = ratio[i] + 0
			if (op == "rle" && !(x <= val)) ok = 0
			if (op == "rge" && !(x >= val)) ok = 0
		}
	}
	return ok ? "ok" : "MISS"
}

function jstr(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}

function jnum(v) {
	return v == "" ? "null" : v + 0
}

{
	n++
	id[n] = $1; subj[n] = $2; fig[n] = $3; unit[n] = $4
	med[n] = $5 + 0; p95[n] = $6 + 0; cnt[n] = $7
	floor_[n] = $8; spec[n] = $9; text[n] = $10
	if (!($1 in group)) {
		group[$1] = ++ngroups
		gname[ngroups] = $1
		gfig[$1] = $3
	}
}

# A floor is a number, or floor row ids joined by "+" (their medians add).
function resolve(f,   parts, k, m, sum) {
	if (f == "" || f ~ /^[0-9.eE+-]+$/) return f
	m = split(f, parts, "+")
	sum = 0
	for (k = 1; k <= m; k++) {
		if (!(parts[k] in fmed)) return ""
		sum += fmed[parts[k]]
	}
	return sprintf("%.6g", sum)
}

END {
	for (i = 1; i <= n; i++)
		if (subj[i] == "floor")
			fmed[id[i]] = med[i]
	for (i = 1; i <= n; i++) {
		floor_[i] = resolve(floor_[i])
		ratio[i] = ""
		if (floor_[i] != "" && floor_[i] + 0 != 0)
			ratio[i] = sprintf("%.3g", med[i] / floor_[i])
	}
	# order: group, then subject rank, then input order
	for (i = 1; i <= n; i++) {
		# the floors first, in the order they were measured
		gk = subj[i] == "floor" ? i : group[id[i]]
		key[i] = sprintf("%d %04d %d %05d", subj[i] != "floor", gk,
		    rank(subj[i]), i)
		ord[i] = i
	}
	for (i = 2; i <= n; i++) {
		t = ord[i]
		for (j = i - 1; j >= 1 && key[ord[j]] > key[t]; j--)
			ord[j + 1] = ord[j]
		ord[j + 1] = t
	}
	# the best subject of each figure measured by more than one
	for (i = 1; i <= n; i++) {
		if (subj[i] == "floor") continue
		g = id[i]
		nsub[g]++
		if (higher_better(unit[i]))
			better = !(g in bestv) || med[i] > bestv[g]
		else
			better = !(g in bestv) || med[i] < bestv[g]
		if (better) {
			bestv[g] = med[i]
			besti[g] = i
		}
	}
	nmiss = 0
	for (i = 1; i <= n; i++) {
		v[i] = verdict(i)
		if (v[i] == "MISS")
			miss[++nmiss] = i
	}
	if (mode == "json") {
		printf "{\n  \"date\": %s,\n  \"cpus\": %d,\n  \"kernel\": %s,\n",
		    jstr(date), cpus, jstr(kernel)
		printf "  \"revision\": %s,\n  \"peers\": %s,\n  \"quick\": %s,\n",
		    jstr(rev), peers == 1 ? "true" : "false",
		    quick == 1 ? "true" : "false"
		printf "  \"rows\": [\n"
		for (k = 1; k <= n; k++) {
			i = ord[k]
			isbest = nsub[id[i]] > 1 && besti[id[i]] == i
			met = v[i] == "" ? "null" : (v[i] == "ok" ? "true" : "false")
			printf "    {\"id\": %s, \"subject\": %s, \"figure\": %s, " \
			    "\"unit\": %s, \"median\": %s, \"p95\": %s, " \
			    "\"n\": %d, \"floor\": %s, \"ratio_to_floor\": %s, " \
			    "\"target\": %s, \"met\": %s, \"best\": %s}%s\n",
			    jstr(id[i]), jstr(subj[i]), jstr(gfig[id[i]]),
			    jstr(unit[i]), jnum(med[i]), jnum(p95[i]), cnt[i],
			    jnum(floor_[i]), jnum(ratio[i]),
			    text[i] == "" ? "null" : jstr(text[i]),
			    met, isbest ? "true" : "false", (k < n) ? "," : ""
		}
		printf "  ],\n  \"missed\": ["
		for (k = 1; k <= nmiss; k++)
			printf "%s%s", (k > 1) ? ", " : "", jstr(id[miss[k]])
		printf "]\n}\n"
		exit
	}
	printf "%-50s %-11s %9s %9s %-6s %4s %9s %7s  %-22s %s\n", "FIGURE",
	    "SUBJECT", "MEDIAN", "P95", "UNIT", "N", "FLOOR", "xFLOOR",
	    "TARGET", ""
	last = ""
	for (k = 1; k <= n; k++) {
		i = ord[k]
		f = id[i] == last ? "" : gfig[id[i]]
		if (id[i] != last && k > 1 && (nsub[id[i]] > 1 ||
		    nsub[last] > 1))
			print ""
		last = id[i]
		mark = (nsub[id[i]] > 1 && besti[id[i]] == i) ? "*" : " "
		printf "%-50s %-11s %9s %9s %-6s %4d %9s %7s  %-22s %s\n",
		    substr(f, 1, 50), subj[i] mark, fmt(med[i], unit[i]),
		    fmt(p95[i], unit[i]), unit[i], cnt[i],
		    fmt(floor_[i], unit[i]), ratio[i] == "" ? "-" : ratio[i],
		    text[i] == "" ? "-" : text[i], v[i]
	}
	printf "\n"
	if (nmiss == 0)
		printf "every target met\n"
	else {
		printf "targets missed (%d):", nmiss
		for (k = 1; k <= nmiss; k++)
			printf " %s", id[miss[k]]
		printf "\n"
	}
	nb = 0
	for (k = 1; k <= ngroups; k++) {
		g = gname[k]
		if (nsub[g] > 1 && subj[besti[g]] != "maintd")
			notfirst[++nb] = g
	}
	if (nb > 0) {
		printf "maintd not first on:"
		for (k = 1; k <= nb; k++)
			printf " %s (%s)", notfirst[k], subj[besti[notfirst[k]]]
		printf "\n"
	}
	printf "* best of the subjects measured on that row\n"
}
