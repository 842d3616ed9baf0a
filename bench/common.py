"""What the PyTorch and JAX peers share with fmkit's benchmark (cmd/fmbench).

The CFM training step is the one fmkit trains by default (train.DefaultConfig):
two moons, the linear path x_t = (1 - t) x0 + t x1 with target u_t = x1 - x0,
the network v_theta(t, x) = MLP([x, emb(t)]) with depth hidden layers of width
Swish units, emb(t) = [t, sin(w_k t), cos(w_k t)] for K = 8 angular frequencies
w_k = 100^(k/7), the loss (1/B) sum_i ||v_i - u_i||^2 and Adam at lr 0.01, in
float32 on the CPU. As in fmbench, 16 batches (t, x0, x1) are drawn before
timing and reused in turn; x_t and u_t are computed in every step.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np

K = 8
MAX_FREQ = 100.0


def frequencies():
    return np.array([MAX_FREQ ** (k / (K - 1)) for k in range(K)], dtype=np.float32)


def moons(n, rng):
    """Two interleaving half circles (noise-free), as fmkit's data.Sample("moons")."""
    n1 = n // 2
    a = rng.uniform(0, math.pi, n1)
    b = rng.uniform(0, math.pi, n - n1)
    x = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1),
                        np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)])
    return x.astype(np.float32)


def batches(batch, n=16, seed=1):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = rng.uniform(0, 1, (batch, 1)).astype(np.float32)
        x0 = rng.standard_normal((batch, 2)).astype(np.float32)
        x1 = moons(batch, rng)
        out.append((t, x0, x1))
    return out


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--steps", type=int, default=200, help="timed steps per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--steps-per-call", type=int, default=1,
                   help="training steps per call (JAX: lax.scan over that many of the pre-drawn batches)")
    a = p.parse_args()
    require_positive(p, a, ("batch", "width", "depth", "steps", "rounds", "steps_per_call"))
    if a.warmup < 0:
        p.error(f"--warmup must be >= 0, got {a.warmup}")
    return a


def require_positive(parser, args, names):
    """Exits through parser.error when one of args' attributes names is not positive."""
    for name in names:
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}")


def run(name, backend, step, data, args, per_call=1):
    """Times step(item), which takes per_call training steps on data item
    (a batch, or a group of per_call batches), and prints fmbench's JSON row
    (steps/s)."""
    calls = max(1, args.steps // per_call)
    for k in range(max(1, args.warmup // per_call)):
        step(data[k % len(data)])
    rates = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for k in range(calls):
            step(data[k % len(data)])
        rates.append(calls * per_call / (time.perf_counter() - start))
    json.dump({"formulation": name, "backend": backend, "process": name, "batch": args.batch,
               "width": args.width, "rate": statistics.median(rates), "unit": "steps/s",
               "round_rates": rates}, sys.stdout)
    print()


def threads():
    return len(os.sched_getaffinity(0))
