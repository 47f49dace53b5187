/* jixiao
materialized: table
description: >-
  项目支出绩效自评表的指标部分（资金 × 单位（ALL 为全市）× 指标，数据截至月份）：指标值、实际完成值、分值、得分，
  以及由失分的计分规则写出的扣分原因；财政部门的扣分事项列在各指标之后
columns:
  fund_id: 资金编号
  unit_code: 单位代码
  unit_name: 单位
  row_no: 序号
  level1: 一级指标
  level2: 二级指标
  indicator_name: 三级指标
  measure: 计量单位
  indicator_value: 指标值
  annual_target: 年度指标值
  scoring_target: 计分目标
  actual: 实际完成值
  actual_text: 实际完成情况（定性）
  weight: 分值
  score: 得分
  lost: 失分
  deduction_reason: 扣分原因
tests:
  - unique: [fund_id, unit_code, row_no]
  - not_null: [fund_id, unit_code, indicator_name]
  # Every point lost says why.
  - assert: "SELECT * FROM marts.fund_self_eval_items WHERE lost > 0.005 AND deduction_reason IS NULL"
    name: every_lost_point_explained
*/
WITH settings AS (
    SELECT coalesce(execution_basis, 'pace') AS basis FROM meta.project
),
period AS (
    SELECT max(months_elapsed) AS m FROM marts.fund_budget_months
),
scored AS (
    SELECT s.group_id AS fund_id, s.unit_code, s.item_name AS indicator_name, s.level1, s.method, s.direction, s.weight,
        -- Points lost as the form prints them: the weight less the score to
        -- two decimals, so that score and loss add up to the weight (rounded
        -- as DECIMAL: PostgreSQL rounds no DOUBLE to places).
        s.actual, s.target AS scoring_target, s.completion, round(s.score::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS score,
        round(s.weight::DECIMAL(38, 12) - round(s.score::DECIMAL(38, 12), 2), 2)::DOUBLE PRECISION AS lost,
        v.annual_target, v.band, v.score_ratio, v.data_source,
        t.level2, t.measure, t.row_no, t.indicator_value AS target_indicator_value,
        -- Numbers as the reasons print them: 9,441 and 0.15, no trailing zeros
        -- (to two places as DECIMAL; two passes of regexp_replace put the
        -- thousands separators in up to 999,999,999: neither warehouse's
        -- number format is the other's).
        rtrim(rtrim(regexp_replace(regexp_replace(round(v.annual_target::DECIMAL(38, 12), 2)::VARCHAR, '^(-?[0-9]+)([0-9]{3})', '\1,\2'), '^(-?[0-9]+)([0-9]{3})', '\1,\2'), '0'), '.') AS annual_txt,
        rtrim(rtrim(regexp_replace(regexp_replace(round(s.actual::DECIMAL(38, 12), 2)::VARCHAR, '^(-?[0-9]+)([0-9]{3})', '\1,\2'), '^(-?[0-9]+)([0-9]{3})', '\1,\2'), '0'), '.') AS actual_txt,
        rtrim(rtrim(regexp_replace(regexp_replace(round(s.target::DECIMAL(38, 12), 2)::VARCHAR, '^(-?[0-9]+)([0-9]{3})', '\1,\2'), '^(-?[0-9]+)([0-9]{3})', '\1,\2'), '0'), '.') AS target_txt,
        -- Rates to two decimals where they have them: 59.99%, 100%.
        rtrim(rtrim(round((s.actual * 100)::DECIMAL(38, 12), 2)::VARCHAR, '0'), '.') || '%' AS actual_pct,
        rtrim(rtrim(round((s.target * 100)::DECIMAL(38, 12), 2)::VARCHAR, '0'), '.') || '%' AS target_pct
    FROM marts.indicator_scores s
    JOIN marts.fund_indicator_values v ON v.fund_id = s.group_id AND v.unit_code = s.unit_code AND v.indicator_name = s.item_id
    JOIN marts.fund_targets t ON t.fund_id = s.group_id AND t.indicator_name = s.item_id
    WHERE s.context = 'fund'
),
stated AS (
    SELECT *,
        -- A unit's form states the unit's own part of a citywide count.
        CASE WHEN data_source = 'services' AND unit_code <> 'ALL' THEN '≥' || annual_txt || measure
             ELSE target_indicator_value END AS indicator_value,
        -- a weight as printf's %g printed it: 10, 2.5
        rtrim(rtrim(round(weight::DECIMAL(38, 12), 6)::VARCHAR, '0'), '.') AS weight_txt
    FROM scored
),
explained AS (
    -- Points in the reasons to two places, rates to one or none, as
    -- DECIMAL(18, n): both warehouses print those the same way.
    SELECT sc.*,
        CASE WHEN sc.method = 'qualitative' AND sc.unit_code <> 'ALL' THEN sc.band END AS actual_text,
        CASE
            WHEN sc.lost <= 0.005 THEN NULL
            WHEN sc.method = 'qualitative' AND sc.unit_code = 'ALL'
                THEN '各单位定性评价得分的平均为 ' || round(sc.score::DECIMAL(38, 12), 2) || ' 分（满分 '
                    || sc.weight_txt || ' 分），扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.method = 'qualitative' AND sc.band IS NULL AND sc.score_ratio IS NULL
                THEN '缺少财政部门的定性评价，本项不得分，扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.method = 'qualitative' AND sc.band IS NULL
                THEN '未给评价等级，按得分比例 ' || round((sc.score_ratio * 100)::DECIMAL(38, 12), 0) || '% 计，扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.method = 'qualitative' AND sc.score_ratio IS NULL
                THEN '评价为“' || sc.band || '”，未给得分比例，按该档中值 ' || (CASE sc.band WHEN '达成' THEN 90 WHEN '部分达成' THEN 70 ELSE 30 END)
                    || '% 计，扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.method = 'qualitative' AND (
                    (sc.band = '达成' AND sc.score_ratio < 0.8) OR (sc.band = '部分达成' AND (sc.score_ratio < 0.6 OR sc.score_ratio > 0.8))
                    OR (sc.band = '未达成' AND sc.score_ratio > 0.6))
                THEN '评价为“' || sc.band || '”，得分比例 ' || round((sc.score_ratio * 100)::DECIMAL(38, 12), 0) || '% 不在该档（'
                    || (CASE sc.band WHEN '达成' THEN '80%–100%' WHEN '部分达成' THEN '60%–80%' ELSE '0–60%' END) || '）内，按该档'
                    || (CASE WHEN sc.score_ratio < CASE sc.band WHEN '达成' THEN 0.8 WHEN '部分达成' THEN 0.6 ELSE 0 END THEN '下限' ELSE '上限' END)
                    || ' ' || round((sc.score / sc.weight * 100)::DECIMAL(38, 12), 0) || '% 计，扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.method = 'qualitative'
                THEN '评价为“' || sc.band || '”，得分比例 ' || round((sc.score_ratio * 100)::DECIMAL(38, 12), 0) || '%，扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.actual IS NULL THEN '无实际数据，本项不得分，扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.data_source IN ('arrival_rate', 'execution_rate') AND st.basis = 'year'
                THEN sc.indicator_name || ' ' || sc.actual_pct || '，低于全年目标 100%；按全年预算计分（'
                    || sc.weight_txt || ' × ' || sc.actual_pct || '），扣 '
                    || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.data_source IN ('arrival_rate', 'execution_rate')
                THEN sc.indicator_name || ' ' || sc.actual_pct || '，低于序时进度 ' || sc.target_pct || '；按序时进度折算计分（'
                    || sc.weight_txt || ' × ' || sc.actual_pct || ' ÷ '
                    || sc.target_pct || '），扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.data_source = 'services'
                THEN '完成 ' || sc.actual_txt || ' ' || sc.measure || '，为计分目标 ' || sc.target_txt || ' ' || sc.measure || '（全年目标 '
                    || sc.annual_txt || ' ' || sc.measure || ' × ' || p.m || ' ÷ 12'
                    || (CASE WHEN sc.unit_code <> 'ALL' THEN '，取整' ELSE '' END) || '）的 '
                    || round((sc.actual / sc.scoring_target * 100)::DECIMAL(38, 12), 1) || '%，按比例扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.direction = '反向' AND sc.actual >= 2 * sc.scoring_target
                THEN '实际 ' || sc.actual_txt || ' ' || sc.measure || '，达到上限 ' || sc.target_txt || ' ' || sc.measure
                    || ' 的 2 倍，本项不得分，扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.direction = '反向'
                THEN '实际 ' || sc.actual_txt || ' ' || sc.measure || '，超过上限 ' || sc.target_txt || ' ' || sc.measure || ' 的 '
                    || round(((sc.actual - sc.scoring_target) / sc.scoring_target * 100)::DECIMAL(38, 12), 1) || '%，按超出比例扣 '
                    || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            WHEN sc.data_source = 'survey'
                THEN '满意度 ' || sc.actual_pct || '，低于目标 ' || sc.target_pct || '，按比例扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
            ELSE '实际 ' || sc.actual_txt || '，低于计分目标 ' || sc.target_txt || '，按比例扣 ' || round(sc.lost::DECIMAL(38, 12), 2) || ' 分'
        END AS deduction_reason
    FROM stated sc CROSS JOIN settings st CROSS JOIN period p
),
deductions AS (
    -- The finance office's deductions come after the indicators; citywide,
    -- every unit's, each named.
    SELECT r.fund_id, r.unit_code, r.indicator_name, r.deduction, r.note, u.unit_name FROM staging.stg_fund_reviews r
    JOIN staging.stg_units u USING (unit_code) WHERE r.deduction > 0
),
deduction_rows AS (
    SELECT fund_id, unit_code, '扣分' AS level1, NULL AS level2, indicator_name, NULL AS measure, NULL AS indicator_value,
        NULL::DOUBLE PRECISION AS annual_target, NULL::DOUBLE PRECISION AS scoring_target, NULL::DOUBLE PRECISION AS actual, NULL AS actual_text, NULL::DOUBLE PRECISION AS weight,
        -deduction AS score, deduction AS lost,
        (coalesce(note, '财政部门评价扣分')) || '，扣 ' || rtrim(rtrim(round(deduction::DECIMAL(38, 12), 6)::VARCHAR, '0'), '.')
            || ' 分' AS deduction_reason, 1000 AS row_no
    FROM deductions
    UNION ALL
    SELECT fund_id, 'ALL', '扣分', NULL, indicator_name, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        -deduction, deduction, unit_name || '：' || (coalesce(note, '财政部门评价扣分')) || '，扣 '
            || rtrim(rtrim(round(deduction::DECIMAL(38, 12), 6)::VARCHAR, '0'), '.') || ' 分', 1000
    FROM deductions
),
all_rows AS (
    SELECT fund_id, unit_code, level1, level2, indicator_name, measure, indicator_value, annual_target, scoring_target, actual, actual_text,
        weight, score, lost, deduction_reason, row_no
    FROM explained
    UNION ALL SELECT * FROM deduction_rows
)
SELECT a.fund_id, a.unit_code, coalesce(u.unit_name, '全市') AS unit_name,
    -- COLLATE "C": names in code point order, whatever the database's collation
    row_number() OVER (PARTITION BY a.fund_id, a.unit_code ORDER BY a.row_no, a.indicator_name COLLATE "C", a.deduction_reason COLLATE "C") AS row_no,
    a.level1, a.level2, a.indicator_name, a.measure, a.indicator_value, a.annual_target, a.scoring_target, a.actual, a.actual_text,
    a.weight, round(a.score::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS score, round(a.lost::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS lost, a.deduction_reason
FROM all_rows a
LEFT JOIN staging.stg_units u USING (unit_code)
ORDER BY a.fund_id, a.unit_code = 'ALL' DESC, a.unit_code, row_no
