/* jixiao
materialized: table
description: 单位（市本级、区市、开发区），来自 jixiao.yaml
columns:
  unit_code: 单位代码
  unit_name: 单位
  unit_kind: 单位类别
  share: 分解比例
tests:
  - unique: [unit_code]
  - not_null: [unit_name, unit_kind]
  - accepted_values: {column: unit_kind, values: [市本级, 区市, 开发区, 其他]}
*/
SELECT unit_code, unit_name, unit_kind, coalesce(share, 0) AS share
FROM meta.units
