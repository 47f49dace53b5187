/* jixiao
materialized: table
description: >-
  季度调度通报（季度 × 单位）：季末各指标完成、正常、滞后、未到期的个数（未到期的节点性指标不算滞后），
  滞后指标清单（反向指标超限也列入），本季度迟报次数与未收到或被拒收的月报
columns:
  quarter: 季度
  quarter_end: 季末月份
  unit_code: 单位代码
  unit_name: 单位
  indicators: 指标数
  done: 完成
  on_pace: 正常
  behind: 滞后
  over: 超限
  pending: 未到期
  behind_items: 滞后指标
  late_reports: 迟报次数
  missing_reports: 未收到或被拒收的月报
tests:
  - unique: [quarter, unit_code]
  - assert: "SELECT * FROM marts.quarterly_bulletin WHERE done + on_pace + behind + over + pending <> indicators"
    name: statuses_add_up
*/
WITH quarter_ends AS (
    SELECT DISTINCT month AS quarter_end, CAST(extract(quarter FROM month) AS BIGINT) AS quarter
    FROM marts.indicator_completion WHERE extract(month FROM month) IN (3, 6, 9, 12)
),
late AS (
    SELECT unit_code, CAST(extract(quarter FROM month) AS BIGINT) AS quarter, count(*) AS late_reports
    FROM (SELECT DISTINCT unit_code, month FROM staging.stg_progress WHERE late) AS late_months
    GROUP BY unit_code, CAST(extract(quarter FROM month) AS BIGINT)
),
missing AS (
    SELECT unit_code, CAST(extract(quarter FROM month) AS BIGINT) AS quarter,
        string_agg(extract(year FROM month) || '年' || extract(month FROM month) || '月' || receipt, '、' ORDER BY month) AS missing_reports
    FROM staging.stg_report_receipts WHERE receipt IN ('未收到', '被拒收')
    GROUP BY unit_code, CAST(extract(quarter FROM month) AS BIGINT)
)
SELECT
    q.quarter, q.quarter_end, i.unit_code, min(i.unit_name) AS unit_name,
    count(*) AS indicators,
    count(*) FILTER (WHERE i.status = '完成') AS done,
    count(*) FILTER (WHERE i.status = '正常') AS on_pace,
    count(*) FILTER (WHERE i.status = '滞后') AS behind,
    -- a ceiling exceeded (反向) is its own state, not behind
    count(*) FILTER (WHERE i.status = '超限') AS over,
    count(*) FILTER (WHERE i.status = '未到期') AS pending,
    string_agg(i.indicator_name, '；' ORDER BY i.indicator_id) FILTER (WHERE i.status = '滞后') AS behind_items,
    coalesce(min(l.late_reports), 0) AS late_reports,
    min(ms.missing_reports) AS missing_reports
FROM quarter_ends q
-- An "A或B" target counts once, on its better route.
JOIN marts.indicator_completion i ON i.month = q.quarter_end AND i.counted
LEFT JOIN late l ON l.unit_code = i.unit_code AND l.quarter = q.quarter
LEFT JOIN missing ms ON ms.unit_code = i.unit_code AND ms.quarter = q.quarter
GROUP BY q.quarter, q.quarter_end, i.unit_code
ORDER BY q.quarter, i.unit_code
