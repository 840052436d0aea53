"""The RMI score of RMI-NAS (Zheng et al., CVPR 2022): how well a freshly initialised
NAS-Bench-201 network, trained for a few steps on ONE batch, reproduces the stage
representations of a trained teacher.

    CKA(X, Y)    linear CKA (normalised HSIC) of two representations of the same N images:
                 K = X X^T, L = Y Y^T, centred (biased estimator) -> <K~, L~>_F / (|K~|_F |L~|_F)
    RMI loss     sum over the 3 stages of (1 - CKA(teacher stage, candidate stage)); the
                 candidate's stages are the outputs of its first two cell stages and its
                 third stage after the head's BN + ReLU (`lastact`), as the official code's
                 `forward_with_features` (XNAS, xnas/spaces/NASBench201/cnn.py) returns them
    mixed loss   beta * RMI + (1 - beta) * cross-entropy                        (paper Eq. 4)
    batch        a pool of gamma x batch augmented training images; the teacher keeps the
                 `batch` images with the lowest cross-entropy (paper Sec. 4.1)
    score        mixed loss at the last of `steps` SGD steps on that batch; lower is better,
                 NaN -> +inf (as the official code does)

Differences from the official code (XNAS, scripts/search/RMINAS.py), all deliberate:
  * the official code computes the lowest-loss selection and then trains on the whole
    512-image pool; here the selected 32 images are used (what the paper describes);
  * the official teacher is never put in eval mode (its BatchNorm uses batch statistics);
    here the teacher is in eval mode unless settings["teacher_bn_train"] is True;
  * teacher and candidate each get their own input normalisation (the pretrained ResNet-20
    was trained with ImageNet mean/std, NB201 networks with the CIFAR mean/std);
  * at beta = 0 (beta = 1) the RMI (cross-entropy) term is left out instead of multiplied by
    zero, so that beta = 0 is exactly cross-entropy even when a CKA is undefined (NaN).

Memory format: on every device the candidates and the batch are `channels_last` (the same
maths in another summation order; faster per step on AVX-512/AMX CPUs, bench/rmi_speed.py).
At equal weights losses and gradients equal the contiguous ones to float tolerance
(tests/test_rmi.py); over many SGD steps on one batch (lr 0.1, batch 32) such 1e-7
differences grow, as any change of summation order does: at C=16, N=5 after 30 steps the
score moves by a few percent, the same amount as between 1 and 2 torch threads in the
contiguous format (bench/rmi_speed.py prints the largest difference). `channels_last=False`
in the settings turns it off. Neither it nor `group` keys a stored score: every score of the
store was computed in channels_last. A stored score is therefore reproducible bit for bit only
with the same memory format, thread count and summing code (the average pool computed as a
depthwise convolution since 2026-11-28, see nasbook.spaces.nb201_network, is another such
order; scores stored before it are kept).

Precision: fp32 by default, as the paper; settings["precision"] = "bf16" runs the candidate's
forward under bfloat16 autocast (AMX on these CPUs, tensor cores on a GPU) with CKA and
cross-entropy in fp32. It changes the scores (bench/rmi_speed.py prints by how much), so it is
part of a bf16 score's store key.

Engines (settings["engine"], not keyed): "loop" runs the group's networks one after the other
in each step; "batched" trains them as one StackedNB201 (nasbook.spaces.nb201_stacked: grouped
convolutions, per-candidate BatchNorm and CKA), the same maths in another summation order
(tests/test_rmi.py compares both step by step). "auto" picks ENGINES[device type]: batched on a
GPU (x4 the official loop on an H200, bench/results/rmi_speed_h200.json), the loop on a CPU
(where grouped convolutions are about 2x slower than the loop, bench/results/rmi_speed_cpu.json).

CUDA graphs (settings["cuda_graph"], not keyed, off by default): the batch never changes, so
after GRAPH_WARMUP eager steps one whole step (forward, backward, SGD) is captured and replayed;
on a GPU the small kernels of C=16 candidates are bound by their launches. Not measured yet:
bench/rmi_speed.py times it beside the eager engine on the next GPU machine, and it becomes the
CUDA default only if it pays.

K candidates are trained at once (`group`): one module list, the sum of their independent
losses, one SGD optimiser. Gradients of independent networks do not interact, and SGD with
momentum and weight decay acts elementwise, so this equals evaluating them one by one.
Every candidate's initial weights are seeded by (seed, architecture), never by its
position in a group.
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from . import config, executor
from .spaces import nb201
from .store import ResultStore, canonical, nan_to_inf

# ---------------------------------------------------------------------------- settings

TEACHER_RESNET20 = {"model": "resnet20", "init": "pretrained", "epochs": 0}

PAPER = {
    "C": 16, "N": 5,                 # NB201 candidate network
    "steps": 150,                    # SGD steps on the one batch ("150 epochs")
    "batch_size": 32, "gamma": 16,   # batch and pool expansion factor
    "beta": 0.8,                     # Eq. 4
    "lr": 0.1, "momentum": 0.9, "weight_decay": 5e-4, "nesterov": False,
    "teacher": TEACHER_RESNET20,     # see nasbook.teacher for the spec format
    "teacher_bn_train": False,       # True: the official code's train-mode teacher BatchNorm
    "record_every": 10,              # also store the loss curve every this many steps
}

# what the search developer uses (nasbook.rmi.search_signal)
SIGNAL_PROFILES = {
    # seconds on 2 cores: a tiny candidate, few steps, the pretrained ResNet-20 as it is
    "smoke": {**PAPER, "C": 4, "N": 1, "steps": 10, "batch_size": 16, "gamma": 4},
    # minutes on 2 cores: a small candidate; teacher = pretrained ResNet-20 fine-tuned for one
    # epoch on 10k images of the JPEG CIFAR-10 used here (see nasbook.teacher)
    "cpu": {**PAPER, "C": 8, "N": 1, "steps": 100,
            "teacher": {"model": "resnet20", "init": "pretrained", "epochs": 1, "lr": 0.01,
                        "limit": 10000, "seed": 0}},
    # the paper's settings; teacher = pretrained ResNet-20 fine-tuned for 5 epochs on the
    # full JPEG training set (the data here is a JPEG re-encoding of CIFAR-10)
    "paper": {**PAPER, "teacher": {"model": "resnet20", "init": "pretrained", "epochs": 5, "lr": 0.01,
                                   "limit": None, "seed": 0}},
}

_NOT_KEYED = ("group", "progress", "channels_last", "engine", "cuda_graph")  # how a score is computed, not what it is

# Options that key a score only when they differ from their default, so that every score stored
# before the option existed keeps its key. "precision": "fp32" (as the paper) or "bf16" (the
# candidate's forward under bfloat16 autocast; CKA and cross-entropy in fp32).
OPTIONS = {"precision": "fp32"}
PRECISIONS = ("fp32", "bf16")

# the training engine per device type when settings["engine"] is "auto" (see train_group;
# measured side by side in bench/rmi_speed.py)
ENGINES = {"cpu": "loop", "cuda": "batched"}

# What the stored scores are, beyond the settings: stage 3 taken after the head's BN + ReLU
# (before 2026-11-28 nasbook used the raw last-cell output; those scores are not reused).
REPRESENTATION = {"stage3": "lastact"}


def resolve(settings: dict | None) -> dict:
    """Complete `settings` with the paper's values and validate them."""
    if settings is not None and not isinstance(settings, dict):
        raise TypeError(f"RMI settings must be a dict of overrides (e.g. nasbook.rmi.SIGNAL_PROFILES['cpu']) "
                        f"or None for the paper's, got {settings!r}")
    s = dict(PAPER)
    if settings:
        unknown = set(settings) - set(PAPER) - set(_NOT_KEYED) - set(OPTIONS)
        if unknown:
            raise ValueError(f"unknown RMI setting(s) {sorted(unknown)}: expected keys among "
                             f"{sorted(PAPER) + list(_NOT_KEYED) + list(OPTIONS)} (see nasbook.rmi.PAPER)")
        s.update(settings)
    if not 0.0 <= float(s["beta"]) <= 1.0:
        raise ValueError(f"beta must lie in [0, 1], got {s['beta']}")
    for key in ("C", "N", "steps", "batch_size", "gamma", "record_every"):
        if int(s[key]) < 1:
            raise ValueError(f"setting {key!r} must be a positive integer, got {s[key]!r}")
    if s.get("precision", "fp32") not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {s['precision']!r}")
    if s.get("engine", "auto") not in ("auto", "loop", "batched"):
        raise ValueError(f"engine must be 'auto', 'loop' or 'batched', got {s['engine']!r}")
    if not isinstance(s.get("cuda_graph", False), bool):
        raise ValueError(f"cuda_graph must be True or False, got {s['cuda_graph']!r}")
    if int(s["batch_size"]) < 2:
        raise ValueError("batch_size must be at least 2 (CKA needs two images)")
    from .teacher import check
    check(s["teacher"])  # a spec that cannot be built fails here, before anything is stored
    return s


def store_config(settings: dict, seed: int) -> dict:
    """What keys a stored score: the settings (less how it is computed) and the seed."""
    keyed = {k: v for k, v in settings.items()
             if k not in _NOT_KEYED and not (k in OPTIONS and v == OPTIONS[k])}
    return {**keyed, **REPRESENTATION, "seed": int(seed)}


# ---------------------------------------------------------------------------- CKA

def _as_matrix(x, name: str) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.dim() < 2:
        raise ValueError(f"{name} must have one row per example (shape N x ...), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        x = x.float()
    return x.reshape(x.shape[0], -1)


def center_gram(gram: torch.Tensor) -> torch.Tensor:
    """H K H with H = I - 11^T/n (the biased HSIC estimator), for [..., n, n]."""
    return (gram - gram.mean(-1, keepdim=True) - gram.mean(-2, keepdim=True)
            + gram.mean((-2, -1), keepdim=True))


def gram_cka(gram_x: torch.Tensor, gram_y: torch.Tensor) -> torch.Tensor:
    """CKA of two Gram matrices [..., n, n]: <K~, L~>_F / (|K~|_F |L~|_F)."""
    k, l = center_gram(gram_x), center_gram(gram_y)
    return (k * l).sum((-2, -1)) / (torch.linalg.matrix_norm(k) * torch.linalg.matrix_norm(l))


def linear_cka(x, y) -> torch.Tensor:
    """Linear CKA between representations x (N x ...) and y (N x ...) of the same N examples.

    Each row is flattened (C*H*W). Differentiable; NaN when a representation is constant
    over the examples (its centred Gram matrix is zero), exactly like the official code.
    """
    x, y = _as_matrix(x, "x"), _as_matrix(y, "y")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must describe the same examples: got {x.shape[0]} and {y.shape[0]} rows")
    if x.shape[0] < 2:
        raise ValueError("CKA needs at least 2 examples")
    if x.dtype != y.dtype:
        x, y = x.to(torch.promote_types(x.dtype, y.dtype)), y.to(torch.promote_types(x.dtype, y.dtype))
    return gram_cka(x @ x.T, y @ y.T)


def rmi_loss(teacher_stages: Sequence[torch.Tensor], stages: Sequence[torch.Tensor]) -> torch.Tensor:
    """sum over stages of (1 - CKA(teacher stage, candidate stage))."""
    if len(teacher_stages) != len(stages):
        raise ValueError(f"teacher has {len(teacher_stages)} stages, candidate {len(stages)}")
    return sum(1.0 - linear_cka(t, s) for t, s in zip(teacher_stages, stages))


def mixed_loss(beta: float, rmi: torch.Tensor | None, ce: torch.Tensor | None) -> torch.Tensor:
    """beta * RMI + (1 - beta) * CE, leaving out a term whose weight is zero."""
    if beta == 0.0:
        return ce
    if beta == 1.0:
        return rmi
    return beta * rmi + (1.0 - beta) * ce


# ---------------------------------------------------------------------------- the batch

@dataclass
class Batch:
    """The one batch every candidate trains on, with the teacher's stage outputs."""
    x: torch.Tensor                    # candidate input, CIFAR-normalised [B, 3, 32, 32]
    y: torch.Tensor                    # labels [B]
    teacher_stages: list[torch.Tensor]  # detached teacher stage outputs on these images
    pool_index: torch.Tensor           # which pool images were kept
    pool_ce: torch.Tensor              # teacher cross-entropy of every pool image


def select_batch(teacher: torch.nn.Module, x: torch.Tensor, y: torch.Tensor,
                 batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(indices, ce): the `batch_size` pool images with the lowest teacher cross-entropy
    (sorted by it), and the cross-entropy of every pool image.

    The teacher is used in whatever mode it is in (eval, or train for the official
    BatchNorm behaviour).
    """
    if batch_size > len(x):
        raise ValueError(f"cannot keep {batch_size} images of a pool of {len(x)}")
    with torch.no_grad():
        ce = F.cross_entropy(teacher(x), y, reduction="none")
    return torch.argsort(ce, stable=True)[:batch_size], ce


def _renormalize(x: torch.Tensor, mean_from, std_from, mean_to, std_to) -> torch.Tensor:
    def col(v):
        return torch.as_tensor(v, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return (x * col(std_from) + col(mean_from) - col(mean_to)) / col(std_to)


def make_batch(teacher, settings: dict, seed: int, device=None) -> Batch:
    """Draw the pool (augmented training images, seeded), select, run the teacher."""
    from . import data  # noqa: WPS433 (imported late: nasbook.rmi is importable without data)

    device = device or config.device()
    pool = int(settings["gamma"]) * int(settings["batch_size"])
    loader = data.Loader("train", pool, train=True, device=device, seed=int(seed),
                         mean=data.CIFAR_MEAN, std=data.CIFAR_STD)
    x, y = next(iter(loader))
    x, y = x.to(device), y.to(device)
    x_teacher = _renormalize(x, data.CIFAR_MEAN, data.CIFAR_STD, teacher.mean, teacher.std)
    net = teacher.model.to(device)
    if settings["teacher_bn_train"]:
        net = copy.deepcopy(net).train()  # batch statistics, as the official code (running stats untouched)
    else:
        net.eval()
    index, ce = select_batch(net, x_teacher, y, int(settings["batch_size"]))
    with torch.no_grad():
        _, stages = net(x_teacher[index], return_stages=True)
    return Batch(x=x[index].contiguous(), y=y[index].contiguous(),
                 teacher_stages=[s.detach().reshape(len(index), -1) for s in stages],
                 pool_index=index.cpu(), pool_ce=ce.cpu())


# ---------------------------------------------------------------------------- candidates

def arch_seed(seed: int, arch: str) -> int:
    """Initial-weight seed of one candidate: depends on (seed, architecture) only."""
    digest = hashlib.sha256(f"{int(seed)}:{nb201.index_of(arch)}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def memory_format(settings: dict) -> torch.memory_format:
    return torch.channels_last if settings.get("channels_last", True) else torch.contiguous_format


def build_candidate(arch: str, settings: dict, seed: int, device=None) -> torch.nn.Module:
    from .spaces.nb201_network import build_network

    torch.manual_seed(arch_seed(seed, arch))
    net = build_network(arch, C=int(settings["C"]), N=int(settings["N"]), num_classes=10)
    return net.to(device or config.device(), memory_format=memory_format(settings)).train()


def record_steps(settings: dict) -> list[int]:
    steps, every = int(settings["steps"]), int(settings["record_every"])
    return sorted(set(range(every, steps + 1, every)) | {steps})


def train_group(archs: Sequence[str], batch: Batch, settings: dict, seed: int, device=None) -> list[dict]:
    """Train len(archs) fresh candidates together on `batch`; one result dict each.

    Result: score (mixed loss at the last step, NaN kept), rmi and ce at the last step,
    curve (mixed loss at record_steps), seconds (wall time of the group / len(archs)).
    settings["engine"]: "loop" (one network after the other in each step), "batched" (one
    StackedNB201, see nasbook.spaces.nb201_stacked) or "auto" (ENGINES[device type]).
    settings["cuda_graph"] (CUDA only): after GRAPH_WARMUP eager steps, capture one step
    (forward, backward, SGD) as a CUDA graph and replay it; the batch never changes, so the
    replayed steps are the eager ones without the kernel launches.
    """
    device = torch.device(device or config.device())
    start = time.perf_counter()
    engine = engine_of(settings, device)
    use_graph = bool(settings.get("cuda_graph", False))
    if use_graph and device.type != "cuda":
        raise ValueError(f"cuda_graph=True needs a CUDA device, got {device}; leave it False on a {device.type}")
    nets = [build_candidate(a, settings, seed, device) for a in archs]
    if engine == "batched":
        from .spaces.nb201_stacked import StackedNB201
        stacked = StackedNB201(nets).to(device, memory_format=memory_format(settings))
        del nets
        params = list(stacked.parameters())
        grams = [t @ t.T for t in batch.teacher_stages]
    else:
        params = [p for net in nets for p in net.parameters()]
    beta = float(settings["beta"])
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=settings.get("precision", "fp32") == "bf16",
                              cache_enabled=not use_graph)  # a graph cannot keep autocast's cast cache
    x = batch.x.contiguous(memory_format=memory_format(settings))
    opt = torch.optim.SGD(params, lr=float(settings["lr"]), momentum=float(settings["momentum"]),
                          weight_decay=float(settings["weight_decay"]), nesterov=bool(settings["nesterov"]))
    nan = torch.full((len(archs),), math.nan, device=device)

    def forward():
        """(mixed losses [K], rmi [K] or None, ce [K] or None, the losses that have a gradient)."""
        if engine == "batched":  # [K] losses of the stack
            with autocast:
                logits, stages = stacked(x)
            rmi = (sum(1.0 - gram_cka(_grams(stacked.per_candidate(s).float()), g) for s, g in zip(stages, grams))
                   if beta > 0 else None)
            ce = (F.cross_entropy(logits.float().permute(0, 2, 1), batch.y[:, None].expand(-1, len(archs)),
                                  reduction="none").mean(0) if beta < 1 else None)
            losses = mixed_loss(beta, rmi, ce)
            return losses, rmi, ce, [losses] if losses.requires_grad else []
        mixed, rmis, ces = [], [], []
        for net in nets:
            with autocast:
                logits, stages = net(x, return_stages=True)
            r = rmi_loss(batch.teacher_stages, [st.float() for st in stages]) if beta > 0 else None
            c = F.cross_entropy(logits.float(), batch.y) if beta < 1 else None
            mixed.append(mixed_loss(beta, r, c))
            rmis.append(r.detach() if r is not None else nan[0])
            ces.append(c.detach() if c is not None else nan[0])
        # A loss with no gradient (every cell output identically zero and beta = 1) leaves its net as it is.
        return torch.stack(mixed), torch.stack(rmis), torch.stack(ces), [m for m in mixed if m.requires_grad]

    def update(trainable):
        # independent networks: d(sum)/d(theta_k) = d(loss_k)/d(theta_k)
        if trainable:
            torch.cat([t.reshape(-1) for t in trainable]).sum().backward()
        opt.step()

    steps = int(settings["steps"])
    wanted = record_steps(settings)
    curve, last, graph = [], None, None
    with _side_stream(use_graph):  # CUDA graphs are warmed up and captured off the default stream
        for step in range(1, steps + 1):
            if graph is not None and step < steps:
                graph.replay()  # this step's forward and update; `captured` holds its losses
                losses = captured
            else:
                opt.zero_grad(set_to_none=True)
                losses, rmi, ce, trainable = forward()
            if step in wanted:
                curve.append(losses.detach().clone())
            if step == steps:
                last = (losses.detach(), nan if rmi is None else rmi.detach(), nan if ce is None else ce.detach())
                break  # the score is the loss of the last step; its update would change nothing scored
            if graph is None:
                update(trainable)
                if use_graph and step == GRAPH_WARMUP and step + 1 < steps:
                    opt.zero_grad(set_to_none=True)  # the graph allocates the gradients it writes
                    graph = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(graph):
                        captured, _, _, trainable = forward()
                        update(trainable)
    curve = torch.stack(curve).cpu().double().numpy()  # [len(wanted), K]
    score, rmi, ce = (t.cpu().double().numpy() for t in last)
    seconds = (time.perf_counter() - start) / len(archs)
    return [{"score": float(score[k]), "rmi": float(rmi[k]), "ce": float(ce[k]),
             "curve_steps": wanted, "curve": [float(v) for v in curve[:, k]], "seconds": seconds}
            for k in range(len(archs))]


# eager steps before a CUDA graph is captured (cuDNN's algorithm choice, SGD's momentum buffers)
GRAPH_WARMUP = 3


@contextlib.contextmanager
def _side_stream(enabled: bool):
    """Run the block on a fresh CUDA stream (as torch.cuda.graph's warm-up requires), then
    make the default stream wait for it."""
    if not enabled:
        yield
        return
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        yield
    torch.cuda.current_stream().wait_stream(side)


def _grams(x: torch.Tensor) -> torch.Tensor:
    """[K, B, F] -> the K Gram matrices [K, B, B]."""
    return x @ x.transpose(1, 2)


def engine_of(settings: dict, device) -> str:
    engine = settings.get("engine", "auto")
    if engine == "auto":
        return ENGINES.get(torch.device(device).type, "loop")
    return engine


def default_group(device=None) -> int:
    """Candidates trained together: 32 on a GPU (one StackedNB201 of 32 paper-size candidates
    needs about 10 GB), 1 on a CPU (the loop engine gains nothing from groups there)."""
    device = torch.device(device or config.device())
    return 32 if device.type == "cuda" else 1


# ---------------------------------------------------------------------------- cached scoring

class _Context:
    """Teacher and batch, built on first use only (so stored results need no teacher)."""

    def __init__(self, settings: dict, seed: int, root, device, progress: bool = True):
        self.settings, self.seed, self.root, self.device = settings, seed, root, device
        self.progress = progress
        self._batch = None

    @property
    def batch(self) -> Batch:
        if self._batch is None:
            from . import teacher as teachers
            t = teachers.load(self.settings["teacher"], root=self.root, device=self.device, progress=self.progress)
            self._batch = make_batch(t, self.settings, self.seed, self.device)
        return self._batch


class _Trainer:
    """chunk of architectures -> their results (train_group) for one (settings, seed): what an
    executor runs per chunk. Teacher and batch are built on first use; a copy unpickled in a Ray
    worker shares them with the other copies there that draw the same batch (the same teacher,
    pool and seed: every beta of a sweep)."""

    shared = False  # True in a copy unpickled in a worker (__setstate__)

    def __init__(self, settings: dict, seed: int, root, device, progress: bool = True):
        self.settings, self.seed, self.root, self.device = settings, int(seed), root, device
        self.progress = progress  # a teacher trained here shows its bar (never in a worker)
        self.ctx = None

    def __call__(self, chunk: list[str]) -> list[dict]:
        device = self.device or config.device()
        if self.ctx is None:
            key = (canonical({k: self.settings[k] for k in BATCH_KEYS}), self.seed, str(self.root), str(device))
            self.ctx = _WORKER_CONTEXTS.get(key) if self.shared else None
            if self.ctx is None:
                self.ctx = _Context(self.settings, self.seed, self.root, device, self.progress)
                if self.shared:
                    if len(_WORKER_CONTEXTS) >= 8:
                        _WORKER_CONTEXTS.clear()
                    _WORKER_CONTEXTS[key] = self.ctx
        return train_group(chunk, self.ctx.batch, self.settings, self.seed, device)

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if k != "ctx"}

    def __setstate__(self, state):
        vars(self).update(state, ctx=None, shared=True, progress=False)


_WORKER_CONTEXTS: dict = {}  # (batch settings, seed, root, device) -> _Context, in a Ray worker process
BATCH_KEYS = ("teacher", "gamma", "batch_size", "teacher_bn_train")  # the settings make_batch reads


def rmi_store(settings: dict, seed: int, root=None) -> ResultStore:
    return ResultStore("rmi_scores", store_config(settings, seed), root=root)


def _job(archs: Sequence[str], s: dict, seed: int, *, root, device, group, runner,
         progress: bool = True) -> executor.Job:
    """The executor Job of `archs` (nb201 strings) under resolved settings `s` and `seed`."""
    group = int(group or s.get("group") or default_group(runner.device(device)))
    store = rmi_store(s, seed, root)
    if runner is not executor.LOCAL and any(a not in store for a in archs) and not store.readonly:
        _prepare_teacher(s["teacher"], store.root, progress)
    trainer = _Trainer(s, seed, store.root, device, progress)  # no device: the one where it runs
    return executor.Job(store, archs, trainer, chunk=group, what=f"RMI seed {seed}",
                        label="RMI chunk of {n} architectures")


_PREPARED: set = set()  # teachers this process made sure are trained and stored


def _prepare_teacher(spec: dict, root, progress: bool = True) -> None:
    """Train (and store) a teacher here, once, before Ray tasks load it from the store: tasks
    never train one each."""
    from . import teacher as teachers
    key = (teachers.key(spec), str(root))
    if key not in _PREPARED:
        teachers.load(spec, root=root, progress=progress)
        _PREPARED.add(key)


def evaluate(archs: Sequence[str], settings: dict | None = None, seed: int = 0, *, root=None,
             device=None, group: int | None = None, progress: bool = True,
             stored_only: bool = False) -> list[dict | None]:
    """Stored RMI results (see train_group) of `archs`, computing only the missing ones, in
    chunks of `group` on the configured executor (nasbook.executor: here, or Ray tasks).
    stored_only: compute nothing, None for an architecture not stored (a run still in progress)."""
    s = resolve(settings)
    archs = [nb201.to_str(a) for a in archs]
    store = rmi_store(s, seed, root)
    if stored_only:
        return [store.get(a) if a in store else None for a in archs]
    runner = executor.current()
    runner.run([_job(archs, s, seed, root=root, device=device, group=group, runner=runner, progress=progress)],
               progress)
    return [store.get(a) for a in archs]


def job(archs: Sequence[str], settings: dict | None = None, seed: int = 0, *, root=None, device=None,
        group: int | None = None, progress: bool = True) -> executor.Job:
    """The executor Job that stores the RMI results of `archs` (what `evaluate` runs), for a
    caller that runs it beside other jobs on one executor (nasbook.executor)."""
    return _job([nb201.to_str(a) for a in archs], resolve(settings), seed, root=root, device=device, group=group,
                runner=executor.current(), progress=progress)


def evaluate_many(requests: Sequence[tuple], *, root=None, device=None, group: int | None = None,
                  progress: bool = True, stored_only: bool = False) -> list[list[dict | None]]:
    """`evaluate(archs, settings, seed)` of every (archs, settings, seed) in `requests`. With a
    distributed executor every missing chunk of every request is in flight at once (a sweep over
    betas and seeds fills a cluster); locally the requests run one after the other, as separate
    `evaluate` calls."""
    runner = executor.current()
    if runner is not executor.LOCAL and not stored_only:
        runner.run([job(archs, settings, seed, root=root, device=device, group=group, progress=progress)
                    for archs, settings, seed in requests], progress)
    return [evaluate(archs, settings, seed, root=root, device=device, group=group, progress=progress,
                     stored_only=stored_only) for archs, settings, seed in requests]


def scores(archs: Sequence[str], settings: dict | None = None, seed: int = 0, **kwargs) -> np.ndarray:
    """RMI scores (lower is better, NaN -> inf) of `archs`."""
    return np.array([nan_to_inf(r["score"]) for r in evaluate(archs, settings, seed, **kwargs)], dtype=float)


def search_signal(settings: dict | None = None, seed: int = 0, *, root=None, device=None,
                  group: int | None = None) -> Callable[[Sequence[str]], np.ndarray]:
    """A function archs -> RMI scores (lower is better, NaN -> inf), cached per
    (settings, seed, arch) in a ResultStore so that nothing is computed twice.

    settings: None (the paper's) or a dict of overrides (e.g. SIGNAL_PROFILES["cpu"]).
    """
    s = resolve(settings)

    def signal(archs: Sequence[str]) -> np.ndarray:
        return scores(archs, s, seed, root=root, device=device, group=group, progress=len(archs) > 1)

    signal.settings = s
    signal.seed = seed
    return signal
