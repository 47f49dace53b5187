/* jixiao
materialized: table
description: 专项资金绩效评价指标（每项资金各指标权重合计 100 分）
columns:
  fund_id: 资金编号
  level1: 一级指标
  level2: 二级指标
  indicator_name: 指标名称
  nature: 性质
  direction: 方向
  target: 目标值
  weight: 权重
  data_source: 数据来源
  measure: 计量单位
  plan_indicator: 对应工作要点指标
  target_text: 目标说明
  basis: 目标依据
  basis_text: 依据说明
  catalog_row: 目录行号
tests:
  - unique: [fund_id, indicator_name]
  - relationships: {column: fund_id, to: staging.stg_funds, field: fund_id}
  - accepted_values: {column: level1, values: [决策, 过程, 产出, 效益]}
  - accepted_values: {column: nature, values: [定量, 定性]}
  - accepted_values: {column: data_source, values: [review, arrival_rate, execution_rate, services, unit_cost, survey]}
  - assert: "SELECT fund_id, sum(weight) AS total FROM staging.stg_fund_indicators GROUP BY fund_id HAVING abs(sum(weight) - 100) > 0.001"
    name: weights_sum_to_100
  # The plan indicator whose report rows explain this one must exist.
  - relationships: {column: plan_indicator, to: staging.stg_catalog, field: indicator_id}
*/
SELECT fund_id, level1, level2, indicator_name, nature, direction, target, weight, data_source, service_type,
    nullif(measure, '') AS measure, nullif(plan_indicator, '') AS plan_indicator, nullif(target_text, '') AS target_text,
    nullif(basis, '') AS basis, nullif(basis_text, '') AS basis_text,
    -- The catalog's own order, which the finance forms keep.
    _row AS catalog_row, _load_id AS load_id
FROM raw.catalog_fund_indicators
