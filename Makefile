# The two commands a newcomer needs (README.md): `make serve` and `make test`.
# Both install what is missing (scripts/setup.sh), configure and build out of source in
# build/, then run. `make bench` runs the benchmarks.
BUILD ?= build
BUILD_TYPE ?= Debug
CMAKE_FLAGS ?=
PY_CONFIG_FILE := $(BUILD)/.python-config
# The libFuzzer targets (fuzz/README.md): built with clang in a folder of their own, next to
# BUILD's; `make fuzz` runs each for FUZZ_TIME seconds, `make test` for FUZZ_SHORT_TIME.
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_TIME ?= 60
FUZZ_SHORT_TIME ?= 10

PREFIX ?= /usr/local

.PHONY: all setup build serve test bench asan clean fuzz fuzz-build fuzz-short install format \
	lint clang-build

all: build

setup:
	@mkdir -p $(BUILD)
	@./scripts/setup.sh > $(PY_CONFIG_FILE).tmp && mv $(PY_CONFIG_FILE).tmp $(PY_CONFIG_FILE)

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	    -DFA_PYTHON_CONFIG="$$(tail -n 1 $(PY_CONFIG_FILE))" $(CMAKE_FLAGS) > $(BUILD)/cmake.log \
	    || { cat $(BUILD)/cmake.log; exit 1; }
	@cmake --build $(BUILD) -j $$(nproc)

serve: build
	./$(BUILD)/server/fa-learn serve

test: build
	@cd $(BUILD) && ctest --output-on-failure -j 2
	@$(MAKE) --no-print-directory fuzz-short

# gcc cannot build libFuzzer targets, so they are not a ctest label of BUILD: the Fuzz build
# type with clang (scripts/setup.sh installs it) configures every library instrumented.
# A missing clang or libFuzzer runtime fails here, it is never skipped. CMAKE_FLAGS passes on
# -DFA_WERROR=ON (CI): the tree is warning-free under clang as under gcc.
fuzz-build: setup
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Fuzz \
	    -DFA_PYTHON_CONFIG="$$(tail -n 1 $(PY_CONFIG_FILE))" $(CMAKE_FLAGS) \
	    > $(BUILD)/cmake-fuzz.log \
	    || { cat $(BUILD)/cmake-fuzz.log; exit 1; }
	@cmake --build $(FUZZ_BUILD) --target fuzz_all -j $$(nproc)

fuzz: fuzz-build
	@./fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)

fuzz-short: fuzz-build
	@./fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SHORT_TIME)

# The whole tree (tests included) built with clang in a folder of its own, next to BUILD's:
# CI builds with both compilers (warnings are errors there); the tests run on gcc's build.
CLANG_BUILD ?= $(BUILD)-clang
clang-build: setup
	@cmake -S . -B $(CLANG_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	    -DFA_PYTHON_CONFIG="$$(tail -n 1 $(PY_CONFIG_FILE))" $(CMAKE_FLAGS) \
	    > $(BUILD)/cmake-clang.log \
	    || { cat $(BUILD)/cmake-clang.log; exit 1; }
	@cmake --build $(CLANG_BUILD) -j $$(nproc)

# `make format` runs clang-format (.clang-format: the tree's style) over the lines this branch
# changed since it left FORMAT_BASE, committed or not (git clang-format, from Debian's
# clang-format package), or over whole FILES when given. It never reformats the whole tree:
# hand-packed argument lists differ from clang-format's in about one line in twenty, and
# rewriting them all would collide with every branch in flight.
FORMAT_BASE ?= main
format:
	@if [ -n "$(FILES)" ]; then clang-format -i $(FILES); \
	else git clang-format --extensions c,h "$$(git merge-base $(FORMAT_BASE) HEAD)"; fi

# The source checks, which `make test` runs too (ctest's unit label: unit.banned,
# unit.includes, unit.html_format): banned functions, include cycles between folders, files
# and components (a .c with its .h), and no %s in an HTML format (issue 16).
lint:
	@rc=0; ./scripts/check-banned.sh . || rc=1; \
	./scripts/check-includes.py --components . || rc=1; \
	./scripts/check-html-format.py . || rc=1; \
	exit $$rc

# Installs an optimised build under PREFIX (README.md, "Deploying"): bin/fa-learn, the course
# in share/fa-learn, the embedded CPython in lib/fa-learn. DESTDIR is honoured for packaging.
install:
	@$(MAKE) build BUILD=build-release BUILD_TYPE=Release
	@cmake --install build-release --prefix $(PREFIX)

# Benchmarks measure an optimised build of their own.
bench:
	@$(MAKE) build BUILD=build-release BUILD_TYPE=Release
	@BUILD=build-release ./bench/run.sh

# Address and undefined-behaviour sanitizers, in their own build folder.
asan:
	@$(MAKE) test BUILD=build-asan BUILD_TYPE=Asan

clean:
	rm -rf $(BUILD) build-asan $(FUZZ_BUILD) build-asan-fuzz
