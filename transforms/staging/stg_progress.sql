/* jixiao
materialized: view
description: 各单位月度进度（每单位每指标每月一行，月份取当月第一天）
columns:
  unit_code: 单位代码
  indicator_id: 指标编号
  month: 月份
  actual: 本月完成
tests:
  - not_null: [unit_code, indicator_id, month, actual]
  - unique: [unit_code, indicator_id, month]
    severity: warn
  - relationships: {column: indicator_id, to: staging.stg_targets, field: indicator_id}
*/
SELECT
    unit_code,
    indicator_id,
    date_trunc('month', month)::DATE AS month,
    actual,
    remark,
    _file AS source_file,
    _row AS source_row,
    _load_id AS load_id
FROM raw.progress
