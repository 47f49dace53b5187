/* jixiao
materialized: table
description: 专项资金目录
columns:
  fund_id: 资金编号
  fund_name: 资金名称
  budget_wan: 年度预算（万元）
  goal: 年度总体目标
tests:
  - unique: [fund_id]
  - not_null: [fund_id, fund_name, budget_wan]
*/
SELECT fund_id, fund_name, department, budget_wan, goal, _load_id AS load_id
FROM raw.catalog_funds
