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
  alt_of: 或目标
  basis: 目标依据
  basis_text: 依据说明
tests:
  - unique: [indicator_id]
  - not_null: [indicator_id, indicator_name, direction, kind, method, weight]
  - accepted_values: {column: direction, values: [正向, 反向]}
  - accepted_values: {column: category, values: [数量, 质量, 时效, 成本, 效益, 满意度]}
  - accepted_values: {column: kind, values: [count, milestone, ratio, deadline, every_case]}
  - accepted_values: {column: basis, values: [原文, 推定]}
  - accepted_values: {column: data_source, values: [progress, services]}
  - accepted_values: {column: method, values: [target_met, proportional, efficacy, rank, bonus, none]}
  - assert: "SELECT * FROM staging.stg_catalog WHERE method = 'efficacy' AND NOT (floor_value < satisfied_value)"
    name: efficacy_needs_floor_below_satisfied
  - assert: "SELECT * FROM staging.stg_catalog WHERE kind = 'deadline' AND due_date IS NULL"
    name: deadline_needs_due_date
  - assert: "SELECT * FROM staging.stg_catalog WHERE data_source = 'services' AND service_types IS NULL"
    name: services_need_service_types
  # An "A或B" target names its partner, which must exist and not be one itself.
  - assert: "SELECT a.* FROM staging.stg_catalog a LEFT JOIN staging.stg_catalog b ON b.indicator_id = a.alt_of WHERE a.alt_of IS NOT NULL AND (b.indicator_id IS NULL OR b.alt_of IS NOT NULL)"
    name: alt_of_names_a_primary
  - assert: "SELECT * FROM staging.stg_catalog WHERE basis IS NULL OR basis_text IS NULL"
    name: every_target_states_its_basis
    severity: warn
*/
SELECT
    indicator_id,
    section,
    indicator_name,
    coalesce(measure, '项') AS measure,
    direction,
    category,
    kind,
    -- Milestones and deadlines are judged at their due date, which is the
    -- plan year's end when the plan names none.
    coalesce(due_date, make_date((SELECT plan_year FROM meta.project), 12, 31)) AS due_on,
    target_city,
    target_shi,
    target_qushi,
    target_kaifaqu,
    target_overrides,
    due_date,
    data_source,
    string_to_array(service_types, '/') AS service_types,
    method,
    weight,
    floor_value,
    satisfied_value,
    alt_of,
    coalesce(per_department, false) AS per_department,
    basis,
    basis_text,
    note,
    _load_id AS load_id
FROM raw.catalog_indicators
