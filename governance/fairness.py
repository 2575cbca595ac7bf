"""Fairness of binary predictions, computed with pandas: per protected attribute and group, the counts,
selection rate, true- and false-positive rates and precision; the disparate impact ratio (selection rate of
the group over the reference group's) and the equal opportunity difference (TPR of the group minus the
reference's). Bad files are refused with the problem named (ApplicationError, 400)."""

import io
import math
import operator

import pandas as pd

from core.exceptions import ApplicationError

MAX_BYTES = 20 * 1024 * 1024
LABEL, PREDICTION = "label", "prediction"
DISPARATE_IMPACT, EQUAL_OPPORTUNITY = "disparate_impact", "equal_opportunity_difference"
FAIRNESS_METRICS = (DISPARATE_IMPACT, EQUAL_OPPORTUNITY)
DEFAULT_THRESHOLDS = [{"metric": DISPARATE_IMPACT, "operator": ">=", "value": 0.8}]  # the four-fifths rule
_BINARY = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}
_OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def _bad(field: str, message: str) -> ApplicationError:
    return ApplicationError(f"{field}: {message}", details={field: [message]})


def read_predictions(data: bytes, reference_groups: dict[str, str]) -> pd.DataFrame:
    """The rows of a predictions CSV (label, prediction, the protected attribute columns), checked."""
    if len(data) > MAX_BYTES:
        raise _bad("file", f"the file is larger than the limit of {MAX_BYTES // 1024 // 1024} MB.")
    if not reference_groups:
        raise _bad("reference_groups", "name at least one protected attribute column and its reference group.")
    if b"\x00" in data[:4096]:
        raise _bad("file", "this is not a CSV file (it holds binary data).")
    try:
        text = data.decode("utf-8-sig")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except UnicodeDecodeError:
        raise _bad("file", "this is not a CSV file: it is not UTF-8 text.") from None
    except pd.errors.EmptyDataError:
        raise _bad("file", "the file is empty: it needs a header row and at least one row of predictions.") from None
    except pd.errors.ParserError as exc:
        raise _bad("file", f"this is not a readable CSV file ({str(exc).strip()[:200]}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    needed = [LABEL, PREDICTION, *reference_groups]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        found = ", ".join(frame.columns[:20]) or "none"
        raise _bad("file", f"missing column {', '.join(missing)} (the file has: {found}).")
    if frame.empty:
        raise _bad("file", "the file has a header but no rows of predictions.")
    frame = frame[needed].copy()
    for column in (LABEL, PREDICTION):
        values = frame[column].str.strip().str.lower()
        bad = sorted(set(values[~values.isin(list(_BINARY))]))
        if bad:
            shown = ", ".join(repr(v) for v in bad[:5])
            raise _bad("file", f"{column} must be binary (0 or 1); found {shown}.")
        frame[column] = values.map(_BINARY).astype(int)
    for attribute, reference in reference_groups.items():
        frame[attribute] = frame[attribute].str.strip().replace("", "(missing)")
        groups = frame[attribute].unique()
        if len(groups) < 2:
            raise _bad(
                "file",
                f"{attribute} has one group only ({groups[0]}): fairness compares groups, "
                "so the file needs at least two.",
            )
        if reference not in set(groups):
            shown = ", ".join(sorted(groups)[:10])
            raise _bad("reference_groups", f"{reference!r} is not a group of {attribute} (its groups: {shown}).")
    return frame


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def group_rates(frame: pd.DataFrame, attribute: str, reference: str) -> dict:
    """One attribute: the rates of each group, and its disparate impact and equal opportunity difference."""
    data = frame.assign(
        tp=(frame[LABEL] == 1) & (frame[PREDICTION] == 1),
        fp=(frame[LABEL] == 0) & (frame[PREDICTION] == 1),
        negative=frame[LABEL] == 0,
    )
    grouped = data.groupby(attribute, sort=True).agg(
        count=(LABEL, "size"),
        predicted_positive=(PREDICTION, "sum"),
        actual_positive=(LABEL, "sum"),
        tp=("tp", "sum"),
        fp=("fp", "sum"),
        actual_negative=("negative", "sum"),
    )
    grouped["selection_rate"] = grouped["predicted_positive"] / grouped["count"]
    grouped["tpr"] = grouped["tp"] / grouped["actual_positive"].where(grouped["actual_positive"] > 0)
    grouped["fpr"] = grouped["fp"] / grouped["actual_negative"].where(grouped["actual_negative"] > 0)
    grouped["precision"] = grouped["tp"] / grouped["predicted_positive"].where(grouped["predicted_positive"] > 0)
    base = grouped.loc[reference]
    if base["selection_rate"] == 0:
        raise _bad(
            "reference_groups",
            f"the reference group {reference!r} of {attribute} has no positive prediction, so no ratio to it exists: "
            "choose another reference group.",
        )
    grouped["disparate_impact"] = grouped["selection_rate"] / base["selection_rate"]
    grouped["equal_opportunity_difference"] = grouped["tpr"] - base["tpr"]
    groups = []
    for name, row in grouped.iterrows():
        groups.append(
            {
                "group": str(name),
                "reference": name == reference,
                "count": int(row["count"]),
                "predicted_positive": int(row["predicted_positive"]),
                "actual_positive": int(row["actual_positive"]),
                **{
                    key: _number(row[key])
                    for key in ("selection_rate", "tpr", "fpr", "precision", DISPARATE_IMPACT, EQUAL_OPPORTUNITY)
                },
            }
        )
    return {"reference": reference, "groups": groups}


def assess(frame: pd.DataFrame, reference_groups: dict[str, str], thresholds: list[dict]) -> tuple[dict, list[str]]:
    """Results per attribute, and each group that misses a threshold, in words (empty: the file passes)."""
    results = {attribute: group_rates(frame, attribute, reference) for attribute, reference in reference_groups.items()}
    failures = []
    for attribute, result in results.items():
        for group in result["groups"]:
            if group["reference"]:
                continue
            for rule in thresholds:
                value = group[rule["metric"]]
                if value is None:
                    continue  # e.g. no positive label in the group: its TPR does not exist
                if not _OPERATORS[rule["operator"]](value, rule["value"]):
                    failures.append(
                        f"{attribute}={group['group']}: {rule['metric'].replace('_', ' ')} {value:.3f}, "
                        f"needs {rule['operator']} {rule['value']:g} (reference {result['reference']})"
                    )
    return results, failures


def thresholds_from(policy_thresholds: list[dict]) -> list[dict]:
    """The fairness rules of a policy's metric thresholds; the four-fifths rule when it names none."""
    rules = [dict(rule) for rule in policy_thresholds if rule.get("metric") in FAIRNESS_METRICS]
    return rules or [dict(rule) for rule in DEFAULT_THRESHOLDS]
