/* jixiao
materialized: view
description: 各市单位综合考核的每项得分（城市 × 单位 × 指标；未到期的节点性指标不在其中）
tests:
  - unique: [city, unit_code, item_id]
  - not_null: [weight, score]
*/
SELECT city, unit_code, item_id, method, weight, score, _load_id AS load_id
FROM raw.indicator_scores
WHERE context = 'assessment'
