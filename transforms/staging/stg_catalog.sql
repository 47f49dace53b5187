/* jixiao
materialized: table
description: 指标目录（工作要点每项量化目标），类型与取值已校验
columns:
  indicator_id: 指标编号
  section: 条目
  indicator_name: 指标名称
  measure: 计量单位
  direction: 方向
  category: 类别
  kind: 类型
  target_city: 全市目标
  due_date: 完成时限
  data_source: 数据来源
  method: 计分方法
  weight: 权重
tests:
  - unique: [indicator_id]
  - not_null: [indicator_id, indicator_name, direction, kind, method, weight]
  - accepted_values: {column: direction, values: [正向, 反向]}
  - accepted_values: {column: category, values: [数量, 质量, 时效, 成本, 效益, 满意度]}
  - accepted_values: {column: kind, values: [count, ratio, deadline, every_case]}
  - accepted_values: {column: data_source, values: [progress, services]}
  - accepted_values: {column: method, values: [target_met, proportional, efficacy, rank, bonus]}
  - assert: "SELECT * FROM staging.stg_catalog WHERE method = 'efficacy' AND NOT (floor_value < satisfied_value)"
    name: efficacy_needs_floor_below_satisfied
  - assert: "SELECT * FROM staging.stg_catalog WHERE kind = 'deadline' AND due_date IS NULL"
    name: deadline_needs_due_date
  - assert: "SELECT * FROM staging.stg_catalog WHERE data_source = 'services' AND service_types IS NULL"
    name: services_need_service_types
*/
SELECT
    indicator_id,
    section,
    indicator_name,
    coalesce(measure, '项') AS measure,
    direction,
    category,
    kind,
    target_city,
    target_shi,
    target_qushi,
    target_kaifaqu,
    target_overrides,
    due_date,
    data_source,
    string_split(service_types, '/') AS service_types,
    method,
    weight,
    floor_value,
    satisfied_value,
    note,
    _load_id AS load_id
FROM raw.catalog_indicators
