# Makefile - builds the headset test station, its tests and benchmarks.
#
#   make            build/station
#   make demo       install missing packages, build, run the repair plan on the simulated bench
#   make check      install missing packages, build, run every test, again under ASan+UBSan
#                   (JOBS=2 tests at once; each log ends with its wall and CPU seconds,
#                   BUILD/test-logs/times.txt lists them slowest first)
#   make bench      speed and memory figures (median of several runs)
#   make SANITIZER=address,undefined   sanitized build in build-asan/
#
# Sources are found by wildcard: every station/**/*.c except station/cli/
# goes into build/libstation.a; station/cli/*.c makes the binary; each
# tests/unit/test_*.c is its own cmocka program.  The library is linked
# whole: fixture drivers and audio back ends register themselves in linker
# sections (ST_FIXTURE_DRIVER, ST_AUDIO_BACKEND) and nothing calls them by
# name.

CC ?= cc
ifeq ($(CC),cc)
CC := gcc
endif

PKGS := libserialport portaudio-2.0 fftw3 fftw3f sqlite3 ncursesw sndfile jack jansson libpq
DEB_PKGS := build-essential pkg-config libserialport-dev portaudio19-dev libfftw3-dev \
	libsqlite3-dev libncurses-dev libcmocka-dev libsndfile1-dev jackd2 libjack-jackd2-dev \
	sqlite3 clang libclang-rt-14-dev tmux libjansson-dev libpq-dev postgresql \
	chromium libxml2-utils python3-numpy dpkg-dev fakeroot

SANITIZER ?=
ifneq ($(SANITIZER),)
BUILD ?= build-asan
SANFLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wundef -Wvla -Wno-unused-parameter \
	-Wno-format-truncation
ifeq ($(CI),true)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Loaded on first use, not linked (station/core/lazy.h): start-up maps
# none of them (issue 13); their headers still come from PKG_CFLAGS.
LAZY_PKGS := portaudio-2.0 sndfile jack libpq
PKG_LIBS = $(shell pkg-config --libs $(filter-out $(LAZY_PKGS),$(PKGS)) 2>/dev/null) -ldl
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(SANFLAGS) $(PKG_CFLAGS) \
	-DST_DATA_DIR='"$(CURDIR)"' -Istation -MMD -MP $(CFLAGS)
LDLIBS = $(PKG_LIBS) -lm -lpthread -lutil
WHOLE = -Wl,--whole-archive $(BUILD)/libstation.a -Wl,--no-whole-archive
LDFLAGS += $(SANFLAGS)

LIB_SRC := $(sort $(shell find station -name '*.c' -not -path 'station/cli/*'))
CLI_SRC := $(sort $(wildcard station/cli/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: all demo check test test-asan deps bench fuzz clean install uninstall deb

PREFIX ?= /usr/local
DESTDIR ?=
SHARE = $(DESTDIR)$(PREFIX)/share
DATA_DIRS = fixtures limits db reports
all: $(BUILD)/station

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libstation.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/station: $(CLI_OBJ) $(BUILD)/libstation.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(WHOLE) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libstation.a tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(WHOLE) $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libstation.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(WHOLE) $(LDFLAGS) $(LDLIBS)

# Install missing Debian packages (as root), or say the one line to run.
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing: $$missing"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
		else \
			echo "missing packages; run: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends" $$missing; exit 1; \
		fi; \
	fi

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh $(BUILD)/station

tests: $(BUILD)/station $(UNIT_BIN)

# tests run at once by test, test-asan and check (tests/run.sh)
JOBS ?= 2

test: deps
	@$(MAKE) --no-print-directory -j2 tests
	@JOBS=$(JOBS) tests/run.sh $(BUILD) $(BUILD)/results.txt

test-asan: deps
	@$(MAKE) --no-print-directory -j2 SANITIZER=address,undefined tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		JOBS=$(JOBS) tests/run.sh build-asan build-asan/results.txt

check: deps
	@$(MAKE) --no-print-directory -j2 tests
	@$(MAKE) --no-print-directory -j2 SANITIZER=address,undefined tests
	@rc=0; JOBS=$(JOBS) tests/run.sh build build/results.txt || rc=1; \
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		JOBS=$(JOBS) tests/run.sh build-asan build-asan/results.txt || rc=1; \
	tests/total.sh build/results.txt build-asan/results.txt || rc=1; exit $$rc

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@tests/bench.sh $(BUILD)

fuzz: deps
	@tests/fuzz/run.sh

# Install the binary, the data (models, plans, benches, limits, migrations,
# report templates), man pages, bash completion and the examples
# (docs/install.md).  The installed binary finds PREFIX/share/station from
# its own location.
install: $(BUILD)/station
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/station $(SHARE)/man/man1 $(SHARE)/man/man5 \
		$(SHARE)/bash-completion/completions $(SHARE)/doc/station
	install -m 755 $(BUILD)/station $(DESTDIR)$(PREFIX)/bin/station
	for d in $(DATA_DIRS); do [ -d $$d ] && cp -R $$d $(SHARE)/station/ || true; done
	rm -rf $(SHARE)/station/reports/out
	find $(SHARE)/station -type d -exec chmod 755 {} + && find $(SHARE)/station -type f -exec chmod 644 {} +
	install -m 644 docs/man/station.1 $(SHARE)/man/man1/station.1
	install -m 644 docs/man/station.conf.5 $(SHARE)/man/man5/station.conf.5
	install -m 644 docs/install/station.bash $(SHARE)/bash-completion/completions/station
	install -m 644 README.md docs/*.md docs/install/station.conf.example \
		docs/install/99-station-fixture.rules $(SHARE)/doc/station/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/station $(SHARE)/man/man1/station.1 \
		$(SHARE)/man/man5/station.conf.5 $(SHARE)/bash-completion/completions/station
	rm -rf $(SHARE)/station $(SHARE)/doc/station

# A Debian package of the station (build/station_VERSION_ARCH.deb): installed
# under /usr, the shared libraries it links declared by dpkg-shlibdeps.
DEB_VERSION ?= 0.$(shell git log --oneline 2>/dev/null | wc -l)
deb: $(BUILD)/station
	@tests/make_deb.sh $(BUILD) $(DEB_VERSION)

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
