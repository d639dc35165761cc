# Features of one window of 3-axis accelerometer data, for the activity classifier. The same file
# runs on the device (MicroPython with the emlearn_fft and emlearn_arrayutils native modules) and
# on the PC (CPython with the host build), so the model is trained on exactly what the device
# computes.
#
# A window is WINDOW samples x 3 axes of int16 counts (4096 per g), interleaved x y z per sample
# as a sensor FIFO gives them. Windows overlap by half: a new one every HOP samples (1.28 s).
#
# The 22 features, each an int16 (the trees compare integers). Four channels, the axes x, y, z
# and the magnitude |a| = isqrt(x^2 + y^2 + z^2) (in counts, independent of the orientation),
# get the same four statistics, in integer arithmetic:
#     mean            counts (1/4096 g), floor(sum / WINDOW): for the axes the direction of
#                     gravity, i.e. the posture and the way the sensor is worn
#     mean abs dev    counts, floor(sum |value - mean| / WINDOW): how much motion
#     peak to peak    counts, max - min
#     mean crossings  how often the value goes from above mean + BAND to below mean - BAND or back
#                     (BAND = 0.03 g, so that sensor noise does not count): twice the rate of a
#                     periodic motion
# as features 0-3 (x), 4-7 (y), 8-11 (z) and 12-15 (magnitude); all clamped at 32767 (8 g).
# Then the spectrum of the magnitude (its mean removed, a Welch taper applied, real FFT of WINDOW
# points; bin k is k * RATE / WINDOW = k * 0.39 Hz, its power re^2 + im^2; total: bins 1..64):
#     16-19 band power fractions   per mille of the total, bands BANDS: 0.4-1.2 Hz (sway,
#                                  turning), 1.6-2.3 Hz (walking cadence), 2.7-3.5 Hz (running
#                                  cadence), 3.9-9.8 Hz (impacts, harmonics)
#     20    dominant frequency     centi-Hz (0.01 Hz): the strongest bin among 1..25 (up to 9.8
#                                  Hz), refined by a parabola through it and its neighbours
#     21    peak power fraction    per mille: that bin's share of the total, how periodic the
#                                  motion is
# Spectral values are rounded half away from zero; all are 0 for a window with no power at all.
#
# Exactness: features 0-15 are integer arithmetic, the same on every port. The spectral ones use
# Python floats, which are double on CPython and on MicroPython's Unix port (the two give the same
# bits); a port with single-precision floats (most microcontrollers; the ESP8266 has 30 bits) can
# differ in a spectral feature, usually by a unit, though the dominant frequency can move to
# another bin where two bins have nearly equal power: a prediction changes only for a window
# near a tree's threshold on that feature.
#
# Allocation: all arrays are made once, in Features(). The per-sample loops use small integers
# only, which MicroPython does not put on the heap (a magnitude above 8 g makes x^2 + y^2 + z^2 a
# long integer on a 32-bit port: correct, just slower). The spectral loop over 64 bins uses
# floats, which MicroPython allocates (about 500 per window, short-lived).
import array

import emlearn_arrayutils
import emlearn_fft

RATE = 50  # Hz
WINDOW = 128  # samples, 2.56 s; a power of two for the FFT
HOP = 64
AXES = 3
G = 4096  # counts per g
BAND = 123  # counts: 0.03 g, the hysteresis of the crossing counts
BANDS = ((1, 4), (4, 7), (7, 10), (10, 26))  # FFT bins [start, stop)
PEAK_BINS = (1, 26)  # the dominant frequency is looked for in these bins
TAPER_ONE = 4096  # the taper is stored as integers, 4096 = 1.0
NAMES = ("x_mean", "x_mad", "x_p2p", "x_cross", "y_mean", "y_mad", "y_p2p", "y_cross",
         "z_mean", "z_mad", "z_p2p", "z_cross", "mag_mean", "mag_mad", "mag_p2p", "mag_cross",
         "band_0.4_1.2Hz", "band_1.6_2.3Hz", "band_2.7_3.5Hz", "band_3.9_9.8Hz", "peak_freq_cHz",
         "peak_fraction")
N_FEATURES = len(NAMES)


def _q(v):
    """A non-negative float as int16: rounded half up, clamped."""
    i = int(v + 0.5)
    return 32767 if i > 32767 else i


def _stats(values, start, step, out, k):
    """Mean, mean absolute deviation, peak to peak and mean crossings of the WINDOW values
    values[start], values[start + step], ... into out[k:k + 4]; returns the mean."""
    stop = start + WINDOW * step
    s = 0
    lo = hi = values[start]
    for i in range(start, stop, step):
        v = values[i]
        s += v
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
    mean = s // WINDOW
    dev = 0
    crossings = 0
    side = 0
    for i in range(start, stop, step):
        d = values[i] - mean
        if d >= 0:
            dev += d
            if d > BAND:
                if side < 0:
                    crossings += 1
                side = 1
        else:
            dev -= d
            if d < -BAND:
                if side > 0:
                    crossings += 1
                side = -1
    out[k] = mean if mean < 32767 else 32767
    dev //= WINDOW
    out[k + 1] = dev if dev < 32767 else 32767
    out[k + 2] = hi - lo if hi - lo < 32767 else 32767
    out[k + 3] = crossings
    return mean


class Features:
    """Computes the feature vector of a window into one reused array('h')."""

    def __init__(self):
        self.mag = array.array("i", bytes(4 * WINDOW))  # |a| in counts
        self.tapered = array.array("i", bytes(4 * WINDOW))  # (|a| - mean) * taper, counts
        self.fft_in = array.array("f", bytes(4 * WINDOW))  # the same in g
        self.re = array.array("f", bytes(4 * (WINDOW // 2 + 1)))
        self.im = array.array("f", bytes(4 * (WINDOW // 2 + 1)))
        # Welch (parabolic) taper 1 - u^2, u from -1 to 1 over the window, as integers
        self.taper = array.array("h", bytes(2 * WINDOW))
        half = WINDOW + 1
        for j in range(WINDOW):
            u = 2 * j - (WINDOW - 1)  # u / half runs over (-1, 1)
            self.taper[j] = (TAPER_ONE * (half * half - u * u) + half * half // 2) // (half * half)
        self.fft = emlearn_fft.FFT(WINDOW)
        self.out = array.array("h", bytes(2 * N_FEATURES))

    def compute(self, window):
        """window: array('h') of WINDOW * AXES interleaved counts (or a memoryview of one).
        Returns self.out, overwritten on the next call."""
        out = self.out
        for axis in range(AXES):
            _stats(window, axis, AXES, out, 4 * axis)
        self._magnitude(window)
        mean = _stats(self.mag, 0, 1, out, 12)
        self._spectrum(mean, out)
        return out

    def _magnitude(self, w):
        mag = self.mag
        r = G  # integer square root by Newton's method, from the previous sample's result
        j = 0
        for i in range(0, WINDOW * AXES, AXES):
            x = w[i]
            y = w[i + 1]
            z = w[i + 2]
            n = x * x + y * y + z * z
            if n:
                r = (r + n // r) >> 1  # now r >= isqrt(n), whatever r was
                q = (r + n // r) >> 1
                while q < r:
                    r = q
                    q = (r + n // r) >> 1
                mag[j] = r
            else:
                mag[j] = 0
            j += 1

    def _spectrum(self, mean, out):
        mag, tapered, taper = self.mag, self.tapered, self.taper
        for j in range(WINDOW):
            tapered[j] = ((mag[j] - mean) * taper[j]) >> 12  # TAPER_ONE = 2^12
        # counts -> g: x / 4096, exact (the int32 input makes linear_map compute in double)
        emlearn_arrayutils.linear_map(tapered, self.fft_in, -(1 << 20), 1 << 20, -256.0, 256.0)
        re, im = self.re, self.im
        self.fft.rfft(self.fft_in, re, im)
        total = 0.0
        for k in range(1, WINDOW // 2 + 1):
            a = re[k]
            b = im[k]
            p = a * a + b * b
            re[k] = p  # re now holds the power
            total += p
        re[0] = 0.0
        if not total > 0:
            for k in range(16, N_FEATURES):
                out[k] = 0
            return
        for b in range(len(BANDS)):
            p = 0.0
            for k in range(BANDS[b][0], BANDS[b][1]):
                p += re[k]
            out[16 + b] = _q(1000 * p / total)
        best = PEAK_BINS[0]
        for k in range(PEAK_BINS[0] + 1, PEAK_BINS[1]):
            if re[k] > re[best]:
                best = k
        left, peak, right = re[best - 1], re[best], re[best + 1]
        curve = left - 2 * peak + right
        shift = 0.5 * (left - right) / curve if curve < 0 else 0.0
        shift = -0.5 if shift < -0.5 else (0.5 if shift > 0.5 else shift)
        out[20] = _q((best + shift) * RATE * 100 / WINDOW)
        out[21] = _q(1000 * peak / total)
