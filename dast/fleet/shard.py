"""`--shard I/N`: the I-th of N equal shares of a fleet, so machines (CI matrix, Indexed Job) split it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_SHARD = re.compile(r"\s*(\d{1,4})\s*/\s*(\d{1,4})\s*")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as users and Indexed Jobs (index + 1) write it
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SHARD.fullmatch(text)
        if not match:
            raise ValueError(f"expected I/N such as 1/3, got {text!r}")
        index, count = int(match.group(1)), int(match.group(2))
        if count < 1 or not 1 <= index <= count:
            raise ValueError(f"the shard must be between 1/{max(count, 1)} and {count}/{count}, got {text!r}")
        return cls(index, count)

    def select(self, names: Sequence[str]) -> list[int]:
        """Positions of the names in this share: sorted by name (stable whatever the file's order),
        then cut into N contiguous shares whose sizes differ by at most one."""
        order = sorted(range(len(names)), key=lambda i: names[i])
        lo = (self.index - 1) * len(order) // self.count
        hi = self.index * len(order) // self.count
        return sorted(order[lo:hi])


ALL = Shard(1, 1)
