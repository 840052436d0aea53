"""REINFORCE (Williams 1992) as NATS-Bench ``reinforce.py``.

A 6 x 5 table of logits (initialised 1e-3 * N(0, 1)), softmax per edge, one architecture
sampled per step; reward = the signal's fitness (the 12-epoch validation accuracy in
percent, or minus the RMI loss); baseline = bias-corrected exponential moving average of
the reward (momentum 0.9, updated with the reward before use, as in the official code);
loss = -log pi(a) (reward - baseline), Adam with lr 0.01 (the official command line) and
torch's defaults (betas 0.9/0.999, eps 1e-8). The answer is the best architecture of the
trace. Written in numpy (the gradient of log softmax is onehot(a) - pi): a step costs
microseconds, which matters because repeated architectures are free and a converged
policy may need many steps to find its next new one.
"""
from __future__ import annotations

import math

import numpy as np

from ..spaces import nb201
from .signals import Signal


class EMA:
    """Bias-corrected exponential moving average (NATS-Bench ExponentialMovingAverage)."""

    def __init__(self, momentum: float):
        self.momentum, self.num, self.den = momentum, 0.0, 0.0

    def update(self, value: float) -> None:
        self.num = self.momentum * self.num + (1 - self.momentum) * value
        self.den = self.momentum * self.den + (1 - self.momentum)

    def value(self) -> float:
        return self.num / self.den


class Adam:
    """torch.optim.Adam (no weight decay, no amsgrad) for one numpy array."""

    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.lr, (self.b1, self.b2), self.eps, self.t, self.m, self.v = lr, betas, eps, 0, 0.0, 0.0

    def step(self, param: np.ndarray, grad: np.ndarray) -> None:
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * grad
        self.v = self.b2 * self.v + (1 - self.b2) * grad * grad
        m_hat = self.m / (1 - self.b1 ** self.t)
        v_hat = self.v / (1 - self.b2 ** self.t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def search(sig: Signal, seed: int, lr: float = 0.01, ema_momentum: float = 0.9,
           max_steps_per_query: int = 50) -> tuple[int, list[dict]]:
    rng = np.random.default_rng(seed)
    logits = 1e-3 * rng.standard_normal((nb201.NUM_EDGES, nb201.NUM_OPS))
    opt, baseline = Adam(lr), EMA(ema_momentum)
    eye = np.eye(nb201.NUM_OPS)
    steps, max_steps = 0, max_steps_per_query * sig.budget
    while not sig.exhausted and steps < max_steps:
        probs = softmax(logits)
        action = (probs.cumsum(axis=1) > rng.random((nb201.NUM_EDGES, 1))).argmax(axis=1)
        reward = sig.one(tuple(action.tolist()))
        steps += 1
        if not math.isfinite(reward):  # a diverged RMI loss: no gradient from it
            continue
        baseline.update(reward)
        advantage = reward - baseline.value()
        grad = -advantage * (eye[action] - probs)  # d/dlogits of -log pi(a) * advantage
        opt.step(logits, grad)
    trace = [{"queries": n + 1, "best_fitness": b} for n, b in enumerate(sig.best_so_far())]
    trace.append({"steps": steps})
    return sig.best(), trace
