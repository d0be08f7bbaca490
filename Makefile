# aisim: the two commands of README.md.
#   make run   install what is missing, build Release, run the default simulation
#   make test  the same, then every test (ctest)
# Both are idempotent and quiet when everything is already installed and built.

BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
CONFIG    ?= configs/a100_tpu.json
APT_PKGS  := libsimgrid-dev libboost-graph-dev nlohmann-json3-dev libfmt-dev libcli11-dev \
             libgtest-dev libbenchmark-dev cmake g++ make pkg-config python3-matplotlib

.PHONY: deps configure build run test bench fuzz test-sanitize calibrate predict figures clean update-reference

FUZZ_SECONDS ?= 60
FUZZ_PKGS    := clang libclang-rt-14-dev

deps:
	@missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD_DIR)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DAISIM_BUILD_BENCHMARKS=ON >/dev/null

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) > $(BUILD_DIR)/build.log 2>&1 || { cat $(BUILD_DIR)/build.log; exit 1; }

run: build
	$(BUILD_DIR)/aisim --config $(CONFIG)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-sanitize

# Regenerates the reference reports of the regression tests (results/reference/<config>/report.json,
# ctest -L regression) from the current build. Commit the result with the reason it changed.
REFERENCE_CONFIGS ?= a100_tpu contended_cfs contended_accel_aware bert_dynamic_padding_tensor_aware
update-reference: build
	@for n in $(REFERENCE_CONFIGS); do \
	  rm -rf $(BUILD_DIR)/reference/$$n && mkdir -p results/reference/$$n && \
	  $(BUILD_DIR)/aisim -q -j $(JOBS) --config configs/$$n.json -o $(BUILD_DIR)/reference/$$n && \
	  cp $(BUILD_DIR)/reference/$$n/report.json results/reference/$$n/report.json && \
	  echo "results/reference/$$n/report.json" || exit 1; \
	done

bench: build
	$(BUILD_DIR)/bench/aisim_bench

# Fits the A100's per-precision compute efficiency to the published ResNet-50 throughput, prints
# the values and checks that the configs carry them (docs/validation.md). `predict` also runs the
# validation cases that calibration never saw and prints the table.
calibrate: build
	/usr/bin/python3 scripts/calibrate.py --aisim $(BUILD_DIR)/aisim

predict: build
	/usr/bin/python3 scripts/calibrate.py --aisim $(BUILD_DIR)/aisim --predict

# Figures 2 and 4 (GPU utilization per model and over time) from a run of the default config.
FIGURES_RUN ?= out/figures_run
figures: build
	$(BUILD_DIR)/aisim --quiet --config configs/a100_tpu.json --output $(FIGURES_RUN)
	/usr/bin/python3 scripts/plot.py $(FIGURES_RUN)/report.json --output-dir results/figures

# The test suite built with AddressSanitizer + UndefinedBehaviorSanitizer and the simulated
# invariants on (part of `make test`). Labels `replay` and `slow` (replays of the 35-54 MB real
# traces, the 1,000-iteration run: minutes each under ASan) run in the unsanitized pass only; the
# importers' and parsers' code runs here on the small files and fuzz inputs. `e2e`, `regression`
# and `figures` rerun the shipped configs (the same code paths as the cli and simulation tests on
# bigger inputs, 20-40 s each under ASan): unsanitized pass only, to keep `make test` near 15 min.
test-sanitize: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='-O1 -g1' \
	  -DAISIM_SANITIZE=ON -DAISIM_BUILD_BENCHMARKS=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS) > build-asan/build.log 2>&1 || { cat build-asan/build.log; exit 1; }
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -LE 'replay|slow|e2e|regression|figures'

# libFuzzer: each target runs FUZZ_SECONDS on a seed corpus of the shipped configs and test data;
# findings are written to build-fuzz/findings/<target>/ (see docs/robustness.md).
fuzz: deps
	@missing=$$(for p in $(FUZZ_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	@cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAISIM_FUZZ=ON \
	  -DAISIM_BUILD_TESTS=OFF -DAISIM_BUILD_BENCHMARKS=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target quantity_fuzzer config_fuzzer trace_fuzzer import_fuzzer > build-fuzz/build.log 2>&1 || { cat build-fuzz/build.log; exit 1; }
	@for t in quantity config trace import; do \
	  mkdir -p build-fuzz/corpus/$$t build-fuzz/findings/$$t; \
	  case $$t in config) cp configs/*.json tests/data/minimal.json build-fuzz/corpus/$$t/ ;; \
	              trace) cp tests/data/chain_trace.json build-fuzz/corpus/$$t/ ;; \
	              import) cp /dev/null build-fuzz/corpus/$$t/empty; cp tests/data/bad/import/* build-fuzz/corpus/$$t/ 2>/dev/null; true ;; \
	              quantity) printf '312 TFLOPS' > build-fuzz/corpus/$$t/a; printf '2039 GB/s' > build-fuzz/corpus/$$t/b ;; esac; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  build-fuzz/fuzz/$${t}_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 -artifact_prefix=build-fuzz/findings/$$t/ \
	    build-fuzz/corpus/$$t tests/data/bad/fuzz/$$t 2>&1 | tail -2 || exit 1; \
	done

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
