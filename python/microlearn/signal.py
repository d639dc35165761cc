"""IIR filter designs from ``scipy.signal`` -> the coefficient arrays of ``emlearn_iir`` and
``emlearn_iir_q15``, and what fixed point does to them.

A *design* is anything ``scipy.signal`` produces for a digital filter:

* second-order sections, ``butter(..., output='sos')`` (an ``(n, 6)`` array, or a flat sequence
  of 6 values per section);
* a transfer function ``(b, a)``, ``butter(...)`` with the default ``output='ba'``;
* zeros, poles and gain ``(z, p, k)``, ``output='zpk'``.

``iir_coefficients(design)`` gives the ``array('f')`` that ``emlearn_iir.new`` takes (scipy's sos
layout, flattened). ``iir_q15_coefficients(design)`` gives the ``array('h')`` that
``emlearn_iir_q15.new`` takes: per section ``[b0, 0, b1, b2, -a1, -a2]``, each value ``c`` stored
as ``round(c * 8192)`` (Q2.13, so coefficients must lie in [-4, 4)). Before quantising, the gain
is spread over the sections (:func:`balance_gain`): scipy puts a filter's whole gain into the first
section's numerator, which for a narrow filter is far below one step of 1/8192 and would quantise to
zero; balanced, every section's output peaks at full scale for a full-scale sinusoid, so nothing
saturates inside the cascade either.

``iir_q15_report(design)`` says what the quantisation costs: coefficient error, frequency-response
error in dB, pole radius, and the SNR of the exact fixed-point arithmetic (:func:`q15_filter`, the
engine's arithmetic in Python) on a test signal at -6 dBFS. The arithmetic itself is documented in
``docs/iir_q15.md``.
"""

import array
import math
from dataclasses import dataclass

import numpy as np
import scipy.signal as sig

__all__ = [
    "Q15_SCALE",
    "to_sos",
    "iir_coefficients",
    "balance_gain",
    "iir_q15_coefficients",
    "q15_to_sos",
    "q15_filter",
    "q15_steady_state",
    "Q15Report",
    "iir_q15_report",
]

#: One in Q2.13, the coefficient format of ``emlearn_iir_q15``. (The reference's
#: ``convert_coefficients`` defaults to ``2**13 - 1``, which makes every coefficient 0.012% small.)
Q15_SCALE = 8192

_INT16_MIN, _INT16_MAX = -32768, 32767


def to_sos(design):
    """Second-order sections ``(n, 6)`` float64, each normalised to ``a0 = 1``.

    ``design`` is an sos array (or a flat sequence of 6 values per section), ``(b, a)`` or
    ``(z, p, k)``. A filter of order 0 (a plain gain) becomes one section ``[k, 0, 0, 1, 0, 0]``.
    """
    if isinstance(design, tuple) and len(design) in (2, 3):
        parts = [np.atleast_1d(np.asarray(p)) for p in design]
        if len(design) == 2:
            if any(np.iscomplexobj(p) and np.any(np.imag(p)) for p in parts):
                raise ValueError("(b, a) has complex coefficients: a real filter is needed")
            b, a = (np.asarray(p, dtype=np.float64) for p in parts)
            sos = sig.tf2sos(b, a) if max(len(b), len(a)) > 1 else _gain_section(b[0] / a[0])
        else:
            z, p = parts[0], parts[1]
            k = float(np.real(design[2]))
            sos = sig.zpk2sos(z, p, k) if len(z) or len(p) else _gain_section(k)
    else:
        sos = np.asarray(design, dtype=np.float64)
        if sos.ndim == 1:
            if sos.size % 6 != 0:
                raise ValueError("a flat design needs 6 values per section, got %d" % sos.size)
            sos = sos.reshape(-1, 6)
        if sos.ndim != 2 or sos.shape[1] != 6:
            raise ValueError("expecting sos of shape (n, 6), (b, a) or (z, p, k); got shape %s"
                             % (sos.shape,))
        if len(sos) == 0:
            raise ValueError("the design has no sections")
    sos = np.array(sos, dtype=np.float64)
    if not np.all(np.isfinite(sos)):
        raise ValueError("design has non-finite coefficients")
    a0 = sos[:, 3:4]
    if np.any(a0 == 0):
        raise ValueError("a section has a0 == 0")
    return sos / a0


def _gain_section(k):
    return np.array([[float(np.real(k)), 0.0, 0.0, 1.0, 0.0, 0.0]])


def _check_stable(sos):
    """ValueError for a section with a pole outside the unit circle: its output grows without
    bound (an analog design given as digital, a wrong sign). Poles on the circle pass. An analog
    design whose poles all lie inside the circle passes too: its numbers are a digital design."""
    for i, section in enumerate(sos):
        poles = np.roots(section[3:6]) if section[4] or section[5] else []
        radius = float(np.abs(poles).max()) if len(poles) else 0.0
        if radius > 1.0 + 1e-12:
            raise ValueError("section %d is unstable (pole radius %.6g > 1): a digital design "
                             "is needed (scipy.signal with fs=..., not analog=True)" % (i, radius))


def _beyond_float32(sos):
    """Whether a nonzero coefficient lies outside float32's normal range (it would become 0, a
    subnormal or infinity)."""
    magnitudes = np.abs(sos[sos != 0])
    return bool(np.any(magnitudes < np.finfo(np.float32).tiny)
                or np.any(magnitudes > np.finfo(np.float32).max))


def iir_coefficients(design):
    """``array('f')`` for ``emlearn_iir.new``: scipy's sos layout, flattened, float32.
    ``ValueError`` for an unstable design (a pole outside the unit circle).

    scipy puts the whole gain in the first section's numerator. Where that leaves float32's
    normal range (high orders, low cut-offs: ``butter(30, 0.02)`` has ``b0`` about 1e-47), the
    gain is first spread over the sections (:func:`balance_gain`); otherwise the coefficients are
    scipy's."""
    sos = to_sos(design)
    _check_stable(sos)
    if _beyond_float32(sos):
        sos = balance_gain(sos)
        if _beyond_float32(sos):
            raise ValueError("the design's coefficients do not fit float32, even with its gain "
                             "spread over the sections")
    return array.array("f", sos.astype(np.float32).ravel().tolist())


def _frequency_grid(n_points):
    return np.linspace(0.0, np.pi, n_points)


def balance_gain(design, n_points=8192):
    """Spreads the gain over the sections; the overall response is unchanged.

    Each section's numerator is scaled so that the response from the filter input to that
    section's output peaks at 1 (measured on ``n_points`` frequencies from 0 to Nyquist), and the
    last section restores the filter's overall gain. A full-scale sinusoid then fills, but does
    not overflow, every section in fixed point.
    """
    sos = to_sos(design)
    w = _frequency_grid(n_points)
    with np.errstate(divide="ignore", invalid="ignore"):
        responses = [sig.sosfreqz(sos[i:i + 1], worN=w)[1] for i in range(len(sos))]
    if not all(np.all(np.isfinite(h)) for h in responses):
        # A pole on the unit circle at a grid frequency (an integrator at DC): the peaks are
        # infinite, so there is nothing to balance against; the design keeps its own gains.
        return sos
    overall = np.abs(np.prod(responses, axis=0)).max()
    cumulative = np.ones(len(w), dtype=complex)
    for i in range(len(sos)):
        peak_b = np.abs(sos[i, :3]).max()
        if peak_b == 0:
            return sos  # a zero section: the filter outputs zero whatever the gains
        sos[i, :3] /= peak_b
        h = responses[i] / peak_b
        peak = np.abs(cumulative * h).max()
        target = overall if i == len(sos) - 1 else 1.0
        gain = target / peak if peak > 0 else 1.0
        sos[i, :3] *= gain
        cumulative *= h * gain
    return sos


def _round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def iir_q15_coefficients(design, balance=True, scale=Q15_SCALE):
    """``array('h')`` for ``emlearn_iir_q15.new``: ``[b0, 0, b1, b2, -a1, -a2]`` per section,
    ``round(c * scale)`` (ties away from zero, as ``convert_coefficients`` on the device).

    ``balance`` spreads the gain over the sections first (:func:`balance_gain`). ``ValueError``
    when a coefficient does not fit int16 (|c| >= 4 at the default scale), when a section's
    numerator rounds to all zeros (the filter would output silence: its gain is below the
    format's resolution, as for a very low cutoff; emlearn_iir computes it in float), and for an
    unstable design.
    """
    _check_stable(to_sos(design))
    sos = balance_gain(design) if balance else to_sos(design)
    layout = np.stack([sos[:, 0], np.zeros(len(sos)), sos[:, 1], sos[:, 2], -sos[:, 4],
                       -sos[:, 5]], axis=1)
    # The device converts float32 values: do the same, so both give identical arrays.
    q = _round_half_away(layout.astype(np.float32).astype(np.float64) * scale)
    bad = np.argwhere((q < _INT16_MIN) | (q > _INT16_MAX))
    if len(bad):
        stage, index = (int(v) for v in bad[0])
        raise ValueError("section %d: coefficient %g is outside the Q2.13 range [-4, 4); the "
                         "design cannot run on emlearn_iir_q15" % (stage, layout[stage, index]))
    silent = np.flatnonzero(np.all(q[:, :4] == 0, axis=1) & np.any(layout[:, :4] != 0, axis=1))
    if len(silent):
        stage = int(silent[0])
        raise ValueError("section %d: the numerator (largest %.3g) rounds to 0 at a scale of %g, "
                         "so the filter outputs only zeros: the design's gain is below "
                         "emlearn_iir_q15's resolution (emlearn_iir runs it in float)"
                         % (stage, np.abs(layout[stage, :4]).max(), scale))
    return array.array("h", q.astype(np.int64).ravel().tolist())


def q15_to_sos(coefficients, scale=Q15_SCALE):
    """The float sos (float64) that ``emlearn_iir_q15`` coefficients stand for."""
    c = np.asarray(coefficients, dtype=np.float64).reshape(-1, 6) / scale
    return np.stack([c[:, 0], c[:, 2], c[:, 3], np.ones(len(c)), -c[:, 4], -c[:, 5]], axis=1)


def q15_filter(coefficients, x, state=None):
    """The exact arithmetic of ``emlearn_iir_q15`` (docs/iir_q15.md) in Python integers.

    Per section: ``acc = b0*x + b1*x1 + b2*x2 + (-a1)*y1 + (-a2)*y2 +
    (((-a1)*e1 + (-a2)*e2 + 4096) >> 13)`` exactly, ``q = (acc + 4096) >> 13``,
    ``y = clamp(q, -32768, 32767)`` and the residue ``e = acc - (q << 13)``. Returns an int16 ndarray. ``state`` is a
    list of ``[x1, x2, y1, y2, e1, e2]`` per section (residues in [-4096, 4096)), updated in
    place (zeros when None).
    """
    c = [int(v) for v in np.asarray(coefficients).ravel()]
    if len(c) % 6:
        raise ValueError("coefficients must be a multiple of 6")
    n_stages = len(c) // 6
    if state is None:
        state = [[0] * 6 for _ in range(n_stages)]
    values = [int(v) for v in np.asarray(x).ravel()]
    for s in range(n_stages):
        b0, _, b1, b2, na1, na2 = c[6 * s:6 * s + 6]
        x1, x2, y1, y2, e1, e2 = state[s]
        out = []
        for v in values:
            acc = (b0 * v + b1 * x1 + b2 * x2 + na1 * y1 + na2 * y2 +
                   ((na1 * e1 + na2 * e2 + 4096) >> 13))
            q = (acc + 4096) >> 13
            r = _INT16_MIN if q < _INT16_MIN else (_INT16_MAX if q > _INT16_MAX else q)
            x2, x1, y2, y1, e2, e1 = x1, v, y1, r, e1, acc - (q << 13)
            out.append(r)
        state[s][:] = [x1, x2, y1, y2, e1, e2]
        values = out
    return np.asarray(values, dtype=np.int16)


def q15_steady_state(coefficients, level):
    """``array('h')`` for ``emlearn_iir_q15``'s ``set_state``: the state the filter holds after a
    constant input ``level`` (an int16) has gone on for ever, so that a stream that starts at a
    level other than 0 (a sensor's offset, gravity on an accelerometer) gives no start-up
    transient. What ``scipy.signal.sosfilt_zi(sos) * x[0]`` is for ``emlearn_iir``.

    Per section, the exact output level ``v = (b0 + b1 + b2) * u / (8192 - (-a1) - (-a2))`` of
    its input level ``u`` is split into ``y = round(v)`` (ties up) and the residue
    ``e = round((v - y) * 8192)``; the state is ``[u, u, y, y, e, e]``, and ``y`` is the next
    section's input level. Filtering ``level`` from this state gives outputs within an LSB of
    the steady value from the first sample on. ``ValueError`` for a level outside int16, a
    section with a pole at z = 1 (no steady state: an integrator) and a level the filter's gain
    takes beyond int16.
    """
    from fractions import Fraction

    c = [int(v) for v in np.asarray(coefficients).ravel()]
    if len(c) % 6:
        raise ValueError("coefficients must be a multiple of 6")
    u = int(level)
    if u != level or not _INT16_MIN <= u <= _INT16_MAX:
        raise ValueError("level must be an int16, got %r" % (level,))
    state = []
    for s in range(len(c) // 6):
        b0, _, b1, b2, na1, na2 = c[6 * s:6 * s + 6]
        denominator = Q15_SCALE - na1 - na2
        if denominator == 0:
            raise ValueError("section %d has a pole at z = 1: no steady state" % s)
        v = Fraction((b0 + b1 + b2) * u, denominator)
        y = math.floor(v + Fraction(1, 2))
        if not _INT16_MIN <= y <= _INT16_MAX:
            raise ValueError("section %d: a level of %d gives %.1f there, beyond int16"
                             % (s, level, float(v)))
        e = min(4095, max(-4096, math.floor((v - y) * Q15_SCALE + Fraction(1, 2))))
        state += [u, u, y, y, e, e]
        u = y
    return array.array("h", state)


def reference_signal(n=4096, level_dbfs=-6.0, seed=0):
    """An int16 test signal: white noise plus tones across the band, peak at ``level_dbfs``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x = 0.5 * rng.standard_normal(n)
    for f, a in ((0.005, 1.0), (0.02, 0.8), (0.06, 0.7), (0.13, 0.6), (0.27, 0.5), (0.41, 0.4)):
        x += a * np.sin(2 * np.pi * f * t + 7 * f)
    peak = _INT16_MAX * 10 ** (level_dbfs / 20)
    return np.round(x * (peak / np.abs(x).max())).astype(np.int16)


@dataclass
class Q15Report:
    """What quantising a design to ``emlearn_iir_q15`` costs. dB values compare magnitudes."""

    #: Largest |quantised - exact| coefficient (after balancing), in coefficient units (1/8192 = 1 LSB).
    max_coefficient_error: float
    #: Largest |dB difference| of the magnitude response, over frequencies where the exact
    #: response is within ``response_floor_db`` of its peak.
    response_error_db: float
    response_floor_db: float
    #: Largest pole radius of the quantised filter (stable when < 1).
    max_pole_radius: float
    #: SNR of the fixed-point output against the exact (float64, unquantised) design, on
    #: ``reference_signal()`` or the signal given: coefficient and arithmetic error together.
    snr_db: float
    #: SNR against a float64 model of the same quantised coefficients: arithmetic error only.
    arithmetic_snr_db: float
    #: Output samples at -32768 or 32767 in the SNR run.
    saturated_samples: int

    @property
    def stable(self):
        return self.max_pole_radius < 1.0

    def __str__(self):
        return ("max coefficient error %.3g (%.2f LSB), response error %.3f dB (above %g dB), "
                "max pole radius %.6f%s, SNR %.1f dB (arithmetic alone %.1f dB), %d saturated "
                "samples" % (self.max_coefficient_error, self.max_coefficient_error * Q15_SCALE,
                             self.response_error_db, self.response_floor_db,
                             self.max_pole_radius, "" if self.stable else " (UNSTABLE)",
                             self.snr_db, self.arithmetic_snr_db, self.saturated_samples))


def _snr_db(reference, actual):
    err = np.sum((np.asarray(actual, dtype=np.float64) - reference) ** 2)
    power = np.sum(reference ** 2)
    if err == 0:
        return math.inf
    return 10 * math.log10(power / err) if power > 0 else -math.inf


def iir_q15_report(design, coefficients=None, signal=None, response_floor_db=-40.0,
                   n_points=4096):
    """Measures the quantisation of ``design`` into ``coefficients`` (by default
    ``iir_q15_coefficients(design)``). ``signal``: int16 samples for the SNR (default
    ``reference_signal()``, -6 dBFS)."""
    if coefficients is None:
        coefficients = iir_q15_coefficients(design)
    q = np.asarray(coefficients, dtype=np.int64).reshape(-1, 6)
    exact = balance_gain(design)
    if len(exact) != len(q):
        raise ValueError("design has %d sections, coefficients %d" % (len(exact), len(q)))
    quantised = q15_to_sos(q)
    layout = np.stack([exact[:, 0], np.zeros(len(exact)), exact[:, 1], exact[:, 2],
                       -exact[:, 4], -exact[:, 5]], axis=1)
    max_coefficient_error = float(np.abs(q / Q15_SCALE - layout).max())

    w = _frequency_grid(n_points)
    with np.errstate(divide="ignore", invalid="ignore"):  # a pole on the circle
        h_exact = np.abs(sig.sosfreqz(exact, worN=w)[1])
        h_quant = np.abs(sig.sosfreqz(quantised, worN=w)[1])
    peak = h_exact.max()
    band = h_exact >= peak * 10 ** (response_floor_db / 20) if peak > 0 else np.zeros_like(w, bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.abs(20 * np.log10(np.maximum(h_quant[band], 1e-300) / h_exact[band]))
    # A pole on the unit circle makes the response infinite (or NaN) there: an infinite error,
    # not a NaN that every comparison lets pass.
    diff[~np.isfinite(diff)] = np.inf
    response_error_db = float(diff.max()) if band.any() else 0.0

    poles = np.concatenate([np.roots([1.0, s[4], s[5]]) for s in quantised]) if len(q) else []
    max_pole_radius = float(np.abs(poles).max()) if len(poles) else 0.0

    x = reference_signal() if signal is None else np.asarray(signal, dtype=np.int16)
    y = q15_filter(q, x).astype(np.float64)
    xf = x.astype(np.float64)
    return Q15Report(
        max_coefficient_error=max_coefficient_error,
        response_error_db=response_error_db,
        response_floor_db=response_floor_db,
        max_pole_radius=max_pole_radius,
        snr_db=_snr_db(sig.sosfilt(exact, xf), y),
        arithmetic_snr_db=_snr_db(sig.sosfilt(quantised, xf), y),
        saturated_samples=int(np.sum((y <= _INT16_MIN) | (y >= _INT16_MAX))),
    )
