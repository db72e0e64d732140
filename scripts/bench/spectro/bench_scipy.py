#!/usr/bin/env python3
"""SciPy side of scripts/bench/spectro/bench.sh.

Computes scipy.signal.stft(x, nperseg=nfft, noverlap=nfft-hop) (Hann,
boundary zeros, padded, spectrum scaling: what spectro.ScipyConfig matches)
for the same cases as main.go and prints one JSON line per case, form and
worker count. Two forms: "loop" calls stft once per signal; "batch" once on
the (signals, samples) array of a worker's share (axis -1), which a probe
found slower for many short signals on one machine and faster on others:
bench.sh compares Go with the faster of the two. Workers: 1 = this process; N > 1 = a multiprocessing pool of N
processes, each computing its share of a round's signals (the pool is
started and warmed before timing; results are reduced to a checksum so
that no large arrays are sent back). Set OMP_NUM_THREADS=1 and
OPENBLAS_NUM_THREADS=1 (bench.sh does) so each process uses one core.
"""
import argparse
import json
import multiprocessing as mp
import time

import numpy as np
import scipy
import scipy.signal

CASES = [
    dict(case="1s@16kHz", rate=16000, samples=16000, signals=64, nfft=512, hop=128),
    dict(case="10s@100kHz", rate=100000, samples=1000000, signals=4, nfft=1024, hop=256),
    dict(case="1000x0.25s@16kHz", rate=16000, samples=4000, signals=1000, nfft=512, hop=128),
]

_x = None


def _init(samples):
    global _x
    _x = np.random.default_rng(1).standard_normal(samples)


def _work(args):
    count, nfft, hop, form = args
    if form == "batch":
        _, _, z = scipy.signal.stft(np.broadcast_to(_x, (count, _x.size)), nperseg=nfft, noverlap=nfft - hop, axis=-1)
        return float(z.real[:, 0, 0].sum())
    s = 0.0
    for _ in range(count):
        _, _, z = scipy.signal.stft(_x, nperseg=nfft, noverlap=nfft - hop)
        s += z.real[0, 0]
    return s


def measure(c, workers, min_time, form):
    shares = [c["signals"] // workers + (1 if i < c["signals"] % workers else 0) for i in range(workers)]
    tasks = [(n, c["nfft"], c["hop"], form) for n in shares]
    if workers == 1:
        _init(c["samples"])
        do = lambda: _work(tasks[0])  # noqa: E731
        pool = None
    else:
        pool = mp.Pool(workers, initializer=_init, initargs=(c["samples"],))
        do = lambda: pool.map(_work, tasks, chunksize=1)  # noqa: E731
    do()  # warm-up
    rounds, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_time:
        do()
        rounds += 1
    sec = time.perf_counter() - start
    if pool is not None:
        pool.close()
        pool.join()
    sigs = rounds * c["signals"]
    return dict(impl="scipy", form=form, case=c["case"], workers=workers, rounds=rounds, seconds=sec,
                msamples_per_s=sigs * c["samples"] / sec / 1e6, signals_per_s=sigs / sec,
                scipy=scipy.__version__)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min", type=float, default=2.0, help="minimum measured seconds per case and worker count")
    ap.add_argument("--workers", default="1,2")
    a = ap.parse_args()
    for c in CASES:
        for w in [int(v) for v in a.workers.split(",")]:
            for form in ("loop", "batch") if c["signals"] > 1 else ("loop",):
                print(json.dumps(measure(c, w, a.min, form)), flush=True)


if __name__ == "__main__":
    main()
