# raqib — build, test, run. Everything is built under build/.
#   make            build build/raqib
#   make run        install missing packages, build, run the main job
#   make test       install missing packages, build, run the whole suite
#                   (unit + rule data + CLI contract + ASan/UBSan + short fuzz)
#   make asan       the test suite under AddressSanitizer + UBSan only
#   make fuzz       run the fuzzers (FUZZ_SECONDS each, default 60)
#   make bench      benchmarks (not part of make test)
#   make eval       accuracy on ../shared/data: rules, models, fastText bar
#   make models     retrain the shipped models/*.model from ../shared/data
#   make deps       apt-get install the Debian packages that are missing

CC      ?= cc
PKGS     = libutf8proc jansson inih libcjson libmicrohttpd sqlite3 libsodium libcurl
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wconversion -Wno-sign-conversion -Wstrict-prototypes -Iinclude -Isrc
OPT     ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lutf8proc -ljansson -linih -lcjson -lmicrohttpd -lsqlite3 -lsodium -lcurl)
CFLAGS  += $(CFLAGS_BASE) $(OPT) $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -llinear -lstemmer -lm -lpthread

B        = build
LIB_SRC := $(filter-out %_test.c,$(wildcard src/base/*.c src/text/*.c src/rules/*.c src/model/*.c src/verdict/*.c src/store/*.c src/http/*.c))
CLI_SRC := $(wildcard src/cli/*.c)
TEST_SRC := $(wildcard src/*/*_test.c)
LEXICONS := $(wildcard data/lexicons/*.txt)

LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
TESTS   := $(TEST_SRC:src/%.c=$(B)/tests/%)

# Debian packages: build, tests, benchmark reference, fuzzing.
DEB_PKGS = gcc make pkg-config libutf8proc-dev libjansson-dev libcjson-dev libinih-dev \
	libcmocka-dev liblinear-dev libstemmer-dev jq clang time python3 fasttext \
	libmicrohttpd-dev libsqlite3-dev libsodium-dev libcurl4-openssl-dev sqlite3 curl wrk nginx-light \
	chromium fonts-noto-core wamerican tidy

.PHONY: all deps run test unit rules-test cli-test models-test http-test browser-test admin-test asan fuzz fuzz-quick bench bench-http eval eval-fasttext idf models clean

all: $(B)/raqib

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The lexicons and the web assets are assembled into the binary with .incbin.
$(B)/obj/src/rules/lexdata.o: $(LEXICONS)
$(B)/obj/src/rules/pseudonym_model.o: models/pseudonym.model
$(B)/obj/src/http/assets.o: $(wildcard src/http/assets/*)

$(B)/libraqib.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(B)/raqib: $(CLI_OBJ) $(B)/libraqib.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(B)/libraqib.a $(LDLIBS)

$(B)/tests/%_test: src/%_test.c $(B)/libraqib.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(B)/libraqib.a $(LDLIBS) -lcmocka

$(B)/tests/rules_test: tests/rules_test.c $(B)/libraqib.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(B)/libraqib.a $(LDLIBS) -lcmocka

unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; $$t; done

rules-test: $(B)/tests/rules_test
	$(B)/tests/rules_test tests/rules/*.test

cli-test: $(B)/raqib
	sh tests/cli_test.sh $(B)/raqib
	sh tests/cli_user_test.sh $(B)/raqib

# Training determinism through the CLI, and the shipped models still reach
# their cards' test figures (skipped without ../shared/data).
models-test: $(B)/raqib
	sh tests/models_test.sh $(B)/raqib

# The comment server over real HTTP on an ephemeral loopback port.
http-test: $(B)/raqib
	python3 tests/http_test.py $(B)/raqib

# The editors' desk (docs/admin.md): users, sessions, queue, audit, export.
admin-test: $(B)/raqib
	python3 tests/admin_test.py $(B)/raqib

# Playwright (playwright-core from npm) driving Debian's chromium.
browser-test: $(B)/raqib
	sh tests/browser/run.sh $(B)/raqib
	sh tests/browser/run_admin.sh $(B)/raqib

# The whole suite once more under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	$(MAKE) --no-print-directory B=build/asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" unit rules-test cli-test http-test admin-test

# deps first, then a fresh make: pkg-config only answers once packages exist
run: deps
	$(MAKE) --no-print-directory all
	sh examples/run.sh $(B)/raqib

test: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory unit rules-test cli-test models-test http-test admin-test browser-test
	$(MAKE) --no-print-directory asan
	$(MAKE) --no-print-directory fuzz-quick
	@echo "make test: all passed"

FUZZ_SECONDS ?= 60
FUZZERS = normalize jsonl models
FUZZ_LIB_SRC := $(LIB_SRC) src/cli/jsonl.c
fuzz-build:
	@mkdir -p $(B)/fuzz
	@set -e; for f in $(FUZZERS); do \
	  clang -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o $(B)/fuzz/$$f fuzz/fuzz_$$f.c $(FUZZ_LIB_SRC) $(PKG_LIBS) -llinear -lstemmer -lm; done

fuzz: fuzz-build
	@set -e; for f in $(FUZZERS); do mkdir -p $(B)/fuzz/corpus-$$f; \
	  $(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(B)/fuzz/corpus-$$f fuzz/corpus/$$f; done

# A short run inside make test: catches regressions, stays fast.
fuzz-quick:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=15

bench: deps
	$(MAKE) --no-print-directory all
	sh bench/run.sh $(B)/raqib

# GET of a 100-comment article page against nginx serving it as a static
# file, and POST through screening into the durable store, with wrk.
bench-http: deps
	$(MAKE) --no-print-directory all
	sh bench/http.sh $(B)/raqib

# Accuracy of the rules on the labelled sets of ../shared/data (not in make test).
$(B)/eval_rules: bench/eval_rules.c $(B)/libraqib.a
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(B)/libraqib.a $(LDLIBS)

$(B)/bench/bench_screen: bench/bench_screen.c $(B)/libraqib.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(B)/libraqib.a $(LDLIBS)

$(B)/eval_offtopic: bench/eval_offtopic.c $(B)/libraqib.a
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(B)/libraqib.a $(LDLIBS)

$(B)/eval_pseudonym: bench/eval_pseudonym.c $(B)/libraqib.a
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(B)/libraqib.a $(LDLIBS)

# Rebuilds the off-topic document-frequency table from ../shared/data.
idf: all
	python3 tools/make_idf.py --build $(B)

eval: deps
	$(MAKE) --no-print-directory all $(B)/eval_rules $(B)/eval_offtopic $(B)/eval_pseudonym
	sh bench/eval_rules.sh $(B)/eval_rules ../shared/data
	@echo "## pseudonym (held-out name lists; names lexicon without the held-out names)"
	python3 tools/make_pseudonym_data.py
	sh tools/make_names_lexicon.sh ../shared/data/names/names.tsv tests/fixtures/pseudonyms/heldout_names.txt > $(B)/names_train.txt
	$(B)/eval_pseudonym -N $(B)/names_train.txt -a ../shared/data/names/aoc-comment-authors.tsv
	@echo "## pseudonym with the name model (models/pseudonym.model, on by default)"
	$(B)/eval_pseudonym -N $(B)/names_train.txt -a ../shared/data/names/aoc-comment-authors.tsv -m models/pseudonym.model
	python3 tools/make_splits.py --out $(EVAL_DATA)
	DATA=$(EVAL_DATA) IF_STALE=1 sh tools/eval_fasttext.sh $(filter-out pseudonym,$(MODEL_RULES))
	DATA=$(EVAL_DATA) sh tools/eval_models.sh $(B)/raqib

# The splits make eval scores, in their own folder: rewriting build/data
# under a `raqib train` reading it would be a race (same bytes either way).
EVAL_DATA = $(B)/eval/data

# The fastText bar on the same splits, with each card's settings (minutes per
# rule); saves build/eval/fasttext.tsv, which make eval then prints. make eval
# trains it itself when the saved figures are missing or stale (other
# splits); this target retrains it regardless.
eval-fasttext: deps
	$(MAKE) --no-print-directory all
	python3 tools/make_splits.py --out $(EVAL_DATA)
	DATA=$(EVAL_DATA) WORK=$(B)/eval/fasttext sh tools/eval_fasttext.sh $(filter-out pseudonym,$(MODEL_RULES))
	DATA=$(EVAL_DATA) sh tools/eval_models.sh $(B)/raqib

# Retrains every shipped model from ../shared/data with its card's command
# (models/<rule>.md). Deterministic: the same data give the same bytes.
# MODELS_OUT=DIR writes elsewhere (to compare with the shipped files);
# MODEL_RULES="foreign" retrains only some.
MODEL_RULES ?= insult hate dialect foreign pseudonym
MODELS_OUT  ?= models
# Each rule's extra options: keep them equal to the card's Command line.
MODEL_ARGS_insult  = --tf --C-grid 32,64,128 --weight osact2020=3 --weight 'neg-*=4' --lex-dir data/lexicons
MODEL_ARGS_hate    = --tf --nb --C-grid 64,128,256,512,1024 --lex-dir data/lexicons
MODEL_ARGS_dialect = --tf --nb --C-grid 4,8,12,16,24
MODEL_ARGS_foreign = --tf --nb --C-grid 1,2,4,8,16,32
MODEL_ARGS_pseudonym = --char-min 1 --hash-bits 16 --min-precision 0.95
# The dev split each rule tunes on, when not <rule>-dev: foreign tunes C and
# its threshold on comment-length pieces (models/foreign.md).
MODEL_DEV_foreign = foreign-shortdev

define train_model
	$(B)/raqib train --rule $(1) --train $(B)/data/$(1)-train.tsv --dev $(B)/data/$(or $(MODEL_DEV_$(1)),$(1)-dev).tsv --out $(MODELS_OUT)/$(1).model $(MODEL_ARGS_$(1))

endef

models: deps
	$(MAKE) --no-print-directory all
	python3 tools/make_splits.py --out $(B)/data
	python3 tools/make_name_data.py --out $(B)/data
	@mkdir -p $(MODELS_OUT)
	$(foreach r,$(MODEL_RULES),$(call train_model,$(r)))
	@cd $(MODELS_OUT) && md5sum $(MODEL_RULES:%=%.model)
	@[ "$(MODELS_OUT)" = models ] || for r in $(MODEL_RULES); do \
	  if cmp -s $(MODELS_OUT)/$$r.model models/$$r.model; then echo "$$r: same bytes as models/$$r.model"; \
	  else echo "$$r: DIFFERS from models/$$r.model"; fi; done

clean:
	rm -rf build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
