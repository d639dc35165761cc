"""A minimal reader for Unix `ar` archives (GNU and BSD member names).

MicroPython's tools/mpy_ld.py imports `from ar import Archive` (a PyPI package) to pull helper
objects out of libgcc.a when it links a native module. PyPI is not reachable here, so this module
provides the small part of that interface mpy_ld uses: iterating over members (`.name`) and
opening a member as a seekable binary file.
"""

import io

_MAGIC = b"!<arch>\n"
_HEADER = 60


class ArchiveEntry:
    def __init__(self, name, offset, size):
        self.name = name
        self.offset = offset
        self.size = size


class Archive:
    def __init__(self, fileobj):
        self._data = fileobj.read()
        if not self._data.startswith(_MAGIC):
            raise ValueError("not an ar archive")
        self.entries = []
        long_names = b""
        pos = len(_MAGIC)
        while pos + _HEADER <= len(self._data):
            header = self._data[pos : pos + _HEADER]
            raw_name = header[0:16].decode("ascii").rstrip()
            size = int(header[48:58].decode("ascii").strip())
            start = pos + _HEADER
            name = raw_name
            if raw_name == "//":
                long_names = self._data[start : start + size]
                name = None
            elif raw_name in ("/", "/SYM64/", "__.SYMDEF", "__.SYMDEF SORTED"):
                name = None  # symbol index
            elif raw_name.startswith("#1/"):
                # BSD: the name is stored at the start of the member data.
                name_len = int(raw_name[3:])
                name = self._data[start : start + name_len].decode().rstrip("\0")
                start += name_len
                size -= name_len
            elif raw_name.startswith("/"):
                offset = int(raw_name[1:])
                end = long_names.index(b"/\n", offset)
                name = long_names[offset:end].decode()
            elif raw_name.endswith("/"):
                name = raw_name[:-1]
            if name is not None:
                self.entries.append(ArchiveEntry(name, start, size))
            pos = start + size
            pos += pos & 1  # members are 2-byte aligned
        self._by_name = {}
        for entry in self.entries:
            self._by_name.setdefault(entry.name, entry)

    def __iter__(self):
        return iter(self.entries)

    def open(self, name, mode="rb"):
        entry = name if isinstance(name, ArchiveEntry) else self._by_name[name]
        return io.BytesIO(self._data[entry.offset : entry.offset + entry.size])
