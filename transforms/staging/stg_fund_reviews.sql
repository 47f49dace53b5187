/* jixiao
materialized: table
description: 专项资金定性指标评价（等级与得分比例）及扣分
columns:
  fund_id: 资金编号
  unit_code: 单位代码
  indicator_name: 指标名称
  band: 评价等级
  score_ratio: 得分比例
  deduction: 扣分
  note: 说明
tests:
  - accepted_values: {column: band, values: [达成, 部分达成, 未达成]}
  - assert: "SELECT * FROM staging.stg_fund_reviews WHERE score_ratio NOT BETWEEN 0 AND 1 OR deduction < 0"
    name: ratios_and_deductions_in_range
*/
SELECT fund_id, unit_code, indicator_name, nullif(band, '') AS band, score_ratio, coalesce(deduction, 0) AS deduction, note,
    _load_id AS load_id
FROM raw.fund_reviews
