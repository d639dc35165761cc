"""Host side: writes the models and test images the device script classifies, into the folder
given on the command line.

* digits_fp32.tmdl / digits_int8.tmdl: a scikit-learn LogisticRegression on the 8x8 digits,
  written as a network (Reshape -> Dense -> Softmax) by microlearn.cnn.write; the int8 one is
  calibrated on the training images. The engine scales uint8 pixels u to u / 255, so the features
  are trained as pixel / 16 and the images stored as round(pixel * 255 / 16).
* digits_cnn_fp32.tmdl / digits_cnn_int8.tmdl: a small convolutional network trained with
  PyTorch on the same digits (two 3x3 convolutions, batch normalisation, ReLU, a dense layer,
  softmax), converted by microlearn.cnn.convert (which exports it to ONNX in memory); the int8
  one is calibrated on the training images. Needs python3-torch and python3-onnx.
* digits_resnet_fp32.tmdl / digits_resnet_int8.tmdl: the same with residual connections, as
  ResNet builds them: a stem convolution, a basic block with an identity shortcut and one with a
  strided 1x1 convolution as the shortcut (a projection), global average pooling, dense, softmax.
* digits_lenet_fp32.tmdl / digits_lenet_int8.tmdl: LeNet's shape, with max pooling: a
  convolution, F.relu(F.max_pool2d(...)) (the ReLU goes into the convolution), a second
  convolution with ReLU and MaxPool2d, dense, softmax. Max pooling is microlearn's own layer:
  these two files run on microlearn, not on the reference.
* digits_test.bin: the test images, 64 bytes each, and digits_labels.bin, one byte each.
* mnist_cnn_int8.tmdl and mnist_example_N.bin: the reference's own CNN and its ten 28x28 examples.

Prints the accuracy scikit-learn and PyTorch get on the test images, which the device must
match; returns scikit-learn's and a dict of PyTorch's by network ("cnn", "resnet", "lenet").
"""
import os
import shutil
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
from microlearn import cnn  # noqa: E402


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    X, y = load_digits(return_X_y=True)
    images = np.round(X * 255.0 / 16.0).astype(np.uint8)  # 0..16 -> 0..255
    train_x, test_x, train_y, test_y = train_test_split(images, y, test_size=0.3, random_state=0)
    clf = LogisticRegression(max_iter=2000).fit(train_x / 255.0, train_y)
    layers = [cnn.Reshape((64,)), cnn.Dense(clf.coef_, clf.intercept_), cnn.Softmax()]
    with open(os.path.join(out_dir, "digits_fp32.tmdl"), "wb") as f:
        f.write(cnn.write(layers, (8, 8, 1), "fp32"))
    with open(os.path.join(out_dir, "digits_int8.tmdl"), "wb") as f:
        f.write(cnn.write(layers, (8, 8, 1), "int8", calibration=train_x.reshape(-1, 8, 8, 1)))
    cnn_accuracy = {name: train_cnn(out_dir, name, train_x, train_y, test_x, test_y)
                    for name in ("cnn", "resnet", "lenet")}
    test_x.astype(np.uint8).tofile(os.path.join(out_dir, "digits_test.bin"))
    test_y.astype(np.uint8).tofile(os.path.join(out_dir, "digits_labels.bin"))
    data = os.path.join(ROOT, "tests", "data")
    shutil.copy(os.path.join(data, "mnist_cnn_int8.tmdl"), out_dir)
    for n in range(10):
        shutil.copy(os.path.join(data, "mnist_examples", "mnist_example_%d.bin" % n), out_dir)
    accuracy = clf.score(test_x / 255.0, test_y)
    print("scikit-learn: %d test digits, accuracy %.3f" % (len(test_y), accuracy))
    for name, value in cnn_accuracy.items():
        print("PyTorch %s: %d test digits, accuracy %.3f" % (name, len(test_y), value))
    return accuracy, cnn_accuracy


def residual_network():
    """A small ResNet: what the converter turns into add layers and a branch."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.b1 = nn.BatchNorm2d(cout)
            self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.b2 = nn.BatchNorm2d(cout)
            self.shortcut = None
            if stride != 1 or cin != cout:  # a projection: a strided 1x1 convolution
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
            return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8),
                                      nn.ReLU())
            self.blocks = nn.Sequential(Block(8, 8, 1), Block(8, 16, 2))
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            return torch.softmax(self.fc(self.blocks(self.stem(x)).mean((2, 3))), 1)

    return ResNet()


def lenet():
    """Convolutions and max pooling, the activation after the pooling as PyTorch's MNIST example
    writes it."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
            self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
            self.fc = nn.Linear(16 * 2 * 2, 10)

        def forward(self, x):
            x = F.relu(F.max_pool2d(self.conv1(x), 2))          # 8x8 -> 4x4
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)          # 4x4 -> 2x2
            return torch.softmax(self.fc(torch.flatten(x, 1)), 1)

    return LeNet()


def train_cnn(out_dir, name, train_x, train_y, test_x, test_y):
    """Trains the PyTorch network `name` ("cnn", "resnet" or "lenet") on u8 / 255 (what the
    engine feeds it), channels first, and writes it converted; returns PyTorch's own test
    accuracy."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    if name == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(16 * 4 * 4, 10), nn.Softmax(dim=1))
    elif name == "resnet":
        model = residual_network()
    else:
        model = lenet()
    train_chw = train_x.reshape(-1, 1, 8, 8)  # channels first, as PyTorch takes them
    x = torch.tensor(train_chw / 255.0, dtype=torch.float32)
    t = torch.tensor(train_y)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(15):
        for batch in torch.randperm(len(x)).split(64):
            optimiser.zero_grad()
            # The softmax is part of the model (the device gets probabilities): train on logs.
            loss = nn.functional.nll_loss(torch.log(model(x[batch]) + 1e-9), t[batch])
            loss.backward()
            optimiser.step()
    model.eval()
    with torch.no_grad():
        probabilities = model(torch.tensor(test_x.reshape(-1, 1, 8, 8) / 255.0,
                                           dtype=torch.float32))
    accuracy = float((probabilities.argmax(1).numpy() == test_y).mean())
    with open(os.path.join(out_dir, "digits_%s_fp32.tmdl" % name), "wb") as f:
        f.write(cnn.convert(model, (1, 8, 8), dtype="fp32"))
    with open(os.path.join(out_dir, "digits_%s_int8.tmdl" % name), "wb") as f:
        f.write(cnn.convert(model, (1, 8, 8), dtype="int8", calibration=train_chw))
    return accuracy


if __name__ == "__main__":
    main(sys.argv[1])
