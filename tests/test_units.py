import math

import pytest

from scendsl.language.units import UNITS, parse_number, quantity_from_text


@pytest.mark.parametrize(
    "text, value, dimension",
    [
        ("500 MW", 500e6, "power"),
        ("1.5 GW", 1.5e9, "power"),
        ("700 W", 700.0, "power"),
        ("2 kW", 2000.0, "power"),
        ("1 kWh", 3.6e6, "energy"),
        ("4 TWh", 4 * 3.6e15, "energy"),
        ("80 GB", 80e9, "data"),
        ("3.35 TB/s", 3.35e12, "bandwidth"),
        ("900 GB/s", 900e9, "bandwidth"),
        ("1e25 FLOP", 1e25, "flop"),
        ("989.4 TFLOPS", 989.4e12, "flop_rate"),
        ("5 PFLOPS", 5e15, "flop_rate"),
        ("90 EFLOPS", 90e18, "flop_rate"),
        ("30k USD", 30_000.0, "currency"),
        ("45 USD/MWh", 45 / 3.6e9, "energy_price"),
        ("2.5 USD/hour", 2.5 / 3600, "hourly_price"),
        ("400 gCO2/kWh", 0.4 / 3.6e6, "carbon_intensity"),
        ("30 days", 30 * 86400.0, "time"),
        ("250 ms", 0.25, "time"),
        ("2 hours", 7200.0, "time"),
        ("1 years", 365.25 * 86400, "time"),
        ("40%", 0.4, "fraction"),
        ("100_000", 1e5, "number"),
        ("2T", 2e12, "number"),
        ("405B", 405e9, "number"),
        ("1.5M", 1.5e6, "number"),
    ],
)
def test_quantities_convert_to_si(text, value, dimension):
    got, got_dimension = quantity_from_text(text)
    assert got_dimension == dimension
    assert math.isclose(got, value, rel_tol=1e-12)


@pytest.mark.parametrize("bad", ["1__000", "_1", "1_", "abc", "1.2.3", "--1"])
def test_malformed_numbers_are_rejected(bad):
    with pytest.raises(ValueError):
        parse_number(bad)


def test_percent_and_magnitude_combine():
    assert parse_number("5k%").value == pytest.approx(50.0)
    assert parse_number("-2k").value == -2000.0


def test_every_unit_has_a_positive_factor():
    assert all(unit.factor > 0 for unit in UNITS.values())


def test_unknown_unit_in_catalog_text():
    with pytest.raises(ValueError, match="unknown unit"):
        quantity_from_text("5 parsecs")


@pytest.mark.parametrize(
    "seconds, shown",
    [
        (365.25 * 86400, "1 year"),
        (86400.0, "1 day"),
        (3600.0, "1 hour"),
        (2 * 86400.0, "2 days"),
        (1.5 * 3600, "1.5 hours"),
        (60.0, "1 min"),
        (90.0, "1.5 min"),
    ],
)
def test_one_unit_of_time_reads_singular_and_parses_back(seconds, shown):
    # A warning once said "a training time of 1 years"; the text is read back by the parser.
    from scendsl.report.numbers import format_value

    assert format_value(seconds, "time") == shown
    assert quantity_from_text(shown)[0] == pytest.approx(seconds)
