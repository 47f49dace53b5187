/* jixiao
materialized: incremental
partition_by: month
description: >-
  服务记录按服务单位 × 服务类型 × 资金 × 月汇总：服务人次与金额，各指标“例”数与资金的服务记录金额由此得出；
  增量构建，每月只重算有新记录（或记录有变动）的月份
columns:
  unit_code: 服务单位
  service_type: 服务类型
  fund_id: 资金编号
  month: 月份
  services: 服务人次
  amount_yuan: 金额（元）
  load_ids: 来源批次
tests:
  - not_null: [unit_code, service_type, month, services]
  - unique: [unit_code, service_type, fund_id, month]
*/
SELECT
    unit_code,
    service_type,
    fund_id,
    month,
    count(*) AS services,
    -- exact (DECIMAL) sums: a month rebuilt alone adds up as the whole year did
    sum(amount_yuan::DECIMAL(18, 4)) AS amount_yuan,
    array_agg(DISTINCT load_id ORDER BY load_id) AS load_ids
FROM staging.stg_services
GROUP BY unit_code, service_type, fund_id, month
