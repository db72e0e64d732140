"""Times torchvision's transforms on the pipeline of gobench, on one thread.

The same pipeline as scripts/bench/augment/gobench: RandomHorizontalFlip(0.5),
RandomAffine(degrees=15, translate=(0.1, 0.1), scale=(0.9, 1.1), bilinear),
ColorJitter(brightness=0.2, contrast=0.2), GaussianBlur(5, sigma=(0.1, 2.0)),
at 28x28 gray and 224x224 RGB, n random images per size, a warm-up pass, then
the best of `rounds` timed passes. Two inputs are timed: uint8 CHW tensors and
PIL images (torchvision's GaussianBlur converts a PIL image to a tensor and
back). Formulas differ slightly from package augment's (torchvision's
brightness multiplies, Albumentations' adds; torchvision's contrast blends with
the mean gray), not the work: one per-pixel affine map each.

Output, one line per size and input: "torch-tensor <size> <images/s>".
"""

import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(1)
    torch.manual_seed(0)
    pipe = T.Compose([
        T.RandomHorizontalFlip(0.5),
        T.RandomAffine(degrees=15, translate=(0.1, 0.1), scale=(0.9, 1.1), interpolation=InterpolationMode.BILINEAR),
        T.ColorJitter(brightness=0.2, contrast=0.2),
        T.GaussianBlur(5, sigma=(0.1, 2.0)),
    ])
    print(f"# torch {torch.__version__} torchvision {torchvision.__version__} threads {torch.get_num_threads()}", file=sys.stderr)
    rng = np.random.default_rng(0)
    for name, w, h, ch in (("28x28gray", 28, 28, 1), ("224x224rgb", 224, 224, 3)):
        x = np.linspace(0, 1, w)[None, :, None]
        y = np.linspace(0, 1, h)[:, None, None]
        arrays = []
        for _ in range(n):
            a = 40 + 120 * x + 60 * y + 30 * np.arange(ch)[None, None, :] + 20 * rng.standard_normal((h, w, ch))
            arrays.append(np.clip(a, 0, 255).astype(np.uint8))
        inputs = {
            "torch-tensor": [torch.from_numpy(a).permute(2, 0, 1).contiguous() for a in arrays],
            "torch-pil": [Image.fromarray(a[:, :, 0] if ch == 1 else a) for a in arrays],
        }
        for kind, imgs in inputs.items():
            def one_pass():
                start = time.perf_counter()
                for img in imgs:
                    pipe(img)
                return time.perf_counter() - start
            one_pass()  # warm-up
            best = min(one_pass() for _ in range(rounds))
            print(f"{kind} {name} {n / best:.1f}", flush=True)


if __name__ == "__main__":
    main()
