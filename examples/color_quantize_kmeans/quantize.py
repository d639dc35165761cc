# Device side (MicroPython; also CPython with the host modules): reduce the picture to a palette of
# K colours with emlearn_kmeans, all in C++ on the device. Reads image.rgb/image.txt from the
# current folder, writes palette.bin (K*3 bytes) and indices.bin (one palette index per pixel).
import array
import emlearn_kmeans

K = 8

with open("image.txt") as f:
    width, height = [int(v) for v in f.read().split()]
with open("image.rgb", "rb") as f:
    pixels = bytearray(f.read())
n = width * height

# Start from K pixels spread evenly through the picture; cluster() updates them in place.
centroids = array.array("B", [0] * (3 * K))
for i in range(K):
    p = (i * n // K + n // (2 * K)) * 3
    for j in range(3):
        centroids[3 * i + j] = pixels[p + j]

assignments = emlearn_kmeans.cluster(pixels, centroids, 3, max_iter=20)
print("clustered %d pixels into %d colours" % (n, K))

error = 0
for i in range(n):
    c = assignments[i] * 3
    for j in range(3):
        error += abs(pixels[3 * i + j] - centroids[c + j])
print("mean abs error per channel: %.2f" % (error / (3 * n)))
print("palette:", [tuple(centroids[3 * i : 3 * i + 3]) for i in range(K)])

with open("palette.bin", "wb") as f:
    f.write(bytes(centroids))
with open("indices.bin", "wb") as f:
    f.write(bytes(assignments))
