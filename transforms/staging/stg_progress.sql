/* jixiao
materialized: table
description: 各单位月度进度（每单位每月只取最后报送的一份报表：更正件替代原件）
columns:
  unit_code: 单位代码
  month: 月份
  indicator_id: 指标编号
  done: 本月完成
  demand: 本月需求
  reported_cum: 报表累计完成
  reported_on: 报送日期
  first_reported_on: 首次报送日期
  corrected: 有更正
  late: 迟报
  source_file: 来源文件
  deviation_category: 偏差原因类别
  deviation_reason: 偏差原因分析
  likelihood: 完成目标可能性
  corrective_action: 纠偏措施
tests:
  - not_null: [unit_code, month, indicator_id, done]
  - unique: [unit_code, month, indicator_id]
  - relationships: {column: indicator_id, to: staging.stg_catalog, field: indicator_id}
    severity: warn
  # A figure for an indicator the unit has no target for reaches no mart: report it.
  - assert: "SELECT p.unit_code, p.indicator_id, p.month, p.done FROM staging.stg_progress p WHERE p.done <> 0 AND NOT EXISTS (SELECT 1 FROM staging.stg_targets t WHERE t.indicator_id = p.indicator_id AND t.unit_code = p.unit_code)"
    name: reported_without_target
    severity: warn
  # The units' own word on an indicator behind schedule, as the 运行监控表 reads it.
  - accepted_values: {column: likelihood, values: [确定能, 有可能, 完全不可能]}
    severity: warn
*/
WITH reports AS (
    SELECT DISTINCT unit_code, CAST(date_trunc('month', period) AS DATE) AS month, reported_on, _file
    FROM raw.progress
),
latest AS (
    -- A corrected re-send (更正) is dated later and replaces the original.
    SELECT * FROM (
        SELECT *,
            min(reported_on) OVER (PARTITION BY unit_code, month) AS first_reported_on,
            count(*) OVER (PARTITION BY unit_code, month) > 1 AS corrected,
            row_number() OVER (PARTITION BY unit_code, month ORDER BY reported_on DESC, _file DESC) AS newest
        FROM reports
    ) AS ranked
    WHERE newest = 1
),
figures AS (
    SELECT
        p.unit_code,
        l.month,
        p.indicator_id,
        sum(p.done) AS done,
        sum(p.demand) AS demand,
        -- What the unit itself wrote as 累计完成, to reconcile with its monthly figures.
        sum(p.reported_cumulative) AS reported_cum,
        l.reported_on,
        l.first_reported_on,
        l.corrected,
        -- Reports are due by the 5th of the following month. Lateness is the
        -- first report's: a correction sent after an on-time original is not late.
        l.first_reported_on > l.month + INTERVAL '1 month' + INTERVAL '4 days' AS late,
        l._file AS source_file,
        -- one file: one load
        min(p._load_id) AS load_id,
        nullif(trim(max(p.deviation_reason)), '') AS reason,
        nullif(trim(max(p.likelihood)), '') AS likelihood,
        nullif(trim(max(p.corrective_action)), '') AS corrective_action
    FROM raw.progress p
    JOIN latest l ON p.unit_code = l.unit_code AND CAST(date_trunc('month', p.period) AS DATE) = l.month AND p._file = l._file
        AND p.reported_on = l.reported_on
    GROUP BY p.unit_code, l.month, p.indicator_id, l.reported_on, l.first_reported_on, l.corrected, l._file
)
SELECT unit_code, month, indicator_id, done, demand, reported_cum, reported_on, first_reported_on, corrected, late, source_file, load_id,
    -- 偏差原因分析 reads 经费保障：资金未到位; a reason without one of the
    -- form's five categories counts as 其他.
    CASE WHEN reason IS NULL THEN NULL
         WHEN reason LIKE '经费保障%' THEN '经费保障'
         WHEN reason LIKE '制度保障%' THEN '制度保障'
         WHEN reason LIKE '人员保障%' THEN '人员保障'
         WHEN reason LIKE '硬件条件保障%' THEN '硬件条件保障'
         ELSE '其他' END AS deviation_category,
    nullif(trim(regexp_replace(reason, '^(经费保障|制度保障|人员保障|硬件条件保障|其他)\s*[:：]?\s*', '')), '') AS deviation_reason,
    likelihood,
    corrective_action
FROM figures
