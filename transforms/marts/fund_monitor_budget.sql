/* jixiao
materialized: table
description: >-
  运行监控表的预算执行部分（资金 × 单位（ALL 为全市）× 月，万元）：全年预算数、1–X月执行数、执行率、
  全年预计执行数与预计执行率（见 marts.projections）、偏离序时进度（百分点）与红黄绿灯
columns:
  fund_id: 资金编号
  fund_name: 资金名称
  department: 主管科室
  unit_code: 单位代码
  unit_name: 单位
  month: 月份
  months_elapsed: 已过月份
  pace: 序时进度
  budget_wan: 年初预算数（万元）
  adjustment_wan: 预算调整数（万元）
  planned_wan: 全年预算数（万元）
  arrived_wan: 1–X月到位数（万元）
  spent_wan: 1–X月执行数（万元）
  execution_rate: 1–X月执行率
  projected_wan: 全年预计执行数（万元）
  projected_rate: 全年预计执行率
  pace_gap: 偏离序时进度
  light: 灯
tests:
  - unique: [fund_id, unit_code, month]
  - accepted_values: {column: light, values: [绿, 黄, 红]}
*/
WITH settings AS (
    SELECT coalesce(light_yellow, 0.05) AS yellow, coalesce(light_red, 0.15) AS red FROM meta.project
)
SELECT b.fund_id, f.fund_name, f.department, b.unit_code, coalesce(u.unit_name, '全市') AS unit_name, b.month, b.months_elapsed, b.pace,
    b.budget_wan, b.adjustment_wan, b.planned_wan, b.arrived_wan, b.spent_wan, b.execution_rate,
    p.projected AS projected_wan, p.projected_rate,
    -- Positive: ahead of 序时进度; negative: behind it (in points of the budget).
    -- rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept a DOUBLE
    round((b.execution_rate - b.pace)::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS pace_gap,
    CASE WHEN b.pace - b.execution_rate <= s.yellow THEN '绿' WHEN b.pace - b.execution_rate <= s.red THEN '黄' ELSE '红' END AS light
FROM marts.fund_budget_months b
JOIN staging.stg_funds f USING (fund_id)
CROSS JOIN settings s
LEFT JOIN staging.stg_units u USING (unit_code)
LEFT JOIN marts.projections p ON p.context = 'fund_budget' AND p.group_id = b.fund_id AND p.unit_code = b.unit_code AND p.month = b.month
ORDER BY b.fund_id, b.unit_code = 'ALL' DESC, b.unit_code, b.month
