/* jixiao
materialized: view
description: 各市服务记录（每次服务一行；各市导出时已去标识）
tests:
  - unique: [city, service_id]
  - not_null: [city, service_id, month]
*/
SELECT city, service_id, service_type, month, unit_code, amount_yuan, fund_id, _load_id AS load_id
FROM raw.services
