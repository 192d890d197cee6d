"""Validation scenarios of runs before 2022 say their attention was unfused (issue 12).

The language's default is fused (flash) attention, which did not exist before 2022
(Dao et al., May 2022). The Megatron-LM 2019 weak-scaling scenarios left it at the default, so
the single-V100 baseline of the ratio skipped the memory-bound score matrix that the 2019 code
paid, and the weak-scaling efficiency came out 24 % low instead of 11 %.
"""

from pathlib import Path

import scendsl

CASES = Path(__file__).resolve().parent.parent / "validation" / "cases"


def test_pre_2022_validation_runs_write_unfused_attention():
    offenders = []
    for path in sorted(CASES.glob("*.scn")):
        document = scendsl.load_file(path)  # by path: a case file may import another
        for entry in document.scenarios:
            scenario = document.get(entry.name)
            workload = scenario.workload
            shaped = workload is not None and (workload.hidden_size or workload.layers)
            if scenario.year < 2022 and shaped and workload.flash_attention != "off":
                offenders.append(f"{path.name}: {entry.name} ({scenario.year})")
    assert not offenders
