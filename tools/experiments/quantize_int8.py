#!/usr/bin/env python3
"""Requantize a raqib model's int16 weights to the int8 range (experiment).

    python3 tools/experiments/quantize_int8.py IN.model OUT.model [DIV]

Each weight becomes round(w / DIV), clamped to [-127, 127] (default DIV 258,
so that 32767 maps to 127). The header's scale is multiplied by DIV and the
checksum is recomputed, so `raqib eval --model OUT.model` reads it like any
model (format 1, dense int16). bench/README.md ("Fourth session") gives the
test figures of the four shipped models requantized this way. A set of such
models could be held in a 4-byte-per-slot table without any change in its
sums. raqib does not ship one.
"""
import array
import struct
import sys

HEADER = 128


def fnv(h, data):
    for x in data:
        h = ((h ^ x) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


src, dst = sys.argv[1], sys.argv[2]
div = float(sys.argv[3]) if len(sys.argv) > 3 else 258.0
img = bytearray(open(src, 'rb').read())
if img[:8] != b'RAQIBMDL':
    sys.exit(f'{src}: not a raqib model')
w = array.array('h')
w.frombytes(bytes(img[HEADER:]))
q = array.array('h', (max(-127, min(127, round(x / div))) for x in w))
struct.pack_into('<f', img, 68, struct.unpack_from('<f', img, 68)[0] * div)
img[HEADER:] = q.tobytes()
h = fnv(14695981039346656037, img[:96])
if any(img[104:112]):
    h = fnv(h, img[104:112])
struct.pack_into('<Q', img, 96, fnv(h, img[HEADER:]))
open(dst, 'wb').write(img)
print(f'{dst}: {sum(1 for x in q if x)} non-zero weights of {len(q)} '
      f'(before: {sum(1 for x in w if x)})')
