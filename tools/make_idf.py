#!/usr/bin/env python3
"""make_idf.py — the document-frequency table of the off_topic rule.

Builds, from the train splits of ../shared/data (saudinewsnet articles,
aoc-news-comments articles and comments), the stems' document frequencies
and the form -> stem table, and writes

  data/idf/ar_news_df.tsv     stem_key, stem, df in articles, df in comments
  data/idf/ar_news_forms.tsv  form_key, stem_key, form (forms seen twice+)
  src/rules/off_topic_df.c    the same as sorted C arrays (idf quantised)

Stems come from $B/ot_stems (tools/ot_stems.c, linked with the library
and libstemmer), so the table holds exactly the stems and keys the rule
computes at run time. Only train splits are read: the dev/test articles the
article-swap evaluation uses stay unseen.

  python3 tools/make_idf.py [--data ../shared/data] [--build build] [--comment-weight 0.25]
  python3 tools/make_idf.py --from-tsv      # regenerate the C from data/idf

Python 3 standard library only. Deterministic output.
"""
import argparse
import collections
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DF_TSV = os.path.join(ROOT, "data/idf/ar_news_df.tsv")
FORMS_TSV = os.path.join(ROOT, "data/idf/ar_news_forms.tsv")
OUT_C = os.path.join(ROOT, "src/rules/off_topic_df.c")
STEMS_BIN = None  # set from --build (the Makefile's $(B))


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        hdr = f.readline().rstrip("\n").split("\t")
        for line in f:
            yield dict(zip(hdr, line.rstrip("\n").split("\t")))


def build_stems_tool(build):
    global STEMS_BIN
    STEMS_BIN = os.path.join(ROOT, build, "ot_stems")
    src = os.path.join(ROOT, "tools/ot_stems.c")
    lib = os.path.join(ROOT, build, "libraqib.a")
    if not os.path.exists(lib):
        sys.exit("make_idf.py: %s missing: run make first" % lib)
    if (os.path.exists(STEMS_BIN) and
            os.path.getmtime(STEMS_BIN) >= max(os.path.getmtime(src), os.path.getmtime(lib))):
        return
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Iinclude", "-Isrc",
                    "-o", STEMS_BIN, src, lib, "-lutf8proc", "-ljansson", "-linih", "-lcjson",
                    "-llinear", "-lstemmer", "-lm", "-lpthread"],
                   cwd=ROOT, check=True)


def documents(data):
    """(doc id, kind, text) of the train split; kind is 'a' or 'c'."""
    for r in read_tsv(os.path.join(data, "saudinewsnet/articles.tsv")):
        if r.get("split") == "train":
            yield r["article_id"], "a", r["title"] + " " + r["body"]
    for r in read_tsv(os.path.join(data, "aoc-news-comments/articles.tsv")):
        if r.get("split") == "train":
            yield r["article_id"], "a", r["title"] + " " + r["body"]
    for r in read_tsv(os.path.join(data, "aoc-news-comments/comments.tsv")):
        if r.get("split") == "train":
            yield r["comment_id"], "c", r["text"]


def count(data, build):
    build_stems_tool(build)
    docs = list(documents(data))
    kind = {d: k for d, k, _ in docs}
    inp = "".join("%s\t%s\n" % (d, t.replace("\\n", " ").replace("\t", " ")) for d, _, t in docs)
    out = subprocess.run([STEMS_BIN], input=inp, capture_output=True, text=True,
                         check=True).stdout
    seen = set()
    df = {"a": collections.Counter(), "c": collections.Counter()}
    stem_text = {}
    forms = collections.Counter()
    form_stem = {}
    for line in out.splitlines():
        d, fk, sk, stem, form = line.split("\t")
        fk, sk = int(fk), int(sk)
        stem_text.setdefault(sk, stem)
        forms[fk] += 1
        form_stem.setdefault(fk, (sk, form))
        if (d, sk) not in seen:
            seen.add((d, sk))
            df[kind[d]][sk] += 1
    n = collections.Counter(kind.values())
    with open(DF_TSV, "w", encoding="utf-8") as f:
        f.write("# off_topic document frequencies of Snowball Arabic stems (tools/make_idf.py).\n")
        f.write("# Source: train splits of saudinewsnet (CC BY-NC-SA 4.0, research) and\n")
        f.write("# aoc-news-comments (AOC, Zaidan & Callison-Burch 2011, research); counts only.\n")
        f.write("# docs\t%d\t%d\n" % (n["a"], n["c"]))
        f.write("stem_key\tstem\tdf_articles\tdf_comments\n")
        for sk in sorted(stem_text):
            a, c = df["a"][sk], df["c"][sk]
            if a + c >= 2:
                f.write("%d\t%s\t%d\t%d\n" % (sk, stem_text[sk], a, c))
    with open(FORMS_TSV, "w", encoding="utf-8") as f:
        f.write("# off_topic form -> stem table (tools/make_idf.py): forms seen twice or more\n")
        f.write("# in the corpus of ar_news_df.tsv, with the key of their Snowball stem.\n")
        f.write("form_key\tstem_key\tform\n")
        for fk in sorted(forms):
            if forms[fk] >= 2:
                sk, form = form_stem[fk]
                f.write("%d\t%d\t%s\n" % (fk, sk, form))


def load_tables():
    df, forms, ndocs = [], [], None
    with open(DF_TSV, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# docs"):
                ndocs = tuple(int(x) for x in line.split("\t")[1:3])
            if line.startswith("#") or line.startswith("stem_key"):
                continue
            sk, _, a, c = line.rstrip("\n").split("\t")
            df.append((int(sk), int(a), int(c)))
    with open(FORMS_TSV, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("form_key"):
                continue
            fk, sk, _ = line.rstrip("\n").split("\t")
            forms.append((int(fk), int(sk)))
    return df, forms, ndocs


def gen_c(cw):
    df, forms, (na, nc) = load_tables()
    big_n = na + cw * nc

    def idf(a, c):
        return math.log((big_n + 1.0) / (a + cw * c + 1.0))

    top = idf(0, 0)
    scale = top / 255.0
    q = lambda x: max(0, min(255, int(round(x / scale))))
    with open(OUT_C, "w", encoding="utf-8") as f:
        f.write("/*\n * off_topic_df.c — GENERATED by tools/make_idf.py from data/idf/ar_news_*.tsv;\n"
                " * do not edit. Stem keys (sorted) with their idf quantised to a byte\n"
                " * (idf = ln((N+1)/(df+1)), df = df_articles + %.2f df_comments over\n"
                " * %d articles and %d comments; idf = byte * ot_idf_scale), and a hash\n"
                " * table of form keys with their stem keys and idf.\n */\n" % (cw, na, nc))
        f.write("#include <stdint.h>\n\n")
        f.write("struct ot_form {\n\tuint32_t form, stem;\n\tuint8_t idf;\n};\n\n"
                "extern const uint32_t ot_stem_key[];\nextern const uint8_t ot_stem_idf[];\n"
                "extern const struct ot_form ot_form[];\n"
                "extern const uint32_t ot_nstem, ot_form_bits;\n"
                "extern const uint8_t ot_idf_unseen;\nextern const float ot_idf_scale;\n\n")
        f.write("const uint32_t ot_nstem = %d;\n" % len(df))
        f.write("const uint8_t ot_idf_unseen = %d;\n" % q(idf(1, 0)))
        f.write("const float ot_idf_scale = %.9gf;\n\n" % scale)

        def arr(ctype, name, vals, per):
            f.write("const %s %s[%d] = {\n" % (ctype, name, max(1, len(vals))))
            for i in range(0, len(vals), per):
                f.write("\t" + ", ".join(str(v) for v in vals[i:i + per]) + ",\n")
            f.write("};\n\n")

        arr("uint32_t", "ot_stem_key", [d[0] for d in df], 8)
        arr("uint8_t", "ot_stem_idf", [q(idf(d[1], d[2])) for d in df], 20)
        # forms: open addressing (multiplicative hash, linear probing, key 0
        # empty) at most half full, so a lookup is one or two cache lines
        sidf = {d[0]: q(idf(d[1], d[2])) for d in df}
        bits = 1
        while (1 << bits) < 2 * len(forms):
            bits += 1
        slots = [(0, 0, 0)] * (1 << bits)
        for fk, sk in sorted(forms):
            i = ((fk * 2654435761) & 0xFFFFFFFF) >> (32 - bits)
            while slots[i][0]:
                i = (i + 1) & ((1 << bits) - 1)
            slots[i] = (fk, sk, sidf.get(sk, q(idf(1, 0))))
        f.write("const uint32_t ot_form_bits = %d;\n" % bits)
        f.write("const struct ot_form ot_form[%d] = {\n" % len(slots))
        for i in range(0, len(slots), 4):
            f.write("\t" + " ".join("{%d, %d, %d}," % x for x in slots[i:i + 4]) + "\n")
        f.write("};\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("RAQIB_DATA", os.path.join(ROOT, "../shared/data")))
    ap.add_argument("--build", default=os.environ.get("B", "build"),
                    help="build directory holding libraqib.a (the Makefile's B)")
    ap.add_argument("--comment-weight", type=float, default=0.25,
                    help="weight of a comment against an article in the df")
    ap.add_argument("--from-tsv", action="store_true", help="only regenerate the C source")
    a = ap.parse_args()
    if not a.from_tsv:
        count(a.data, a.build)
    gen_c(a.comment_weight)


if __name__ == "__main__":
    main()
