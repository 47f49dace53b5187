/* jixiao
materialized: table
description: >-
  指标完成情况（指标 × 单位 × 月）：累计完成、全年目标、完成率、序时进度与状态。
  累计类对序时进度（完成/正常/滞后）；节点类到期前为“未到期”，到期未完成才“滞后”；
  比例类对底线值，不看进度；“发现一例救助一例”以发现与救助相等为完成；反向指标对上限（超限），不计完成率
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
  value_text: 完成情况
  due_on: 到期日
  done_month: 完成月份
  done_late: 逾期完成
  reported_cum: 报表累计完成
  basis: 目标依据
  alt_of: 或目标
  counted: 计入状态统计
  over_target: 超目标需说明
  load_ids: 来源批次
tests:
  - not_null: [indicator_id, unit_code, month, status, target, value_text]
  - unique: [indicator_id, unit_code, month]
  - accepted_values: {column: status, values: [完成, 正常, 滞后, 未到期, 超限]}
  - relationships: {column: unit_code, to: staging.stg_units, field: unit_code}
  - assert: "SELECT * FROM marts.indicator_completion WHERE completion_rate < 0 OR pace NOT BETWEEN 0 AND 1 OR actual_cum < 0"
    name: rates_in_range
  # No judgement before its time: a milestone is never 滞后 before it is due.
  - assert: "SELECT * FROM marts.indicator_completion WHERE kind IN ('milestone', 'deadline') AND status = '滞后' AND month < date_trunc('month', due_on)"
    name: milestones_not_behind_before_due
  # A less-is-better figure has no completion rate to misread as good.
  - assert: "SELECT * FROM marts.indicator_completion WHERE (direction = '反向' OR kind = 'ratio') AND completion_rate IS NOT NULL"
    name: no_completion_rate_for_ceilings_and_floors
  # What a unit wrote as 累计完成 should equal the sum of its monthly figures.
  - assert: "SELECT indicator_id, unit_name, month, reported_cum, actual_cum FROM marts.indicator_completion WHERE reported_cum IS NOT NULL AND abs(reported_cum - actual_cum) > 0.001"
    name: reported_cumulative_matches_months
    severity: warn
*/
WITH project AS (
    SELECT plan_year, coalesce(pace_tolerance, 0) AS tol, coalesce(overachievement_ratio, 1.3) AS over_ratio FROM meta.project
),
last_month AS (
    -- The newest month any unit reported or any service was given in.
    SELECT greatest(
        (SELECT max(month) FROM staging.stg_progress),
        (SELECT max(month) FROM staging.stg_service_months, project WHERE extract(year FROM month) = project.plan_year)
    ) AS month
),
months AS (
    SELECT CAST(m.month AS DATE) AS month
    FROM project, last_month,
        generate_series(CAST(make_date(project.plan_year, 1, 1) AS TIMESTAMP), CAST(last_month.month AS TIMESTAMP), INTERVAL '1 month') AS m(month)
),
grid AS (
    SELECT t.indicator_id, t.unit_code, t.target, m.month
    FROM staging.stg_targets t CROSS JOIN months m
),
reported AS (
    SELECT p.indicator_id, p.unit_code, p.month, p.done, p.demand, p.reported_cum
    FROM staging.stg_progress p JOIN staging.stg_catalog c USING (indicator_id)
    WHERE c.data_source = 'progress'
),
served AS (
    -- People (人, 户) count once a year, in the month they were first served
    -- any of the indicator's service types (staging.stg_people_months counts
    -- them by that month for each set of types the catalog counts).
    SELECT t.owner AS indicator_id, p.unit_code, p.month, p.persons AS done
    FROM staging.stg_people_months p
    JOIN (SELECT DISTINCT owner, type_set FROM staging.stg_type_sets WHERE owner_kind = 'indicator') t ON t.type_set = p.type_set
    JOIN project ON p.year = project.plan_year
    WHERE p.unit_code <> 'ALL'
    UNION ALL
    -- Cases (例: operations, services) count every record.
    SELECT c.indicator_id, s.unit_code, s.month, sum(s.services)::BIGINT
    FROM staging.stg_service_months s
    JOIN staging.stg_catalog c ON c.data_source = 'services' AND c.measure = '例' AND s.service_type = ANY(c.service_types)
    JOIN project ON extract(year FROM s.month) = project.plan_year
    GROUP BY c.indicator_id, s.unit_code, s.month
),
eligible AS (
    -- For every-case indicators from service records, the people owed the
    -- service are the unit's eligible roster.
    SELECT c.indicator_id, p.unit_code, count(*) AS demand
    FROM staging.stg_persons p JOIN staging.stg_catalog c ON c.data_source = 'services' AND c.kind = 'every_case'
    WHERE p.subsidy_eligible
    GROUP BY c.indicator_id, p.unit_code
),
loads AS (
    SELECT indicator_id, unit_code, array_agg(DISTINCT load_id ORDER BY load_id) AS load_ids FROM (
        SELECT p.indicator_id, p.unit_code, p.load_id FROM staging.stg_progress p
        UNION ALL
        SELECT c.indicator_id, s.unit_code, unnest(s.load_ids) AS load_id
        FROM staging.stg_service_months s JOIN staging.stg_catalog c ON s.service_type = ANY(c.service_types)
    ) AS loaded GROUP BY indicator_id, unit_code
),
monthly AS (
    SELECT
        g.indicator_id, g.unit_code, g.month, g.target,
        coalesce(r.done, s.done, 0) AS actual_month,
        coalesce(r.demand, 0) AS demand_month,
        r.reported_cum
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
done AS (
    -- The month a milestone's target was first reached.
    SELECT indicator_id, unit_code, min(month) FILTER (WHERE actual_cum >= target) AS done_month
    FROM cumulative GROUP BY indicator_id, unit_code
),
measured AS (
    SELECT
        x.*, c.section, c.indicator_name, c.kind, c.direction, c.measure, c.due_on, c.basis, c.alt_of, d.done_month,
        c.kind IN ('milestone', 'deadline') AS is_milestone,
        -- Ratio and every-case indicators measure a rate; nothing owed is fully met.
        CASE WHEN c.kind IN ('ratio', 'every_case') THEN
            CASE WHEN x.demand_cum > 0 THEN x.actual_cum / x.demand_cum ELSE 1 END
        END AS rate
    FROM cumulative x
    JOIN staging.stg_catalog c USING (indicator_id)
    LEFT JOIN done d USING (indicator_id, unit_code)
),
judged AS (
    SELECT m.*,
        -- 序时进度 applies to cumulative counts only.
        CASE WHEN m.kind = 'count' THEN extract(month FROM m.month) / 12.0 END AS pace,
        CASE
            WHEN m.is_milestone THEN
                CASE WHEN m.actual_cum >= m.target THEN '完成'
                     WHEN m.month < date_trunc('month', m.due_on) THEN '未到期'
                     ELSE '滞后' END
            -- A floor is met or not: no pace, no tolerance.
            WHEN m.kind = 'ratio' THEN CASE WHEN m.rate >= m.target THEN '完成' ELSE '滞后' END
            -- Every case found must be served.
            WHEN m.kind = 'every_case' THEN CASE WHEN m.rate >= m.target THEN '完成' ELSE '滞后' END
            WHEN m.direction = '反向' THEN
                -- A ceiling: within its share of the year so far, or over it.
                CASE WHEN extract(month FROM m.month) = 12 AND m.actual_cum <= m.target THEN '完成'
                     WHEN m.actual_cum <= m.target * extract(month FROM m.month) / 12.0 * (1 + p.tol) THEN '正常'
                     ELSE '超限' END
            ELSE
                CASE WHEN m.actual_cum >= m.target THEN '完成'
                     WHEN m.actual_cum / nullif(m.target, 0) >= extract(month FROM m.month) / 12.0 - p.tol THEN '正常'
                     ELSE '滞后' END
        END AS status,
        -- Figures as the page prints them: whole numbers without decimals,
        -- others to one place (rounded from DECIMAL(38, 12): see marts.city_completion).
        CASE WHEN m.actual_cum = trunc(m.actual_cum) THEN m.actual_cum::BIGINT::VARCHAR ELSE round(m.actual_cum::DECIMAL(38, 12), 1)::VARCHAR END AS actual_txt,
        CASE WHEN m.target = trunc(m.target) THEN m.target::BIGINT::VARCHAR ELSE round(m.target::DECIMAL(38, 12), 1)::VARCHAR END AS target_txt,
        extract(year FROM m.due_on) || '年' || extract(month FROM m.due_on) || '月' || extract(day FROM m.due_on) || '日' AS due_txt
    FROM measured m CROSS JOIN project p
)
SELECT
    m.indicator_id, m.section, m.indicator_name, m.kind, m.direction,
    m.unit_code, u.unit_name, u.unit_kind, m.month,
    m.actual_month, m.actual_cum, m.demand_cum, m.target,
    -- Rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept a DOUBLE.
    round(m.rate::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS rate,
    -- No completion rate for a ceiling (反向) or a floor (ratio): 97.8% of a
    -- 70% floor is below it, and 300% of a ceiling is not good.
    round(CASE
        WHEN m.direction = '反向' OR m.kind = 'ratio' THEN NULL
        WHEN m.kind = 'every_case' THEN m.rate / nullif(m.target, 0)
        ELSE m.actual_cum / nullif(m.target, 0) END::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS completion_rate,
    round(m.pace::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS pace,
    m.status,
    CASE
        WHEN m.kind = 'ratio' THEN round((m.rate * 100)::DECIMAL(38, 12), 1) || '%，底线不低于 ' || round((m.target * 100)::DECIMAL(38, 12), 1) || '%'
        WHEN m.kind = 'every_case' THEN '发现（应办）' || m.demand_cum::BIGINT || '，已办 ' || m.actual_cum::BIGINT ||
            CASE WHEN m.actual_cum >= m.demand_cum THEN '，全部办结' ELSE '，尚有 ' || (m.demand_cum - m.actual_cum)::BIGINT || ' 未办' END
        WHEN m.direction = '反向' THEN '累计 ' || m.actual_txt || ' ' || m.measure || '，至本月控制数 ' || round((m.target * extract(month FROM m.month) / 12.0)::DECIMAL(38, 12), 1) || ' '
            || m.measure || '，全年上限 ' || m.target_txt || ' ' || m.measure || '（越少越好）'
        WHEN m.is_milestone AND m.done_month IS NOT NULL AND m.done_month <= m.month THEN
            '已完成 ' || m.actual_txt || '/' || m.target_txt || ' ' || m.measure || '（' || extract(year FROM m.done_month) || '年' || extract(month FROM m.done_month) || '月' ||
            CASE WHEN m.done_month > date_trunc('month', m.due_on) THEN '完成，晚于 ' || m.due_txt || ' 时限，逾期完成）' ELSE '完成）' END
        WHEN m.is_milestone THEN '已完成 ' || m.actual_txt || '/' || m.target_txt || ' ' || m.measure || '，' || m.due_txt || '到期'
        ELSE '累计 ' || m.actual_txt || '/' || m.target_txt || ' ' || m.measure || '，完成 ' || round((m.actual_cum / nullif(m.target, 0) * 100)::DECIMAL(38, 12), 1)
            || '%，序时进度 ' || round((m.pace * 100)::DECIMAL(38, 12), 1) || '%'
    END
    -- A unit's own 累计 that disagrees with its months is said where the figure is.
    || CASE WHEN m.reported_cum IS NOT NULL AND abs(m.reported_cum - m.actual_cum) > 0.001
            THEN '；报表所填累计 ' || CASE WHEN m.reported_cum = trunc(m.reported_cum) THEN m.reported_cum::BIGINT::VARCHAR ELSE round(m.reported_cum::DECIMAL(38, 12), 1)::VARCHAR END
                 || '，与逐月数之和不一致，待核实' ELSE '' END
    || CASE WHEN count(*) OVER pair > 1 THEN '（“或”目标：两项按完成较好的一项计）' ELSE '' END AS value_text,
    CASE WHEN m.is_milestone THEN m.due_on END AS due_on,
    CASE WHEN m.done_month <= m.month THEN m.done_month END AS done_month,
    coalesce(m.is_milestone AND m.done_month <= m.month AND m.done_month > date_trunc('month', m.due_on), false) AS done_late,
    m.reported_cum,
    m.basis,
    m.alt_of,
    -- An "A或B" pair is one target: only its better route counts in the
    -- tallies of done, on pace and behind (bulletins, overviews).
    row_number() OVER (PARTITION BY m.unit_code, m.month, coalesce(m.alt_of, m.indicator_id)
        ORDER BY CASE m.status WHEN '完成' THEN 1 WHEN '正常' THEN 2 WHEN '未到期' THEN 3 ELSE 4 END,
                 m.actual_cum / nullif(m.target, 0) DESC NULLS LAST, m.alt_of NULLS FIRST) = 1 AS counted,
    -- 偏离度 is judged against the annual target, not the pace-scaled one.
    m.kind IN ('count', 'milestone') AND m.direction = '正向' AND m.actual_cum >= m.target * p.over_ratio AS over_target,
    coalesce(l.load_ids, CAST(ARRAY[] AS VARCHAR[])) AS load_ids
FROM judged m
CROSS JOIN project p
JOIN staging.stg_units u USING (unit_code)
LEFT JOIN loads l USING (indicator_id, unit_code)
WINDOW pair AS (PARTITION BY m.unit_code, m.month, coalesce(m.alt_of, m.indicator_id))
ORDER BY m.indicator_id, m.unit_code, m.month
