"""Euler sampling in JAX: one jitted call per step against all steps in one call.

The peer of `go run ./cmd/fmbench -mode sample`: the same network as
cfm_jax.py (untrained: the cost does not depend on the weights), n points,
S Euler steps x <- x + dt v(t, x) from t = 0 to 1. "per-step" calls a jitted
step S times, the points staying on the device between calls; "compiled"
jit-compiles the S steps into one call (lax.fori_loop). Both end at the same
points (the printed maxdiff). Prints points x steps/s of each and their ratio
for every round, then the medians:

    bench/.venv/bin/python bench/sample_jax.py --points 10000
    bench/.venv/bin/python bench/sample_jax.py --points 100
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import cfm_jax  # noqa: E402
import common  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=int, default=10000)
    p.add_argument("--solver-steps", type=int, default=100)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    common.require_positive(p, a, ("points", "solver_steps", "width", "depth", "rounds"))

    params = cfm_jax.init(jax.random.PRNGKey(1), a.width, a.depth)
    omega = jnp.asarray(common.frequencies())
    x0 = jnp.asarray(np.random.default_rng(1).standard_normal((a.points, 2)).astype(np.float32))
    steps = a.solver_steps
    dt = 1.0 / steps

    def euler(k, x):
        t = jnp.full((x.shape[0], 1), k * dt, jnp.float32)
        return x + dt * cfm_jax.field(params, omega, t, x)

    one = jax.jit(euler)
    many = jax.jit(lambda x: jax.lax.fori_loop(0, steps, euler, x))

    def per_step():
        x = x0
        for k in range(steps):
            x = one(jnp.float32(k), x)
        return np.asarray(x)

    def compiled():
        return np.asarray(many(x0))

    per_step(), compiled()  # compile both
    rates = {"per-step": [], "compiled": []}
    ratios = []
    for _ in range(a.rounds):
        times = {}
        for name, f in (("per-step", per_step), ("compiled", compiled)):
            start = time.perf_counter()
            out = f()
            times[name] = time.perf_counter() - start
            rates[name].append(a.points * steps / times[name])
            if name == "per-step":
                ref = out
        ratios.append(times["per-step"] / times["compiled"])
        print(f"round: per-step {times['per-step'] * 1e3 / steps:.3f} ms/step, "
              f"compiled {times['compiled'] * 1e3 / steps:.3f} ms/step, ratio {ratios[-1]:.2f}, "
              f"maxdiff {float(np.abs(ref - out).max()):.1e}")
    print(f"jax {jax.__version__}, {a.points} points x {steps} Euler steps, MLP {a.depth}x{a.width}: "
          f"per-step {statistics.median(rates['per-step']):,.0f}, compiled {statistics.median(rates['compiled']):,.0f} "
          f"points x steps/s; ratio {statistics.median(ratios):.2f}x (median of {a.rounds} rounds)")


if __name__ == "__main__":
    main()
