"""The workloads of cmd/bench in PyTorch, for `make bench-compare`.

Same networks, initialisation, batch sizes, optimizers and data as deepopt's
benchmark (float32, full MNIST, minibatches gathered from a shuffled epoch
permutation each step), timed the same way: a warm-up of 50 steps or one
evaluation, then whole steps or evaluations for at least --seconds. Prints
"<workload> <rate> examples/s" per workload. Run with OPENBLAS_NUM_THREADS=1;
it sets torch.set_num_threads(2).
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(mnist, images, labels):
    def find(base):
        for name in (base, base + ".gz"):
            if os.path.exists(os.path.join(mnist, name)):
                return os.path.join(mnist, name)
        raise SystemExit(f"torch_bench: {base} not found in {mnist}")
    x = torch.from_numpy(read_idx(find(images)).astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = torch.from_numpy(read_idx(find(labels)).astype(np.int64))
    return x, y


def gaussian_init(net):
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.1)
            nn.init.zeros_(m.bias)
    return net


def mlp(bn, depth=3):
    layers, width = [nn.Flatten()], 784
    for _ in range(depth):
        layers.append(nn.Linear(width, 100))
        if bn:
            layers.append(nn.BatchNorm1d(100))
        layers.append(nn.Sigmoid())
        width = 100
    layers.append(nn.Linear(width, 10))
    return gaussian_init(nn.Sequential(*layers))


class DeeplySupervised(nn.Module):
    """The deep sigmoid MLP with linear softmax heads after the hidden
    layers `at` (1-based, as act2, act4, act6): forward returns the main
    logits and the heads' logits; the loss weights each head by 0.3."""

    def __init__(self, at, depth=7):
        super().__init__()
        self.hidden = nn.ModuleList(nn.Linear(784 if i == 0 else 100, 100) for i in range(depth))
        self.out = nn.Linear(100, 10)
        self.at = list(at)
        self.heads = nn.ModuleList(nn.Linear(100, 10) for _ in self.at)
        gaussian_init(self)

    def forward(self, x):
        h, side = x.flatten(1), []
        for i, layer in enumerate(self.hidden, 1):
            h = torch.sigmoid(layer(h))
            if i in self.at:
                side.append(self.heads[self.at.index(i)](h))
        return self.out(h), side


def cnn():
    net = nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 100), nn.BatchNorm1d(100), nn.ReLU(), nn.Linear(100, 10))
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def relu_mlp(*hidden):
    """Hinton et al.'s ReLU MLP (the distillation student 784-800-800-10),
    He-initialised like configs/mnist-kd-student.yaml."""
    layers, width = [nn.Flatten()], 784
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, 10))
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    return net


# name: (network, batch size, optimizer factory, evaluation batch or None)
WORKLOADS = {
    "mlp-bn-60": (lambda: mlp(True), 60, lambda p: torch.optim.SGD(p, lr=0.1), None),
    "mlp-bn-256": (lambda: mlp(True), 256, lambda p: torch.optim.SGD(p, lr=0.1), None),
    "mlp-60": (lambda: mlp(False), 60, lambda p: torch.optim.SGD(p, lr=0.1), None),
    "mlp-256": (lambda: mlp(False), 256, lambda p: torch.optim.SGD(p, lr=0.1), None),
    "mlp-deep-60": (lambda: mlp(False, depth=7), 60, lambda p: torch.optim.SGD(p, lr=0.1), None),
    "mlp-dsn-60": (lambda: DeeplySupervised(at=(2, 4, 6)), 60, lambda p: torch.optim.SGD(p, lr=0.1), None),
    "cnn-bn-60": (cnn, 60, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), None),
    "kd-student": (lambda: relu_mlp(800, 800), 100,
                   lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), None),
    "eval-mlp-bn": (lambda: mlp(True), None, None, 1000),
    "eval-cnn-bn": (cnn, None, None, 500),
}


def train_rate(net, batch, opt, x, y, seconds):
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    perm, pos = torch.randperm(len(y), generator=gen), 0

    def step():
        nonlocal perm, pos
        if pos + batch > len(y):
            perm, pos = torch.randperm(len(y), generator=gen), 0
        idx = perm[pos:pos + batch]
        pos += batch
        opt.zero_grad(set_to_none=True)
        out = net(x[idx])
        if isinstance(out, tuple):  # main logits and auxiliary heads' logits
            out, side = out
            loss = loss_fn(out, y[idx]) + sum(0.3 * loss_fn(s, y[idx]) for s in side)
        else:
            loss = loss_fn(out, y[idx])
        loss.backward()
        opt.step()
        return loss

    net.train()
    for _ in range(50):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            step()
        steps += 20
    return steps * batch / (time.perf_counter() - start)


def eval_rate(net, batch, x, y, seconds):
    net.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")

    def evaluate():
        loss, correct = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(y), batch):
                logits = net(x[i:i + batch])
                loss += loss_fn(logits, y[i:i + batch]).item()
                correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
        return loss / len(y), correct / len(y)

    evaluate()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        evaluate()
        n += len(y)
    return n / (time.perf_counter() - start)


def print_blas():
    """Prints torch's version and the BLAS libraries its matrix products
    load (as /proc/self/maps names them after a product), one per line, so
    that cmd/bench can tell an optimised BLAS from the reference one."""
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    print("torch", torch.__version__)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if len(line.split()) >= 6}
    for path in sorted(paths):
        name = os.path.basename(path).lower()
        if "blas" in name or "mkl" in name or "blis" in name or "atlas" in name:
            print("blas", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mnist", help="folder with the MNIST IDX files")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--blas", action="store_true", help="print the BLAS torch uses and exit")
    args = ap.parse_args()
    if args.blas:
        print_blas()
        return
    if args.mnist is None:
        raise SystemExit("torch_bench: --mnist FOLDER is required")
    torch.set_num_threads(2)
    torch.manual_seed(1)
    for name in args.workloads.split(","):
        if name not in WORKLOADS:
            raise SystemExit(f"torch_bench: unknown workload {name!r}; valid: {', '.join(WORKLOADS)}")
        make, batch, optimizer, eval_batch = WORKLOADS[name]
        net = make()
        if eval_batch is None:
            x, y = load(args.mnist, "train-images-idx3-ubyte", "train-labels-idx1-ubyte")
            rate = train_rate(net, batch, optimizer(net.parameters()), x, y, args.seconds)
        else:
            x, y = load(args.mnist, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
            rate = eval_rate(net, eval_batch, x, y, args.seconds)
        print(f"{name:<12} {rate:10.0f} examples/s", flush=True)


if __name__ == "__main__":
    main()
