"""Load a data.csv written by tables.CSVWriter with pandas and check its dtypes
and values against want.json (written by TestPandasReadsCSV).

Usage: check_pandas.py data.csv want.json
"""
import json
import math
import sys

import pandas as pd

path, want_path = sys.argv[1], sys.argv[2]
with open(want_path) as f:
    want = json.load(f)

ints = [c["name"] for c in want if c["type"] == "integer"]
dates = [c["name"] for c in want if c["type"] == "datetime"]
# Integer columns read as pandas' nullable Int64, so that missing values do
# not turn them into float64; everything else with pandas' defaults.
df = pd.read_csv(path, dtype={n: "Int64" for n in ints}, keep_default_na=True)
errors = []
if list(df.columns) != [c["name"] for c in want]:
    errors.append(f"columns: got {list(df.columns)}, want {[c['name'] for c in want]}")

for c in want:
    name, typ, values = c["name"], c["type"], c["values"]
    s = df[name]
    has_missing = any(v is None for v in values)
    if typ == "integer":
        ok = str(s.dtype) == "Int64"
        # A complete integer column is int64 with pandas' defaults too.
        if not has_missing:
            plain = pd.read_csv(path)[name]
            if str(plain.dtype) != "int64":
                errors.append(f"{name}: default dtype {plain.dtype}, want int64")
    elif typ == "numeric":
        ok = str(s.dtype) == "float64"
    elif typ == "boolean":
        ok = str(s.dtype) == ("object" if has_missing else "bool")
    elif typ == "datetime":
        s = pd.to_datetime(s, utc=True, format="ISO8601") if hasattr(pd, "__version__") and pd.__version__ >= "2" else pd.to_datetime(s, utc=True)
        ok = str(s.dtype).startswith("datetime64[ns")
    else:
        ok = str(s.dtype) == "object"
    if not ok:
        errors.append(f"{name}: dtype {s.dtype} for a {typ} column")
    for i, v in enumerate(values):
        got = s.iloc[i]
        if v is None:
            if not pd.isna(got):
                errors.append(f"{name}[{i}]: got {got!r}, want missing")
            continue
        if pd.isna(got):
            errors.append(f"{name}[{i}]: got missing, want {v!r}")
            continue
        if typ == "datetime":
            got = got.value
        elif typ == "numeric":
            got = float(got)
        elif typ == "integer":
            got = int(got)
        elif typ == "boolean":
            got = bool(got) if not isinstance(got, str) else got in ("True", "true", "TRUE")
        if got != v and not (isinstance(v, float) and math.isclose(got, v, rel_tol=0, abs_tol=0)):
            errors.append(f"{name}[{i}]: got {got!r}, want {v!r}")

if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"pandas {pd.__version__}: {len(df)} rows, dtypes " + ", ".join(f"{n}={t}" for n, t in df.dtypes.items()))
