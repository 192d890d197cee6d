"""Where and when a rule applies: jurisdiction scopes of the risk rules.

A scope names ISO 3166-1 countries (`FR`), ISO 3166-2 subdivisions (`US-TX`) or named groups of
countries (`EU`, from the `[named]` tables of `country_groups.toml`), and the dates it is in
force: from `start` (inclusive) to `end` (exclusive; None = still in force). A subdivision is
inside its country (a rule for `US` applies in `US-TX`), never the other way round (a rule for
`US-TX` does not apply to a scenario placed in `US` without a state).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scendsl.language.names import country_of, named_country_groups

__all__ = ["Scope", "applies", "covers", "named_groups", "parse_scope"]


#: Named groups of countries (`EU` → member codes) from country_groups.toml `[named]`.
named_groups = named_country_groups


def _date_text(day: _dt.date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


@dataclass(frozen=True)
class Scope:
    """The jurisdictions a rule applies in and the dates it is in force."""

    jurisdictions: tuple[str, ...]
    start: _dt.date | None = None
    end: _dt.date | None = None

    def describe(self) -> str:
        """`EU from 2 Aug 2025`, `US 30 Oct 2023 to 20 Jan 2025` (end exclusive)."""
        where = ", ".join(self.jurisdictions)
        if self.start and self.end:
            return f"{where}, {_date_text(self.start)} to {_date_text(self.end)}"
        if self.start:
            return f"{where}, from {_date_text(self.start)}"
        if self.end:
            return f"{where}, until {_date_text(self.end)}"
        return where


def covers(scope: Scope, region: str) -> bool:
    """Whether `region` lies inside one of the scope's jurisdictions (whatever the date)."""
    code = str(region).strip().upper()
    country = country_of(code)
    groups = named_groups()
    for jurisdiction in scope.jurisdictions:
        if jurisdiction in groups:
            if country in groups[jurisdiction]:
                return True
        elif code == jurisdiction or (
            "-" not in jurisdiction and country == jurisdiction and code.startswith(country + "-")
        ):
            return True
    return False


def applies(scope: Scope, region: str, on: _dt.date) -> bool:
    """Whether a rule with this scope applies to a site in `region` on the date `on`."""
    if scope.start is not None and on < scope.start:
        return False
    if scope.end is not None and on >= scope.end:
        return False
    return covers(scope, region)


def parse_scope(raw: Mapping[str, Any], where: str) -> Scope | None:
    """The scope of a rule table (`jurisdiction`, `from`, `to`), None when it has none.

    Raises ValueError naming `where` for an unknown group, a malformed code or bad dates.
    """
    codes = raw.get("jurisdiction")
    start, end = raw.get("from"), raw.get("to")
    if codes is None:
        if start is not None or end is not None:
            raise ValueError(f"{where}: 'from'/'to' need a 'jurisdiction'")
        return None
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise ValueError(f"{where}: 'jurisdiction' is a non-empty list of codes")
    groups = named_groups()
    for code in codes:
        country = country_of(code)
        if code not in groups and not (len(country) == 2 and country.isupper()):
            raise ValueError(f"{where}: '{code}' is neither an ISO 3166 code nor a named group")
    for name, day in (("from", start), ("to", end)):
        if day is not None and (isinstance(day, _dt.datetime) or not isinstance(day, _dt.date)):
            raise ValueError(f"{where}: '{name}' must be a date such as 2025-08-02")
    if start is not None and end is not None and end <= start:
        raise ValueError(f"{where}: 'to' must come after 'from'")
    return Scope(tuple(codes), start, end)
