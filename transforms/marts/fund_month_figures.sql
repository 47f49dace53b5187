/* jixiao
materialized: table
description: >-
  专项资金绩效指标逐月实际值（资金 × 单位（ALL 为全市）× 月 × 指标）：截至当月的资金到位率、预算执行率（对全年预算）、
  服务人数（计划年度的服务，全市去重）、单位成本、满意度与定性评价，运行监控表“1–X月实际完成值”的来源；
  最新月份的实际值与 marts.fund_indicator_values 相同
columns:
  fund_id: 资金编号
  unit_code: 单位代码
  month: 月份
  months_elapsed: 已过月份
  pace: 序时进度
  indicator_name: 指标名称
  level1: 一级指标
  level2: 二级指标
  nature: 性质
  direction: 方向
  data_source: 数据来源
  measure: 计量单位
  weight: 分值
  numerator: 分子（累计）
  denominator: 分母
  actual: 1–X月实际完成值
  annual_target: 年度指标值
  band: 评价等级
  score_ratio: 得分比例
  plan_indicator: 对应工作要点指标
tests:
  - unique: [fund_id, unit_code, month, indicator_name]
  - not_null: [fund_id, unit_code, month, indicator_name]
  # The newest month is the evaluation's: the same actual values.
  - assert: |
      SELECT m.fund_id, m.unit_code, m.indicator_name, m.actual, v.actual
      FROM marts.fund_month_figures m JOIN marts.fund_indicator_values v USING (fund_id, unit_code, indicator_name)
      WHERE m.month = (SELECT max(month) FROM marts.fund_month_figures)
        AND coalesce(abs(m.actual - v.actual) > 0.000001, (m.actual IS NULL) <> (v.actual IS NULL))
    name: latest_month_matches_fund_indicator_values
*/
WITH months AS (
    SELECT DISTINCT month, months_elapsed AS m, pace FROM marts.fund_budget_months
),
money AS (
    SELECT fund_id, unit_code, month, planned_wan, arrived_wan, spent_wan FROM marts.fund_budget_months WHERE unit_code <> 'ALL'
),
plan AS (SELECT plan_year FROM meta.project),
people_types AS (
    -- The set of service types each fund indicator counting people counts
    -- (服务类型 may name several: 培训/农民工培训).
    SELECT DISTINCT fi.fund_id, fi.service_type, t.type_set
    FROM staging.stg_fund_indicators fi
    JOIN (SELECT DISTINCT owner, type_set FROM staging.stg_type_sets WHERE owner_kind = 'fund') t ON t.owner = fi.service_type
    WHERE fi.service_type IS NOT NULL AND fi.measure IS DISTINCT FROM '例'
),
first_served AS (
    -- The plan year's people by the month first served, once per unit and
    -- citywide (unit_code ALL) once across the city (staging.stg_people_months).
    SELECT fi.fund_id, fi.service_type, p.unit_code, p.month AS first_month, p.persons
    FROM people_types fi JOIN staging.stg_people_months p ON p.type_set = fi.type_set JOIN plan ON p.year = plan.plan_year
),
cases AS (
    -- Cases (例) count every record of the plan year in its own month
    -- (staging.stg_service_months).
    SELECT fi.fund_id, fi.service_type, s.unit_code, s.month, sum(s.services) AS records
    FROM (SELECT DISTINCT fund_id, service_type FROM staging.stg_fund_indicators WHERE service_type IS NOT NULL AND measure = '例') fi
    JOIN staging.stg_service_months s ON s.service_type = ANY(string_to_array(fi.service_type, '/'))
    JOIN plan ON extract(year FROM s.month) = plan.plan_year
    GROUP BY fi.fund_id, fi.service_type, s.unit_code, s.month
    UNION ALL
    SELECT fi.fund_id, fi.service_type, 'ALL', s.month, sum(s.services)
    FROM (SELECT DISTINCT fund_id, service_type FROM staging.stg_fund_indicators WHERE service_type IS NOT NULL AND measure = '例') fi
    JOIN staging.stg_service_months s ON s.service_type = ANY(string_to_array(fi.service_type, '/'))
    JOIN plan ON extract(year FROM s.month) = plan.plan_year
    GROUP BY fi.fund_id, fi.service_type, s.month
),
served AS (
    SELECT fund_id, service_type, unit_code, month, sum(persons)::BIGINT AS persons FROM (
        -- people counted by their first month, then those months added up
        SELECT f.fund_id, f.service_type, f.unit_code, m.month, sum(f.persons) AS persons
        FROM first_served f
        JOIN months m ON f.first_month <= m.month
        GROUP BY f.fund_id, f.service_type, f.unit_code, m.month
        UNION ALL
        SELECT c.fund_id, c.service_type, c.unit_code, m.month, sum(c.records)
        FROM cases c JOIN months m ON c.month <= m.month
        GROUP BY c.fund_id, c.service_type, c.unit_code, m.month
    ) AS counted GROUP BY fund_id, service_type, unit_code, month
),
survey AS (
    SELECT s.fund_id, s.unit_code, m.month, avg(s.satisfied::INTEGER)::DOUBLE PRECISION AS satisfaction
    FROM staging.stg_survey s JOIN months m ON date_trunc('month', s.answered_at) <= m.month
    GROUP BY s.fund_id, s.unit_code, m.month
),
units AS (
    SELECT DISTINCT m.fund_id, m.unit_code, u.share FROM money m JOIN staging.stg_units u USING (unit_code)
),
per_unit AS (
    SELECT fi.fund_id, u.unit_code, mo.month, mo.m, mo.pace, fi.indicator_name, fi.level1, fi.level2, fi.nature, fi.direction,
        fi.data_source, fi.measure, fi.weight, fi.service_type, fi.plan_indicator, fi.target AS fi_target,
        CASE fi.data_source
            WHEN 'arrival_rate' THEN mn.arrived_wan
            WHEN 'execution_rate' THEN mn.spent_wan
            WHEN 'services' THEN coalesce(sv.persons, 0)
            WHEN 'unit_cost' THEN mn.spent_wan
            WHEN 'survey' THEN sy.satisfaction
        END AS numerator,
        CASE fi.data_source
            WHEN 'arrival_rate' THEN mn.planned_wan
            WHEN 'execution_rate' THEN mn.planned_wan
            WHEN 'unit_cost' THEN nullif(coalesce(sv.persons, 0), 0)
            ELSE 1
        END AS denominator,
        CASE WHEN fi.data_source IN ('arrival_rate', 'execution_rate') THEN 1
             WHEN fi.data_source = 'services' THEN fi.target * u.share
             ELSE fi.target END AS annual_target,
        r.band, r.score_ratio
    FROM staging.stg_fund_indicators fi
    JOIN units u ON u.fund_id = fi.fund_id
    CROSS JOIN months mo
    JOIN money mn ON mn.fund_id = fi.fund_id AND mn.unit_code = u.unit_code AND mn.month = mo.month
    LEFT JOIN served sv ON sv.fund_id = fi.fund_id AND sv.service_type = fi.service_type AND sv.unit_code = u.unit_code AND sv.month = mo.month
    LEFT JOIN survey sy ON sy.fund_id = fi.fund_id AND sy.unit_code = u.unit_code AND sy.month = mo.month
    LEFT JOIN staging.stg_fund_reviews r ON r.fund_id = fi.fund_id AND r.unit_code = u.unit_code AND r.indicator_name = fi.indicator_name
),
citywide AS (
    -- As marts.fund_indicator_values adds the units up: money summed, people
    -- distinct across the city, satisfaction the units' mean, no review.
    SELECT pu.fund_id, 'ALL' AS unit_code, pu.month, min(pu.m) AS m, min(pu.pace) AS pace, pu.indicator_name,
        min(pu.level1) AS level1, min(pu.level2) AS level2, min(pu.nature) AS nature, min(pu.direction) AS direction,
        min(pu.data_source) AS data_source, min(pu.measure) AS measure, min(pu.weight) AS weight,
        min(pu.service_type) AS service_type, min(pu.plan_indicator) AS plan_indicator,
        min(pu.fi_target) AS fi_target,
        CASE min(pu.data_source)
            WHEN 'survey' THEN avg(pu.numerator::DECIMAL(18, 8))::DOUBLE PRECISION
            WHEN 'services' THEN coalesce(min(sc.persons), 0)
            ELSE sum(pu.numerator::DECIMAL(18, 8))::DOUBLE PRECISION END AS numerator,
        CASE min(pu.data_source)
            WHEN 'survey' THEN 1
            WHEN 'services' THEN 1
            WHEN 'unit_cost' THEN nullif(coalesce(min(sc.persons), 0), 0)
            ELSE sum(pu.denominator::DECIMAL(18, 8))::DOUBLE PRECISION END AS denominator,
        CASE WHEN min(pu.data_source) = 'services' THEN min(pu.fi_target) ELSE min(pu.annual_target) END AS annual_target,
        NULL AS band, NULL::DOUBLE PRECISION AS score_ratio
    FROM per_unit pu
    LEFT JOIN served sc ON sc.fund_id = pu.fund_id AND sc.service_type = pu.service_type AND sc.unit_code = 'ALL' AND sc.month = pu.month
    GROUP BY pu.fund_id, pu.indicator_name, pu.month
)
SELECT fund_id, unit_code, month, m AS months_elapsed, pace, indicator_name, level1, level2, nature, direction, data_source, measure, weight,
    -- Rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept DOUBLEs;
    -- no budget yet (0 ÷ 0) is no rate, NULL, in both warehouses.
    numerator, denominator, round((numerator / nullif(denominator, 0))::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS actual,
    round(annual_target::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS annual_target, band, score_ratio, plan_indicator
FROM (
    SELECT fund_id, unit_code, month, m, pace, indicator_name, level1, level2, nature, direction, data_source, measure, weight,
        numerator, denominator, annual_target, band, score_ratio, plan_indicator
    FROM per_unit
    UNION ALL
    SELECT fund_id, unit_code, month, m, pace, indicator_name, level1, level2, nature, direction, data_source, measure, weight,
        numerator, denominator, annual_target, band, score_ratio, plan_indicator
    FROM citywide
) AS both_levels
ORDER BY fund_id, unit_code, month, indicator_name
