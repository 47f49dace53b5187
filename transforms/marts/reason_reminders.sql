/* jixiao
materialized: table
description: >-
  催报：落后却未说明原因的指标（单位 × 月 × 指标）。指标滞后或超限，而该单位当月月报的“偏差原因分析”栏为空：
  运行监控表上显示“未填写”，请该单位在月报中补充偏差原因、完成目标可能性和纠偏措施
columns:
  unit_code: 单位代码
  unit_name: 单位
  month: 月份
  indicator_id: 指标编号
  indicator_name: 指标名称
  status: 状态
  value_text: 完成情况
  funds: 涉及专项资金
  reminder: 催报内容
tests:
  - unique: [unit_code, month, indicator_id]
*/
WITH received AS (
    -- Only months the unit did report: a report not received is asked for as a whole.
    SELECT DISTINCT unit_code, month FROM staging.stg_progress
),
funds AS (
    -- COLLATE "C": names in code point order, whatever the database's collation
    SELECT indicator_id, string_agg(fund_name, '、' ORDER BY fund_name COLLATE "C") AS funds
    FROM (SELECT DISTINCT fi.plan_indicator AS indicator_id, f.fund_name
          FROM staging.stg_fund_indicators fi JOIN staging.stg_funds f USING (fund_id)
          WHERE fi.plan_indicator IS NOT NULL) AS named
    GROUP BY indicator_id
)
SELECT i.unit_code, i.unit_name, i.month, i.indicator_id, i.indicator_name, i.status, i.value_text, f.funds,
    extract(year FROM i.month) || '年' || extract(month FROM i.month) || '月月报中指标 ' || i.indicator_id || ' ' || i.status
        || '，未填写偏差原因分析、完成目标可能性和纠偏措施，请在下次报送时补充' AS reminder
FROM marts.indicator_completion i
JOIN received r USING (unit_code, month)
LEFT JOIN staging.stg_progress p USING (unit_code, month, indicator_id)
LEFT JOIN funds f USING (indicator_id)
WHERE i.status IN ('滞后', '超限') AND p.deviation_category IS NULL
ORDER BY i.month, i.unit_code, i.indicator_id
