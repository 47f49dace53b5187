/* jixiao
materialized: table
description: 专项资金绩效评价（资金 × 单位，ALL 为全市）：决策、过程、产出、效益得分，扣分，总分与等级（优≥90、良≥80、中≥60、差<60），资金到位率与预算执行率
columns:
  fund_id: 资金编号
  fund_name: 资金名称
  unit_code: 单位代码
  unit_name: 单位
  budget_wan: 年初预算（万元）
  adjustment_wan: 预算调整（万元）
  planned_wan: 调整后预算（万元）
  arrived_wan: 到位（万元）
  spent_wan: 支出（万元）
  arrival_rate: 资金到位率
  execution_rate: 预算执行率
  pace: 序时进度
  decision_score: 决策
  process_score: 过程
  output_score: 产出
  benefit_score: 效益
  deduction: 扣分
  total: 总分
  grade: 等级
  needs_explanation: 超目标需说明
  under_spent: 执行偏慢
  execution_basis: 预算执行率计分口径
  execution_score_pace: 预算执行率得分（按序时进度折算）
  execution_score_year: 预算执行率得分（按全年预算）
  catalog_budget_wan: 目录年度预算（万元）
  service_amount_wan: 服务记录金额（万元）
  overspent: 支出超过到位
  budget_mismatch: 预算与台账不符
  warnings: 提示
  load_ids: 来源批次
tests:
  - unique: [fund_id, unit_code]
  - accepted_values: {column: grade, values: [优, 良, 中, 差]}
  - assert: "SELECT * FROM marts.fund_performance WHERE total NOT BETWEEN 0 AND 100"
    name: total_in_range
  # Reconciliations a finance office checks before it signs: each is shown on the fund's page.
  - assert: "SELECT fund_id, unit_name, arrived_wan, spent_wan FROM marts.fund_performance WHERE overspent"
    name: spent_above_arrived
    severity: warn
  - assert: "SELECT fund_id, catalog_budget_wan, budget_wan FROM marts.fund_performance WHERE unit_code = 'ALL' AND budget_mismatch"
    name: budget_matches_ledger
    severity: warn
  - assert: "SELECT fund_id, unit_name, service_amount_wan, spent_wan FROM marts.fund_performance WHERE service_amount_wan > spent_wan * 1.05 + 0.01"
    name: service_payments_within_ledger_spending
    severity: warn
*/
WITH scores AS (SELECT * FROM marts.indicator_scores WHERE context = 'fund'),
parts AS (
    SELECT group_id AS fund_id, unit_code,
        -- exact sums (DECIMAL): the same scores give the same total every run
        sum(score::DECIMAL(18, 4)) FILTER (WHERE level1 = '决策')::DOUBLE PRECISION AS decision_score,
        sum(score::DECIMAL(18, 4)) FILTER (WHERE level1 = '过程')::DOUBLE PRECISION AS process_score,
        sum(score::DECIMAL(18, 4)) FILTER (WHERE level1 = '产出')::DOUBLE PRECISION AS output_score,
        sum(score::DECIMAL(18, 4)) FILTER (WHERE level1 = '效益')::DOUBLE PRECISION AS benefit_score,
        sum(score::DECIMAL(18, 4))::DOUBLE PRECISION AS raw_total,
        bool_or(over_target) AS needs_explanation
    FROM scores GROUP BY group_id, unit_code
),
deductions AS (
    SELECT fund_id, unit_code, sum(deduction) AS deduction FROM staging.stg_fund_reviews GROUP BY fund_id, unit_code
    UNION ALL
    SELECT fund_id, 'ALL', sum(deduction) FROM staging.stg_fund_reviews GROUP BY fund_id
),
money AS (
    SELECT fund_id, unit_code, sum((budget_wan)::DECIMAL(18, 4))::DOUBLE PRECISION AS budget_wan, sum((adjustment_wan)::DECIMAL(18, 4))::DOUBLE PRECISION AS adjustment_wan,
        sum((budget_wan + adjustment_wan)::DECIMAL(18, 4))::DOUBLE PRECISION AS planned_wan, sum((arrived_wan)::DECIMAL(18, 4))::DOUBLE PRECISION AS arrived_wan, sum((spent_wan)::DECIMAL(18, 4))::DOUBLE PRECISION AS spent_wan
    FROM staging.stg_ledger GROUP BY fund_id, unit_code
    UNION ALL
    SELECT fund_id, 'ALL', sum((budget_wan)::DECIMAL(18, 4))::DOUBLE PRECISION, sum((adjustment_wan)::DECIMAL(18, 4))::DOUBLE PRECISION, sum((budget_wan + adjustment_wan)::DECIMAL(18, 4))::DOUBLE PRECISION, sum((arrived_wan)::DECIMAL(18, 4))::DOUBLE PRECISION, sum((spent_wan)::DECIMAL(18, 4))::DOUBLE PRECISION
    FROM staging.stg_ledger GROUP BY fund_id
),
pace AS (
    SELECT extract(month FROM max(month)) / 12.0 AS pace, coalesce((SELECT execution_basis FROM meta.project), 'pace') AS basis FROM staging.stg_ledger
),
execution_weight AS (
    SELECT fund_id, sum(weight) AS weight FROM staging.stg_fund_indicators WHERE data_source = 'execution_rate' GROUP BY fund_id
),
service_amounts AS (
    -- What the service records say was paid out of each fund, to set beside the ledger.
    -- (summed by month in staging.stg_service_months)
    SELECT fund_id, unit_code, sum(amount_yuan)::DOUBLE PRECISION / 10000.0 AS amount_wan FROM staging.stg_service_months WHERE fund_id IS NOT NULL GROUP BY fund_id, unit_code
    UNION ALL
    SELECT fund_id, 'ALL', sum(amount_yuan)::DOUBLE PRECISION / 10000.0 FROM staging.stg_service_months WHERE fund_id IS NOT NULL GROUP BY fund_id
),
loads AS (
    -- The ledger, reviews and survey loads behind each fund's figures.
    SELECT fund_id, array_agg(DISTINCT load_id ORDER BY load_id) AS load_ids FROM (
        SELECT fund_id, load_id FROM staging.stg_ledger
        UNION ALL SELECT fund_id, load_id FROM staging.stg_fund_reviews
        UNION ALL SELECT fund_id, load_id FROM staging.stg_survey
    ) AS loaded GROUP BY fund_id
),
totals AS (
    SELECT p.*, coalesce(d.deduction, 0) AS deduction,
        -- Deductions come off after the indicators are scored, floored at 0.
        -- (rounded as DECIMAL: PostgreSQL rounds no DOUBLE to places)
        round(greatest(0, p.raw_total - coalesce(d.deduction, 0))::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS total
    FROM parts p LEFT JOIN deductions d USING (fund_id, unit_code)
)
SELECT
    t.fund_id, f.fund_name, t.unit_code, coalesce(u.unit_name, '全市') AS unit_name,
    -- Rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept DOUBLEs.
    round(m.budget_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS budget_wan,
    round(m.adjustment_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS adjustment_wan,
    round(m.planned_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS planned_wan,
    round(m.arrived_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS arrived_wan,
    round(m.spent_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS spent_wan,
    -- Rates keep six places: rounded to four first, 0.98846 became 0.9885
    -- and read 98.9% here but 98.8% where the same rate was computed afresh.
    round((m.arrived_wan / nullif(m.planned_wan, 0))::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS arrival_rate,
    round((m.spent_wan / nullif(m.planned_wan, 0))::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS execution_rate,
    round(pace.pace::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS pace,
    round(t.decision_score::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS decision_score,
    round(t.process_score::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS process_score,
    round(t.output_score::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS output_score,
    round(t.benefit_score::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS benefit_score,
    t.deduction, t.total,
    CASE WHEN t.total >= 90 THEN '优' WHEN t.total >= 80 THEN '良' WHEN t.total >= 60 THEN '中' ELSE '差' END AS grade,
    t.needs_explanation,
    m.spent_wan / nullif(m.planned_wan, 0) < pace.pace * 0.8 AS under_spent,
    CASE pace.basis WHEN 'year' THEN '按全年预算' ELSE '按序时进度折算' END AS execution_basis,
    -- Both readings of 预算执行率, whichever the total uses: w × min(1, rate ÷ 序时进度) and w × min(1, rate).
    round((ew.weight * least(1, m.spent_wan / nullif(m.planned_wan, 0) / pace.pace))::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS execution_score_pace,
    round((ew.weight * least(1, m.spent_wan / nullif(m.planned_wan, 0)))::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS execution_score_year,
    CASE WHEN t.unit_code = 'ALL' THEN f.budget_wan END AS catalog_budget_wan,
    round(sa.amount_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS service_amount_wan,
    m.spent_wan > m.arrived_wan + 0.005 AS overspent,
    -- The catalog's 年度预算 is the year-start budget: adjustments are shown beside it, not a mismatch.
    t.unit_code = 'ALL' AND abs(f.budget_wan - m.budget_wan) > 0.005 AS budget_mismatch,
    -- Money printed to two places, rounded from DECIMAL(38, 12) (see marts.city_completion).
    nullif(concat_ws('；',
        CASE WHEN m.spent_wan > m.arrived_wan + 0.005
             THEN '支出 ' || round(m.spent_wan::DECIMAL(38, 12), 2) || ' 万元超过到位资金 ' || round(m.arrived_wan::DECIMAL(38, 12), 2) || ' 万元，请核实资金来源' END,
        CASE WHEN t.unit_code = 'ALL' AND abs(f.budget_wan - m.budget_wan) > 0.005
             THEN '资金目录年度预算 ' || round(f.budget_wan::DECIMAL(38, 12), 2) || ' 万元与台账年初预算合计 ' || round(m.budget_wan::DECIMAL(38, 12), 2) || ' 万元不符' END,
        -- Service payments above the ledger's spending are money the ledger
        -- does not show; below it is normal (funds pay for more than services).
        CASE WHEN sa.amount_wan > m.spent_wan * 1.05 + 0.01
             THEN '服务记录金额 ' || round(sa.amount_wan::DECIMAL(38, 12), 2) || ' 万元超过台账支出 ' || round(m.spent_wan::DECIMAL(38, 12), 2) || ' 万元（多 '
                  || round(((sa.amount_wan - m.spent_wan) / nullif(m.spent_wan, 0) * 100)::DECIMAL(38, 12), 1) || '%），请核对台账' END,
        CASE WHEN t.needs_explanation THEN '有指标超过目标 130% 以上，需书面说明偏离原因' END
    ), '') AS warnings,
    coalesce(l.load_ids, CAST(ARRAY[] AS VARCHAR[])) AS load_ids
FROM totals t
JOIN staging.stg_funds f USING (fund_id)
JOIN money m USING (fund_id, unit_code)
CROSS JOIN pace
LEFT JOIN execution_weight ew USING (fund_id)
LEFT JOIN service_amounts sa USING (fund_id, unit_code)
LEFT JOIN staging.stg_units u USING (unit_code)
LEFT JOIN loads l USING (fund_id)
ORDER BY t.fund_id, t.unit_code
