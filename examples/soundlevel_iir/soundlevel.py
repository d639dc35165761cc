# Device side (MicroPython; also CPython with the host modules): an A-weighted sound level meter.
# Audio is read from a .npy file in frames (on a device it would come from an I2S microphone),
# converted to float, A-weighted with emlearn_iir, and summarised per second: Leq (energy mean),
# and Lmin/Lmax of the Fast (125 ms) and Slow (1 s) exponentially time-weighted level.
# Levels are dB relative to full scale (dBFS); add the microphone's calibration for dB SPL.
import array
import math

import emlearn_arrayutils
import emlearn_iir
import npyfile

RATE = 16000
FRAME = 320  # samples per frame: 20 ms, 50 frames a second
FRAMES_PER_REPORT = RATE // FRAME  # one second
FULL_SCALE_RMS = 1.0 / math.sqrt(2)  # a full-scale sine reads 0 dBFS
TIME_CONSTANTS = {"fast": 0.125, "slow": 1.0}


def load_sos(path):
    values = []
    with open(path) as f:
        for line in f:
            values.extend(float(v) for v in line.strip().split(",") if v)
    return array.array("f", values)


def db(mean_square):
    return 10 * math.log10(max(mean_square, 1e-20) / (FULL_SCALE_RMS * FULL_SCALE_RMS))


def main():
    a_weighting = emlearn_iir.new(load_sos("a_weighting.csv"))
    samples = array.array("f", [0.0] * FRAME)
    # Exponential time weighting per frame: state += (frame mean square - state) * (1 - decay).
    decay = {k: math.exp(-FRAME / (RATE * tau)) for k, tau in TIME_CONSTANTS.items()}
    weighted = {k: 0.0 for k in TIME_CONSTANTS}
    report = []
    energy, frames, total_energy, total_frames = 0.0, 0, 0.0, 0
    extremes = {k: [None, None] for k in TIME_CONSTANTS}
    with open("audio.npy", "rb") as f:
        reader = npyfile.Reader(f)
        for chunk in reader.read_data_chunks(FRAME):
            if len(chunk) != FRAME:
                break  # a last partial frame is left out of the statistics
            emlearn_arrayutils.linear_map(chunk, samples, -32768, 32767, -1.0, 1.0)
            a_weighting.run(samples)
            ms = 0.0
            for v in samples:
                ms += v * v
            ms /= FRAME
            energy += ms
            frames += 1
            for k in TIME_CONSTANTS:
                weighted[k] += (ms - weighted[k]) * (1.0 - decay[k])
                level = db(weighted[k])
                lo, hi = extremes[k]
                extremes[k] = [level if lo is None else min(lo, level),
                               level if hi is None else max(hi, level)]
            if frames == FRAMES_PER_REPORT:
                report.append((db(energy / frames), extremes["fast"], extremes["slow"]))
                total_energy += energy
                total_frames += frames
                energy, frames = 0.0, 0
                extremes = {k: [None, None] for k in TIME_CONSTANTS}
    print("second  LAeq   LAFmin LAFmax  LASmin LASmax   (dBFS)")
    for i, (leq, fast, slow) in enumerate(report):
        print("%4d  %6.1f  %6.1f %6.1f  %6.1f %6.1f" % (i, leq, fast[0], fast[1], slow[0], slow[1]))
    print("LAeq over %.1f s: %.1f dBFS" % (total_frames * FRAME / RATE, db(total_energy / total_frames)))


main()
