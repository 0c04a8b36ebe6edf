"""Who did something from a person's own pages (ADR 16, section 4, "On behalf").

A write from the person's pages has no member of staff: the owning app's action takes `by=None` and
`on_behalf=OnBehalf(...)`, which says which account did it and, for a carer, under which grant. The
action puts `detail()` into its audit row. Primary keys only: no names, no NHS numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OnBehalf:
    account: int  # the PersonAccount that acted
    grant: int | None = None  # the carer's ProxyGrant; None when the person acted for themselves

    @property
    def by_carer(self) -> bool:
        return self.grant is not None

    def detail(self) -> dict:
        return {"account": self.account, "grant": self.grant}
