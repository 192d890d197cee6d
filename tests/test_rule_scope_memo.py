"""A scoped risk rule's applicability is judged once per rule, region and year and then read
back: what is read back must be what judging it again says, for every place and year."""

from __future__ import annotations

import itertools

from scendsl.catalog.jurisdictions import applies
from scendsl.model import risk
from scendsl.model.domains.export_rules import decision_date

REGIONS = ("US", "DE", "FR", "CN", "KE", "US-TX", "GB")
YEARS = (2023, 2025, 2026, 2030)


def _scoped_rules():
    return [rule for entry in risk.load_rules() for rule in entry.rules if rule.scope is not None]


def test_a_kept_answer_is_the_one_judged_again():
    rules = _scoped_rules()
    assert rules, "no scoped rule: the test would prove nothing"
    risk._APPLIES.clear()
    answers = {}
    for rule, region, year in itertools.product(rules, REGIONS, YEARS):
        first = risk.rule_applies(rule, region, year)
        assert risk.rule_applies(rule, region, year) is first  # read back
        assert first == applies(rule.scope, region, decision_date(year))
        answers[id(rule), region, year] = first
    # The places and years differ in what applies: a memo that ignored them would fail.
    assert len(set(answers.values())) == 2
    risk._APPLIES.clear()  # forgotten: judged again alike
    for rule, region, year in itertools.product(rules, REGIONS, YEARS):
        assert risk.rule_applies(rule, region, year) == answers[id(rule), region, year]
