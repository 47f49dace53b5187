/* jixiao
description: 全省合计（各市导出之和）：城市数、服务记录、专项资金预算与支出、指标状态
columns:
  cities: 城市数
  cities_reporting: 已报送城市数
  latest_month: 最新月份
  services: 服务记录（条）
  service_amount_wan: 服务金额（万元）
  planned_wan: 资金调整后预算（万元）
  spent_wan: 资金支出（万元）
  execution_rate: 资金预算执行率
  done: 已完成（市 × 指标）
  behind: 滞后或超限（市 × 指标）
tests:
  - not_null: [cities]
*/
WITH services AS (
    SELECT count(*) AS services, sum(amount_yuan::DECIMAL(18, 2))::DOUBLE PRECISION / 10000 AS service_amount_wan
    FROM staging.stg_city_services
),
funds AS (
    SELECT sum(planned_wan::DECIMAL(18, 4))::DOUBLE PRECISION AS planned_wan, sum(spent_wan::DECIMAL(18, 4))::DOUBLE PRECISION AS spent_wan
    FROM staging.stg_city_funds
),
cities AS (
    SELECT count(*) AS cities, count(month) AS cities_reporting, max(month) AS latest_month,
        -- BIGINT on both (sum() of BIGINTs is HUGEINT on DuckDB, NUMERIC on PostgreSQL)
        sum(done)::BIGINT AS done, sum(behind)::BIGINT AS behind
    FROM marts.city_ranking
)
-- Doubles are rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places) and kept DOUBLEs.
SELECT c.cities, c.cities_reporting, c.latest_month, s.services,
    round(s.service_amount_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS service_amount_wan,
    round(f.planned_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS planned_wan,
    round(f.spent_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS spent_wan,
    round((f.spent_wan / nullif(f.planned_wan, 0))::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS execution_rate,
    c.done, c.behind
FROM cities c, services s, funds f
