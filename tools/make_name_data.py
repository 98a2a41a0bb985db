#!/usr/bin/env python3
"""make_name_data.py -- training and dev sets for the pseudonym model.

    python3 tools/make_name_data.py [--names ../shared/data/names/names.tsv]
                                    [--data ../shared/data] [--out build/data]
                                    [--dict /usr/share/dict/words] [--dict-every 6]

Writes OUT/pseudonym-train.tsv and OUT/pseudonym-dev.tsv: author strings,
`text<TAB>label<TAB>group`, label `pseudonym` (the rule's class, what
`raqib train --rule pseudonym` takes as positive) or `ok` (a real name);
group says how the row was made (real_first, pseudo_handle, ...).
Python 3 standard library only; deterministic (md5 keys, no randomness).

Held-out discipline (tests/fixtures/pseudonyms, tools/make_pseudonym_data.py):
every word of every vocabulary and every name goes through the same md5
split as the evaluation lists (make_pseudonym_data.is_test); only the TRAIN
half is used here. Nothing of tests/fixtures/pseudonyms is read: not the
test lists, not heldout_names.txt, not the AOC hand labels. Within the train
half, one key in five (md5 with salt "dev") goes to the dev set only, so the
dev figures that choose C and the threshold are on words the model did not
train on, like the test.

Real names (label ok), from shared/data/names/names.tsv (akhateeb MIT, npm
arabic-name-to-en ISC, google/transliteration Wikipedia pairs Apache-2.0):
  - single Arabic given names, compound عبد names (joined and apart);
  - 2-4 part names: given + father, given + family, given + father + family,
    given بن father family; families from the last-name lists, ال + a given
    name (الراشد) and the Wikipedia name pairs (Arabic script);
  - a kunya or a title before a name (أبو خالد العنزي، د. سامر);
  - Latin script: akhateeb/npm Latin spellings, alone or with a family
    (Karim Haddad), the Wikipedia pairs' Latin surnames (adkins, atwood),
    and the Western list of make_pseudonym_data.py; Title, lower and UPPER
    case.
Pseudonyms (label pseudonym):
  - the ANON vocabulary (زائر، فاعل خير، Anonymous ...);
  - frames of make_pseudonym_data.py (ابن/بنت/ولد، محب/عاشق، صقر/فارس...)
    with the train half of PLACES, LOVED, ADJ, and ALONE alone;
  - the entries of data/lexicons/pseudonym.txt (its header: train-half
    vocabulary only);
  - handles on train names: digits, years, _, ., @;
  - Latin nicknames: LATIN_ADJ x LATIN_NOUN patterns (CamelCase, The..,
    spaced, joined), and the same patterns over English words from the
    English-only rows of shared/data/haifa-arabizi (Reddit/Twitter), the
    English UDHR paragraphs of shared/data/udhr-foreign and one in
    --dict-every lower-case 3-7 letter words of --dict (Debian wamerican,
    SCOWL; words the list also has capitalized are names too and left out),
    minus every word of the test halves (and words starting with one) and
    every Latin spelling of names.tsv.
Also writes OUT/pseudonym-dev-names.txt: the names.tsv spellings of the dev
part, to take out of an evaluation copy of names.txt (see models/pseudonym.md).
"""
import argparse
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_pseudonym_data as mp  # noqa: E402


def md5i(s):
	return int(hashlib.md5(s.encode("utf-8")).hexdigest()[:8], 16)


def key(w):
	return mp.norm(w.replace("_", " ")).replace(" ", "")


def is_dev(w):
	return md5i("dev" + key(w)) % 5 == 0


def halves(words):
	"""train half of a vocabulary, cut into (train, dev) parts"""
	tr, _ = mp.split(words)
	a, b = [], []
	for w in tr:
		(b if is_dev(w) else a).append(w)
	return a, b


def pick(lst, i, salt=""):
	return lst[md5i(salt + str(i)) % len(lst)]


def read_names(path):
	first, last, abd, lat_first, lat_last, wiki_ar, wiki_lat = [], [], [], [], [], [], []
	anon = set(key(w) for w in mp.ANON)
	for name, latin, kind, src in mp.read_names(path):
		if mp.is_test(name) or (latin and mp.is_test(latin)):
			continue
		if kind in ("male_first", "female_first", "first") and mp.arabic_only(name):
			n = mp.norm(name)
			if key(name) in anon or len(n) < 3:
				continue
			if n.startswith("عبد"):
				j = n.replace(" ", "")
				if len(j) >= 6 and j[3:5] == "ال":
					abd.append(name.replace(" ", ""))
				continue
			if " " not in name:
				first.append(name)
		elif kind == "last" and mp.arabic_only(name) and " " not in name:
			last.append(name)
		elif kind == "wiki_word" and src.endswith(":train"):
			if mp.arabic_only(name) and " " not in name and len(name) >= 3:
				wiki_ar.append(name)
			if latin.isalpha() and latin.isascii() and len(latin) > 2:
				wiki_lat.append(latin.capitalize())
		if kind in ("first", "last") and latin.isalpha() and len(latin) > 2:
			(lat_first if kind == "first" else lat_last).append(latin.capitalize())
	# Latin spellings of Arabic names from the Wikipedia pairs: a pair whose
	# Arabic side is a given or family name of the lists (محمد -> mohammed,
	# muhammad); the rest of the pairs are mostly Western surnames
	known = set(mp.norm(w) for w in first + last)
	for name, latin, kind, src in mp.read_names(path):
		if (kind == "wiki_word" and src.endswith(":train") and mp.norm(name) in known and
		    latin.isalpha() and latin.isascii() and len(latin) > 2 and
		    not mp.is_test(name) and not mp.is_test(latin)):
			lat_first.append(latin.capitalize())
	dd = lambda l: sorted(set(l))
	return [dd(x) for x in (first, last, abd, lat_first, lat_last, wiki_ar, wiki_lat)]


def english_words(data, banned, names_lat):
	"""lower-case English words of the English-only shared/data rows"""
	cnt = {}
	rows = []
	p = os.path.join(data, "haifa-arabizi", "haifa-arabizi.tsv")
	if os.path.exists(p):
		with open(p, encoding="utf-8") as f:
			next(f)
			for line in f:
				c = line.rstrip("\n").split("\t")
				if len(c) > 3 and c[3] in ("english", "english,other"):
					rows.append(c[0])
	p = os.path.join(data, "udhr-foreign", "udhr-foreign.tsv")
	if os.path.exists(p):
		with open(p, encoding="utf-8") as f:
			next(f)
			for line in f:
				c = line.rstrip("\n").split("\t")
				if len(c) > 2 and c[2] == "eng":
					rows.append(c[0])
	for t in rows:
		for w in re.findall(r"[A-Za-z]+", t):
			if w.islower() and len(w) >= 3:
				cnt[w] = cnt.get(w, 0) + 1
	return filter_words(sorted(cnt), banned, names_lat)


def filter_words(words, banned, names_lat):
	out = []
	for w in words:
		if w in names_lat or any(w.startswith(b) for b in banned):
			continue
		out.append(w)
	return out


def dict_words(path, banned, names_lat, every):
	"""lower-case words of a system word list (Debian wamerican: SCOWL),
	without those the list also has capitalized (Mark, Rose, Hope: names
	too), one in `every` (md5)"""
	if not os.path.exists(path):
		sys.exit("make_name_data: %s is missing (Debian package wamerican; make deps)" % path)
	with open(path, encoding="utf-8") as f:
		ws = [l.strip() for l in f]
	caps = set(w.lower() for w in ws if w[:1].isupper())
	low = [w for w in ws if re.fullmatch(r"[a-z]{3,7}", w) and w not in caps
	       and md5i("dict" + w) % every == 0]
	return filter_words(low, banned, names_lat)


def test_words():
	"""every word of the test halves: never in training, in any role"""
	ws = set()
	for nm in ("PLACES", "LOVED", "ADJ", "ALONE", "ANON", "LATIN_ADJ", "LATIN_NOUN"):
		_, te = mp.split(getattr(mp, nm))
		for w in te:
			ws.add(mp.norm(w.replace("_", " ")))
			for part in mp.norm(w.replace("_", " ")).split():
				if len(part) >= 3:
					ws.add(part)
	return ws


AR_TOKEN = re.compile("[\u0621-\u064a]+")


def text_phrases(data, banned, names_norm, every):
	"""ordinary Arabic words and word pairs of news headlines and tweets
	(shared/data saudinewsnet titles; osact2020, arsarcasm-v2, dart texts):
	reader signatures are often such phrases (كيف الحال، ضمير حي، طريق
	الحياة، تداول), which no frame or list holds. A word must be no name of
	the lists (also without ال), not a test-half word (make_pseudonym_data's
	md5 split, as for every vocabulary here), not a family-name shape (ال +
	a nisba: العتيبي) and of 3 letters or more; a single word must occur in
	5 texts, a pair in 3. One candidate in `every` is kept (md5)."""
	srcs = [("saudinewsnet/articles.tsv", "title"), ("osact2020/osact2020.tsv", "text"),
		("arsarcasm-v2/arsarcasm-v2.tsv", "text"), ("dart/dart.tsv", "text")]
	one, two = {}, {}
	for rel, col in srcs:
		path = os.path.join(data, rel)
		if not os.path.exists(path):
			continue
		with open(path, encoding="utf-8") as f:
			head = f.readline().rstrip("\n").split("\t")
			ci = head.index(col)
			for line in f:
				cols = line.rstrip("\n").split("\t")
				if ci >= len(cols):
					continue
				# @USER, URL, hashtags and <LF> split the text like spaces
				toks = AR_TOKEN.findall(re.sub(r"[#@_<>]", " ", cols[ci]))
				seen = set()
				for i, t in enumerate(toks):
					for ph in (t, " ".join(toks[i:i + 2]) if i + 1 < len(toks) else None):
						if ph and ph not in seen:
							seen.add(ph)
							d = one if " " not in ph else two
							d[ph] = d.get(ph, 0) + 1

	def ok(w):
		n = mp.norm(w)
		return (len(n) >= 3 and not mp.is_test(w) and n not in banned and
			n not in names_norm and not (n.startswith("ال") and n[2:] in names_norm) and
			not (n.startswith("ال") and n.endswith("ي") and len(n) > 5))
	out = []
	for ph, c in sorted(one.items()):
		if c >= 5 and ok(ph) and md5i("t" + ph) % every == 0:
			out.append(ph)
	for ph, c in sorted(two.items()):
		if c >= 3 and all(ok(w) for w in ph.split()) and md5i("t" + ph) % every == 0:
			out.append(ph)
	return out


def lexicon_pseudonyms(path, banned):
	out = []
	with open(path, encoding="utf-8") as f:
		for line in f:
			if line.startswith("#") or not line.strip():
				continue
			e = line.split("\t")[0].lstrip("=").strip()
			if e and mp.norm(e) not in banned:
				out.append(e)
	return out


def real_rows(nm, dev):
	first, last, abd, lat_first, lat_last, wiki_ar, wiki_lat = nm
	sel = lambda l: [w for w in l if is_dev(w) == dev]
	first, last, abd = sel(first), sel(last), sel(abd)
	lat_first, lat_last = sel(lat_first), sel(lat_last)
	wiki_ar, wiki_lat = sel(wiki_ar), sel(wiki_lat)
	wf, _ = mp.split(mp.WESTERN_FIRST)
	wl, _ = mp.split(mp.WESTERN_LAST)
	wf, wl = sel(wf), sel(wl)
	rows = []
	for w in first:
		rows.append((w, "real_first"))
	for w in abd:
		rows.append((w, "real_abd"))
		rows.append(("عبد " + w[3:], "real_abd"))
	fams = last + ["ال" + mp.norm(w) for w in first[::7]] + wiki_ar[::3]
	for i, f in enumerate(first):
		f2 = pick(first, i, "f2")
		fam = pick(fams, i, "fam")
		m = i % 6
		if m == 0:
			s = f + " " + f2
		elif m == 1:
			s = f + " " + fam
		elif m == 2:
			s = f + " " + f2 + " " + fam
		elif m == 3:
			s = f + " بن " + f2 + " " + fam
		elif m == 4:
			s = pick(abd, i, "ab") + " " + fam if abd else f + " " + fam
		else:
			s = f + " " + pick(wiki_ar, i, "w")
		rows.append((s, "real_full"))
	for i, f in enumerate(first[::4]):
		m = i % 4
		if m == 0:
			s = "ابو " + f + " " + pick(fams, i, "k")
		elif m == 1:
			s = "أبو " + pick(first, i, "k2") + " " + pick(fams, i, "k3")
		elif m == 2:
			s = ("د. ", "المهندس ", "م. ", "الدكتور ")[i % 8 // 2] + f
		else:
			s = "الحاج " + f + " " + pick(fams, i, "k4")
		rows.append((s, "real_title"))
	lf = lat_first + wf
	ll = lat_last + wl
	for i, f in enumerate(lf):
		m = i % 5
		if m == 0:
			s = f
		elif m == 1:
			s = f + " " + pick(ll, i, "l")
		elif m == 2:
			s = f + " " + pick(wiki_lat, i, "l")
		elif m == 3:
			s = f + " " + pick(lf, i, "l2")
		else:
			s = f + " " + pick(lf, i, "l3") + " " + pick(ll, i, "l4")
		c = md5i("case" + s) % 8
		if c == 0:
			s = s.lower()
		elif c == 1:
			s = s.upper()
		rows.append((s, "real_latin_wiki" if m == 2 else "real_latin"))
	for i, f in enumerate(wiki_lat[::3]):
		rows.append((pick(lf, i, "wl") + " " + f, "real_latin_wiki"))
	for f in wiki_lat[1::12]:
		rows.append((f, "real_latin_wiki"))
	for i, f in enumerate(lf[::5]):
		t = ("Dr. ", "Dr.", "Eng. ", "Eng.", "Prof. ", "Mr ", "Mrs. ", "Dr ")[i % 8]
		rows.append((t + f + ("" if i % 3 else " " + pick(ll, i, "t")), "real_title"))
	for i, f in enumerate(first[1::6]):
		t = ("د.", "م.", "د. ", "أ. ", "م. ", "أ.د. ")[i % 6]
		rows.append((t + f + ("" if i % 2 else " " + pick(fams, i, "t2")), "real_title"))
	return rows


def camel(a, n, m):
	if m == 0:
		return a.capitalize() + n.capitalize()
	if m == 1:
		return a + " " + n
	if m == 2:
		return "The" + a.capitalize() + n.capitalize()
	if m == 3:
		return a + n
	return a.capitalize() + " " + n.capitalize()


def pseudo_rows(nm, eng, lexp, dev, phr=()):
	first, lat_first = nm[0], nm[3]
	sel = lambda l: [w for w in l if is_dev(w) == dev]
	part = lambda v: halves(v)[1 if dev else 0]
	rows = []
	anon = [w.replace("_", " ") for w in part(mp.ANON)]
	for w in anon:
		rows.append((w, "pseudo_anon"))
		if w.isascii():
			rows.append((w.capitalize(), "pseudo_anon"))
			rows.append((w.upper(), "pseudo_anon"))
	for i, w in enumerate(part(mp.PLACES)):
		for c in mp.CHILD:
			rows.append((c + " " + w, "pseudo_phrase"))
	for i, w in enumerate(part(mp.LOVED)):
		for c in sorted(set(mp.LOVE)):
			rows.append((c + " " + w, "pseudo_phrase"))
	for i, w in enumerate(part(mp.ADJ)):
		for c in mp.BEAST[i % 4::4]:
			rows.append((c + " " + w, "pseudo_phrase"))
	for w in part(mp.ALONE):
		rows.append((w, "pseudo_phrase"))
	for w in sel(lexp):
		rows.append((w, "pseudo_lexicon"))
	bases = sel(first)[::6] + sel(lat_first)[::6]
	for i, b in enumerate(bases):
		lb = b.lower() if b.isascii() else b
		m = md5i("h" + b) % 8
		if m == 0:
			s = lb + str(1960 + md5i("y" + b) % 50)
		elif m == 1:
			s = lb + "_" + str(md5i("d" + b) % 100)
		elif m == 2:
			s = "@" + lb
		elif m == 3:
			s = lb + "." + ("x", "sh", "eg", "ks")[md5i("t" + b) % 4]
		elif m == 4:
			s = lb + str(md5i("z" + b) % 1000)
		elif m == 5:
			s = lb + "_" + pick(bases, i, "u").lower()
		elif m == 6:
			s = lb + "@" + ("gmail.com", "hotmail.com", "yahoo.com")[i % 3]
		else:
			s = "xX_" + lb + "_Xx"
		rows.append((s, "pseudo_handle"))
	adj, noun = part(mp.LATIN_ADJ), part(mp.LATIN_NOUN)
	for i, a in enumerate(adj):
		for j, n in enumerate(noun):
			rows.append((camel(a, n, (i + j) % 5), "pseudo_latin"))
	for n in noun:
		rows.append((n.capitalize(), "pseudo_latin"))
	ew = sel(eng)
	for i, w in enumerate(ew):
		m = i % 6
		if m == 0:
			s = w.capitalize()
		elif m == 1:
			s = w
		else:
			s = camel(w, pick(ew, i, "e"), m - 1)
		rows.append((s, "pseudo_english"))
	for w in sel(phr):
		rows.append((w, "pseudo_text"))
	return rows


def write(path, rows):
	"""writes the first copy of every text; returns (rows, pseudonym rows)"""
	seen = set()
	npos = 0
	with open(path, "w", encoding="utf-8") as f:
		f.write("text\tlabel\tgroup\n")
		for text, label, group in rows:
			if text in seen or "\t" in text:
				continue
			seen.add(text)
			npos += label == "pseudonym"
			f.write("%s\t%s\t%s\n" % (text, label, group))
	return len(seen), npos


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--names", default="../shared/data/names/names.tsv")
	ap.add_argument("--data", default="../shared/data")
	ap.add_argument("--lexicon", default="data/lexicons/pseudonym.txt")
	ap.add_argument("--out", default="build/data")
	ap.add_argument("--dict", default="/usr/share/dict/words")
	ap.add_argument("--dict-every", type=int, default=6)
	ap.add_argument("--phrase-every", type=int, default=0,
			help="keep one in N text phrases as pseudonyms (0: none)")
	args = ap.parse_args()
	nm = read_names(args.names)
	banned = test_words()
	names_lat = set(w.lower() for w in nm[3] + nm[4] + nm[6] + mp.WESTERN_FIRST + mp.WESTERN_LAST)
	eng = english_words(args.data, sorted(b for b in banned if b.isascii()), names_lat)
	eng += dict_words(args.dict, sorted(b for b in banned if b.isascii()), names_lat,
			  args.dict_every)
	eng = sorted(set(eng))
	lexp = lexicon_pseudonyms(args.lexicon, banned)
	phr = []
	if args.phrase_every:
		names_norm = set(mp.norm(n) for n, _, _, _ in mp.read_names(args.names) if n)
		phr = text_phrases(args.data, banned, names_norm, args.phrase_every)
		print("text phrases: %d" % len(phr), file=sys.stderr)
	# a Wikipedia surname that is an English word (big, most, graves) is
	# no evidence of a name
	with open(args.dict, encoding="utf-8") as f:
		common = set(l.strip() for l in f if l[:1].islower())
	common |= set(english_words(args.data, [], set()))
	nm[6] = [w for w in nm[6] if w.lower() not in common]
	os.makedirs(args.out, exist_ok=True)
	# the dev names, to take out of an evaluation copy of names.txt like
	# heldout_names.txt (bench/eval_pseudonym -t on the dev set)
	held = set()
	for name, latin, kind, src in mp.read_names(args.names):
		if name and is_dev(name):
			held.add(name)
		if latin and is_dev(latin):
			held.add(latin.lower())
	with open(os.path.join(args.out, "pseudonym-dev-names.txt"), "w", encoding="utf-8") as f:
		f.write("".join(w + "\n" for w in sorted(held)))
	for dev in (False, True):
		rows = [(t, "ok", g) for t, g in real_rows(nm, dev)]
		rows += [(t, "pseudonym", g) for t, g in pseudo_rows(nm, eng, lexp, dev, phr)]
		# a string made both ways (a name that is also a nickname) teaches
		# nothing: keep neither copy
		lab = {}
		for t, l, _ in rows:
			lab.setdefault(t, set()).add(l)
		rows = [r for r in rows if len(lab[r[0]]) == 1]
		rows.sort(key=lambda r: md5i("o" + r[0]))
		path = os.path.join(args.out, "pseudonym-%s.tsv" % ("dev" if dev else "train"))
		n, npos = write(path, rows)
		print("%s: %d rows, %d pseudonym" % (path, n, npos), file=sys.stderr)
	return 0


if __name__ == "__main__":
	sys.exit(main())
