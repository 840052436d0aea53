"""What every search returns, whatever drives it (benchmark table, RMI score, supernet)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class SearchResult:
    method: str                      # "random", "rea", ..., "darts", "vimnas", "rank_nosh"
    signal: str                      # "benchmark", "rmi", "supernet"
    seed: int
    arch: str                        # official NB201 string of the pick
    index: int                       # official NB201 index of the pick
    queried: list[int] = field(default_factory=list)   # indices in query order
    seconds: float = 0.0             # wall time of the search itself
    cost: float | None = None        # method's own cost unit (e.g. simulated epochs, GPU-hours)
    valid_acc: dict[str, float] = field(default_factory=dict)  # 12-epoch validation accuracy per dataset
    test_acc: dict[str, float] = field(default_factory=dict)   # 200-epoch test accuracy per dataset
    trace: list[dict] = field(default_factory=list)            # optional per-step record (e.g. best so far)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SearchResult":
        return cls(**d)


class BudgetExhausted(RuntimeError):
    """A search asked for more than its budget (distinct architectures, or simulated epochs)."""
