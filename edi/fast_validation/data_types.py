"""X12 data types as pyx12 (validation.IsValidDataType, extended character set) judges them.

pyx12 validates with its default parameters: character set "E" (extended), which for a 5010 map
adds ^ and ` to the 4010 extended set. Dates before 1800 are invalid; a time is HHMM[SS[D[D]]].
"""

from __future__ import annotations

import re

NUMBER = re.compile(r"-?[0-9]+")
DECIMAL = re.compile(r"-?[0-9]*(\.[0-9]+)?")
EXTENDED_5010 = re.compile(r"""[^A-Z0-9!"&'()*+,\-\./:;?= a-z%~@\[\]_{}\\|<>^`#$]""")
EXTENDED_4010 = re.compile(r"""[^A-Z0-9!"&'()*+,\-\./:;?= a-z%~@\[\]_{}\\|<>#$]""")
NOT_DIGIT = re.compile(r"[^0-9]+")
THIRTY_ONE = (1, 3, 5, 7, 8, 10, 12)


def is_valid_type(value: str, data_type: str | None, icvn_5010: bool = True) -> bool:
    """True when `value` (not empty) is valid for `data_type`; raises what pyx12 raises."""
    from edi.fast_validation.element_rules import Pyx12WouldRaise

    if not data_type:
        return True
    if data_type[0] == "N":
        return _whole_match(NUMBER, value)
    if data_type == "R":
        return _whole_match(DECIMAL, value)
    if data_type in ("ID", "AN"):
        return not (EXTENDED_5010 if icvn_5010 else EXTENDED_4010).search(value)
    if data_type == "RD8":
        if "-" not in value:
            return False
        parts = value.split("-")
        if len(parts) != 2:
            raise Pyx12WouldRaise("a date range with more than one '-' (pyx12 raises ValueError)")
        return is_valid_date("D8", parts[0]) and is_valid_date("D8", parts[1])
    if data_type in ("DT", "D8", "D6"):
        return is_valid_date(data_type, value)
    if data_type == "TM":
        return is_valid_time(value)
    return data_type == "B"


def _whole_match(pattern: re.Pattern, value: str) -> bool:
    found = pattern.match(value)
    return found is not None and found.group(0) == value


def is_valid_date(data_type: str, value: str) -> bool:
    if (data_type == "D8" and len(value) != 8) or (data_type == "D6" and len(value) != 6):
        return False
    if NOT_DIGIT.search(value) or len(value) not in (6, 8, 12):
        return False
    if len(value) == 6:
        value = ("20" if int(value[0:2]) < 50 else "19") + value
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    if year < 1800 or not 1 <= month <= 12:
        return False
    if month in THIRTY_ONE:
        last = 31
    elif month != 2:
        last = 30
    else:
        last = 29 if not year % 4 and not (not year % 100 and year % 400) else 28
    if not 1 <= day <= last:
        return False
    return len(value) != 12 or is_valid_time(value[8:12])


def is_valid_time(value: str) -> bool:
    if NOT_DIGIT.search(value):
        return False
    if value[0:2] > "23" or value[2:4] > "59":
        return False
    if len(value) > 4:
        return len(value) >= 6 and value[4:6] <= "59" and len(value) <= 8
    return True
