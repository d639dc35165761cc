# Runs on MicroPython: the port's word size.
import sys

print("bits=%d" % (64 if sys.maxsize > 2**32 else 32))
