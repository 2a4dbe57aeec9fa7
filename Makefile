# The two commands a newcomer needs (README.md): `make serve` and `make test`.
# Both install what is missing (scripts/setup.sh), configure and build out of source in
# build/, then run. `make bench` runs the benchmarks.
BUILD ?= build
BUILD_TYPE ?= Debug
CMAKE_FLAGS ?=
PY_CONFIG_FILE := $(BUILD)/.python-config

.PHONY: all setup build serve test bench asan clean

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

# Benchmarks measure an optimised build of their own.
bench:
	@$(MAKE) build BUILD=build-release BUILD_TYPE=Release
	@BUILD=build-release ./bench/run.sh

# Address and undefined-behaviour sanitizers, in their own build folder.
asan:
	@$(MAKE) test BUILD=build-asan BUILD_TYPE=Asan

clean:
	rm -rf $(BUILD) build-asan
