#!/usr/bin/env python3
"""torch.stft side of scripts/bench/spectro/bench.sh: what audio ML users
run, as a second peer beside SciPy.

The same cases as main.go. torch.stft(x, n_fft, hop_length, window=hann,
center=True, pad_mode="constant", return_complex=True), then SciPy's
spectrum scaling (divided by the window's sum), so the work is the
spectrogram spectro.ScipyConfig computes (its frames differ from SciPy's
"padded" tail by at most one; the throughput counts input samples).
float64 (spectro's precision) and float32 (what audio pipelines use); 1
and 2 threads with torch.set_num_threads (intra-op threads in one process,
torch's own way to use 2 cores). Many signals are computed both one call
per signal ("loop") and as one (signals, samples) batch ("batch").
Prints one JSON line per case, dtype, form and thread count.
"""
import argparse
import json
import time

import torch

CASES = [
    dict(case="1s@16kHz", rate=16000, samples=16000, signals=64, nfft=512, hop=128),
    dict(case="10s@100kHz", rate=100000, samples=1000000, signals=4, nfft=1024, hop=256),
    dict(case="1000x0.25s@16kHz", rate=16000, samples=4000, signals=1000, nfft=512, hop=128),
]


def measure(c, threads, dtype, form, min_time):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(c["samples"], generator=g, dtype=dtype)
    win = torch.hann_window(c["nfft"], periodic=True, dtype=dtype)
    scale = 1.0 / float(win.sum())
    batch = x.expand(c["signals"], -1).contiguous()

    def stft(v):
        return torch.stft(v, c["nfft"], hop_length=c["hop"], window=win, center=True,
                          pad_mode="constant", return_complex=True) * scale

    def do():
        if form == "batch":
            return float(stft(batch).real[:, 0, 0].sum())
        s = 0.0
        for _ in range(c["signals"]):
            s += float(stft(x).real[0, 0])
        return s

    do()  # warm-up
    rounds, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_time:
        do()
        rounds += 1
    sec = time.perf_counter() - start
    sigs = rounds * c["signals"]
    return dict(impl="torch", dtype=str(dtype).removeprefix("torch."), form=form, case=c["case"], workers=threads,
                rounds=rounds, seconds=sec, msamples_per_s=sigs * c["samples"] / sec / 1e6,
                signals_per_s=sigs / sec, torch=torch.__version__)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min", type=float, default=2.0)
    ap.add_argument("--workers", default="1,2")
    a = ap.parse_args()
    for c in CASES:
        for w in [int(v) for v in a.workers.split(",")]:
            for dtype in (torch.float64, torch.float32):
                for form in ("loop", "batch") if c["signals"] > 1 else ("loop",):
                    print(json.dumps(measure(c, w, dtype, form, a.min)), flush=True)


if __name__ == "__main__":
    main()
