"""The catalog's and the model's names in `scendsl schema`: JSON Schema enums for the fields that
take them, so that an editor or a validator of scenario and result JSON knows the accelerator
ids, regions, energy sources and metric names without running scendsl.

Enums are written inline at each property (the document holds two schemas, each with its own
`$defs`), in the catalog's order, so the document stays deterministic.
"""

from __future__ import annotations

import re
from typing import Any


def _names() -> dict[str, Any]:
    from scendsl.catalog import load_catalog
    from scendsl.model.claims import REFERENCE_PLACEHOLDER, metric_index

    catalog = load_catalog()
    index = metric_index()
    plain = [name for name in index if REFERENCE_PLACEHOLDER not in name]
    templates = [name for name in index if REFERENCE_PLACEHOLDER in name]
    # A per-reference name matches any reference, those of the scenario files included.
    patterns = [
        "^"
        + re.escape(name).replace(re.escape(REFERENCE_PLACEHOLDER), "[A-Za-z_][A-Za-z0-9_]*")
        + "$"
        for name in templates
    ]
    return {
        "accelerator": list(catalog.accelerators),
        "energy_source": list(catalog.energy_sources),
        # Every region a scenario may name: the catalog holds each ISO code of iso3166.tsv.
        "region": list(catalog.regions),
        "metric": plain,
        "metric_patterns": patterns,
    }


def _accelerator(ids: list[str], title: str) -> dict[str, Any]:
    return {
        "title": title,
        "anyOf": [
            {
                "enum": ids,
                "description": "an accelerator of the catalog (scendsl list accelerators)",
            },
            {"type": "string", "description": "an accelerator defined in the scenario files"},
        ],
    }


def add_catalog_enums(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (the schema document) with the names as enums, changed in place."""
    names = _names()
    metric = {
        "title": "Metric",
        "description": "a name of the model (scendsl list metrics, docs/metrics.md)",
        "anyOf": [
            {"enum": names["metric"]},
            *({"type": "string", "pattern": p} for p in names["metric_patterns"]),
        ],
    }
    for part in ("scenarios", "result"):
        definitions = document.get(part, {}).get("$defs", {})
        for model, field, schema in (
            ("Cluster", "accelerator", _accelerator(names["accelerator"], "Accelerator")),
            ("ReferenceEntity", "accelerator", _accelerator(names["accelerator"], "Accelerator")),
            (
                "Scenario",
                "region",
                {
                    "title": "Region",
                    "description": "an ISO 3166-1 country or ISO 3166-2 subdivision code "
                    "(scendsl list regions)",
                    "enum": names["region"],
                },
            ),
            (
                "MixShare",
                "source",
                {
                    "title": "Source",
                    "description": "an energy source (scendsl list energy-sources)",
                    "enum": names["energy_source"],
                },
            ),
            ("Claim", "metric", metric),
            ("ClaimResult", "metric", metric),
        ):
            properties = definitions.get(model, {}).get("properties", {})
            if field in properties:
                properties[field] = schema
    return document
