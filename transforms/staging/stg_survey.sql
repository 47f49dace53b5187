/* jixiao
materialized: table
description: 满意度问卷（4 分及以上为满意）
columns:
  answer_id: 问卷编号
  unit_code: 单位代码
  fund_id: 资金编号
  score: 评分
  satisfied: 满意
tests:
  - unique: [answer_id]
  - accepted_values: {column: score, values: ["1", "2", "3", "4", "5"]}
*/
SELECT answer_id, unit_code, fund_id, score, score >= 4 AS satisfied, answered_at, _load_id AS load_id
FROM raw.survey
