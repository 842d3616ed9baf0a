"""The CFM training step of fmkit's benchmark in JAX (jit, CPU, float32).

Run by `go run ./cmd/fmbench -peers` with bench/.venv's Python; prints one JSON
row (see common.py for what the step is). Adam is written out (the update of
optax.adam with its defaults) so that the environment needs jax only.
"""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import common  # noqa: E402

LR, B1, B2, EPS = 0.01, 0.9, 0.999, 1e-8


def init(key, width, depth):
    dims = [2 + 1 + 2 * common.K] + [width] * depth + [2]
    params = []
    for a, b in zip(dims, dims[1:]):
        key, sub = jax.random.split(key)
        params.append((jax.random.normal(sub, (a, b), jnp.float32) * jnp.sqrt(2.0 / a), jnp.zeros((b,), jnp.float32)))
    return params


def field(params, omega, t, x):
    a = t * omega
    h = jnp.concatenate([x, t, jnp.sin(a), jnp.cos(a)], 1)
    for w, b in params[:-1]:
        h = jax.nn.silu(h @ w + b)
    w, b = params[-1]
    return h @ w + b


def loss_fn(params, omega, t, x0, x1):
    xt = (1 - t) * x0 + t * x1
    ut = x1 - x0
    return jnp.mean(jnp.sum((field(params, omega, t, xt) - ut) ** 2, 1))


@jax.jit
def train_step(state, omega, t, x0, x1):
    params, m, v, k = state
    loss, g = jax.value_and_grad(loss_fn)(params, omega, t, x0, x1)
    k = k + 1
    m = jax.tree.map(lambda m, g: B1 * m + (1 - B1) * g, m, g)
    v = jax.tree.map(lambda v, g: B2 * v + (1 - B2) * g * g, v, g)
    mh = jax.tree.map(lambda m: m / (1 - B1 ** k), m)
    vh = jax.tree.map(lambda v: v / (1 - B2 ** k), v)
    params = jax.tree.map(lambda p, m, v: p - LR * m / (jnp.sqrt(v) + EPS), params, mh, vh)
    return (params, m, v, k), loss


@jax.jit
def train_steps(state, omega, ts, x0s, x1s):
    """len(ts) steps of train_step in one call (lax.scan over stacked batches)."""
    def body(st, b):
        return train_step(st, omega, *b)
    return jax.lax.scan(body, state, (ts, x0s, x1s))


def main():
    args = common.parse_args()
    params = init(jax.random.PRNGKey(1), args.width, args.depth)
    zeros = jax.tree.map(jnp.zeros_like, params)
    state = [(params, zeros, zeros, jnp.float32(0))]
    omega = jnp.asarray(common.frequencies())
    data = [tuple(jnp.asarray(a) for a in b) for b in common.batches(args.batch)]

    def step(b):
        state[0], loss = train_step(state[0], omega, *b)
        return float(loss)  # waits for the step, as fmkit's step returns its loss

    k = args.steps_per_call
    if k > 1:
        # Groups of k of the pre-drawn batches, stacked and moved to the
        # device once, as fmbench's fmkit formulation prepares its own.
        groups = []
        for g in range(max(1, len(data) // k)):
            picked = [data[(g * k + i) % len(data)] for i in range(k)]
            groups.append(tuple(jnp.stack([b[j] for b in picked]) for j in range(3)))

        def steps(g):
            state[0], losses = train_steps(state[0], omega, *g)
            return float(losses[-1])

        backend = f"cpu (jax {jax.__version__}, jit, {k} steps/call, {jax.devices()[0].platform})"
        common.run("jax", backend, steps, groups, args, per_call=k)
        return
    backend = f"cpu (jax {jax.__version__}, jit, {jax.devices()[0].platform})"
    common.run("jax", backend, step, data, args)


if __name__ == "__main__":
    main()
