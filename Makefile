# burrow — build, test, demo, fuzz, bench.
#
#   make            build/burrow
#   make test       deps, ASan+UBSan build, unit + conformance + fuzz replay + e2e
#   make demo       a native-bundle env from manifests/demo.toml, no network
#   make fuzz       libFuzzer targets, each run FUZZ_SECONDS, FUZZ_JOBS at a time
#   make install PREFIX=/usr/local
#   make bench      scripts/bench
#   make clean

CC       ?= cc
BUILD    ?= build
SANITIZE ?=
PREFIX   ?= /usr/local
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= $(shell nproc)
PYTHON   ?= /usr/bin/python3

PKGS := libcurl libarchive sqlite3 libcrypto json-c libxml-2.0 zlib libelf
# libcurl, libxml2, libarchive and libcrypto are not linked but loaded on
# first use (src/util/lazylib.c): most commands need none of them.
LINKED := sqlite3 json-c zlib libelf
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(LINKED) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wstrict-prototypes -Wvla -Wwrite-strings
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP
LDLIBS  = $(PKG_LIBS) -lpthread -ldl
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

SRC   := $(wildcard src/*.c src/util/*.c)
CMDS  := src/main.c src/front.c $(wildcard src/cmd_*.c)
CORE  := $(filter-out $(CMDS),$(SRC))
OBJ   := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE))
CMDOBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(filter-out src/front.c,$(CMDS)))
# The front binary (burrow) links libc only: see src/front.c.
FRONT := front cmd_common cmd_run cmd_env launch noop envdir trust util/strbuf util/utf8 util/error util/fs util/signals util/suggest
FRONTOBJ := $(patsubst %,$(BUILD)/obj/%.o,$(FRONT))
UNIT  := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY := $(patsubst tests/fuzz/%.c,$(BUILD)/replay/%,$(FUZZ_SRC))

.PHONY: all deps test unit conformance fuzz-replay e2e demo fuzz fuzz-run install bench clean format checksrc man

all: $(BUILD)/burrow $(BUILD)/burrow-core

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/burrow-core: $(CMDOBJ) $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/burrow: $(FRONTOBJ)
	$(CC) $(LDFLAGS) -o $@ $^

# Unit tests also call libarchive directly (to build hostile archives).
TEST_LIBS := $(shell pkg-config --libs libcurl libarchive libxml-2.0 2>/dev/null)
$(BUILD)/unit/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJ) $(LDLIBS) $(TEST_LIBS) -lcmocka

$(BUILD)/toml-decoder: tests/toml-decoder.c $(OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJ) $(LDLIBS)

$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(OBJ) $(LDLIBS)

# make test: everything under ASan+UBSan in build/asan.
test: deps
	$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined check
	$(MAKE) --no-print-directory all

check: all $(UNIT) $(BUILD)/toml-decoder $(REPLAY)
	@scripts/checksrc
	@scripts/run-unit $(UNIT)
	@$(PYTHON) tests/conformance/toml_test.py $(BUILD)/toml-decoder
	@scripts/run-fuzz-replay $(BUILD)/replay
	@BURROW=$(abspath $(BUILD)/burrow) BURROW_BUILD=$(abspath $(BUILD)) scripts/run-e2e

# deps, then a fresh make: PKG_CFLAGS above was computed when this Makefile
# was read, maybe before install-deps put pkg-config and the -dev packages in.
demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
build/fuzz/%: tests/fuzz/%.c $(CORE)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(PKG_CFLAGS) -o $@ $< $(CORE) $(LDLIBS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BIN)
	@scripts/run-fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_BIN)

man: $(BUILD)/burrow.1
$(BUILD)/burrow.1 $(BUILD)/burrow.bash: $(BUILD)/burrow $(BUILD)/burrow-core
	$(BUILD)/burrow help --man > $(BUILD)/burrow.1.tmp && mv $(BUILD)/burrow.1.tmp $(BUILD)/burrow.1
	$(BUILD)/burrow help --completion bash > $(BUILD)/burrow.bash.tmp && mv $(BUILD)/burrow.bash.tmp $(BUILD)/burrow.bash

install: all man
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/burrow $(DESTDIR)$(PREFIX)/bin/burrow
	install -d $(DESTDIR)$(PREFIX)/libexec/burrow
	install -m 0755 $(BUILD)/burrow-core $(DESTDIR)$(PREFIX)/libexec/burrow/burrow-core
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 $(BUILD)/burrow.1 $(DESTDIR)$(PREFIX)/share/man/man1/burrow.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 $(BUILD)/burrow.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/burrow

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench

format:
	clang-format -i src/*.c src/*.h src/util/*.c src/util/*.h tests/unit/*.c tests/fuzz/*.c tests/tools/*.c

checksrc:
	@scripts/checksrc

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Test tools: small drivers the e2e and conformance tests run (tests/tools/*.c).
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
$(BUILD)/tools/%: tests/tools/%.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJ) $(LDLIBS)
check: $(TOOLS)
