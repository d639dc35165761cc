# Builds one MicroPython native module from C++ sources with MicroPython's own dynruntime.mk.
# Invoked by the top-level Makefile: make -f src/bindings/micropython/natmod.mk MOD=... ARCH=...
# MPY_DIR=... Sources are listed per module in modules.mk.
include src/bindings/micropython/modules.mk

# natmod.h is listed for its qstrs; only .cpp files are compiled.
SRC = src/bindings/micropython/$(MOD).cpp src/bindings/micropython/natmod.h $(SRC_$(MOD))
BUILD = build/natmod/$(notdir $(abspath $(MPY_DIR)))/$(ARCH)/$(MOD)

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

# Must precede the include: the link rule's prerequisites are expanded where it is read.
SRC_O += $(addprefix $(BUILD)/, $(patsubst %.cpp,%.o,$(filter %.cpp,$(SRC))))

include $(MPY_DIR)/py/dynruntime.mk

# dynruntime.mk knows .c and .S only: compile the C++ sources with the same target flags.
# -fpermissive -w: py/dynruntime.h converts void* implicitly, which C++ only allows this way;
# the engine itself is compiled with -Werror on the host.
CXX = $(CROSS)g++
CXXFLAGS = $(filter-out -std=c99,$(CFLAGS)) -std=gnu++17 -fpermissive -w \
	-fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-math-errno \
	-fno-tree-loop-distribute-patterns \
	-Isrc/core -Isrc/api -Isrc/bindings/micropython -Os $(CXXFLAGS_EXTRA)
# Size first (-Os); the inner loops of each engine are listed in HOT_$(MOD) and built for speed.
$(addprefix $(BUILD)/,$(HOT_$(MOD):.cpp=.o)): CXXFLAGS += -O2

ifneq ($(filter $(ARCH),rv32imc xtensa),)
CXXFLAGS += -isystem src/bindings/micropython/cxxshim
endif

$(BUILD)/%.o: %.cpp $(CONFIG_H) $(wildcard src/core/*.h src/api/*.h src/bindings/micropython/*.h)
	$(ECHO) "CXX $<"
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(CXX) $(CXXFLAGS) -o $@ -c $<

# Only libgcc (soft-float and division helpers): the toolchains' libm does not link in a natmod.
# $(CROSS)gcc, not $(CC): MicroPython 1.27's dynruntime.mk does not set CC, and make's default cc
# would hand the host's libgcc to an armv6m or xtensa link.
LIBGCC_FILE := $(realpath $(shell $(CROSS)gcc $(CFLAGS_ARCH) --print-libgcc-file-name 2>/dev/null))
ifneq ($(LIBGCC_FILE),)
MPY_LD_FLAGS += -l$(LIBGCC_FILE)
endif
