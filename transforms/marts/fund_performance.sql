/* jixiao
materialized: table
description: 专项资金绩效评价（资金 × 单位，ALL 为全市）：决策、过程、产出、效益得分，扣分，总分与等级（优≥90、良≥80、中≥60、差<60），资金到位率与预算执行率
columns:
  fund_id: 资金编号
  fund_name: 资金名称
  unit_code: 单位代码
  unit_name: 单位
  planned_wan: 预算（万元）
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
  load_ids: 来源批次
tests:
  - unique: [fund_id, unit_code]
  - accepted_values: {column: grade, values: [优, 良, 中, 差]}
  - assert: "SELECT * FROM marts.fund_performance WHERE total NOT BETWEEN 0 AND 100"
    name: total_in_range
*/
WITH scores AS (SELECT * FROM marts.indicator_scores WHERE context = 'fund'),
parts AS (
    SELECT group_id AS fund_id, unit_code,
        sum(score) FILTER (WHERE level1 = '决策') AS decision_score,
        sum(score) FILTER (WHERE level1 = '过程') AS process_score,
        sum(score) FILTER (WHERE level1 = '产出') AS output_score,
        sum(score) FILTER (WHERE level1 = '效益') AS benefit_score,
        sum(score) AS raw_total,
        bool_or(over_target) AS needs_explanation
    FROM scores GROUP BY ALL
),
deductions AS (
    SELECT fund_id, unit_code, sum(deduction) AS deduction FROM staging.stg_fund_reviews GROUP BY ALL
    UNION ALL
    SELECT fund_id, 'ALL', sum(deduction) FROM staging.stg_fund_reviews GROUP BY ALL
),
money AS (
    SELECT fund_id, unit_code, sum(budget_wan + adjustment_wan) AS planned_wan, sum(arrived_wan) AS arrived_wan, sum(spent_wan) AS spent_wan
    FROM staging.stg_ledger GROUP BY ALL
    UNION ALL
    SELECT fund_id, 'ALL', sum(budget_wan + adjustment_wan), sum(arrived_wan), sum(spent_wan) FROM staging.stg_ledger GROUP BY ALL
),
pace AS (SELECT month(max(month)) / 12.0 AS pace FROM staging.stg_ledger),
loads AS (
    -- The ledger, reviews and survey loads behind each fund's figures.
    SELECT fund_id, list(DISTINCT load_id ORDER BY load_id) AS load_ids FROM (
        SELECT fund_id, load_id FROM staging.stg_ledger
        UNION ALL SELECT fund_id, load_id FROM staging.stg_fund_reviews
        UNION ALL SELECT fund_id, load_id FROM staging.stg_survey
    ) GROUP BY fund_id
),
totals AS (
    SELECT p.*, coalesce(d.deduction, 0) AS deduction,
        -- Deductions come off after the indicators are scored, floored at 0.
        round(greatest(0, p.raw_total - coalesce(d.deduction, 0)), 2) AS total
    FROM parts p LEFT JOIN deductions d USING (fund_id, unit_code)
)
SELECT
    t.fund_id, f.fund_name, t.unit_code, coalesce(u.unit_name, '全市') AS unit_name,
    round(m.planned_wan, 2) AS planned_wan, round(m.arrived_wan, 2) AS arrived_wan, round(m.spent_wan, 2) AS spent_wan,
    round(m.arrived_wan / m.planned_wan, 4) AS arrival_rate,
    round(m.spent_wan / m.planned_wan, 4) AS execution_rate,
    round(pace.pace, 4) AS pace,
    round(t.decision_score, 2) AS decision_score, round(t.process_score, 2) AS process_score,
    round(t.output_score, 2) AS output_score, round(t.benefit_score, 2) AS benefit_score,
    t.deduction, t.total,
    CASE WHEN t.total >= 90 THEN '优' WHEN t.total >= 80 THEN '良' WHEN t.total >= 60 THEN '中' ELSE '差' END AS grade,
    t.needs_explanation,
    m.spent_wan / m.planned_wan < pace.pace * 0.8 AS under_spent,
    coalesce(l.load_ids, []) AS load_ids
FROM totals t
JOIN staging.stg_funds f USING (fund_id)
JOIN money m USING (fund_id, unit_code)
CROSS JOIN pace
LEFT JOIN staging.stg_units u USING (unit_code)
LEFT JOIN loads l USING (fund_id)
ORDER BY t.fund_id, t.unit_code
