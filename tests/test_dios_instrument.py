"""The DIOS instrument: the shipped file and every validation rule of the loader."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from dimios_research.errors import CodebookError
from dimios_research.instrument.dios import (
    BLOCK_PREFIXES,
    DEFAULT_DIOS_INSTRUMENT,
    REQUIRED_ATTRIBUTES,
    DiosInstrumentError,
    load_dios_instrument,
)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DEFAULT_DIOS_INSTRUMENT.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def attribute(data: dict, attr_id: str) -> dict:
    return next(a for a in data["attributes"] if a["id"] == attr_id)


def block(data: dict, block_id: str) -> dict:
    return next(b for b in data["blocks"] if b["id"] == block_id)


def test_shipped_instrument_is_illustrative_and_bilingual():
    dios = load_dios_instrument()
    assert dios.illustrative and dios.id == "dios_illustrative"
    assert set(dios.notice) == {"sv", "en"} and "INTE" in dios.notice["sv"]
    assert dios.attribute_ids == list(REQUIRED_ATTRIBUTES)
    assert list(dios.blocks) == ["quality", "importance"]
    assert len(dios.blocks["quality"].item_ids) == 6
    assert len(dios.blocks["importance"].item_ids) == 4
    assert all(
        r.startswith(BLOCK_PREFIXES[b]) for b in dios.blocks for r in dios.blocks[b].item_ids
    )
    assert dios.values("deployment") == ["on_premises", "hosted", "saas"]
    assert dios.values("lifecycle") == ["planned", "active", "phase_out", "retired"]
    assert dios.in_operation == ["active", "phase_out"]
    assert dios.required_attributes == ("business_area", "system_type", "lifecycle", "rater_role")
    labels = dios.labels
    assert labels[["label_sv", "label_en"]].map(bool).all().all()
    assert not labels.duplicated(["kind", "code"]).any()
    assert len(dios.sha256) == 64


def test_labels_and_lookup():
    dios = load_dios_instrument()
    assert dios.label("deployment", "saas", "en") == "Software as a service (SaaS)"
    assert dios.label("rating", "q_vendor_support") == "Leverantörsstöd"
    assert dios.label("attribute", "lifecycle", "en") == "Lifecycle status"
    lookup = dios.value_lookup("lifecycle")
    assert lookup["i drift"] == "active" and lookup["phase-out"] == "phase_out"
    assert lookup["phase_out"] == "phase_out"
    with pytest.raises(KeyError):
        dios.label("lifecycle", "nope")
    with pytest.raises(ValueError, match="lang"):
        dios.label("lifecycle", "active", "de")
    with pytest.raises(ValueError, match="attribute must be one of"):
        dios.values("colour")


def test_block_reads_like_a_codebook_scale():
    quality = load_dios_instrument().blocks["quality"]
    labels = quality.answer_labels()
    assert labels["mycket låg"] == 1 and labels["very high"] == 5 and labels["vet ej"] == 0
    assert (quality.scale_min, quality.scale_max, quality.dont_know_codes) == (1, 5, (0,))


def test_error_class_is_a_codebook_error(tmp_path):
    assert issubclass(DiosInstrumentError, CodebookError)
    missing = tmp_path / "nope.yaml"
    with pytest.raises(DiosInstrumentError, match="nope.yaml: instrument file not found"):
        load_dios_instrument(missing)


def mutate(raw, fn):
    data = copy.deepcopy(raw)
    fn(data)
    return data


CASES = [
    ("missing attribute", lambda d: d["attributes"].pop(2), r"attribute\(s\) missing: deployment"),
    (
        "unknown attribute",
        lambda d: d["attributes"].append(
            {"id": "colour", "label": "Färg", "values": [{"id": "red", "label": "Röd"}]}
        ),
        r"unknown attribute\(s\) colour",
    ),
    (
        "duplicate value",
        lambda d: attribute(d, "deployment")["values"].append(
            {"id": "saas", "label": {"sv": "a", "en": "b"}}
        ),
        r"duplicate value ids in attribute 'deployment': saas",
    ),
    (
        "value not snake case",
        lambda d: attribute(d, "deployment")["values"][0].update(id="On Prem"),
        r"value id 'On Prem' must be snake_case",
    ),
    (
        "value label one language",
        lambda d: attribute(d, "deployment")["values"][0].update(label={"sv": "Egen drift"}),
        r"on_premises needs a text in both languages",
    ),
    (
        "no active lifecycle",
        lambda d: attribute(d, "lifecycle")["values"][1].update(in_operation=False),
        r"attribute 'lifecycle' needs the value 'active' with in_operation: true",
    ),
    (
        "in_operation not boolean",
        lambda d: attribute(d, "lifecycle")["values"][1].update(in_operation="yes"),
        r"in_operation must be true or false",
    ),
    (
        "required not boolean",
        lambda d: attribute(d, "lifecycle").update(required="ja"),
        r"attribute 'lifecycle': required must be true or false",
    ),
    (
        "no values",
        lambda d: attribute(d, "system_type").update(values=[]),
        r"attribute 'system_type' needs a non-empty list of values",
    ),
    ("missing block", lambda d: d["blocks"].pop(1), r"needs exactly \['quality', 'importance'\]"),
    (
        "unknown block",
        lambda d: block(d, "importance").update(id="value"),
        r"unknown block 'value'",
    ),
    (
        "wrong prefix",
        lambda d: block(d, "quality").update(prefix="t_"),
        r"block 'quality': prefix must be 'q_', got 't_'",
    ),
    (
        "rating id without prefix",
        lambda d: block(d, "importance")["criteria"][0].update(id="q_usage2"),
        r"rating id 'q_usage2' must be i_<criterion>",
    ),
    (
        "duplicate rating id",
        lambda d: block(d, "quality")["criteria"][1].update(id="q_maintainability"),
        r"duplicate rating ids: q_maintainability",
    ),
    (
        "criterion without question",
        lambda d: block(d, "quality")["criteria"][0].pop("text_en"),
        r"criterion 'q_maintainability' has no 'text_en'",
    ),
    (
        "no scale",
        lambda d: block(d, "quality").pop("scale"),
        r"block 'quality' has no 'scale'",
    ),
    (
        "bad scale labels",
        lambda d: block(d, "quality")["scale"]["labels"].pop(5),
        r"block 'quality': bad scale: labels are given for codes \[1, 2, 3, 4\]",
    ),
    (
        "don't know inside the scale",
        lambda d: block(d, "importance")["scale"]["dont_know"].update(codes=[3]),
        r"block 'importance': bad scale: don't-know code\(s\) \[3\] lie inside",
    ),
    ("no id", lambda d: d.pop("id"), r"the instrument has no 'id'"),
]


@pytest.mark.parametrize("name,change,message", CASES, ids=[c[0] for c in CASES])
def test_validation_errors_name_file_and_problem(tmp_path, raw, name, change, message):
    path = write(tmp_path, mutate(raw, change))
    with pytest.raises(DiosInstrumentError, match=message) as info:
        load_dios_instrument(path)
    assert str(info.value).startswith(str(path))


def test_not_yaml_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(DiosInstrumentError, match="must be a YAML mapping"):
        load_dios_instrument(path)
    path.write_bytes(b"id: \xff\xfe")
    with pytest.raises(DiosInstrumentError, match="is not UTF-8 .*save it as UTF-8"):
        load_dios_instrument(path)


def test_hostile_instrument_is_refused_before_parsing(tmp_path):
    """The instrument goes through the one safe YAML loader: no aliases, bounded size."""
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DiosInstrumentError, match="aliases .* are not allowed"):
        load_dios_instrument(bomb)
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
    with pytest.raises(DiosInstrumentError, match="larger than the .* limit"):
        load_dios_instrument(huge)


def test_licensed_instrument_with_other_values_loads(tmp_path, raw):
    def change(d):
        attribute(d, "business_area")["values"] = [
            {"id": "school", "label": {"sv": "Skola", "en": "School"}}
        ]
        block(d, "quality")["criteria"] = block(d, "quality")["criteria"][:2]

    dios = load_dios_instrument(write(tmp_path, mutate(raw, change)))
    assert dios.values("business_area") == ["school"]
    assert dios.rating_ids[:3] == [
        "q_maintainability",
        "q_information_security",
        "i_process_criticality",
    ]
