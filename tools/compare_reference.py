"""Runs random inputs through microlearn's emlearn_* modules and the reference's (built by hand
outside the repository) on a MicroPython Unix port; reports how their outputs differ, and why.

    /usr/bin/python3 tools/compare_reference.py --micropython .../micropython \\
        --natmod-dir dist/x64_6.3 --reference /work/refbuild/dist/x64_6.3 [--modules trees fft]

Cases: trees, random hard-vote CSV ensembles (the reference's 1.29 build has no load_model: its
side feeds the records to addnode etc. as that Python function does); fft, n = 8..1024 (tables
filled as the reference's missing fill() does); iir, scipy designs run in chunks; arrayutils,
linear_map h->f and f->h; neighbors, predict and getresult; kmeans, euclidean_argmin and
cluster_iter; linreg, predict, step, score_mse and train from the same weights. microlearn's
outputs are checked against numpy/scipy, and each difference from the reference is put in a
category: (a) documented in docs/compatibility.md, (b) float rounding, (c) a reference bug (also
listed there), (?) unexplained. One process per module; after a crash or a hang of one case the
next process starts at the case after it.
"""
import argparse
import collections
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import signal

HEAD = """import sys, json, array, binascii, io, math
def A(tc, h):
    return array.array(tc, binascii.unhexlify(h))
def H(a):
    return binascii.hexlify(a).decode()
def rows(a, n):
    return [a[i * n:(i + 1) * n] for i in range(len(a) // n)]
"""
TAIL = """
for i in range(int(sys.argv[1]), int(sys.argv[2])):
    with open("c%d.json" % i) as f:
        print(i, run(json.load(f)))
"""
DEVICE = {"trees": """import emlearn_trees
def run(c):
    m = emlearn_trees.new(c["trees"], c["nodes"], c["classes"])
    if hasattr(emlearn_trees, "load_model"):
        emlearn_trees.load_model(m, io.StringIO(c["csv"]))
    else:  # as the reference's load_model (Python, not in its 1.29 build): int(float(t))
        for t in [line.split(",") for line in c["csv"].splitlines()]:
            if t[0] == "r":
                m.addroot(int(t[1]))
            elif t[0] == "n":
                m.addnode(int(t[3]), int(t[4]), int(t[1]), int(float(t[2])))
            elif t[0] == "l":
                m.addleaf(int(t[1]))
        m.setdata(c["f"], c["classes"])
    out = array.array("f", [0.0] * m.outputs())
    return "".join(m.predict(x, out) or H(out) for x in rows(A("h", c["X"]), c["f"]))
""", "fft": """import emlearn_fft
def run(c):
    n, re, im = c["n"], A("f", c["re"]), A("f", c["im"])
    fft = emlearn_fft.FFT(n)
    if not hasattr(emlearn_fft, "fill"):  # the reference's fill(), not in its 1.29 build
        k = math.pi * 2.0 / n
        fft.fill(array.array("f", [math.sin(k * i) for i in range(n // 2)]),
                 array.array("f", [math.cos(k * i) for i in range(n // 2)]))
    fft.run(re, im)
    return H(re) + H(im)
""", "iir": """import emlearn_iir
def run(c):
    chunked, whole = emlearn_iir.new(A("f", c["sos"])), emlearn_iir.new(A("f", c["sos"]))
    x, p, out = A("f", c["x"]), 0, ""
    for n in c["chunks"]:
        part = x[p:p + n]
        chunked.run(part)
        out, p = out + H(part), p + n
    whole.run(x)
    return out + " " + H(x)
""", "arrayutils": """import emlearn_arrayutils
def run(c):
    x = A(c["in"], c["x"])
    y = array.array(c["out"], [0] * len(x))
    emlearn_arrayutils.linear_map(x, y, *c["p"])
    return H(y)
""", "neighbors": """import emlearn_neighbors
def run(c):
    m = emlearn_neighbors.new(len(c["y"]), c["f"], c["k"])
    for x, label in zip(rows(A("h", c["X"]), c["f"]), c["y"]):
        m.additem(x, label)
    return " ".join(str(m.predict(q)) + ";" + ";".join("%d,%d,%d" % m.getresult(j)
                    for j in range(c["k"])) for q in rows(A("h", c["Q"]), c["f"]))
""", "kmeans": """import emlearn_kmeans
def run(c):
    nf, V, C = c["f"], A("B", c["V"]), A("B", c["C"])
    out = ["%d,%d" % emlearn_kmeans.euclidean_argmin(C, v) for v in rows(V, nf)]
    a = array.array("B", [255] * (len(V) // nf))
    out.append(",".join(str(n) for n in emlearn_kmeans.cluster_iter(V, C, a, nf, max_iter=c["it"])))
    return " ".join(out + [H(C), H(a)])
""", "linreg": """import emlearn_linreg
def run(c):
    nf, X, y = c["f"], A("f", c["X"]), A("f", c["y"])
    m, w = emlearn_linreg.new(nf, c["alpha"], c["l1"], c["lr"]), array.array("f", [0.0] * nf)
    m.set_weights(A("f", c["w"]))
    m.set_bias(c["b"])
    out = [H(array.array("f", [m.predict(x) for x in rows(X, nf)]))]
    for s in range(5):
        m.step(X, y)
        m.get_weights(w)
        out.append(H(w) + H(array.array("f", [m.get_bias(), m.score_mse(X, y)])))
    it, mse = emlearn_linreg.train(m, X, y, max_iterations=c["iters"], check_interval=c["check"],
                                   score_limit=c["limit"])
    m.get_weights(w)
    return " ".join(out + [H(w) + H(array.array("f", [m.get_bias()])), "%d,%r" % (it, mse)])
"""}
DT = {"h": "<i2", "f": "<f4", "B": "u1"}


def hx(a, tc):
    return np.asarray(a, DT[tc]).tobytes().hex()


def unhx(s, tc):
    return np.frombuffer(bytes.fromhex(s), DT[tc]).astype(float if tc == "f" else np.int64)


# gen_*(rng, n): the cases (JSON, one file each), each with its "group". check_*(case, ours, ref)
# -> number of outputs, how many of microlearn's fail the host check, {category: how many outputs
# differ from the reference's} (ref None: the reference failed on the case), {error: value}.
def gen_trees(rng, n):
    def tree(nodes, nf, nc, depth, frac):  # appends in preorder; returns the child reference
        if depth < 5 and (depth == 0 or rng.random() < 0.25):
            return -int(rng.integers(nc)) - 1  # a leaf
        i = len(nodes)
        nodes.append(None)
        t = int(rng.integers(-20, 21)) + (float(rng.choice([0.25, 0.5, 0.75])) if frac else 0)
        kids = [tree(nodes, nf, nc, depth - 1, frac) for _ in range(2)]
        nodes[i] = (int(rng.integers(nf)), t) + tuple(k if k < 0 else k - i for k in kids)
        return i
    cases = []
    for m in range(n):
        nf, nc, nt = int(rng.integers(1, 41)), int(rng.integers(2, 11)), int(rng.integers(1, 11))
        nodes, roots, leaves = [], [], rng.permutation(nc)  # leaf i votes for class leaves[i]
        for _ in range(nt):
            roots.append(len(nodes))
            tree(nodes, nf, nc, 5, m % 2)
        csv = ["f,%d" % nf, "c,%d" % nc] + ["l,%d" % c for c in leaves]
        csv += ["r,%d" % r for r in roots] + ["n,%d,%r,%d,%d" % t for t in nodes]
        X = rng.integers(-22, 23, (50, nf))
        X[rng.random(X.shape) < 0.05] = 32767
        cases.append(dict(csv="\n".join(csv) + "\n",
                          trees=nt, nodes=len(nodes), classes=nc, f=nf, X=hx(X, "h"),
                          group=("integer thresholds", "fractional thresholds")[m % 2]))
    return cases


def check_trees(case, a, b):
    lines = [line.split(",") for line in case["csv"].split()]
    leaves, roots = ([int(t[1]) for t in lines if t[0] == kind] for kind in "lr")
    nodes = [(int(t[1]), float(t[2]), int(t[3]), int(t[4])) for t in lines if t[0] == "n"]
    X, n = unhx(case["X"], "h").reshape(-1, case["f"]), len(roots)

    def votes(truncate):  # k/n for k votes, correctly rounded
        out = np.zeros((len(X), case["classes"]), np.float32)
        for s, x in enumerate(X):
            for node in roots:
                while node >= 0:
                    f, t, left, right = nodes[node]
                    child = left if x[f] < (int(t) if truncate else t) else right
                    node = node + child if child > 0 else child
                out[s, leaves[-node - 1]] += 1
        return (out / np.float32(n)).ravel()
    exact, trunc, a = votes(False), votes(True), unhx(a, "f")
    cats = collections.Counter()
    for ours, ref, t in zip(a, unhx(b or "", "f"), trunc):
        if ours != ref and round(ours * n) == round(ref * n):
            cats["(b) float rounding: microlearn adds 1/n per vote, the reference divides"] += 1
        elif ours != ref:
            cats["(a) the reference truncates the threshold" if ref == t else "(?)"] += 1
    return a.size, int(np.sum(np.abs(a - exact) > n * 2.0 ** -24)), cats, {}


def gen_fft(rng, n):
    sizes = [2 ** (3 + m % 8) for m in range(n)]  # every third case with imag = 0
    return [dict(n=k, re=hx(rng.normal(0, 1, k), "f"), im=hx(rng.normal(0, 1, k) * (m % 3 > 0),
                 "f"), group="n = 8..1024") for m, k in enumerate(sizes)]


def compare_signals(a, b, exact, tol, why):
    """Relative RMS errors against the float64 result: microlearn's must be within `tol`."""
    power = np.mean(abs(exact) ** 2)
    err = {side + " rel RMS": float(np.sqrt(np.mean(abs(v - exact) ** 2) / power))
           for side, v in (("ours", a), ("ref", b)) if v is not None}
    diff = 0 if b is None else int(np.sum(a.real != b.real) + np.sum(a.imag != b.imag))
    return a.size * (1 + np.iscomplexobj(a)) * (err["ours rel RMS"] > tol), {why: diff}, err


def check_fft(case, a, b):
    x = unhx(case["re"], "f") + 1j * unhx(case["im"], "f")
    a, b = (None if s is None else unhx(s, "f").reshape(2, -1) for s in (a, b))
    bad, cats, err = compare_signals(a[0] + 1j * a[1], None if b is None else b[0] + 1j * b[1],
                                     np.fft.fft(x), 2e-6,  # docs/signal.md
                                     "(b) float rounding (radix-4 vs radix-2, twiddle tables)")
    return x.size * 2, bad, cats, err


def gen_iir(rng, n):
    cases = []
    while len(cases) < n:
        btype = ("lowpass", "highpass", "bandpass")[int(rng.integers(3))]
        wn = sorted(rng.uniform(0.05, 0.9, 2)) if btype == "bandpass" else rng.uniform(0.05, 0.9)
        sos = signal.iirfilter(int(rng.integers(2, 9)), wn, rp=1, rs=40, btype=btype, output="sos",
                               ftype=("butter", "cheby1", "cheby2", "ellip")[len(cases) % 4])
        if max(np.abs(np.roots(s[3:])).max() for s in sos.astype(np.float32)) > 0.999:
            continue  # the float32 coefficients must keep the filter stable
        x = rng.normal(0, 1, int(rng.integers(200, 800)))
        cuts = np.sort(rng.choice(np.arange(1, x.size), int(rng.integers(1, 8)), replace=False))
        cases.append(dict(sos=hx(sos, "f"), x=hx(x, "f"), group="scipy designs",
                          chunks=np.diff(np.r_[0, cuts, x.size]).tolist()))
    return cases


def check_iir(case, a, b):
    sos, x = unhx(case["sos"], "f").reshape(-1, 6), unhx(case["x"], "f")
    chunked, whole = (unhx(s, "f") for s in a.split())
    bad, cats, err = compare_signals(chunked, None if b is None else unhx(b.split()[0], "f"),
                                     signal.sosfilt(sos, x), 1e-5,  # docs/signal.md
                                     "(b) float rounding (double state vs float state)")
    return x.size, bad + int(np.sum(chunked != whole)), cats, err  # chunks: bit for bit


AU = {"h->f": "(b) float rounding (microlearn computes the scale first)",
      "f->h": "(a) the reference truncates, microlearn rounds to nearest",
      "f->h, out_min > out_max": "(a) the reference gives out_min everywhere",
      "f->h, output range beyond int16": "(a) the reference wraps, microlearn saturates"}


def gen_arrayutils(rng, n):
    cases = []
    for m in range(n):
        group = list(AU)[m % 4]
        lo, hi = sorted(rng.choice(np.arange(-30000.0, 30000.0), 2, replace=False))
        if group == "h->f":
            x, out = rng.integers(-32768, 32768, 200), sorted(rng.integers(-2000, 2000, 2) / 8)
        else:  # inputs up to 20% beyond [lo, hi] on either side; outputs up to +-45000
            x = rng.uniform(1.2 * lo - 0.2 * hi, 1.2 * hi - 0.2 * lo, 200)
            out = sorted(rng.integers(-30000, 30000, 2) * (1.5 if "beyond" in group else 1.0))
        out = out[::-1] if "out_min >" in group else out
        cases.append({"in": group[0], "out": group[3], "x": hx(x, group[0]), "group": group,
                      "p": [lo, hi] + [float(v) for v in out]})
    return cases


def check_arrayutils(case, a, b):
    x, group, a = unhx(case["x"], case["in"]), case["group"], unhx(a, case["out"])
    lo, hi, omin, omax = (float(np.float32(p)) for p in case["p"])
    v = np.clip((x - lo) * (omax - omin) / (hi - lo) + omin, min(omin, omax), max(omin, omax))
    tol = 4 * float(np.spacing(np.float32(max(abs(omin), abs(omax)))))  # float32 arithmetic
    if case["out"] == "h":  # round to nearest, saturate (a .5 tie within float rounding: either)
        ok = np.abs(a - np.clip(v, -32768, 32767)) <= tol + 0.5
    else:
        ok = np.abs(a - v) <= tol
    b = a if b is None else unhx(b, case["out"])
    if group == "h->f":
        explained = np.abs(b - v) <= tol
    elif "out_min >" in group:  # max(out_min, min(y, out_max))
        explained = b == np.fix(omin)
    elif "beyond" in group:  # a C cast: truncation, then the low 16 bits on x64
        explained = np.isin((np.fix(v) - b) % 65536, [0, 1, 65535])
    else:  # truncation toward zero
        explained = (np.abs(b - v) < 1 + tol) & (np.abs(b) <= np.abs(v) + tol)
    diff = a != b
    return a.size, int(np.sum(~ok)), {AU[group]: int(np.sum(diff & explained)),
                                      "(?)": int(np.sum(diff & ~explained))}, {}


def gen_neighbors(rng, n):
    cases = []
    for m in range(n):
        span = 32767 if m % 10 == 9 else (20, 2000)[m % 2]
        nf, ni = int(rng.integers(1, 7)), int(rng.integers(5, 41))
        X, Q = rng.integers(-span, span + 1, (ni, nf)), rng.integers(-span, span + 1, (20, nf))
        cases.append(dict(f=nf, k=int(rng.integers(1, min(7, ni) + 1)), X=hx(X, "h"),
                          Q=hx(Q, "h"), y=rng.integers(0, 10, ni).tolist(),
                          group="full int16 range" if span > 9999 else "values within +-%d" % span))
    return cases


def check_neighbors(case, a, b):
    k, y, isqrt = case["k"], np.array(case["y"]), np.vectorize(math.isqrt)
    X, Q = (unhx(case[s], "h").reshape(-1, case["f"]) for s in "XQ")
    d2 = ((Q[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    bad, cats = 0, collections.Counter()
    if b is None and d2.max() >= 2 ** 30:
        cats["(c) the reference hangs: a squared distance >= 2^30 (eml_isqrt)"] = len(Q)
    for q, (oa, ob) in enumerate(zip(a.split(), b.split() if b else a.split())):
        near = np.argsort(d2[q], kind="stable")[:k]  # the exact k-NN, ties to the lower index
        want = [str(np.argmax(np.bincount(y[near])))] + [
            "%d,%d,%d" % (i, math.isqrt(d2[q, i]), y[i]) for i in near]
        bad += oa.split(";") != want
        if oa != ob:
            ref = [int(r.split(",")[0]) for r in ob.split(";")[1:]]
            why = " (predict differs)" if oa.split(";")[0] != ob.split(";")[0] else " (getresult)"
            if list(d2[q, ref]) == sorted(d2[q])[:k]:
                cats["(a) equal distances: qsort order" + why] += 1
            elif max(d2[q, ref]) >= 2 ** 31:
                cats["(c) squared distance >= 2^31: the reference's distance is 0" + why] += 1
            elif list(isqrt(d2[q, ref])) == sorted(isqrt(d2[q]))[:k]:
                cats["(c) the reference ranks by the truncated isqrt distance" + why] += 1
            else:
                cats["(?)" + why] += 1
    return len(Q), bad, cats, {}


def gen_kmeans(rng, n):
    cases = []
    for m in range(n):
        nf, ns, nc = int(rng.integers(1, 9)), int(rng.integers(20, 101)), int(rng.integers(2, 9))
        V = rng.integers(0, 256, (nc, nf))[rng.integers(nc, size=ns)] + rng.normal(0, 30, (ns, nf))
        V = np.clip(V, 0, 255)
        cases.append(dict(f=nf, V=hx(V, "B"), C=hx(V[rng.choice(ns, nc, replace=False)], "B"),
                          it=int(rng.integers(1, 11)), group="argmin, cluster_iter"))
    return cases


def check_kmeans(case, a, b):
    V, C = (unhx(case[s], "B").reshape(-1, case["f"]) for s in "VC")
    want, assign, changes = None, np.full(len(V), 255), []
    for it in range(case["it"]):  # Lloyd's, means floored, as compatibility.md documents
        d2 = ((V[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        want = want or ["%d,%d" % (np.argmin(r), r.min()) for r in d2]
        changes.append(int(np.sum(d2.argmin(axis=1) != assign)))
        assign = d2.argmin(axis=1)
        if changes[-1] == 0:
            break
        for c in set(assign):
            C[c] = V[assign == c].sum(axis=0) // np.sum(assign == c)
    want += [",".join(map(str, changes)), hx(C, "B"), hx(assign, "B")]
    a, b = a.split(), (b or a).split()
    return len(a), sum(p != q for p, q in zip(a, want)), {"(?)": sum(map(str.__ne__, a, b))}, {}


def gen_linreg(rng, n):
    cases = []
    for m in range(n):
        nf, ns = int(rng.integers(1, 9)), int(rng.integers(5, 41))
        X = rng.normal(0, 1, (ns, nf))
        y = X @ rng.normal(0, 2, nf) + rng.normal(0, 0.1, ns)
        cases.append(dict(f=nf, alpha=round(rng.uniform(0, 0.2), 3), l1=round(rng.random(), 2),
                          lr=round(rng.uniform(0.01, 0.2), 3), w=hx(rng.normal(0, 1, nf), "f"),
                          b=float(np.float32(rng.normal())), X=hx(X, "f"), y=hx(y, "f"),
                          iters=int(rng.integers(1, 60)), check=int(rng.integers(1, 11)),
                          limit=(None, 10.0)[m % 2], group="predict, 5 steps, train"))
    return cases


def check_linreg(case, a, b):
    want = unhx(case["X"], "f").reshape(-1, case["f"]) @ unhx(case["w"], "f") + case["b"]
    a, b = a.split(), (b or a).split()
    cats = {"(?)": sum(map(str.__ne__, a[:-1], b[:-1]))}
    if a[-1] != b[-1]:  # train's (iterations, mse)
        cats["(a) train returns the mse of the check before the last" if a[:-1] == b[:-1] and
             a[-1].split(",")[0] == b[-1].split(",")[0] else "(?) train"] = 1
    return len(a), int(np.sum(np.abs(unhx(a[0], "f") - want) > 1e-5 * (1 + abs(want)))), cats, {}


def run_cases(micropython, natmod_dir, folder, n, timeout):
    """Outputs per case, None where the process crashed, raised or hung; errors by case."""
    results, errors, start = [None] * n, {}, 0
    env = dict(os.environ, MICROPYPATH=os.path.abspath(natmod_dir))
    while start < n:
        try:
            r = subprocess.run([micropython, "device.py", str(start), str(n)], cwd=folder,
                               env=env, capture_output=True, timeout=timeout)
            out, err = r.stdout, r.stderr.decode(errors="replace").strip().splitlines()[-1:]
            err = err or ["crashed (exit status %d)" % r.returncode]
        except subprocess.TimeoutExpired as e:
            out, err = e.stdout or b"", ["hung (killed after %g s)" % timeout]
        for line in out.decode(errors="replace").splitlines():
            i, _, rest = line.partition(" ")
            results[int(i)] = rest
        missing = [i for i in range(start, n) if results[i] is None]
        if missing:
            errors[missing[0]] = err[0]
        start = missing[0] + 1 if missing else n
    return results, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micropython", default=os.environ.get("MICROPYTHON"))
    parser.add_argument("--natmod-dir", default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "dist", "x64_6.3"))
    parser.add_argument("--reference", required=True, help="folder of the reference's .mpy files")
    parser.add_argument("--modules", nargs="+", default=list(DEVICE), choices=list(DEVICE))
    parser.add_argument("--cases", type=int, default=40, help="cases per module")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per process")
    args = parser.parse_args()
    if not args.micropython:
        sys.exit("give --micropython (or set MICROPYTHON)")
    for module in args.modules:
        rng = np.random.default_rng([args.seed, list(DEVICE).index(module)])
        cases, out = globals()["gen_" + module](rng, args.cases), {}
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "device.py"), "w") as f:
                f.write(HEAD + DEVICE[module] + TAIL)
            for i, case in enumerate(cases):
                with open(os.path.join(folder, "c%d.json" % i), "w") as f:
                    json.dump(case, f)
            for side, mpy in (("microlearn", args.natmod_dir), ("reference", args.reference)):
                out[side], errors = run_cases(args.micropython, mpy, folder, len(cases),
                                              args.timeout)
                for i, e in sorted(errors.items()):
                    print("emlearn_%s case %d: %s failed: %s" % (module, i, side, e))
        groups = {}
        for case, ours, ref in zip(cases, out["microlearn"], out["reference"]):
            if ours is not None:
                n_out, bad, cats, err = globals()["check_" + module](case, ours, ref)
                g = groups.setdefault(case["group"], [0, 0, 0, collections.Counter(), {}])
                g[:3] = g[0] + 1, g[1] + n_out, g[2] + bad
                g[3].update(cats)
                g[3]["(?) reference failed"] += (ref is None) * (n_out - sum(cats.values()))
                g[4].update({key: max(g[4].get(key, 0.0), v) for key, v in err.items()})
        for group, (n_cases, n_out, bad, cats, err) in groups.items():
            print("emlearn_%s, %s: %d cases, %d outputs; microlearn fails the host check on %d; "
                  "%d differ from the reference" % (module, group, n_cases, n_out, bad,
                                                     sum(cats.values())))
            for c, v in sorted(cats.items()):
                if v:
                    print("    %6d  %s" % (v, c))
            if err:
                print("    largest: " + ", ".join("%s %.2g" % kv for kv in sorted(err.items())))


if __name__ == "__main__":
    main()
