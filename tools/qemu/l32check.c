// A QEMU TCG plugin for tools/qemu/run_api_tests.py --l32-check: reports every load narrower than
// 32 bits, or not aligned to 4, from an address range. The ESP8266 reads its iRAM and its
// memory-mapped flash, where MicroPython puts a native module's code and constant data, only as
// aligned 32-bit words; any other load there raises LoadStoreError on the chip, while QEMU's
// lx106 core accepts it. Run on a firmware that commits native code to that range.
//
// Plugin API version 1, as in QEMU 7.2 (Debian 12); declared here, since Debian ships no
// qemu-plugin.h. Build: cc -O2 -shared -fPIC -o libl32check.so l32check.c
// Arguments: lo=<address>,hi=<address> (default 0x40100000-0x40200000), out=<log file>.
// Each distinct instruction address is reported once:
//   narrow-load pc=<pc> addr=<address> size=<bytes>
// and the first load the plugin is called for, anywhere, writes "l32check: loads are seen".
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
    const char* target_name;
    struct {
        int min, cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus, max_vcpus;
        } system;
    };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb*);
typedef void (*mem_cb_t)(unsigned int, qemu_plugin_meminfo_t, uint64_t, void*);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb*);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb*, size_t);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn*);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn*, mem_cb_t, enum qemu_plugin_cb_flags,
                                      enum qemu_plugin_mem_rw, void*);
unsigned int qemu_plugin_mem_size_shift(qemu_plugin_meminfo_t);
bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t lo = 0x40100000, hi = 0x40200000;
static FILE* out;
enum { kMaxReported = 4096 };
static uint64_t reported[kMaxReported];
static int n_reported;
static int loads_seen;

static void on_load(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void* udata) {
    (void)vcpu;
    // Registered for loads and stores: QEMU 7.2 called a loads-only callback for stores only.
    if (qemu_plugin_mem_is_store(info)) {
        return;
    }
    if (!loads_seen) {
        // The harness requires this line: a plugin that is never called for loads checks nothing
        loads_seen = 1;
        fprintf(out, "l32check: loads are seen\n");
        fflush(out);
    }
    if (vaddr < lo || vaddr >= hi) {
        return;
    }
    const unsigned shift = qemu_plugin_mem_size_shift(info);
    if (shift == 2 && (vaddr & 3) == 0) {
        return;
    }
    const uint64_t pc = (uint64_t)(uintptr_t)udata;
    for (int i = 0; i < n_reported; i++) {
        if (reported[i] == pc) {
            return;
        }
    }
    if (n_reported < kMaxReported) {
        reported[n_reported++] = pc;
    }
    fprintf(out, "narrow-load pc=%08llx addr=%08llx size=%u\n", (unsigned long long)pc,
            (unsigned long long)vaddr, 1u << shift);
    fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
        const uint64_t pc = qemu_plugin_insn_vaddr(insn);
        qemu_plugin_register_vcpu_mem_cb(insn, on_load, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                         (void*)(uintptr_t)pc);
    }
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv) {
    (void)info;
    const char* path = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "lo=", 3)) {
            lo = strtoull(argv[i] + 3, NULL, 0);
        } else if (!strncmp(argv[i], "hi=", 3)) {
            hi = strtoull(argv[i] + 3, NULL, 0);
        } else if (!strncmp(argv[i], "out=", 4)) {
            path = argv[i] + 4;
        }
    }
    out = path ? fopen(path, "a") : stderr;
    if (!out) {
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    return 0;
}
