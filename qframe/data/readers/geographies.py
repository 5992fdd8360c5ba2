"""``ORGANISATION_REFERENCE_<yyyy>.csv`` and ``MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv``: the units
(practices) and their attributes (CCG, region, PCN, ...)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qframe.data.readers.columns import find_columns, units_frame
from qframe.data.readers.part import FilePart

ORGANISATION_REFERENCE_TITLE = "ORGANISATION_REFERENCE_<yyyy>.csv"
GEOGRAPHIES_TITLE = "MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv"

#: ORGANISATION_REFERENCE_<yyyy>.csv and MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv → unit attributes.
#: ccg and region are ODS codes (02N, Y54); stp is the ONS code (E54…), the one code every year's
#: file has. Columns not listed are kept as attributes named in snake_case.
GEOGRAPHY_COLUMNS: dict[str, str] = {
    "PRACTICE_CODE": "unit_id",
    "PRACTICE_NAME": "name",
    "CCG_CODE": "ccg",
    "CCG_ODS_CODE": "ccg",
    "CCG_GEOGRAPHY_CODE": "ccg_ons_code",
    "CCG_ONS_CODE": "ccg_ons_code",
    "CCG_NAME": "ccg_name",
    "STP_CODE": "stp",
    "STP_ONS_CODE": "stp",
    "STP_ODS_CODE": "stp_ods_code",
    "STP_NAME": "stp_name",
    "SUBREGION_CODE": "subregion",
    "REGIONAL_LOCAL_OFFICE_CODE": "subregion",
    "SUBREGION_GEOGRAPHY_CODE": "subregion_ons_code",
    "REGIONAL_LOCAL_OFFICE_ONS_CODE": "subregion_ons_code",
    "SUBREGION_NAME": "subregion_name",
    "REGIONAL_LOCAL_OFFICE_NAME": "subregion_name",
    "REGION_CODE": "region",
    "REGION_ODS_CODE": "region",
    "REGION_GEOGRAPHY_CODE": "region_ons_code",
    "REGION_ONS_CODE": "region_ons_code",
    "REGION_NAME": "region_name",
    "PCN_ODS_CODE": "pcn",
    "PCN_NAME": "pcn_name",
    "NAT_CODE": "country_code",
    "NAT_ONS_CODE": "country_ons_code",
    "COUNTRY": "country",
    "REVISED_MAXIMUM_POINTS": "revised_maximum_points",
}


def _read_geography(
    path: Path, frame: pd.DataFrame, period: str, kind: str, title: str
) -> FilePart:
    file = str(path)
    part = FilePart(file, kind, period or None)
    _, part.problems = find_columns(frame, {"practice": ("PRACTICE_CODE",)}, file, title)
    if part.problems:
        return part
    part.units, part.problems = units_frame(frame, list(frame.columns), GEOGRAPHY_COLUMNS, file)
    return part


def read_organisation_reference(path: Path, frame: pd.DataFrame, period: str) -> FilePart:
    """Units and their attributes from ORGANISATION_REFERENCE_<yyyy>.csv."""
    return _read_geography(
        path, frame, period, "organisation_reference", ORGANISATION_REFERENCE_TITLE
    )


def read_geographies(path: Path, frame: pd.DataFrame, period: str) -> FilePart:
    """Units and their attributes from MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv."""
    return _read_geography(path, frame, period, "geographies", GEOGRAPHIES_TITLE)
