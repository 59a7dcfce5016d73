#!/usr/bin/python3
# png_stats.py PNG [ROWS] - print "WIDTH HEIGHT COLOURS INK" for an 8-bit
# RGB(A) non-interlaced PNG (what headless Chromium writes): the number of
# distinct colours and the fraction of pixels that are not near-white, over
# the top ROWS rows (default 500: decoding is pure Python, rows are
# sequential).  The report tests use it to prove a rendered report is not
# blank.  Needs numpy only.
import struct
import sys
import zlib

import numpy as np


def decode(path, rows):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise SystemExit('%s: not a PNG' % path)
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise SystemExit('%s: unsupported PNG (depth %d, colour type %d)' % (path, depth, ctype))
    bpp = 3 if ctype == 2 else 4
    dec = zlib.decompressobj()
    raw = np.frombuffer(dec.decompress(b''.join(idat), (w * bpp + 1) * min(h, rows)), dtype=np.uint8)
    stride = w * bpp + 1
    h = min(h, rows)
    raw = raw[:stride * h].reshape(h, stride)
    img = np.zeros((h, w * bpp), dtype=np.uint8)
    prev = np.zeros(w * bpp, dtype=np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 1:
            cur = np.cumsum(line.reshape(w, bpp), axis=0).reshape(-1) & 255
        elif f == 2:
            cur = (line + prev) & 255
        else:
            cur = np.zeros(w * bpp, dtype=np.int32)
            for x in range(0, w * bpp, bpp):
                a = cur[x - bpp:x] if x else np.zeros(bpp, dtype=np.int32)
                b = prev[x:x + bpp]
                if f == 3:
                    pred = (a + b) >> 1
                else:
                    c = prev[x - bpp:x] if x else np.zeros(bpp, dtype=np.int32)
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
                cur[x:x + bpp] = (line[x:x + bpp] + pred) & 255
        img[y] = cur
        prev = cur
    return w, h, img.reshape(h, w, bpp)[:, :, :3]


w, h, rgb = decode(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500)
flat = rgb.reshape(-1, 3).astype(np.uint32)
colours = len(np.unique((flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]))
ink = float(np.mean(flat.min(axis=1) < 230))
print(w, h, colours, '%.4f' % ink)
