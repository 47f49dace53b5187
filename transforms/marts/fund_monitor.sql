/* jixiao
materialized: table
description: >-
  项目支出绩效目标执行监控表（运行监控表，财预〔2019〕136号）的绩效指标部分（资金 × 单位（ALL 为全市）× 月 × 指标）：
  年度指标值、1–X月实际完成值、全年预计完成值（见 marts.projections）、红黄绿灯，
  以及各单位月报填写的偏差原因分析、完成目标可能性与纠偏措施；落后却未说明原因的为“未填写”
columns:
  fund_id: 资金编号
  unit_code: 单位代码
  unit_name: 单位
  month: 月份
  months_elapsed: 已过月份
  pace: 序时进度
  indicator_name: 三级指标
  level1: 一级指标
  level2: 二级指标
  nature: 性质
  direction: 方向
  data_source: 数据来源
  measure: 计量单位
  annual_target: 年度指标值
  actual: 1–X月实际完成值
  actual_text: 1–X月实际完成情况（定性）
  projected: 全年预计完成值
  shortfall: 落后幅度
  light: 灯
  plan_indicator: 对应工作要点指标
  deviation_category: 偏差原因类别
  deviation_reason: 偏差原因分析
  likelihood: 完成目标可能性
  likelihood_basis: 可能性依据
  corrective_action: 纠偏措施
  reason_status: 原因填报
tests:
  - unique: [fund_id, unit_code, month, indicator_name]
  - accepted_values: {column: light, values: [绿, 黄, 红]}
  - accepted_values: {column: reason_status, values: [已填写, 未填写]}
*/
WITH settings AS (
    SELECT coalesce(light_yellow, 0.05) AS yellow, coalesce(light_red, 0.15) AS red FROM meta.project
),
figures AS (
    SELECT f.*, p.projected,
        -- How far the row is behind, as a share of its annual target: a
        -- cumulative figure against 序时进度, a level or a ceiling against
        -- the target itself.
        CASE
            WHEN f.data_source IN ('arrival_rate', 'execution_rate', 'services') THEN f.pace - f.actual / nullif(f.annual_target, 0)
            WHEN f.direction = '反向' THEN (f.actual - f.annual_target) / nullif(f.annual_target, 0)
            WHEN f.data_source = 'survey' THEN (f.annual_target - f.actual) / nullif(f.annual_target, 0)
        END AS shortfall
    FROM marts.fund_month_figures f
    LEFT JOIN marts.projections p ON p.context = 'fund_indicator' AND p.group_id = f.fund_id AND p.item = f.indicator_name
        AND p.unit_code = f.unit_code AND p.month = f.month
),
units AS (
    SELECT f.*, u.unit_name, r.deviation_category, r.deviation_reason, r.corrective_action,
        -- What the unit says; where it says nothing, what its projection says.
        coalesce(r.likelihood, CASE
            WHEN f.projected IS NULL OR f.annual_target IS NULL THEN NULL
            WHEN f.direction = '反向' THEN CASE WHEN f.projected <= f.annual_target THEN '确定能' ELSE '完全不可能' END
            WHEN f.projected >= f.annual_target THEN '确定能'
            WHEN f.projected >= f.annual_target * (1 - s.red) THEN '有可能'
            ELSE '完全不可能' END) AS likelihood,
        CASE WHEN r.likelihood IS NOT NULL THEN '单位填报' WHEN f.projected IS NOT NULL AND f.annual_target IS NOT NULL THEN '按全年预计推断' END AS likelihood_basis,
        CASE
            -- A unit that says it cannot make it is red whatever its figures.
            WHEN r.likelihood = '完全不可能' THEN '红'
            WHEN f.nature = '定性' THEN CASE f.band WHEN '达成' THEN '绿' WHEN '部分达成' THEN '黄' WHEN '未达成' THEN '红' END
            WHEN f.shortfall IS NULL THEN NULL
            WHEN f.shortfall <= s.yellow THEN '绿'
            WHEN f.shortfall <= s.red THEN '黄'
            ELSE '红'
        END AS light,
        f.band AS actual_text
    FROM figures f
    CROSS JOIN settings s
    JOIN staging.stg_units u USING (unit_code)
    -- The unit's own word on the plan indicator this fund indicator is, from its report of that month.
    LEFT JOIN staging.stg_progress r ON r.unit_code = f.unit_code AND r.month = f.month AND r.indicator_id = f.plan_indicator
    WHERE f.unit_code <> 'ALL'
),
units_judged AS (
    SELECT *,
        CASE WHEN deviation_category IS NOT NULL THEN '已填写'
             WHEN plan_indicator IS NOT NULL AND light IN ('黄', '红') THEN '未填写' END AS reason_status
    FROM units
),
city_words AS (
    -- Citywide, the units behind speak for themselves, each by name.
    SELECT fund_id, month, indicator_name,
        string_agg(unit_name || '：' || CASE WHEN reason_status = '已填写' THEN deviation_category || coalesce('，' || deviation_reason, '') ELSE '未填写' END,
            '；' ORDER BY unit_code) FILTER (WHERE light IN ('黄', '红') AND plan_indicator IS NOT NULL) AS deviation_reason,
        string_agg(unit_name || '：' || corrective_action, '；' ORDER BY unit_code) FILTER (WHERE light IN ('黄', '红') AND corrective_action IS NOT NULL) AS corrective_action,
        bool_or(reason_status = '未填写') AS any_missing,
        bool_or(reason_status = '已填写') AS any_given,
        -- A qualitative indicator citywide: every unit 达成 is 绿, any 未达成 红.
        CASE WHEN bool_or(band = '未达成') THEN '红' WHEN bool_and(band = '达成') THEN '绿' WHEN bool_or(band IS NOT NULL) THEN '黄' END AS review_light
    FROM units_judged
    GROUP BY fund_id, month, indicator_name
),
city_categories AS (
    -- Each reason category once, in code point order whatever the
    -- database's collation (COLLATE "C").
    SELECT fund_id, month, indicator_name, string_agg(deviation_category, '、' ORDER BY deviation_category COLLATE "C") AS deviation_category
    FROM (SELECT DISTINCT fund_id, month, indicator_name, deviation_category FROM units_judged
          WHERE light IN ('黄', '红') AND deviation_category IS NOT NULL) AS categories
    GROUP BY fund_id, month, indicator_name
),
city AS (
    SELECT f.*, '全市' AS unit_name, k.deviation_category, w.deviation_reason, w.corrective_action,
        -- Citywide, the likelihood follows the projection: the units' own
        -- words are in their rows and in the reasons.
        CASE
            WHEN f.projected IS NULL OR f.annual_target IS NULL THEN NULL
            WHEN f.direction = '反向' THEN CASE WHEN f.projected <= f.annual_target THEN '确定能' ELSE '完全不可能' END
            WHEN f.projected >= f.annual_target THEN '确定能'
            WHEN f.projected >= f.annual_target * (1 - s.red) THEN '有可能'
            ELSE '完全不可能' END AS likelihood,
        CASE WHEN f.projected IS NOT NULL AND f.annual_target IS NOT NULL THEN '按全年预计推断' END AS likelihood_basis,
        CASE
            WHEN f.nature = '定性' THEN w.review_light
            WHEN f.shortfall IS NULL THEN NULL
            WHEN f.shortfall <= s.yellow THEN '绿'
            WHEN f.shortfall <= s.red THEN '黄'
            ELSE '红'
        END AS light,
        CASE WHEN f.nature = '定性' THEN (SELECT string_agg(x.band || ' ' || x.k || ' 个单位', '，' ORDER BY CASE x.band WHEN '达成' THEN 1 WHEN '部分达成' THEN 2 ELSE 3 END)
            FROM (SELECT band, count(*) AS k FROM units_judged j WHERE j.fund_id = f.fund_id AND j.month = f.month AND j.indicator_name = f.indicator_name AND band IS NOT NULL GROUP BY band) x) END AS actual_text,
        CASE WHEN w.any_missing THEN '未填写' WHEN w.any_given THEN '已填写' END AS reason_status
    FROM figures f
    CROSS JOIN settings s
    LEFT JOIN city_words w USING (fund_id, month, indicator_name)
    LEFT JOIN city_categories k USING (fund_id, month, indicator_name)
    WHERE f.unit_code = 'ALL'
)
SELECT fund_id, unit_code, unit_name, month, months_elapsed, pace, indicator_name, level1, level2, nature, direction, data_source, measure,
    -- rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept a DOUBLE
    annual_target, actual, actual_text, projected, round(shortfall::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS shortfall, light, plan_indicator,
    deviation_category, deviation_reason, likelihood, likelihood_basis, corrective_action, reason_status
FROM (
    SELECT fund_id, unit_code, unit_name, month, months_elapsed, pace, indicator_name, level1, level2, nature, direction, data_source, measure,
        annual_target, actual, actual_text, projected, shortfall, light, plan_indicator,
        deviation_category, deviation_reason, likelihood, likelihood_basis, corrective_action, reason_status
    FROM units_judged
    UNION ALL
    SELECT fund_id, unit_code, unit_name, month, months_elapsed, pace, indicator_name, level1, level2, nature, direction, data_source, measure,
        annual_target, actual, actual_text, projected, shortfall, light, plan_indicator,
        deviation_category, deviation_reason, likelihood, likelihood_basis, corrective_action, reason_status
    FROM city
) AS both_levels
ORDER BY fund_id, unit_code = 'ALL' DESC, unit_code, month, indicator_name
