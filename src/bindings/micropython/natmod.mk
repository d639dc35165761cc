# Builds one MicroPython native module from C++ sources with MicroPython's own dynruntime.mk.
# Invoked by the top-level Makefile: make -f src/bindings/micropython/natmod.mk MOD=... ARCH=...
# MPY_DIR=... Sources are listed per module in modules.mk.
include src/bindings/micropython/modules.mk

# natmod.h is listed for its qstrs; only .cpp files are compiled.
SRC = src/bindings/micropython/$(MOD).cpp src/bindings/micropython/natmod.h $(SRC_$(MOD))
# VARIANT: xtensawin-fpu is ARCH=xtensawin with the float routines on the FPU (natmod_softfloat.cpp).
VARIANT ?= $(ARCH)
BUILD = build/natmod/$(notdir $(abspath $(MPY_DIR)))/$(VARIANT)/$(MOD)

# mpy_ld.py reads libgcc.a through a PyPI module `ar`; ours stands in for it.
export PYTHONPATH := $(CURDIR)/tools/natmod:$(PYTHONPATH)
# mpy_ld.py walks sets and dicts: a fixed hash seed makes the same sources give the same bytes.
export PYTHONHASHSEED := 0

# xtensa (ESP8266): Debian's gcc-xtensa-lx106 libgcc has no soft-float add/sub/mul, no int-to-float
# and no 32-bit division (__addsf3, __floatsisf, __udivsi3...); the ESP8266 ROM has them, at the
# addresses MicroPython's esp8266 port lists. mpy_ld takes that list through --externs
# (dynruntime.mk reads MPY_EXTERN_SYM_FILE where it is included; MicroPython's own natmod examples
# do the same); memset/memcpy/memmove come from the ROM too (natmod.h does not define them there).
ifeq ($(ARCH),xtensa)
MPY_EXTERN_SYM_FILE = $(MPY_DIR)/ports/esp8266/boards/eagle.rom.addr.v6.ld
endif

# xtensawin (ESP32, ESP32-S2, ESP32-S3): dynruntime.mk expects Espressif's xtensa-esp32-elf-
# toolchain, which Debian does not ship. Debian's gcc-xtensa-lx106 compiles for the windowed ABI
# with -mabi=windowed, in the ESP8266 core's instruction set, which the ESP32 cores contain (no
# FPU, no divide instruction: the float and division routines are ours, as on armv6m). Its
# assembler knows the ESP32's windowed instructions (entry, call8, retw) only through binutils'
# dynamic configuration: XTENSA_GNU_CONFIG names the ESP32 core's plugin (`make
# xtensa-esp32-config` builds it there). libgcc is never linked: Debian's is built for the call0
# ABI.
ifeq ($(ARCH),xtensawin)
XTENSA_GNU_CONFIG ?= $(CURDIR)/build/xtensa/xtensa_esp32.so
ifeq ($(wildcard $(XTENSA_GNU_CONFIG)),)
$(error ARCH=xtensawin needs binutils' configuration plugin for the ESP32 core: make xtensa-esp32-config (README), or XTENSA_GNU_CONFIG=<its path>)
endif
export XTENSA_GNU_CONFIG := $(abspath $(XTENSA_GNU_CONFIG))
endif

# The module is compiled as one translation unit: a generated $(MOD).unity.cpp includes every
# .cpp of SRC but the HOT_ ones, and is compiled with -fwhole-program, so that GCC sees the whole
# module: functions called once are inlined, unused ones dropped, constants propagated across the
# former file boundaries. SRC still lists every file, for the qstr scan of $(CONFIG_H).
# The binding comes last, so that py/dynruntime.h's macros and its `using namespace` do not reach
# the engine's code. The files' anonymous namespaces become one here: two files of a module must
# not define local functions of the same name (the same signature fails to compile, another one
# would silently overload).
UNITY_SRC = $(filter-out $(HOT_$(MOD)),$(filter %.cpp,$(SRC_$(MOD)))) \
	src/bindings/micropython/$(MOD).cpp
UNITY = $(BUILD)/$(MOD).unity.cpp
# Cores without a single-precision FPU (and armv6m without a divide instruction): the float,
# double and division routines the module calls are ours (natmod_softfloat.cpp), not libgcc's.
# They are compiled for the symbols the module's objects leave undefined, into an archive that
# mpy_ld reads before libgcc: it takes each undefined symbol from the first archive that has it,
# also those of libgcc's own objects (the 64-bit shifts ours call). The archive cannot
# be a plain prerequisite of the link, whose rule hands its prerequisites to mpy_ld as objects:
# it is order-only, and the objects it is made from depend on its sources, so a change to them
# relinks.
# Cortex-M3 and M4F (armv7m, armv7emsp): the double routines only (the float ones of libgcc's
# Thumb-2 assembly are faster than ours there). libgcc's double add truncates where it should
# round when the operands' exponents are more than 32 apart and the result loses its leading bit
# (2^60 + -233020679.0 came out 128 below the nearest double): ours round as IEEE 754 says. Only
# emlearn_arrayutils (its int32 pairs) adds doubles.
SOFTFLOAT_SYMBOLS = /^__/
ifneq ($(filter $(ARCH),armv7m armv7emsp),)
SOFTFLOAT_SYMBOLS = /^__aeabi_(dadd|dsub|drsub|i2d|ui2d|f2d)$$/
endif
ifneq ($(filter $(ARCH),armv6m rv32imc armv7m armv7emsp xtensawin),)
SOFTFLOAT_A = $(BUILD)/libnatmod_softfloat.a
SOFTFLOAT_SRC = src/bindings/micropython/natmod_softfloat.cpp src/core/softfloat.cpp
MPY_LD_FLAGS += -l$(SOFTFLOAT_A)
endif
# Must precede the include: the link rule's prerequisites are expanded where it is read.
SRC_O += $(UNITY:.cpp=.o) $(addprefix $(BUILD)/,$(HOT_$(MOD):.cpp=.o))

ifeq ($(ARCH),xtensawin)
override CROSS := xtensa-lx106-elf-
CFLAGS_ARCH += -mabi=windowed
# dynruntime.mk's LINK_RUNTIME=1 would hand mpy_ld Debian's libgcc and libm, built for call0:
# their routines would link and crash on the chip.
override LINK_RUNTIME :=
endif

include $(MPY_DIR)/py/dynruntime.mk

# MicroPython 1.27 builds x86 with the host compiler and -m32, which needs Debian's multilib
# packages; 1.29 uses the i686-linux-gnu- cross compiler, and so do we with either.
ifeq ($(ARCH),x86)
CROSS = i686-linux-gnu-
endif

# dynruntime.mk knows .c and .S only: compile the C++ sources with the same target flags.
# -fpermissive -w: py/dynruntime.h converts void* implicitly, which C++ only allows this way;
# the engine itself is compiled with -Werror on the host.
CXX = $(CROSS)g++
CXXFLAGS = $(filter-out -std=c99,$(CFLAGS)) -std=gnu++17 -fpermissive -w \
	-fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-math-errno \
	-fno-tree-loop-distribute-patterns \
	-Isrc/core -Isrc/api -Isrc/bindings/micropython -Os $(CXXFLAGS_$(MOD)) $(CXXFLAGS_EXTRA)
# Size first (-Os); the inner loops of each engine are listed in HOT_$(MOD) and built for speed.
$(addprefix $(BUILD)/,$(HOT_$(MOD):.cpp=.o)): CXXFLAGS += -O2

# x86: float maths in SSE registers, as on x64. i686 GCC's default x87 code keeps values at 64-bit
# precision until they are stored, so results depended on where the compiler spilled: an IIR
# filter's output changed with the chunk size, and 1e30 / 1e-30 passed a float overflow check.
# Needs SSE2 (every x86 CPU since 2001).
ifeq ($(ARCH),x86)
CXXFLAGS += -msse2 -mfpmath=sse
endif

ifeq ($(VARIANT),xtensawin-fpu)
CXXFLAGS += -DMICROLEARN_XTENSA_FPU=1
endif

# MicroPython's headers include <climits> under C++. Debian's bare-metal toolchains ship no C++
# library headers (RISC-V, Xtensa; ARM only with libstdc++-arm-none-eabi-newlib), so the shim
# stands in for every architecture: the modules use no other header of the C++ library.
CXXFLAGS += -isystem src/bindings/micropython/cxxshim

# The makefiles too: a changed flag rebuilds.
HEADERS = $(wildcard src/core/*.h src/api/*.h src/bindings/micropython/*.h) \
	src/bindings/micropython/natmod.mk src/bindings/micropython/modules.mk

$(BUILD)/%.o: %.cpp $(CONFIG_H) $(HEADERS) $(SOFTFLOAT_SRC)
	$(ECHO) "CXX $<"
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(CXX) $(CXXFLAGS) -o $@ -c $<

# Rewritten only when the list of files changes, so that it does not force a rebuild.
$(UNITY): FORCE | $(BUILD_DIRS)
	$(Q)printf '%s\n' '// Generated by natmod.mk: module $(MOD) as one translation unit.' \
	  $(foreach f,$(UNITY_SRC),'#include "$(f)"') >$@.tmp
	$(Q)cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
.PHONY: FORCE
FORCE:

# mpy_init and the module's .bss globals are marked NATMOD_VISIBLE (natmod.h) to stay global.
$(UNITY:.cpp=.o): $(UNITY) $(UNITY_SRC) $(CONFIG_H) $(HEADERS) $(SOFTFLOAT_SRC)
	$(ECHO) "CXX $(UNITY_SRC)"
	$(Q)$(CXX) $(CXXFLAGS) -fwhole-program -o $@ -c $<

ifneq ($(SOFTFLOAT_A),)
# The archive's object, with -DNEED_<routine> for each routine listed in its .undefined file.
SOFTFLOAT_COMPILE = $(CXX) $(CXXFLAGS) -fwhole-program \
	  $$(awk '$$2 ~ $(SOFTFLOAT_SYMBOLS) { print "-DNEED_" $$2 }' \
	    $(@:.a=.undefined) | sort -u) \
	  -o $(@:.a=.o) -c $(firstword $(SOFTFLOAT_SRC))
# Both link targets: MicroPython 1.29's, and 1.27's (which links into .native.mpy).
$(BUILD)/$(MOD).mpy $(BUILD)/$(MOD).native.mpy: | $(SOFTFLOAT_A)

$(SOFTFLOAT_A): $(SRC_O)
	$(ECHO) "CXX $(firstword $(SOFTFLOAT_SRC)) (float and division routines)"
	$(Q)$(CROSS)nm -u $(SRC_O) >$(@:.a=.undefined)
	$(Q)$(SOFTFLOAT_COMPILE)
ifeq ($(ARCH),xtensawin)
	$(Q)# No libgcc here: the routines ours call (__muldi3) are ours too, in a second pass.
	$(Q)$(CROSS)nm -u $(@:.a=.o) >>$(@:.a=.undefined)
	$(Q)$(SOFTFLOAT_COMPILE)
endif
	$(Q)rm -f $@ && $(CROSS)ar rcs $@ $(@:.a=.o)
endif

# Only libgcc (soft-float and division helpers): the toolchains' libm does not link in a natmod.
# $(CROSS)gcc, not $(CC): MicroPython 1.27's dynruntime.mk does not set CC, and make's default cc
# would hand the host's libgcc to an armv6m or xtensa link.
LIBGCC_FILE := $(if $(filter xtensawin,$(ARCH)),,$(realpath $(shell $(CROSS)gcc $(CFLAGS_ARCH) --print-libgcc-file-name 2>/dev/null)))
ifneq ($(LIBGCC_FILE),)
MPY_LD_FLAGS += -l$(LIBGCC_FILE)
endif
