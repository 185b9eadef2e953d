"""Just enough PNG decoding (stdlib zlib) to count a screenshot's pixels by colour.

Chromium's screenshots are 8-bit RGB or RGBA, not interlaced; each row starts with one
of the five PNG filter types, undone here.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

__all__ = ["Image", "decode"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
Pixel = tuple[int, int, int]


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    pixels: list[Pixel]  # row by row, RGB

    def count(self, matches: Callable[[Pixel], bool]) -> int:
        return sum(1 for pixel in self.pixels if matches(pixel))

    def share(self, matches: Callable[[Pixel], bool]) -> float:
        return self.count(matches) / len(self.pixels)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _sub(line: bytearray, step: int) -> bytearray:
    out = bytearray(len(line))
    for channel in range(step):
        sums = accumulate(line[channel::step], lambda a, b: (a + b) & 0xFF)
        out[channel::step] = bytes(sums)
    return out


def _unfilter(raw: bytes, width: int, height: int, step: int) -> bytes:
    stride = width * step
    out = bytearray()
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        if kind == 1:
            line = _sub(line, step)
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind in (3, 4):
            for i in range(stride):
                left = line[i - step] if i >= step else 0
                up = previous[i]
                if kind == 3:
                    line[i] = (line[i] + (left + up) // 2) & 0xFF
                else:
                    corner = previous[i - step] if i >= step else 0
                    line[i] = (line[i] + _paeth(left, up, corner)) & 0xFF
        out += line
        previous = line
    return bytes(out)


def decode(data: bytes) -> Image:
    """The RGB pixels of an 8-bit RGB or RGBA PNG."""
    assert data.startswith(_SIGNATURE), "not a PNG"
    offset, idat = len(_SIGNATURE), bytearray()
    width = height = depth = colour = 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8, depth
            assert colour in (2, 6), colour
            assert interlace == 0
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    step = 3 if colour == 2 else 4
    raw = _unfilter(zlib.decompress(bytes(idat)), width, height, step)
    pixels = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), step)]
    return Image(width, height, pixels)
