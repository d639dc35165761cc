# Runs on MicroPython: npyfile's import cost, or LOOPS reads/writes of one .npy file.
#   micropython bench_npyfile_device.py import
#   micropython bench_npyfile_device.py load|chunks|save LOOPS PATH
# Prints key=value pairs on its last line.
import gc
import sys

mode = sys.argv[1]
gc.collect()
before = gc.mem_alloc()
import npyfile  # noqa: E402

gc.collect()
import_bytes = gc.mem_alloc() - before
if mode == "import":
    bits = 64 if sys.maxsize > 2**32 else 32
    try:
        import npzfile  # noqa: F401  (microlearn's .npz half; micropython-npyfile has none)

        gc.collect()
        npz = "%d" % (gc.mem_alloc() - before - import_bytes)
    except ImportError:
        npz = "-"
    print("bits=%d import_bytes=%d npz_bytes=%s" % (bits, import_bytes, npz))
    raise SystemExit

import time  # noqa: E402

loops, path = int(sys.argv[2]), sys.argv[3]
shape, data = npyfile.load(path)
out = path + ".out.npy"
t0 = time.ticks_us()
for _ in range(loops):
    if mode == "load":
        npyfile.load(path)
    elif mode == "chunks":
        with npyfile.Reader(path) as r:
            for chunk in r.read_data_chunks(256):
                pass
    else:
        npyfile.save(out, data, shape)
us = time.ticks_diff(time.ticks_us(), t0)
print("items=%d us=%.1f" % (len(data), us / max(loops, 1)))
