/* jixiao
materialized: table
description: >-
  月报报送情况（单位 × 月）：应报的每一份月报是否收到、何时收到、是否迟报或更正；
  整份被拒收（全部行进入隔离区）的报表按未收到计，并给出文件与处理办法
columns:
  unit_code: 单位代码
  unit_name: 单位
  month: 月份
  receipt: 报送情况
  first_reported_on: 首次报送日期
  last_reported_on: 最后报送日期
  late: 迟报
  corrected: 有更正
  source_file: 采用的报表文件
  rejected_file: 被拒收的文件
  rejected_rows: 被拒收行数
  rejected_reason: 拒收原因
  remedy: 处理办法
tests:
  - unique: [unit_code, month]
  - accepted_values: {column: receipt, values: [按时报送, 迟报, 未收到, 被拒收]}
*/
WITH project AS (SELECT plan_year FROM meta.project),
received AS (
    SELECT unit_code, month,
        min(reported_on) AS first_reported_on, max(reported_on) AS last_reported_on,
        count(DISTINCT _file) > 1 AS corrected,
        -- the newest report's file, as staging.stg_progress takes it
        max(CASE WHEN newest = 1 THEN _file END) AS source_file
    FROM (
        SELECT unit_code, CAST(date_trunc('month', period) AS DATE) AS month, reported_on, _file,
            row_number() OVER (PARTITION BY unit_code, date_trunc('month', period) ORDER BY reported_on DESC, _file DESC) AS newest
        FROM raw.progress
    ) AS reports
    GROUP BY unit_code, month
),
last_month AS (SELECT max(month) AS month FROM received),
expected AS (
    -- Every unit that has targets owes a report for every month up to the
    -- newest month any unit reported.
    SELECT u.unit_code, u.unit_name, CAST(m.month AS DATE) AS month
    FROM staging.stg_units u
    CROSS JOIN project CROSS JOIN last_month
    CROSS JOIN generate_series(CAST(make_date(project.plan_year, 1, 1) AS TIMESTAMP), CAST(last_month.month AS TIMESTAMP), INTERVAL '1 month') AS m(month)
    WHERE u.unit_code IN (SELECT unit_code FROM staging.stg_targets)
),
rejected AS (
    -- A file none of whose rows loaded: everything in it went to quarantine.
    SELECT file, count(*) AS rows, min(reason) AS reason
    FROM meta.quarantine
    WHERE source = 'progress' AND file NOT IN (SELECT DISTINCT _file FROM raw.progress)
    GROUP BY file
),
matched AS (
    -- A rejected file is matched to the report it should have been by its
    -- name (单位 and 年-月, as units name their files); an unmatched one is
    -- still listed by `jixiao quarantine` and on the data guide.
    SELECT e.unit_code, e.month, min(x.file) AS file, sum(x.rows) AS rows, min(x.reason) AS reason
    -- left(.., 7) of an ISO date is its 年-月: 2017-03
    FROM expected e JOIN rejected x ON strpos(x.file, e.unit_name) > 0 AND strpos(x.file, left(CAST(e.month AS VARCHAR), 7)) > 0
    GROUP BY e.unit_code, e.month
)
SELECT
    e.unit_code, e.unit_name, e.month,
    CASE
        WHEN r.unit_code IS NULL AND x.file IS NOT NULL THEN '被拒收'
        WHEN r.unit_code IS NULL THEN '未收到'
        WHEN r.first_reported_on > e.month + INTERVAL '1 month' + INTERVAL '4 days' THEN '迟报'
        ELSE '按时报送'
    END AS receipt,
    r.first_reported_on, r.last_reported_on,
    coalesce(r.first_reported_on > e.month + INTERVAL '1 month' + INTERVAL '4 days', false) AS late,
    coalesce(r.corrected, false) AS corrected,
    r.source_file,
    x.file AS rejected_file,
    x.rows AS rejected_rows,
    x.reason AS rejected_reason,
    CASE
        -- Said to the unit; the administrator's alternative (an alias in
        -- jixiao.yaml) is on the page's note, not in the reminder.
        WHEN r.unit_code IS NULL AND x.file IS NOT NULL AND x.reason LIKE '未知单位%'
            THEN '填报单位请写规范名称“' || e.unit_name || '”，修正后重新报送'
        WHEN r.unit_code IS NULL AND x.file IS NOT NULL THEN '请按拒收原因修正后重新报送'
        WHEN r.unit_code IS NULL THEN '请该单位补报本月月报'
    END AS remedy
FROM expected e
LEFT JOIN received r USING (unit_code, month)
LEFT JOIN matched x ON r.unit_code IS NULL AND x.unit_code = e.unit_code AND x.month = e.month
ORDER BY e.unit_code, e.month
