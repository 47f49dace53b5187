/* jixiao
materialized: incremental
partition_by: month
# As staging.stg_people_firsts, across the city: someone served in two
# units counts once, in the month first served in either.
first_seen: [type_set, person_key, year]
description: >-
  每人每年在全市首次接受某服务类型组合中任一类服务的月份（在两个单位接受服务的人只计一次）：
  全市按“人”计的服务人数由此逐月计数；按首次服务月份分区，增量构建只读取有变动的月份
columns:
  type_set: 服务类型组合
  person_key: 人员键
  year: 年度
  month: 首次服务月份
tests:
  - not_null: [type_set, person_key, month]
  - unique: [type_set, person_key, year]
*/
SELECT s.type_set, f.person_key, f.year, min(f.month) AS month
FROM staging.stg_service_firsts f
JOIN (SELECT DISTINCT type_set, service_type FROM staging.stg_type_sets) s ON s.service_type = f.service_type
GROUP BY s.type_set, f.person_key, f.year
