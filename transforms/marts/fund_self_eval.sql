/* jixiao
materialized: table
description: >-
  项目支出绩效自评表的总分与评价结论（资金 × 单位（ALL 为全市），数据截至月份）：决策、过程、产出、效益得分，扣分，
  总分与等级，以及按模板由这些数字写成的评价结论（不是模型生成的文字）
columns:
  fund_id: 资金编号
  fund_name: 资金名称
  department: 主管科室
  unit_code: 单位代码
  unit_name: 单位
  month: 数据截至
  decision_score: 决策
  process_score: 过程
  output_score: 产出
  benefit_score: 效益
  deduction: 扣分
  total: 总分
  grade: 等级
  execution_rate: 预算执行率
  arrival_rate: 资金到位率
  pace: 序时进度
  full_marks: 满分指标数
  indicators: 指标数
  conclusion: 评价结论
tests:
  - unique: [fund_id, unit_code]
  - not_null: [conclusion, total, grade]
*/
WITH period AS (
    SELECT max(month) AS month, max(months_elapsed) AS m FROM marts.fund_budget_months
),
items AS (
    SELECT fund_id, unit_code,
        count(*) FILTER (WHERE level1 <> '扣分') AS indicators,
        count(*) FILTER (WHERE level1 <> '扣分' AND lost <= 0.005) AS full_marks,
        -- The three items that lost the most, ties by their order on the form.
        array_agg(indicator_name || '（扣 ' || round(lost::DECIMAL(38, 12), 2) || ' 分）' ORDER BY lost DESC, row_no) FILTER (WHERE level1 <> '扣分' AND lost > 0.005) AS lost_list,
        bool_or(level1 = '产出' AND lost > 0.005) AS output_short,
        bool_or(level1 = '效益' AND lost > 0.005) AS benefit_short
    FROM marts.fund_self_eval_items
    GROUP BY fund_id, unit_code
),
facts AS (
    SELECT p.*, f.department, i.indicators, i.full_marks, i.lost_list, i.output_short, i.benefit_short, pe.month AS period_month, pe.m,
        -- rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places), kept a DOUBLE
        round(((p.execution_rate - p.pace) * 100)::DECIMAL(38, 12), 1)::DOUBLE PRECISION AS gap_points
    FROM marts.fund_performance p
    JOIN staging.stg_funds f USING (fund_id)
    JOIN items i USING (fund_id, unit_code)
    CROSS JOIN period pe
)
SELECT fund_id, fund_name, department, unit_code, unit_name, period_month AS month,
    decision_score, process_score, output_score, benefit_score, deduction, total, grade,
    execution_rate, arrival_rate, pace, full_marks, indicators,
    -- Figures printed to two places or one, rounded from DECIMAL(38, 12) (see
    -- marts.city_completion); deductions as %g printed them (0.5, 2).
    concat(
        CASE WHEN unit_code = 'ALL' THEN '全市' ELSE unit_name END, fund_name,
        '截至' || extract(year FROM period_month) || '年' || m || '月绩效自评得分 ' || round(total::DECIMAL(38, 12), 2) || ' 分，等级为“' || grade || '”：',
        -- Only the parts the fund has indicators under.
        concat_ws('、',
            CASE WHEN decision_score IS NOT NULL THEN '决策 ' || round(decision_score::DECIMAL(38, 12), 2) || ' 分' END,
            CASE WHEN process_score IS NOT NULL THEN '过程 ' || round(process_score::DECIMAL(38, 12), 2) || ' 分' END,
            CASE WHEN output_score IS NOT NULL THEN '产出 ' || round(output_score::DECIMAL(38, 12), 2) || ' 分' END,
            CASE WHEN benefit_score IS NOT NULL THEN '效益 ' || round(benefit_score::DECIMAL(38, 12), 2) || ' 分' END),
        CASE WHEN deduction > 0 THEN '，扣分 ' || rtrim(rtrim(round(deduction::DECIMAL(38, 12), 6)::VARCHAR, '0'), '.') || ' 分' ELSE '' END, '。',
        '预算执行率 ' || round((execution_rate * 100)::DECIMAL(38, 12), 1) || '%，',
        CASE WHEN gap_points > 0 THEN '快于序时进度（' || round((pace * 100)::DECIMAL(38, 12), 1) || '%）' || round(gap_points::DECIMAL(38, 12), 1) || ' 个百分点'
             WHEN gap_points < 0 THEN '慢于序时进度（' || round((pace * 100)::DECIMAL(38, 12), 1) || '%）' || round((-gap_points)::DECIMAL(38, 12), 1) || ' 个百分点'
             ELSE '与序时进度（' || round((pace * 100)::DECIMAL(38, 12), 1) || '%）持平' END,
        '；资金到位率 ' || round((arrival_rate * 100)::DECIMAL(38, 12), 1) || '%。',
        CASE WHEN full_marks = indicators THEN indicators || ' 项指标均得满分。'
             ELSE indicators || ' 项指标中 ' || full_marks || ' 项得满分，失分较多的是' || array_to_string(lost_list[1:3], '、') || '。' END,
        CASE WHEN warnings IS NOT NULL THEN '需关注：' || warnings || '。' ELSE '' END,
        '建议：',
        concat_ws('；',
            CASE WHEN under_spent OR gap_points < 0 THEN '加快预算执行，下一季度执行率应达到序时进度' END,
            CASE WHEN output_short THEN '对未达序时目标的产出指标逐项分析原因、明确纠偏措施' END,
            CASE WHEN benefit_short THEN '针对满意度等效益指标的差距改进服务' END,
            CASE WHEN needs_explanation THEN '对超出目标 130% 以上的指标书面说明偏离原因，并评估目标设定是否偏低' END,
            CASE WHEN deduction > 0 THEN '对扣分事项限期整改' END,
            CASE WHEN NOT (under_spent OR gap_points < 0 OR output_short OR benefit_short OR needs_explanation OR deduction > 0) THEN '保持当前执行进度和服务质量' END),
        '。'
    ) AS conclusion
FROM facts
ORDER BY fund_id, unit_code = 'ALL' DESC, unit_code
