"""Report parameter rules (dimios_research.report.parameters): ranges, one clear line."""

from __future__ import annotations

import pytest

from dimios_research.errors import ReportParameterError
from dimios_research.report.parameters import PARAMETER_RULES, check_report_parameters

GOOD = {
    "n_boot": [(100, 100), (2000, 2000), (2000.0, 2000), (100_000, 100_000)],
    "ci": [(0.95, 0.95), (0.5, 0.5)],
    "seed": [(0, 0), (2023, 2023)],
    "year": [(2023, 2023), (None, None), (2019.0, 2019)],
    "baseline": [(2019, 2019), (None, None)],
    "follow_up": [(2023, 2023), (None, None)],
    "target_year": [(2030, 2030)],
    "lang": [("sv", "sv"), ("en", "en")],
    "target": [(0, 0.0), (55, 55.0), (100, 100.0), (62.5, 62.5)],
    "org_types": [
        (None, None),
        (["kommun", "region"], ["kommun", "region"]),
        ("region", ["region"]),
    ],
    "cohort": [(None, None), ("programme", "programme"), ("non_programme", "non_programme")],
    "programme": [("esf_digital_mognad_2021_2023", "esf_digital_mognad_2021_2023")],
    "organisation_id": [("K001", "K001")],
}
BAD = {
    "n_boot": [-5, 0, 99, 100_001, 2000.5, "2000", True, None, float("nan")],
    "ci": [0, 1, 95, -0.1, "0.95", True, None],
    "seed": [-1, 1.5, "0", False, None],
    "year": [1999, 2101, 2023.5, "2023", True],
    "baseline": ["first", 2023.2],
    "follow_up": [[2023]],
    "target_year": [None, 3000, "2030"],
    "lang": ["de", "SV", None, 1],
    "target": [-1, 100.5, "55", float("inf"), None, True],
    "org_types": [[], ["stad"], "county", [1]],
    "cohort": ["all", 1],
    "programme": ["", "  ", None, 5],
    "organisation_id": ["", None, 7],
}


def test_every_rule_is_tested():
    assert set(GOOD) == set(PARAMETER_RULES) == set(BAD)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [(name, value, expected) for name, cases in GOOD.items() for value, expected in cases],
)
def test_values_in_range_pass_normalised(name, value, expected):
    out = check_report_parameters({name: value})[name]
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, values in BAD.items() for value in values]
)
def test_values_out_of_range_give_one_line(name, value):
    with pytest.raises(ReportParameterError) as info:
        check_report_parameters({name: value})
    message = str(info.value)
    assert message.startswith(f"parameter {name} must be {PARAMETER_RULES[name].text}, got ")
    assert "\n" not in message


def test_unknown_names_pass_unchanged():
    assert check_report_parameters({"something": object}) == {"something": object}


def test_plan_report_applies_the_rules(demo_results, tmp_path):
    from dimios_research.io.datasets import dataset_path
    from dimios_research.report.runner import plan_report

    common = dict(data_dir=dataset_path("demo"), results_dir=tmp_path, out_dir=tmp_path)
    with pytest.raises(ReportParameterError, match="parameter n_boot must be an integer"):
        plan_report("status", demo_results, parameters={"n_boot": -5}, **common)
    with pytest.raises(ReportParameterError, match="parameter year must be a whole year"):
        plan_report("status", demo_results, year=20235, **common)
    job = plan_report("status", demo_results, parameters={"n_boot": 2000.0}, **common)
    assert job.parameters["n_boot"] == 2000 and isinstance(job.parameters["n_boot"], int)
