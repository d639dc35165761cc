"""Host side: the A-weighting filter and the test audio for the sound level meter.

- a_weighting.csv: IEC 61672 A-weighting at 16 kHz as second-order sections (scipy sos layout,
  6 values a line), from the analog poles and zeros by the bilinear transform, 0 dB at 1 kHz.
- audio.npy: 5 s of int16 mono audio at 16 kHz, one second each of: a 1 kHz tone at -20 dBFS, a
  100 Hz tone at -20 dBFS (A-weighting takes 19.1 dB off it), noise at -30 dBFS, a 1 kHz tone at
  -6 dBFS, and near silence (-70 dBFS noise).

    python3 prepare.py [folder]
"""
import sys

import numpy
import scipy.signal

RATE = 16000


def a_weighting_sos(rate=RATE):
    f1, f2, f3, f4 = 20.598997, 107.65265, 737.86223, 12194.217
    zeros = [0.0] * 4
    poles = [-2 * numpy.pi * f for f in (f1, f1, f2, f3, f4, f4)]
    z, p, k = scipy.signal.bilinear_zpk(zeros, poles, 1.0, rate)
    sos = scipy.signal.zpk2sos(z, p, k)
    w, h = scipy.signal.sosfreqz(sos, worN=[1000.0], fs=rate)
    sos[0, :3] /= abs(h[0])  # 0 dB at 1 kHz
    return sos


def test_audio(rate=RATE, seed=5):
    rng = numpy.random.RandomState(seed)
    t = numpy.arange(rate) / rate

    # dBFS as the meter reads it: a full-scale sine is 0 dBFS, i.e. RMS 1/sqrt(2).
    def tone(freq, dbfs):
        return 10 ** (dbfs / 20) * numpy.sin(2 * numpy.pi * freq * t)

    def noise(dbfs):
        return 10 ** (dbfs / 20) / numpy.sqrt(2) * rng.standard_normal(rate)

    x = numpy.concatenate([tone(1000, -20), tone(100, -20), noise(-30), tone(1000, -6),
                           noise(-70)])
    return numpy.clip(numpy.round(x * 32767), -32768, 32767).astype(numpy.int16)


def main(folder="."):
    sos = a_weighting_sos()
    numpy.savetxt(folder + "/a_weighting.csv", sos, delimiter=",", fmt="%.9g")
    numpy.save(folder + "/audio.npy", test_audio())
    print("wrote %s/a_weighting.csv (%d sections) and audio.npy" % (folder, len(sos)))


if __name__ == "__main__":
    main(*sys.argv[1:])
