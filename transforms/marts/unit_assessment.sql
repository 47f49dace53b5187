/* jixiao
materialized: table
description: >-
  单位综合考核：基础分（已计分指标得分 ÷ 其权重合计 × 100；未到期的节点性指标不计分）+ 加分（有上限）− 扣分（迟报，以首次报送为准），
  总分与名次（并列同名次，同分按单位代码排列）；有月报未收到或被拒收的单位得分为暂定
columns:
  unit_code: 单位代码
  unit_name: 单位
  unit_kind: 单位类别
  indicators: 考核指标数
  base_points: 基础分
  bonus: 加分
  late_reports: 迟报次数
  deduction: 扣分
  total: 总分
  rank: 名次
  tied: 并列
  points_lost: 失分合计
  weakest_items: 失分最多的指标
  pending: 未到期未计分指标数
  late_months: 迟报月份
  missing_reports: 未收到或被拒收的月报
  provisional: 得分为暂定
  explanation: 总分说明
  load_ids: 来源批次
tests:
  - unique: [unit_code]
  - not_null: [total, rank]
  - assert: "SELECT * FROM marts.unit_assessment WHERE base_points NOT BETWEEN 0 AND 100"
    name: base_points_in_range
*/
WITH settings AS (SELECT coalesce(bonus_cap, 5) AS cap, coalesce(late_report_deduction, 0.5) AS per_late FROM meta.project),
scores AS (SELECT * FROM marts.indicator_scores WHERE context = 'assessment'),
loads AS (
    SELECT unit_code, array_agg(DISTINCT id ORDER BY id) AS load_ids
    FROM marts.indicator_completion, unnest(load_ids) AS t(id) GROUP BY unit_code
),
late AS (
    -- Lateness is the first report's (see staging.stg_progress).
    SELECT unit_code, count(*) FILTER (WHERE late) AS late_reports,
        string_agg(extract(year FROM month) || '年' || extract(month FROM month) || '月', '、' ORDER BY month) FILTER (WHERE late) AS late_months
    FROM (SELECT DISTINCT unit_code, month, late FROM staging.stg_progress) AS reports GROUP BY unit_code
),
receipts AS (
    SELECT unit_code,
        string_agg(extract(year FROM month) || '年' || extract(month FROM month) || '月' || receipt, '、' ORDER BY month) FILTER (WHERE receipt IN ('未收到', '被拒收')) AS missing_reports,
        count(*) FILTER (WHERE receipt IN ('未收到', '被拒收')) AS missing_count
    FROM staging.stg_report_receipts GROUP BY unit_code
),
pending AS (
    SELECT unit_code, count(*) AS pending
    FROM marts.indicator_completion
    WHERE month = (SELECT max(month) FROM marts.indicator_completion) AND status = '未到期'
    GROUP BY unit_code
),
agg AS (
    SELECT unit_code,
        count(*) FILTER (WHERE method <> 'bonus') AS indicators,
        -- Sums in DECIMAL are exact: a float sum depends on the order rows
        -- arrive in, and a rank must not change between two runs.
        sum(weight::DECIMAL(18, 4)) FILTER (WHERE method <> 'bonus')::DOUBLE PRECISION AS base_weight,
        sum(score::DECIMAL(18, 4)) FILTER (WHERE method <> 'bonus')::DOUBLE PRECISION AS base_score,
        coalesce(sum(score::DECIMAL(18, 4)) FILTER (WHERE method = 'bonus'), 0)::DOUBLE PRECISION AS bonus_raw,
        sum(lost::DECIMAL(18, 4)) FILTER (WHERE method <> 'bonus')::DOUBLE PRECISION AS points_lost,
        -- Ties in points lost are broken by indicator id, so the list is the same every run.
        string_agg(item_name, '；' ORDER BY lost DESC, item_id) FILTER (WHERE method <> 'bonus' AND lost > 0) AS lost_items
    FROM scores GROUP BY unit_code
),
totals AS (
    -- Rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept DOUBLEs.
    SELECT a.unit_code, a.indicators,
        round((a.base_score / nullif(a.base_weight, 0) * 100)::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS base_points,
        round(least(a.bonus_raw, s.cap)::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS bonus,
        coalesce(l.late_reports, 0) AS late_reports,
        round((coalesce(l.late_reports, 0) * s.per_late)::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS deduction,
        round(a.points_lost::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS points_lost,
        a.lost_items,
        l.late_months,
        a.bonus_raw,
        s.cap
    FROM agg a CROSS JOIN settings s LEFT JOIN late l USING (unit_code)
),
totalled AS (
    SELECT *, round((base_points + bonus - deduction)::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS total FROM totals
)
SELECT
    t.unit_code, u.unit_name, u.unit_kind, t.indicators, t.base_points, t.bonus, t.late_reports, t.deduction,
    t.total,
    rank() OVER (ORDER BY t.total DESC NULLS LAST) AS rank,
    count(*) OVER (PARTITION BY t.total) > 1 AS tied,
    t.points_lost,
    -- The three items that cost the most points, to explain the score.
    array_to_string((string_to_array(t.lost_items, '；'))[1:3], '；') AS weakest_items,
    coalesce(p.pending, 0) AS pending,
    t.late_months,
    r.missing_reports,
    -- A unit whose report was not received or was rejected is scored on
    -- what arrived: its score stands only once the report is in.
    r.missing_reports IS NOT NULL AS provisional,
    -- Points printed to two places (rounded from DECIMAL(38, 12), see
    -- marts.city_completion); the cap as %g printed it (5, 2.5).
    '基础分 ' || round(t.base_points::DECIMAL(38, 12), 2) || '（已计分指标得分 ÷ 权重 × 100）'
        || CASE WHEN t.bonus > 0 THEN ' + 加分 ' || round(t.bonus::DECIMAL(38, 12), 2)
                || CASE WHEN t.bonus_raw > t.cap
                        THEN '（加分项合计 ' || round(t.bonus_raw::DECIMAL(38, 12), 2) || '，上限 ' || rtrim(rtrim(round(t.cap::DECIMAL(38, 12), 6)::VARCHAR, '0'), '.') || ' 分）'
                        ELSE '' END
           ELSE '' END
        || CASE WHEN t.deduction > 0 THEN ' − 迟报扣分 ' || round(t.deduction::DECIMAL(38, 12), 2) || '（' || t.late_months || '）' ELSE '' END
        || ' = ' || round(t.total::DECIMAL(38, 12), 2)
        || CASE WHEN t.total > 100 THEN '；总分超过 100 分来自加分' ELSE '' END
        || CASE WHEN coalesce(p.pending, 0) > 0 THEN '；另有 ' || p.pending || ' 项节点性指标未到期，本期不计分' ELSE '' END
        || CASE WHEN r.missing_reports IS NOT NULL THEN '；有 ' || r.missing_count || ' 份月报未收到或被拒收，得分为暂定' ELSE '' END AS explanation,
    coalesce(l.load_ids, CAST(ARRAY[] AS VARCHAR[])) AS load_ids
FROM totalled t JOIN staging.stg_units u USING (unit_code) LEFT JOIN loads l USING (unit_code)
LEFT JOIN pending p USING (unit_code)
LEFT JOIN receipts r USING (unit_code)
ORDER BY rank, t.unit_code
