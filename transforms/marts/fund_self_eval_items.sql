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
        -- two decimals, so that score and loss add up to the weight.
        s.actual, s.target AS scoring_target, s.completion, round(s.score, 2) AS score, round(s.weight - round(s.score, 2), 2) AS lost,
        v.annual_target, v.band, v.score_ratio, v.data_source,
        t.level2, t.measure, t.row_no,
        -- A unit's form states the unit's own part of a citywide count.
        CASE WHEN v.data_source = 'services' AND s.unit_code <> 'ALL'
             THEN '≥' || rtrim(rtrim(format('{:,.2f}', v.annual_target), '0'), '.') || t.measure
             ELSE t.indicator_value END AS indicator_value,
        -- Numbers as the reasons print them: 9,441 and 0.15, no trailing zeros.
        rtrim(rtrim(format('{:,.2f}', s.actual), '0'), '.') AS actual_txt,
        rtrim(rtrim(format('{:,.2f}', s.target), '0'), '.') AS target_txt,
        rtrim(rtrim(format('{:,.2f}', v.annual_target), '0'), '.') AS annual_txt,
        -- Rates to two decimals where they have them: 59.99%, 100%.
        rtrim(rtrim(printf('%.2f', s.actual * 100), '0'), '.') || '%' AS actual_pct,
        rtrim(rtrim(printf('%.2f', s.target * 100), '0'), '.') || '%' AS target_pct
    FROM marts.indicator_scores s
    JOIN marts.fund_indicator_values v ON v.fund_id = s.group_id AND v.unit_code = s.unit_code AND v.indicator_name = s.item_id
    JOIN marts.fund_targets t ON t.fund_id = s.group_id AND t.indicator_name = s.item_id
    WHERE s.context = 'fund'
),
explained AS (
    SELECT sc.*,
        CASE WHEN sc.method = 'qualitative' AND sc.unit_code <> 'ALL' THEN sc.band END AS actual_text,
        CASE
            WHEN sc.lost <= 0.005 THEN NULL
            WHEN sc.method = 'qualitative' AND sc.unit_code = 'ALL'
                THEN printf('各单位定性评价得分的平均为 %.2f 分（满分 %g 分），扣 %.2f 分', sc.score, sc.weight, sc.lost)
            WHEN sc.method = 'qualitative' AND sc.band IS NULL AND sc.score_ratio IS NULL
                THEN printf('缺少财政部门的定性评价，本项不得分，扣 %.2f 分', sc.lost)
            WHEN sc.method = 'qualitative' AND sc.band IS NULL
                THEN printf('未给评价等级，按得分比例 %.0f%% 计，扣 %.2f 分', sc.score_ratio * 100, sc.lost)
            WHEN sc.method = 'qualitative' AND sc.score_ratio IS NULL
                THEN printf('评价为“%s”，未给得分比例，按该档中值 %d%% 计，扣 %.2f 分', sc.band,
                    CASE sc.band WHEN '达成' THEN 90 WHEN '部分达成' THEN 70 ELSE 30 END, sc.lost)
            WHEN sc.method = 'qualitative' AND (
                    (sc.band = '达成' AND sc.score_ratio < 0.8) OR (sc.band = '部分达成' AND (sc.score_ratio < 0.6 OR sc.score_ratio > 0.8))
                    OR (sc.band = '未达成' AND sc.score_ratio > 0.6))
                THEN printf('评价为“%s”，得分比例 %.0f%% 不在该档（%s）内，按该档%s %.0f%% 计，扣 %.2f 分', sc.band, sc.score_ratio * 100,
                    CASE sc.band WHEN '达成' THEN '80%–100%' WHEN '部分达成' THEN '60%–80%' ELSE '0–60%' END,
                    CASE WHEN sc.score_ratio < CASE sc.band WHEN '达成' THEN 0.8 WHEN '部分达成' THEN 0.6 ELSE 0 END THEN '下限' ELSE '上限' END,
                    sc.score / sc.weight * 100, sc.lost)
            WHEN sc.method = 'qualitative'
                THEN printf('评价为“%s”，得分比例 %.0f%%，扣 %.2f 分', sc.band, sc.score_ratio * 100, sc.lost)
            WHEN sc.actual IS NULL THEN printf('无实际数据，本项不得分，扣 %.2f 分', sc.lost)
            WHEN sc.data_source IN ('arrival_rate', 'execution_rate') AND st.basis = 'year'
                THEN printf('%s %s，低于全年目标 100%%；按全年预算计分（%g × %s），扣 %.2f 分',
                    sc.indicator_name, sc.actual_pct, sc.weight, sc.actual_pct, sc.lost)
            WHEN sc.data_source IN ('arrival_rate', 'execution_rate')
                THEN printf('%s %s，低于序时进度 %s；按序时进度折算计分（%g × %s ÷ %s），扣 %.2f 分',
                    sc.indicator_name, sc.actual_pct, sc.target_pct, sc.weight, sc.actual_pct, sc.target_pct, sc.lost)
            WHEN sc.data_source = 'services'
                THEN printf('完成 %s %s，为计分目标 %s %s（全年目标 %s %s × %d ÷ 12%s）的 %.1f%%，按比例扣 %.2f 分',
                    sc.actual_txt, sc.measure, sc.target_txt, sc.measure, sc.annual_txt, sc.measure, p.m,
                    CASE WHEN sc.unit_code <> 'ALL' THEN '，取整' ELSE '' END, sc.completion * 100, sc.lost)
            WHEN sc.direction = '反向' AND sc.actual >= 2 * sc.scoring_target
                THEN printf('实际 %s %s，达到上限 %s %s 的 2 倍，本项不得分，扣 %.2f 分', sc.actual_txt, sc.measure, sc.target_txt, sc.measure, sc.lost)
            WHEN sc.direction = '反向'
                THEN printf('实际 %s %s，超过上限 %s %s 的 %.1f%%，按超出比例扣 %.2f 分', sc.actual_txt, sc.measure, sc.target_txt, sc.measure,
                    (sc.actual - sc.scoring_target) / sc.scoring_target * 100, sc.lost)
            WHEN sc.data_source = 'survey'
                THEN printf('满意度 %s，低于目标 %s，按比例扣 %.2f 分', sc.actual_pct, sc.target_pct, sc.lost)
            ELSE printf('实际 %s，低于计分目标 %s，按比例扣 %.2f 分', sc.actual_txt, sc.target_txt, sc.lost)
        END AS deduction_reason
    FROM scored sc CROSS JOIN settings st CROSS JOIN period p
),
deductions AS (
    -- The finance office's deductions come after the indicators; citywide,
    -- every unit's, each named.
    SELECT r.fund_id, r.unit_code, r.indicator_name, r.deduction, r.note, u.unit_name FROM staging.stg_fund_reviews r
    JOIN staging.stg_units u USING (unit_code) WHERE r.deduction > 0
),
deduction_rows AS (
    SELECT fund_id, unit_code, '扣分' AS level1, NULL AS level2, indicator_name, NULL AS measure, NULL AS indicator_value,
        NULL::DOUBLE AS annual_target, NULL::DOUBLE AS scoring_target, NULL::DOUBLE AS actual, NULL AS actual_text, NULL::DOUBLE AS weight,
        -deduction AS score, deduction AS lost,
        printf('%s，扣 %g 分', coalesce(note, '财政部门评价扣分'), deduction) AS deduction_reason, 1000 AS row_no
    FROM deductions
    UNION ALL
    SELECT fund_id, 'ALL', '扣分', NULL, indicator_name, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        -deduction, deduction, printf('%s：%s，扣 %g 分', unit_name, coalesce(note, '财政部门评价扣分'), deduction), 1000
    FROM deductions
),
all_rows AS (
    SELECT fund_id, unit_code, level1, level2, indicator_name, measure, indicator_value, annual_target, scoring_target, actual, actual_text,
        weight, score, lost, deduction_reason, row_no
    FROM explained
    UNION ALL BY NAME SELECT * FROM deduction_rows
)
SELECT a.fund_id, a.unit_code, coalesce(u.unit_name, '全市') AS unit_name,
    row_number() OVER (PARTITION BY a.fund_id, a.unit_code ORDER BY a.row_no, a.indicator_name, a.deduction_reason) AS row_no,
    a.level1, a.level2, a.indicator_name, a.measure, a.indicator_value, a.annual_target, a.scoring_target, a.actual, a.actual_text,
    a.weight, round(a.score, 2) AS score, round(a.lost, 2) AS lost, a.deduction_reason
FROM all_rows a
LEFT JOIN staging.stg_units u USING (unit_code)
ORDER BY a.fund_id, a.unit_code = 'ALL' DESC, a.unit_code, row_no
