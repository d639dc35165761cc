# Reader for the reference files tests/data/learn_*.txt (written by tests/data/gen_learning_refs.py
# from scikit-learn and numpy): "<name> <rows> <cols>" then rows lines of numbers. MicroPython-style
# and frugal, so that the tests also run on a board-sized heap (tools/qemu): only the arrays asked
# for are kept, each in an array.array of the typecode asked for, never as lists of objects.
import array

from harness import data_path


class Ref:
    def __init__(self, rows, cols, values):
        self.rows, self.cols, self.values = rows, cols, values

    def row(self, r):
        """Row r as a list."""
        return list(self.values[r * self.cols:(r + 1) * self.cols])

    def list(self):
        return list(self.values)

    def scalar(self):
        return self.values[0]


def read_refs(name, wanted, stride=1):
    """{array name: Ref} for the names in `wanted`, a dict of name -> typecode ('i' or 'f').
    With stride > 1 only every stride-th row is kept (every stride-th value of a 1-D array, which
    the files store as one row), so that a large set fits a small heap."""
    refs = {}
    with open(data_path(name)) as f:
        current = None  # (rows, cols, values or None when skipped, is_int, width, step)
        count = 0
        for line in f:
            if not line or line[0] == "#" or line[0] == "\n":
                continue
            if current is None or count == current[0] * current[1]:
                parts = line.split()
                key, rows, cols = parts[0], int(parts[1]), int(parts[2])
                # A 1-D array (one row): stride over its values, each a row of width 1.
                width = 1 if rows == 1 else cols
                kept_rows = (rows * cols // width + stride - 1) // stride
                values = None
                if key in wanted:
                    # Sized once: growing by append would fragment a small heap, and range()
                    # has a length, so the array is allocated once with no temporary.
                    values = array.array(wanted[key], range(kept_rows * width))
                    refs[key] = Ref(kept_rows if width == cols else 1,
                                    cols if width == cols else kept_rows, values)
                current = (rows, cols, values, key in wanted and wanted[key] == "i", width,
                           stride * width)
                count = 0
                continue
            _, _, values, is_int, width, step = current
            for p in line.split():
                if values is not None and count % step < width:
                    values[count // step * width + count % step] = int(p) if is_int else float(p)
                count += 1
    for key in wanted:
        if key not in refs:
            raise KeyError(key)
    return refs


def _open_at(name, key):
    """The file opened just after the header line of array `key`, and its (rows, cols)."""
    f = open(data_path(name))
    count, need = 0, -1
    for line in f:
        if not line or line[0] == "#" or line[0] == "\n":
            continue
        if count == need or need < 0:
            parts = line.split()
            rows, cols = int(parts[1]), int(parts[2])
            if parts[0] == key:
                return f, rows, cols
            count, need = 0, rows * cols
            continue
        count += len(line.split())
    f.close()
    raise KeyError(key)


def _numbers(f):
    for line in f:
        for p in line.split():
            yield float(p)


def rows(name, keys):
    """Yields, row by row, a tuple with one list of floats per array in `keys`, all with the same
    number of rows (a 1-D array, stored as one row, counts as one value per row): a large
    reference set streams through a small heap."""
    files, streams, widths = [], [], []
    try:
        n_rows = None
        for key in keys:
            f, n, cols = _open_at(name, key)
            files.append(f)
            streams.append(_numbers(f))
            if n == 1 and cols > 1:
                n, cols = cols, 1
            n_rows = n if n_rows is None else n_rows
            if n != n_rows:
                raise ValueError("%s has %d rows, not %d" % (key, n, n_rows))
            widths.append(cols)
        for _ in range(n_rows):
            yield tuple([next(s) for _ in range(w)] for s, w in zip(streams, widths))
    finally:
        for f in files:
            f.close()
