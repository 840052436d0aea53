"""Training-free (zero-cost) proxies of architecture quality, computed at initialisation.

Every proxy is one function ``name_score(net, x, y, **options) -> float`` of a network and one
mini-batch (images `x`, labels `y`; proxies that need no labels take ``y=None``), registered by
name in `PROXIES`. Higher is better for NASWOT and jacob_cov; the other scores keep the sign the
reference gives them (see each section). No proxy changes `net`: each one works on a deep copy
(weights, buffers, modes, gradients and hooks of `net` stay as they were), and a score is a
deterministic function of the network's weights and the batch.

`ProxyScorer(name, C=..., N=..., batch_size=..., seed=...)` scores NB201 architectures by their
official index, computed on demand and cached in a ResultStore; `NaswotProxy` is its NASWOT case.

Reference code for everything but NASWOT: the zero-cost-nas repository (Abdelfattah et al.,
"Zero-Cost Proxies for Lightweight NAS", ICLR 2021; SamsungLabs/zero-cost-nas,
``foresight/pruners/measures/*.py``, summed by ``foresight/pruners/predictive.py``). Conventions
nasbook shares with it:
- the copy is put in train mode, so BatchNorm uses batch statistics (the reference scores
  ``net.get_prunable_copy(bn)``, which its NB201 model returns in train mode);
- "layers" are the ``nn.Conv2d`` and ``nn.Linear`` modules, and only their ``weight`` counts:
  no biases, no BN parameters (``p_utils.get_layer_metric_array``). Layers that get no
  gradient count 0;
- a score is the sum over layers of the sum of the per-weight (or per-channel) values
  (``find_measures``' ``sum_arr``); nasbook adds the per-layer sums in float64;
- the loss is ``F.cross_entropy`` (mean over the batch), on one batch, ``split_data=1``.

Difference common to all proxies: the network. The reference scores its own NB201 model
(``foresight/models/nasbench2.py``), whose cells use BN without affine parameters and convs with
a bias; nasbook scores the official network (`spaces.nb201_network`: affine BN, no conv bias).
At initialisation, in train mode, the two compute the same function (gamma = 1 and beta = 0,
and a conv bias in front of a train-mode BN cancels), so every proxy that only reads weight
gradients or ReLU codes agrees (snip, grad_norm, grasp, jacob_cov, NASWOT). Two do not:
synflow, where BN is removed and the reference's cell-conv biases add to the flow, and fisher,
whose activation is the conv output *with* its bias (``fisher.py`` hooks the conv's output):
a train-mode BN makes the gradient at that output sum to zero per channel over the batch, not
per image, so the bias adds b * (sum over positions of the gradient) to each image's term and
the reference's fisher differs from nasbook's for every architecture with a cell conv. nasbook
keeps the official NB201 network (the one whose accuracies the table holds; NB201's own
ReLUConvBN has no bias with affine BN) rather than the reference's variant. The reference also
evaluates "none" edges as ``x * 0`` and edges that cannot reach the cell output; nasbook skips
both. Their gradients are exactly 0 in the reference, so no gradient proxy changes; FLOPs does
(below), and NASWOT's kernel does (below). Checked once (not in the tests, which compare with
values computed independently in numpy): the reference's measure functions, run on nasbook's
NB201 network (two architectures at C=4, N=1 and C=8, N=2, 16 CIFAR-10 images), give the same
synflow and jacob_cov and the same snip, grad_norm, grasp and fisher up to the reference's
float32 summation (relative differences below 1e-6). That check fed both sides nasbook's network,
so it covers the measures, not the model difference above.

Data and initialisation: every architecture is scored on the same fixed batch (`proxy_data`:
seeded, un-augmented search-train images with the xautodl mean/std) from the same seed
(`ProxyScorer` re-seeds before building each network). The reference draws a new shuffled,
augmented batch from the 50k training set for every architecture and seeds once per run, so
its initial weights differ per architecture too. Fixing both removes that per-architecture
sampling noise from the comparison; it does not favour any architecture.

NASWOT (Mellor et al., "Neural Architecture Search without Training", ICML 2021): push one
mini-batch through the freshly initialised network, record for every ReLU the binary code
of which units are active for each image, and score the architecture by

    log |det K|,   K[i, j] = sum over ReLUs of (units where images i and j agree)
                           = N_A - Hamming(c_i, c_j)

(the official code: ``K += x @ x.T + (1 - x) @ (1 - x).T`` per ReLU, then ``slogdet``).
Higher is better. An architecture whose images all map to the same code (e.g. a cell of
"none" edges) has a singular K and scores -inf; we return a large negative number instead
so that rankings stay total.
Differences from the official NASWOT code, on purpose:
- default network C=16, N=5 (the NB201 size) but one batch of 64 images (official: 128) to
  keep a CPU run cheap; `NaswotProxy(C=..., N=..., batch_size=...)` changes it;
- the nasbook network skips edges whose output cannot reach the cell output, so the ReLUs
  of such dead-end ops (which do compute in the official network) do not contribute to K;
- the score is taken on a copy of the network (the official code runs the network itself and
  leaves it in train mode with updated BN statistics); the value is the same.

synflow (Tanaka et al., "Pruning neural networks without any data by iteratively conserving
synaptic flow", NeurIPS 2020; reference ``synflow.py``, registered there as "synflow" with
``bn=False``): every parameter and buffer is replaced by its absolute value, the network is
converted to float64, BN is removed, and one all-ones image (the shape of one image of `x`) is
pushed through. With R = sum of the outputs,

    synflow = sum over conv/linear weights of |theta * dR/dtheta|.

`x` only gives the image shape; `y` is unused. Differences: the generic reference
(``predictive.copynet``) removes every BN, and so does ``bn=False`` (the default); the
reference's own NB201 model, rebuilt with ``use_bn=False``, keeps the BNs of the two reduction
blocks (``reduction`` builds its ReLUConvBN without passing ``use_bn``), in train mode on the
single image: ``keep_bn=("reductions",)`` reproduces that on nasbook's network (BN modules whose
name starts with a listed prefix stay). ``bn=True`` keeps every BN (the reference's
"synflow_bn"). Not reproduced: the reference's cell-conv biases (see above).

snip (Lee et al., "SNIP: Single-shot network pruning based on connection sensitivity",
ICLR 2019; reference ``snip.py``): ``sum |dL/dw * w|`` over conv/linear weights. The reference
multiplies each weight by a mask of ones and takes ``|dL/dmask|``, which is the same number.

grad_norm (reference ``grad_norm.py``): the sum over conv/linear layers of the Euclidean norm of
that layer's weight gradient, ``sum_l ||dL/dW_l||_2`` (not the norm of the whole gradient).

grasp (Wang et al., "Picking winning tickets before training by preserving gradient flow",
ICLR 2020; reference ``grasp.py``): with g = dL/dw and H the Hessian of L over all conv/linear
weights together, ``grasp = sum of -w * (H g)``. H g is the gradient of ``z = sum(stop_grad(g) * g)``
(double backward), as in the reference. Temperature ``T`` divides the logits (reference: T=1).
Difference: the reference runs two forward passes (g without a graph, then the graph of g);
nasbook uses one, which gives the same g and the same H g (the batch and the train-mode BN
statistics are the same in both passes).

fisher (Theis et al. 2018, "Faster gaze prediction with dense networks and Fisher pruning";
Turner et al., "BlockSwap", ICLR 2020; reference ``fisher.py``): for every conv/linear layer and
output channel k, with a = the layer's output (activation) and its gradient dL/da,

    Delta_k = 1/2 * mean over images n of ( sum over positions of a * dL/da )^2.

Which activations: exactly those of the reference, the output of every ``nn.Conv2d`` and
``nn.Linear`` (it routes each one through an Identity with a backward hook). In nasbook's NB201
network these are the stem conv, the conv inside every ReLU-conv-BN op (before its BN), the
convs of the reduction blocks (conv_a, conv_b and the 1x1 shortcut) and the classifier's logits.
The summed score: the reference broadcasts each channel's Delta_k to every weight of that
channel before ``sum_arr``, so its number is ``sum_l sum_k |Delta_k| * fan_in_l`` (fan_in =
C_in/groups * kh * kw, or in_features); ``fan_in=True`` (default) gives that number,
``fan_in=False`` the plain ``sum_l sum_k Delta_k`` of the papers.

jacob_cov (Mellor et al. 2020, arXiv v1 of "Neural Architecture Search without Training";
reference ``jacob_cov.py``): J = the Jacobian of the sum of the outputs with respect to the input
images (one row per image, train-mode BN as in the reference), C = corrcoef(J) (rows), and with
eigenvalues v of C and k = 1e-5,

    jacob_cov = -sum over eigenvalues of ( log(v + k) + 1 / (v + k) ).

Differences: eigenvalues by ``np.linalg.eigvalsh`` (C is symmetric: the same eigenvalues, always
real) instead of ``np.linalg.eig``; where C is not finite (an image whose Jacobian is constant,
e.g. a network whose output does not depend on the input) or the score is not finite, the
reference returns NaN and nasbook returns `NEG_SCORE`, as for NASWOT, so that rankings stay
total.

params: the number of parameters of the network (every parameter tensor, as the official NB201
benchmark counts them; for the NB201 network it equals the closed form
`spaces.nb201_network.param_count`, tested).

flops: multiply-accumulates (MACs) of one image of the shape of ``x[0]`` (default 3x32x32), of
the ``nn.Conv2d`` and ``nn.Linear`` modules that run in a forward pass, counted by forward
hooks: per layer, (output elements per image) * (weights per output element), i.e.
``C_out * H_out * W_out * C_in/groups * kh * kw`` for a conv and ``in * out`` for a linear
layer. BN, pooling, ReLU, additions and bias additions are not counted. The official NB201
FLOPs (xautodl ``utils/flop_benchmark.get_model_infos``, in millions) count the same conv/linear
products plus the bias additions (the classifier's, in NB201) and include dead-end ops, which
nasbook's network does not run; so for architectures without dead-end ops the official value is
(flops + num_classes) / 1e6.

Caching (`ProxyScorer`, `NaswotProxy`): scores live in a ResultStore ``proxy_<name>`` keyed by
the proxy's settings (network size, batch size, seed, images, the options given, the proxy's
`REVISIONS` entry) and the official architecture index; only missing scores are computed.
The network is built after ``torch.manual_seed(seed)`` (the same recipe for every architecture),
and the batch is `proxy_data(batch_size, seed)`, so a score is a deterministic function of the
architecture and the settings.
"""
from __future__ import annotations

import copy
import inspect
import math
import time
from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import config, executor
from .spaces import nb201

NEG_SCORE = -1e9  # stands in for log(0) of a singular kernel
LAYERS = (nn.Conv2d, nn.Linear)  # the layers whose weights the gradient proxies score


# ------------------------------------------------------------------------------ helpers

def _working_copy(net: nn.Module, dtype: torch.dtype | None = None) -> nn.Module:
    """A deep copy of `net` in train mode, every parameter trainable and without gradients."""
    work = copy.deepcopy(net)
    if dtype is not None:
        work = work.to(dtype)
    work.train()
    for p in work.parameters():
        p.grad = None
        p.requires_grad_(True)
    return work


def _layers(net: nn.Module) -> list[nn.Module]:
    return [m for m in net.modules() if isinstance(m, LAYERS)]


def _layer_sum(net: nn.Module, metric: Callable[[nn.Module], torch.Tensor]) -> float:
    """sum over conv/linear layers with a weight gradient of metric(layer).sum() (others count 0)."""
    total = 0.0
    with torch.no_grad():
        for m in _layers(net):
            if m.weight.grad is not None:
                total += float(metric(m).sum())
    return total


def _identity(x):
    return x


# ------------------------------------------------------------------------------ proxies

def naswot_score(net: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None) -> float:
    """log |det K| of the ReLU activation-code kernel of `net` on batch `x` (train-mode BN)."""
    work = _working_copy(net)
    n = x.shape[0]
    K = torch.zeros(n, n, dtype=torch.float64, device=x.device)

    def hook(module, inputs, output):
        codes = (inputs[0].detach().reshape(n, -1) > 0).float()
        K.add_((codes @ codes.T + (1 - codes) @ (1 - codes).T).double())

    for m in work.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(hook)
    with torch.no_grad():
        work(x)
    sign, logdet = torch.linalg.slogdet(K)
    value = float(logdet)
    if sign <= 0 or not math.isfinite(value):
        return NEG_SCORE
    return value


def synflow_score(net: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None, *, bn: bool = False,
                  keep_bn: Iterable[str] = ()) -> float:
    """sum |theta * dR/dtheta| over conv/linear weights, R = sum of the outputs of the float64
    network with |parameters| on one all-ones image; BN removed unless `bn` (or its module name
    starts with a prefix in `keep_bn`)."""
    work = _working_copy(net, torch.float64)
    keep = tuple(keep_bn)
    with torch.no_grad():
        for t in work.state_dict().values():  # parameters and buffers, as the reference
            t.abs_()
    for name, m in work.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and not bn and \
                not any(name == k or name.startswith(k + ".") for k in keep):
            m.forward = _identity
    ones = torch.ones((1, *x.shape[1:]), dtype=torch.float64, device=x.device)
    with torch.enable_grad():
        work(ones).sum().backward()
    return _layer_sum(work, lambda m: (m.weight * m.weight.grad).abs())


def _loss_backward(work: nn.Module, x, y, loss_fn) -> None:
    with torch.enable_grad():
        loss_fn(work(x), y).backward()


def snip_score(net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, loss_fn=F.cross_entropy) -> float:
    """sum |dL/dw * w| over conv/linear weights."""
    work = _working_copy(net)
    _loss_backward(work, x, y, loss_fn)
    return _layer_sum(work, lambda m: (m.weight.grad * m.weight).abs())


def grad_norm_score(net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, loss_fn=F.cross_entropy) -> float:
    """sum over conv/linear layers of ||dL/dW||_2 (one norm per layer)."""
    work = _working_copy(net)
    _loss_backward(work, x, y, loss_fn)
    return _layer_sum(work, lambda m: m.weight.grad.norm())


def grasp_score(net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, loss_fn=F.cross_entropy,
                T: float = 1.0) -> float:
    """sum of -w * (H g) over conv/linear weights, g = dL/dw, H the Hessian of L (logits / T)."""
    work = _working_copy(net)
    weights = [m.weight for m in _layers(work)]
    with torch.enable_grad():
        loss = loss_fn(work(x) / T, y)
        g = torch.autograd.grad(loss, weights, create_graph=True, allow_unused=True)
        z = sum((gi.detach() * gi).sum() for gi in g if gi is not None)
        if not (torch.is_tensor(z) and z.requires_grad):  # no weight gets a gradient: H g = 0
            return 0.0
        hg = torch.autograd.grad(z, weights, allow_unused=True)
    return sum(float((-w.detach() * h).sum()) for w, h in zip(weights, hg) if h is not None)


def fisher_score(net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, loss_fn=F.cross_entropy,
                 fan_in: bool = True) -> float:
    """sum over conv/linear outputs and channels k of 1/2 mean_n (sum_positions a * dL/da)^2,
    each channel counted fan_in times (the reference's per-weight broadcast) unless fan_in=False."""
    work = _working_copy(net)
    calls: list[tuple[nn.Module, torch.Tensor]] = []
    for m in _layers(work):
        m.register_forward_hook(lambda mod, inputs, out: calls.append((mod, out)))
    with torch.enable_grad():
        loss = loss_fn(work(x), y)
        grads = torch.autograd.grad(loss, [a for _, a in calls], allow_unused=True) if calls else []
    per_channel: dict[nn.Module, torch.Tensor] = {}
    for (m, act), grad in zip(calls, grads):
        if grad is None:
            continue
        g_nk = act.detach() * grad
        if g_nk.dim() > 2:
            g_nk = g_nk.sum(dim=tuple(range(2, g_nk.dim())))
        delta = g_nk.pow(2).mean(0).mul(0.5)
        per_channel[m] = per_channel[m] + delta if m in per_channel else delta
    total = 0.0
    for m, delta in per_channel.items():
        weight = m.weight[0].numel() if fan_in else 1
        total += float(delta.abs().sum()) * weight
    return total


def jacob_cov_score(net: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None) -> float:
    """-sum(log(v + k) + 1/(v + k)), v the eigenvalues of corrcoef of the per-image input
    Jacobians of the summed outputs, k = 1e-5 (NEG_SCORE where that is not finite)."""
    work = _working_copy(net)
    xg = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        out = work(xg)
        (jac,) = torch.autograd.grad(out, xg, torch.ones_like(out), allow_unused=True)
    if jac is None:  # the output does not depend on the input (the reference: x * 0, a zero Jacobian)
        jac = torch.zeros_like(xg)
    jac = jac.reshape(len(x), -1).cpu().numpy()
    with np.errstate(all="ignore"):
        corr = np.corrcoef(jac)
        if not np.all(np.isfinite(corr)):
            return NEG_SCORE
        v = np.linalg.eigvalsh(corr)
        k = 1e-5
        score = float(-np.sum(np.log(v + k) + 1.0 / (v + k)))
    return score if math.isfinite(score) else NEG_SCORE


def params_score(net: nn.Module, x: torch.Tensor | None = None, y: torch.Tensor | None = None) -> float:
    """Number of parameters of `net` (every parameter tensor)."""
    return float(sum(p.numel() for p in net.parameters()))


def flops_score(net: nn.Module, x: torch.Tensor | None = None, y: torch.Tensor | None = None) -> float:
    """Multiply-accumulates of the conv/linear layers for one image of the shape of x[0]
    (default 3x32x32), counted by forward hooks on the layers that run."""
    work = copy.deepcopy(net).eval()
    macs = 0

    def hook(m, inputs, out):
        nonlocal macs
        macs += out[0].numel() * m.weight[0].numel()  # outputs per image * weights per output

    for m in _layers(work):
        m.register_forward_hook(hook)
    first = next(work.parameters())
    shape = (1, *x.shape[1:]) if x is not None else (1, 3, 32, 32)
    with torch.no_grad():
        work(torch.zeros(shape, dtype=first.dtype, device=first.device))
    return float(macs)


# name -> fn(net, x, y, **options) -> float
PROXIES: dict[str, Callable[..., float]] = {
    "naswot": naswot_score,
    "synflow": synflow_score,
    "snip": snip_score,
    "grad_norm": grad_norm_score,
    "grasp": grasp_score,
    "fisher": fisher_score,
    "jacob_cov": jacob_cov_score,
    "params": params_score,
    "flops": flops_score,
}
# A proxy whose computation changes gets an entry (or a new one) here: it is part of the proxy's
# store configuration, so scores of the old code stop being found. Proxies without an entry keep
# their keys (NASWOT's committed and cached scores depend on it).
REVISIONS: dict[str, str] = {}
NO_IMAGES = ("params", "flops")  # scored without loading images (flops only needs the shape)


# ------------------------------------------------------------------------------ data

def proxy_data(batch_size: int = 64, seed: int = 0, split: str = "search_train") -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed, seeded batch of real CIFAR-10 images (normalised float NCHW) and their labels."""
    from . import data as _data  # nasbook.data: cifar10(), normalize(), CIFAR_MEAN/STD
    x, y = _data.cifar10(split)
    idx = torch.as_tensor(np.sort(np.random.default_rng(seed).choice(len(x), size=batch_size, replace=False)))
    return _data.normalize(x[idx], _data.CIFAR_MEAN, _data.CIFAR_STD).float(), y[idx]


def proxy_batch(batch_size: int = 64, seed: int = 0, split: str = "search_train") -> torch.Tensor:
    """The images of `proxy_data` (the NASWOT batch)."""
    return proxy_data(batch_size, seed, split)[0]


# ------------------------------------------------------------------------------ cached scores

class ProxyScorer:
    """Proxy `name` of NB201 architectures, computed on demand and cached in a ResultStore.

    >>> s = ProxyScorer("synflow", C=16, N=5, batch_size=64, root=results_dir() / "cpu")
    >>> s(1234)            # float; computed once, then read back
    >>> s.many([1, 2, 3])  # list of floats
    >>> ProxyScorer("synflow", keep_bn=["reductions"])   # options go to the proxy function

    The store is ``proxy_<name>`` under `root`, keyed by (proxy, C, N, batch_size, seed, images)
    plus the options and the proxy's `REVISIONS` entry when there are any. `device` (default
    nasbook.config.device()) is where the network and the batch go; it does not key a score
    (the same maths; on a GPU only float rounding differs).
    """

    def __init__(self, name: str, *, C: int = 16, N: int = 5, batch_size: int = 64, seed: int = 0,
                 root=None, readonly: bool | None = None, threads: int | None = None, device=None, **options):
        from .store import ResultStore
        if name not in PROXIES:
            raise ValueError(f"unknown proxy {name!r}: expected one of {', '.join(PROXIES)}")
        self.fn = PROXIES[name]
        try:
            inspect.signature(self.fn).bind(None, None, None, **options)
        except TypeError:
            raise ValueError(f"proxy {name!r} takes no option(s) {', '.join(map(repr, options))}: "
                             f"see the signature of {self.fn.__name__}") from None
        self.name = name
        self.options = options
        self.config = dict(proxy=name, C=C, N=N, batch_size=batch_size, seed=seed, images="cifar10 search_train")
        if options:
            self.config["options"] = options
        if name in REVISIONS:
            self.config["revision"] = REVISIONS[name]
        self.store = ResultStore(f"proxy_{name}", self.config, root=root, readonly=readonly)
        self._xy = None
        self.threads = threads
        self.device = device
        self.computed = 0      # scores computed by this object (not read from the store)
        self.seconds = 0.0     # time spent computing them

    def _data(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self._xy is None:
            if self.name in NO_IMAGES:
                self._xy = (torch.zeros(1, 3, 32, 32), None)
            else:
                self._xy = proxy_data(self.config["batch_size"], self.config["seed"])
        return self._xy

    def _batch(self) -> torch.Tensor:
        return self._data()[0]

    def compute(self, index: int) -> float:
        """The score of `index` computed here, neither read from nor written to the store (the
        same batch, seed and network every stored score has; `seconds` adds the time of the
        network's build and score, not of the batch's one load)."""
        x, y = self._data()
        t0 = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config["seed"])  # the same initialisation recipe for every architecture
            net = nb201.build_network(nb201.arch_of(index), C=self.config["C"], N=self.config["N"])
            device = torch.device(self.device or config.device())
            net, x = net.to(device), x.to(device)
            y = y.to(device) if y is not None else None
            if self.threads:
                old = torch.get_num_threads()
                torch.set_num_threads(self.threads)
            try:
                score = self.fn(net, x, y, **self.options)
            finally:
                if self.threads:
                    torch.set_num_threads(old)
        self.computed += 1
        self.seconds += time.perf_counter() - t0
        return score

    def __call__(self, index: int) -> float:
        index = int(index)
        return float(self.store.compute(("arch", index), lambda: self.compute(index)))

    def many(self, indices: Iterable[int]) -> list[float]:
        """Scores of `indices`: missing ones computed here one by one, or, with a distributed
        executor (nasbook.executor), as its tasks first (`job`)."""
        indices = [int(i) for i in indices]
        if executor.distributed() and not self.store.readonly:
            executor.current().run([self.job(indices)], progress=False)
        return [self(i) for i in indices]

    def job(self, indices: Iterable[int], chunk: int | None = None) -> "executor.Job":
        """The executor Job that stores the scores of `indices` (for a caller that runs it beside
        other jobs, e.g. RMI's: nasbook.executor): `chunk` architectures per task, default 5 on a
        distributed executor (a task loads its batch once) and 1 here (a deadline stops between
        architectures)."""
        chunk = chunk or (5 if executor.distributed() else 1)
        return executor.Job(self.store, [("arch", int(i)) for i in indices], self._score_items, chunk=chunk,
                            what=f"{self.name} proxy", label="{n} architectures of the " + self.name + " proxy")

    def _score_items(self, chunk: list) -> list[float]:
        return [float(self.compute(int(item[1]))) for item in chunk]

    def __getstate__(self):  # a copy sent to a Ray task loads its own batch
        return {**vars(self), "_xy": None}

    @property
    def seconds_per_arch(self) -> float:
        return self.seconds / self.computed if self.computed else float("nan")

    def cached(self) -> dict[int, float]:
        """Every score in the store: {official index: score}."""
        return {int(r["item"][1]): float(r["value"]) for r in self.store.records()}


class NaswotProxy(ProxyScorer):
    """NASWOT score of NB201 architectures, computed on demand and cached in a ResultStore.

    >>> proxy = NaswotProxy(root=results_dir() / "cpu")
    >>> proxy(1234)            # float, higher is better; computed once, then read back
    >>> proxy.many([1, 2, 3])  # list of floats

    Its store configuration is the one it always had (store ``proxy_naswot``, keys proxy, C, N,
    batch_size, seed, images), so committed and cached scores are found.
    """

    name = "naswot"

    def __init__(self, *, C: int = 16, N: int = 5, batch_size: int = 64, seed: int = 0,
                 root=None, readonly: bool | None = None, threads: int | None = None):
        super().__init__("naswot", C=C, N=N, batch_size=batch_size, seed=seed, root=root, readonly=readonly,
                         threads=threads)


class TableProxy:
    """A cheap stand-in proxy for tests: any function of the official index, counted."""

    name = "table"

    def __init__(self, fn: Callable[[int], float]):
        self.fn = fn
        self.calls: list[int] = []

    def __call__(self, index: int) -> float:
        self.calls.append(int(index))
        return float(self.fn(int(index)))

    def many(self, indices):
        return [self(i) for i in indices]
