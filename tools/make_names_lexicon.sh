#!/bin/sh
# Builds data/lexicons/names.txt (real given and family names, for the
# pseudonym rule) from shared/data/names/names.tsv.
#   usage: sh tools/make_names_lexicon.sh [names.tsv] > data/lexicons/names.txt
# Takes every Arabic-script name of every kind (akhateeb male/female first
# and last names, npm arabic-name-to-en first names, Google transliteration
# Wikipedia name pairs) and the Latin spellings of the akhateeb/npm lists;
# drops entries with spaces or non-letters. Sorted, deduplicated,
# deterministic (LC_ALL=C).
set -eu
src=${1:-../shared/data/names/names.tsv}
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
awk -F'\t' 'NR > 1 {
	if ($1 != "" && $1 !~ /[ 0-9A-Za-z._-]/) print $1
	if (($3 == "first" || $3 == "last") && $2 ~ /^[A-Za-z]+$/ && length($2) > 1)
		print tolower($2)
}' "$src" | sort -u
