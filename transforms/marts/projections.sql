/* jixiao
materialized: table
description: >-
  全年预计（唯一的推算口径，供运行监控表与看板共用）：累计数按 1–X 月月均线性推算到全年
  （全年预计 = 1–X月累计 ÷ X × 12）；资金到位不超过全年预算；单位成本、满意度等比值以当前值作全年预计；
  定性指标、节点类、比例类指标不推算。context：indicator 为工作要点累计类指标（单位与全市 ALL），
  fund_budget 为专项资金预算执行，fund_indicator 为专项资金绩效指标
columns:
  context: 口径
  group_id: 指标编号/资金编号
  item: 指标
  unit_code: 单位代码
  month: 月份
  months_elapsed: 已过月份
  actual: 1–X月累计（或当前值）
  annual_target: 全年目标
  projected: 全年预计
  projected_rate: 预计完成率
  will_miss: 按当前进度完不成
  method: 推算方法
tests:
  - unique: [context, group_id, item, unit_code, month]
  - not_null: [context, group_id, item, unit_code, month, method]
*/
WITH plan AS (
    -- The plan's cumulative counts, by unit and citywide.
    SELECT indicator_id, indicator_name, unit_code, month, direction, actual_cum, target FROM marts.indicator_completion WHERE kind = 'count'
    UNION ALL
    SELECT c.indicator_id, c.indicator_name, 'ALL', c.month, c.direction, c.actual_cum, c.target
    FROM marts.city_completion c WHERE c.kind = 'count'
),
indicator AS (
    SELECT 'indicator' AS context, indicator_id AS group_id, indicator_name AS item, unit_code, month, CAST(extract(month FROM month) AS BIGINT) AS m,
        actual_cum AS actual, target AS annual_target,
        actual_cum / extract(month FROM month) * 12 AS projected,
        direction, NULL AS data_source
    FROM plan
),
budget AS (
    SELECT 'fund_budget' AS context, fund_id AS group_id, '预算执行' AS item, unit_code, month, months_elapsed AS m,
        spent_wan AS actual, planned_wan AS annual_target,
        spent_wan / months_elapsed * 12 AS projected,
        '正向' AS direction, NULL AS data_source
    FROM marts.fund_budget_months
),
fund AS (
    SELECT 'fund_indicator' AS context, fund_id AS group_id, indicator_name AS item, unit_code, month, months_elapsed AS m,
        actual, annual_target,
        CASE data_source
            -- Money arrives up to the year's budget, never beyond it.
            -- No budget yet: no projection (PostgreSQL divides nothing by 0).
            WHEN 'arrival_rate' THEN least(1, numerator / months_elapsed * 12 / nullif(denominator, 0))
            WHEN 'execution_rate' THEN numerator / months_elapsed * 12 / nullif(denominator, 0)
            WHEN 'services' THEN numerator / months_elapsed * 12
            -- A ratio (cost per person, satisfaction): the year's is today's.
            WHEN 'unit_cost' THEN actual
            WHEN 'survey' THEN actual
        END AS projected,
        direction, data_source
    FROM marts.fund_month_figures
),
everything AS (
    SELECT * FROM indicator
    UNION ALL SELECT * FROM budget
    UNION ALL SELECT * FROM fund
)
SELECT context, group_id, item, unit_code, month, m AS months_elapsed,
    actual, annual_target,
    -- rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept DOUBLEs
    round(projected::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS projected,
    round((CASE WHEN direction = '正向' THEN projected / nullif(annual_target, 0) END)::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS projected_rate,
    CASE WHEN projected IS NULL OR annual_target IS NULL THEN NULL
         WHEN direction = '反向' THEN projected > annual_target
         ELSE projected < annual_target END AS will_miss,
    CASE
        WHEN projected IS NULL THEN '不推算（定性指标）'
        WHEN data_source IN ('unit_cost', 'survey') THEN '比值：以1–' || m || '月的值作全年预计'
        WHEN data_source = 'arrival_rate' THEN '1–' || m || '月累计 ÷ ' || m || ' × 12，不超过全年预算'
        ELSE '1–' || m || '月累计 ÷ ' || m || ' × 12'
    END AS method
FROM everything
ORDER BY context, group_id, item, unit_code, month
