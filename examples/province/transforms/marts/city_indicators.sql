/* jixiao
description: 各市各指标完成情况（各市最新月份，各市自己的口径与判定）与各市间名次（完成率从高到低，并列同名次）
columns:
  city: 城市代码
  city_name: 城市
  indicator_id: 指标编号
  indicator_name: 指标名称
  kind: 类型
  month: 月份
  actual_cum: 累计完成
  target: 全年目标
  completion_rate: 完成率
  pace: 序时进度
  status: 状态
  city_rank: 各市名次
  cities: 有完成率的城市数
tests:
  - unique: [city, indicator_id]
  - not_null: [city_name, month, status]
  - accepted_values: {column: status, values: [完成, 正常, 滞后, 未到期, 超限]}
*/
WITH latest AS (
    -- each city's newest month (a window filtered in a subquery, not QUALIFY)
    SELECT * FROM (
        SELECT cc.*, max(cc.month) OVER (PARTITION BY cc.city) AS newest
        FROM staging.stg_city_completion cc
    ) AS months
    WHERE month = newest
)
SELECT
    l.city, c.city_name, l.indicator_id, l.indicator_name, l.kind, l.direction, l.month,
    l.actual_cum, l.target, l.completion_rate, l.pace, l.status, l.counted,
    -- Floors and ceilings have no completion rate: they are not ranked.
    CASE WHEN l.completion_rate IS NOT NULL
         THEN rank() OVER (PARTITION BY l.indicator_id, l.completion_rate IS NULL ORDER BY l.completion_rate DESC) END AS city_rank,
    count(l.completion_rate) OVER (PARTITION BY l.indicator_id) AS cities,
    l.load_id
FROM latest l JOIN staging.stg_cities c USING (city)
ORDER BY l.indicator_id, l.city
