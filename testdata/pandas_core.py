"""The pipeline's core computation in pandas, as PERFORMANCE.md's pandas
baseline does it: load the roster and the service records, then per unit,
service type and month count services and distinct people, sum amounts,
cumulate over the months, join the targets, and derive completion, pace and
status. Used by BenchmarkScaleVsBareDuckDB, which times this script as a
whole process, interpreter start-up and imports included, as it times
`jixiao run`; prints the seconds the load and the computation alone took
(for reference) and the number of result rows, which must equal bare
DuckDB's.

usage: pandas_core.py persons.csv services.csv indicators.csv
"""
import sys
import time

import numpy as np
import pandas as pd


def main(persons_path, services_path, targets_path):
    start = time.perf_counter()
    persons = pd.read_csv(persons_path, dtype={"残疾人证号": str, "身份证号": str, "联系电话": str})
    services = pd.read_csv(services_path, dtype={"残疾人证号": str}, parse_dates=["服务日期"])
    targets = pd.read_csv(targets_path)

    s = services.merge(persons[["残疾人证号"]], on="残疾人证号")
    s["month"] = s["服务日期"].dt.to_period("M").dt.to_timestamp()
    monthly = (
        s.groupby(["服务单位", "服务类型", "month"])
        .agg(services=("服务编号", "size"), persons=("残疾人证号", "nunique"), amount=("金额（元）", "sum"))
        .reset_index()
        .sort_values(["服务单位", "服务类型", "month"])
    )
    by = monthly.groupby(["服务单位", "服务类型"])
    monthly["persons_cum"] = by["persons"].cumsum()
    monthly["amount_cum"] = by["amount"].cumsum()

    t = targets[["指标编号", "全市目标", "服务类型"]].dropna(subset=["服务类型"])
    out = monthly.merge(t, on="服务类型")
    out["completion"] = out["persons_cum"] / out["全市目标"].replace(0, np.nan)
    out["pace"] = out["month"].dt.month / 12
    out["status"] = np.select(
        [out["completion"] >= 1, out["completion"] >= out["pace"] - 0.05], ["完成", "正常"], "滞后"
    )
    print(f"{time.perf_counter() - start:.6f} {len(out)}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
