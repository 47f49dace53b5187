/* jixiao
description: 各市专项资金执行与绩效（城市 × 资金，全市口径），执行率在各市间的名次
columns:
  city: 城市代码
  city_name: 城市
  fund_id: 资金编号
  fund_name: 资金名称
  planned_wan: 调整后预算（万元）
  arrived_wan: 到位（万元）
  spent_wan: 支出（万元）
  execution_rate: 预算执行率
  pace: 序时进度
  total: 绩效总分
  grade: 等级
  execution_rank: 执行率名次
tests:
  - unique: [city, fund_id]
  - accepted_values: {column: grade, values: [优, 良, 中, 差]}
*/
SELECT
    f.city, c.city_name, f.fund_id, f.fund_name, f.planned_wan, f.arrived_wan, f.spent_wan,
    f.execution_rate, f.pace, f.total, f.grade,
    rank() OVER (PARTITION BY f.fund_id ORDER BY f.execution_rate DESC NULLS LAST) AS execution_rank,
    f.load_id
FROM staging.stg_city_funds f JOIN staging.stg_cities c USING (city)
ORDER BY f.fund_id, f.city
