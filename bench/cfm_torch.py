"""The CFM training step of fmkit's benchmark in PyTorch (eager, CPU, float32).

Run by `go run ./cmd/fmbench -peers` with bench/.venv's Python; prints one JSON
row (see common.py for what the step is).
"""

import torch

import common


class Field(torch.nn.Module):
    def __init__(self, width, depth):
        super().__init__()
        dims = [2 + 1 + 2 * common.K] + [width] * depth
        self.hidden = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
        self.out = torch.nn.Linear(dims[-1], 2)
        self.register_buffer("omega", torch.from_numpy(common.frequencies()))

    def forward(self, t, x):
        a = t * self.omega  # [B, K]
        h = torch.cat([x, t, torch.sin(a), torch.cos(a)], 1)
        for layer in self.hidden:
            h = torch.nn.functional.silu(layer(h))
        return self.out(h)


def main():
    args = common.parse_args()
    torch.manual_seed(1)
    net = Field(args.width, args.depth)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    data = [tuple(torch.from_numpy(a) for a in b) for b in common.batches(args.batch)]

    def step(b):
        t, x0, x1 = b
        xt = (1 - t) * x0 + t * x1
        ut = x1 - x0
        loss = ((net(t, xt) - ut) ** 2).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    backend = f"cpu (torch {torch.__version__}, eager, {torch.get_num_threads()} threads)"
    common.run("pytorch", backend, step, data, args)


if __name__ == "__main__":
    main()
