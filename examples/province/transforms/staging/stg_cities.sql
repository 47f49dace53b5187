/* jixiao
description: 各市（jixiao.yaml 的 units：各市导出以城市代码区分）
columns:
  city: 城市代码
  city_name: 城市
tests:
  - unique: [city]
*/
SELECT unit_code AS city, unit_name AS city_name
FROM meta.units
ORDER BY city
