# ptediff: the two commands (README.md). Both check the Debian packages first;
# as root they install what is missing, otherwise they print the apt-get line.
DEBIAN_PACKAGES := clang-14 libclang-rt-14-dev llvm-14 cmake ninja-build libgtest-dev \
                   librapidcheck-dev libabsl-dev afl++ libbenchmark-dev zip nlohmann-json3-dev \
                   linux-source-6.12 xz-utils python3
SECONDS ?= 60
JOBS ?= 1

KERNEL_TREE ?= /usr/src/linux-source-6.12.tar.xz

.PHONY: all deps build test test-sanitize fuzz coverage clean kernel-backend gate

all: build

# Linux trees the kernel gates build beyond the installed one (kernel/tree_test.sh),
# fetched into the build folder when the Debian mirror is reachable (else skipped).
KERNEL_TEST_TREES := 7.3

deps:
	@scripts/check-deps.sh $(DEBIAN_PACKAGES)
	@for v in $(KERNEL_TEST_TREES); do scripts/fetch-linux-source.sh $$v build/linux-source; done

build: deps
	@cmake --preset default >/dev/null
	@cmake --build build

# The pre-merge gate: every ctest with label quick or gate.
test: build
	ctest --test-dir build --output-on-failure -j2 -L 'quick|gate'

# The same tests, every one of them, under AddressSanitizer +
# UndefinedBehaviorSanitizer (-O1 with assertions on, CMakeLists.txt).
test-sanitize: deps
	@cmake --preset sanitize >/dev/null
	@cmake --build build-sanitize
	ctest --test-dir build-sanitize --output-on-failure -j2 -L 'quick|gate'

# The main job: coverage-guided differential fuzzing on the embedded corpus.
fuzz: build
	./build/ptediff fuzz --seconds $(SECONDS) --jobs $(JOBS)

# A backend from your own Linux tree's contpte.c (README: "Running the kernel's
# own contpte.c"): make kernel-backend KERNEL_TREE=~/linux
kernel-backend: build
	./build/ptediff kernel --tree $(KERNEL_TREE) -o build/kernel/

# The pre-merge verdict on a Linux tree (README: "Checking a kernel tree"):
#   make gate KERNEL_TREE=~/linux [BASE=~/linux-base] [SECONDS=60] [GATE_FORMAT=ktap]
# Minimized findings and every report format go to build/gate/.
BASE ?=
GATE_FORMAT ?= text
GATE_JOBS ?= 2
gate: build
	./build/ptediff gate --tree $(KERNEL_TREE) $(if $(BASE),--base $(BASE)) --seconds $(SECONDS) \
	  --jobs $(GATE_JOBS) --format $(GATE_FORMAT) -o build/gate

clean:
	rm -rf build build-sanitize build-coverage

# Clang source-based coverage over the gate (HTML in build-coverage/html).
coverage: deps
	scripts/coverage.sh
