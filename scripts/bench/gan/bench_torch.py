#!/usr/bin/env python3
"""PyTorch twin of gan's BenchmarkStep: the same conv WGAN-GP architecture
(gan/arch.go), batch 64, 28x28x1, 10 classes, float32, CPU.

Times one critic update (generator forward for the fakes under no_grad,
critic loss with gradient penalty via autograd.grad(create_graph=True),
backward, Adam), one generator update, and sampling 64 images, and prints
one line per measurement:  torch <name> <ns/op>

usage: bench_torch.py THREADS ITERS
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads, iters = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(1)
B, H, W, C, K, Z, BASE = 64, 28, 28, 1, 10, 128, 64
LAMBDA = 10.0


class CondLayerNorm(nn.Module):
    """Layer norm over each sample's (C, H, W), then a per-class affine:
    written as a PyTorch user would, F.layer_norm and one affine."""

    def __init__(self, k, ch):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(k, ch))
        self.bias = nn.Parameter(torch.zeros(k, ch))

    def forward(self, h, onehot):  # h: NCHW
        n = F.layer_norm(h, h.shape[1:], eps=1e-5)
        return torch.addcmul((onehot @ self.bias)[:, :, None, None], n, (onehot @ self.gain)[:, :, None, None])


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(Z + K, 7 * 7 * 2 * BASE)  # z ⊕ one-hot (gan Config.LabelInput)
        self.cln1 = CondLayerNorm(K, 2 * BASE)
        self.up1 = nn.ConvTranspose2d(2 * BASE, BASE, 4, 2, 1)
        self.cln0 = CondLayerNorm(K, BASE)
        self.up0 = nn.ConvTranspose2d(BASE, C, 4, 2, 1)

    def forward(self, z, onehot):
        h = self.inp(torch.cat([z, onehot], 1)).reshape(-1, 2 * BASE, 7, 7)
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
        self.embed = nn.Parameter(torch.randn(K, f) * 0.01)

    def forward(self, x, onehot):
        h = F.leaky_relu(self.c0(x), 0.2)
        h = F.leaky_relu(self.c1(h), 0.2)
        phi = h.flatten(1)
        return self.out(phi).squeeze(1) + ((onehot @ self.embed) * phi).sum(1)


G, D = Gen(), Critic()
optG = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.0, 0.9))
optD = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.0, 0.9))
data = torch.rand(256, C, H, W) * 2 - 1
labels = torch.arange(256) % K


def critic_step():
    idx = torch.randint(0, 256, (B,))
    real, y = data[idx], F.one_hot(labels[idx], K).float()
    with torch.no_grad():
        fake = G(torch.randn(B, Z), y)
    eps = torch.rand(B, 1, 1, 1)
    xhat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    d_rf = D(torch.cat([real, fake]), torch.cat([y, y]))
    (g,) = torch.autograd.grad(D(xhat, y).sum(), xhat, create_graph=True)
    gp = LAMBDA * ((g.flatten(1).pow(2).sum(1) + 1e-12).sqrt() - 1).pow(2).mean()
    loss = d_rf[B:].mean() - d_rf[:B].mean() + gp
    optD.zero_grad(set_to_none=True)
    loss.backward()
    optD.step()


def gen_step():
    y = F.one_hot(labels[torch.randint(0, 256, (B,))], K).float()
    loss = -D(G(torch.randn(B, Z), y), y).mean()
    optG.zero_grad(set_to_none=True)
    loss.backward()
    optG.step()


def sample():
    with torch.no_grad():
        y = F.one_hot(torch.full((B,), 3), K).float()
        return G(torch.randn(B, Z), y)


for name, fn in [("critic", critic_step), ("generator", gen_step), ("sample", sample)]:
    for _ in range(2):  # warm-up
        fn()
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    print(f"torch {name} {(time.perf_counter() - t0) / iters * 1e9:.0f}", flush=True)
