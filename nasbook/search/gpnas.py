"""GP-NAS (Li et al., CVPR 2020) on the NB201 cell, with numpy/scipy.

Model (Sec. 3.1): the performance x(s) of an architecture with one-hot encoding s (30-dim:
6 edges x 5 ops) is a Gaussian process with

  mean   m(s) = w^T s                                            (Eq. 5)
  kernel k(s, u) = sum_i sigma_i^2 exp(-||l_i * (s - u)||^2)     (Eq. 7)

where the mask l_i selects the coordinates of the i-th group of operations (Eq. 8).
NB201 has one kind of choice (the op of an edge), so the groups are the op types: group i
holds the 6 coordinates "edge e uses op i" ("op", h = 5; the paper's groups are op types
such as kernel sizes). ``groups="edge"`` (one group per edge) is the alternative.

Noise (nasbook's addition, ``noise=True``): the observations are x = m(s) + f(s) + e with
e ~ N(0, noise^2), i.e. K(s, s) gets noise^2 I; predictions are of the noise-free m + f.
The 12-epoch accuracies of NAS-Bench-201 are single noisy training runs, and Eq. 7 alone
cannot explain them: without the term the maximum likelihood blew one sigma_i up to its
upper bound (100x the residual sd), where the numerical nugget JITTER * sigma_i^2 became the
noise, and sent the groups that explain nothing to the lower bound; the expected RMSE then
reached hundreds. ``noise=False`` is Eq. 7 as printed.

Estimation (Algorithm 1, "AEA"): each batch of new samples starts a round that alternates,
until both change less than `tol` (at most `max_iters` times):
  - sigma given w: the maximum a posteriori (sigma, noise) of N(x | Phi w, K(s, s)) over all
    samples so far, w frozen at its current mean (Eq. 21, plus the prior below; L-BFGS-B);
  - w given sigma: the posterior mean and covariance of w (Theorems 1 and 2).
With ``recursive=False`` (default) the w-step conditions the initial prior on all samples;
then both steps maximise one objective, log N(x | Phi w, K) + log p(w) + log p(sigma), so
the alternation is coordinate ascent and cannot oscillate. ``recursive=True`` is Algorithm 1
read literally: the previous round's posterior is the prior and only the new batch enters
the w-step (exact only for a fixed sigma and independent batches; as sigma moves between
rounds the old batches stay weighted by old sigmas).

Priors (nasbook's choices; the paper states none):
  - w ~ N(mu0, Sigma0), mu0 = (mean of the first batch) / 6 on every coordinate, so that
    Phi mu0 (a sum over the 6 edges) is the data mean; Sigma0 = prior_scale^2 I with
    prior_scale = std(first batch) / sqrt(6) by default, so that Phi w has the data's spread.
  - a log-normal prior on each sigma_i and on the noise sd: log sigma_i ~ N(log c, 1) (sd
    one e-fold), c = std(x - Phi w) / sqrt(h) with w the mean entering the round, so that
    a priori sum_i sigma_i^2 is the residual variance; each is boxed in [1e-3 c, 1e2 c]. A
    group the data do not need is pulled back towards c instead of running to the box
    (the likelihood's slope vanishes as sigma_i -> 0, the prior's does not).
Expected error: Theorem 3 (Eq. 35) is the MSE of the linear prediction Phi w (Eq. 22) against
a measured value, diag(Phi Sigma_w Phi^T) + sum_i sigma_i^2 + noise^2 (`expected_mse`);
`predictive_mse` is that of the GP prediction (Eq. 10): its posterior variance with w's
uncertainty (universal kriging) plus noise^2.

Sampling: the next architectures maximise the mutual information of Eq. 12. For a sampled
set s, I(x(s); x) = 1/2 log |K(s,s) + nu I| / |nu I| (the determinant ratio of Eq. 12, nu the
noise variance `noise_var`); adding a to s raises it by 1/2 log(1 + k(a|s)/nu), so the
greedy choice is the architecture with the largest posterior variance k(a|s) (Eq. 11).
A batch is chosen greedily, conditioning on the picks already made (the variance does not
depend on the unobserved values). GP-NAS-rdm samples uniformly instead.

Prediction: the GP posterior mean (Eq. 10) with m = Phi mu_w; Eq. 22 (the linear mean alone)
is `predict_linear`. The search's answer (`search`): by default the last batch of the budget
goes to the top predicted unqueried architectures and the best *measured* architecture is
returned ("best_queried"); "argmax" returns the argmax of Eq. 10 over the whole space, which
may never have been evaluated.

Note on Theorem 1: as printed, Eq. 23 reads mu + Phi^T Sigma (K + Phi^T Sigma Phi)^-1 (...),
whose shapes do not match (Phi is n x d); setting Eq. 27 to zero gives
mu + Sigma Phi^T (K + Phi Sigma Phi^T)^-1 (x - Phi mu), which is what is implemented.

Reference implementation: Baidu's PaddleSlim, ``paddleslim/nas/gp_nas.py`` (class GPNAS, added
in PaddleSlim #723; read at commit 9f3e9b2), differs from the paper and from nasbook:
  - kernel: one fixed kernel on the whole encoding, 0.5 exp(-||a - b||^2 / 16) (c_flag=1)
    or exp(-||a - b|| / 12) (c_flag=2), no groups and no estimated sigma ("Auto kernel
    hyperparameters estimation to be updated"); nasbook keeps the paper's grouped kernel
    (Eq. 7) with estimated sigma_i, which is what AEA is about.
  - features: the raw encoding with a constant 1 appended (a bias term); nasbook's one-hot
    rows always sum to 6, so Phi w already has an intercept.
  - w: initial mean by ridge regression (1e-7) on a first data set, Sigma0 = 0.01 I; the
    posterior mean as (Phi^T K^-1 Phi + Sigma^-1)^-1 (Phi^T K^-1 x + Sigma^-1 mu) (m_flag=2,
    = Theorem 1) or a variant with K^-1 in place of K (m_flag=1); the posterior covariance
    (computed as (inv(Phi^T K Phi) + inv(Sigma))^-1, not Eq. 29) is stored apart and never
    becomes the next prior. nasbook uses a data-scaled Gaussian prior (above) and Eq. 29.
  - noise: none; a 1e-7 nugget only (nasbook: an estimated noise term, above).
  - prediction: Eq. 10 (`get_predict_jiont`), as nasbook; no sampling code (neither MI nor
    random) and no alternation, since no kernel parameter is estimated.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.optimize import minimize
from scipy.stats import kendalltau
from threadpoolctl import threadpool_limits

from ..spaces import nb201
from .signals import Signal

JITTER = 1e-6          # relative nugget: K = sum_i sigma_i^2 (E_i + JITTER I) stays positive definite
SIGMA_PRIOR_SD = 1.0   # sd of the log-normal prior on each sigma_i (nats)
SIGMA_BOX = (1e-3, 1e2)  # bounds on sigma_i, relative to the prior centre c
AEA_MAX_ITERS = 100    # alternations per round at most (small n needs ~30, n >= 100 about 5)
AEA_TOL = 1e-3         # stop when max |d log sigma| and max |d w| / residual std are below
HELDOUT_SIZE, HELDOUT_SEED = 2000, 20_200  # the fixed held-out sample of `heldout_indices`
ANSWERS = ("best_queried", "argmax")


def onehots() -> np.ndarray:
    """15,625 x 30 one-hot encodings in official index order."""
    return np.eye(nb201.NUM_OPS)[nb201.ops_matrix()].reshape(nb201.NUM_ARCHS, -1)


def indices_of(S: np.ndarray) -> np.ndarray:
    """Official indices of one-hot encodings (rows of `onehots()`)."""
    ops = np.asarray(S).reshape(len(S), nb201.NUM_EDGES, nb201.NUM_OPS).argmax(-1)
    return np.array([nb201.index_of(tuple(int(o) for o in row)) for row in ops], dtype=np.int64)


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
    """-log N(r | 0, K(theta)) and its gradient in theta = log sigma (Eq. 21), where
    K = sum_g sigma_g^2 (E[g] + JITTER I); E stacks the group terms (and I for the noise)."""
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


def neg_log_post(theta: np.ndarray, E: np.ndarray, r: np.ndarray, centre: float,
                 sd: float = SIGMA_PRIOR_SD) -> tuple[float, np.ndarray]:
    """`neg_log_lik` plus the log-normal prior: sum_i (theta_i - centre)^2 / (2 sd^2)."""
    nll, grad = neg_log_lik(theta, E, r)
    d = theta - centre
    return nll + 0.5 * float(d @ d) / sd ** 2, grad + d / sd ** 2


class GPNAS:
    """The GP-NAS model; `observe` runs one round of Algorithm 1 (AEA) on a new batch.

    `sigma` holds the group amplitudes sigma_i of Eq. 7 and `noise` the sd of the white
    noise term (0 with ``noise=False``). After a round, `sigma_centre` and `sigma_bounds()`
    are the prior centre and the box it used, and `aea` lists its alternations
    ({"d_log_sigma", "d_w"}: the largest change of log sigma (noise included) and of
    w / residual sd in that alternation).
    """

    def __init__(self, groups: str = "op", prior_scale: float | None = None, recursive: bool = False,
                 noise: bool = True, max_iters: int = AEA_MAX_ITERS, tol: float = AEA_TOL):
        self.masks = group_masks(groups)
        self.prior_scale = None if prior_scale is None else float(prior_scale)
        self.recursive, self.with_noise = bool(recursive), bool(noise)
        self.max_iters, self.tol = int(max_iters), float(tol)
        self.S = np.zeros((0, nb201.NUM_EDGES * nb201.NUM_OPS))  # encodings of the sampled set
        self.x = np.zeros(0)
        self.sigma = self.mu_w = self.Sigma_w = None
        self.noise = 0.0
        self.mu0 = self.Sigma0 = None
        self.sigma_centre, self.aea = None, []
        self._chol = self._Q = None
        self._E = np.zeros((len(self.masks), 0, 0))   # group terms of the sampled set, grown per round
        self.space = onehots()                 # every architecture, for predictions and sampling
        self._E_space = np.zeros((len(self.masks), 0, len(self.space)), np.float32)  # grows with S

    # --- Algorithm 1 ------------------------------------------------------------------
    def observe(self, S_new: np.ndarray, x_new: np.ndarray) -> None:
        S_new, x_new = np.atleast_2d(np.asarray(S_new, float)), np.asarray(x_new, float).reshape(-1)
        if len(S_new) != len(x_new) or S_new.shape[1] != self.S.shape[1]:
            raise ValueError(f"observe expects encodings n x {self.S.shape[1]} and n values; "
                             f"got {S_new.shape} and {x_new.shape}")
        h = len(self.masks)
        if self.mu0 is None:  # the prior of w, from the first batch (module docstring)
            d = S_new.shape[1]
            scale = self.prior_scale or max(x_new.std(), 1e-3) / np.sqrt(nb201.NUM_EDGES)
            self.mu0, self.Sigma0 = np.full(d, x_new.mean() / nb201.NUM_EDGES), scale ** 2 * np.eye(d)
            self.mu_w, self.Sigma_w = self.mu0.copy(), self.Sigma0.copy()
        mu_prev, Sigma_prev = self.mu_w, self.Sigma_w     # the prior of a recursive w-step
        self.S, self.x = np.vstack([self.S, S_new]), np.concatenate([self.x, x_new])
        self._grow_E()
        resid_sd = max(float(np.std(self.x - self.S @ mu_prev)), 1e-3)
        self.sigma_centre = resid_sd / np.sqrt(h)
        theta = (np.full(h + self.with_noise, np.log(self.sigma_centre)) if self.sigma is None
                 else self._theta())
        mu = self.mu_w
        self.aea = []
        for _ in range(self.max_iters):
            new_theta = self.fit_sigma(self.S, self.x, mu, np.exp(theta))
            self._set(new_theta)
            new_mu, new_Sigma = self._w_step(S_new, x_new, mu_prev, Sigma_prev)
            self.aea.append({"d_log_sigma": float(np.max(np.abs(new_theta - theta))),
                             "d_w": float(np.max(np.abs(new_mu - mu)) / resid_sd)})
            theta, mu, self.Sigma_w = new_theta, new_mu, new_Sigma
            if max(self.aea[-1].values()) < self.tol:
                break
        self.mu_w = mu
        self._chol = None
        self._Q = None

    def _theta(self) -> np.ndarray:
        """log of (sigma_1..h, noise sd), the vector the sigma-step optimises."""
        return np.log(np.append(self.sigma, self.noise) if self.with_noise else self.sigma)

    def _set(self, theta: np.ndarray) -> None:
        h = len(self.masks)
        self.sigma = np.exp(theta[:h])
        self.noise = float(np.exp(theta[h])) if self.with_noise else 0.0

    def _w_step(self, S_new, x_new, mu_prev, Sigma_prev):
        """Theorems 1-2 for the current sigma: all samples from the initial prior, or
        (recursive) the new batch from the previous posterior."""
        if self.recursive:
            K = kernel(S_new, S_new, self.sigma, self.masks) + self.noise_var() * np.eye(len(x_new))
            return posterior_w(S_new, K, x_new, mu_prev, Sigma_prev)
        K = np.tensordot(self.sigma ** 2, self._E, axes=1) + self.noise_var() * np.eye(len(self.x))
        return posterior_w(self.S, K, self.x, self.mu0, self.Sigma0)

    def _grow_E(self) -> None:
        """Group terms exp(-||l_i (s - s')||^2) of the sampled set (only the new rows computed)."""
        n_old, n = self._E.shape[1], len(self.S)
        E = np.empty((len(self.masks), n, n))
        E[:, :n_old, :n_old] = self._E
        E[:, n_old:, :] = group_exp(self.S[n_old:], self.S, self.masks)
        E[:, :n_old, n_old:] = E[:, n_old:, :n_old].transpose(0, 2, 1)
        self._E = E

    def noise_var(self) -> float:
        """The diagonal added to K(s, s): noise^2 plus the jitter (JITTER x each term's variance)."""
        return self.noise ** 2 * (1 + JITTER) + JITTER * float(np.sum(self.sigma ** 2))

    def sigma_bounds(self) -> tuple[float, float]:
        """The box on each sigma_i (and the noise sd) in the last round: SIGMA_BOX x the prior centre."""
        return SIGMA_BOX[0] * self.sigma_centre, SIGMA_BOX[1] * self.sigma_centre

    def fit_sigma(self, S, x, w, init) -> np.ndarray:
        """Eq. 21 with the log-normal prior: theta = log (sigma_1..h, noise sd) maximising
        N(x | S w, K_sigma(S, S) + noise^2 I) p(sigma) p(noise), w frozen (init: the start)."""
        E = self._E if S is self.S else group_exp(S, S, self.masks)
        if self.with_noise:  # the white-noise term is one more group with E = I
            E = np.concatenate([E, np.eye(len(S))[None]])
        bounds = [tuple(np.log(self.sigma_bounds()))] * len(E)
        theta0 = np.clip(np.log(init), *bounds[0])
        res = minimize(neg_log_post, theta0, args=(E, x - S @ w, np.log(self.sigma_centre)), jac=True,
                       method="L-BFGS-B", bounds=bounds)
        return res.x

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

    # --- posterior --------------------------------------------------------------------
    def K_SS(self) -> np.ndarray:
        """K(s, s) of the observations: Eq. 7 plus the noise (`noise_var`)."""
        return kernel(self.S, self.S, self.sigma, self.masks) + self.noise_var() * np.eye(len(self.x))

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

    def posterior_var(self, U: np.ndarray | None = None, with_w: bool = False) -> np.ndarray:
        """Diagonal of Eq. 11: k(u, u) - K(u, s) K(s, s)^-1 K(s, u); with_w adds the
        uncertainty of w, h^T Sigma_w h with h = Phi(u) - K(u, s) K(s, s)^-1 Phi(s)."""
        U = self.space if U is None else U
        Q = self._Q_of(U)
        var = np.sum(self.sigma ** 2) - (Q ** 2).sum(0)
        if with_w:
            L, _ = self._factor()
            H = U - Q.T @ solve_triangular(L, self.S, lower=True)
            var = var + np.einsum("ij,jk,ik->i", H, self.Sigma_w, H)
        return var

    def predictive_mse(self, U: np.ndarray) -> np.ndarray:
        """Expected squared error of Eq. 10 against a measured value: the posterior variance
        with w's uncertainty (`posterior_var(U, with_w=True)`) plus noise^2."""
        return self.posterior_var(U, with_w=True) + self.noise ** 2

    def expected_mse(self, U: np.ndarray) -> np.ndarray:
        """Diagonal of Theorem 3 (Eq. 35): Phi Sigma_w Phi^T + K, K with the noise (the MSE
        of Eq. 22 against a measured value)."""
        return np.einsum("ij,jk,ik->i", U, self.Sigma_w, U) + np.sum(self.sigma ** 2) + self.noise ** 2

    def queried(self) -> np.ndarray:
        """Official indices of the sampled set, in observation order."""
        return indices_of(self.S)

    def select(self, U: np.ndarray | None, k: int, exclude: np.ndarray | None = None) -> list[int]:
        """Eq. 12, greedily: k rows of U (default all archs), each the largest posterior
        variance given the sampled set and the picks before it (rank-one downdates of Eq. 11)."""
        U = self.space if U is None else U
        Q = self._Q_of(U)  # n x N
        var = np.sum(self.sigma ** 2) - (Q ** 2).sum(0)   # latent variance; an observation adds noise_var
        blocked = np.zeros(len(U), bool) if exclude is None else exclude.copy()
        rows, picks = [], []
        for _ in range(k):
            v = np.where(blocked, -np.inf, var)
            a = int(np.argmax(v))
            c = kernel(U, U[a:a + 1], self.sigma, self.masks)[:, 0] - Q.T @ Q[:, a]
            for r in rows:
                c -= r * r[a]
            r = c / np.sqrt(var[a] + self.noise_var())
            var = var - r ** 2
            rows.append(r)
            picks.append(a)
            blocked[a] = True
        return picks


# --- held-out quality -------------------------------------------------------------------

def heldout_indices(size: int = HELDOUT_SIZE, seed: int = HELDOUT_SEED) -> np.ndarray:
    """A fixed uniform sample of `size` architectures (sorted indices), kept out of sampling
    so that prediction quality is measured on architectures no search has seen."""
    if not 0 < int(size) < nb201.NUM_ARCHS:
        raise ValueError(f"held-out size must be an int in 1..{nb201.NUM_ARCHS - 1}, got {size!r}")
    return np.sort(np.random.default_rng(seed).choice(nb201.NUM_ARCHS, size=int(size), replace=False))


def heldout_quality(model: GPNAS, idx, values, linear: bool = False) -> dict:
    """Kendall tau and RMSE of the prediction (Eq. 10, or Eq. 22 if `linear`) against
    `values` (a full 15,625 column) on the architectures of `idx` that the model has NOT
    observed (queried ones are dropped); n = how many were used."""
    idx = np.asarray(idx, dtype=np.int64)
    values = np.asarray(values, float)
    if values.shape != (nb201.NUM_ARCHS,):
        raise ValueError(f"values must be a full NB201 column of {nb201.NUM_ARCHS} numbers, got shape {values.shape}")
    idx = idx[~np.isin(idx, model.queried())]
    if not len(idx):
        raise ValueError("no held-out architecture left: every index in idx was observed by the model")
    U = model.space[idx]
    with threadpool_limits(limits=1):
        pred = model.predict_linear(U) if linear else model.predict(U)
    true = values[idx]
    return {"n": int(len(idx)), "tau": float(kendalltau(pred, true).statistic),
            "rmse": float(np.sqrt(np.mean((pred - true) ** 2)))}


# --- the search -------------------------------------------------------------------------

def run_aea(sig: Signal, seed: int, sampler: str = "mi", n_init: int = 10, batch: int = 10, on_round=None,
            exclude=None, reserve: int = 0, **model_options) -> GPNAS:
    """Algorithm 1 until all but `reserve` of the signal's budget is spent; `on_round(model)`
    after every round. `exclude`: indices never sampled (e.g. a held-out set);
    `model_options` go to `GPNAS` (groups, prior_scale, recursive, noise, ...).

    sampler "mi" = GP-NAS (Eq. 12), "random" = GP-NAS-rdm. The first batch is random.
    """
    if sampler not in ("mi", "random"):
        raise ValueError(f"unknown sampler {sampler!r}: expected 'mi' (GP-NAS) or 'random' (GP-NAS-rdm)")
    model = GPNAS(**model_options)
    with threadpool_limits(limits=1):  # small matrices: threaded BLAS only adds contention (100x slower here)
        _run_aea(model, sig, seed, sampler, n_init, batch, on_round, exclude, reserve)
    return model


def _run_aea(model, sig, seed, sampler, n_init, batch, on_round, exclude, reserve) -> None:
    rng = np.random.default_rng(seed)
    enc = model.space
    seen = np.zeros(nb201.NUM_ARCHS, bool)    # queried or excluded
    if exclude is not None:
        seen[np.asarray(exclude, dtype=np.int64)] = True
    first = True
    while sig.remaining > reserve:
        k = min(n_init if first else batch, sig.remaining - reserve)
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


def search(sig: Signal, seed: int, sampler: str = "mi", answer: str = "best_queried",
           **options) -> tuple[int, list[dict]]:
    """GP-NAS as a search (`options` go to `run_aea`: n_init, batch, groups, ...).

    answer "best_queried" (default): Algorithm 1 spends the budget but its last batch
    (`batch` architectures, or what is left after the first random batch); that batch is the
    GP's top predicted (Eq. 10) unqueried architectures, and the answer is the best measured
    architecture among everything queried. "argmax": Algorithm 1 spends the whole budget
    and the answer is the argmax of Eq. 10 over all 15,625 (possibly never evaluated).
    """
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}: expected 'best_queried' (best measured) or 'argmax' (best predicted)")
    n_init, batch = options.get("n_init", 10), options.get("batch", 10)
    reserve = min(batch, max(sig.remaining - n_init, 0)) if answer == "best_queried" else 0
    trace = []
    model = run_aea(sig, seed, sampler=sampler, reserve=reserve, on_round=lambda m: trace.append(
        {"queries": len(m.x), "sigma": m.sigma.tolist(), "noise": m.noise, "aea_iters": len(m.aea)}), **options)
    with threadpool_limits(limits=1):
        pred = model.predict()
    if answer == "argmax":
        return int(np.argmax(pred)), trace
    if sig.remaining:
        pred[model.queried()] = -np.inf
        picks = np.argsort(-pred, kind="stable")[:sig.remaining].tolist()
        sig(picks)
        trace.append({"queries": len(sig.queried), "exploit": [int(i) for i in picks]})
    return sig.best(), trace
