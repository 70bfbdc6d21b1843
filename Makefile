# netns: GNU make, non-recursive, no configure step.
#   make                 build everything into $(BUILD)
#   make check           run every test (as root; installs missing packages)
#   make demo            run the walkthrough
#   make bench           run the benchmarks
#   make install PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined BUILD=build-asan check

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
SONAME  := libnetns.so.0

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
UNIT_SRC  := $(wildcard tests/unit/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
LIBA_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
DEMOS     := $(DEMO_SRC:demos/%.c=$(BUILD)/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.t)

LIBA  := $(BUILD)/libnetns.a
LIBSO := $(BUILD)/$(SONAME)
NETNS := $(BUILD)/netns
PC    := $(BUILD)/netns.pc

all: $(LIBA) $(LIBSO) $(NETNS) $(DEMOS) $(BENCHES) $(UNITS) $(PC)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -fvisibility=hidden -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIBA_OBJ)
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

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

clean:
	rm -rf $(BUILD) $(BUILD)-tsan build-asan

.PHONY: all deps check tsan demo bench install clean
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
