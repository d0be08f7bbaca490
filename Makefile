# aisim: the two commands of README.md.
#   make run   install what is missing, build Release, run the default simulation
#   make test  the same, then every test (ctest)
# Both are idempotent and quiet when everything is already installed and built.

BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
CONFIG    ?= configs/a100_tpu.json
APT_PKGS  := libsimgrid-dev libboost-graph-dev nlohmann-json3-dev libfmt-dev libcli11-dev \
             libgtest-dev libbenchmark-dev cmake g++ make pkg-config python3-matplotlib

.PHONY: deps configure build run test bench clean

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

bench: build
	$(BUILD_DIR)/bench/aisim_bench

clean:
	rm -rf $(BUILD_DIR)
