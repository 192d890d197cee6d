"""Rank regions by the yearly emissions of one cluster: a tool built on scendsl's Python API alone.

    python examples/embedding/rank_regions.py FILE.scn SCENARIO REGION [REGION ...] [--json]

The scenario is loaded from its file, moved to each region with `scendsl.with_changes` (which
checks the region as the language does) and evaluated; the regions are printed from the lowest
`energy.annual_emissions` to the highest. A mistake in the file or a region the catalog does not
know is printed as the located diagnostics scendsl gives (exit 1), never as a traceback; with
`--json` the ranking, or the diagnostics, are printed as JSON for another program.
"""

from __future__ import annotations

import argparse
import json
import sys

import scendsl

METRIC = "energy.annual_emissions"


def rank(path: str, scenario_name: str, regions: list[str]) -> list[dict[str, object]]:
    """Each region with the scenario's yearly emissions there (kg CO2), lowest first."""
    base = scendsl.load_file(path).get(scenario_name)
    rows = []
    for region in dict.fromkeys(regions):  # once each, in the order given
        figure = scendsl.evaluate(scendsl.with_changes(base, region=region))[METRIC]
        rows.append({"region": region, "value": figure.value, "unit": figure.unit})
    # n/a (no grid figure) last; ties keep the order given, so the output is the same every run.
    return sorted(rows, key=lambda row: (row["value"] is None, row["value"] or 0.0))


def main(argv: list[str] | None = None) -> int:
    """The command line: 0 ranked, 1 a mistake in the input (diagnostics printed)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("scenario")
    parser.add_argument("regions", nargs="+", metavar="REGION")
    parser.add_argument("--json", action="store_true", help="print the ranking as JSON")
    args = parser.parse_args(argv)
    try:
        rows = rank(args.file, args.scenario, args.regions)
    except scendsl.ScenarioError as error:
        if args.json:
            print(json.dumps({"diagnostics": [d.to_json() for d in error.diagnostics]}, indent=2))
        else:
            print(error, file=sys.stderr)
        return 1
    except KeyError as error:  # no scenario of that name in the file: the message suggests one
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"metric": METRIC, "ranking": rows}, indent=2))
        return 0
    for place, row in enumerate(rows, 1):
        value = row["value"]
        shown = "n/a" if value is None else f"{value / 1e6:,.1f} kt CO2"  # kg → kt
        print(f"{place:>3}. {row['region']:<6} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
