#!/usr/bin/env python3
"""PyTorch twin of gan's conv WGAN-GP *training* (not just timing, see
bench_torch.py): the same architecture as gan/arch.go for 28x28x1 and 10
classes (conv base BASE, 2 stages, projection critic, generator with
conditional layer norm and tanh), the same hyperparameters as the
Fashion-MNIST demo (batch 64, n_critic 5, lambda 10, Adam 1e-4 (0, 0.9),
balanced batches, Sandal cut to 60 images, DiffAugment translation+cutout
applied to reals and fakes, GP on interpolates of the augmented batches).

Writes OUT/grid_NNNNN.png (one row per class, 10 samples, fixed z) every
EVERY steps and OUT/history.csv.

usage: learn_torch.py OUT [--steps 1500] [--every 250] [--init go|torch] [--lr 1e-4] [--beta1 0] [--ncrit 5] [--base 32] [--concat 1]
                          [--augment translation,cutout|''] [--device cpu|cuda]
"""
import argparse
import gzip
import os
import struct
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--steps", type=int, default=1500)
p.add_argument("--every", type=int, default=250)
p.add_argument("--base", type=int, default=32)
p.add_argument("--init", default="go", choices=["go", "torch"])
p.add_argument("--augment", default="translation,cutout")
p.add_argument("--device", default="cpu")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--beta1", type=float, default=0.0)
p.add_argument("--lr", type=float, default=1e-4)
p.add_argument("--concat", type=int, default=1, help="1: the generator's first layer takes z and the one-hot label (gan Config.LabelInput, its default)")
p.add_argument("--ncrit", type=int, default=5)
p.add_argument("--ema", type=float, default=0, help="also write grids of an exponential moving average of G's weights with this decay (e.g. 0.999)")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
np.random.seed(a.seed)
dev = torch.device(a.device)
os.makedirs(a.out, exist_ok=True)
B, H, W, C, K, Z, BASE, NCRIT, LAMBDA = 64, 28, 28, 1, 10, 128, a.base, a.ncrit, 10.0
AUG = [s for s in a.augment.split(",") if s]


def idx(path):
    with gzip.open(path, "rb") as f:
        b = f.read()
    nd = b[3]
    dims = struct.unpack(">" + "I" * nd, b[4:4 + 4 * nd])
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


imgs = idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
labs = idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
keep = np.ones(len(labs), bool)
keep[np.where(labs == 5)[0][60:]] = False  # Sandal: 60 images, as the demo
X = torch.tensor(imgs[keep], dtype=torch.float32).div(255).mul(2).sub(1).unsqueeze(1).to(dev)  # [-1, 1]
Y = torch.tensor(labs[keep]).to(dev)
by_class = [torch.where(Y == k)[0] for k in range(K)]
print("data", X.shape, [len(c) for c in by_class], float(X.min()), float(X.max()), flush=True)


def uniform_(t, bound):
    with torch.no_grad():
        t.uniform_(-bound, bound)


def kaiming(fan_in, slope):  # gan/params.go kaiming
    return (6 / ((1 + slope * slope) * fan_in)) ** 0.5


class CondLayerNorm(nn.Module):
    def __init__(self, k, ch):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(k, ch))
        self.bias = nn.Parameter(torch.zeros(k, ch))

    def forward(self, h, onehot):  # h: NCHW; stats over C*H*W per sample
        b = h.shape[0]
        flat = h.reshape(b, -1)
        mean = flat.mean(1, keepdim=True)
        var = ((flat - mean) ** 2).mean(1, keepdim=True)
        n = ((flat - mean) / torch.sqrt(var + 1e-5)).reshape(h.shape)
        return n * (onehot @ self.gain)[:, :, None, None] + (onehot @ self.bias)[:, :, None, None]


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(Z + K * a.concat, 7 * 7 * 2 * BASE)
        self.cln1 = CondLayerNorm(K, 2 * BASE)
        self.up1 = nn.ConvTranspose2d(2 * BASE, BASE, 4, 2, 1)
        self.cln0 = CondLayerNorm(K, BASE)
        self.up0 = nn.ConvTranspose2d(BASE, C, 4, 2, 1)
        if a.init == "go":  # gan/arch.go + layers.go: He-uniform, zero biases
            uniform_(self.inp.weight, kaiming(Z + K * a.concat, 0))
            uniform_(self.up1.weight, kaiming(2 * BASE * 4, 0))
            uniform_(self.up0.weight, kaiming(BASE * 4, 1))
            for m in (self.inp, self.up1, self.up0):
                nn.init.zeros_(m.bias)

    def forward(self, z, onehot):
        # gan reshapes the dense output NHWC (7, 7, 2B); mirror that order.
        if a.concat:
            z = torch.cat([z, onehot], 1)
        h = self.inp(z).reshape(-1, 7, 7, 2 * BASE).permute(0, 3, 1, 2)
        h = self.up1(F.relu(self.cln1(h, onehot)))
        h = self.up0(F.relu(self.cln0(h, onehot)))
        return torch.tanh(h)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.c0 = nn.Conv2d(C, BASE, 4, 2, 1)
        self.c1 = nn.Conv2d(BASE, 2 * BASE, 4, 2, 1)
        f = 2 * BASE * 7 * 7
        self.out = nn.Linear(f, 1)
        self.embed = nn.Parameter(torch.empty(K, f))
        if a.init == "go":
            uniform_(self.c0.weight, kaiming(16 * C, 0.2))
            uniform_(self.c1.weight, kaiming(16 * BASE, 0.2))
            uniform_(self.out.weight, kaiming(f, 1))
            uniform_(self.embed, kaiming(f, 1))
            for m in (self.c0, self.c1, self.out):
                nn.init.zeros_(m.bias)
        else:
            nn.init.normal_(self.embed, 0, 0.01)

    def forward(self, x, onehot):
        h = F.leaky_relu(self.c0(x), 0.2)
        h = F.leaky_relu(self.c1(h), 0.2)
        phi = h.permute(0, 2, 3, 1).flatten(1)  # NHWC flatten, as gan
        return self.out(phi).squeeze(1) + ((onehot @ self.embed) * phi).sum(1)


def diffaug(x):
    """DiffAugment translation + cutout, per-sample params (Zhao et al. 2020)."""
    b = x.shape[0]
    if "translation" in AUG:
        s = int(H * 0.125 + 0.5)
        ty = torch.randint(-s, s + 1, (b, 1, 1), device=x.device)
        tx = torch.randint(-s, s + 1, (b, 1, 1), device=x.device)
        gy = torch.arange(H, device=x.device)[None, :, None] + ty
        gx = torch.arange(W, device=x.device)[None, None, :] + tx
        ok = ((gy >= 0) & (gy < H) & (gx >= 0) & (gx < W)).unsqueeze(1).to(x.dtype)
        gy, gx = gy.clamp(0, H - 1), gx.clamp(0, W - 1)
        bi = torch.arange(b, device=x.device)[:, None, None]
        x = x.permute(0, 2, 3, 1)[bi, gy, gx].permute(0, 3, 1, 2) * ok
    if "cutout" in AUG:
        ch = int(H * 0.5 + 0.5)
        oy = torch.randint(0, H + (1 - ch % 2), (b, 1, 1), device=x.device)
        ox = torch.randint(0, W + (1 - ch % 2), (b, 1, 1), device=x.device)
        gy = torch.arange(H, device=x.device)[None, :, None]
        gx = torch.arange(W, device=x.device)[None, None, :]
        cut = (gy >= oy - ch // 2) & (gy < oy - ch // 2 + ch) & (gx >= ox - ch // 2) & (gx < ox - ch // 2 + ch)
        x = x * (~cut).unsqueeze(1).to(x.dtype)
    return x


G, D = Gen().to(dev), Critic().to(dev)
import copy
G_ema = copy.deepcopy(G) if a.ema else None
optG = torch.optim.Adam(G.parameters(), lr=a.lr, betas=(a.beta1, 0.9), eps=1e-8)
optD = torch.optim.Adam(D.parameters(), lr=a.lr, betas=(a.beta1, 0.9), eps=1e-8)


def balanced_batch():
    cls = torch.randint(0, K, (B,))
    ids = torch.stack([by_class[c][torch.randint(0, len(by_class[c]), (1,))][0] for c in cls.tolist()])
    return X[ids], F.one_hot(Y[ids], K).float()


def critic_step():
    real, y = balanced_batch()
    with torch.no_grad():
        fake = G(torch.randn(B, Z, device=dev), y)
    if AUG:
        real, fake = diffaug(real), diffaug(fake)
    eps = torch.rand(B, 1, 1, 1, device=dev)
    xhat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    d_rf = D(torch.cat([real, fake]), torch.cat([y, y]))
    (g,) = torch.autograd.grad(D(xhat, y).sum(), xhat, create_graph=True)
    norms = (g.flatten(1).pow(2).sum(1) + 1e-12).sqrt()
    gp = LAMBDA * (norms - 1).pow(2).mean()
    wd = d_rf[:B].mean() - d_rf[B:].mean()
    loss = -wd + gp
    optD.zero_grad(set_to_none=True)
    loss.backward()
    optD.step()
    return loss.item(), wd.item(), gp.item(), norms.mean().item()


def gen_step():
    y = F.one_hot(balanced_batch()[1].argmax(1), K).float()
    fake = G(torch.randn(B, Z, device=dev), y)
    if AUG:
        fake = diffaug(fake)
    loss = -D(fake, y).mean()
    optG.zero_grad(set_to_none=True)
    loss.backward()
    optG.step()
    if G_ema is not None:
        with torch.no_grad():
            for pe, p_ in zip(G_ema.parameters(), G.parameters()):
                pe.mul_(a.ema).add_(p_, alpha=1 - a.ema)
    return loss.item()


def write_png(path, img):  # img: uint8 (h, w) gray
    h, w = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


gz = torch.randn(10, Z, generator=torch.Generator().manual_seed(7)).to(dev)


def grid(step, net=None, name="grid"):
    net = net or G
    pad = 2
    img = np.full((pad + K * (H + pad), pad + 10 * (W + pad)), 128, np.uint8)
    with torch.no_grad():
        for k in range(K):
            y = F.one_hot(torch.full((10,), k, device=dev), K).float()
            x = net(gz, y).clamp(-1, 1).add(1).mul(127.5).round().byte().cpu().numpy()
            for i in range(10):
                img[pad + k * (H + pad):pad + k * (H + pad) + H, pad + i * (W + pad):pad + i * (W + pad) + W] = x[i, 0]
    write_png(os.path.join(a.out, f"{name}_{step:05d}.png"), img)


hist = open(os.path.join(a.out, "history.csv"), "w")
hist.write("step,critic_loss,gen_loss,wasserstein,penalty,grad_norm\n")
t0 = time.time()
for step in range(1, a.steps + 1):
    s = np.zeros(4)
    for _ in range(NCRIT):
        s += critic_step()
    s /= NCRIT
    gl = gen_step()
    hist.write(f"{step},{s[0]:g},{gl:g},{s[1]:g},{s[2]:g},{s[3]:g}\n")
    if step % 50 == 0:
        print(f"step {step} W {s[1]:.3f} G {gl:.3f} pen {s[2]:.3f} gn {s[3]:.3f} {(time.time() - t0) / step:.3f}s/step", flush=True)
    if step % a.every == 0:
        grid(step)
        if G_ema is not None:
            grid(step, G_ema, "ema")
hist.close()
