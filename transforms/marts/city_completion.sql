/* jixiao
materialized: table
description: >-
  全市指标完成情况（指标 × 月）：全市目标对各单位合计（按“人”计的服务对象全市去重）；
  比例类按分子分母合计对底线；节点类按完成单位占比，到期前为“未到期”；反向指标对上限，不计完成率
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
  value_text: 完成情况
  units_done: 完成单位数
  units_behind: 滞后单位数
  basis: 目标依据
  counted: 计入状态统计
tests:
  - unique: [indicator_id, month]
  - accepted_values: {column: status, values: [完成, 正常, 滞后, 未到期, 超限]}
  - assert: "SELECT * FROM marts.city_completion WHERE (direction = '反向' OR kind = 'ratio') AND completion_rate IS NOT NULL"
    name: no_completion_rate_for_ceilings_and_floors
*/
WITH project AS (SELECT plan_year, coalesce(pace_tolerance, 0) AS tol FROM meta.project),
agg AS (
    SELECT
        i.indicator_id, i.indicator_name, i.section, i.kind, i.direction, i.month,
        count(*) AS units,
        -- exact (DECIMAL) sums: the same figures in any order give the same total
        sum(i.actual_cum::DECIMAL(18, 4))::DOUBLE PRECISION AS units_actual_cum,
        sum(i.demand_cum::DECIMAL(18, 4))::DOUBLE PRECISION AS demand_cum,
        sum(i.target) AS unit_targets,
        count(*) FILTER (WHERE i.status = '完成') AS units_done,
        count(*) FILTER (WHERE i.status IN ('滞后', '超限')) AS units_behind
    FROM marts.indicator_completion i
    GROUP BY i.indicator_id, i.indicator_name, i.section, i.kind, i.direction, i.month
),
people AS MATERIALIZED (
    -- A citywide count of people is distinct across the city: someone served
    -- in two units counts once, in the month first served anywhere
    -- (staging.stg_people_months counts them by that month, unit_code ALL).
    -- MATERIALIZED (here and in measured): PostgreSQL would otherwise inline
    -- them into the correlated subquery and sum them again for every row.
    SELECT t.owner AS indicator_id, p.month, sum(p.persons) OVER (PARTITION BY t.owner ORDER BY p.month) AS persons_cum
    FROM staging.stg_people_months p
    JOIN (SELECT DISTINCT owner, type_set FROM staging.stg_type_sets WHERE owner_kind = 'indicator') t ON t.type_set = p.type_set
    JOIN project ON p.year = project.plan_year
    WHERE p.unit_code = 'ALL'
),
measured AS MATERIALIZED (
    SELECT a.*, c.target_city, c.measure, c.basis, c.alt_of,
        c.kind IN ('milestone', 'deadline') AS is_milestone,
        c.due_on,
        -- People not yet served in a later month keep the last cumulative figure.
        CASE WHEN c.data_source = 'services' AND c.measure <> '例'
             THEN coalesce((SELECT max(p.persons_cum) FROM people p WHERE p.indicator_id = a.indicator_id AND p.month <= a.month), 0)
             ELSE a.units_actual_cum END AS actual_cum,
        CASE
            WHEN a.kind IN ('ratio', 'every_case') THEN coalesce(c.target_city, 1)
            WHEN c.kind IN ('milestone', 'deadline') THEN a.units
            ELSE coalesce(c.target_city, a.unit_targets)
        END AS target
    FROM agg a JOIN staging.stg_catalog c USING (indicator_id)
),
judged AS (
    SELECT m.*,
        CASE
            WHEN m.kind IN ('ratio', 'every_case') THEN CASE WHEN m.demand_cum > 0 THEN m.units_actual_cum / m.demand_cum ELSE 1 END
            WHEN m.is_milestone THEN m.units_done
            ELSE m.actual_cum
        END AS measure_value,
        CASE WHEN m.kind = 'count' THEN extract(month FROM m.month) / 12.0 END AS pace
    FROM measured m
)
SELECT
    m.indicator_id, m.section, m.indicator_name, m.kind, m.direction, m.month, m.units,
    m.actual_cum, m.demand_cum, m.target,
    -- Rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept a DOUBLE.
    round((CASE WHEN m.direction = '反向' OR m.kind = 'ratio' THEN NULL ELSE m.measure_value / m.target END)::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS completion_rate,
    round(m.pace::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS pace,
    CASE
        WHEN m.is_milestone THEN CASE WHEN m.units_done >= m.units THEN '完成' WHEN m.month < date_trunc('month', m.due_on) THEN '未到期' ELSE '滞后' END
        WHEN m.kind IN ('ratio', 'every_case') THEN CASE WHEN m.measure_value >= m.target THEN '完成' ELSE '滞后' END
        WHEN m.direction = '反向' THEN
            CASE WHEN extract(month FROM m.month) = 12 AND m.measure_value <= m.target THEN '完成' WHEN m.measure_value <= m.target * extract(month FROM m.month) / 12.0 * (1 + p.tol) THEN '正常' ELSE '超限' END
        WHEN m.measure_value >= m.target THEN '完成'
        WHEN m.measure_value / m.target >= m.pace - p.tol THEN '正常'
        ELSE '滞后'
    END AS status,
    CASE
        -- Numbers to one place: a DOUBLE is made DECIMAL(38, 12) first, which
        -- drops its binary noise on both warehouses (PostgreSQL keeps 15 digits
        -- of it, DuckDB every binary one), then rounded half away from zero.
        WHEN m.kind = 'ratio' THEN '全市 ' || round((m.measure_value * 100)::DECIMAL(38, 12), 1) || '%，底线不低于 ' || round((m.target * 100)::DECIMAL(38, 12), 1) || '%'
        WHEN m.kind = 'every_case' THEN '全市发现（应办）' || m.demand_cum::BIGINT || '，已办 ' || m.units_actual_cum::BIGINT
        WHEN m.direction = '反向' THEN '全市累计 ' || m.actual_cum::BIGINT || ' ' || m.measure || '，全年上限 ' || m.target::BIGINT || ' ' || m.measure || '（越少越好）'
        WHEN m.is_milestone THEN m.units_done || '/' || m.units || ' 个单位已完成，'
            || extract(year FROM m.due_on) || '年' || extract(month FROM m.due_on) || '月' || extract(day FROM m.due_on) || '日到期'
        ELSE '全市累计 ' || m.actual_cum::BIGINT || '/' || m.target::BIGINT || ' ' || m.measure || '，完成 ' || round((m.actual_cum / m.target * 100)::DECIMAL(38, 12), 1)
            || '%，序时进度 ' || round((m.pace * 100)::DECIMAL(38, 12), 1) || '%'
    END AS value_text,
    m.units_done,
    m.units_behind,
    m.basis,
    -- An "A或B" pair counts once in the tallies, on its better route.
    row_number() OVER (PARTITION BY m.month, coalesce(m.alt_of, m.indicator_id)
        ORDER BY m.measure_value / nullif(m.target, 0) DESC NULLS LAST, m.alt_of NULLS FIRST) = 1 AS counted
FROM judged m CROSS JOIN project p
ORDER BY m.indicator_id, m.month
