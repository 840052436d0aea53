"""GP-NAS (Li et al., CVPR 2020) on the NB201 cell, with numpy/scipy.

Model (Sec. 3.1): the performance x(s) of an architecture with one-hot encoding s (30-dim:
6 edges x 5 ops) is a Gaussian process with

  mean   m(s) = w^T s                                            (Eq. 5)
  kernel k(s, u) = sum_i sigma_i^2 exp(-||l_i * (s - u)||^2)     (Eq. 7)

where the mask l_i selects the coordinates of the i-th group of operations (Eq. 8).
NB201 has one kind of choice (the op of an edge), so the groups are the op types: group i
holds the 6 coordinates "edge e uses op i" ("op", h = 5; the paper's groups are op types
such as kernel sizes). ``groups="edge"`` (one group per edge) is the alternative.

Estimation (Algorithm 1, "AEA"), one round per batch of new samples:
  - sigma_i by maximum likelihood of N(x | Phi w, K(s, s)) with w at its current mean (Eq. 21);
  - the posterior mean and covariance of w from the new batch, the previous posterior
    being the prior (Theorems 1 and 2);
  - the expected MSE of the predictions (Theorem 3).
Sampling: the next architectures maximise the mutual information of Eq. 12. For a sampled
set s, I(x(s); x) = 1/2 log |K(s,s) + nu I| / |nu I| (the determinant ratio of Eq. 12 with
a vanishing observation noise nu); adding a to s raises it by 1/2 log(1 + k(a|s)/nu), so
the greedy choice is the architecture with the largest posterior variance k(a|s) (Eq. 11).
A batch is chosen greedily, conditioning on the picks already made (the variance does not
depend on the unobserved values). GP-NAS-rdm samples uniformly instead.

Prediction: the GP posterior mean (Eq. 10) with m = Phi mu_w; Eq. 22 (the linear mean alone)
is `predict_linear`.

Note on Theorem 1: as printed, Eq. 23 reads mu + Phi^T Sigma (K + Phi^T Sigma Phi)^-1 (...),
whose shapes do not match (Phi is n x d); setting Eq. 27 to zero gives
mu + Sigma Phi^T (K + Phi Sigma Phi^T)^-1 (x - Phi mu), which is what is implemented.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from ..spaces import nb201
from .signals import Signal

JITTER = 1e-6  # relative nugget: K = sum_i sigma_i^2 (E_i + JITTER I) stays positive definite


def onehots() -> np.ndarray:
    """15,625 x 30 one-hot encodings in official index order."""
    return np.eye(nb201.NUM_OPS)[nb201.ops_matrix()].reshape(nb201.NUM_ARCHS, -1)


def group_masks(groups: str = "op") -> np.ndarray:
    """h x 30 boolean masks l_i of Eq. 8."""
    cols = np.arange(nb201.NUM_EDGES * nb201.NUM_OPS)
    if groups == "op":
        return np.stack([cols % nb201.NUM_OPS == o for o in range(nb201.NUM_OPS)])
    if groups == "edge":
        return np.stack([cols // nb201.NUM_OPS == e for e in range(nb201.NUM_EDGES)])
    raise ValueError(f"unknown kernel groups {groups!r}: expected 'op' (one group per op type) or 'edge'")


def group_exp(A: np.ndarray, B: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """h x nA x nB tensor exp(-||l_i * (a - b)||^2) for encodings A (nA x d), B (nB x d)."""
    out = np.empty((len(masks), len(A), len(B)))
    for g, m in enumerate(masks):
        a, b = A[:, m], B[:, m]
        sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
        out[g] = np.exp(-np.maximum(sq, 0.0))
    return out


def kernel(A: np.ndarray, B: np.ndarray, sigma: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Eq. 7: K[a, b] = sum_i sigma_i^2 exp(-||l_i (a - b)||^2)."""
    return np.tensordot(np.asarray(sigma) ** 2, group_exp(A, B, masks), axes=1)


def posterior_w(Phi, K, x, mu, Sigma) -> tuple[np.ndarray, np.ndarray]:
    """Theorems 1 and 2: posterior mean and covariance of w given x = Phi w + e, e ~ N(0, K)."""
    G = K + Phi @ Sigma @ Phi.T
    c = cho_factor(G)
    gain = Sigma @ Phi.T                                  # d x n
    mu_hat = mu + gain @ cho_solve(c, x - Phi @ mu)       # Eq. 23 (shapes corrected)
    Sigma_hat = Sigma - gain @ cho_solve(c, gain.T)        # = (Phi^T K^-1 Phi + Sigma^-1)^-1 (Eq. 29, Woodbury)
    return mu_hat, (Sigma_hat + Sigma_hat.T) / 2


def neg_log_lik(theta: np.ndarray, E: np.ndarray, r: np.ndarray) -> tuple[float, np.ndarray]:
    """-log N(r | 0, K(theta)) and its gradient in theta = log sigma (Eq. 21)."""
    n = len(r)
    s2 = np.exp(2 * theta)
    Ej = E + JITTER * np.eye(n)[None]
    K = np.tensordot(s2, Ej, axes=1)
    c = cho_factor(K)
    alpha = cho_solve(c, r)
    logdet = 2 * np.log(np.diag(c[0])).sum()
    nll = 0.5 * r @ alpha + 0.5 * logdet + 0.5 * n * np.log(2 * np.pi)
    Kinv = cho_solve(c, np.eye(n))
    W = Kinv - np.outer(alpha, alpha)
    grad = np.array([s2[g] * np.sum(W * Ej[g]) for g in range(len(s2))])  # 1/2 tr(W dK) with dK = 2 s2 E
    return float(nll), grad


class GPNAS:
    """The GP-NAS model; `observe` runs one round of Algorithm 1 on a new batch."""

    def __init__(self, groups: str = "op", prior_scale: float = 5.0, recursive: bool = True):
        self.masks = group_masks(groups)
        self.prior_scale, self.recursive = float(prior_scale), recursive
        self.S = np.zeros((0, nb201.NUM_EDGES * nb201.NUM_OPS))  # encodings of the sampled set
        self.x = np.zeros(0)
        self.sigma = self.mu_w = self.Sigma_w = None
        self.mu0 = self.Sigma0 = None
        self._chol = self._Q = None
        self.space = onehots()                 # every architecture, for predictions and sampling
        self._E_space = np.zeros((len(self.masks), 0, len(self.space)), np.float32)  # grows with S

    # --- Algorithm 1 ------------------------------------------------------------------
    def observe(self, S_new: np.ndarray, x_new: np.ndarray) -> None:
        S_new, x_new = np.atleast_2d(np.asarray(S_new, float)), np.asarray(x_new, float).reshape(-1)
        if self.mu_w is None:  # prior: the mean of the first batch spread over the 6 edges, +- prior_scale
            d = S_new.shape[1]
            self.mu0 = np.full(d, x_new.mean() / nb201.NUM_EDGES)
            self.Sigma0 = self.prior_scale ** 2 * np.eye(d)
            self.mu_w, self.Sigma_w = self.mu0.copy(), self.Sigma0.copy()
            self.sigma = np.full(len(self.masks), max(x_new.std(), 1e-3) / np.sqrt(len(self.masks)))
        self.S, self.x = np.vstack([self.S, S_new]), np.concatenate([self.x, x_new])
        self.sigma = self.fit_sigma(self.S, self.x, self.mu_w, self.sigma)
        if self.recursive:  # the previous posterior is the prior; only the new batch enters (Alg. 1)
            K = kernel(S_new, S_new, self.sigma, self.masks) + JITTER * np.sum(self.sigma ** 2) * np.eye(len(x_new))
            self.mu_w, self.Sigma_w = posterior_w(S_new, K, x_new, self.mu_w, self.Sigma_w)
        else:  # all samples at once from the initial prior
            self.mu_w, self.Sigma_w = posterior_w(self.S, self.K_SS(), self.x, self.mu0, self.Sigma0)
        self._chol = None
        self._Q = None

    def _cross(self, U: np.ndarray) -> np.ndarray:
        """K(s, U); for U = the whole space the per-group factors of old samples are kept."""
        if U is not self.space:
            return kernel(self.S, U, self.sigma, self.masks)
        n_old = self._E_space.shape[1]
        if n_old < len(self.S):
            new = group_exp(self.S[n_old:], self.space, self.masks).astype(np.float32)
            self._E_space = np.concatenate([self._E_space, new], axis=1)
        return np.tensordot((self.sigma ** 2).astype(np.float32), self._E_space, axes=1).astype(np.float64)

    def _Q_of(self, U: np.ndarray) -> np.ndarray:
        """L^-1 K(s, U) (L the Cholesky factor of K(s, s)); cached for the whole space."""
        if U is self.space and self._Q is not None:
            return self._Q
        L, _ = self._factor()
        Q = solve_triangular(L, self._cross(U), lower=True)
        if U is self.space:
            self._Q = Q
        return Q

    def fit_sigma(self, S, x, w, init) -> np.ndarray:
        """Eq. 21: sigma maximising N(x | S w, K_sigma(S, S)), w frozen."""
        r = x - S @ w
        E = group_exp(S, S, self.masks)
        scale = max(r.std(), 1e-3)
        bounds = [(np.log(scale * 1e-3), np.log(scale * 1e2))] * len(self.masks)
        theta0 = np.clip(np.log(init), *bounds[0])
        res = minimize(neg_log_lik, theta0, args=(E, r), jac=True, method="L-BFGS-B", bounds=bounds)
        return np.exp(res.x)

    # --- posterior --------------------------------------------------------------------
    def K_SS(self) -> np.ndarray:
        return kernel(self.S, self.S, self.sigma, self.masks) + JITTER * np.sum(self.sigma ** 2) * np.eye(len(self.x))

    def _factor(self):
        if self._chol is None:
            L = np.linalg.cholesky(self.K_SS())
            self._chol = (L, solve_triangular(L, self.x - self.S @ self.mu_w, lower=True))
        return self._chol

    def predict(self, U: np.ndarray | None = None) -> np.ndarray:
        """Eq. 10: m(U) + K(U, s) K(s, s)^-1 (x(s) - m(s)), m = Phi mu_w (U: default all archs)."""
        U = self.space if U is None else U
        _, z = self._factor()
        return U @ self.mu_w + self._Q_of(U).T @ z

    def predict_linear(self, U: np.ndarray) -> np.ndarray:
        """Eq. 22: Phi(U) mu_w."""
        return U @ self.mu_w

    def posterior_var(self, U: np.ndarray | None = None) -> np.ndarray:
        """Diagonal of Eq. 11: k(u, u) - K(u, s) K(s, s)^-1 K(s, u)."""
        U = self.space if U is None else U
        return np.sum(self.sigma ** 2) - (self._Q_of(U) ** 2).sum(0)

    def expected_mse(self, U: np.ndarray) -> np.ndarray:
        """Diagonal of Theorem 3 (Eq. 35): Phi Sigma_w Phi^T + K."""
        return np.einsum("ij,jk,ik->i", U, self.Sigma_w, U) + np.sum(self.sigma ** 2)

    def select(self, U: np.ndarray | None, k: int, exclude: np.ndarray | None = None) -> list[int]:
        """Eq. 12, greedily: k rows of U (default all archs), each the largest posterior
        variance given the sampled set and the picks before it (rank-one downdates of Eq. 11)."""
        U = self.space if U is None else U
        Q = self._Q_of(U)  # n x N
        var = np.sum(self.sigma ** 2) * (1 + JITTER) - (Q ** 2).sum(0)
        blocked = np.zeros(len(U), bool) if exclude is None else exclude.copy()
        rows, picks = [], []
        for _ in range(k):
            v = np.where(blocked, -np.inf, var)
            a = int(np.argmax(v))
            c = kernel(U, U[a:a + 1], self.sigma, self.masks)[:, 0] - Q.T @ Q[:, a]
            for r in rows:
                c -= r * r[a]
            r = c / np.sqrt(max(var[a], 1e-300))
            var = var - r ** 2
            rows.append(r)
            picks.append(a)
            blocked[a] = True
        return picks


def run_aea(sig: Signal, seed: int, sampler: str = "mi", n_init: int = 10, batch: int = 10,
            groups: str = "op", prior_scale: float = 5.0, recursive: bool = True, on_round=None) -> GPNAS:
    """Algorithm 1 until the signal's budget is spent; `on_round(model)` after every round.

    sampler "mi" = GP-NAS (Eq. 12), "random" = GP-NAS-rdm. The first batch is random.
    """
    if sampler not in ("mi", "random"):
        raise ValueError(f"unknown sampler {sampler!r}: expected 'mi' (GP-NAS) or 'random' (GP-NAS-rdm)")
    with threadpool_limits(limits=1):  # small matrices: threaded BLAS only adds contention (100x slower here)
        return _run_aea(sig, seed, sampler, n_init, batch, groups, prior_scale, recursive, on_round)


def _run_aea(sig, seed, sampler, n_init, batch, groups, prior_scale, recursive, on_round) -> GPNAS:
    rng = np.random.default_rng(seed)
    enc = onehots()
    model = GPNAS(groups=groups, prior_scale=prior_scale, recursive=recursive)
    seen = np.zeros(nb201.NUM_ARCHS, bool)
    first = True
    while not sig.exhausted:
        k = min(n_init if first else batch, sig.remaining)
        if first or sampler == "random":
            picks = rng.choice(np.flatnonzero(~seen), size=k, replace=False).tolist()
        else:
            picks = model.select(None, k, exclude=seen)
        fitness = sig(picks)
        finite = np.isfinite(fitness)
        if not finite.all():  # a diverged RMI loss: rank it with the worst finite value
            fitness = np.where(finite, fitness, np.min(fitness[finite]) if finite.any() else 0.0)
        seen[picks] = True
        model.observe(enc[picks], fitness)
        first = False
        if on_round is not None:
            on_round(model)
    return model


def search(sig: Signal, seed: int, sampler: str = "mi", **options) -> tuple[int, list[dict]]:
    """GP-NAS as a search: sample with Algorithm 1, answer the best predicted architecture."""
    trace = []
    model = run_aea(sig, seed, sampler=sampler, on_round=lambda m: trace.append(
        {"queries": len(m.x), "sigma": m.sigma.tolist()}), **options)
    with threadpool_limits(limits=1):
        pred = model.predict()
    return int(np.argmax(pred)), trace
