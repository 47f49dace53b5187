/* jixiao
materialized: incremental
partition_by: month
# A person's first month moves only from the changed months on: a rebuild
# reads the records of those months and adds the people not served before.
first_seen: [service_type, unit_code, person_key, year]
description: >-
  每人每年首次接受某服务单位某类服务的月份（服务类型 × 服务单位 × 人员键 × 年）：按“人”计的指标与资金服务人数由此去重计数；
  按首次服务月份分区，增量构建只读取最早变动月份起的服务记录，补入此前未服务过的人
columns:
  service_type: 服务类型
  unit_code: 服务单位
  person_key: 人员键
  year: 年度
  month: 首次服务月份
tests:
  - not_null: [service_type, unit_code, person_key, month]
  - unique: [service_type, unit_code, person_key, year]
  # Every service record's person, as the roster knows them.
  - relationships: {column: person_key, to: staging.stg_persons, field: person_key}
    severity: warn
*/
SELECT service_type, unit_code, person_key, CAST(extract(year FROM month) AS BIGINT) AS year, min(month) AS month
FROM staging.stg_services
GROUP BY service_type, unit_code, person_key, CAST(extract(year FROM month) AS BIGINT)
