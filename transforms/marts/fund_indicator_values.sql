/* jixiao
materialized: table
description: 专项资金绩效指标实际值（资金 × 单位，含全市 ALL）：资金到位率、预算执行率（按 scoring.execution_basis 对序时进度或全年预算）、服务人数（计划年度的服务，全市去重）、单位成本、满意度、定性评价
columns:
  fund_id: 资金编号
  unit_code: 单位代码
  indicator_name: 指标名称
  level1: 一级指标
  nature: 性质
  direction: 方向
  weight: 权重
  actual: 实际值
  target: 目标值（至当月）
  annual_target: 全年目标值
  band: 评价等级
  score_ratio: 得分比例
tests:
  - unique: [fund_id, unit_code, indicator_name]
  - not_null: [fund_id, unit_code, indicator_name, weight]
*/
WITH ledger_pace AS (
    -- Money is judged against the months the ledger covers (序时) when
    -- scoring.execution_basis is pace, against the whole year's budget when
    -- it is year (DOMAIN's literal rule).
    SELECT extract(month FROM max(month)) / 12.0 AS pace, max(month) AS last_month,
        coalesce((SELECT execution_basis FROM meta.project), 'pace') AS basis
    FROM staging.stg_ledger
),
money AS (
    SELECT fund_id, unit_code,
        sum((budget_wan + adjustment_wan)::DECIMAL(18, 4))::DOUBLE PRECISION AS planned_wan, sum((arrived_wan)::DECIMAL(18, 4))::DOUBLE PRECISION AS arrived_wan, sum((spent_wan)::DECIMAL(18, 4))::DOUBLE PRECISION AS spent_wan
    FROM staging.stg_ledger GROUP BY fund_id, unit_code
),
units AS (
    SELECT m.fund_id, m.unit_code, u.share FROM money m JOIN staging.stg_units u USING (unit_code)
),
fund_types AS (
    -- The set of service types each fund indicator counts (服务类型 may name
    -- several: 培训/农民工培训), as staging.stg_type_sets names it.
    SELECT DISTINCT f.fund_id, f.service_type, f.measure, t.type_set
    FROM staging.stg_fund_indicators f
    JOIN staging.stg_type_sets t ON t.owner_kind = 'fund' AND t.owner = f.service_type
),
cases AS (
    -- The plan year's records of each fund indicator's service types, per
    -- unit (counted by month in staging.stg_service_months).
    SELECT fi.service_type, s.unit_code, sum(s.services)::BIGINT AS records
    FROM (SELECT DISTINCT service_type FROM staging.stg_fund_indicators WHERE service_type IS NOT NULL) fi
    JOIN staging.stg_service_months s ON s.service_type = ANY(string_to_array(fi.service_type, '/'))
    JOIN meta.project p ON extract(year FROM s.month) = p.plan_year
    GROUP BY fi.service_type, s.unit_code
),
people AS (
    -- The plan year's people of each set of service types, once per unit and
    -- citywide (unit_code ALL) once across the city (staging.stg_people_months).
    SELECT p.type_set, p.unit_code, sum(p.persons)::BIGINT AS persons
    FROM staging.stg_people_months p JOIN meta.project pr ON p.year = pr.plan_year
    GROUP BY p.type_set, p.unit_code
),
served AS (
    -- People (人, 户) count once; cases (例: operations) count every record,
    -- as the plan's own indicators do, where the unit served the types at all.
    -- 服务类型 may name several (培训/农民工培训).
    SELECT fi.fund_id, p.unit_code, fi.service_type,
        CASE WHEN min(fi.measure) = '例' THEN min(c.records) ELSE min(p.persons) END AS persons
    FROM fund_types fi
    JOIN people p ON p.type_set = fi.type_set AND p.unit_code <> 'ALL'
    LEFT JOIN cases c ON c.service_type = fi.service_type AND c.unit_code = p.unit_code
    GROUP BY fi.fund_id, p.unit_code, fi.service_type
),
served_city AS (
    -- Citywide, a person served in two units counts once.
    SELECT fi.fund_id, fi.service_type,
        CASE WHEN min(fi.measure) = '例' THEN min(c.records) ELSE min(p.persons) END AS persons
    FROM fund_types fi
    JOIN people p ON p.type_set = fi.type_set AND p.unit_code = 'ALL'
    LEFT JOIN (SELECT service_type, sum(records)::BIGINT AS records FROM cases GROUP BY service_type) c ON c.service_type = fi.service_type
    GROUP BY fi.fund_id, fi.service_type
),
survey AS (
    SELECT fund_id, unit_code, avg(satisfied::INTEGER)::DOUBLE PRECISION AS satisfaction FROM staging.stg_survey GROUP BY fund_id, unit_code
),
per_unit AS (
    SELECT
        fi.fund_id, u.unit_code, fi.indicator_name, fi.level1, fi.level2, fi.nature, fi.direction, fi.weight, fi.data_source,
        fi.service_type, fi.target AS fi_target, lp.pace,
        -- numerator and denominator, so that the citywide row sums them
        CASE fi.data_source
            WHEN 'arrival_rate' THEN m.arrived_wan
            WHEN 'execution_rate' THEN m.spent_wan
            WHEN 'services' THEN coalesce(sv.persons, 0)
            WHEN 'unit_cost' THEN m.spent_wan
            WHEN 'survey' THEN sy.satisfaction
        END AS numerator,
        CASE fi.data_source
            WHEN 'arrival_rate' THEN m.planned_wan
            WHEN 'execution_rate' THEN m.planned_wan
            WHEN 'unit_cost' THEN nullif(coalesce(sv.persons, 0), 0)
            ELSE 1
        END AS denominator,
        CASE fi.data_source
            WHEN 'arrival_rate' THEN CASE WHEN lp.basis = 'year' THEN 1 ELSE lp.pace END
            WHEN 'execution_rate' THEN CASE WHEN lp.basis = 'year' THEN 1 ELSE lp.pace END
            -- rounded as DECIMAL: half away from zero in both warehouses
            WHEN 'services' THEN round((fi.target * u.share * lp.pace)::DECIMAL(38, 12))
            ELSE fi.target
        END AS target,
        -- The whole year's target, for 偏离度 (never the pace-scaled one).
        CASE fi.data_source
            WHEN 'arrival_rate' THEN 1 WHEN 'execution_rate' THEN 1
            WHEN 'services' THEN fi.target * u.share
            ELSE fi.target
        END AS annual_target,
        r.band, r.score_ratio
    FROM staging.stg_fund_indicators fi
    JOIN units u ON u.fund_id = fi.fund_id
    JOIN money m ON m.fund_id = fi.fund_id AND m.unit_code = u.unit_code
    CROSS JOIN ledger_pace lp
    LEFT JOIN served sv ON sv.fund_id = fi.fund_id AND sv.unit_code = u.unit_code AND sv.service_type = fi.service_type
    LEFT JOIN survey sy ON sy.fund_id = fi.fund_id AND sy.unit_code = u.unit_code
    LEFT JOIN staging.stg_fund_reviews r ON r.fund_id = fi.fund_id AND r.unit_code = u.unit_code AND r.indicator_name = fi.indicator_name
),
citywide AS (
    SELECT pu.fund_id, 'ALL' AS unit_code, pu.indicator_name, min(pu.level1) AS level1, min(pu.level2) AS level2,
        min(pu.nature) AS nature, min(pu.direction) AS direction, min(pu.weight) AS weight,
        min(pu.data_source) AS data_source, min(pu.service_type) AS service_type,
        CASE min(pu.data_source)
            -- DECIMAL sums are exact: the same rows give the same figure in any order
            WHEN 'survey' THEN avg(pu.numerator::DECIMAL(18, 8))::DOUBLE PRECISION
            WHEN 'services' THEN coalesce(min(sc.persons), 0)
            ELSE sum(pu.numerator::DECIMAL(18, 8))::DOUBLE PRECISION END AS numerator,
        CASE min(pu.data_source)
            WHEN 'survey' THEN 1
            WHEN 'services' THEN 1
            -- cost per person: the city's spending over the city's distinct people
            WHEN 'unit_cost' THEN nullif(coalesce(min(sc.persons), 0), 0)
            ELSE sum(pu.denominator::DECIMAL(18, 8))::DOUBLE PRECISION END AS denominator,
        -- The city's own target, pro-rated like the units' (not their rounded parts added up).
        CASE WHEN min(pu.data_source) = 'services' THEN min(pu.fi_target) * min(pu.pace) ELSE min(pu.target) END AS target,
        CASE WHEN min(pu.data_source) = 'services' THEN min(pu.fi_target) ELSE min(pu.annual_target) END AS annual_target,
        -- A qualitative indicator has no citywide review: marts.indicator_scores
        -- averages the units' scores for it.
        NULL AS band, NULL::DOUBLE PRECISION AS score_ratio
    FROM per_unit pu
    LEFT JOIN served_city sc ON sc.fund_id = pu.fund_id AND sc.service_type = pu.service_type
    GROUP BY pu.fund_id, pu.indicator_name
)
SELECT fund_id, unit_code, indicator_name, level1, level2, nature, direction, weight, data_source,
    -- Rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept DOUBLEs;
    -- no budget (0 ÷ 0) is no rate, NULL, in both warehouses.
    round((numerator / nullif(denominator, 0))::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS actual, round(target::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS target,
    round(annual_target::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS annual_target, band, score_ratio
FROM (
    SELECT fund_id, unit_code, indicator_name, level1, level2, nature, direction, weight, data_source, numerator, denominator, target, annual_target, band, score_ratio
    FROM per_unit
    UNION ALL
    SELECT fund_id, unit_code, indicator_name, level1, level2, nature, direction, weight, data_source, numerator, denominator, target, annual_target, band, score_ratio
    FROM citywide
) AS both_levels
