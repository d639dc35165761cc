"""Host side of the gesture example: makes recorded accelerometer data, trains a 1-D CNN on it with
PyTorch, converts it with microlearn.cnn.convert, and writes what the device script reads into
the folder given on the command line.

The data: 3-axis accelerometer windows of 64 samples (50 Hz, 1.3 s) as int16 raw counts (4096 per
g, as an MPU-6050 at +-8 g gives them), four gestures: 0 rest (gravity on z, sensor noise), 1 shake
(a 6-9 Hz oscillation on x), 2 circle (a 1-2 Hz rotation on x and y), 3 tap (a short impulse on z
at a random time). Random orientation jitter, amplitude and phase; seeded, so every run is the
same.

On the device the int16 samples become the network's uint8 input with
``emlearn_arrayutils.linear_map(window, pixels, -4 g, 4 g, 0, 255)``; the host does the same
mapping (round half away from zero, clamp) to train on exactly what the device will see.

Two networks are trained on the same data: a strided CNN (gesture_*.tmdl) and a dilated one
(gesture_tcn_*.tmdl: convolutions with dilation 1, 2, 4, 8 over the full 64 samples, as temporal
convolutional networks do; microlearn runs dilation, TinyMaix does not).

Files written: gesture_{fp32,int8}.tmdl, gesture_tcn_{fp32,int8}.tmdl, test_windows.npy (int16,
(n, 64, 3)) and test_labels.npy (uint8).
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
from microlearn import cnn  # noqa: E402

RATE = 50
SAMPLES = 64
G = 4096  # counts per g
RANGE = 4 * G  # the window maps -4 g .. 4 g onto 0 .. 255
GESTURES = ("rest", "shake", "circle", "tap")


def make_windows(n_per_class, rng):
    t = np.arange(SAMPLES) / RATE
    windows, labels = [], []
    for label in range(len(GESTURES)):
        for _ in range(n_per_class):
            acc = np.zeros((SAMPLES, 3))
            acc[:, 2] = 1.0  # gravity
            tilt = rng.normal(0, 0.15, 3)
            acc += tilt
            if label == 1:
                f, a = rng.uniform(4, 9), rng.uniform(0.2, 1.5)
                acc[:, 0] += a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
            elif label == 2:
                f, a = rng.uniform(1, 3), rng.uniform(0.2, 1.0)
                phase = rng.uniform(0, 2 * np.pi)
                acc[:, 0] += a * np.cos(2 * np.pi * f * t + phase)
                acc[:, 1] += a * np.sin(2 * np.pi * f * t + phase)
            elif label == 3:
                at = rng.integers(5, SAMPLES - 8)
                a = rng.uniform(1.0, 2.5)
                acc[at:at + 4, 2] += a * np.array([1.0, -0.6, 0.3, -0.1])
            # hand tremor and slow drift, then sensor noise
            acc += np.cumsum(rng.normal(0, 0.03, acc.shape), axis=0)
            acc += rng.normal(0, 0.12, acc.shape)
            windows.append(np.clip(np.round(acc * G), -32768, 32767).astype(np.int16))
            labels.append(label)
    order = rng.permutation(len(labels))
    return np.array(windows)[order], np.array(labels, dtype=np.uint8)[order]


def to_pixels(windows):
    """What linear_map(window, pixels, -RANGE, RANGE, 0, 255) gives on the device."""
    y = (windows.astype(np.float64) + RANGE) * 255.0 / (2 * RANGE)
    y = np.clip(y, 0, 255)
    return np.floor(y + 0.5).astype(np.uint8)  # non-negative: half away from zero = half up


def main(out_dir):
    import torch
    from torch import nn

    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    train_w, train_y = make_windows(150, rng)
    test_w, test_y = make_windows(50, rng)
    # PyTorch is channels first: (n, 3 axes, 64 samples); the device reads (64, 3), i.e. HWC.
    train_x = to_pixels(train_w).transpose(0, 2, 1)
    test_x = to_pixels(test_w).transpose(0, 2, 1)

    networks = {
        "gesture": lambda: nn.Sequential(
            nn.Conv1d(3, 8, 5, stride=2, padding=2), nn.BatchNorm1d(8), nn.ReLU(),
            nn.Conv1d(8, 16, 5, stride=2, padding=2), nn.BatchNorm1d(16), nn.ReLU(),
            nn.Conv1d(16, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(16, len(GESTURES))),
        # Each of the last layer's 34 outputs sees 31 samples (1 + 2 * (1 + 2 + 4 + 8)) at the
        # full rate: no striding, no padding.
        "gesture_tcn": lambda: nn.Sequential(
            nn.Conv1d(3, 8, 3), nn.BatchNorm1d(8), nn.ReLU(),
            nn.Conv1d(8, 8, 3, dilation=2), nn.BatchNorm1d(8), nn.ReLU(),
            nn.Conv1d(8, 12, 3, dilation=4), nn.BatchNorm1d(12), nn.ReLU(),
            nn.Conv1d(12, 16, 3, dilation=8), nn.BatchNorm1d(16), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(16, len(GESTURES))),
    }
    x = torch.tensor(train_x / 255.0, dtype=torch.float32)
    t = torch.tensor(train_y, dtype=torch.long)
    shape = (3, SAMPLES)
    accuracies = {}
    for name, factory in networks.items():
        torch.manual_seed(0)
        logits = factory()
        optimiser = torch.optim.Adam(logits.parameters(), lr=0.01)
        # The learning rate falls to 0 over the epochs: the weights settle, and so does the
        # accuracy, whatever machine trains them (a constant rate left the dilated network at
        # 171 or 198 of 200 depending on the CPU's arithmetic).
        epochs = 60
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, epochs)
        logits.train()
        for _ in range(epochs):
            for batch in torch.randperm(len(x)).split(32):
                optimiser.zero_grad()
                nn.functional.cross_entropy(logits(x[batch]), t[batch]).backward()
                optimiser.step()
            schedule.step()
        # The device gets probabilities: the converted model ends with the softmax.
        model = nn.Sequential(logits, nn.Softmax(dim=1)).eval()
        with torch.no_grad():
            p = model(torch.tensor(test_x / 255.0, dtype=torch.float32)).numpy()
        accuracies[name] = float(np.mean(p.argmax(1) == test_y))
        with open(os.path.join(out_dir, name + "_fp32.tmdl"), "wb") as f:
            f.write(cnn.convert(model, shape, dtype="fp32"))
        with open(os.path.join(out_dir, name + "_int8.tmdl"), "wb") as f:
            f.write(cnn.convert(model, shape, dtype="int8", calibration=train_x))
        print("PyTorch %s: %d test windows, accuracy %.3f" % (name, len(test_y), accuracies[name]))
    np.save(os.path.join(out_dir, "test_windows.npy"), test_w)
    np.save(os.path.join(out_dir, "test_labels.npy"), test_y)
    return accuracies


if __name__ == "__main__":
    main(sys.argv[1])
