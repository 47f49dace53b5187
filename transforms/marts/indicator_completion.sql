/* jixiao
materialized: table
description: 指标完成情况（指标 × 单位 × 月）：累计完成、全年目标、完成率、序时进度与状态（完成/正常/滞后）
columns:
  indicator_id: 指标编号
  section: 条目
  indicator_name: 指标名称
  kind: 类型
  direction: 方向
  unit_code: 单位代码
  unit_name: 单位
  unit_kind: 单位类别
  month: 月份
  actual_month: 本月完成
  actual_cum: 累计完成
  demand_cum: 累计需求
  target: 全年目标
  rate: 实际比例
  completion_rate: 完成率
  pace: 序时进度
  status: 状态
  over_target: 超目标需说明
  load_ids: 来源批次
tests:
  - not_null: [indicator_id, unit_code, month, status, target]
  - unique: [indicator_id, unit_code, month]
  - accepted_values: {column: status, values: [完成, 正常, 滞后]}
  - relationships: {column: unit_code, to: staging.stg_units, field: unit_code}
  - assert: "SELECT * FROM marts.indicator_completion WHERE completion_rate < 0 OR pace NOT BETWEEN 0 AND 1 OR actual_cum < 0"
    name: rates_in_range
*/
WITH project AS (
    SELECT plan_year, coalesce(pace_tolerance, 0) AS tol, coalesce(overachievement_ratio, 1.3) AS over_ratio FROM meta.project
),
last_month AS (
    -- The newest month any unit reported or any service was given in.
    SELECT greatest(
        (SELECT max(month) FROM staging.stg_progress),
        (SELECT max(month) FROM staging.stg_services, project WHERE year(month) = project.plan_year)
    ) AS month
),
months AS (
    SELECT range::DATE AS month
    FROM project, last_month, range(make_date(project.plan_year, 1, 1), last_month.month + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
),
grid AS (
    SELECT t.indicator_id, t.unit_code, t.target, m.month
    FROM staging.stg_targets t CROSS JOIN months m
),
reported AS (
    SELECT p.indicator_id, p.unit_code, p.month, p.done, p.demand
    FROM staging.stg_progress p JOIN staging.stg_catalog c USING (indicator_id)
    WHERE c.data_source = 'progress'
),
served_first AS (
    -- People count once a year: the month they were first served.
    SELECT c.indicator_id, s.unit_code, s.person_key, min(s.month) AS month
    FROM staging.stg_services s
    JOIN staging.stg_catalog c ON c.data_source = 'services' AND list_contains(c.service_types, s.service_type)
    JOIN project ON year(s.month) = project.plan_year
    GROUP BY ALL
),
served AS (
    SELECT indicator_id, unit_code, month, count(*) AS done FROM served_first GROUP BY ALL
),
eligible AS (
    -- For every-case indicators from service records, the people owed the
    -- service are the unit's eligible roster.
    SELECT c.indicator_id, p.unit_code, count(*) AS demand
    FROM staging.stg_persons p JOIN staging.stg_catalog c ON c.data_source = 'services' AND c.kind = 'every_case'
    WHERE p.subsidy_eligible
    GROUP BY ALL
),
loads AS (
    SELECT indicator_id, unit_code, list(DISTINCT load_id ORDER BY load_id) AS load_ids FROM (
        SELECT p.indicator_id, p.unit_code, p.load_id FROM staging.stg_progress p
        UNION ALL
        SELECT DISTINCT c.indicator_id, s.unit_code, s.load_id
        FROM staging.stg_services s JOIN staging.stg_catalog c ON list_contains(c.service_types, s.service_type)
    ) GROUP BY ALL
),
monthly AS (
    SELECT
        g.indicator_id, g.unit_code, g.month, g.target,
        coalesce(r.done, s.done, 0) AS actual_month,
        coalesce(r.demand, 0) AS demand_month
    FROM grid g
    LEFT JOIN reported r USING (indicator_id, unit_code, month)
    LEFT JOIN served s USING (indicator_id, unit_code, month)
),
cumulative AS (
    SELECT
        m.*,
        sum(actual_month) OVER w AS actual_cum,
        coalesce(e.demand, sum(demand_month) OVER w) AS demand_cum
    FROM monthly m
    LEFT JOIN eligible e USING (indicator_id, unit_code)
    WINDOW w AS (PARTITION BY m.indicator_id, m.unit_code ORDER BY m.month)
),
measured AS (
    SELECT
        x.*, c.section, c.indicator_name, c.kind, c.direction, c.due_date,
        month(x.month) / 12.0 AS pace,
        -- Ratio and every-case indicators measure a rate; nothing owed is fully met.
        CASE WHEN c.kind IN ('ratio', 'every_case') THEN
            CASE WHEN x.demand_cum > 0 THEN x.actual_cum / x.demand_cum ELSE 1 END
        END AS rate
    FROM cumulative x JOIN staging.stg_catalog c USING (indicator_id)
)
SELECT
    m.indicator_id, m.section, m.indicator_name, m.kind, m.direction,
    m.unit_code, u.unit_name, u.unit_kind, m.month,
    m.actual_month, m.actual_cum, m.demand_cum, m.target,
    round(m.rate, 4) AS rate,
    round(CASE WHEN m.kind IN ('ratio', 'every_case') THEN m.rate / nullif(m.target, 0) ELSE m.actual_cum / nullif(m.target, 0) END, 4) AS completion_rate,
    round(m.pace, 4) AS pace,
    CASE
        WHEN m.kind = 'deadline' THEN
            CASE WHEN m.actual_cum >= m.target THEN '完成' WHEN m.month < date_trunc('month', m.due_date) THEN '正常' ELSE '滞后' END
        WHEN m.kind IN ('ratio', 'every_case') THEN
            CASE WHEN m.rate >= m.target THEN '完成' WHEN m.rate >= m.target - p.tol THEN '正常' ELSE '滞后' END
        WHEN m.direction = '反向' THEN
            -- A ceiling: on pace while the count stays within its share of the year.
            CASE WHEN month(m.month) = 12 AND m.actual_cum <= m.target THEN '完成'
                 WHEN m.actual_cum <= m.target * m.pace * (1 + p.tol) THEN '正常' ELSE '滞后' END
        ELSE
            CASE WHEN m.actual_cum >= m.target THEN '完成' WHEN m.actual_cum / nullif(m.target, 0) >= m.pace - p.tol THEN '正常' ELSE '滞后' END
    END AS status,
    m.kind = 'count' AND m.direction = '正向' AND m.actual_cum >= m.target * p.over_ratio AS over_target,
    coalesce(l.load_ids, []) AS load_ids
FROM measured m
CROSS JOIN project p
JOIN staging.stg_units u USING (unit_code)
LEFT JOIN loads l USING (indicator_id, unit_code)
ORDER BY m.indicator_id, m.unit_code, m.month
