"""The supernet training loop shared by all methods, and the methods' architecture
parametrisations (how the E x O mixing weights of each step are produced and learned).

  darts   softmax(alpha); alpha by Adam on validation batches, first order or second
          order (unrolled, finite-difference Hessian-vector product, as DARTS / AutoDL).
  gdas    Gumbel-softmax hard sample per step, straight-through; only the sampled op of
          every edge is computed; tau linear 10 -> 0.1 over the epochs.
  drnas   Dirichlet(elu(beta) + 1) reparameterised sample every forward; the one L2 term on
          beta is Adam's weight decay (arch_wd = 1e-3), as DrNAS (see `Drnas`).
  vimnas  a small CNN maps fixed noise (1 x 3 x E x O) to mu (E x O); A = mu + N(0, 1)
          every step, softmax per edge; the CNN by momentum SGD (lr 0.025).
  none    alphas stay 0 (uniform mixing): DARTS-PT's "fix alpha" supernet.

Every method writes its argmax-able logits into `net.alphas` (darts/gdas: alpha, drnas:
beta, vimnas: mu), so `net.derive()` is the architecture of every method.

This is the one supernet trainer of the project: notebook 07's searches and the chapter-2
analyses of notebooks 05 and 06 all train through `train_supernet` (one set of configuration
keys, one checkpoint format), so two notebooks whose settings agree share one trained supernet.
`build_net` makes the NB201 supernet or, with cfg["space"] == "darts", the DARTS-space one.
The weight optimiser (SGD: lr, lr_min of the cosine schedule, momentum, nesterov, wd, clip)
and the step order come from cfg; each method's reference values are the table
`WEIGHT_OPT` of `nasbook.experiments.nb201_weight_sharing`.

One step = weights step on a train batch and architecture step on a validation batch, in
the order of the method's reference code: weights first (AutoDL-Projects' DARTS-V1.py /
GDAS.py), or with cfg["arch_first"] the architecture first (AutoDL's DARTS-V2.py, darts-pt
`nasbench201/train_search.py`, DrNAS `201-space/train_search.py`). A checkpoint after every
epoch holds everything needed to continue bit-for-bit: weights, architecture state, both
optimisers, the scheduler position, torch's RNG state and the history; loaders are
re-seeded per epoch from (seed, epoch), so an interrupted run resumes exactly.

Precision (cfg["precision"], default "fp32"): the papers trained in float32. On a GPU,
"fp32" computes without TF32 for matmuls and cuDNN convolutions (nasbook.config turns TF32
off for the whole process at import, the one place that does; PyTorch allows TF32 in cuDNN
by default), "tf32" allows it inside training, "bf16" autocasts the forward passes to
bfloat16. On the CPU all three compute in float32.

Memory format: channels_last on a GPU, contiguous on the CPU. channels_last would train x1.2
faster per step on the 2-core development CPU, but there its BatchNorm backward puts the alpha
gradient (the search signal, which reaches alpha through the BatchNorm scaling each op) 2e-3
away from float64, against 5e-7 contiguous (bench/fp32_error.py).

Differences from the reference code (deliberate): the gradient-norm clip covers the weights
only (AutoDL and DrNAS clip `network.parameters()`, whose norm also counts the gradient the
alphas hold at that point; darts-pt clips the weights only); the validation batch of a
step is drawn from a re-seeded cycle over the search-valid split, not a fresh random batch.
"""
from __future__ import annotations

import contextlib
import copy
import math
import re
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from nasbook import config  # noqa: F401  (its import turns TF32 off: precision "fp32", see float_mode)
from nasbook.files import atomic_path
from nasbook.spaces import darts as darts_space
from nasbook.spaces import nb201

from .model import MixedSupernet, Supernet

METHODS = ("darts", "gdas", "drnas", "vimnas", "none")


# -- data -----------------------------------------------------------------------------
def balanced_subset(y: torch.Tensor, n: int | None, seed: int = 0) -> torch.Tensor:
    """Indices of a class-balanced subset of n labels (all when n is None)."""
    if n is None or n >= len(y):
        return torch.arange(len(y))
    rng = np.random.default_rng(seed)
    classes = np.unique(y.numpy())
    per = [n // len(classes) + (1 if i < n % len(classes) else 0) for i in range(len(classes))]
    idx = [rng.choice(np.flatnonzero(y.numpy() == c), size=k, replace=False) for c, k in zip(classes, per)]
    return torch.from_numpy(np.sort(np.concatenate(idx)))


@lru_cache(maxsize=4)
def search_split(split: str, limit: int | None):
    from nasbook import data
    x, y = data.cifar10(split)
    idx = balanced_subset(y, limit)
    return x[idx], y[idx]


def loader(split: str, cfg: dict, *, train: bool, seed: int, device):
    from nasbook import data
    x, y = search_split(split, cfg[f"limit_{'train' if split == 'search_train' else 'valid'}"])
    # evaluation in a fixed class-mixed order: the supernet's BatchNorm uses batch statistics
    return data.Loader((x, y), cfg["batch_size"], train=train, device=device, seed=seed,
                       drop_last=train, order_seed=None if train else seed)


def cycle(make):
    """Endless iterator over loaders make(0), make(1), ... (re-seeded each pass)."""
    k = 0
    while True:
        yield from make(k)
        k += 1


# -- architecture parametrisations ------------------------------------------------------
class ConvReLUBN(nn.Sequential):
    def __init__(self, c_in, c_out, k):
        super().__init__(nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU(), nn.BatchNorm2d(c_out))


class Arch:
    """Mixing weights for the weights step and the architecture step of one method."""
    trainable = True

    def __init__(self, net: Supernet, cfg: dict, seed: int):
        self.net, self.cfg = net, cfg
        self.opt = torch.optim.Adam(net.arch_parameters(), lr=cfg["arch_lr"], betas=tuple(cfg["arch_betas"]),
                                    weight_decay=cfg["arch_wd"])

    def set_epoch(self, epoch: int, epochs: int) -> None:
        pass

    def sample(self):
        """(weights E x O or None for softmax(alpha), index per edge or None)."""
        return None, None

    def regulariser(self):
        return 0.0

    def probs(self) -> np.ndarray:
        """The method's current architecture distribution (E x O) for plots."""
        return F.softmax(self.net.alphas.detach().float(), -1).cpu().numpy()

    def arch_loss(self, x, y):
        W, index = self.sample()
        return F.cross_entropy(self.net(x, W, index), y) + self.regulariser()

    def step(self, xt, yt, xv, yv, w_lr: float, w_opt) -> None:
        self.opt.zero_grad(set_to_none=True)
        self.arch_loss(xv, yv).backward()
        self.opt.step()

    def state_dict(self) -> dict:
        return {"opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.opt.load_state_dict(state["opt"])


class Fixed(Arch):
    """alphas stay zero: uniform mixing (DARTS-PT's fix-alpha supernet)."""
    trainable = False

    def __init__(self, net, cfg, seed):
        super().__init__(net, cfg, seed)
        with torch.no_grad():
            net.alphas.zero_()

    def step(self, *a, **k):
        pass


class Darts(Arch):
    def step(self, xt, yt, xv, yv, w_lr, w_opt):
        if self.cfg.get("order", 1) == 1:
            return super().step(xt, yt, xv, yv, w_lr, w_opt)
        self._unrolled_step(xt, yt, xv, yv, w_lr, w_opt)

    def _unrolled_step(self, xt, yt, xv, yv, lr, w_opt):
        """Second-order DARTS: grad_a L_val(w - lr * grad_w L_train(w, a), a) with the
        Hessian-vector product by central finite differences (eps = 0.01 / ||v||)."""
        net = self.net
        names = [n for n, _ in net.named_parameters() if n != "alphas"]
        params = [p for n, p in net.named_parameters() if n != "alphas"]
        wd, mom = self.cfg["wd"], self.cfg["momentum"]
        loss = F.cross_entropy(net(xt), yt)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            new = []
            for p, g in zip(params, grads):
                buf = w_opt.state.get(p, {}).get("momentum_buffer")
                d = g + wd * p
                new.append(p - lr * (d + (mom * buf if buf is not None else 0.0)))
        unrolled = {n: w.requires_grad_() for n, w in zip(names, new)}
        unrolled["alphas"] = net.alphas
        buffers = dict(net.named_buffers())
        lv = F.cross_entropy(torch.func.functional_call(net, {**unrolled, **buffers}, (xv,)), yv)
        dalpha, *vector = torch.autograd.grad(lv, [net.alphas] + [unrolled[n] for n in names])
        R = 0.01 / torch.cat([v.reshape(-1) for v in vector]).norm().clamp_min(1e-12)
        with torch.no_grad():
            for p, v in zip(params, vector):
                p.add_(R * v)
        gp = torch.autograd.grad(F.cross_entropy(net(xt), yt), net.alphas)[0]
        with torch.no_grad():
            for p, v in zip(params, vector):
                p.sub_(2 * R * v)
        gn = torch.autograd.grad(F.cross_entropy(net(xt), yt), net.alphas)[0]
        with torch.no_grad():
            for p, v in zip(params, vector):
                p.add_(R * v)
        self.opt.zero_grad(set_to_none=True)
        net.alphas.grad = dalpha - lr * (gp - gn) / (2 * R)
        self.opt.step()


class Gdas(Arch):
    def __init__(self, net, cfg, seed):
        super().__init__(net, cfg, seed)
        self.tau = cfg["tau_max"]

    def set_epoch(self, epoch, epochs):
        tmax, tmin = self.cfg["tau_max"], self.cfg["tau_min"]
        self.tau = tmax - (tmax - tmin) * epoch / max(epochs - 1, 1)

    def sample(self):
        logp = F.log_softmax(self.net.alphas, dim=-1)
        while True:  # as AutoDL: resample on the (rare) inf / nan
            gumbels = -torch.empty_like(logp).exponential_().log()
            probs = F.softmax((logp + gumbels) / self.tau, dim=-1)
            index = probs.argmax(-1, keepdim=True)
            hard = torch.zeros_like(probs).scatter_(-1, index, 1.0)
            W = hard - probs.detach() + probs
            if torch.isfinite(gumbels).all() and torch.isfinite(probs).all():
                return W, index.view(-1).tolist()


class Drnas(Arch):
    """DrNAS (`201-space/`, github xiangning-chen/DrNAS). Its L2 regularisation of beta with
    reg_type "l2" is Adam's weight decay only: `architect.py` builds
    Adam(weight_decay=reg_scale = 1e-3) and `search_model.py` `_loss` adds nothing for "l2"
    (a term is added to the loss only for reg_type "kl"). So the loss here has no L2 term and
    the Arch base's Adam carries weight_decay=arch_wd (1e-3)."""

    def concentration(self):
        return F.elu(self.net.alphas) + 1

    def sample(self):
        return torch.distributions.Dirichlet(self.concentration()).rsample(), None

    def probs(self):
        c = self.concentration().detach().float()
        return (c / c.sum(-1, keepdim=True)).cpu().numpy()  # Dirichlet mean


class Generator(nn.Module):
    """VIM-NAS's architectural network ConvReLUBN(3,14,3)-ConvReLUBN(14,1,3) on fixed noise."""

    def __init__(self, E: int, O: int, seed: int, hidden: int = 14):
        super().__init__()
        self.body = nn.Sequential(ConvReLUBN(3, hidden, 3), ConvReLUBN(hidden, 1, 3))
        g = torch.Generator().manual_seed(seed + 7919)
        self.register_buffer("noise", torch.randn(1, 3, E, O, generator=g))
        self.E, self.O = E, O

    def forward(self):
        return self.body(self.noise).view(self.E, self.O)


class Vimnas(Arch):
    def __init__(self, net, cfg, seed):
        self.net, self.cfg = net, cfg
        self.gen = Generator(net.num_edges, net.num_ops, seed).to(net.alphas.device)
        self.opt = torch.optim.SGD(self.gen.parameters(), lr=cfg["vim_lr"], momentum=cfg["vim_momentum"],
                                   weight_decay=cfg["vim_wd"])
        self._sync()

    def mu(self):
        self.gen.train()
        return self.gen()

    def _sync(self):
        with torch.no_grad():
            self.net.alphas.copy_(self.mu())

    def sample(self):
        mu = self.mu()
        return F.softmax(mu + torch.randn_like(mu), dim=-1), None

    def step(self, xt, yt, xv, yv, w_lr, w_opt):
        self.opt.zero_grad(set_to_none=True)
        self.arch_loss(xv, yv).backward()
        self.opt.step()
        self._sync()

    def state_dict(self):
        return {"opt": self.opt.state_dict(), "gen": self.gen.state_dict()}

    def load_state_dict(self, state):
        self.gen.load_state_dict(state["gen"])
        self.opt.load_state_dict(state["opt"])


ARCHS = {"darts": Darts, "gdas": Gdas, "drnas": Drnas, "vimnas": Vimnas, "none": Fixed}


def make_arch(method: str, net: Supernet, cfg: dict, seed: int) -> Arch:
    if method not in ARCHS:
        raise ValueError(f"unknown supernet method {method!r}: expected one of {', '.join(ARCHS)}")
    return ARCHS[method](net, cfg, seed)


# -- one epoch ------------------------------------------------------------------------
PRECISIONS = ("fp32", "tf32", "bf16")


def _precision(cfg) -> str:
    prec = cfg.get("precision", "fp32")
    if prec not in PRECISIONS:
        raise ValueError(f"unknown precision {prec!r}: expected one of {', '.join(PRECISIONS)} (default fp32)")
    return prec


def autocast_dtype(device, cfg) -> torch.dtype | None:
    """The dtype forward passes autocast to: bfloat16 only with cfg["precision"] == "bf16" on
    CUDA; None (plain float32) otherwise, the default."""
    return torch.bfloat16 if _precision(cfg) == "bf16" and torch.device(device).type == "cuda" else None


def autocast(device, cfg):
    """Autocast context of a forward pass (see `autocast_dtype`)."""
    dtype = autocast_dtype(device, cfg)
    return torch.autocast("cuda", dtype=dtype) if dtype is not None else contextlib.nullcontext()


@contextlib.contextmanager
def float_mode(device, cfg):
    """On CUDA with precision "tf32": TF32 on for matmuls and cuDNN inside the block, restored
    after. "fp32", "bf16" and the CPU leave the flags alone: TF32 is off for the whole process
    already, set once in nasbook.config at import (imported above), so "fp32" is float32."""
    prec = _precision(cfg)
    if torch.device(device).type != "cuda" or prec != "tf32":
        yield
        return
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


@contextlib.contextmanager
def batch_statistics(net: nn.Module):
    """Every BatchNorm of `net` normalises with the batch's statistics (net.train()) inside the
    block; running statistics (and num_batches_tracked) are saved and restored, so evaluating
    this way leaves the network unchanged. darts-pt's projection evaluates in train mode
    (`infer(..., eval=False)`) and lets those forwards update its running statistics."""
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
    saved = [(m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone()) for m in bns]
    was = net.training
    net.train()
    try:
        yield net
    finally:
        with torch.no_grad():
            for m, (mean, var, n) in zip(bns, saved):
                m.running_mean.copy_(mean)
                m.running_var.copy_(var)
                m.num_batches_tracked.copy_(n)
        net.train(was)


def train_epoch(net, arch: Arch, w_opt, cfg, *, seed, epoch, device, train_arch=True, trace=None,
                progress=False, desc=""):
    """One pass over the search-train split; returns loss/acc/seconds of the epoch."""
    with float_mode(device, cfg):
        return _train_epoch(net, arch, w_opt, cfg, seed=seed, epoch=epoch, device=device, train_arch=train_arch,
                            trace=trace, progress=progress, desc=desc)


def _train_epoch(net, arch, w_opt, cfg, *, seed, epoch, device, train_arch, trace, progress, desc):
    net.train()
    t0 = time.perf_counter()
    train = loader("search_train", cfg, train=True, seed=seed * 100003 + epoch, device=device)
    valid = cycle(lambda k: loader("search_valid", cfg, train=True, seed=seed * 100003 + 50021 + 997 * epoch + k,
                                   device=device))
    params = net.weight_parameters()
    tot_loss = tot_correct = n = 0.0
    lr = w_opt.param_groups[0]["lr"]
    log_every = cfg.get("log_every") or 0
    arch_first = bool(cfg.get("arch_first", False))
    for step, (xt, yt) in enumerate(tqdm(train, desc=desc, leave=False, disable=not progress)):
        xv, yv = next(valid)
        if device.type == "cuda":
            xt, xv = xt.contiguous(memory_format=torch.channels_last), xv.contiguous(memory_format=torch.channels_last)
        if arch_first and train_arch and arch.trainable:
            with autocast(device, cfg):
                arch.step(xt, yt, xv, yv, lr, w_opt)
        with autocast(device, cfg):
            W, index = arch.sample()
            logits = net(xt, W, index)
            loss = F.cross_entropy(logits.float(), yt)
        w_opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(params, cfg["clip"])
        w_opt.step()
        if not arch_first and train_arch and arch.trainable:
            with autocast(device, cfg):
                arch.step(xt, yt, xv, yv, lr, w_opt)
        tot_loss += float(loss.detach()) * len(yt)
        tot_correct += float((logits.argmax(-1) == yt).sum())
        n += len(yt)
        if trace is not None and log_every and step % log_every == 0:
            trace.append({"epoch": epoch, "step": step, "probs": arch.probs().round(5).tolist()})
    return {"loss": tot_loss / max(n, 1), "acc": 100.0 * tot_correct / max(n, 1),
            "seconds": time.perf_counter() - t0, "lr": lr}


@torch.no_grad()
def evaluate(net, cfg, device, batches: int | None = None, batch_stats: bool = False, data=None) -> float:
    """Accuracy (%) of the supernet (current mixing weights) on `data` (batches of (x, y); default
    the search-valid split), in the precision of `cfg`: in eval mode, or with `batch_stats` in
    train mode with every BatchNorm on batch statistics and the running statistics restored
    afterwards (`batch_statistics`, DARTS-PT's projection)."""
    mode = batch_statistics(net) if batch_stats else contextlib.nullcontext()
    if not batch_stats:
        net.eval()
    correct = n = 0
    if data is None:
        data = loader("search_valid", cfg, train=False, seed=0, device=device)
    with mode, float_mode(device, cfg):
        for b, (x, y) in enumerate(data):
            if batches is not None and b >= batches:
                break
            with autocast(device, cfg):
                logits = net(x)
            correct += int((logits.argmax(-1) == y).sum())
            n += len(y)
    if not batch_stats:
        net.train()  # (batch_stats: the mode it had, restored by batch_statistics)
    return 100.0 * correct / max(n, 1)


# -- checkpoints -----------------------------------------------------------------------
def checkpoint_path(directory: Path, tag: str, epoch: int) -> Path:
    return Path(directory) / f"{tag}_e{epoch:03d}.pt"


def latest_checkpoint(directory: Path, tag: str) -> tuple[int, Path | None]:
    best = (0, None)
    for p in Path(directory).glob(f"{tag}_e*.pt"):
        m = re.fullmatch(re.escape(tag) + r"_e(\d+)\.pt", p.name)
        if m and int(m.group(1)) > best[0]:
            best = (int(m.group(1)), p)
    return best


def save_checkpoint(path, *, net, arch, w_opt, sched=None, **extra):
    """Supernet, architecture parameters, optimiser, schedule (None: a constant learning rate)
    and RNG state (+ `extra`), atomically."""
    state = {"net": net.state_dict(), "net_config": net.config(), "arch": arch.state_dict(),
             "w_opt": w_opt.state_dict(), "sched": None if sched is None else sched.state_dict(), **extra,
             "rng": torch.get_rng_state(),
             "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def restore_checkpoint(path, *, net, arch, w_opt, sched=None, device) -> dict:
    """Load a save_checkpoint file into the given objects, restore the RNGs; returns its dict."""
    ckpt = torch.load(path, map_location=device, weights_only=False)
    net.load_state_dict(ckpt["net"])
    arch.load_state_dict(ckpt["arch"])
    w_opt.load_state_dict(ckpt["w_opt"])
    if sched is not None:
        sched.load_state_dict(ckpt["sched"])
    torch.set_rng_state(ckpt["rng"])
    if ckpt.get("cuda_rng") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(ckpt["cuda_rng"])
    return ckpt


def load_net(path, device="cpu") -> MixedSupernet:
    """The supernet of a search checkpoint (or a Supernet.save file)."""
    ckpt = torch.load(path, map_location=device, weights_only=False)
    if "net" in ckpt:
        cfg = ckpt["net_config"]
        if "layers" in cfg:
            from .darts import DartsSupernet
            net = DartsSupernet(**cfg)
        else:
            net = Supernet(**cfg)
        net.load_state_dict(ckpt["net"])
        return net.to(device)
    return Supernet.load(path, map_location=device).to(device)


def load_arch_state(path, device="cpu") -> dict:
    """The architecture state (optimiser, VIM-NAS generator) of a search checkpoint."""
    return torch.load(path, map_location=device, weights_only=False)["arch"]


def build_net(cfg) -> MixedSupernet:
    """The supernet of a configuration: the NB201 one (C, N, ops), or with cfg["space"] ==
    "darts" the DARTS-space one (C, layers, ops)."""
    if cfg.get("space", "nb201") == "darts":
        from .darts import DartsSupernet
        return DartsSupernet(C=cfg["C"], layers=cfg["layers"], num_classes=10, ops=cfg.get("ops") or darts_space.OPS)
    return Supernet(C=cfg["C"], N=cfg["N"], num_classes=10, ops=cfg.get("ops") or nb201.OPS)


def build(method, cfg, seed, device):
    """Supernet, architecture parametrisation, weight optimiser and schedule of one run."""
    torch.manual_seed(seed)
    net = build_net(cfg).to(device)
    if device.type == "cuda":
        net = net.to(memory_format=torch.channels_last)
    arch = make_arch(method, net, cfg, seed)
    w_opt = torch.optim.SGD(net.weight_parameters(), lr=cfg["lr"], momentum=cfg["momentum"],
                            nesterov=cfg["nesterov"], weight_decay=cfg["wd"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(w_opt, T_max=cfg["epochs"], eta_min=cfg["lr_min"])
    return net, arch, w_opt, sched


class Incomplete(RuntimeError):
    """The time budget ran out at an epoch boundary; rerun the same call to continue."""


def train_supernet(method: str, cfg: dict, seed: int, directory: Path, tag: str, *, device,
                   max_seconds: float | None = None, keep: str = "all", progress: bool = True,
                   stop_epoch: int | None = None) -> dict:
    """Train the supernet for cfg['epochs'] epochs with checkpoints `<tag>_eNNN.pt` in
    `directory`, continuing from the newest one. Returns {net, arch, history, trace, path}.

    `stop_epoch` stops early (like a kill after that epoch; used by the resume test).
    """
    net, arch, w_opt, sched = build(method, cfg, seed, device)
    start, path = latest_checkpoint(directory, tag)
    history, trace = [], []
    if path is not None:
        ckpt = restore_checkpoint(path, net=net, arch=arch, w_opt=w_opt, sched=sched, device=device)
        history, trace = ckpt["history"], ckpt["trace"]
    t_begin = time.perf_counter()
    epochs = cfg["epochs"]
    for epoch in range(start, epochs if stop_epoch is None else min(epochs, stop_epoch)):
        if max_seconds is not None and time.perf_counter() - t_begin > max_seconds:
            raise Incomplete(f"{tag}: stopped after epoch {epoch} of {epochs} (time budget {max_seconds:.0f}s); "
                             f"run again to continue from the checkpoint")
        arch.set_epoch(epoch, epochs)
        rec = train_epoch(net, arch, w_opt, cfg, seed=seed, epoch=epoch, device=device, trace=trace,
                          progress=progress, desc=f"{tag} epoch {epoch + 1}/{epochs}")
        sched.step()
        rec.update(epoch=epoch + 1, arch=list(net.derive()), probs=arch.probs().round(5).tolist())
        if cfg.get("eval_batches"):
            rec["valid_acc"] = evaluate(net, cfg, device, cfg["eval_batches"])
        history.append(rec)
        new = checkpoint_path(directory, tag, epoch + 1)
        save_checkpoint(new, net=net, arch=arch, w_opt=w_opt, sched=sched, epoch=epoch + 1,
                        history=history, trace=trace)
        if keep == "last" and path is not None and path != new:
            path.unlink(missing_ok=True)
        path = new
    return {"net": net, "arch": arch, "history": history, "trace": trace, "path": path}
