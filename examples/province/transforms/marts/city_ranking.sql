/* jixiao
description: >-
  各市综合排名（各市最新月份）：指标完成情况，专项资金执行，综合得分（把该市各单位已计分的考核指标合在一起，
  按单位综合考核的算法计基础分 = 得分合计 ÷ 权重合计 × 100，加各单位平均加分，减各单位平均迟报扣分），
  服务记录；同分并列同名次
columns:
  rank: 名次
  city: 城市代码
  city_name: 城市
  month: 数据截至
  indicators: 指标数
  done: 已完成
  on_pace: 按序时推进
  behind: 滞后或超限
  not_due: 未到期
  mean_completion: 累计类指标平均完成率
  planned_wan: 资金调整后预算（万元）
  spent_wan: 资金支出（万元）
  execution_rate: 资金预算执行率
  fund_score: 资金绩效平均分
  base_points: 基础分
  bonus: 平均加分
  deduction: 平均迟报扣分
  score: 综合得分
  units: 考核单位数
  unit_mean_total: 各单位平均总分
  provisional_units: 得分暂定的单位数
  services: 服务记录（条）
  service_amount_wan: 服务金额（万元）
  completion_rank: 完成率名次
  execution_rank: 执行率名次
tests:
  - unique: [city]
  - not_null: [city_name, rank]
  - assert: "SELECT * FROM marts.city_ranking WHERE base_points NOT BETWEEN 0 AND 100"
    name: base_points_in_range
*/
WITH ind AS (
    SELECT city, max(month) AS month,
        count(*) FILTER (WHERE counted) AS indicators,
        count(*) FILTER (WHERE counted AND status = '完成') AS done,
        count(*) FILTER (WHERE counted AND status = '正常') AS on_pace,
        count(*) FILTER (WHERE counted AND status IN ('滞后', '超限')) AS behind,
        count(*) FILTER (WHERE counted AND status = '未到期') AS not_due,
        avg(least(completion_rate, 1)) FILTER (WHERE counted AND kind = 'count' AND direction = '正向') AS mean_completion
    FROM marts.city_indicators GROUP BY city
),
funds AS (
    -- exact (DECIMAL) sums, as the cities' own marts add up
    SELECT city, sum(planned_wan::DECIMAL(18, 4))::DOUBLE PRECISION AS planned_wan, sum(spent_wan::DECIMAL(18, 4))::DOUBLE PRECISION AS spent_wan,
        avg(total) AS fund_score
    FROM staging.stg_city_funds GROUP BY city
),
scores AS (
    SELECT city,
        sum(score::DECIMAL(18, 4)) FILTER (WHERE method <> 'bonus')::DOUBLE PRECISION
            / sum(weight::DECIMAL(18, 4)) FILTER (WHERE method <> 'bonus')::DOUBLE PRECISION * 100 AS base_points
    FROM staging.stg_city_scores GROUP BY city
),
units AS (
    SELECT city, count(*) AS units, avg(total) AS unit_mean_total, avg(bonus) AS bonus, avg(deduction) AS deduction,
        count(*) FILTER (WHERE provisional) AS provisional_units
    FROM staging.stg_city_units GROUP BY city
),
services AS (
    SELECT city, count(*) AS services, sum(amount_yuan::DECIMAL(18, 2))::DOUBLE PRECISION / 10000 AS service_amount_wan
    FROM staging.stg_city_services GROUP BY city
),
joined AS (
    -- Doubles are rounded as DECIMAL (PostgreSQL rounds no DOUBLE to places;
    -- halves away from zero, 四舍五入, on both) and kept DOUBLEs.
    SELECT c.city, c.city_name, i.month, i.indicators, i.done, i.on_pace, i.behind, i.not_due,
        round(i.mean_completion::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS mean_completion,
        round(f.planned_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS planned_wan,
        round(f.spent_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS spent_wan,
        round((f.spent_wan / nullif(f.planned_wan, 0))::DECIMAL(38, 12), 4)::DOUBLE PRECISION AS execution_rate,
        round(f.fund_score::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS fund_score,
        round(s.base_points::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS base_points,
        round(u.bonus::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS bonus,
        round(u.deduction::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS deduction,
        -- the three parts as rounded, added exactly
        (round(s.base_points::DECIMAL(38, 12), 2) + round(coalesce(u.bonus, 0)::DECIMAL(38, 12), 2)
            - round(coalesce(u.deduction, 0)::DECIMAL(38, 12), 2))::DOUBLE PRECISION AS score,
        u.units, round(u.unit_mean_total::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS unit_mean_total, u.provisional_units,
        v.services, round(v.service_amount_wan::DECIMAL(38, 12), 2)::DOUBLE PRECISION AS service_amount_wan
    FROM staging.stg_cities c
    LEFT JOIN ind i USING (city)
    LEFT JOIN funds f USING (city)
    LEFT JOIN scores s USING (city)
    LEFT JOIN units u USING (city)
    LEFT JOIN services v USING (city)
)
SELECT
    rank() OVER (ORDER BY score DESC NULLS LAST) AS rank,
    *,
    rank() OVER (ORDER BY mean_completion DESC NULLS LAST) AS completion_rank,
    rank() OVER (ORDER BY execution_rate DESC NULLS LAST) AS execution_rank
FROM joined
ORDER BY rank, city
