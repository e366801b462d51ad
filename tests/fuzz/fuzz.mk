# make fuzz: a libFuzzer target per parser of the harness and one for the
# mangler (tests/fuzz/), each run for FUZZ_SECONDS from its corpus in git
# (new inputs it finds go to build/fuzz/corpus_NAME, not into git).
# Included by the Makefile.

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
# Debian packages only `make fuzz` needs: installed by it, through the
# same recipe as `make deps`.
FUZZ_PKGS    := clang libclang-rt-dev
FUZZ_DIR     := build/fuzz
FUZZ_CFLAGS  := -g -O1 -std=c11 -D_GNU_SOURCE $(WARN) -Irunner \
                -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_TARGETS := decl tap mangle
FUZZ_SRC_decl := runner/cxx/decl.c runner/cxx/types.c runner/core/buf.c
FUZZ_SRC_tap  := runner/tap.c runner/core/buf.c
FUZZ_SRC_mangle := runner/cxx/mangle.c runner/cxx/decl.c runner/cxx/types.c \
                   runner/core/buf.c
# Libraries a target links besides its sources (the demangler).
FUZZ_LIBS_mangle := -lstdc++

.PHONY: fuzz
build/.fuzz-deps:
	@$(MAKE) --no-print-directory -B build/.deps DEB_PKGS="$(FUZZ_PKGS)"
	@touch $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) | build/.fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*) $(FUZZ_LIBS_$*)

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  mkdir -p $(FUZZ_DIR)/corpus_$$t; \
	  $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ \
	    $(FUZZ_DIR)/corpus_$$t tests/fuzz/corpus/$$t 2>$(FUZZ_DIR)/$$t.log \
	    || { tail -40 $(FUZZ_DIR)/$$t.log; echo "fuzz_$$t failed: the" \
	         "input is in $(FUZZ_DIR)/ (crash-*)" >&2; exit 1; }; \
	  grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/$$t.log; \
	done
