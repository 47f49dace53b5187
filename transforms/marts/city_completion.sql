/* jixiao
materialized: table
description: 全市指标完成情况（指标 × 月）：全市目标对各单位合计；比例类按分子分母合计；时限类按完成单位占比
columns:
  indicator_id: 指标编号
  indicator_name: 指标名称
  kind: 类型
  month: 月份
  units: 责任单位数
  actual_cum: 全市累计完成
  target: 全市目标
  completion_rate: 完成率
  pace: 序时进度
  status: 状态
  units_behind: 滞后单位数
tests:
  - unique: [indicator_id, month]
  - accepted_values: {column: status, values: [完成, 正常, 滞后]}
*/
WITH project AS (SELECT coalesce(pace_tolerance, 0) AS tol FROM meta.project),
agg AS (
    SELECT
        i.indicator_id, i.indicator_name, i.section, i.kind, i.direction, i.month, any_value(i.pace) AS pace,
        count(*) AS units,
        sum(i.actual_cum) AS actual_cum,
        sum(i.demand_cum) AS demand_cum,
        sum(i.target) AS unit_targets,
        count(*) FILTER (WHERE i.status = '完成') AS units_done,
        count(*) FILTER (WHERE i.status = '滞后') AS units_behind
    FROM marts.indicator_completion i
    GROUP BY ALL
),
measured AS (
    SELECT a.*, c.target_city,
        CASE
            WHEN a.kind IN ('ratio', 'every_case') THEN coalesce(c.target_city, 1)
            WHEN a.kind = 'deadline' THEN 1
            ELSE coalesce(c.target_city, a.unit_targets)
        END AS target,
        CASE
            WHEN a.kind IN ('ratio', 'every_case') THEN CASE WHEN a.demand_cum > 0 THEN a.actual_cum / a.demand_cum ELSE 1 END
            WHEN a.kind = 'deadline' THEN a.units_done / a.units
            ELSE a.actual_cum
        END AS measure
    FROM agg a JOIN staging.stg_catalog c USING (indicator_id)
)
SELECT
    m.indicator_id, m.section, m.indicator_name, m.kind, m.direction, m.month, m.units,
    m.actual_cum, m.demand_cum, m.target,
    round(m.measure / m.target, 4) AS completion_rate,
    m.pace,
    CASE
        WHEN m.direction = '反向' THEN
            CASE WHEN month(m.month) = 12 AND m.measure <= m.target THEN '完成' WHEN m.measure <= m.target * m.pace * (1 + p.tol) THEN '正常' ELSE '滞后' END
        WHEN m.measure >= m.target THEN '完成'
        WHEN m.kind IN ('ratio', 'every_case') THEN CASE WHEN m.measure >= m.target - p.tol THEN '正常' ELSE '滞后' END
        WHEN m.measure / m.target >= m.pace - p.tol THEN '正常'
        ELSE '滞后'
    END AS status,
    m.units_done,
    m.units_behind
FROM measured m CROSS JOIN project p
ORDER BY m.indicator_id, m.month
