/* jixiao
materialized: table
description: >-
  项目支出绩效目标表（资金 × 指标）：年度总体目标、年度资金（年初预算、调整，万元）、
  一级/二级/三级指标、指标值与计量单位、分值、目标依据
columns:
  fund_id: 资金编号
  fund_name: 资金名称
  department: 主管科室
  goal: 年度总体目标
  budget_wan: 年初预算（万元）
  adjustment_wan: 预算调整（万元）
  planned_wan: 全年预算数（万元）
  row_no: 序号
  level1: 一级指标
  level2: 二级指标
  indicator_name: 三级指标
  nature: 性质
  direction: 方向
  measure: 计量单位
  target: 目标值
  indicator_value: 指标值
  weight: 分值
  basis: 目标依据
  basis_text: 依据说明
tests:
  - unique: [fund_id, indicator_name]
  - not_null: [fund_id, indicator_name, indicator_value, weight]
*/
WITH money AS (
    SELECT fund_id, budget_wan, adjustment_wan, planned_wan FROM marts.fund_performance WHERE unit_code = 'ALL'
),
items AS (
    SELECT fi.*,
        CASE fi.level1 WHEN '决策' THEN 1 WHEN '过程' THEN 2 WHEN '产出' THEN 3 WHEN '效益' THEN 4 ELSE 5 END AS level_order,
        -- A number as the form writes it: 9,441, 0.15, 100 (no trailing zeros;
        -- to four places as DECIMAL, two passes of regexp_replace put the
        -- thousands separators in up to 999,999,999).
        rtrim(rtrim(regexp_replace(regexp_replace((CASE WHEN fi.measure = '%' THEN fi.target * 100 ELSE fi.target END)::DECIMAL(18, 4)::VARCHAR,
            '^(-?[0-9]+)([0-9]{3})', '\1,\2'), '^(-?[0-9]+)([0-9]{3})', '\1,\2'), '0'), '.') AS target_txt
    FROM staging.stg_fund_indicators fi
)
SELECT i.fund_id, f.fund_name, f.department, f.goal,
    m.budget_wan, m.adjustment_wan, m.planned_wan,
    row_number() OVER (PARTITION BY i.fund_id ORDER BY i.level_order, i.catalog_row, i.indicator_name) AS row_no,
    i.level1, i.level2, i.indicator_name, i.nature, i.direction, i.measure, i.target,
    CASE
        WHEN i.nature = '定性' THEN coalesce(i.target_text, '达成')
        WHEN i.target IS NULL THEN '—'
        ELSE CASE WHEN i.direction = '反向' THEN '≤' ELSE '≥' END || i.target_txt || coalesce(i.measure, '')
    END AS indicator_value,
    i.weight, i.basis, i.basis_text
FROM items i
JOIN staging.stg_funds f USING (fund_id)
LEFT JOIN money m USING (fund_id)
ORDER BY i.fund_id, row_no
