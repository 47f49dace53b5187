/* jixiao
materialized: view
description: 年度目标（指标 × 单位），类型已规范
columns:
  indicator_id: 指标编号
  indicator_name: 指标名称
  section: 条目
  unit_code: 单位代码
  target: 全年目标
  measure: 计量单位
tests:
  - not_null: [indicator_id, unit_code, target]
  - unique: [indicator_id, unit_code]
  - assert: "SELECT * FROM staging.stg_targets WHERE target <= 0"
    name: target_positive
*/
SELECT
    indicator_id,
    indicator_name,
    section,
    unit_code,
    target::DOUBLE AS target,
    coalesce(measure, '项') AS measure,
    _load_id AS load_id
FROM raw.targets
