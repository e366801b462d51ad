# crossrun: build, deps, demo, check, bench, install.
#
#   make            build runner/crossrun, the extension module in
#                   python/crossrun/ and the fixture libraries
#   make demo       run the sample suite, write reports/junit.xml
#   make check      run every test of the project (SANITIZE=1: ASan+UBSan)
#   make bench      measure the targets of DESIGN.md section 8
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
            python3-pytest-xdist python3-cffi libtinyxml2-dev perl

MODE    := $(if $(SANITIZE),san,std)
BUILD   := build/$(MODE)
SAN_FLAGS := -fsanitize=address -fsanitize=undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=undefined
SAN     := $(if $(SANITIZE),$(SAN_FLAGS))

PKG_CFLAGS = $(shell pkg-config --cflags python3-embed libffi libxml-2.0)
PKG_LIBS   = $(shell pkg-config --libs python3-embed libffi libxml-2.0)
EXT_SUFFIX = $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CXXFLAGS ?= -O2 -g
ALL_CFLAGS   = -std=c11 -D_GNU_SOURCE -fPIC $(WARN) $(SAN) $(CFLAGS) \
               -Irunner -Ipython/native $(PKG_CFLAGS)
ALL_CXXFLAGS = -std=c++17 -D_GNU_SOURCE -fPIC $(WARN) $(SAN) $(CXXFLAGS) \
               -Irunner -Ipython/native $(PKG_CFLAGS)
LDLIBS   = $(PKG_LIBS) -ldl -lstdc++ -lm

# The runner: every runner/*.c. The native module: every python/native/*.c
# and *.cc; it is linked into the runner as a built-in module and built
# as an extension module for $(PY). Runner sources that the extension
# needs too (the supervisor and its helpers) are listed in SHARED_SRC.
RUNNER_SRC := $(wildcard runner/*.c)
NATIVE_SRC := $(wildcard python/native/*.c) $(wildcard python/native/*.cc)
SHARED_SRC := $(wildcard runner/buf.c runner/sup.c runner/demangle.c \
                          runner/afile.c runner/codepages.c)
RUNNER_OBJ := $(RUNNER_SRC:%.c=$(BUILD)/%.o)
NATIVE_OBJ := $(patsubst %,$(BUILD)/%.o,$(basename $(NATIVE_SRC)))
SHARED_OBJ := $(SHARED_SRC:%.c=$(BUILD)/%.o)
# Unit tests link against archives, so they pull in only what they use.
RUNNER_LIB := $(BUILD)/librunner.a
NATIVE_LIB := $(BUILD)/libnative.a

EXT := python/crossrun/_native$(EXT_SUFFIX)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all deps demo check bench install clean fixtures unit
all: deps runner/crossrun $(EXT) fixtures

deps: build/.deps
build/.deps:
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
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.cc | deps
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -MMD -MP -c $< -o $@

runner/crossrun: $(RUNNER_OBJ) $(NATIVE_OBJ) build/mode
	$(CC) $(SAN) -rdynamic -Wl,-z,now -o $@ $(RUNNER_OBJ) $(NATIVE_OBJ) $(LDLIBS)

$(EXT): $(NATIVE_OBJ) $(SHARED_OBJ) build/mode
	$(CC) $(SAN) -shared -Wl,-z,now -o $@ $(NATIVE_OBJ) $(SHARED_OBJ) \
	  $(shell pkg-config --libs libffi) -ldl -lstdc++

-include fixtures/fixtures.mk

$(RUNNER_LIB): $(filter-out $(BUILD)/runner/main.o,$(RUNNER_OBJ))
	rm -f $@; ar rcs $@ $^
$(NATIVE_LIB): $(NATIVE_OBJ)
	rm -f $@; ar rcs $@ $^

$(BUILD)/unit/%: tests/unit/%.c $(RUNNER_LIB) $(NATIVE_LIB) build/mode
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(RUNNER_LIB) $(NATIVE_LIB) $(RUNNER_LIB) $(LDLIBS)

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
TEST_ENV = CROSSRUN_UNIT_DIR=$(BUILD)/unit PY=$(PY) \
           CROSSRUN_SCHEMA_DIR=$(SCHEMA_DIR) \
           $(if $(SANITIZE),ASAN_OPTIONS=detect_leaks=0:abort_on_error=0,)

CHECK_DIRS := $(wildcard tests/unit tests/e2e tests/api tests/ffi tests/isolation)

check: all unit
	@if [ -d tests/plugin ]; then \
	  echo "== pytest plugin tests"; \
	  $(TEST_ENV) PYTHONPATH=python \
	    $(if $(SANITIZE),LD_PRELOAD="$(ASAN_RT) $(UBSAN_RT)",) \
	    $(PY) -m pytest -q -p no:cacheprovider tests/plugin \
	    || exit 1; fi
	@echo "== crossrun's own tests"
	$(TEST_ENV) runner/crossrun -j 2 --junitxml reports/check.xml $(CHECK_DIRS)

demo: all
	runner/crossrun --junitxml reports/junit.xml fixtures/suite

bench: all
	$(PY) bench/bench.py

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/crossrun/python/crossrun
	install -m 755 runner/crossrun $(DESTDIR)$(PREFIX)/bin/crossrun
	install -m 644 python/crossrun/*.py $(DESTDIR)$(PREFIX)/lib/crossrun/python/crossrun/
	install -m 755 $(EXT) $(DESTDIR)$(PREFIX)/lib/crossrun/python/crossrun/
	@# The pytest plugin needs no -p once installed: a crossrun dist-info
	@# next to the package names it as a pytest11 entry point, and a .pth
	@# in $(PY)'s site directory under PREFIX (PY_SITE overrides it) puts
	@# the package's directory on sys.path.
	site=$${PY_SITE:-$$($(PY) -c 'import sys; print("$(PREFIX)/lib/python%d.%d/dist-packages" % sys.version_info[:2])')}; \
	dist=$(DESTDIR)$(PREFIX)/lib/crossrun/python/crossrun-0.1.dist-info; \
	install -d $$dist $(DESTDIR)$$site && \
	printf 'Metadata-Version: 2.1\nName: crossrun\nVersion: 0.1\n' \
	  > $$dist/METADATA && \
	printf '[pytest11]\ncrossrun = crossrun.pytest_plugin\n' \
	  > $$dist/entry_points.txt && \
	echo $(PREFIX)/lib/crossrun/python > $(DESTDIR)$$site/crossrun.pth

clean:
	rm -rf build runner/crossrun python/crossrun/_native*.so fixtures/build

-include $(RUNNER_OBJ:.o=.d) $(NATIVE_OBJ:.o=.d) $(SHARED_OBJ:.o=.d)
