/* jixiao
materialized: table
description: 单位综合考核：基础分（各指标得分 ÷ 权重合计 × 100）+ 加分（有上限）− 扣分（迟报），总分与名次（并列同名次）
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
    SELECT unit_code, list(DISTINCT id ORDER BY id) AS load_ids
    FROM marts.indicator_completion, unnest(load_ids) AS t(id) GROUP BY unit_code
),
late AS (
    SELECT unit_code, count(*) FILTER (WHERE late) AS late_reports
    FROM (SELECT DISTINCT unit_code, month, late FROM staging.stg_progress) GROUP BY unit_code
),
agg AS (
    SELECT unit_code,
        count(*) FILTER (WHERE method <> 'bonus') AS indicators,
        sum(weight) FILTER (WHERE method <> 'bonus') AS base_weight,
        sum(score) FILTER (WHERE method <> 'bonus') AS base_score,
        coalesce(sum(score) FILTER (WHERE method = 'bonus'), 0) AS bonus_raw,
        sum(lost) FILTER (WHERE method <> 'bonus') AS points_lost,
        string_agg(item_name, '；' ORDER BY lost DESC) FILTER (WHERE method <> 'bonus' AND lost > 0) AS lost_items
    FROM scores GROUP BY unit_code
),
totals AS (
    SELECT a.unit_code, a.indicators,
        round(a.base_score / a.base_weight * 100, 2) AS base_points,
        round(least(a.bonus_raw, s.cap), 2) AS bonus,
        coalesce(l.late_reports, 0) AS late_reports,
        round(coalesce(l.late_reports, 0) * s.per_late, 2) AS deduction,
        round(a.points_lost, 2) AS points_lost,
        a.lost_items
    FROM agg a CROSS JOIN settings s LEFT JOIN late l USING (unit_code)
)
SELECT
    t.unit_code, u.unit_name, u.unit_kind, t.indicators, t.base_points, t.bonus, t.late_reports, t.deduction,
    round(t.base_points + t.bonus - t.deduction, 2) AS total,
    rank() OVER (ORDER BY round(t.base_points + t.bonus - t.deduction, 2) DESC) AS rank,
    count(*) OVER (PARTITION BY round(t.base_points + t.bonus - t.deduction, 2)) > 1 AS tied,
    t.points_lost,
    -- The three items that cost the most points, to explain the score.
    array_to_string(list_slice(string_split(t.lost_items, '；'), 1, 3), '；') AS weakest_items,
    coalesce(l.load_ids, []) AS load_ids
FROM totals t JOIN staging.stg_units u USING (unit_code) LEFT JOIN loads l USING (unit_code)
ORDER BY rank, unit_code
