# scanprint: the two commands a user needs are `make run` and `make test`.
# Both install what they need from Debian (as root) and build first.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
DB ?= $(BUILD)/demo.db
DEMO ?= tests/data/demo.pcap.gz

.PHONY: all build deps-build deps-run deps-test run test test-unit test-asan fuzz clean format format-check bench install

all: build

build: deps-build
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps-build:
	@scripts/deps.sh build
deps-run:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

# Reads the bundled capture into a fresh store and prints the sources table.
run: deps-run build
	@rm -f $(DB) $(DB)-wal $(DB)-shm
	$(BUILD)/scanprint read --db $(DB) $(DEMO)
	$(BUILD)/scanprint sources --db $(DB)

# Every test: the suite on the release build, again under ASan+UBSan, and
# each libFuzzer target for a short run. A skipped test fails the run
# (scripts/ctest-strict.sh; SP_ALLOW_SKIP=1 lets skips through).
test: deps-test build
	scripts/ctest-strict.sh $(BUILD) --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
test-asan: deps-test
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DSP_SANITIZE=ON -DSP_WERROR=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	SP_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		scripts/ctest-strict.sh $(ASAN_BUILD) --output-on-failure -j $(JOBS) -LE slow

FUZZ_SECONDS ?= 20
fuzz: deps-test
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DSP_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/ctest-strict.sh $(FUZZ_BUILD) --output-on-failure -L fuzz

bench: build
	bench/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c')
format-check:
	clang-format --dry-run -Werror $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c')

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
