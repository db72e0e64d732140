#!/usr/bin/env python3
"""Print the largest per-channel difference between two composite PNGs."""
import sys

from PIL import Image, ImageChops

a, b = Image.open(sys.argv[1]), Image.open(sys.argv[2])
if a.size != b.size or a.mode != b.mode:
    print(f"differ in size/mode: {a.size} {a.mode} vs {b.size} {b.mode}")
    sys.exit(1)
ext = ImageChops.difference(a, b).getextrema()
print(max(hi for _, hi in ext) if isinstance(ext[0], tuple) else ext[1])
