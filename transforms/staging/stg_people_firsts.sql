/* jixiao
materialized: incremental
partition_by: month
# A person's first month of a set of service types is the earliest of
# their first months of its types: a rebuild reads the changed months of
# staging.stg_service_firsts and adds the people not counted before.
first_seen: [type_set, unit_code, person_key, year]
description: >-
  每人每年在某服务单位首次接受某服务类型组合（staging.stg_type_sets）中任一类服务的月份：
  各指标、各资金按“人”计的单位服务人数由此逐月计数，不再逐人去重；按首次服务月份分区，增量构建只读取有变动的月份
columns:
  type_set: 服务类型组合
  unit_code: 服务单位
  person_key: 人员键
  year: 年度
  month: 首次服务月份
tests:
  - not_null: [type_set, unit_code, person_key, month]
  - unique: [type_set, unit_code, person_key, year]
*/
SELECT s.type_set, f.unit_code, f.person_key, f.year, min(f.month) AS month
FROM staging.stg_service_firsts f
JOIN (SELECT DISTINCT type_set, service_type FROM staging.stg_type_sets) s ON s.service_type = f.service_type
GROUP BY s.type_set, f.unit_code, f.person_key, f.year
