#!/usr/bin/env python3
"""Build the benchmark corpora for `make bench` (Python 3 standard library only).

    python3 bench/make_corpus.py [OUTDIR] [--data DIR] [--seed DIR] [--n N] [--n300 N]

Writes OUTDIR/comments.jsonl (default OUTDIR build/bench, N 100000): one
`raqib check` input line per comment,
    {"id": "...", "name": "...", "text": "...", "honeypot": ""}
and OUTDIR/comments_article.jsonl: the same comments in the same order, each
also carrying "article": {"title": ..., "body": ...}.

Sources (read-only, /work/shared/data, see its README.md for licences; the
corpora are build artefacts and must stay out of the repository):
  aoc-news-comments  reader comments with their real author names and their
                     own article
  aoc-dialect        comment sentences (MSA and dialect); article of the
                     comment they come from when it is in the AOC sample
  vanetik-offensive  Aljazeera comments and Ar-PuFi, offensive or not
  osact2020          tweets; @USER kept, the <LF> line-break marker becomes a
                     real newline
  udhr-foreign       a deterministic ~1/6 of the rows (foreign scripts)
  narabizi           a deterministic ~1/3 of the rows (Latin-script Arabizi)
  seed page          the one published comment of /work/shared/seed/000_*.txt
Comments without an author get one from names/aoc-comment-authors.tsv and
comments without an own article get one from aoc-news-comments or
saudinewsnet, both chosen by md5 of the text. The pool is repeated until N
lines, each pass in a different md5-keyed order: the output is byte-identical
on every run and every Python 3 version (no `random`).

OUTDIR/comments_300.jsonl (--n300 lines, default 50000) holds realistic
~300-character comments, 250 to 350 code points each, all from news sites
(build_pool300(); bench/README.md has the construction), without article.

The TSVs write paragraph breaks as the two characters backslash-n; they become
real newlines, which json.dumps escapes as \\n again.
"""
import glob
import hashlib
import json
import os
import sys


def md5(s):
	return hashlib.md5(s.encode("utf-8")).hexdigest()


def read_tsv(path):
	with open(path, encoding="utf-8") as f:
		header = f.readline().rstrip("\n").split("\t")
		for line in f:
			cols = line.rstrip("\n").split("\t")
			cols += [""] * (len(header) - len(cols))
			yield dict(zip(header, cols))


def unbreak(s):
	return s.replace("\\n", "\n")


def load_articles(data):
	aoc = {}
	for r in read_tsv(os.path.join(data, "aoc-news-comments/articles.tsv")):
		aoc[r["article_id"]] = (r["title"], unbreak(r["body"]))
	snn = []
	for r in read_tsv(os.path.join(data, "saudinewsnet/articles.tsv")):
		snn.append((r["title"], unbreak(r["body"])))
	return aoc, snn


def seed_comment(seed_dir):
	"""The seed page: article body before the comment terms, the title from
	the comments heading, the comment up to its signature line."""
	paths = sorted(glob.glob(os.path.join(seed_dir, "000_*.txt")))
	if not paths:
		return None
	with open(paths[0], encoding="utf-8") as f:
		lines = f.read().split("\n")
	body, title, text, name = [], "", [], ""
	state = "body"
	for ln in lines:
		if state == "body":
			if ln.startswith("إرسال التعليق"):
				state = "terms"
			elif ln.strip():
				body.append(ln.strip())
		elif state == "terms":
			if ln.startswith("تعليقات القراء على مقال"):
				title = ln.split(":", 1)[1].strip()
				state = "comment"
		elif state == "comment":
			if ln.startswith("عبدالحميد"):
				name = "عبدالحميد"
				break
			if ln.strip():
				text.append(ln.strip())
	if not text:
		return None
	return (name, "\n".join(text), (title, "\n".join(body)))


def build_pool(data, seed_dir):
	aoc_art, snn = load_articles(data)
	aoc_keys = sorted(aoc_art)
	authors = [r["author"] for r in
		   read_tsv(os.path.join(data, "names/aoc-comment-authors.tsv"))
		   if r["author"]]

	def pick_name(text):
		return authors[int(md5("name:" + text), 16) % len(authors)]

	def pick_article(text):
		h = int(md5("article:" + text), 16)
		# about half AOC pages, half SaudiNewsNet pages
		if h & 1:
			return aoc_art[aoc_keys[(h >> 1) % len(aoc_keys)]]
		return snn[(h >> 1) % len(snn)]

	pool = []  # (source, name, text, (title, body))
	for r in read_tsv(os.path.join(data, "aoc-news-comments/comments.tsv")):
		t = unbreak(r["text"])
		if not t.strip():
			continue
		name = r["author"] or pick_name(t)
		art = aoc_art.get(r["article_id"]) or pick_article(t)
		pool.append(("aoc-news-comments", name, t, art))
	for r in read_tsv(os.path.join(data, "aoc-dialect/aoc-dialect.tsv")):
		t = unbreak(r["text"])
		site, _, rest = r["seg_id"].partition("_c/")
		art = aoc_art.get(site + "_" + rest.split("_")[0]) or pick_article(t)
		pool.append(("aoc-dialect", pick_name(t), t, art))
	for r in read_tsv(os.path.join(data, "vanetik-offensive/vanetik-offensive.tsv")):
		t = unbreak(r["text"])
		pool.append(("vanetik-offensive", pick_name(t), t, pick_article(t)))
	for r in read_tsv(os.path.join(data, "osact2020/osact2020.tsv")):
		t = unbreak(r["text"]).replace("<LF>", "\n")
		pool.append(("osact2020", pick_name(t), t, pick_article(t)))
	for r in read_tsv(os.path.join(data, "udhr-foreign/udhr-foreign.tsv")):
		t = unbreak(r["text"])
		if int(md5("udhr:" + t), 16) % 6 == 0:
			pool.append(("udhr-foreign", pick_name(t), t, pick_article(t)))
	for r in read_tsv(os.path.join(data, "narabizi/narabizi.tsv")):
		t = unbreak(r["text"])
		if int(md5("narabizi:" + t), 16) % 3 == 0:
			pool.append(("narabizi", pick_name(t), t, pick_article(t)))
	seed = seed_comment(seed_dir)
	if seed:
		pool.append(("seed",) + seed)
	return [p for p in pool if p[2].strip()]


LEN300 = (250, 350)


def build_pool300(data):
	"""Realistic ~300-character news comments, 250..350 code points each:
	  aoc-single   an AOC reader comment of that length, as written
	  aoc-joined   consecutive AOC comments on the same article (comment_id
	               order), joined with a newline until the length is reached
	               (a run that overshoots 350 restarts at the comment that
	               overshot)
	  aoc-cut      an AOC comment over 350 code points cut at the last
	               whitespace at or before 350 (kept if >= 250)
	  aljazeera    consecutive vanetik-offensive Aljazeera.net comments
	               (text_id order), joined the same way; about half the
	               Aljazeera comments are offensive, so the insult rule and
	               its explanations do real work
	Authors: the real AOC author of the first comment, else one from
	names/aoc-comment-authors.tsv (md5 of the text)."""
	lo, hi = LEN300
	authors = [r["author"] for r in
		   read_tsv(os.path.join(data, "names/aoc-comment-authors.tsv"))
		   if r["author"]]

	def pick_name(text):
		return authors[int(md5("name:" + text), 16) % len(authors)]

	pool = []

	def join_runs(src, runs):
		for group in runs:
			buf = []
			for name, t in group:
				cand = buf + [(name, t)]
				ln = len("\n".join(x[1] for x in cand))
				if ln > hi:
					buf = [(name, t)] if len(t) < lo else []
					continue
				buf = cand
				if ln >= lo:
					text = "\n".join(x[1] for x in buf)
					pool.append((src, buf[0][0] or pick_name(text), text))
					buf = []

	arts = {}
	for r in read_tsv(os.path.join(data, "aoc-news-comments/comments.tsv")):
		t = unbreak(r["text"]).strip()
		if t:
			arts.setdefault(r["article_id"], []).append((r["comment_id"], r["author"], t))
	runs = []
	for aid in sorted(arts):
		run = []
		for _, author, t in sorted(arts[aid]):
			if lo <= len(t) <= hi:
				pool.append(("aoc-single", author or pick_name(t), t))
			elif len(t) > hi:
				cut = t[:hi + 1]
				k = max(cut.rfind(" "), cut.rfind("\n"))
				if k >= lo:
					c = t[:k].rstrip()
					if len(c) >= lo:
						pool.append(("aoc-cut", author or pick_name(c), c))
			else:
				run.append((author, t))
				continue
			# a comment that is not joined ends the run of short ones
			runs.append(run)
			run = []
		runs.append(run)
	join_runs("aoc-joined", runs)
	alj = []
	for r in read_tsv(os.path.join(data, "vanetik-offensive/vanetik-offensive.tsv")):
		if r["subset"] == "aljazeera-comments":
			t = unbreak(r["text"]).strip()
			if t and len(t) < lo:
				alj.append((int(r["text_id"]), t))
	alj.sort()
	join_runs("aljazeera", [[("", t) for _, t in alj]])
	return pool


def write_300(out, data, n):
	pool = build_pool300(data)
	path = os.path.join(out, "comments_300.jsonl")
	counts = {}
	nbytes = ncp = written = rnd = 0
	with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
		while written < n:
			order = sorted(range(len(pool)),
				       key=lambda i: md5("300:%d:%d" % (rnd, i)))
			for i in order:
				if written >= n:
					break
				src, name, text = pool[i]
				rec = {"id": "l%06d" % (written + 1), "name": name,
				       "text": text, "honeypot": ""}
				line = json.dumps(rec, ensure_ascii=False) + "\n"
				f.write(line)
				nbytes += len(line.encode("utf-8"))
				ncp += len(text)
				counts[src] = counts.get(src, 0) + 1
				written += 1
			rnd += 1
	os.replace(path + ".tmp", path)
	print("corpus 300: %d lines from a pool of %d distinct ~300-character news comments"
	      % (n, len(pool)))
	for src in sorted(counts, key=lambda s: -counts[s]):
		print("  %-18s %6d" % (src, counts[src]))
	print("%s: %.1f MB, %.0f bytes/line" % (path, nbytes / 1e6, nbytes / n))
	print("text 300: %.1f code points/comment" % (ncp / n))


def main(argv):
	out = "build/bench"
	data = os.environ.get("RAQIB_DATA", "/work/shared/data")
	seed_dir = "/work/shared/seed"
	n = 100000
	n300 = 50000
	args = list(argv[1:])
	while args:
		a = args.pop(0)
		if a == "--data":
			data = args.pop(0)
		elif a == "--seed":
			seed_dir = args.pop(0)
		elif a == "--n":
			n = int(args.pop(0))
		elif a == "--n300":
			n300 = int(args.pop(0))
		elif a.startswith("-"):
			sys.exit(__doc__)
		else:
			out = a
	pool = build_pool(data, seed_dir)
	os.makedirs(out, exist_ok=True)
	p_plain = os.path.join(out, "comments.jsonl")
	p_art = os.path.join(out, "comments_article.jsonl")
	counts = {}
	nbytes = [0, 0]
	ncp = 0
	with open(p_plain + ".tmp", "w", encoding="utf-8", newline="\n") as fp, \
	     open(p_art + ".tmp", "w", encoding="utf-8", newline="\n") as fa:
		written = 0
		rnd = 0
		while written < n:
			order = sorted(range(len(pool)),
				       key=lambda i: md5("%d:%d" % (rnd, i)))
			for i in order:
				if written >= n:
					break
				src, name, text, (title, body) = pool[i]
				rec = {"id": "c%06d" % (written + 1), "name": name,
				       "text": text, "honeypot": ""}
				line = json.dumps(rec, ensure_ascii=False) + "\n"
				rec["article"] = {"title": title, "body": body}
				aline = json.dumps(rec, ensure_ascii=False) + "\n"
				fp.write(line)
				fa.write(aline)
				nbytes[0] += len(line.encode("utf-8"))
				nbytes[1] += len(aline.encode("utf-8"))
				ncp += len(text)
				counts[src] = counts.get(src, 0) + 1
				written += 1
			rnd += 1
	os.replace(p_plain + ".tmp", p_plain)
	os.replace(p_art + ".tmp", p_art)
	print("corpus: %d lines from a pool of %d distinct comments (%d passes)"
	      % (n, len(pool), rnd))
	for src in sorted(counts, key=lambda s: -counts[s]):
		print("  %-18s %6d" % (src, counts[src]))
	print("%s: %.1f MB, %.0f bytes/line" % (p_plain, nbytes[0] / 1e6, nbytes[0] / n))
	print("%s: %.1f MB, %.0f bytes/line" % (p_art, nbytes[1] / 1e6, nbytes[1] / n))
	print("text: %.1f code points/comment" % (ncp / n))
	write_300(out, data, n300)


if __name__ == "__main__":
	main(sys.argv)
