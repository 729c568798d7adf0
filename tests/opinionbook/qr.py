"""Read back the QR code a page draws: segno's inline SVG is one path of unit-width strokes
("M x y" to start, "m dx dy" to move, "h n" to draw n modules), rasterised here and decoded by
zxing-cpp, a reader independent of the library that drew it."""

import re

import zxingcpp

SCALE = 4  # pixels per module: comfortably above what the reader needs
STEP = re.compile(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?")


def decode_svg(page: str) -> list[str]:
    svg = re.search(r"<svg[^>]*viewBox=\"0 0 (\d+) (\d+)\".*?</svg>", page, re.S)
    assert svg, "no QR code drawn on the page"
    width, height = int(svg.group(1)), int(svg.group(2))
    path = re.search(r'<path[^>]* d="([^"]+)"', svg.group(0)).group(1)
    dark = [[False] * width for _ in range(height)]
    x = y = 0.0
    for op, a, b in STEP.findall(path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:  # a stroke along y (the module's centre line) from x, n modules long
            for col in range(int(x), int(x + float(a))):
                dark[int(y)][col] = True
            x += float(a)
    pixels = bytearray()
    for row in dark:
        line = b"".join(b"\x00" * SCALE if d else b"\xff" * SCALE for d in row)
        pixels += line * SCALE
    image = memoryview(bytes(pixels)).cast("B", (height * SCALE, width * SCALE))
    return [code.text for code in zxingcpp.read_barcodes(image)]
