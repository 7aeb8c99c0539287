# pam_sts — plain Makefile (no autotools). Every dependency comes through pkg-config.
#
#   make            build the core library and the tools
#   make demo       install missing build deps, build, show the policy engine on the seeds
#   make check      install missing build deps, build, run every test suite
#   make asan       the same suite under AddressSanitizer + UBSan (== make check SANITIZE=1)
#   make bench      print BENCH lines (decisions/s and ratios against a baseline)
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each
#   make format     reformat the sources with .clang-format

SANITIZE ?= 0
FUZZ_SECONDS ?= 60
PKGS := pam openssl json-c liboath libqrencode libcurl libxml-2.0 libpq
TEST_PKGS := cmocka libpamtest

ifeq ($(SANITIZE),1)
BUILD ?= build-asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1 -g
else
BUILD ?= build
SAN_FLAGS :=
OPT := -O2 -g
# _FORTIFY_SOURCE needs optimisation; ASan builds go without it.
FORTIFY := -D_FORTIFY_SOURCE=2
endif

CC ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wcast-qual -Wvla -Wimplicit-fallthrough
HARDEN := $(FORTIFY) -fstack-protector-strong -fstack-clash-protection -fcf-protection \
          -fPIC -fvisibility=hidden
CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(SAN_FLAGS) $(PKG_CFLAGS) -Ilib
LDHARDEN := -Wl,-z,relro,-z,now -Wl,-z,noexecstack
# --as-needed: each program loads only the libraries it uses (sts-helper's
# start-up is on every login's path).
EXE_LDFLAGS := -pie $(LDHARDEN) -Wl,--as-needed $(SAN_FLAGS)

# Two archives, one per side of the privilege boundary (docs/design.md):
# libstsclient.a (lib/base, lib/proto) is all pam_sts.so may link, so the module
# cannot call the decision code; libstscore.a (lib/policy, lib/decide, lib/token,
# lib/mfa, lib/upstream) is the programs'.
CLIENT_SRCS := $(sort $(wildcard lib/base/*.c lib/proto/*.c))
CLIENT_OBJS := $(CLIENT_SRCS:%.c=$(BUILD)/%.o)
CLIENT := $(BUILD)/libstsclient.a
CORE_SRCS := $(sort $(wildcard lib/policy/*.c lib/decide/*.c lib/token/*.c lib/mfa/*.c \
                             lib/upstream/*.c))
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CORE_ARCHIVE := $(BUILD)/libstscore.a
# What the programs and the tests link: the core, then the client archive it uses.
CORE := $(CORE_ARCHIVE) $(CLIENT)

HELPER_SRCS := $(sort $(wildcard helper/sts-helper/*.c))
HELPER_OBJS := $(HELPER_SRCS:%.c=$(BUILD)/%.o)
HELPER := $(BUILD)/sts-helper

ASSUME_SRCS := $(sort $(wildcard helper/sts-assume/*.c))
ASSUME_OBJS := $(ASSUME_SRCS:%.c=$(BUILD)/%.o)
ASSUME := $(BUILD)/sts-assume

STSCTL_SRCS := $(sort $(wildcard helper/stsctl/*.c))
STSCTL_OBJS := $(STSCTL_SRCS:%.c=$(BUILD)/%.o)
STSCTL := $(BUILD)/stsctl
# The one version string (stsctl --version): the package's, from debian/changelog.
VERSION := $(shell sed -n '1s/^[^ ]* (\(.*\)-[^-]*).*/\1/p' debian/changelog)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_SUPPORT := $(filter-out $(UNIT_SRCS),$(sort $(wildcard tests/unit/*.c)))

MODULE_SRCS := $(sort $(wildcard pam_sts/*.c))
MODULE_OBJS := $(MODULE_SRCS:%.c=$(BUILD)/%.o)
MODULE := $(BUILD)/pam_sts.so
# The module exports only pam_sm_* (version script) and links the core statically.
# --as-needed: it must not load libcrypto (2.5 ms per process here, see
# docs/login-latency.md); the hardening suite checks its NEEDED list.
MODULE_LDFLAGS := -shared -Wl,--version-script=pam_sts/pam_sts.map $(LDHARDEN) -Wl,--as-needed \
                  $(SAN_FLAGS)
PAM_LIBDIR := $(shell pkg-config --variable=libdir pam 2>/dev/null)

BENCH_BIN := $(BUILD)/tests/bench_policy
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all deps check asan bench fuzz format format-check clean tools tests demo valgrind install

all: $(STSCTL) $(MODULE) $(HELPER) $(ASSUME)

tools: $(STSCTL) $(HELPER)

$(MODULE): $(MODULE_OBJS) $(CLIENT) pam_sts/pam_sts.map
	$(CC) $(MODULE_LDFLAGS) -o $@ $(MODULE_OBJS) $(CLIENT) $(PKG_LIBS)

deps:
	@scripts/deps.sh build

$(BUILD)/helper/stsctl/stsctl.o: CFLAGS += -DSTS_VERSION='"$(VERSION)"'
$(BUILD)/helper/stsctl/stsctl.o: debian/changelog
$(BUILD)/%.o: %.c $(wildcard lib/*/*.h) $(wildcard helper/*/*.h) $(wildcard pam_sts/*.h) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Ipam_sts -c $< -o $@

$(CLIENT): $(CLIENT_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(CORE_ARCHIVE): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(HELPER): $(HELPER_OBJS) $(CORE)
	$(CC) $(EXE_LDFLAGS) -o $@ $(HELPER_OBJS) $(CORE) $(PKG_LIBS)

$(ASSUME): $(ASSUME_OBJS) $(CORE)
	$(CC) $(EXE_LDFLAGS) -o $@ $(ASSUME_OBJS) $(CORE) $(PKG_LIBS) $(shell pkg-config --libs pam_misc)

$(STSCTL): $(STSCTL_OBJS) $(CORE)
	$(CC) $(EXE_LDFLAGS) -o $@ $(STSCTL_OBJS) $(CORE) $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_SUPPORT) $(CORE) $(wildcard lib/*/*.h) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Itests/unit $(EXTRA_CFLAGS) -DPAM_STS_BUILD='"$(abspath $(BUILD))"' \
		-DPAM_LIBDIR='"$(PAM_LIBDIR)"' $(EXE_LDFLAGS) -o $@ $< $(UNIT_SUPPORT) $(EXTRA_OBJS) $(CORE) \
		$(PKG_LIBS) $(TEST_LIBS)

# Unit tests of helper-only code link its object too.
$(BUILD)/tests/test_memo: EXTRA_OBJS := $(BUILD)/helper/sts-helper/sts_helper_memo.o
$(BUILD)/tests/test_memo: EXTRA_CFLAGS := -Ihelper/sts-helper
$(BUILD)/tests/test_memo: $(BUILD)/helper/sts-helper/sts_helper_memo.o

$(BENCH_BIN): tests/bench/bench_policy.c tests/unit/context_json.c $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(EXE_LDFLAGS) -o $@ $< tests/unit/context_json.c $(CORE) $(PKG_LIBS)

BENCH_TOKEN := $(BUILD)/tests/bench_token
$(BENCH_TOKEN): tests/bench/bench_token.c $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread $(EXE_LDFLAGS) -o $@ $< $(CORE) $(PKG_LIBS)

BENCH_PAM := $(BUILD)/tests/bench_pam
# The whole-login drivers share tests/bench/driver_common.c.
DRIVER_COMMON := tests/bench/driver_common.c
# bench_pam runs null_helper, a broker that does no work, for the floor figure.
NULL_HELPER := $(BUILD)/tests/null_helper
$(NULL_HELPER): tests/bench/null_helper.c $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXE_LDFLAGS) -o $@ $< $(CORE) $(PKG_LIBS)
$(BENCH_PAM): tests/bench/bench_pam.c $(DRIVER_COMMON) $(CORE) | $(NULL_HELPER)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/bench -DPAM_LIBDIR='"$(PAM_LIBDIR)"' $(EXE_LDFLAGS) -o $@ $< \
		$(DRIVER_COMMON) $(CORE) $(PKG_LIBS)

# Refreshes per second, on the whole-stack fixture of the unit tests.
BENCH_REFRESH := $(BUILD)/tests/bench_refresh
$(BENCH_REFRESH): tests/bench/bench_refresh.c $(UNIT_SUPPORT) $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -Itests/unit -DPAM_STS_BUILD='"$(abspath $(BUILD))"' \
		-DPAM_LIBDIR='"$(PAM_LIBDIR)"' $(EXE_LDFLAGS) -o $@ $< $(UNIT_SUPPORT) $(CORE) \
		$(PKG_LIBS) $(TEST_LIBS)

PAM_LOOP := $(BUILD)/tests/pam_loop
$(PAM_LOOP): tests/valgrind/pam_loop.c $(DRIVER_COMMON) $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/bench -DPAM_LIBDIR='"$(PAM_LIBDIR)"' $(EXE_LDFLAGS) -o $@ $< \
		$(DRIVER_COMMON) $(CORE) $(PKG_LIBS)

# make valgrind: heap growth over GROWTH_N PAM transactions in one process, and
# VALGRIND_N of them under memcheck (tests/valgrind/run-valgrind.sh).
GROWTH_N ?= 4000
VALGRIND_N ?= 300
valgrind: deps
	@$(MAKE) --no-print-directory $(PAM_LOOP) $(MODULE) $(HELPER)
	@BUILD=$(BUILD) GROWTH_N=$(GROWTH_N) VALGRIND_N=$(VALGRIND_N) tests/valgrind/run-valgrind.sh

FAKETIME := $(BUILD)/tests/libfaketime.so

# Test-only clock for the PAM tests (never installed, never linked into pam_sts).
$(FAKETIME): tests/shim/faketime.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

HELPER_WRAP := $(BUILD)/tests/sts-helper-wrap

# Test-only stand-in for sts-helper: test users (nss_wrapper), test clock, faults.
$(HELPER_WRAP): tests/shim/helper_wrap.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g -Wall -Wextra -Werror -DPAM_STS_BUILD='"$(abspath $(BUILD))"' \
		-DPAM_LIBDIR='"$(PAM_LIBDIR)"' -o $@ $<

FAILALLOC := $(BUILD)/tests/libfailalloc.so

# Test-only allocation fault injection (LD_PRELOAD) for test_fault_matrix; never installed.
$(FAILALLOC): tests/shim/failalloc.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g -Wall -Wextra -Werror -fPIC -fno-builtin -shared -o $@ $< \
		-Wl,--no-as-needed $(shell pkg-config --libs json-c libcrypto) -ldl

UPSTREAM_DRIVER := $(BUILD)/tests/upstream_driver

# tests/upstream/run-upstream.sh's client of the STS + IMDSv2 stand-in.
$(UPSTREAM_DRIVER): tests/upstream/upstream_driver.c $(CORE) $(wildcard lib/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXE_LDFLAGS) -o $@ $< $(CORE) $(PKG_LIBS)

FLEET_DRIVER := $(BUILD)/tests/fleet_driver

# Drives the fleet store against the real PostgreSQL server tests/fleet/run-fleet-db.sh starts.
$(FLEET_DRIVER): tests/fleet/fleet_driver.c $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread $(EXE_LDFLAGS) -o $@ $< $(CORE) $(PKG_LIBS)

FLEET_LOGIN := $(BUILD)/tests/fleet_login

# tests/fleet/run-fleet-logins.sh's logins through simulated bastions.
$(FLEET_LOGIN): tests/fleet/fleet_login.c $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXE_LDFLAGS) -o $@ $< $(CORE) $(PKG_LIBS)

tests: $(UNIT_BINS) $(STSCTL) $(MODULE) $(HELPER) $(ASSUME) $(FAKETIME) $(HELPER_WRAP) $(FAILALLOC) \
       $(UPSTREAM_DRIVER) $(FLEET_DRIVER) $(FLEET_LOGIN)

DEMO_LOGIN := $(BUILD)/demo-login
$(DEMO_LOGIN): demo/demo_login.c
	$(CC) $(CFLAGS) $(EXE_LDFLAGS) -o $@ $< $(PKG_LIBS)

demo: deps
	@$(MAKE) --no-print-directory $(STSCTL) $(MODULE) $(HELPER) $(HELPER_WRAP) $(FAKETIME) \
		$(DEMO_LOGIN)
	@BUILD=$(BUILD) scripts/demo.sh

check: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) tests/run-suites.sh

asan:
	@$(MAKE) --no-print-directory check SANITIZE=1

bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BIN) $(BENCH_PAM) $(BENCH_TOKEN) $(STSCTL) $(MODULE)
	@BUILD=$(BUILD) tests/bench/run-bench.sh
	@$(BENCH_TOKEN)
	@$(BENCH_PAM) $(abspath $(BUILD)) 60
	@$(MAKE) --no-print-directory tests $(BENCH_REFRESH)
	@$(BENCH_REFRESH) | grep '^BENCH '
	@$(MAKE) --no-print-directory $(HELPER) $(FLEET_LOGIN)
	@BUILD=$(BUILD) tests/bench/run-bench-fleet.sh

fuzz: deps
	@BUILD=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run-fuzz.sh

format:
	clang-format -i $$(git ls-files -co --exclude-standard -- '*.c' '*.h')

format-check:
	@tests/format-check.sh

clean:
	rm -rf build build-asan build-fuzz build-tools

# --- make install (used by debian/rules; DESTDIR for staging) -------------------------------
# The PAM module goes where libpam looks (pkg-config's libdir/security, e.g.
# /lib/x86_64-linux-gnu/security on Debian 12), not under PREFIX. The configuration is
# installed only when absent, so a re-install never overwrites an administrator's file.
# (sts-assume and /etc/pam.d/sts-assume will be installed here when they exist.)
PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
PAMDIR ?= $(PAM_LIBDIR)/security
INSTALL ?= install
# pam_sts.conf's default state_dir (the MFA store in mfa/, root only) and runtime_dir (the
# session directories, searchable by the users). Created by an install on the host itself
# (no DESTDIR); a staged install (the Debian package) leaves them to postinst and
# tmpfiles.d. /run is emptied at boot: see README.md for the tmpfiles.d line.
STATEDIR ?= /var/lib/pam_sts
RUNTIMEDIR ?= /run/pam_sts

.PHONY: install
install: $(STSCTL) $(MODULE) $(HELPER) $(ASSUME)
	$(INSTALL) -d -m 0755 $(DESTDIR)$(PAMDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(LIBEXECDIR)/pam_sts $(DESTDIR)$(SYSCONFDIR)/pam_sts \
		$(DESTDIR)$(SYSCONFDIR)/pam_sts/policies $(DESTDIR)$(SYSCONFDIR)/pam_sts/roles \
		$(DESTDIR)$(SYSCONFDIR)/pam_sts/session-policies
	$(INSTALL) -m 0644 $(MODULE) $(DESTDIR)$(PAMDIR)/pam_sts.so
	$(INSTALL) -m 4755 $(HELPER) $(DESTDIR)$(LIBEXECDIR)/pam_sts/sts-helper
	$(INSTALL) -m 0755 $(STSCTL) $(DESTDIR)$(BINDIR)/stsctl
	$(INSTALL) -m 4755 $(ASSUME) $(DESTDIR)$(BINDIR)/sts-assume
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/pam.d
	$(INSTALL) -m 0644 conf/pam.d/sts-assume $(DESTDIR)$(SYSCONFDIR)/pam.d/sts-assume
	for page in man/*.[158]; do \
		sec=$${page##*.}; \
		$(INSTALL) -d -m 0755 $(DESTDIR)$(MANDIR)/man$$sec && \
		$(INSTALL) -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$sec/ || exit 1; \
	done
	test -e $(DESTDIR)$(SYSCONFDIR)/pam_sts/pam_sts.conf || \
		$(INSTALL) -m 0644 conf/pam_sts.conf $(DESTDIR)$(SYSCONFDIR)/pam_sts/pam_sts.conf
ifeq ($(DESTDIR),)
	$(INSTALL) -d -m 0700 $(STATEDIR) $(STATEDIR)/mfa
	$(INSTALL) -d -m 0755 $(RUNTIMEDIR)
endif
