/* jixiao
description: >-
  全省各指标（各市最新月份）：完成、按序时、滞后的城市数与滞后的城市；累计类正向指标另有各市累计之和对各市目标之和的完成率
columns:
  indicator_id: 指标编号
  indicator_name: 指标名称
  cities: 城市数
  cities_done: 已完成城市数
  cities_on_pace: 按序时推进城市数
  cities_behind: 滞后或超限城市数
  cities_not_due: 未到期城市数
  actual_cum: 各市累计之和
  target: 各市目标之和
  completion_rate: 全省完成率
  behind_cities: 滞后或超限的城市
tests:
  - unique: [indicator_id]
*/
SELECT
    indicator_id,
    -- the name the first city (by code) gives it
    (array_agg(indicator_name ORDER BY city))[1] AS indicator_name,
    count(*) AS cities,
    count(*) FILTER (WHERE status = '完成') AS cities_done,
    count(*) FILTER (WHERE status = '正常') AS cities_on_pace,
    count(*) FILTER (WHERE status IN ('滞后', '超限')) AS cities_behind,
    count(*) FILTER (WHERE status = '未到期') AS cities_not_due,
    CASE WHEN bool_and(kind = 'count' AND direction = '正向') THEN sum(actual_cum::DECIMAL(18, 4))::DOUBLE PRECISION END AS actual_cum,
    CASE WHEN bool_and(kind = 'count' AND direction = '正向') THEN sum(target::DECIMAL(18, 4))::DOUBLE PRECISION END AS target,
    -- rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept a DOUBLE
    CASE WHEN bool_and(kind = 'count' AND direction = '正向')
         THEN round((sum(actual_cum::DECIMAL(18, 4))::DOUBLE PRECISION / nullif(sum(target::DECIMAL(18, 4))::DOUBLE PRECISION, 0))::DECIMAL(38, 12), 4)::DOUBLE PRECISION
    END AS completion_rate,
    string_agg(city_name, '、' ORDER BY city) FILTER (WHERE status IN ('滞后', '超限')) AS behind_cities
FROM marts.city_indicators
WHERE counted
GROUP BY indicator_id
ORDER BY indicator_id
