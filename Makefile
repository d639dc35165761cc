# microlearn: one entry point for building and testing on a PC and for MicroPython.
#   make demo           train -> convert -> load -> predict (also on MicroPython if MICROPYTHON/MPY_DIR given)
#   make check          the whole test suite (core under ASan+UBSan, api on CPython, host, fuzz smoke,
#                       and api on real MicroPython when MPY_DIR and MICROPYTHON are given)
#   make host           CPython modules into build/host
#   make dist ARCH=x64 MPY_DIR=...   native modules into dist/<ARCH>_6.3/<module>.mpy (ARCH=xtensawin-fpu:
#                       xtensawin with its float routines on the ESP32's FPU)
#   make check-natmod MPY_DIR=... MICROPYTHON=...   tests/api on a MicroPython Unix port
#   make check-qemu MPY_DIR=... QEMU_FIRMWARE_M3=... QEMU_FIRMWARE_M7=... QEMU_FIRMWARE_RV32=...
#                       [QEMU_FIRMWARE_XTENSA=...] [QEMU_FIRMWARE_XTENSAWIN=...] [QEMU_FIRMWARE_XTENSAWIN_FPU=...]
#                       tests/api on ARM, RISC-V and xtensa firmware under QEMU
#   make xtensa-esp32-config XTENSA_DYNCONFIG_SRC=... XTENSA_OVERLAYS=...
#                       the assembler plugin that ARCH=xtensawin (ESP32) builds need
#   make test-package   the host package's wheel (pip wheel .), checked from its files alone
#   make test-wasm      pure-Python device modules on MicroPython's WebAssembly build (Node.js, npm)
#   make fuzz           libFuzzer targets (clang), FUZZ_SECONDS each
#   make bench [REFERENCE=...]      benchmarks on the Unix port (x64, callgrind)
#   make bench-qemu MPY_DIR=... QEMU_FIRMWARE_M3=... QEMU_FIRMWARE_M7=... [QEMU_FIRMWARE_RV32=...] [QEMU_FIRMWARE_XTENSA=...]
#                       [QEMU_FIRMWARE_XTENSAWIN=...] [QEMU_FIRMWARE_XTENSAWIN_FPU=...]
#                       [REFERENCE=...]
#                       instructions per call of the same scripts on ARM, RISC-V and xtensa under QEMU
PYTHON ?= /usr/bin/python3
JOBS ?= 2
ARCH ?= x64
ARCHS ?= $(ARCH)
FUZZ_SECONDS ?= 20
MPY_ABI = 6.3

include src/bindings/micropython/modules.mk
# Pure-Python device modules, precompiled with mpy-cross into every dist folder: compiling the
# source on a device needs far more RAM than loading the bytecode.
DEVICE_PY = src/device/npyfile.py src/device/npyextra.py src/device/npzfile.py
# The demo, benchmarks and natmod checks read these from the environment too.
export MICROPYTHON MPY_DIR

.PHONY: all host core-tests test-core test-api test-host test-package test-wasm check check-natmod check-qemu xtensa-esp32-config dist fuzz demo bench bench-qemu clean format

all: host

host:
	cmake -S . -B build/host -DCMAKE_BUILD_TYPE=Release -DMICROLEARN_TESTS=OFF -DPython_EXECUTABLE=$(PYTHON) >/dev/null
	cmake --build build/host -j$(JOBS) -- --no-print-directory

core-tests:
	cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DMICROLEARN_SANITIZE=ON -DMICROLEARN_PYTHON=OFF >/dev/null
	cmake --build build/asan -j$(JOBS) -- --no-print-directory

test-core: core-tests
	cd build/asan && ctest --output-on-failure -j$(JOBS)

test-api: host
	$(PYTHON) tests/api/run.py --python $(PYTHON)

test-host: host
	PYTHONPATH=build/host:python $(PYTHON) -m pytest -q tests/host

# The host package's wheel (pyproject.toml, setup.py), built with pip and used from its files alone.
test-package:
	$(PYTHON) tests/package/check_wheel.py

test-wasm:
	cd tests/wasm && npm ci --no-audit --no-fund --silent && node run.mjs

fuzz:
	cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMICROLEARN_FUZZ=ON -DMICROLEARN_TESTS=OFF -DMICROLEARN_PYTHON=OFF -DPython3_EXECUTABLE=$(PYTHON) >/dev/null
	cmake --build build/fuzz -j$(JOBS)
	@for f in build/fuzz/fuzz_*; do [ -x "$$f" ] && [ -f "$$f" ] || continue; \
	  name=$$(basename $$f); mkdir -p build/fuzz/corpus-$$name; \
	  echo "fuzz $$name for $(FUZZ_SECONDS)s"; \
	  if ! $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -artifact_prefix=build/fuzz/ build/fuzz/corpus-$$name tests/fuzz/seeds/$${name#fuzz_} >build/fuzz/$$name.log 2>&1; then \
	    tail -n 40 build/fuzz/$$name.log; echo "FUZZ FAILURE: $$name (crash input saved beside the log)"; exit 1; fi; \
	  tail -n 1 build/fuzz/$$name.log; \
	done

dist:
ifndef MPY_DIR
	$(error MPY_DIR is not set: point it at a MicroPython source tree with mpy-cross built)
endif
	@for arch in $(ARCHS); do for mod in $(NATMODS); do \
	  $(MAKE) --no-print-directory -f src/bindings/micropython/natmod.mk MOD=$$mod ARCH=$${arch%-fpu} VARIANT=$$arch MPY_DIR=$(MPY_DIR) PYTHON=$(PYTHON) $$mod.mpy || exit 1; \
	  mkdir -p dist/$${arch}_$(MPY_ABI); mv $$mod.mpy dist/$${arch}_$(MPY_ABI)/$$mod.mpy; \
	done; \
	for py in $(DEVICE_PY); do \
	  $(MPY_DIR)/mpy-cross/build/mpy-cross -o dist/$${arch}_$(MPY_ABI)/$$(basename $$py .py).mpy $$py || exit 1; \
	done; done
	@ls -l dist/*_$(MPY_ABI)/*.mpy

# xtensawin (ESP32, ESP32-S2, ESP32-S3) is built with Debian's gcc-xtensa-lx106 (natmod.mk), whose
# assembler learns the ESP32 core's instructions from a binutils configuration plugin, built here
# from two public repositories cloned outside this one: jcmvbkbc/xtensa-dynconfig (the plugin) and
# espressif/xtensa-overlays (the ESP32 core's configuration).
XTENSA_ESP32_CONFIG = build/xtensa/xtensa_esp32.so
# The overlay's sources are copied and patched as xtensa-dynconfig's scripts/fix-known-overlay-
# issues.sh patches them: tables made static, the bypass functions no plugin exports dropped, and
# slot decoders answering XTENSA_UNDEFINED, not 0, for an instruction of another slot (with 0,
# objdump printed jump tables in the modules' code as ret, ufloat.s or lsi instructions; the
# assembler's output is the same either way).
XTENSA_ESP32_OVERLAY = $(XTENSA_OVERLAYS)/xtensa_esp32
xtensa-esp32-config:
ifeq ($(and $(XTENSA_DYNCONFIG_SRC),$(XTENSA_OVERLAYS)),)
	$(error set XTENSA_DYNCONFIG_SRC=<clone of jcmvbkbc/xtensa-dynconfig> XTENSA_OVERLAYS=<clone of espressif/xtensa-overlays>)
endif
	@mkdir -p build/xtensa/src
	sed -e 's/^\(xtensa_opcode_encode_fn.*\[\] =\)/static \1/' \
	  -e '/^int num_bypass_groups()/,/}/d' -e '/^int num_bypass_group_chunks()/,/}/d' \
	  -e '/^uint32 \*bypass_entry(int i)/,/}/d' \
	  -e '/^Slot_[a-zA-Z0-9_]\+_decode (const xtensa_insnbuf insn)/,/^}/s/^  return 0;$$/  return XTENSA_UNDEFINED;/' \
	  $(XTENSA_ESP32_OVERLAY)/binutils/bfd/xtensa-modules.c >build/xtensa/src/xtensa-modules.c
	sed -e 's/^\(xtensa_reg_mask_t xtensa_submask.*\[\] =\)/static \1/' \
	  -e 's/^\(const xtensa_mask_t xtensa_mask.* =\)/static \1/' \
	  $(XTENSA_ESP32_OVERLAY)/gdb/gdb/xtensa-config.c >build/xtensa/src/xtensa-gdb-config.c
	$(CC) -shared -fPIC -O2 -I$(XTENSA_DYNCONFIG_SRC)/include \
	  -I$(XTENSA_ESP32_OVERLAY)/binutils/include -o $(XTENSA_ESP32_CONFIG) \
	  $(XTENSA_DYNCONFIG_SRC)/xtensa-config.c build/xtensa/src/xtensa-modules.c \
	  build/xtensa/src/xtensa-gdb-config.c $(XTENSA_ESP32_OVERLAY)/gdb/gdb/xtensa-xtregs.c
	@echo "built $(XTENSA_ESP32_CONFIG): make dist ARCHS=xtensawin finds it there"

check-natmod:
ifdef MICROPYTHON
	$(MAKE) --no-print-directory dist ARCHS=x64
	$(PYTHON) tests/api/run.py --micropython $(MICROPYTHON) --natmod-dir dist/x64_$(MPY_ABI)
else
	@echo "SKIPPED: tests/api on real MicroPython (set MPY_DIR=<micropython tree> MICROPYTHON=<unix port binary>)"
endif

# tests/api with the ARM and RISC-V .mpy files on MicroPython's ports/qemu firmware (built outside
# this repo, see README): QEMU_FIRMWARE_M3 = BOARD=MPS2_AN385 (Cortex-M3) runs armv6m and armv7m,
# QEMU_FIRMWARE_M7 = BOARD=MPS2_AN500 (Cortex-M7 with FPU, double-precision MicroPython) runs
# armv7emsp and armv7emdp, QEMU_FIRMWARE_RV32 = BOARD=VIRT_RV32 (qemu-system-riscv32) runs rv32imc,
# QEMU_FIRMWARE_XTENSA (a firmware for QEMU's lx106 "sim" machine, README) runs xtensa with the
# l32check plugin (the ESP8266 reads its iRAM and flash only as aligned words), and
# QEMU_FIRMWARE_XTENSAWIN (a windowed-ABI firmware for the "sim" machine's de212 core, README)
# runs xtensawin, QEMU_FIRMWARE_XTENSAWIN_FPU (one for its de233_fpu core) xtensawin-fpu.
QEMU_ARCHS = $(if $(QEMU_FIRMWARE_M3),armv6m armv7m) $(if $(QEMU_FIRMWARE_M7),armv7emsp armv7emdp) \
	$(if $(QEMU_FIRMWARE_RV32),rv32imc) $(if $(QEMU_FIRMWARE_XTENSA),xtensa) \
	$(if $(QEMU_FIRMWARE_XTENSAWIN),xtensawin) $(if $(QEMU_FIRMWARE_XTENSAWIN_FPU),xtensawin-fpu)
L32CHECK = build/qemu/libl32check.so
$(L32CHECK): tools/qemu/l32check.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -shared -fPIC -o $@ $<
check-qemu:
ifeq ($(strip $(QEMU_ARCHS)),)
	@echo "SKIPPED: tests/api on ARM, RISC-V and xtensa under QEMU (set MPY_DIR=<micropython tree> QEMU_FIRMWARE_M3=<MPS2_AN385 firmware.elf> QEMU_FIRMWARE_M7=<MPS2_AN500 firmware.elf> QEMU_FIRMWARE_RV32=<VIRT_RV32 firmware.elf> QEMU_FIRMWARE_XTENSA=<lx106 sim firmware.elf> QEMU_FIRMWARE_XTENSAWIN=<de212 sim firmware.elf> QEMU_FIRMWARE_XTENSAWIN_FPU=<de233_fpu sim firmware.elf>)"
else
	$(MAKE) --no-print-directory dist ARCHS="$(strip $(QEMU_ARCHS))" $(if $(QEMU_FIRMWARE_XTENSA),$(L32CHECK))
	@status=0; \
	for arch in $(if $(QEMU_FIRMWARE_M3),armv6m armv7m); do \
	  $(PYTHON) tools/qemu/run_api_tests.py --quiet --machine mps2-an385 --firmware $(QEMU_FIRMWARE_M3) --natmod-dir dist/$${arch}_$(MPY_ABI) || status=1; \
	done; \
	for arch in $(if $(QEMU_FIRMWARE_M7),armv7emsp armv7emdp); do \
	  $(PYTHON) tools/qemu/run_api_tests.py --quiet --machine mps2-an500 --firmware $(QEMU_FIRMWARE_M7) --natmod-dir dist/$${arch}_$(MPY_ABI) || status=1; \
	done; \
	$(if $(QEMU_FIRMWARE_RV32),$(PYTHON) tools/qemu/run_api_tests.py --quiet --qemu qemu-system-riscv32 --machine virt --qemu-args="-bios none" --firmware $(QEMU_FIRMWARE_RV32) --natmod-dir dist/rv32imc_$(MPY_ABI) || status=1;) \
	$(if $(QEMU_FIRMWARE_XTENSA),$(PYTHON) tools/qemu/run_api_tests.py --quiet --qemu qemu-system-xtensa --machine sim --qemu-args="-cpu lx106" --serial none --l32-check $(L32CHECK) --firmware $(QEMU_FIRMWARE_XTENSA) --natmod-dir dist/xtensa_$(MPY_ABI) || status=1;) \
	$(if $(QEMU_FIRMWARE_XTENSAWIN),$(PYTHON) tools/qemu/run_api_tests.py --quiet --qemu qemu-system-xtensa --machine sim --qemu-args="-cpu de212" --serial none --firmware $(QEMU_FIRMWARE_XTENSAWIN) --natmod-dir dist/xtensawin_$(MPY_ABI) || status=1;) \
	$(if $(QEMU_FIRMWARE_XTENSAWIN_FPU),$(PYTHON) tools/qemu/run_api_tests.py --quiet --qemu qemu-system-xtensa --machine sim --qemu-args="-cpu de233_fpu" --serial none --firmware $(QEMU_FIRMWARE_XTENSAWIN_FPU) --natmod-dir dist/xtensawin-fpu_$(MPY_ABI) || status=1;) \
	$(if $(QEMU_FIRMWARE_M3),,echo "SKIPPED: armv6m, armv7m (set QEMU_FIRMWARE_M3)";) \
	$(if $(QEMU_FIRMWARE_M7),,echo "SKIPPED: armv7emsp, armv7emdp (set QEMU_FIRMWARE_M7)";) \
	$(if $(QEMU_FIRMWARE_RV32),,echo "SKIPPED: rv32imc (set QEMU_FIRMWARE_RV32)";) \
	$(if $(QEMU_FIRMWARE_XTENSA),,echo "SKIPPED: xtensa (set QEMU_FIRMWARE_XTENSA)";) \
	$(if $(QEMU_FIRMWARE_XTENSAWIN),,echo "SKIPPED: xtensawin (set QEMU_FIRMWARE_XTENSAWIN)";) \
	$(if $(QEMU_FIRMWARE_XTENSAWIN_FPU),,echo "SKIPPED: xtensawin-fpu (set QEMU_FIRMWARE_XTENSAWIN_FPU)";) \
	exit $$status
endif

check: test-core test-api test-host test-package test-wasm
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
	$(MAKE) --no-print-directory check-natmod

demo: host
	$(PYTHON) examples/xor_trees/run_demo.py

# REFERENCE=<folder of the reference's <arch>_6.3/*.mpy> adds it side by side;
# NPYFILE_REFERENCE=<micropython-npyfile's npyfile.py> and MICROPYTHON32=<a 32-bit Unix port>
# add micropython-npyfile and 32-bit import figures to the npyfile benchmark.
BENCHMARKS = trees/bench_trees.py fft/bench_fft.py iir/bench_iir.py neighbors/bench_neighbors.py \
	cnn/bench_cnn.py arrayutils/bench_arrayutils.py learning/bench_learning.py
bench:
	@for b in $(BENCHMARKS); do $(PYTHON) benchmarks/$$b $(if $(REFERENCE),--reference $(REFERENCE)) || exit 1; done
	$(PYTHON) benchmarks/npyfile/bench_npyfile.py $(if $(NPYFILE_REFERENCE),--reference-npyfile $(NPYFILE_REFERENCE)) \
	  $(if $(MICROPYTHON32),--also-micropython $(MICROPYTHON32))

# The same device scripts on the ARM, RISC-V and xtensa .mpy files under QEMU (instructions per
# call by -icount); takes MPY_DIR, QEMU_FIRMWARE_M3, QEMU_FIRMWARE_M7, QEMU_FIRMWARE_RV32,
# QEMU_FIRMWARE_XTENSA, QEMU_FIRMWARE_XTENSAWIN and/or QEMU_FIRMWARE_XTENSAWIN_FPU as check-qemu does.
bench-qemu:
	QEMU_FIRMWARE_M3=$(QEMU_FIRMWARE_M3) QEMU_FIRMWARE_M7=$(QEMU_FIRMWARE_M7) \
	  QEMU_FIRMWARE_RV32=$(QEMU_FIRMWARE_RV32) QEMU_FIRMWARE_XTENSA=$(QEMU_FIRMWARE_XTENSA) \
	  QEMU_FIRMWARE_XTENSAWIN=$(QEMU_FIRMWARE_XTENSAWIN) QEMU_FIRMWARE_XTENSAWIN_FPU=$(QEMU_FIRMWARE_XTENSAWIN_FPU) \
	  $(PYTHON) benchmarks/qemu/bench_qemu.py $(if $(REFERENCE),--reference $(REFERENCE))

format:
	clang-format -i src/*/*.h src/*/*.cpp src/bindings/*/*.cpp src/bindings/*/*.h tests/core/*.cpp tests/fuzz/*.cpp

clean:
	rm -rf build dist python/*.egg-info python/*.so
