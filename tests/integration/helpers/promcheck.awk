# promcheck.awk: a strict check of the Prometheus text exposition format
# (version 0.0.4), for when promtool is not installed.
#   awk -f promcheck.awk FILE
# Prints "LINE: problem" for each problem and exits 1 if there was one.
# Checked: every line is "# HELP name text", "# TYPE name type" or a
# sample "name[{label="value",...}] value [timestamp]", nothing else (no
# blank line, other comment, tab or stray blank); metric and label names
# valid, no label name starting with "__", label values double-quoted
# with only \\, \" and \n escapes; values Go floats (or +Inf, -Inf, NaN);
# timestamps integers; each family has one HELP and one TYPE (a known
# type), both before its first sample; a family's samples are together
# (not split by another family); a counter's name ends in _total; no
# series twice.  (That the text ends with a newline is for the caller to
# check: awk cannot see it.)  POSIX awk (works in mawk).

function err(msg) {
	printf "%d: %s\n", NR, msg
	bad = 1
}

function valid_name(s) {
	return s ~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
}

function valid_value(s) {
	if (s == "+Inf" || s == "-Inf" || s == "NaN")
		return 1
	return s ~ /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/
}

# the family a sample belongs to: its own name, or for a histogram or
# summary the name without _bucket, _sum or _count
function family(name,    base) {
	if (name in type)
		return name
	base = name
	sub(/_(bucket|sum|count)$/, "", base)
	if (base in type && (type[base] == "histogram" ||
	    type[base] == "summary"))
		return base
	return name
}

# the metric a # HELP or # TYPE line names; "" when malformed
function meta_name(line, kind,    rest, n) {
	rest = substr(line, length("# " kind " ") + 1)
	n = index(rest, " ")
	if (n == 0)
		return rest
	return substr(rest, 1, n - 1)
}

function seen_family(f) {
	if (f != current) {
		if (f in closed)
			err("samples of " f " are split by another family")
		if (current != "")
			closed[current] = 1
		current = f
	}
}

# parse the labels at the start of s ("{...}" included); sets LABELS to a
# canonical form and returns the rest of s, or -1 on error
function labels(s,    name, c, val, i, n, seen, out) {
	LABELS = ""
	if (substr(s, 1, 1) != "{")
		return s
	s = substr(s, 2)
	if (substr(s, 1, 1) == "}")
		return substr(s, 2)
	for (;;) {
		if (!match(s, /^[a-zA-Z_][a-zA-Z0-9_]*/)) {
			err("bad label name at: " s)
			return -1
		}
		name = substr(s, 1, RLENGTH)
		if (substr(name, 1, 2) == "__")
			err("reserved label name " name)
		if (name in seen) {
			err("label " name " twice")
			return -1
		}
		seen[name] = 1
		s = substr(s, RLENGTH + 1)
		if (substr(s, 1, 2) != "=\"") {
			err("label " name ": expected =\" at: " s)
			return -1
		}
		s = substr(s, 3)
		val = ""
		n = length(s)
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (c == "\\") {
				c = substr(s, i + 1, 1)
				if (c != "\\" && c != "\"" && c != "n") {
					err("label " name ": bad escape \\" c)
					return -1
				}
				val = val "\\" c
				i++
				continue
			}
			if (c == "\"")
				break
			val = val c
		}
		if (i > n) {
			err("label " name ": unterminated value")
			return -1
		}
		out = out (out == "" ? "" : ",") name "=\"" val "\""
		s = substr(s, i + 1)
		c = substr(s, 1, 1)
		if (c == "}") {
			s = substr(s, 2)
			break
		}
		if (c != ",") {
			err("label " name ": expected , or } at: " s)
			return -1
		}
		s = substr(s, 2)
		if (substr(s, 1, 1) == "}") {
			err("trailing comma in labels")
			return -1
		}
	}
	LABELS = out
	return s
}

{
	line = $0
	if (line == "") {
		err("blank line")
		next
	}
	if (line ~ /\t/ || line ~ /\r/)
		err("tab or carriage return")
	if (line ~ / $/)
		err("trailing blank")
	if (substr(line, 1, 1) == "#") {
		if (substr(line, 1, 7) == "# HELP ") {
			name = meta_name(line, "HELP")
			if (!valid_name(name))
				err("HELP: bad metric name '" name "'")
			if (name in help)
				err("HELP for " name " twice")
			if (name in sampled)
				err("HELP for " name " after its samples")
			help[name] = 1
			text = substr(line, length("# HELP " name) + 2)
			if (text == "")
				err("HELP for " name " without text")
			# only \\ and \n escapes in HELP text
			t = text
			while ((i = index(t, "\\")) > 0) {
				c = substr(t, i + 1, 1)
				if (c != "\\" && c != "n")
					err("HELP for " name ": bad escape \\" c)
				t = substr(t, i + 2)
			}
			seen_family(name)
		} else if (substr(line, 1, 7) == "# TYPE ") {
			name = meta_name(line, "TYPE")
			if (!valid_name(name))
				err("TYPE: bad metric name '" name "'")
			if (name in type)
				err("TYPE for " name " twice")
			if (name in sampled)
				err("TYPE for " name " after its samples")
			t = substr(line, length("# TYPE " name) + 2)
			if (t !~ /^(counter|gauge|histogram|summary|untyped)$/)
				err("TYPE for " name ": unknown type '" t "'")
			if (t == "counter" && name !~ /_total$/)
				err("counter " name " does not end in _total")
			type[name] = t
			seen_family(name)
		} else
			err("a comment that is neither HELP nor TYPE")
		next
	}
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) {
		err("bad metric name at: " line)
		next
	}
	name = substr(line, 1, RLENGTH)
	rest = labels(substr(line, RLENGTH + 1))
	if (rest == -1)
		next
	if (substr(rest, 1, 1) != " ") {
		err(name ": expected one blank before the value")
		next
	}
	rest = substr(rest, 2)
	n = split(rest, w, " ")
	if (n < 1 || n > 2 || rest ~ /  / || substr(rest, 1, 1) == " ") {
		err(name ": expected a value and at most a timestamp: '" rest "'")
		next
	}
	if (!valid_value(w[1]))
		err(name ": bad value '" w[1] "'")
	if (n == 2 && w[2] !~ /^-?[0-9]+$/)
		err(name ": bad timestamp '" w[2] "'")
	f = family(name)
	if (!(f in type))
		err(name ": sample before (or without) its TYPE")
	if (!(f in help))
		err(name ": sample before (or without) its HELP")
	seen_family(f)
	sampled[f] = 1
	key = name "{" LABELS "}"
	if (key in series)
		err("series " key " twice")
	series[key] = 1
	nsamples++
}

END {
	if (NR == 0)
		err("empty")
	if (nsamples == 0)
		err("no sample")
	for (name in help)
		if (!(name in type)) {
			printf "%s: HELP without TYPE\n", name
			bad = 1
		}
	exit bad
}
