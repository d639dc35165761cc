"""Host side: makes the test picture (a sunset-like gradient with a few coloured shapes) as raw
RGB bytes, `W H` in the first line of image.txt and the pixels in image.rgb."""
import math
import sys

WIDTH, HEIGHT = 96, 64


def pixel(x, y):
    # Sky: orange at the horizon to deep blue at the top; sea: darker below the horizon.
    t = y / (HEIGHT - 1)
    if t < 0.6:
        k = t / 0.6
        r, g, b = 30 + 220 * k, 40 + 120 * k, 120 - 60 * k
    else:
        k = (t - 0.6) / 0.4
        r, g, b = 40 + 60 * (1 - k), 60 + 40 * (1 - k), 110 + 40 * k
    # The sun, a green island and a white sail.
    if (x - 64) ** 2 + (y - 36) ** 2 < 100:
        r, g, b = 255, 220, 80
    if y > 42 and y < 50 and abs(x - 24) < 14 - (y - 42):
        r, g, b = 40, 140, 60
    if 70 < x < 78 and 44 < y < 56 and (x - 70) > (56 - y) * 0.5:
        r, g, b = 245, 245, 240
    # A little texture so that the colours are not all exact.
    n = 6 * math.sin(x * 1.7 + y * 0.9)
    return [max(0, min(255, int(v + n))) for v in (r, g, b)]


def main(folder="."):
    data = bytearray()
    for y in range(HEIGHT):
        for x in range(WIDTH):
            data.extend(pixel(x, y))
    with open(folder + "/image.rgb", "wb") as f:
        f.write(data)
    with open(folder + "/image.txt", "w") as f:
        f.write("%d %d\n" % (WIDTH, HEIGHT))
    print("wrote %s/image.rgb (%dx%d)" % (folder, WIDTH, HEIGHT))


if __name__ == "__main__":
    main(*sys.argv[1:])
