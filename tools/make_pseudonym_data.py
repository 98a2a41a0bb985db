#!/usr/bin/env python3
"""make_pseudonym_data.py -- held-out evaluation lists for the pseudonym rule.

    python3 tools/make_pseudonym_data.py [--names ../shared/data/names/names.tsv]
                                         [--out tests/fixtures/pseudonyms]
    python3 tools/make_pseudonym_data.py --train-vocab   # print the train half

Python 3 standard library only; deterministic (the split is md5 of a
normalized key, no randomness).

Real names (positives that must pass) come from shared/data/names/names.tsv
(akhateeb/arabic-names MIT, npm arabic-name-to-en ISC; see its SOURCE.txt)
and a short hand-written list of common Western names. Every name is put in
the train or the test split by md5 of its normalized form (hamza, ta
marbuta, alef maqsura unified, so أحمد and احمد share a split). Test names
are written to heldout_names.txt and tools/make_names_lexicon.sh leaves them
out of data/lexicons/names.txt: the rule never sees a held-out name. The
most common given names (COMMON) always stay in training, because taking
محمد out of the production lexicon would cost more than it measures.

Pseudonyms (must be caught) are composed here from hand-written pattern
vocabularies (licence as raqib): a frame (ابن، بنت، محب، عاشق، صقر، فارس,
dark ...) plus an object word. The object vocabularies are split the same
way, so every test pseudonym uses object words that neither
data/lexicons/pseudonym.txt nor the rule's code contains (the generator
checks the lexicon and refuses test words it finds there). Frames are the
pattern, shared by both halves. Handles (digits, underscores, dots, @) are
built on held-out real names.

Output, one name per line, in --out:
  real_first.txt   single Arabic-script given names
  real_abd.txt     compound عبد names, joined and written apart
  real_full.txt    two to four part Arabic-script full names
  real_latin.txt   Latin-script names (Arabic transliterations, Western)
  pseudo_anon.txt  anonymity / role words used as a name (held-out half)
  pseudo_phrase.txt phrase pseudonyms from frames + held-out objects
  pseudo_handle.txt handles: name+digits, underscores, dots, @
  pseudo_latin.txt Latin nicknames from held-out adjective/noun words
  heldout_names.txt every raw names.tsv spelling in the test split
"""
import argparse
import hashlib
import os
import sys
import unicodedata

TEST_MOD = 3   # one key in three goes to the test split

COMMON = set("""محمد احمد علي محمود عبدالله حسن حسين خالد عمر ابراهيم مصطفى يوسف
سعد فهد ناصر عبدالرحمن عبدالعزيز سالم سعيد صالح فاطمه مريم عائشه نور سارة ساره
ليلى مها هند امل منى عادل طارق وليد ماجد سلمان فيصل عبدالحميد""".split())
# Given names that are also nickname words of data/lexicons/pseudonym.txt
# (frozen list: the names.tsv names that collided with it when this split
# was made). The rule excuses them through the name list (أمير alone is a
# name, ملك الرومانسية is not), so they always stay in training.
NICK_NAMES = set("""اسد الامير الحر الروح الزهره النور الواحد امير اميره بطل ثاير
حبيب روح زهره شمس غريب فارس كردي محارب محب مسافر مسلم مشتاق مشرف ملك ملكه
نجم نجمه نور ورده يمني المصري""".split())

# Hand-written pattern vocabularies (raqib). Frames and objects.
CHILD = ["ابن", "بنت", "ولد"]
PLACES = """البلد الوطن الديرة النيل الشام الصحراء الجبل البحر الريف الحارة الشعب
الجنوب الشمال البادية العاصمة الخليج الارض القرية المدينة الصعيد العروبة
الثورة الاصول الشارع الحي الزرقاء القاهرة الاسكندرية الرياض الكويت الاردن
فلسطين غزة تونس العراق المغرب اليمن السودان الجزائر لبنان سوريا الخرطوم
الموصل حلب دمشق صنعاء عدن وهران بنغازي طرابلس المنصورة الاقصر اسوان الطائف
ابها القدس نابلس الخليل اربد الكرك معان الزيتون النخيل الوادي الحجاز نجد
تهامة الاطلس الفرات دجلة""".split()
LOVE = ["محب", "عاشق", "عاشقة", "محبة", "مشتاق", "عاشق", "محبه"]
LOVED = """الوطن مصر السلام الحرية الحق الخير العدل الحياة الكويت الاردن الوحدة
الامة العروبة الاسلام الرسول الصحابة الجزيرة القدس فلسطين الشام العراق
اليمن الحياه الغربة الرياض جدة الشعر الادب الفن الكتب القراءة البحر المطر
الليل القمر الورد الزهور الطبيعة الكرة الملاعب الزمالك الهلال النصر
الاتحاد الوحدات الفيصلي الاهلي الترجي الوداد الرجاء السفر الصحراء الخيل
الابل الصقور التاريخ الماضي""".split()
BEAST = ["صقر", "الصقر", "نسر", "النسر", "فارس", "الفارس", "ذئب", "الذئب",
	 "اسد", "الاسد", "نمر", "النمر", "ذيب", "الذيب", "شبل", "الشبل"]
ADJ = """الجارح الجريح الاسمر الابيض الاسود الذهبي الغاضب الوحيد الحزين الشرقي
الملثم الهارب العربي الصامت الحائر الجائع الاعمى الابكم الشارد الطائر الكاسر
الجامح الهائج المتمرد الغامض المجنون الضائع التائه الثائر الصبور الكبير
الصغير الاخير الاول الحر الشجاع الجسور المقدام العنيد الشرس الباسل الجنوب
الشمال الصحراء الجبل العرب المغرب الخليج البادية الليل النهار الحق الاحمر
الازرق الاخضر""".split()
# single adjectives used as a whole name (the X)
ALONE = """الحزين الغاضب الصامت الحائر المتفائل المتشائم المظلوم الحالم التائه
الوحيد المجروح الغريب العنيد الصريح المتامل المشتاق الضائع المسكين المقهور
المهموم المتمرد الغامض المجنون الشارد الثائر الصابر المحتار الطيب الزعلان
الفضولي المتابع المراقب المتسائل المندهش الساخر الحكيم الناقد الناصح المحايد
المغترب المسافر المتقاعد المكافح المنسي""".split()
ANON = """زائر زائرة مجهول مجهولة ضيف ضيفة فاعل_خير بدون_اسم بلا_اسم لا_احد
واحد_من_الناس مواطن مواطنة مواطن_عربي مواطن_غيور قارئ قارئة متابع متابعة
مشاهد معلق مراقب مغترب شاهد_عيان عابر_سبيل عابر مار احدهم شخص انسان
فرد_من_الشعب واحد_من_الشعب مستخدم عضو مشارك صاحب_راي مهتم محايد مستقل
anonymous anon unknown guest visitor admin user reader someone nobody
citizen member observer stranger passerby commenter
مجرد_قارئ قارئ_عادي متصفح زائر_كريم غير_معروف لا_شيء مواطن_بسيط مواطن_مصري
احد_القراء احد_المتابعين مشرف مدون مجرد_مواطن انسان_بسيط عابر_طريق شخص_ما
مجهول_الهوية بدون_توقيع محايد_جدا مغترب_عربي مواطن_عادي واحد_منكم ابن_ادم
nameless incognito private secret hidden unnamed mystery whoever friend none
nothing stranger_here just_me me myself""".split()
LATIN_ADJ = """dark silent crazy lonely sweet cool little big lucky wild mad red
black golden lost happy angry brave evil super sad shy smart funny bad
iron night cyber mystic frozen royal""".split()
LATIN_NOUN = """wolf knight eagle lion tiger rider hunter boy girl prince king queen
star angel devil ghost shadow storm dragon falcon warrior sniper hacker gamer
lover killer legend hero joker phoenix viper ninja samurai cowboy pirate
panther fox hawk bear wizard soldier""".split()
WESTERN_FIRST = """John Michael David James Robert William Richard Thomas Daniel
Mark Paul Peter George Edward Henry Charles Anna Maria Sarah Laura Emma Julia
Sophie Claire Marie Elena Lucas Pierre Jean Hans Klaus Marco Luca Carlos Pablo
Diego Sofia Olga Ivan""".split()
WESTERN_LAST = """Smith Johnson Brown Miller Wilson Taylor Anderson Martin Thompson
White Harris Clark Lewis Walker Hall Young King Wright Scott Green Baker Adams
Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Dubois Moreau
Lefebvre Schmidt Schneider Fischer Weber Rossi Bianchi Garcia Lopez Martinez""".split()


def norm(s):
	s = unicodedata.normalize("NFKC", s)
	s = "".join(c for c in s if not unicodedata.category(c).startswith("M")
		    and c != "\u0640")
	tr = str.maketrans("أإآٱىةؤئ", "اااايهوي")
	return s.translate(tr).lower().strip()


def is_test(word):
	key = norm(word).replace(" ", "")
	h = hashlib.md5(key.encode("utf-8")).digest()
	return h[0] % TEST_MOD == 0


def split(words):
	seen = set()
	tr, te = [], []
	for w in words:
		if w in seen:
			continue
		seen.add(w)
		(te if is_test(w) else tr).append(w)
	return tr, te


def arabic_only(s):
	return s and all("\u0621" <= c <= "\u064a" or c in " \u0671" for c in s)


def read_names(path):
	rows = []
	with open(path, encoding="utf-8") as f:
		next(f)
		for line in f:
			p = line.rstrip("\n").split("\t")
			if len(p) >= 4:
				rows.append(p)
	return rows


def lexicon_entries(path):
	out = set()
	if not os.path.exists(path):
		return out
	with open(path, encoding="utf-8") as f:
		for line in f:
			if line.startswith("#") or not line.strip():
				continue
			e = line.split("\t")[0].lstrip("=")
			out.add(norm(e))
	return out


def pick(lst, n, salt):
	"""n items, deterministic, spread over the list."""
	if len(lst) <= n:
		return list(lst)
	keyed = sorted(lst, key=lambda w: hashlib.md5((salt + w).encode()).hexdigest())
	return keyed[:n]


def build(args):
	rows = read_names(args.names)
	pseudo_lex = lexicon_entries(args.lexicon)
	anon_lex = set(norm(w.replace("_", " ")) for w in ANON)
	ar_first, ar_last, abd, lat_first, lat_last = [], [], [], [], []
	for name, latin, kind, src in rows[:]:
		if kind in ("male_first", "female_first", "first") and arabic_only(name):
			n = norm(name)
			# the npm list is noisy (مجهول، زائر, stubs such as عبدال);
			# only the fixed ANON vocabulary filters real names, so that
			# growing the lexicon can never drop a real test name
			if n in anon_lex or len(n) < 3:
				continue
			if n.startswith("عبد"):
				if len(n.replace(" ", "")) >= 6 and n.replace(" ", "")[3:5] == "ال":
					abd.append(name)
				continue
			if " " not in name:
				ar_first.append(name)
		if kind == "last" and arabic_only(name) and " " not in name:
			ar_last.append(name)
		if kind in ("first", "last") and latin.isalpha() and len(latin) > 2:
			(lat_first if kind == "first" else lat_last).append(latin.capitalize())

	heldout = set()
	def test_names(lst):
		tr, te = split(lst)
		te = [w for w in te if norm(w).replace(" ", "") not in COMMON | NICK_NAMES]
		return tr, te

	_, first_te = test_names(ar_first)
	_, last_te = test_names(ar_last)
	_, abd_te = test_names(abd)
	lf_tr, lf_te = test_names(lat_first)
	_, ll_te = test_names(lat_last)
	_, wf_te = split(WESTERN_FIRST)
	_, wl_te = split(WESTERN_LAST)
	test_keys = set(norm(w).replace(" ", "") for w in
			first_te + last_te + abd_te + lf_te + ll_te)
	for name, latin, kind, src in rows:
		if name and norm(name).replace(" ", "") in test_keys:
			heldout.add(name)
		if latin and norm(latin) in test_keys:
			heldout.add(latin.lower())

	out = {}
	out["real_first"] = pick(first_te, 400, "f") + ["عبدالحميد"]
	abd_forms = []
	for w in pick(abd_te, 150, "a"):
		j = w.replace(" ", "")
		abd_forms += [j, "عبد " + j[3:]]
	out["real_abd"] = abd_forms + ["عبد الرحمن", "عبدالحميد"]
	full = []
	fs = pick(first_te, 400, "x")
	fams = last_te + ["ال" + norm(w) for w in pick(first_te, 60, "y")]
	for i, f in enumerate(fs):
		f2 = fs[(i * 7 + 3) % len(fs)]
		fam = fams[(i * 5) % len(fams)]
		m = i % 5
		if m in (0, 1):
			full.append(f + " " + f2)
		elif m == 2:
			full.append(f + " " + f2 + " " + fam)
		elif m == 3:
			full.append(f + " " + fam)
		else:
			full.append(f + " بن " + f2 + " " + fam)
	out["real_full"] = full
	lat = []
	lfs = pick(lf_te, 300, "l")
	lls = ll_te if ll_te else ["Haddad"]
	for i, f in enumerate(lfs):
		m = i % 3
		if m == 0:
			lat.append(f)
		elif m == 1:
			lat.append(f + " " + lls[i % len(lls)])
		else:
			lat.append(f + " " + lfs[(i * 11 + 5) % len(lfs)])
	for i, f in enumerate(wf_te):
		lat.append(f + " " + wl_te[i % len(wl_te)])
	lat.append("Karim Haddad")
	out["real_latin"] = lat

	def fresh(words):
		"""held-out object words; a test word must not be in the lexicon"""
		_, te = split(words)
		return [w for w in te if norm(w.replace("_", " ")) not in pseudo_lex]

	anon = [w.replace("_", " ") for w in fresh(ANON)]
	out["pseudo_anon"] = anon + [w.capitalize() for w in anon if w.isascii()]
	ph = []
	for i, w in enumerate(fresh(PLACES)):
		ph.append(CHILD[i % len(CHILD)] + " " + w)
	for i, w in enumerate(fresh(LOVED)):
		ph.append(LOVE[i % len(LOVE)] + " " + w)
	for i, w in enumerate(fresh(ADJ)):
		ph.append(BEAST[i % len(BEAST)] + " " + w)
	ph += fresh(ALONE)
	out["pseudo_phrase"] = ph
	hd = []
	bases = pick(first_te, 60, "h") + pick(lf_te, 60, "H")
	for i, b in enumerate(bases):
		m = i % 6
		lb = b.lower() if b.isascii() else b
		if m == 0:
			hd.append(lb + str(1970 + i % 40))
		elif m == 1:
			hd.append(lb + "_" + str(i % 100))
		elif m == 2:
			hd.append("@" + lb)
		elif m == 3:
			hd.append(lb + "." + ("sh" if b.isascii() else "مصر"))
		elif m == 4:
			hd.append(lb + str(i % 10) + str((i * 3) % 10))
		else:
			hd.append(lb + "_" + bases[(i + 7) % len(bases)].lower())
	out["pseudo_handle"] = hd
	la = []
	adj = fresh(LATIN_ADJ)
	noun = fresh(LATIN_NOUN)
	for i, a in enumerate(adj):
		for j, n in enumerate(noun):
			m = (i + j) % 4
			if m == 0:
				la.append(a.capitalize() + n.capitalize())
			elif m == 1:
				la.append(a + " " + n)
			elif m == 2:
				la.append("The" + a.capitalize() + n.capitalize())
			else:
				la.append(a + n)
	la += [n.capitalize() for n in noun]
	out["pseudo_latin"] = la
	out["heldout_names"] = sorted(heldout)
	return out


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--names", default="../shared/data/names/names.tsv")
	ap.add_argument("--lexicon", default="data/lexicons/pseudonym.txt")
	ap.add_argument("--out", default="tests/fixtures/pseudonyms")
	ap.add_argument("--train-vocab", action="store_true",
			help="print the train half of every pattern vocabulary")
	args = ap.parse_args()
	if args.train_vocab:
		for nm in ("PLACES", "LOVED", "ADJ", "ALONE", "ANON", "LATIN_ADJ", "LATIN_NOUN"):
			tr, _ = split(globals()[nm])
			print(nm + ": " + " ".join(tr))
		return 0
	out = build(args)
	os.makedirs(args.out, exist_ok=True)
	for k, v in out.items():
		seen, lines = set(), []
		for w in v:
			if w not in seen:
				seen.add(w)
				lines.append(w)
		with open(os.path.join(args.out, k + ".txt"), "w", encoding="utf-8") as f:
			f.write("".join(w + "\n" for w in lines))
		print("%-16s %5d" % (k, len(lines)), file=sys.stderr)
	return 0


if __name__ == "__main__":
	sys.exit(main())
