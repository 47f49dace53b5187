/* jixiao
materialized: table
description: 指标完成情况（指标 × 单位 × 月）：累计完成、全年目标、完成率、序时进度与状态
columns:
  indicator_id: 指标编号
  indicator_name: 指标名称
  unit_code: 单位代码
  unit_name: 单位
  month: 月份
  actual_month: 本月完成
  actual_cumulative: 累计完成
  target: 全年目标
  completion_rate: 完成率
  pace: 序时进度
  status: 状态
tests:
  - not_null: [indicator_id, unit_code, month, status]
  - unique: [indicator_id, unit_code, month]
  - accepted_values: {column: status, values: [完成, 正常, 滞后]}
  - assert: "SELECT * FROM marts.indicator_completion WHERE completion_rate < 0 OR pace NOT BETWEEN 0 AND 1"
    name: rates_in_range
*/
WITH months AS (
    -- every month of the plan year up to the newest report, so a unit that
    -- reported nothing in a month still gets a row
    SELECT range::DATE AS month
    FROM meta.project AS p,
         range(make_date(p.plan_year, 1, 1), (SELECT max(month) FROM staging.stg_progress) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
),
grid AS (
    SELECT t.indicator_id, t.indicator_name, t.unit_code, t.target, m.month
    FROM staging.stg_targets t CROSS JOIN months m
),
monthly AS (
    SELECT indicator_id, unit_code, month, sum(actual) AS actual_month
    FROM staging.stg_progress
    GROUP BY ALL
)
SELECT
    g.indicator_id,
    g.indicator_name,
    g.unit_code,
    u.unit_name,
    g.month,
    coalesce(p.actual_month, 0) AS actual_month,
    sum(coalesce(p.actual_month, 0)) OVER (PARTITION BY g.indicator_id, g.unit_code ORDER BY g.month) AS actual_cumulative,
    g.target,
    round(actual_cumulative / g.target, 4) AS completion_rate,
    round(month(g.month) / 12.0, 4) AS pace,
    CASE
        WHEN actual_cumulative >= g.target THEN '完成'
        WHEN actual_cumulative / g.target >= month(g.month) / 12.0 THEN '正常'
        ELSE '滞后'
    END AS status
FROM grid g
LEFT JOIN monthly p USING (indicator_id, unit_code, month)
LEFT JOIN staging.stg_units u USING (unit_code)
ORDER BY g.indicator_id, g.unit_code, g.month
