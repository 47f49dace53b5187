/* jixiao
materialized: table
description: >-
  指标得分（单位综合考核与专项资金绩效评价共用的计分规则）：正向按比例、反向按超出比例扣减（2 倍目标为 0）、
  目标为 0 时“等于”计分、目标完成计分法、功效系数法、排名计分（并列同名次）、定性指标分档、加分项；
  年中按序时目标计分（目标 × 已过月份/12），年底即全年目标；任何指标得分不超过其权重
columns:
  context: 口径
  group_id: 考核/资金
  unit_code: 单位代码
  item_id: 指标编号
  item_name: 指标名称
  level1: 一级指标
  method: 计分方法
  direction: 方向
  weight: 权重
  actual: 实际值
  target: 计分目标
  completion: 完成率
  rank: 名次
  score: 得分
  lost: 失分
  over_target: 超目标需说明
  note: 说明
tests:
  - unique: [context, group_id, unit_code, item_id]
  - not_null: [score, weight]
  - assert: "SELECT * FROM marts.indicator_scores WHERE score < 0 OR score > weight + 0.000001"
    name: score_within_weight
*/
WITH settings AS (
    SELECT coalesce(rank_step, 0.05) AS step, coalesce(overachievement_ratio, 1.3) AS over_ratio FROM meta.project
),
latest AS (SELECT max(month) AS month FROM marts.indicator_completion),
assessment_items AS (
    SELECT
        'assessment' AS context, 'assessment' AS group_id, i.unit_code, i.indicator_id AS item_id, i.indicator_name AS item_name,
        NULL AS level1, c.method, i.direction, c.weight, c.alt_of,
        CASE WHEN i.kind IN ('ratio', 'every_case') THEN i.rate ELSE i.actual_cum END AS actual,
        CASE
            WHEN i.kind IN ('ratio', 'every_case') THEN i.target
            -- Milestones are scored against the whole target once due (or
            -- done); cumulative counts mid-year against their share so far.
            WHEN i.kind IN ('milestone', 'deadline') THEN i.target
            ELSE i.target * extract(month FROM i.month) / 12.0
        END AS target,
        i.target AS annual_target,
        -- A milestone met after its due date earns half, whatever the method.
        CASE WHEN i.done_late THEN 0.5 ELSE 1 END AS late_factor,
        c.floor_value, c.satisfied_value, NULL AS band, NULL::DOUBLE PRECISION AS score_ratio
    FROM marts.indicator_completion i
    JOIN latest ON i.month = latest.month
    JOIN staging.stg_catalog c USING (indicator_id)
    -- Not yet due and not done: not scored this period (no points lost or won).
    -- method none: monitored only (a ceiling the plan sets no number for).
    WHERE i.status <> '未到期' AND c.method <> 'none'
),
assessment AS (
    -- An "A或B" target is one target met either way: scored once, on the
    -- route that does better, with the weight the primary carries.
    SELECT context, group_id, unit_code, item_id, item_name, level1, method, direction, pair_weight AS weight,
        actual, target, annual_target, late_factor, route_note, floor_value, satisfied_value, band, score_ratio
    FROM (
        SELECT *,
            max(weight) OVER pair AS pair_weight,
            CASE WHEN count(*) OVER pair > 1 THEN '或目标：按“' || item_name || '”计分（完成较好的一项）' END AS route_note,
            row_number() OVER (PARTITION BY unit_code, coalesce(alt_of, item_id) ORDER BY completion_ DESC NULLS LAST, alt_of NULLS FIRST) AS better
        FROM (SELECT *, CASE WHEN target > 0 THEN greatest(coalesce(actual, 0), 0) / target END AS completion_ FROM assessment_items) AS completed
        WINDOW pair AS (PARTITION BY unit_code, coalesce(alt_of, item_id))
    ) AS routes
    WHERE better = 1
),
fund AS (
    SELECT
        'fund' AS context, fund_id AS group_id, unit_code, indicator_name AS item_id, indicator_name AS item_name,
        level1, CASE WHEN nature = '定性' THEN 'qualitative' ELSE 'proportional' END AS method, direction, weight,
        actual, target, annual_target, 1 AS late_factor, NULL AS route_note,
        NULL::DOUBLE PRECISION AS floor_value, NULL::DOUBLE PRECISION AS satisfied_value, band, score_ratio
    FROM marts.fund_indicator_values
),
items AS (
    SELECT *, CASE WHEN target > 0 THEN greatest(coalesce(actual, 0), 0) / target END AS completion
    -- assessment and fund list the same columns in the same order
    FROM (SELECT * FROM assessment UNION ALL SELECT * FROM fund) AS both_contexts
),
ranked AS (
    SELECT *,
        -- Ties share a rank and the next rank is skipped (1, 2, 2, 4).
        CASE WHEN method = 'rank' THEN rank() OVER (PARTITION BY context, group_id, item_id ORDER BY completion DESC NULLS LAST) END AS rank
    FROM items
),
scored AS (
    SELECT r.*, greatest(coalesce(r.actual, 0), 0) AS a,
        CASE
            WHEN r.actual IS NULL AND r.method NOT IN ('qualitative', 'rank') THEN 0
            WHEN r.method = 'qualitative' THEN r.weight * coalesce(
                CASE r.band
                    WHEN '达成' THEN least(1, greatest(0.8, coalesce(r.score_ratio, 0.9)))
                    WHEN '部分达成' THEN least(0.8, greatest(0.6, coalesce(r.score_ratio, 0.7)))
                    WHEN '未达成' THEN least(0.6, greatest(0, coalesce(r.score_ratio, 0.3)))
                    ELSE r.score_ratio
                END, 0)
            WHEN r.method = 'rank' THEN r.weight * greatest(0, 1 - (r.rank - 1) * s.step)
            WHEN r.target = 0 THEN CASE WHEN r.direction = '反向' AND greatest(coalesce(r.actual, 0), 0) > 0 THEN 0 ELSE r.weight END
            WHEN r.method = 'target_met' THEN CASE
                WHEN r.direction = '正向' AND r.actual >= r.target THEN r.weight
                WHEN r.direction = '反向' AND r.actual <= r.target THEN r.weight
                ELSE 0 END
            WHEN r.method = 'efficacy' THEN CASE
                WHEN r.completion >= r.satisfied_value THEN r.weight
                WHEN r.completion < r.floor_value THEN 0
                ELSE r.weight * (60 + (r.completion - r.floor_value) / (r.satisfied_value - r.floor_value) * 40) / 100 END
            WHEN r.direction = '反向' THEN CASE
                WHEN greatest(r.actual, 0) <= r.target THEN r.weight
                WHEN r.actual >= 2 * r.target THEN 0
                ELSE r.weight * (1 - (r.actual - r.target) / r.target) END
            ELSE r.weight * greatest(r.actual, 0) / r.target
        END AS raw_score
    FROM ranked r CROSS JOIN settings s
),
bounded AS (
    SELECT *,
        CASE
            -- The citywide row of a qualitative fund indicator is the mean of the units' scores.
            WHEN context = 'fund' AND unit_code = 'ALL' AND method = 'qualitative'
                -- in DECIMAL: a sum of floats depends on the order it is added in,
                -- and the same data must give the same score every run
                THEN avg(CASE WHEN unit_code <> 'ALL' THEN least(weight, greatest(0, raw_score))::DECIMAL(18, 8) END) OVER (PARTITION BY context, group_id, item_id)::DOUBLE PRECISION
            ELSE least(weight, greatest(0, raw_score)) * late_factor
        END AS final_score
    FROM scored
)
SELECT
    context, group_id,
    -- The "A或B" pair keeps its primary's id, whichever route scored.
    unit_code, CASE WHEN route_note IS NOT NULL THEN coalesce((SELECT c.alt_of FROM staging.stg_catalog c WHERE c.indicator_id = item_id), item_id) ELSE item_id END AS item_id,
    item_name, level1, method, direction, weight,
    -- Rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept DOUBLEs.
    round(actual::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS actual, round(target::DECIMAL(38, 12), 6)::DOUBLE PRECISION AS target,
    round(completion::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS completion, rank,
    -- Scores are kept as they are shown, to 0.01: a form's items then add up
    -- to its total to the cent, as a finance office checks them.
    round(final_score::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS score,
    round(weight::DECIMAL(38, 12) - round(final_score::DECIMAL(38, 12), 2), 2)::DOUBLE PRECISION AS lost,
    -- 偏离度: against the annual target, never the pace-scaled one.
    coalesce(method <> 'qualitative' AND direction = '正向' AND annual_target > 0 AND a >= annual_target * (SELECT over_ratio FROM settings), false) AS over_target,
    CASE
        WHEN actual IS NULL AND method NOT IN ('qualitative', 'rank') THEN '无实际数据'
        WHEN method = 'qualitative' AND band IS NULL AND score_ratio IS NULL AND unit_code <> 'ALL' THEN '缺少评价'
        WHEN late_factor < 1 THEN '逾期完成，得分减半'
        ELSE route_note
    END AS note
FROM bounded
