#!/bin/sh
# Builds data/lexicons/names.txt (real given and family names, for the
# pseudonym rule) from shared/data/names/names.tsv.
#   usage: sh tools/make_names_lexicon.sh [names.tsv [heldout.txt]] > data/lexicons/names.txt
#   evaluation copy (held-out names removed, for bench/eval_pseudonym -N):
#   sh tools/make_names_lexicon.sh ../shared/data/names/names.tsv \
#      tests/fixtures/pseudonyms/heldout_names.txt > build/names_train.txt
# Takes every Arabic-script name of every kind (akhateeb male/female first
# and last names, npm arabic-name-to-en first names, Google transliteration
# Wikipedia name pairs) and the Latin spellings of the akhateeb/npm lists;
# drops entries with spaces or non-letters, and, when heldout.txt is given,
# every spelling it lists (tests/fixtures/pseudonyms/heldout_names.txt: the
# names the rule is evaluated on, tools/make_pseudonym_data.py). The shipped
# list keeps every name; the evaluation runs on the reduced copy, so the
# rule is measured on names it has not seen. Sorted, deduplicated,
# deterministic (LC_ALL=C).
set -eu
src=${1:-../shared/data/names/names.tsv}
held=${2:-/dev/null}
export LC_ALL=C
cat <<'HDR'
# names.txt — real Arabic given and family names, one per line, for the
# pseudonym rule (a signature made of known names is a real name).
# Source: shared/data/names/names.tsv (see its SOURCE.txt):
#   akhateeb/arabic-names (GitHub AKhateeb/arabic-names)      MIT
#   npm arabic-name-to-en (GitHub hamdongunner/arabic-names-to-en)  ISC
#   google/transliteration ar2en (Wikipedia name pairs)         Apache-2.0
# Derived with: sh tools/make_names_lexicon.sh > data/lexicons/names.txt
# Absence from this list is no evidence: most family names are missing.
# The lists are noisy (the npm list holds مجهول and زائر, the Wikipedia pairs
# some ordinary words): the rule never lets a name excuse an anonymity word.
HDR
awk -F'\t' -v held="$held" '
BEGIN { while ((getline l < held) > 0) skip[l] = 1 }
NR > 1 {
	if ($1 != "" && $1 !~ /[ 0-9A-Za-z._-]/ && !($1 in skip)) print $1
	if (($3 == "first" || $3 == "last") && $2 ~ /^[A-Za-z]+$/ && length($2) > 1 &&
	    !(tolower($2) in skip))
		print tolower($2)
}' "$src" | sort -u
