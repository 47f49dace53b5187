/* jixiao
description: 累计完成与完成率
columns:
  unit_code: 单位代码
  actual: 累计完成
  target: 全年目标
  completion_rate: 完成率
tests:
  - unique: unit_code
  - relationships: {column: unit_code, to: raw.targets}
  - assert: "SELECT * FROM marts.completion WHERE completion_rate > 1"
    name: not_over_target
    severity: warn
*/
SELECT p.unit_code, sum(p.actual) AS actual, t.target, round(sum(p.actual) / t.target, 4) AS completion_rate
FROM staging.stg_progress p
JOIN raw.targets t USING (unit_code)
GROUP BY p.unit_code, t.target
ORDER BY p.unit_code
