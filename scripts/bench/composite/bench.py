#!/usr/bin/env python3
"""Time CB-ImgComp composites with Pillow, identically to the Go bench (main.go).

One composite = read 3 source files, decode, resize each to its tile (3x1
layout, stretch, Image.LANCZOS), paste into a canvas of the source size,
encode PNG into memory (compress_level as given; Pillow's default is 6).
Composite i uses sources 3i, 3i+1, 3i+2 (mod the number of files). Tile row
boundaries are floor(r*H/3), as in composite.Layout.TileRect. A pool of
`workers` processes. Not timed (wall clock), as in main.go: pool start-up
and a warm-up pass over max(n/10, workers) composites. Each task returns
the length of its PNG, not the PNG (Go keeps its bytes in the worker too),
so no image crosses between processes. CPU time is the workers'
user+system time; Python cannot part a child's warm-up from its timed work,
so it is spread over n plus the warm-up composites.

usage: bench.py DIR SIZE N WORKERS LEVEL [OUT]
"""
import io
import json
import multiprocessing as mp
import os
import resource
import sys
import time

from PIL import Image

ROWS = 3
STATE = {}


def init(d, side, level):
    STATE["keys"] = sorted(os.listdir(d))
    STATE["dir"], STATE["side"], STATE["level"] = d, side, level


def one(i):
    keys, side = STATE["keys"], STATE["side"]
    canvas = None
    for r in range(ROWS):
        path = os.path.join(STATE["dir"], keys[(3 * i + r) % len(keys)])
        with open(path, "rb") as f:
            data = f.read()
        im = Image.open(io.BytesIO(data))
        im.load()
        if canvas is None:
            canvas = Image.new("L" if im.mode == "L" else "RGB", (side, side))
        if im.mode != canvas.mode:
            im = im.convert(canvas.mode)
        y0, y1 = r * side // ROWS, (r + 1) * side // ROWS
        canvas.paste(im.resize((side, y1 - y0), Image.LANCZOS), (0, y0))
    buf = io.BytesIO()
    canvas.save(buf, format="PNG", compress_level=STATE["level"])
    return buf.getvalue()


def one_len(i):
    return len(one(i))


def main():
    root, side, n, workers, level = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    d = os.path.join(root, str(side))
    if len(sys.argv) > 6:
        init(d, side, level)
        with open(sys.argv[6], "wb") as f:
            f.write(one(0))
    for k in sorted(os.listdir(d)):  # warm the page cache, as Go's warm-up pass does
        with open(os.path.join(d, k), "rb") as f:
            f.read()
    chunk = max(1, n // (workers * 20))
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    pool = mp.get_context("fork").Pool(workers, initializer=init, initargs=(d, side, level))
    warm = max(n // 10, workers)
    pool.map(one_len, range(warm), chunksize=1)  # workers started, initialised and warm
    t0 = time.perf_counter()
    out_bytes = sum(pool.map(one_len, range(n), chunksize=chunk))
    el = time.perf_counter() - t0
    pool.close()
    pool.join()
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)  # includes the warm-up tasks
    print(json.dumps({"impl": "pillow", "size": side, "workers": workers, "level": level,
                      "n": n, "seconds": el, "images_per_s": n / el,
                      "cpu_ms_per_image": 1000 * cpu / (n + warm),
                      "bytes_per_image": out_bytes // n}))


if __name__ == "__main__":
    main()
