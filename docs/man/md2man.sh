#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The pktio authors
#
# md2man.sh GO-MD2MAN PAGE SECTION VERSION DESCRIPTION SOURCE.md OUTPUT
#
# A man page from a docs/ page, through go-md2man: the page's first heading becomes the
# title line and a NAME section ("PAGE - DESCRIPTION", what whatis and apropos read); the
# text before the first section goes under DESCRIPTION (first in the page's own Description
# section when it has one); section titles are capitalised; a link becomes its text, a link
# to another page of the manual its name and section (pktioctl(8)); images are left out.
set -eu

md2man=$1
page=$2
section=$3
version=$4
desc=$5
src=$6
out=$7

# docs/NAME.md -> the man page it becomes
pages="pktiod=8 pktioctl=8 pktio-dump=8 pktio-replay=8 pktio-bench=1 pktio-fwd=8 API=libpktio.3"

has_desc=0
grep -q '^## Description[[:space:]]*$' "$src" && has_desc=1

awk -v page="$page" -v section="$section" -v version="$version" -v desc="$desc" \
    -v has_desc="$has_desc" -v pages="$pages" '
BEGIN {
	n = split(pages, kv, " ")
	for (i = 1; i <= n; i++) {
		split(kv[i], p, "=")
		ref[p[1] ".md"] = p[2] ~ /\./ ? p[2] : p[1] "." p[2]
	}
	for (f in ref) {
		split(ref[f], p, ".")
		ref[f] = p[1] "(" p[2] ")"
	}
}

# "[text](target)" -> text, or NAME(N) for a page of this manual; images go.
function links(s,    out, m, text, target, base) {
	out = ""
	while (match(s, /!?\[[^]]*\]\([^)]*\)/)) {
		m = substr(s, RSTART, RLENGTH)
		text = m
		sub(/^!?\[/, "", text)
		sub(/\]\(.*$/, "", text)
		target = m
		sub(/^.*\]\(/, "", target)
		sub(/\)$/, "", target)
		base = target
		sub(/^.*\//, "", base)
		sub(/#.*$/, "", base)
		if (m ~ /^!/)
			text = ""
		else if (base in ref && (text == base || text == "`" base "`"))
			text = ref[base]
		out = out substr(s, 1, RSTART - 1) text
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

function flush_lead(    i) {
	for (i = 1; i <= nlead; i++)
		print lead[i]
	if (nlead > 0)
		print ""
	nlead = 0
}

/^```/ { fence = !fence }

!started && /^# / {
	printf "%s %s \"\" \"pktio %s\" \"pktio manual\"\n", page, section, version
	print "=========="
	print ""
	print "# NAME"
	printf "%s \\- %s\n\n", page, desc
	started = 1
	in_lead = 1
	next
}

!fence && /^## / {
	title = substr($0, 4)
	if (in_lead) {
		in_lead = 0
		while (nlead > 0 && lead[1] == "") {
			for (i = 1; i < nlead; i++)
				lead[i] = lead[i + 1]
			nlead--
		}
		if (!has_desc && nlead > 0) {
			print "# DESCRIPTION"
			print ""
			flush_lead()
		}
	}
	print "# " toupper(title)
	if (title ~ /^Description[ \t]*$/) {
		print ""
		flush_lead()
	}
	next
}

in_lead {
	lead[++nlead] = fence || /^```/ ? $0 : links($0)
	next
}

{ print fence || /^```/ ? $0 : links($0) }

END {
	if (in_lead && nlead > 0) {
		print "# DESCRIPTION"
		flush_lead()
	}
}
' "$src" >"$out.md"

"$md2man" -in "$out.md" -out "$out.tmp"
rm -f "$out.md"

# The NAME line as man(7) spells it ("page \- description"); tables fit the width: their
# last column expands (tbl "x") and its cells are text blocks (T{ T}) that wrap.
awk -v page="$page" '
function cell(line,    i, head, last) {
	i = match(line, /\t[^\t]*$/)
	if (i == 0)
		return line
	head = substr(line, 1, i)
	last = substr(line, i + 1)
	if (last ~ /^T\{/)
		return line
	return head "T{\n" last "\nT}"
}

!named && index($0, page " - ") == 1 {
	$0 = page " \\- " substr($0, length(page) + 4)
	named = 1
}
/^\.TS$/ { tbl = 1; fmt = 0; rows = 0; block = 0; print; next }
tbl && /^\.TE$/ { tbl = 0; print; next }
tbl && !rows && /;[ \t]*$/ { fmt = 1; print; next }
tbl && fmt {
	dot = $0 ~ /\.[ \t]*$/
	s = $0
	sub(/[ \t]*\.?[ \t]*$/, "", s)
	print s "x" (dot ? " ." : "")
	if (dot) {
		fmt = 0
		rows = 1
	}
	next
}
tbl && rows {
	line = $0
	if (block) {
		if (line !~ /^T\}/) {
			print line
			next
		}
		block = 0
		if (line !~ /\t/) {
			print line
			next
		}
	}
	if (line ~ /T\{$/) {
		block = 1
		print line
		next
	}
	print cell(line)
	next
}
{ print }
' "$out.tmp" >"$out"
rm -f "$out.tmp"
