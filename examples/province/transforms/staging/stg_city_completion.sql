/* jixiao
materialized: view
description: 各市全市指标完成情况（城市 × 指标 × 月），各市自己的口径与判定
columns:
  city: 城市代码
  indicator_id: 指标编号
  indicator_name: 指标名称
  month: 月份
  completion_rate: 完成率
  status: 状态
tests:
  - unique: [city, indicator_id, month]
  - not_null: [city, indicator_id, month, status]
  - relationships: {column: city, to: staging.stg_cities, field: city}
  - accepted_values: {column: status, values: [完成, 正常, 滞后, 未到期, 超限]}
*/
SELECT
    city, indicator_id, indicator_name, kind, direction, month, units, actual_cum, target,
    completion_rate, pace, status,
    -- An "A或B" route scored under its primary is not counted twice.
    coalesce(counted, true) AS counted,
    _load_id AS load_id
FROM raw.city_completion
