/* jixiao
materialized: table
description: >-
  专项资金预算执行逐月累计（资金 × 单位（ALL 为全市）× 月，万元）：截至当月的年初预算、调整、全年预算数、到位与支出，
  运行监控表“1–X月执行数”的来源；最新月份的数字与 marts.fund_performance 相同
columns:
  fund_id: 资金编号
  unit_code: 单位代码
  month: 月份
  months_elapsed: 已过月份
  pace: 序时进度
  budget_wan: 年初预算（万元）
  adjustment_wan: 预算调整（万元）
  planned_wan: 全年预算数（万元）
  arrived_wan: 1–X月到位数（万元）
  spent_wan: 1–X月执行数（万元）
  execution_rate: 执行率
tests:
  - unique: [fund_id, unit_code, month]
  - not_null: [fund_id, unit_code, month, planned_wan, spent_wan]
  # The newest month is what the fund's evaluation reads: the same money.
  - assert: |
      SELECT m.fund_id, m.unit_code, m.spent_wan, p.spent_wan
      FROM marts.fund_budget_months m JOIN marts.fund_performance p USING (fund_id, unit_code)
      WHERE m.month = (SELECT max(month) FROM marts.fund_budget_months)
        AND (abs(m.planned_wan - p.planned_wan) > 0.005 OR abs(m.spent_wan - p.spent_wan) > 0.005 OR abs(m.arrived_wan - p.arrived_wan) > 0.005)
    name: latest_month_matches_fund_performance
*/
WITH months AS (
    -- Every month of the plan year up to the ledger's newest.
    SELECT CAST(s.month AS DATE) AS month, CAST(extract(month FROM s.month) AS BIGINT) AS m
    FROM meta.project,
        generate_series(CAST(make_date(plan_year, 1, 1) AS TIMESTAMP), CAST((SELECT max(month) FROM staging.stg_ledger) AS TIMESTAMP), INTERVAL '1 month') AS s(month)
),
funds_units AS (
    SELECT DISTINCT fund_id, unit_code FROM staging.stg_ledger
),
per_unit AS (
    -- Money up to and including each month, summed in DECIMAL as
    -- marts.fund_performance sums it (exact in any order).
    SELECT fu.fund_id, fu.unit_code, m.month, m.m,
        sum(coalesce(l.budget_wan, 0)::DECIMAL(18, 4)) AS budget_wan,
        sum(coalesce(l.adjustment_wan, 0)::DECIMAL(18, 4)) AS adjustment_wan,
        sum(coalesce(l.budget_wan + l.adjustment_wan, 0)::DECIMAL(18, 4)) AS planned_wan,
        sum(coalesce(l.arrived_wan, 0)::DECIMAL(18, 4)) AS arrived_wan,
        sum(coalesce(l.spent_wan, 0)::DECIMAL(18, 4)) AS spent_wan
    FROM funds_units fu
    CROSS JOIN months m
    LEFT JOIN staging.stg_ledger l ON l.fund_id = fu.fund_id AND l.unit_code = fu.unit_code AND l.month <= m.month
    GROUP BY fu.fund_id, fu.unit_code, m.month, m.m
),
both_levels AS (
    SELECT * FROM per_unit
    UNION ALL
    SELECT fund_id, 'ALL', month, m, sum(budget_wan), sum(adjustment_wan), sum(planned_wan), sum(arrived_wan), sum(spent_wan)
    FROM per_unit GROUP BY fund_id, month, m
)
-- Money stays unrounded (the pages show two decimals): marts that read it
-- divide exactly what marts.fund_indicator_values divides.
-- Rates are rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places) and kept DOUBLEs.
SELECT fund_id, unit_code, month, m AS months_elapsed, round(m / 12.0, 4)::DOUBLE PRECISION AS pace,
    budget_wan::DOUBLE PRECISION AS budget_wan, adjustment_wan::DOUBLE PRECISION AS adjustment_wan,
    planned_wan::DOUBLE PRECISION AS planned_wan, arrived_wan::DOUBLE PRECISION AS arrived_wan, spent_wan::DOUBLE PRECISION AS spent_wan,
    -- six places, as marts.fund_performance keeps them
    round((spent_wan::DOUBLE PRECISION / nullif(planned_wan::DOUBLE PRECISION, 0))::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS execution_rate
FROM both_levels
ORDER BY fund_id, unit_code, month
