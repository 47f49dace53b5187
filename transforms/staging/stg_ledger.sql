/* jixiao
materialized: table
description: 专项资金台账（万元）：预算、调整、到位与支出，按资金 × 单位 × 月
columns:
  fund_id: 资金编号
  unit_code: 单位代码
  month: 月份
  budget_wan: 预算数（万元）
  adjustment_wan: 调整数（万元）
  arrived_wan: 到位数（万元）
  spent_wan: 支出数（万元）
tests:
  - not_null: [fund_id, unit_code, month]
  - unique: [fund_id, unit_code, month]
  - relationships: {column: fund_id, to: staging.stg_funds, field: fund_id}
*/
SELECT
    fund_id,
    unit_code,
    date_trunc('month', month)::DATE AS month,
    sum(coalesce(budget_wan, 0)) AS budget_wan,
    sum(coalesce(adjustment_wan, 0)) AS adjustment_wan,
    sum(coalesce(arrived_wan, 0)) AS arrived_wan,
    sum(coalesce(spent_wan, 0)) AS spent_wan,
    any_value(_load_id) AS load_id
FROM raw.ledger
GROUP BY ALL
