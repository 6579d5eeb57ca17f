"""The report kinds: one declaration each, from which the runner and the CLI are derived.

A :class:`ReportKind` says which notebook builds the report, which request fields select
what it covers (a round, two rounds, an organisation), how those are checked against the
scored data, and where its output goes. :func:`dimios_research.report.runner.plan_report`,
:func:`~dimios_research.report.runner.run_report` and the ``dimios-research report``
subcommands read this table; adding a report kind means adding one entry here and its
notebook in ``notebooks/``.

Output layout (``out`` is ``--out``)::

    out/<year>/<lang>/status_report/status_report.html …
    out/<follow_up>/<lang>/follow_up_<baseline>_<follow_up>/…
    out/<year>/<lang>/organisations/<slug>/organisation_profile_<slug>.html …
    out/<year>/<lang>/instrument_validation/instrument_validation.html …
    out/<year>/<lang>/dios_report/dios_report.html …      (when the folder has inventories)

``<slug>`` is a file-name-safe form of the organisation id
(:func:`dimios_research.report.escape.file_slug`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ReportParameterError
from .escape import file_slug

if TYPE_CHECKING:  # only for annotations: planning a report does not import the statistics
    from ..scoring import Scores

__all__ = ["KINDS", "REPORT_KINDS", "ReportKind", "report_kind"]


@dataclass(frozen=True)
class ReportKind:
    """One kind of report.

    Attributes
    ----------
    name : str
        The kind as the CLI spells it (``dimios-research report <name>``).
    notebook : str
        File name of the notebook in the notebooks folder.
    summary : str
        One line for ``--help``.
    selectors : tuple of str
        Request fields the kind takes: ``year``, ``baseline``/``follow_up`` or
        ``organisation_id``. Any other selector in a request is an error.
    resolve : callable
        ``resolve(scores, request) -> parameters``: checks the selectors against the data
        (defaults filled in) and returns the notebook parameters they set.
    layout : callable
        ``layout(parameters, lang) -> (folder relative to out, file stem)``.
    available : callable
        ``available(data_dir) -> bool``: whether the data folder holds what the report
        needs (``report all`` skips a report that is not available).
    module : str
        The module with the report's sections (what its notebook imports); a kernel started
        ahead of the report imports it while the command plans.
    """

    name: str
    notebook: str
    summary: str
    selectors: tuple[str, ...]
    resolve: Callable[[Scores, Mapping[str, Any]], dict[str, Any]]
    layout: Callable[[Mapping[str, Any], str], tuple[Path, str]]
    available: Callable[[Path], bool] = lambda data_dir: True
    module: str = "dimios_research.report.sections"


def _checked(check: Callable[..., Any], *args: Any) -> Any:
    """Run a data check; its ValueError becomes a ReportParameterError (one CLI line)."""
    try:
        return check(*args)
    except ValueError as exc:
        raise ReportParameterError(str(exc)) from None


def _resolve_round(scores: Scores, request: Mapping[str, Any]) -> dict[str, Any]:
    return {"year": _checked(scores.check_year, request.get("year"), "year")}


def _resolve_rounds(scores: Scores, request: Mapping[str, Any]) -> dict[str, Any]:
    years = scores.years
    first = _checked(scores.check_year, request.get("baseline") or years[0], "baseline")
    last = _checked(scores.check_year, request.get("follow_up") or years[-1], "follow_up")
    if first >= last:
        raise ReportParameterError(
            f"baseline ({first}) must be an earlier round than follow_up ({last})"
        )
    return {"baseline": first, "follow_up": last}


def _resolve_organisation(scores: Scores, request: Mapping[str, Any]) -> dict[str, Any]:
    year = _resolve_round(scores, request)["year"]
    org = request.get("organisation_id")
    if org is None:
        raise ReportParameterError("an organisation profile needs --org ID (or --all)")
    org = str(org)
    if org not in set(scores.register["organisation_id"].astype(str)):
        raise ReportParameterError(
            f"unknown organisation {file_slug(org)!r}: not in the organisation register"
        )
    if not scores.is_reportable(org, year):
        # Same message whether it has no answers or too few: never hint at a hidden one.
        raise ReportParameterError(
            f"organisation {file_slug(org)} is not reportable in {year} (no answers or fewer "
            f"than {scores.min_respondents} respondents); profiles are made only for "
            "reportable organisations"
        )
    return {"year": year, "organisation_id": org}


def _has_inventory(data_dir: Path) -> bool:
    from ..io.inventory import has_inventory

    return has_inventory(data_dir)


def _fixed_layout(folder: str) -> Callable[[Mapping[str, Any], str], tuple[Path, str]]:
    def layout(params: Mapping[str, Any], lang: str) -> tuple[Path, str]:
        return Path(str(params["year"])) / lang / folder, folder

    return layout


def _follow_up_layout(params: Mapping[str, Any], lang: str) -> tuple[Path, str]:
    stem = f"follow_up_{params['baseline']}_{params['follow_up']}"
    return Path(str(params["follow_up"])) / lang / stem, stem


def _organisation_layout(params: Mapping[str, Any], lang: str) -> tuple[Path, str]:
    slug = file_slug(params["organisation_id"])
    folder = Path(str(params["year"])) / lang / "organisations" / slug
    return folder, f"organisation_profile_{slug}"


REPORT_KINDS: dict[str, ReportKind] = {
    kind.name: kind
    for kind in (
        ReportKind(
            "status",
            "status_report.ipynb",
            "National status report of a round (index, types, groups, target).",
            ("year",),
            _resolve_round,
            _fixed_layout("status_report"),
            module="dimios_research.report.status",
        ),
        ReportKind(
            "follow-up",
            "follow_up_report.ipynb",
            "Follow-up report: change between two rounds and the programme's goals.",
            ("baseline", "follow_up"),
            _resolve_rounds,
            _follow_up_layout,
            module="dimios_research.report.follow_up",
        ),
        ReportKind(
            "organisation",
            "organisation_profile.ipynb",
            "Profiles of reportable organisations (--org ID ... or --all), in parallel.",
            ("year", "organisation_id"),
            _resolve_organisation,
            _organisation_layout,
            module="dimios_research.report.profile",
        ),
        ReportKind(
            "dios",
            "dios_report.ipynb",
            "DIOS report of a round: system portfolio, TIME classes, link to DiMiOS.",
            ("year",),
            _resolve_round,
            _fixed_layout("dios_report"),
            _has_inventory,
            module="dimios_research.report.dios",
        ),
        ReportKind(
            "validation",
            "instrument_validation.ipynb",
            "Instrument validation report of a round (reliability, agreement, ICC).",
            ("year",),
            _resolve_round,
            _fixed_layout("instrument_validation"),
            module="dimios_research.report.validation",
        ),
    )
}
#: Report kinds in their CLI order.
KINDS: tuple[str, ...] = tuple(REPORT_KINDS)


def report_kind(name: str) -> ReportKind:
    """The declaration of a report kind; an unknown name is a :class:`ReportParameterError`."""
    if name not in REPORT_KINDS:
        raise ReportParameterError(f"unknown report {name!r}; choose one of {', '.join(KINDS)}")
    return REPORT_KINDS[name]
