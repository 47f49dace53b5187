/* jixiao
materialized: view
description: 各市专项资金绩效（城市 × 资金，全市口径）
columns:
  city: 城市代码
  fund_id: 资金编号
  fund_name: 资金名称
  planned_wan: 调整后预算（万元）
  spent_wan: 支出（万元）
  execution_rate: 预算执行率
  total: 总分
  grade: 等级
tests:
  - unique: [city, fund_id]
  - not_null: [city, fund_id]
*/
SELECT city, fund_id, fund_name, planned_wan, arrived_wan, spent_wan, execution_rate, pace, total, grade, _load_id AS load_id
FROM raw.fund_performance
WHERE unit_code = 'ALL'
