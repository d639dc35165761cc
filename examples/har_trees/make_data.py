"""Host side of the activity example: makes recorded 3-axis accelerometer data.

A sensor clipped to the belt records at 50 Hz, int16 raw counts at 4096 per g (an MPU-6050 or
similar at +-8 g). Five activities: 0 lying, 1 still (sitting or standing), 2 walking, 3 stairs
(up or down), 4 running. Each of 30 subjects records every activity for 25.6 s (1280 samples);
subjects 0-19 do it twice and are the training set, subjects 20-29 once and are the test set, so
no person is in both.

What makes it hard (and realistic):

* **Posture and mounting.** The sensor reads +1 g along the world's up direction plus the body's
  own acceleration. The up direction in the body frame comes from the posture (upright, sitting
  and leaning back 5-40 degrees, lying on the back, a side or the front with the head raised up
  to 30 degrees); the clip is turned around the waist by up to +-35 degrees and tilted per
  subject, and shifts a few degrees per recording.
* **Gait.** Steps are a periodic signal at the cadence (per subject, with slow drift of a few
  percent and step-to-step amplitude variation): vertical fundamental plus 2nd and 3rd harmonics
  with subject-specific phases, forward sway at the cadence, lateral sway at half the cadence
  (left and right steps), and heel-strike impacts (narrow pulses, strong when running and going
  down stairs). A per-subject vigour scales all amplitudes, so a vigorous walker overlaps a
  gentle stair climber.
* **Label noise, as real annotation has it.** Some walking recordings contain a pause of 1.5-4 s
  (standing at a door), stairs recordings contain landings (a few steps of level walking), still
  recordings contain fidgets (short bursts of motion with a small posture change) and lying
  recordings sometimes a turn onto another side. The windows of these stretches keep the
  recording's label.
* **Sensor.** Per-axis scale error (standard deviation 1.5%) and bias (20 mg), white noise (8-20
  mg), a slow random drift of the bias, rounding to counts and saturation at +-8 g.

Everything is drawn from one seeded generator, so every run makes the same files:
har_train.npz and har_test.npz, each with ``samples`` (int16, (recordings, 1280, 3), x y z
interleaved per sample as a sensor FIFO gives them), ``labels`` (uint8, one per recording) and
``subjects`` (uint8).
"""
import os
import sys

import numpy as np

RATE = 50  # Hz
G = 4096  # counts per g
LENGTH = 1280  # samples per recording (25.6 s), a multiple of the hop (64)
ACTIVITIES = ("lying", "still", "walking", "stairs", "running")
TRAIN_SUBJECTS = range(0, 20)
TEST_SUBJECTS = range(20, 30)
TRAIN_REPEATS, TEST_REPEATS = 2, 1


def rotation(axis, angle):
    """3x3 rotation by angle (radians) about axis 0, 1 or 2."""
    c, s = np.cos(angle), np.sin(angle)
    i, j = [k for k in range(3) if k != axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def smooth_noise(rng, n, cutoff, sigma=1.0):
    """Gaussian noise band-limited to below cutoff (Hz), scaled to standard deviation sigma."""
    spectrum = np.fft.rfft(rng.normal(size=n))
    spectrum[np.fft.rfftfreq(n, 1 / RATE) > cutoff] = 0
    x = np.fft.irfft(spectrum, n)
    return x * (sigma / (x.std() + 1e-12))


def up_vector(tilt, azimuth):
    """World up in the body frame (vertical, forward, lateral) for a trunk tilted by tilt from
    upright towards azimuth (0: up vector leans forward, pi/2: sideways)."""
    return np.array([np.cos(tilt), np.sin(tilt) * np.cos(azimuth), np.sin(tilt) * np.sin(azimuth)])


def switch(n, segments, ramp=0.4):
    """0..1 envelope that is 1 inside the (start, length) segments (seconds), with smooth ramps."""
    t = np.arange(n) / RATE
    w = np.zeros(n)
    for start, length in segments:
        rise = np.clip((t - start) / ramp, 0, 1)
        fall = np.clip((start + length - t) / ramp, 0, 1)
        w = np.maximum(w, np.minimum(rise, fall))
    return 0.5 - 0.5 * np.cos(np.pi * w)


def gait(rng, subject, n, cadence, vertical, forward, lateral, impact):
    """Body-frame acceleration (n, 3) in g of a periodic gait at cadence steps per second."""
    f = cadence * (1 + smooth_noise(rng, n, 0.3, 0.03))
    phase = 2 * np.pi * np.cumsum(f) / RATE + rng.uniform(0, 2 * np.pi)
    phase += smooth_noise(rng, n, 2.0, 0.15)  # step-to-step timing jitter
    amplitude = 1 + smooth_noise(rng, n, 0.6, 0.12)
    h2, h3, p2, p3, pf, pl = subject["harmonics"]
    acc = np.zeros((n, 3))
    acc[:, 0] = vertical * (np.sin(phase) + h2 * np.sin(2 * phase + p2)
                            + h3 * np.sin(3 * phase + p3))
    pulse = np.maximum(0, np.cos(phase - 0.3)) ** 8  # heel strike, once a step
    acc[:, 0] += impact * (pulse - pulse.mean())
    acc[:, 1] = forward * (np.sin(phase + pf) + 0.4 * h2 * np.sin(2 * phase + p2 + pf))
    acc[:, 2] = lateral * (np.sin(phase / 2 + pl) + 0.3 * np.sin(phase + pl))
    return acc * amplitude[:, None]


def sway(rng, n, level, breathing):
    """Small body motion at rest: slow sway and breathing, (n, 3) in g."""
    acc = np.stack([smooth_noise(rng, n, 0.5, level) for _ in range(3)], axis=1)
    t = np.arange(n) / RATE
    acc[:, 1] += breathing * np.sin(2 * np.pi * rng.uniform(0.2, 0.35) * t + rng.uniform(0, 6.3))
    return acc


def fidgets(rng, n, rate):
    """Short bursts of motion (shifting in the chair, reaching for something): (n, 3) in g and
    the list of their (start, length) in seconds."""
    acc = np.zeros((n, 3))
    segments = []
    for _ in range(rng.poisson(rate * n / RATE)):
        length = rng.uniform(0.4, 2.0)
        start = rng.uniform(0, n / RATE - length)
        envelope = switch(n, [(start, length)], ramp=length / 3)
        level = rng.uniform(0.03, 0.25)
        acc += envelope[:, None] * np.stack(
            [smooth_noise(rng, n, rng.uniform(1.5, 4.0), level) for _ in range(3)], axis=1)
        segments.append((start, length))
    return acc, segments


def posture_track(rng, n, up, segments, max_change):
    """The up vector (n, 3) over time: it moves to a slightly different posture after each
    segment (a fidget, a turn) by up to max_change radians."""
    track = np.tile(up, (n, 1))
    current = up
    for start, length in sorted(segments):
        nudge = rotation(rng.integers(3), rng.uniform(-max_change, max_change)) @ current
        w = switch(n, [(start + length / 2, n / RATE)], ramp=length / 2 + 0.1)[:, None]
        track = track * (1 - w) + nudge * w
        current = nudge
    return track / np.linalg.norm(track, axis=1, keepdims=True)


def make_subject(rng):
    return {
        "cadence": rng.normal(1.85, 0.12),  # walking steps per second
        "vigour": rng.lognormal(0, 0.2),
        "harmonics": (rng.uniform(0.2, 0.6), rng.uniform(0.0, 0.25), rng.uniform(0, 6.3),
                      rng.uniform(0, 6.3), rng.uniform(-0.8, 0.8), rng.uniform(0, 6.3)),
        "mount": rotation(0, rng.uniform(-0.6, 0.6)) @ rotation(1, rng.normal(0, 0.14))
        @ rotation(2, rng.normal(0, 0.14)),
    }


def walking_params(rng, s):
    v = s["vigour"]
    return dict(cadence=s["cadence"] * rng.uniform(0.93, 1.07), vertical=v * rng.uniform(0.15, 0.3),
                forward=v * rng.uniform(0.08, 0.2), lateral=v * rng.uniform(0.05, 0.12),
                impact=v * rng.uniform(0.0, 0.2))


def body_motion(rng, s, activity, n):
    """(up vectors (n, 3), body acceleration (n, 3)) in g for one recording."""
    v = s["vigour"]
    if activity == 0:  # lying: back, left or right side, front; head raised 0-30 degrees
        roll = rng.choice([0, np.pi / 2, -np.pi / 2, np.pi], p=[0.45, 0.2, 0.2, 0.15])
        roll += rng.normal(0, 0.25)
        elevation = rng.uniform(0, 0.5)
        up = np.array([np.sin(elevation), np.cos(elevation) * np.cos(roll),
                       np.cos(elevation) * np.sin(roll)])
        acc, segments = fidgets(rng, n, 0.03)
        if rng.random() < 0.3:  # turning onto another side
            length = rng.uniform(1.5, 3.0)
            start = rng.uniform(2, n / RATE - length - 2)
            segments.append((start, length))
            acc += switch(n, [(start, length)])[:, None] * np.stack(
                [smooth_noise(rng, n, 2.0, 0.2) for _ in range(3)], axis=1)
            ups = posture_track(rng, n, up, [(start, length)], 1.6)
        else:
            ups = posture_track(rng, n, up, segments, 0.15)
        return ups, acc + sway(rng, n, rng.uniform(0.002, 0.006), rng.uniform(0.004, 0.015))
    if activity == 1:  # still: standing, or sitting leaning back
        if rng.random() < 0.35:
            up = up_vector(rng.uniform(0, 0.15), rng.uniform(0, 2 * np.pi))
        else:
            up = up_vector(rng.uniform(0.08, 0.7), np.pi + rng.normal(0, 0.4))
        acc, segments = fidgets(rng, n, 0.08)
        ups = posture_track(rng, n, up, segments, 0.15)
        return ups, acc + sway(rng, n, rng.uniform(0.003, 0.012), rng.uniform(0.002, 0.01))
    lean = {2: (0.0, 0.12), 3: (0.05, 0.3), 4: (0.05, 0.25)}[activity]
    up = up_vector(rng.uniform(*lean), rng.normal(0, 0.3))
    ups = np.tile(up, (n, 1))
    if activity == 2:  # walking, sometimes with a pause
        acc = gait(rng, s, n, **walking_params(rng, s))
        if rng.random() < 0.4:
            length = rng.uniform(1.5, 4.0)
            pause = switch(n, [(rng.uniform(1, n / RATE - length - 1), length)])
            acc = acc * (1 - pause[:, None]) + sway(rng, n, 0.01, 0.005) * pause[:, None]
    elif activity == 3:  # stairs, up or down, with landings of level walking
        if rng.random() < 0.5:  # up: slower, bigger vertical motion, leaning forward
            params = dict(cadence=s["cadence"] * rng.uniform(0.72, 0.92),
                          vertical=v * rng.uniform(0.2, 0.4), forward=v * rng.uniform(0.1, 0.25),
                          lateral=v * rng.uniform(0.05, 0.15), impact=v * rng.uniform(0.0, 0.15))
        else:  # down: brisker, hard landings
            params = dict(cadence=s["cadence"] * rng.uniform(0.95, 1.15),
                          vertical=v * rng.uniform(0.15, 0.35), forward=v * rng.uniform(0.08, 0.2),
                          lateral=v * rng.uniform(0.06, 0.15), impact=v * rng.uniform(0.2, 0.55))
        acc = gait(rng, s, n, **params)
        landings, t = [], rng.uniform(3, 8)
        while t < n / RATE - 1:
            length = rng.uniform(1.5, 3.0)
            landings.append((t, length))
            t += length + rng.uniform(5, 9)
        w = switch(n, landings)[:, None]
        acc = acc * (1 - w) + gait(rng, s, n, **walking_params(rng, s)) * w
    else:  # running
        acc = gait(rng, s, n, cadence=rng.uniform(2.4, 3.1), vertical=v * rng.uniform(0.5, 1.0),
                   forward=v * rng.uniform(0.2, 0.4), lateral=v * rng.uniform(0.1, 0.2),
                   impact=v * rng.uniform(0.8, 2.0))
    return ups, acc


def record(rng, subject, activity, n=LENGTH):
    """One recording: int16 counts, (n, 3)."""
    ups, acc = body_motion(rng, subject, activity, n)
    mount = subject["mount"] @ rotation(0, rng.normal(0, 0.07)) @ rotation(1, rng.normal(0, 0.07))
    reading = (ups + acc) @ mount.T  # body frame -> sensor frame
    reading *= 1 + rng.normal(0, 0.015, 3)  # scale error
    reading += rng.normal(0, 0.02, 3)  # bias
    reading += np.cumsum(rng.normal(0, 0.0004, (n, 3)), axis=0)  # bias drift
    reading += rng.normal(0, rng.uniform(0.008, 0.02), (n, 3))  # noise
    return np.clip(np.round(reading * G), -32768, 32767).astype(np.int16)


def make_set(rng, subjects, repeats):
    samples, labels, who = [], [], []
    for sid, subject in subjects:
        for _ in range(repeats):
            for activity in range(len(ACTIVITIES)):
                samples.append(record(rng, subject, activity))
                labels.append(activity)
                who.append(sid)
    return {"samples": np.array(samples), "labels": np.array(labels, dtype=np.uint8),
            "subjects": np.array(who, dtype=np.uint8)}


def main(out_dir):
    """Writes har_train.npz and har_test.npz to out_dir; returns {"train": ..., "test": ...}."""
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(2024)
    subjects = [(sid, make_subject(rng)) for sid in range(TEST_SUBJECTS.stop)]
    sets = {"train": make_set(rng, subjects[:TRAIN_SUBJECTS.stop], TRAIN_REPEATS),
            "test": make_set(rng, subjects[TEST_SUBJECTS.start:], TEST_REPEATS)}
    for name, arrays in sets.items():
        np.savez(os.path.join(out_dir, "har_%s.npz" % name), **arrays)  # stored, not deflated
        print("%s: %d recordings of %d samples x 3 axes, subjects %d-%d" % (
            name, len(arrays["labels"]), LENGTH, arrays["subjects"].min(),
            arrays["subjects"].max()))
    return sets


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        "build", "examples", "har_trees"))
