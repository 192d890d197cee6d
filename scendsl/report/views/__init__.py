"""THE template API: what a briefing template can see of an evaluated scenario.

Templates (built-in and `scendsl build --templates DIR`) get these views and plain read-only
data, nothing else: the sandbox (scendsl.report.sandbox) lets a template read the public
attributes and call the public methods of the classes registered with `template_view`, and
refuses everything else. As Jinja keeps its runtime apart from its compiler, the views are kept
apart from the build that makes them (scendsl.app.build): changing a name here changes what
user templates can write, so names here are stable.

What a page's template gets (scendsl.report.pages.template_site):
`scenarios` (list of ScenarioView), `sweeps` (list of SweepView), `risk_rules`,
`reference_catalog`, `pages`; a scenario page also `s` (its ScenarioView); and the functions
`chart(kind, subject, metric=None)` and the Markdown filters (scendsl.report.render).

- Number: a figure (`text`, `interval`, `available`, `derivation()`, `meaning`, ...)
- ScenarioView: one scenario (`m(name)`, `figures(...)`, `percentiles(name)`, `claims`,
  `sources`, `risks`, `caveats`, `uncertainty`, `sweeps`, ...)
- ClaimView, SourceView, ReferenceView, RiskView, CaveatView: rows of a briefing's tables
- WarningView: a located warning (`label`, `text`, `hint`, `metrics`); a Number's `warnings`
  holds the labels of those that concern it
- UncertaintyView (RangeView, SpreadView, SwingView): a scenario's Monte Carlo run
- DefaultSpreadView (SpreadEndsView): a scenario without `cluster.mfu` at both ends of the
  default MFU's spread
- SweepView (VariantView): a sweep's variants, tabled and charted (`across_variants`: min,
  median and max of the summary metrics over every variant of a sampled sweep)
"""

from scendsl.report.views.figures import (
    FINDING_METRICS,
    HEADLINE_LABELS,
    CaveatView,
    ClaimView,
    Number,
    ReferenceView,
    RiskView,
    SourceView,
    WarningView,
    derivation,
    extrapolated_inputs,
    interval_text,
    share_text,
)
from scendsl.report.views.scenario import ScenarioView
from scendsl.report.views.variation import (
    MAX_SWEEP_VARIANTS,
    SWEEP_SUMMARY_METRICS,
    DefaultSpreadView,
    RangeView,
    SpreadEndsView,
    SpreadView,
    SweepView,
    SwingView,
    UncertaintyView,
    VariantView,
    axis_number,
)

__all__ = [
    "FINDING_METRICS",
    "HEADLINE_LABELS",
    "MAX_SWEEP_VARIANTS",
    "SWEEP_SUMMARY_METRICS",
    "CaveatView",
    "ClaimView",
    "DefaultSpreadView",
    "Number",
    "RangeView",
    "ReferenceView",
    "RiskView",
    "ScenarioView",
    "SourceView",
    "SpreadEndsView",
    "SpreadView",
    "SweepView",
    "SwingView",
    "UncertaintyView",
    "VariantView",
    "WarningView",
    "axis_number",
    "derivation",
    "extrapolated_inputs",
    "interval_text",
    "share_text",
]
