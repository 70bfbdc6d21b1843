# netns: GNU make, non-recursive, no configure step.
#   make                 build everything into $(BUILD)
#   make check           run every test (as root; installs missing packages,
#                        the packaging tools too, for tests/cli/package.bats),
#                        the fuzz corpora included (fuzz-regress)
#   make demo            run the walkthrough
#   make bench           run the benchmarks
#   make install PREFIX=/usr/local DESTDIR=
#   make uninstall       remove what make install put there (same PREFIX, DESTDIR)
#   make deb             the Debian packages (debian/), into $(BUILD)/deb-src/
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

# netns.pc names its directories relative to ${prefix}, so that a staged
# install (PKG_CONFIG_SYSROOT_DIR, --define-variable=prefix=) still resolves.
pc_rel   = $(patsubst $(PREFIX)/%,$${$(1)}/%,$(2))
PC_SED   = sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(call pc_rel,exec_prefix,$(LIBDIR))|; s|@INCDIR@|$(call pc_rel,prefix,$(INCDIR))|; s|@VERSION@|$(VERSION)|'
VERSION := $(shell sed -n 's/^#define NETNS_VERSION "\(.*\)"/\1/p' include/netns.h)
SONAME  := libnetns.so.1

CC      ?= cc
PKGS    := libmnl jansson yaml-0.1
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-overflow=2 \
           -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
           -Wpointer-arith -Wundef -Wvla -Wcast-qual -Wwrite-strings \
           -Wnull-dereference -Wimplicit-fallthrough -Wmissing-declarations
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude -I. $(WARN) $(CFLAGS) \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS  := $(PKG_LIBS) -pthread
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

# rtnl/: the one rtnetlink layer (rtnl/rtnl.h), an internal static library
# (librtnl.a, not installed) that libnetns carries inside (local) and the
# command, the lab engine and the plugins link.
RTNL_SRC  := $(wildcard rtnl/*.c)
LIB_SRC   := $(wildcard lib/*.c) $(RTNL_SRC)
CLI_SRC   := $(wildcard cli/*.c)
LAB_SRC   := $(wildcard lab/*.c)
DEMO_SRC  := $(wildcard demos/*.c)
BENCH_SRC := $(wildcard bench/*.c)
EXAMPLE_SRC := $(wildcard examples/*.c)
UNIT_SRC  := $(wildcard tests/unit/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
LIBA_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LAB_OBJ   := $(LAB_SRC:%.c=$(BUILD)/%.o)
DEMOS     := $(DEMO_SRC:demos/%.c=$(BUILD)/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
EXAMPLES  := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.t)

LIBA  := $(BUILD)/libnetns.a
RTNLA := $(BUILD)/librtnl.a
# The lab engine (lab/): an internal static library the command links, not
# installed.
LABA  := $(BUILD)/liblab.a
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

$(BUILD)/rtnl/%.o: rtnl/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -fvisibility=hidden -c -o $@ $<

$(RTNLA): $(RTNL_SRC:%.c=$(BUILD)/%.o)
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

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

# LINK=shared links the command and the teaching programs with libnetns.so
# (the Debian package does: debian/rules); by default they carry the static
# library, so that a build tree runs without an installed libnetns.
LINK ?= static
ifeq ($(LINK),shared)
PROG_LIB     := $(LIBSO)
PROG_LIBLINK := -L$(BUILD) -lnetns
else
PROG_LIB     := $(LIBA)
PROG_LIBLINK := $(LIBA)
endif

$(LABA): $(LAB_OBJ)
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

# The command includes the engine's header, lab/lab.h.
$(BUILD)/cli/%.o: ALL_CFLAGS += -Ilab

# netns watch (watch/, docs in netns(1)): eBPF programs built by clang against
# the running kernel's BTF (CO-RE: one object for every kernel with BTF),
# wrapped in a skeleton by bpftool and loaded through libbpf. Without any of
# them the command still builds, from watch-none.c, and netns watch says
# which was missing. WATCH_BPF=no builds that way on purpose.
BPF_CLANG   ?= clang
BPFTOOL     ?= $(or $(shell command -v bpftool 2>/dev/null),$(wildcard /usr/sbin/bpftool),bpftool)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_ARCH    := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(shell uname -m)))
WATCH_BPF   ?= auto
ifeq ($(WATCH_BPF),no)
WATCH_MISSING := BPF (WATCH_BPF=no)
else
WATCH_MISSING := $(strip $(if $(shell command -v $(BPF_CLANG) 2>/dev/null),,clang) \
	$(if $(shell command -v $(BPFTOOL) 2>/dev/null),,bpftool) \
	$(if $(shell pkg-config --exists libbpf 2>/dev/null && echo y),,libbpf-dev) \
	$(if $(wildcard $(VMLINUX_BTF)),,kernel BTF in $(VMLINUX_BTF)))
endif
ifeq ($(WATCH_MISSING),)
WATCH_OBJ  := $(BUILD)/watch/watch.o
WATCH_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null)
$(BUILD)/vmlinux.h: $(VMLINUX_BTF)
	@mkdir -p $(@D)
	$(call say,GEN,$@)$(BPFTOOL) btf dump file $< format c > $@.tmp && mv $@.tmp $@
$(BUILD)/watch/watch.bpf.o: watch/watch.bpf.c watch/watch-event.h $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(call say,BPF,$@)$(BPF_CLANG) -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -g -O2 \
		-Wall -Wextra -Wno-unused-parameter -Werror -I$(BUILD) -Iwatch -c -o $@ $<
$(BUILD)/watch/watch.skel.h: $(BUILD)/watch/watch.bpf.o
	$(call say,GEN,$@)$(BPFTOOL) gen skeleton $< name nsw_bpf > $@.tmp && mv $@.tmp $@
# The generated skeleton is not ours to fix: a system header, for -Werror.
$(BUILD)/watch/watch.o: $(BUILD)/watch/watch.skel.h
$(BUILD)/watch/watch.o: ALL_CFLAGS += -isystem $(BUILD)/watch $(shell pkg-config --cflags libbpf 2>/dev/null)
else
WATCH_OBJ  := $(BUILD)/watch/watch-none.o
WATCH_LIBS :=
$(BUILD)/watch/watch-none.o: ALL_CFLAGS += -DWATCH_MISSING='"$(WATCH_MISSING)"'
endif
$(BUILD)/cli/%.o: ALL_CFLAGS += -Iwatch

$(NETNS): $(CLI_OBJ) $(WATCH_OBJ) $(LABA) $(RTNLA) $(PROG_LIB)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(WATCH_OBJ) $(LABA) $(RTNLA) $(PROG_LIBLINK) $(LDLIBS) $(WATCH_LIBS)

$(BUILD)/%: $(BUILD)/demos/%.o $(PROG_LIB)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(PROG_LIBLINK) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBA)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

# bench/switch times the socket worker on its own too: a copy of worker.o,
# whose nsi_worker_socket() libnetns.a keeps local.
$(BUILD)/bench/switch: $(BUILD)/bench/switch.o $(BUILD)/lib/worker.o $(LIBA)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $(BUILD)/bench/switch.o $(BUILD)/lib/worker.o $(LIBA) $(LDLIBS)

# examples/*.c: the programs man/libnetns.3 shows, built with our warnings.
$(BUILD)/examples/%: $(BUILD)/examples/%.o $(LIBA)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/tests/%.t: $(BUILD)/tests/unit/%.o $(RTNLA) $(LIBA)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(RTNLA) $(LIBA) $(LDLIBS)

# Unit tests of pure parts outside lib/ link the objects they test:
# UNIT_USES_NAME lists them for tests/unit/NAME.c.
UNIT_USES_cni-range := cni/lib/range.c cni/lib/cni.c
UNIT_USES_cni-alloc := cni/lib/alloc.c cni/lib/range.c cni/lib/cni.c
# The lab parser and the plan of an up, on the whole engine (lab/).
UNIT_USES_lab-file := $(LAB_SRC)
UNIT_USES_lab-plan := $(LAB_SRC)
define unit_uses
$(BUILD)/tests/$(1).t: $(BUILD)/tests/unit/$(1).o $$(UNIT_USES_$(1):%.c=$(BUILD)/%.o) $(RTNLA) $(LIBA)
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach u,$(patsubst UNIT_USES_%,%,$(filter UNIT_USES_%,$(.VARIABLES))),$(eval $(call unit_uses,$(u))))

# CNI plugins (docs/cni.md): one folder per plugin, cni/NAME/ with its
# orchestration file, on the shared parts in cni/lib/ (the skeleton, the
# protocol, ranges, the store and its allocator, delegation, netlink,
# nftables). A plugin is one CNI_SRC_netns-NAME line: its sources, whose
# objects (and libnetns) make $(BUILD)/netns-NAME; CNI_LIBS_netns-NAME adds
# link flags. netns-ptp runs netns-ipam's commands in-process
# (cni/lib/ipam-run.c) and alone uses libnftables (its ipMasq rules).
CNIDIR  := $(LIBDIR)/cni
CNI_LIB := cni/lib/skel.c cni/lib/cni.c
CNI_IPAM_LIB := cni/lib/range.c cni/lib/store.c cni/lib/alloc.c cni/lib/ipam-run.c
CNI_SRC_netns-ipam := cni/ipam/ipam.c $(CNI_IPAM_LIB) $(CNI_LIB)
CNI_SRC_netns-loopback := cni/loopback/loopback.c cni/lib/range.c $(CNI_LIB)
CNI_SRC_netns-ptp  := cni/ptp/ptp.c cni/ptp/ptp-links.c $(CNI_IPAM_LIB) $(CNI_LIB) \
		      cni/lib/delegate.c cni/lib/rtnl.c cni/lib/retire.c cni/lib/nft.c cni/lib/iface.c cni/lib/iface-addr.c
CNI_SRC_netns-bridge := cni/bridge/bridge.c cni/bridge/bridge-links.c $(CNI_IPAM_LIB) $(CNI_LIB) \
			cni/lib/delegate.c cni/lib/rtnl.c cni/lib/retire.c cni/lib/nft.c cni/lib/iface.c cni/lib/iface-addr.c
CNI_SRC_netns-portmap := cni/portmap/portmap.c cni/portmap/portmap-conf.c cni/lib/nft-portmap.c \
			 cni/lib/nft.c cni/lib/range.c $(CNI_LIB)
CNI_LIBS_netns-portmap := -ldl
# libnftables is dlopen()ed on first use (cni/lib/nft.c says why): its
# headers only, and libdl (part of libc since glibc 2.34).
CNI_LIBS_netns-ptp := -ldl
CNI_LIBS_netns-bridge := -ldl
$(BUILD)/cni/lib/nft.o: ALL_CFLAGS += $(shell pkg-config --cflags libnftables 2>/dev/null)

CNI_PLUGINS := $(patsubst CNI_SRC_%,$(BUILD)/%,$(filter CNI_SRC_%,$(.VARIABLES)))
all: $(CNI_PLUGINS)
define cni_plugin
$(BUILD)/$(1): $$(CNI_SRC_$(1):%.c=$(BUILD)/%.o) $(RTNLA) $(LIBA)
	$$(call say,LD,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(CNI_LIBS_$(1))
endef
$(foreach p,$(CNI_PLUGINS:$(BUILD)/%=%),$(eval $(call cni_plugin,$(p))))

$(PC): netns.pc.in include/netns.h
	@mkdir -p $(@D)
	$(call say,GEN,$@)$(PC_SED) $< > $@

deps:
	@scripts/deps.sh

check: deps deps-deb
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory fuzz-regress
	@$(MAKE) --no-print-directory cni-driver
	@$(MAKE) --no-print-directory watch-go
	SANITIZE=$(SANITIZE) BUILD=$(abspath $(BUILD)) tests/run.sh

# tests/cni/driver: a Go program that runs CNI configs through libcni, the
# library containerd and CRI-O use, for tests/cli/cni-libcni.bats. Built only
# for the tests, offline, in GOPATH mode against Debian's
# golang-github-appc-cni-dev; without go (or those sources) it is skipped and
# the tests that need it say so. `make` itself never needs Go.
GO          ?= go
CNI_GOPATH  ?= /usr/share/gocode
CNI_DRIVER  := $(BUILD)/tests/cni-driver

cni-driver:
	@if command -v $(GO) >/dev/null 2>&1 && \
	    [ -d $(CNI_GOPATH)/src/github.com/containernetworking/cni/libcni ]; then \
		$(MAKE) --no-print-directory $(CNI_DRIVER); \
	else \
		echo "  SKIP   $(CNI_DRIVER): needs golang-go and golang-github-appc-cni-dev"; \
	fi

$(CNI_DRIVER): $(wildcard tests/cni/driver/*.go)
	@mkdir -p $(@D)
	$(call say,GO,$@)tmp=$$(mktemp -d) && \
		(cd tests/cni/driver && GO111MODULE=off GOPROXY=off GOFLAGS= \
		 GOPATH=$(CNI_GOPATH) GOCACHE=$$tmp $(GO) build -o $(abspath $@) .); \
		status=$$?; rm -rf $$tmp; exit $$status

# tests/watch/: the programs tests/cli/watch.bats watches. gosetns is Go's
# standard library only, built offline like the CNI driver; without go the
# tests that need it say so.
WATCH_GOSETNS := $(BUILD)/tests/watch-gosetns
all: $(BUILD)/tests/watch-blip
$(BUILD)/tests/watch-blip: $(BUILD)/tests/watch/blip.o
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(LDLIBS)

watch-go:
	@if command -v $(GO) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(WATCH_GOSETNS); \
	else \
		echo "  SKIP   $(WATCH_GOSETNS): needs golang-go"; \
	fi

$(WATCH_GOSETNS): tests/watch/gosetns/main.go
	@mkdir -p $(@D)
	$(call say,GO,$@)tmp=$$(mktemp -d) && \
		(cd tests/watch/gosetns && GO111MODULE=off GOPROXY=off GOFLAGS= \
		 GOPATH=$$tmp GOCACHE=$$tmp/cache $(GO) build -o $(abspath $@) .); \
		status=$$?; rm -rf $$tmp; exit $$status

tsan: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)-tsan SANITIZE=thread $(BUILD)-tsan/tests/stress.t
	BUILD=$(abspath $(BUILD)-tsan) tests/run.sh $(abspath $(BUILD)-tsan)/tests/stress.t

demo: deps
	@$(MAKE) --no-print-directory all
	BUILD=$(abspath $(BUILD)) examples/walkthrough.sh

bench: deps
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	BUILD=$(abspath $(BUILD)) bench/run.sh

# make install / make uninstall [PREFIX=/usr/local] [DESTDIR=]: INSTALLED
# lists every file install makes, and uninstall removes exactly those
# (directories stay: bin/, lib/ and the like are shared). The teaching
# programs install as netns-NAME (netns-tcp-hello, netns-inherit,
# netns-ns-mess; netns-exec keeps its name), so that none shadows a generic
# command; each man page is named after the installed program. The build
# tree keeps their historical names for the walkthrough and the tests.
# Bash completion goes where bash-completion looks, under PREFIX. A root
# install without DESTDIR refreshes the loader's cache (ldconfig).
inst_name   = $(if $(filter netns-%,$(1)),$(1),netns-$(1))
DEMO_NAMES  = $(DEMO_SRC:demos/%.c=%)
MAN_PAGES   = $(wildcard man/*.[0-9])
man_dest    = $(MANDIR)/man$(subst .,,$(suffix $(1)))/$(notdir $(1))
ifeq ($(origin COMPLETIONDIR),undefined)
COMPLETIONDIR := $(or $(shell pkg-config --define-variable=datadir='$(PREFIX)/share' \
	--variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
endif
INSTALLED = $(BINDIR)/netns $(foreach d,$(DEMO_NAMES),$(BINDIR)/$(call inst_name,$(d))) \
	$(LIBDIR)/libnetns.a $(LIBDIR)/$(SONAME) $(LIBDIR)/libnetns.so \
	$(INCDIR)/netns.h $(PCDIR)/netns.pc $(foreach m,$(MAN_PAGES),$(call man_dest,$(m))) \
	$(CNI_PLUGINS:$(BUILD)/%=$(CNIDIR)/%) $(COMPLETIONDIR)/netns

install: all
	install -d $(sort $(dir $(addprefix $(DESTDIR),$(INSTALLED))))
	install -m 755 $(NETNS) $(DESTDIR)$(BINDIR)/
	$(foreach d,$(DEMO_NAMES),install -m 755 $(BUILD)/$(d) $(DESTDIR)$(BINDIR)/$(call inst_name,$(d)) &&) :
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIBSO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libnetns.so
	install -m 644 include/netns.h $(DESTDIR)$(INCDIR)/
	$(PC_SED) netns.pc.in > $(DESTDIR)$(PCDIR)/netns.pc  # PREFIX may differ from the build's
	$(foreach m,$(MAN_PAGES),install -m 644 $(m) $(DESTDIR)$(call man_dest,$(m)) &&) :
	install -m 755 $(CNI_PLUGINS) $(DESTDIR)$(CNIDIR)/
	install -m 644 completion/netns.bash $(DESTDIR)$(COMPLETIONDIR)/netns
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# make deb: the Debian packages of debian/ (netns, netns-cni, libnetns1, libnetns-dev),
# built by dpkg-buildpackage in a copy of the tree, $(BUILD)/deb-src, so the
# tree stays clean; the .debs land in $(BUILD)/deb-src/. No tests run there
# (they need root and namespaces): debian/rules skips dh_auto_test.
DEB_SRC := $(BUILD)/deb-src/netns-$(VERSION)

deps-deb:
	@scripts/deps.sh deb

deb: deps-deb
	rm -rf $(BUILD)/deb-src && mkdir -p $(DEB_SRC)
	tar -cf - --exclude=./.git --exclude='./build*' \
		--exclude='./$(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))' . | tar -xf - -C $(DEB_SRC)
	cd $(DEB_SRC) && DEB_BUILD_OPTIONS="nocheck $${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc -b

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
FUZZ_USES_cni_config := cni/lib/cni.c cni/lib/range.c
FUZZ_USES_cni_args   := cni/lib/cni.c
FUZZ_USES_cni_ips    := cni/lib/cni.c cni/lib/range.c
FUZZ_USES_cni_portmap := cni/portmap/portmap-conf.c cni/lib/cni.c cni/lib/range.c
# The parser looks kinds and link types up in their tables, whose entries
# reach into the rest of the engine: the fuzzer links all of lab/.
FUZZ_USES_lab_file   := $(LAB_SRC)
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude -I. -g -O1 -Wall -Wextra -Werror \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

.SECONDEXPANSION: # for $$(FUZZ_USES_$$*)
$(BUILD)/fuzz/%: fuzz/%.c fuzz/fuzz.h $$(FUZZ_USES_$$*) $(LIB_SRC) $(wildcard lib/*.h cli/*.h lab/*.h include/*.h)
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

.PHONY: all deps check cni-driver watch-go tsan demo bench install uninstall deps-deb deb clean deps-fuzz fuzz fuzz-regress
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
