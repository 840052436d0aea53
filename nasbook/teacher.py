"""Teachers for the RMI score: trained networks whose stage representations candidates imitate.

A teacher is described by a spec (a plain dict, part of every RMI configuration):

    {"model": "resnet20", "init": "pretrained", "epochs": 0}
        the pretrained ResNet-20 of data_dir()/teachers as it is (trained on the official
        PNG CIFAR-10; about 81% on the JPEG test images used here, see the data README)
    {"model": "resnet20", "init": "pretrained", "epochs": 1, "lr": 0.01, "limit": 10000, "seed": 0}
        the same, fine-tuned for `epochs` epochs on (a class-balanced `limit` subset of)
        the JPEG training set in use
    {"model": "resnet20", "init": "scratch", "epochs": 4, "lr": 0.1, "limit": 10000, "seed": 0}
        trained from a seeded random init
    {"model": "nb201", "arch": "|...|", "C": 16, "N": 5, "init": "scratch", "epochs": 4, ...}
        an NB201 network trained from scratch (supplement Fig. 1a)

Optional keys: "test_limit" (test images used to measure accuracy, default all 10,000),
"batch_size" (128). A training run is a sequence of one-epoch cosine cycles (lr -> 0 each
epoch, warm restarts), so the snapshot after every epoch is a teacher of its own and
teachers of graded accuracy come from ONE run: spec epochs=1, 2, 4, ... share the run
(everything but "epochs") and its checkpoints. Snapshots are checkpoint artifacts of the
store (written atomically, resumed from the latest one); measured test accuracies are store
items, so figures need no checkpoint.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from . import config
from .files import atomic_path
from .store import ResultStore

MODELS = ("resnet20", "resnet32", "resnet44", "resnet56", "nb201")
_RUN_KEYS = {"model", "init", "epochs", "lr", "limit", "seed", "arch", "C", "N", "test_limit", "batch_size"}


class TeacherError(ValueError):
    pass


@dataclass
class Teacher:
    model: torch.nn.Module   # forward(x, return_stages=True) -> (logits, [s1, s2, s3]); eval mode
    mean: tuple
    std: tuple
    spec: dict
    test_acc: float          # percent, measured on the CIFAR-10 test images in use


def check(spec: dict) -> dict:
    """Validate a teacher spec and fill in defaults."""
    if not isinstance(spec, dict):
        raise TeacherError(f"a teacher spec is a dict like {{'model': 'resnet20', 'init': 'pretrained', "
                           f"'epochs': 0}}, got {spec!r}")
    unknown = set(spec) - _RUN_KEYS
    if unknown:
        raise TeacherError(f"unknown teacher spec key(s) {sorted(unknown)}; expected among {sorted(_RUN_KEYS)}")
    s = {"init": "scratch", "epochs": 0, "lr": 0.1, "limit": None, "seed": 0, "test_limit": None,
         "batch_size": 128, **spec}
    if s.get("model") not in MODELS:
        raise TeacherError(f"teacher model must be one of {MODELS}, got {s.get('model')!r}")
    if s["init"] not in ("pretrained", "scratch"):
        raise TeacherError(f"teacher init must be 'pretrained' or 'scratch', got {s['init']!r}")
    if s["model"] == "nb201":
        if s["init"] != "scratch" or "arch" not in s:
            raise TeacherError("an nb201 teacher needs 'arch' (and optionally C, N) and init 'scratch'")
        from .spaces import nb201
        s["arch"] = nb201.to_str(s["arch"])
        s.setdefault("C", 16)
        s.setdefault("N", 5)
    if int(s["epochs"]) < 0 or (s["init"] == "scratch" and int(s["epochs"]) == 0):
        raise TeacherError(f"epochs must be >= 0 (>= 1 when training from scratch), got {s['epochs']}")
    return s


def _run(spec: dict) -> dict:
    """The training run a spec belongs to (all but the snapshot epoch)."""
    return {k: v for k, v in spec.items() if k != "epochs"}


def _normalisation(spec: dict):
    from . import data
    if spec["init"] == "pretrained":  # akamaster's checkpoints were trained with these
        return tuple(data.IMAGENET_MEAN), tuple(data.IMAGENET_STD)
    return tuple(data.CIFAR_MEAN), tuple(data.CIFAR_STD)


def _fresh(spec: dict) -> torch.nn.Module:
    torch.manual_seed(int(spec["seed"]))
    if spec["model"] == "nb201":
        from .spaces.nb201_network import build_network
        return build_network(spec["arch"], C=int(spec["C"]), N=int(spec["N"]), num_classes=10)
    from .models.resnet import load_pretrained, resnet
    depth = int(spec["model"].removeprefix("resnet"))
    if spec["init"] == "pretrained":
        return load_pretrained(depth)
    return resnet(depth)


def store_of(spec: dict, root=None) -> ResultStore:
    return ResultStore("rmi_teachers", _run(check(spec)), root=root)


def _checkpoint(store: ResultStore, epoch: int):
    return store.artifact(f"epoch{epoch:03d}.pt")


def _test_loader(spec: dict, device):
    from . import data
    mean, std = _normalisation(spec)
    return data.Loader("test", 500, train=False, device=device, limit=spec["test_limit"], mean=mean, std=std)


def _model_at(spec: dict, store: ResultStore, device, progress: bool) -> torch.nn.Module:
    """The network after spec['epochs'] epochs of its run, training (and saving) what is missing."""
    from . import data, train

    target = int(spec["epochs"])
    model = _fresh(spec)
    done = 0
    for epoch in range(target, 0, -1):  # resume from the latest saved snapshot
        path = _checkpoint(store, epoch)
        if path.exists():
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            done = epoch
            break
    model = model.to(device)
    mean, std = _normalisation(spec)
    for epoch in range(done + 1, target + 1):
        loader = data.Loader("train", int(spec["batch_size"]), train=True, device=device,
                             seed=int(spec["seed"]) * 1000 + epoch, limit=spec["limit"], mean=mean, std=std)
        train.train(model, loader, epochs=1, lr=float(spec["lr"]), device=device, progress=progress)
        with atomic_path(_checkpoint(store, epoch)) as tmp:
            torch.save(model.state_dict(), tmp)
    return model.eval()


def test_accuracy(spec: dict, root=None, device=None, progress: bool = True) -> float:
    """Measured test accuracy (percent) of a teacher; stored, so computed once."""
    spec = check(spec)
    store = store_of(spec, root)
    item = ("test_acc", int(spec["epochs"]))
    if item in store or store.readonly:
        return store.compute(item, lambda: None)
    return load(spec, root=root, device=device, progress=progress).test_acc


def load(spec: dict, root=None, device=None, progress: bool = True) -> Teacher:
    """The teacher of `spec` on `device` (eval mode), trained/fine-tuned on first use."""
    from . import train

    spec = check(spec)
    device = device or config.device()
    store = store_of(spec, root)
    model = _model_at(spec, store, device, progress)
    acc = store.compute(("test_acc", int(spec["epochs"])),
                        lambda: train.evaluate(model, _test_loader(spec, device))["acc"])
    mean, std = _normalisation(spec)
    return Teacher(model=model.eval(), mean=mean, std=std, spec=spec, test_acc=float(acc))


def key(spec: dict) -> str:
    """Canonical text of a (completed) spec: equal teachers, equal keys."""
    from .store import canonical
    return canonical(check(spec))


def snapshots(spec: dict, epochs) -> list[dict]:
    """Specs of the snapshots of one run after each of `epochs` epochs."""
    return [{**spec, "epochs": int(e)} for e in epochs]


def label(spec: dict) -> str:
    """Short human-readable name of a teacher."""
    spec = check(spec)
    if spec["model"] == "nb201":
        from .spaces import nb201
        name = f"NB201 #{nb201.index_of(spec['arch'])} (C={spec['C']}, N={spec['N']})"
    else:
        name = spec["model"].replace("resnet", "ResNet-")
    if spec["init"] == "pretrained":
        return name + (" pretrained" if spec["epochs"] == 0 else f" pretrained + {spec['epochs']} ep fine-tune")
    return name + f" {spec['epochs']} ep" + (f" on {spec['limit']} img" if spec["limit"] else "")
