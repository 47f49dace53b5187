/* jixiao
materialized: view
description: 各市单位综合考核（城市 × 单位）
tests:
  - unique: [city, unit_code]
  - not_null: [total]
*/
SELECT city, unit_code, unit_name, base_points, bonus, deduction, total, rank, coalesce(provisional, false) AS provisional,
    _load_id AS load_id
FROM raw.unit_assessment
