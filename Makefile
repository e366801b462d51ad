# crossrun: build, deps, demo, check, bench, install.
#
#   make            build runner/crossrun, the extension module in
#                   python/crossrun/ and the fixture libraries
#   make demo       run the sample suite, write reports/junit.xml, and
#                   its order service's coverage (reports/coverage.xml,
#                   coverage.info, html/)
#   make check      run every test of the project (SANITIZE=1: ASan+UBSan)
#   make bench      measure the targets of DESIGN.md section 8
#   make fuzz       run the parsers' fuzz targets (FUZZ_SECONDS each)
#   make install    PREFIX=/usr/local DESTDIR=

PY       ?= /usr/bin/python3
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= gcc
CXX      ?= g++
SANITIZE ?=

# Debian packages the build and the tests need; `make deps` installs the
# missing ones (through sudo when not root).
DEB_PKGS := gcc g++ make pkg-config libffi-dev libxml2-dev libxml2-utils \
            python3-dev python3-pytest python3-pytest-forked \
            python3-pytest-xdist python3-cffi libtinyxml2-dev perl \
            libdw-dev help2man gdb \
            libicu72 libprotobuf32 libboost-regex1.74.0 \
            libboost-program-options1.74.0 libboost-filesystem1.74.0 \
            python3-simplejson libjsoncpp-dev libre2-dev python3-yaml \
            libyaml-cpp-dev \
            python3-coverage python3-pytest-cov lcov \
            libtag1-dev python3-mutagen libicu-dev

# Quiet by default: a line per file made; V=1 shows every command.
V       ?=
Q        = $(if $(V),,@)
say      = $(if $(V),,@printf '  %-4s %s\n' '$(1)' '$(2)')

MODE    := $(if $(SANITIZE),san,std)
BUILD   := build/$(MODE)
SAN_FLAGS := -fsanitize=address -fsanitize=undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined
SAN     := $(if $(SANITIZE),$(SAN_FLAGS))

PY_CFLAGS  = $(shell pkg-config --cflags python3-embed)
FFI_CFLAGS = $(shell pkg-config --cflags libffi)
XML_CFLAGS = $(shell pkg-config --cflags libxml-2.0)
PKG_LIBS   = $(shell pkg-config --libs python3-embed libffi libxml-2.0 libdw)
EXT_SUFFIX = $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CXXFLAGS ?= -O2 -g
BASE_CFLAGS   = -std=c11 -D_GNU_SOURCE -fPIC $(WARN) $(SAN) $(CFLAGS) -Irunner
BASE_CXXFLAGS = -std=c++17 -D_GNU_SOURCE -fPIC $(WARN) $(SAN) $(CXXFLAGS) \
                -Irunner
LDLIBS   = $(PKG_LIBS) -ldl -lstdc++ -lm

# The harness is built in layers (DESIGN.md section 1), each into its own
# archive; dependencies run one way: the program -> ffi -> cxx -> core.
# Each layer is compiled with only the include paths it may use, so core/
# and cxx/ cannot include Python.h (tests/layers.py checks the rest).
CORE_SRC := $(wildcard runner/core/*.c)
CXX_SRC  := $(wildcard runner/cxx/*.c) $(wildcard runner/cxx/*.cc)
FFI_SRC  := $(wildcard runner/ffi/*.c)
PROG_SRC := $(wildcard runner/*.c)
objs = $(patsubst %,$(BUILD)/%.o,$(basename $(1)))
CORE_OBJ := $(call objs,$(CORE_SRC))
CXX_OBJ  := $(call objs,$(CXX_SRC))
FFI_OBJ  := $(call objs,$(FFI_SRC))
PROG_OBJ := $(call objs,$(PROG_SRC))
CORE_LIB := $(BUILD)/libcore.a
CXX_LIB  := $(BUILD)/libcxx.a
FFI_LIB  := $(BUILD)/libffi_ext.a
PROG_LIB := $(BUILD)/libprogram.a
LAYER_CFLAGS_core :=
LAYER_CFLAGS_cxx   = $(FFI_CFLAGS)
LAYER_CFLAGS_ffi   = $(FFI_CFLAGS) $(PY_CFLAGS)
LAYER_CFLAGS_prog  = $(FFI_CFLAGS) $(PY_CFLAGS) $(XML_CFLAGS) \
                     -DCROSSRUN_PY='"$(PY)"'
layer_of = $(if $(findstring /runner/core/,$(1)),core,$(if $(findstring \
  /runner/cxx/,$(1)),cxx,$(if $(findstring /runner/ffi/,$(1)),ffi,prog)))

EXT := python/crossrun/_native$(EXT_SUFFIX)

# C unit tests: tests/<layer>/test_*.c, one binary each.
UNIT_SRC := $(wildcard tests/core/test_*.c tests/cxx/test_*.c \
                       tests/runner/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/%.c=$(BUILD)/unit/%)

.PHONY: all build deps demo check bench install uninstall clean fixtures unit \
        layers
# Built in parallel on every core unless make was given -j already.
NPROC := $(shell nproc 2>/dev/null || echo 1)
PAR    = $(if $(findstring j,$(filter-out --%,$(MAKEFLAGS))),,-j$(NPROC))
all: deps
	+@$(MAKE) --no-print-directory $(PAR) build
build: runner/crossrun $(EXT) fixtures

deps: build/.deps
build/.deps: Makefile
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $$missing \
	    || { echo "make deps: could not install:$$missing" >&2; exit 1; }; \
	fi
	@mkdir -p build && touch $@

# Rebuild the outputs when SANITIZE changes: they live outside $(BUILD).
build/mode: FORCE
	@mkdir -p build; echo $(MODE) | cmp -s - $@ || echo $(MODE) > $@
FORCE:

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(LAYER_CFLAGS_$(call layer_of,/$<)) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.cc | deps
	@mkdir -p $(dir $@)
	$(call say,CXX,$@)
	$(Q)$(CXX) $(BASE_CXXFLAGS) $(LAYER_CFLAGS_$(call layer_of,/$<)) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^
$(CXX_LIB): $(CXX_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^
$(FFI_LIB): $(FFI_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^
$(PROG_LIB): $(filter-out $(BUILD)/runner/main.o,$(PROG_OBJ))
	$(call say,AR,$@)
	$(Q)rm -f $@; ar rcs $@ $^

# The program links each layer once, top to bottom. The ffi layer is the
# crossrun._native module: linked whole into the runner (a built-in
# module) and into the extension module that $(PY) imports.
runner/crossrun: $(BUILD)/runner/main.o $(PROG_LIB) $(FFI_LIB) $(CXX_LIB) \
                 $(CORE_LIB) build/mode
	$(call say,LD,$@)
	$(Q)$(CC) $(SAN) -rdynamic -Wl,-z,now -o $@ $(BUILD)/runner/main.o \
	  $(PROG_LIB) -Wl,--whole-archive $(FFI_LIB) -Wl,--no-whole-archive \
	  $(CXX_LIB) $(CORE_LIB) $(LDLIBS)

$(EXT): $(FFI_LIB) $(CXX_LIB) $(CORE_LIB) build/mode
	$(call say,LD,$@)
	$(Q)$(CC) $(SAN) -shared -Wl,-z,now -o $@ \
	  -Wl,--whole-archive $(FFI_LIB) -Wl,--no-whole-archive \
	  $(CXX_LIB) $(CORE_LIB) $(shell pkg-config --libs libffi libdw) -ldl -lstdc++

-include fixtures/fixtures.mk

# A unit test links against the archives of its own layer and those
# below it, so it pulls in only what it uses.
UNIT_LIBS_core = $(CORE_LIB)
UNIT_LIBS_cxx  = $(CXX_LIB) $(CORE_LIB)
UNIT_LIBS_runner = $(PROG_LIB) $(FFI_LIB) $(CXX_LIB) $(CORE_LIB)
UNIT_LDLIBS_core = $(shell pkg-config --libs libdw) -ldl -lstdc++
UNIT_LDLIBS_cxx  = $(shell pkg-config --libs libffi libdw) -ldl -lstdc++
UNIT_LDLIBS_runner = $(LDLIBS)
unit_layer = $(firstword $(subst /, ,$(1)))
# Link flags of one unit test binary, by its name: the allocation-failure
# torture counts and fails the project's own allocations.
UNIT_LDFLAGS_test_torture := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
  -Wl,--wrap=free,--wrap=strdup,--wrap=strndup

.SECONDEXPANSION:
include tests/fuzz/fuzz.mk
$(BUILD)/unit/%: tests/%.c $$(UNIT_LIBS_$$(call unit_layer,$$*)) build/mode
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -Itests $(LAYER_CFLAGS_$(subst runner,prog,$(call unit_layer,$*))) \
	  -o $@ $< $(UNIT_LDFLAGS_$(notdir $*)) $(UNIT_LIBS_$(call unit_layer,$*)) \
	  $(UNIT_LDLIBS_$(call unit_layer,$*))

unit: $(UNIT_BIN)

# The environment every test run gets: where the unit test binaries and
# the JUnit schemas are (shared/ beside the checkout, else the copy of
# junit-10.xsd in tests/schemas), and under SANITIZE
# the sanitizer runtime, preloaded where $(PY) loads the sanitized
# extension (the pytest plugin's tests).
ASAN_RT = $(shell $(CC) -print-file-name=libasan.so)
UBSAN_RT = $(shell $(CC) -print-file-name=libubsan.so)
SCHEMA_DIR ?= $(abspath $(if $(wildcard ../shared/schemas/junit-10.xsd),\
                 ../shared/schemas,tests/schemas))
TEST_ENV = CROSSRUN_UNIT_DIR=$(BUILD)/unit PY=$(PY) CROSSRUN_SANITIZE=$(SANITIZE) \
           CROSSRUN_SCHEMA_DIR=$(SCHEMA_DIR) \
           $(if $(SANITIZE),ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 \
             CROSSRUN_PY_PRELOAD="$(ASAN_RT) $(UBSAN_RT)",)

CHECK_DIRS := $(wildcard tests/kit tests/e2e tests/python tests/ffi tests/layers)

check: all
	+@$(MAKE) --no-print-directory $(PAR) unit
	@if [ -d tests/plugin ]; then \
	  echo "== pytest plugin tests"; \
	  $(TEST_ENV) PYTHONPATH=python \
	    $(if $(SANITIZE),LD_PRELOAD="$(ASAN_RT) $(UBSAN_RT)",) \
	    $(PY) -m pytest -q -p no:cacheprovider tests/plugin \
	    || exit 1; fi
	@echo "== crossrun's own tests"
	@command -v bazel >/dev/null || echo "(bazel is not installed: the one" \
	  "test that runs crossrun under Bazel, tests/e2e/test_bazel.py, is" \
	  "skipped; .ci/run installs bazel-bootstrap)"
	$(TEST_ENV) runner/crossrun -j 2 --junitxml reports/check.xml $(CHECK_DIRS)

# The layers depend on each other one way, by includes and by symbols.
layers: all
	$(PY) tests/layers/layers.py --build $(BUILD) --graph

# The sample suite, then what crossrun is for: a suite whose library
# crashes, aborts, hangs and exits (it must fail, and exit 1).
demo: all
	runner/crossrun --junitxml reports/junit.xml fixtures/suite
	@echo; echo "== when a library misbehaves (these fail on purpose):"; echo
	@runner/crossrun --junitxml reports/junit-failures.xml \
	  fixtures/demo-failures; rc=$$?; [ $$rc = 1 ] || { \
	  echo "make demo: the failure demo should exit 1, not $$rc" >&2; \
	  exit 1; }
	@echo; echo "== the order service again, built with --coverage (--cov):"
	@echo
	ORDERS_BUILD=fixtures/build-cov runner/crossrun --cov=reports \
	  fixtures/suite/test_orders.py
	genhtml -q -o reports/html reports/coverage.info
	@echo; echo "reports: reports/junit.xml, reports/junit-failures.xml," \
	  "reports/coverage.xml, reports/coverage.info, reports/html/index.html"

bench: all
	$(PY) bench/bench.py

# The man page is made from the program's own --help and --version, so
# the two can never disagree.
MAN := build/crossrun.1
$(MAN): runner/crossrun
	$(call say,MAN,$@)
	$(Q)help2man --no-info --no-discard-stderr --section=1 \
	  --name="cross-language integration test runner" \
	  --output=$@ runner/crossrun

SITE_DIR = $${PY_SITE:-$$($(PY) -c 'import sys; print("$(PREFIX)/lib/python%d.%d/dist-packages" % sys.version_info[:2])')}
PKG_DIR  = $(PREFIX)/lib/crossrun/python
DOC_DIR  = $(PREFIX)/share/doc/crossrun
MAN_DIR  = $(PREFIX)/share/man/man1

install: all $(MAN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PKG_DIR)/crossrun \
	  $(DESTDIR)$(DOC_DIR) $(DESTDIR)$(MAN_DIR)
	install -m 755 runner/crossrun $(DESTDIR)$(PREFIX)/bin/crossrun
	install -m 644 python/crossrun/*.py $(DESTDIR)$(PKG_DIR)/crossrun/
	install -m 755 $(EXT) $(DESTDIR)$(PKG_DIR)/crossrun/
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOC_DIR)/
	install -m 644 $(MAN) $(DESTDIR)$(MAN_DIR)/crossrun.1
	@# The pytest plugin needs no -p once installed: a crossrun dist-info
	@# next to the package names it as a pytest11 entry point, and a .pth
	@# in $(PY)'s site directory under PREFIX (PY_SITE overrides it) puts
	@# the package's directory on sys.path.
	site=$(SITE_DIR); dist=$(DESTDIR)$(PKG_DIR)/crossrun-0.1.dist-info; \
	install -d $$dist $(DESTDIR)$$site && \
	printf 'Metadata-Version: 2.1\nName: crossrun\nVersion: 0.1\n' \
	  > $$dist/METADATA && \
	printf '[pytest11]\ncrossrun = crossrun.pytest_plugin\n' \
	  > $$dist/entry_points.txt && \
	echo $(PKG_DIR) > $(DESTDIR)$$site/crossrun.pth

# Removes what install put there, and nothing else.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/crossrun $(DESTDIR)$(MAN_DIR)/crossrun.1
	rm -rf $(DESTDIR)$(PKG_DIR) $(DESTDIR)$(DOC_DIR)
	-rmdir $(DESTDIR)$(PREFIX)/lib/crossrun 2>/dev/null
	site=$(SITE_DIR); rm -f $(DESTDIR)$$site/crossrun.pth

clean:
	rm -rf build runner/crossrun python/crossrun/_native*.so fixtures/build

-include $(CORE_OBJ:.o=.d) $(CXX_OBJ:.o=.d) $(FFI_OBJ:.o=.d) $(PROG_OBJ:.o=.d)
