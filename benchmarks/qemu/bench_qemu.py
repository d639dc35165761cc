"""Instructions per call on emulated microcontrollers: the device scripts of the other benchmarks,
run on MicroPython's own ports/qemu firmware with the ARM and RISC-V .mpy files (and on an lx106
firmware with the xtensa ones, a de212 one with the xtensawin ones), for microlearn and (with --reference DIR) the reference side by
side.

    /usr/bin/python3 benchmarks/qemu/bench_qemu.py --mpy-dir MPY_DIR \
        --firmware-m3 .../build-MPS2_AN385/firmware.elf --firmware-m7 .../build-MPS2_AN500/firmware.elf \
        [--firmware-rv32 .../build-VIRT_RV32/firmware.elf] \
        [--firmware-xtensa .../build-SIM_LX106/firmware.elf] \
        [--firmware-xtensawin .../build-SIM_DE212/firmware.elf] \
        [--firmware-xtensawin-fpu .../build-SIM_DE233/firmware.elf] [--reference DIR]

QEMU runs with `-icount shift=0,sleep=off`: the emulated clock advances exactly 1 ns per guest
instruction, so the scripts' own time.ticks_us() counts thousands of instructions, and counts
only the loop they time (no start-up). The numbers are instructions, not cycles: on a Cortex-M
most instructions take one cycle, loads and taken branches two, a soft-float call is its
instructions. The firmware for MPS2_AN385 (Cortex-M3) runs the armv6m and armv7m files,
MPS2_AN500 (Cortex-M7 with a double-precision FPU) runs armv7emsp (single-precision FPU code, as
on a Cortex-M4F) and armv7emdp, VIRT_RV32 the rv32imc files (as on an ESP32-C3), the lx106
firmware the xtensa files (the ESP8266's core; its console is semihosting), the de212
firmware the xtensawin files (the ESP32's ABI; no FPU code in them), the de233_fpu firmware the
xtensawin-fpu files (their float add, subtract, multiply and int-to-float on the FPU). All are built
outside this repository (README, "Testing on ARM and RISC-V under QEMU", "Testing the ESP8266
(xtensa) modules under QEMU" and "Testing the ESP32 (xtensawin) modules under QEMU").
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

ROOT = common.ROOT
sys.path.insert(0, os.path.join(ROOT, "tools", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "trees"))
import run_api_tests  # noqa: E402

BENCH = os.path.join(ROOT, "benchmarks")
TREES_ROWS = 100


def cases(trees_files):
    """(label, module, device script, arguments, key of the printed µs per call)."""
    model, rows, capacity = trees_files
    n_trees = 2000  # a multiple of TREES_ROWS
    return [
        ("trees predict (digits RF, 10 trees)", "emlearn_trees", "trees/bench_device.py",
         [model, rows, n_trees] + capacity, "predict_us"),
        # run() transforms its own output again on every pass: few passes, so that the values
        # (growing by up to n each time) stay far from overflow, where soft float takes shortcuts.
        ("FFT run, n=256", "emlearn_fft", "fft/bench_fft_device.py", [256, 4, "run"], "us"),
        ("FFT run, n=1024", "emlearn_fft", "fft/bench_fft_device.py", [1024, 3, "run"], "us"),
        ("rfft, n=1024", "emlearn_fft", "fft/bench_fft_device.py", [1024, 5, "rfft"], "us"),
        ("IIR float, 4 stages x 1000 samples", "emlearn_iir", "iir/bench_iir_device.py",
         [10, "float", 1000], "us"),
        ("IIR q15, 4 stages x 1000 samples", "emlearn_iir_q15", "iir/bench_iir_device.py",
         [10, "q15", 1000], "us"),
        ("KNN predict, 100 x 8, k=5", "emlearn_neighbors", "neighbors/bench_neighbors_device.py",
         [100, 8, 5, 200], "us"),
        ("CNN int8 run (MNIST, 28x28)", "emlearn_cnn_int8", "cnn/bench_cnn_device.py",
         ["int8", 3], "us"),
        ("CNN fp32 run (MNIST, 28x28)", "emlearn_cnn_fp32", "cnn/bench_cnn_device.py",
         ["fp32", 3], "us"),
        ("linear_map h -> f, 4000 values", "emlearn_arrayutils",
         "arrayutils/bench_arrayutils_device.py", [5, "h", "f", 4000], "us"),
        ("linear_map f -> h, 4000 values", "emlearn_arrayutils",
         "arrayutils/bench_arrayutils_device.py", [5, "f", "h", 4000], "us"),
        ("linear_map i -> f, 4000 values", "emlearn_arrayutils",
         "arrayutils/bench_arrayutils_device.py", [5, "i", "f", 4000], "us"),
        ("K-means euclidean_argmin, 16 x 3 bytes", "emlearn_kmeans",
         "learning/bench_learning_device.py", ["kmeans_argmin", 500], "us"),
        ("K-means cluster, 1000 x 3 bytes, k=8, 5 iterations", "emlearn_kmeans",
         "learning/bench_learning_device.py", ["kmeans_cluster", 4], "us"),
        ("linreg step, 100 x 8", "emlearn_linreg", "learning/bench_learning_device.py",
         ["linreg_step", 10], "us"),
        ("logreg step, 100 x 8, 3 classes", "emlearn_logreg",
         "learning/bench_learning_device.py", ["logreg_step", 5], "us"),
    ]


# What the reference cannot run: its FFT has no rfft, and its q15 filter overflows its
# coefficient buffer (benchmarks/iir: a segmentation fault on the Unix port).
REFERENCE_LACKS = {"rfft, n=1024": "no rfft", "IIR q15, 4 stages x 1000 samples": "crashes",
                   "linear_map i -> f, 4000 values": "h and f only"}


def run_script(board, natmod_dir, script, argv, timeout=600):
    """Runs a device script on the board; -> the key=value pairs of its last output line."""
    _, qemu, machine, qemu_args, firmware, serial = board
    roots = {"N": os.path.realpath(natmod_dir), "R": os.path.realpath(ROOT)}
    target = run_api_tests.Target(qemu, machine, os.path.abspath(firmware), roots,
                                  qemu_args + ["-icount", "shift=0,sleep=off"], serial)
    try:
        target.enter_raw_repl(30)
        out, err = target.exec_raw(run_api_tests.PREAMBLE, 60)
        if err:
            raise RuntimeError("preamble: " + err)
        with open(os.path.join(BENCH, script)) as f:
            source = f.read()
        setup = "import sys\nsys.argv[:] = %r\n" % ([script] + [str(a) for a in argv])
        out, err = target.exec_raw(setup + source, timeout)
        if err:
            raise RuntimeError(err.strip().splitlines()[-1])
        lines = out.strip().splitlines()
        return dict(kv.split("=", 1) for kv in lines[-1].split())
    finally:
        target.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mpy-dir", default=os.environ.get("MPY_DIR"),
                    help="MicroPython source tree with mpy-cross built (default: $MPY_DIR)")
    ap.add_argument("--firmware-m3", default=os.environ.get("QEMU_FIRMWARE_M3"),
                    help="ports/qemu BOARD=MPS2_AN385 firmware.elf (default: $QEMU_FIRMWARE_M3)")
    ap.add_argument("--firmware-m7", default=os.environ.get("QEMU_FIRMWARE_M7"),
                    help="ports/qemu BOARD=MPS2_AN500 firmware.elf (default: $QEMU_FIRMWARE_M7)")
    ap.add_argument("--firmware-rv32", default=os.environ.get("QEMU_FIRMWARE_RV32"),
                    help="ports/qemu BOARD=VIRT_RV32 firmware.elf (default: $QEMU_FIRMWARE_RV32)")
    ap.add_argument("--firmware-xtensa", default=os.environ.get("QEMU_FIRMWARE_XTENSA"),
                    help="firmware.elf for QEMU's lx106 sim machine (README; default: "
                    "$QEMU_FIRMWARE_XTENSA)")
    ap.add_argument("--firmware-xtensawin", default=os.environ.get("QEMU_FIRMWARE_XTENSAWIN"),
                    help="firmware.elf for QEMU's de212 sim machine (README; default: "
                    "$QEMU_FIRMWARE_XTENSAWIN)")
    ap.add_argument("--firmware-xtensawin-fpu",
                    default=os.environ.get("QEMU_FIRMWARE_XTENSAWIN_FPU"),
                    help="firmware.elf for QEMU's de233_fpu sim machine (README; default: "
                    "$QEMU_FIRMWARE_XTENSAWIN_FPU)")
    ap.add_argument("--reference", help="folder with the reference's <arch>_6.3/*.mpy files")
    ap.add_argument("--output", default=os.path.join(HERE, "results.md"))
    ap.add_argument("--only", help="run only the calls whose label contains this text, and "
                    "print them without writing the table")
    args = ap.parse_args()
    # (arch, QEMU, machine, QEMU arguments, firmware, console: the UART or semihosting)
    boards = []
    if args.firmware_m3:
        boards.append(("armv6m", "qemu-system-arm", "mps2-an385", [], args.firmware_m3, "stdio"))
    if args.firmware_m7:
        boards += [("armv7emsp", "qemu-system-arm", "mps2-an500", [], args.firmware_m7, "stdio"),
                   ("armv7emdp", "qemu-system-arm", "mps2-an500", [], args.firmware_m7, "stdio")]
    if args.firmware_rv32:
        boards.append(("rv32imc", "qemu-system-riscv32", "virt", ["-bios", "none"],
                       args.firmware_rv32, "stdio"))
    # The xtensa cores of QEMU's sim machine; their console is semihosting.
    for arch, cpu, firmware in (("xtensa", "lx106", args.firmware_xtensa),
                                ("xtensawin", "de212", args.firmware_xtensawin),
                                ("xtensawin-fpu", "de233_fpu", args.firmware_xtensawin_fpu)):
        if firmware:
            boards.append((arch, "qemu-system-xtensa", "sim", ["-cpu", cpu], firmware, "none"))
    if not (args.mpy_dir and boards):
        sys.exit("SKIPPED: set MPY_DIR and QEMU_FIRMWARE_M3, QEMU_FIRMWARE_M7, QEMU_FIRMWARE_RV32, "
                 "QEMU_FIRMWARE_XTENSA, QEMU_FIRMWARE_XTENSAWIN and/or QEMU_FIRMWARE_XTENSAWIN_FPU")
    common.build_dist(args.mpy_dir, [board[0] for board in boards])

    import bench_trees  # sklearn: the same digits model as benchmarks/trees

    workdir = os.path.join(ROOT, "build", "bench", "trees")
    os.makedirs(workdir, exist_ok=True)
    model, model_path, rows_path, expected = bench_trees.make_model(workdir)
    trees_files = (os.path.relpath(model_path, ROOT), os.path.relpath(rows_path, ROOT),
                   list(model.capacity))

    systems = common.systems(args.reference)
    columns = ["call"]
    results = {}
    for board in boards:
        arch = board[0]
        for name, folder in systems:
            natmod_dir = os.path.join(folder, arch + "_6.3")
            if not os.path.isdir(natmod_dir):
                continue
            columns.append("%s %s" % (name, arch))
            for label, module, script, argv, key in cases(trees_files):
                if args.only and args.only not in label:
                    continue
                cell = "-"
                if name == "reference" and label in REFERENCE_LACKS:
                    cell = REFERENCE_LACKS[label]
                elif os.path.exists(os.path.join(natmod_dir, module + ".mpy")):
                    try:
                        values = run_script(board, natmod_dir, script, argv)
                        if module == "emlearn_trees" and int(values["checksum"]) != expected:
                            raise RuntimeError("wrong predictions")
                        cell = "%.0f" % (float(values[key]) * 1000)
                    except (RuntimeError, run_api_tests.TargetError) as e:
                        cell = "failed: %s" % str(e).splitlines()[0][:60]
                print("%-40s %-22s %s" % (label, columns[-1], cell), flush=True)
                results.setdefault(label, {})[columns[-1]] = cell
    if args.only:
        return
    rows = [[label] + [results[label].get(c, "-") for c in columns[1:]]
            for label, *_ in cases(trees_files)]
    common.write_table(args.output, [
        "Instructions per call on MicroPython's ports/qemu firmware (%s), QEMU `-icount shift=0`: "
        "time.ticks_us() of the timed loop x 1000. armv6m on MPS2_AN385 (Cortex-M3), armv7emsp "
        "and armv7emdp on MPS2_AN500 (Cortex-M7), rv32imc on VIRT_RV32, xtensa on QEMU's lx106 "
        "sim machine (the ESP8266's core), xtensawin on its de212 core (the ESP32's windowed ABI), "
        "xtensawin-fpu on its de233_fpu core." % run_version(boards[0])],
        columns, rows)


def run_version(board):
    _, qemu, machine, qemu_args, firmware, serial = board
    target = run_api_tests.Target(qemu, machine, os.path.abspath(firmware), {}, qemu_args, serial)
    try:
        target.enter_raw_repl(30)
        out, _ = target.exec_raw("import sys; print(sys.version, sys.implementation._machine)", 30)
        return out.strip()
    finally:
        target.close()


if __name__ == "__main__":
    main()
