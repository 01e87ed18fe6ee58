"""``kg.decide_frame(df)``: a cohort held in a DataFrame (pandas, or anything with ``to_pandas()``, e.g. polars or a
pyarrow Table) decided as ``kg decide --cohort`` decides a Parquet file with the same columns (kg/cohort/records.py:
the profile fields by name), one compact decision per valid row, as a pandas DataFrame.

A missing cell (None, NaN, NA) is an omitted field, as an empty cell of a file. Row positions are 1-based, as a
Parquet file's rows. ``on_error="skip"`` leaves an invalid row out (its problems are in ``result.attrs["summary"]``
with the counts the cohort summary gives); ``"fail"`` raises a UserError naming the row, field and value.

>>> import pandas as pd
>>> decided = decide_frame(pd.DataFrame([{"patient_id": "p1", "age_years": 50, "sex": "female"}]))
>>> list(decided.columns)[:3], int(decided.loc[0, "position"]), decided.attrs["summary"]["decided"]
(['position', 'patient_id', 'options'], 1, 1)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg.base.errors import UserError
from kg.cohort.decide import Summary, decide_records
from kg.cohort.output import output_columns
from kg.cohort.records import Record, tabular_columns, tabular_record
from kg.profile.fields import declarations

FRAME = Path("<DataFrame>")  # what a problem names as the file


def decide_frame(frame: Any, *, on_error: str = "skip", explain: bool = False, build_dir: Path | None = None,
                 verify: bool = True, today: dt.date | None = None) -> Any:
    """The compact decision of every valid row of *frame* (a pandas DataFrame, or an object with ``to_pandas()``),
    in row order; ``result.attrs["summary"]`` is the run's summary (``Summary.to_data()``)."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        if not hasattr(frame, "to_pandas"):
            raise UserError(f"decide_frame: a {type(frame).__name__} is not a DataFrame (rule: a pandas DataFrame, "
                            "or an object with to_pandas(), e.g. a polars DataFrame or a pyarrow Table)")
        frame = frame.to_pandas()
    columns = tabular_columns(FRAME, [str(c) for c in frame.columns], declarations())
    names = [str(c) for c in frame.columns]
    missing = _missing(pd)
    records = (_record(row, values, names, columns, missing) for row, values in
               enumerate(frame.itertuples(index=False, name=None), start=1))
    summary = Summary()
    decided = list(decide_records(records, on_error=on_error, explain=explain, build_dir=build_dir, verify=verify,
                                  today=today, summary=summary))
    result = pd.DataFrame(decided) if decided else pd.DataFrame(columns=output_columns(explain))
    result.attrs["summary"] = summary.to_data()
    return result


def _record(row: int, values: tuple, names: list[str], columns: list, missing: Callable[[Any], bool]) -> Record:
    return tabular_record(FRAME, row, {n: None if missing(v) else v for n, v in zip(names, values, strict=True)},
                          columns)


def _missing(pd: Any) -> Callable[[Any], bool]:
    """Whether a cell is None, NaN or pandas' NA or NaT: an omitted field (a DataFrame has no empty cell)."""
    return lambda value: (value is None or value is pd.NA or value is pd.NaT
                          or (isinstance(value, float) and math.isnan(value)))
