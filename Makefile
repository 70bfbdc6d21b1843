# netns: GNU make, non-recursive, no configure step.
#   make                 build everything into $(BUILD)
#   make check           run every test (as root; installs missing packages),
#                        the fuzz corpora included (fuzz-regress)
#   make demo            run the walkthrough
#   make bench           run the benchmarks
#   make install PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined BUILD=build-asan check
#   make fuzz [FUZZ_SECONDS=10]  fuzz each parser (libFuzzer, clang) for a while
#   make fuzz-regress    run every fuzz target on its corpus, with $(CC): no clang

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=
V        ?=
Q        := $(if $(V),,@)
say       = $(if $(V),,@printf '  %-6s %s\n' $(1) $(2);)

BINDIR  := $(PREFIX)/bin
LIBDIR  := $(PREFIX)/lib
INCDIR  := $(PREFIX)/include
MANDIR  := $(PREFIX)/share/man
PCDIR   := $(LIBDIR)/pkgconfig

PC_SED   = sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|'
VERSION := $(shell sed -n 's/^#define NETNS_VERSION "\(.*\)"/\1/p' include/netns.h)
SONAME  := libnetns.so.1

CC      ?= cc
PKGS    := libmnl jansson
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-overflow=2 \
           -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
           -Wpointer-arith -Wundef -Wvla -Wcast-qual -Wwrite-strings \
           -Wnull-dereference -Wimplicit-fallthrough -Wmissing-declarations
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude $(WARN) $(CFLAGS) \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS  := $(PKG_LIBS) -pthread
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

LIB_SRC   := $(wildcard lib/*.c)
CLI_SRC   := $(wildcard cli/*.c)
DEMO_SRC  := $(wildcard demos/*.c)
BENCH_SRC := $(wildcard bench/*.c)
EXAMPLE_SRC := $(wildcard examples/*.c)
UNIT_SRC  := $(wildcard tests/unit/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
LIBA_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
DEMOS     := $(DEMO_SRC:demos/%.c=$(BUILD)/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
EXAMPLES  := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.t)

LIBA  := $(BUILD)/libnetns.a
LIBSO := $(BUILD)/$(SONAME)
NETNS := $(BUILD)/netns
PC    := $(BUILD)/netns.pc

all: $(LIBA) $(LIBSO) $(NETNS) $(DEMOS) $(BENCHES) $(EXAMPLES) $(UNITS) $(PC)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -fvisibility=hidden -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The static library exports what the shared one does: its objects are
# linked into one, and every hidden symbol (the nsi_ internals) made local.
$(LIBA): $(LIBA_OBJ)
	@rm -f $@
	$(call say,AR,$@)$(LD) -r -o $(BUILD)/libnetns.o $^ && \
		objcopy --localize-hidden $(BUILD)/libnetns.o && \
		$(AR) rcs $@ $(BUILD)/libnetns.o

$(LIBSO): $(LIB_OBJ) lib/libnetns.map
	$(call say,LD,$@)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libnetns.map \
		-Wl,--no-undefined $(LDFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS)
	$(Q)ln -sf $(SONAME) $(BUILD)/libnetns.so

$(NETNS): $(CLI_OBJ) $(LIBA)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBA) $(LDLIBS)

$(BUILD)/%: $(BUILD)/demos/%.o $(LIBA)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBA)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

# examples/*.c: the programs man/libnetns.3 shows, built with our warnings.
$(BUILD)/examples/%: $(BUILD)/examples/%.o $(LIBA)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/tests/%.t: $(BUILD)/tests/unit/%.o $(LIBA)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(PC): netns.pc.in include/netns.h
	@mkdir -p $(@D)
	$(call say,GEN,$@)$(PC_SED) $< > $@

deps:
	@scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory fuzz-regress
	SANITIZE=$(SANITIZE) BUILD=$(abspath $(BUILD)) tests/run.sh

tsan: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)-tsan SANITIZE=thread $(BUILD)-tsan/tests/stress.t
	BUILD=$(abspath $(BUILD)-tsan) tests/run.sh $(abspath $(BUILD)-tsan)/tests/stress.t

demo: deps
	@$(MAKE) --no-print-directory all
	BUILD=$(abspath $(BUILD)) examples/walkthrough.sh

bench: deps
	@$(MAKE) --no-print-directory all
	BUILD=$(abspath $(BUILD)) bench/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(NETNS) $(DEMOS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIBSO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libnetns.so
	install -m 644 include/netns.h $(DESTDIR)$(INCDIR)/
	$(PC_SED) netns.pc.in > $(DESTDIR)$(PCDIR)/netns.pc  # PREFIX may differ from the build's
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(wildcard man/*.3) $(DESTDIR)$(MANDIR)/man3/

# Fuzzing: fuzz/TARGET.c is a libFuzzer target, built by clang with ASan and
# UBSan from the sources it names below plus lib/; fuzz/corpus/TARGET/ is its
# seed corpus, in the tree. A run writes what it finds to a temporary
# directory (libFuzzer adds inputs to the first corpus it is given) and a
# crash to $(BUILD)/fuzz/TARGET-crash-*: add that file to fuzz/corpus/TARGET/
# and it is a regression test. fuzz-regress builds each target with $(CC)
# and fuzz/standalone.c instead of libFuzzer and runs it on its corpus once.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
FUZZ_TARGETS := $(filter-out standalone,$(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c)))
FUZZ_USES_batch  := cli/batch.c cli/common.c
FUZZ_USES_number := cli/common.c
FUZZ_USES_cidr   :=
FUZZ_USES_link   := cli/common.c
FUZZ_USES_name   := cli/common.c
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude -g -O1 -Wall -Wextra -Werror \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

.SECONDEXPANSION: # for $$(FUZZ_USES_$$*)
$(BUILD)/fuzz/%: fuzz/%.c fuzz/fuzz.h $$(FUZZ_USES_$$*) $(LIB_SRC) $(wildcard lib/*.h cli/*.h include/*.h)
	@mkdir -p $(@D)
	$(call say,FUZZCC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_USES_$*) $(LIB_SRC) $(LDLIBS)

$(BUILD)/fuzz/%-regress: $(BUILD)/fuzz/%.o $(BUILD)/fuzz/standalone.o \
			 $$(addprefix $(BUILD)/,$$(subst .c,.o,$$(FUZZ_USES_$$*))) $(LIBA_OBJ)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps-fuzz:
	@scripts/deps.sh fuzz

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
	@set -e; for t in $(FUZZ_TARGETS); do \
		tmp=$$(mktemp -d); \
		echo "  FUZZ   $$t for $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			-artifact_prefix=$(BUILD)/fuzz/$$t- $$tmp fuzz/corpus/$$t \
			>$(BUILD)/fuzz/$$t.log 2>&1 || \
			{ tail -n 40 $(BUILD)/fuzz/$$t.log; rm -rf $$tmp; exit 1; }; \
		tail -n 1 $(BUILD)/fuzz/$$t.log; rm -rf $$tmp; \
	done

fuzz-regress: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%-regress)
	@set -e; for t in $(FUZZ_TARGETS); do $(BUILD)/fuzz/$$t-regress fuzz/corpus/$$t; done

clean:
	rm -rf $(BUILD) $(BUILD)-tsan build-asan build-fuzz

.PHONY: all deps check tsan demo bench install clean deps-fuzz fuzz fuzz-regress
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
