/* jixiao
materialized: incremental
partition_by: month
description: >-
  按首次服务月份计的人数（服务类型组合 × 服务单位，ALL 为全市去重 × 年 × 月）：各指标、各资金按“人”计的服务人数
  由此逐月相加；增量构建只重算首次服务月份有变动的月份
columns:
  type_set: 服务类型组合
  unit_code: 服务单位（ALL 为全市）
  year: 年度
  month: 首次服务月份
  persons: 人数
tests:
  - not_null: [type_set, unit_code, year, month, persons]
  - unique: [type_set, unit_code, year, month]
*/
SELECT type_set, unit_code, year, month, count(*) AS persons
FROM staging.stg_people_firsts
GROUP BY type_set, unit_code, year, month
UNION ALL
SELECT type_set, 'ALL', year, month, count(*)
FROM staging.stg_people_firsts_city
GROUP BY type_set, year, month
