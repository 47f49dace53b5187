/* jixiao
materialized: table
description: 目标分解（指标 × 单位）：按单位类别的目标、单独调整的目标，以及按分解比例分到各单位的全市目标
columns:
  indicator_id: 指标编号
  unit_code: 单位代码
  target: 全年目标
  target_origin: 目标来源
tests:
  - unique: [indicator_id, unit_code]
  - not_null: [indicator_id, unit_code, target]
  - relationships: {column: unit_code, to: staging.stg_units, field: unit_code}
  - relationships: {column: indicator_id, to: staging.stg_catalog, field: indicator_id}
  - assert: "SELECT t.* FROM staging.stg_targets t JOIN staging.stg_catalog c USING (indicator_id) WHERE t.target < 0 OR (t.target = 0 AND c.direction = '正向')"
    name: targets_positive
  # Divided citywide counts add back to the city's target exactly.
  - assert: "SELECT c.indicator_id, c.target_city, sum(t.target) AS units FROM staging.stg_targets t JOIN staging.stg_catalog c USING (indicator_id) WHERE t.target_origin LIKE '全市目标分解%' AND c.kind NOT IN ('ratio', 'every_case') GROUP BY c.indicator_id, c.target_city HAVING sum(t.target) <> c.target_city"
    name: split_targets_add_up
*/
WITH overrides AS (
    -- 单位目标调整: "371002=1;371003=1"
    SELECT c.indicator_id, trim(split_part(item, '=', 1)) AS unit_code, CAST(trim(split_part(item, '=', 2)) AS DOUBLE PRECISION) AS target
    FROM staging.stg_catalog c, unnest(string_to_array(c.target_overrides, ';')) AS t(item)
    WHERE c.target_overrides IS NOT NULL AND item LIKE '%=%'
),
departments AS (
    -- "各部室和直属单位不少于2个": 市本级's target is that many per department.
    SELECT coalesce(array_length(departments, 1), 0) AS n FROM meta.project
),
by_kind AS (
    SELECT c.indicator_id, u.unit_code,
        CASE u.unit_kind
            WHEN '市本级' THEN CASE WHEN c.per_department AND d.n > 0 THEN c.target_shi * d.n ELSE c.target_shi END
            WHEN '区市' THEN c.target_qushi WHEN '开发区' THEN c.target_kaifaqu END AS target,
        CASE WHEN u.unit_kind = '市本级' AND c.per_department AND d.n > 0 THEN '按部室（' || d.n || '个）' ELSE '按单位类别' END AS origin
    FROM staging.stg_catalog c CROSS JOIN staging.stg_units u CROSS JOIN departments d
),
shares AS (
    -- A target set only for the whole city is divided among the units by
    -- their share; a rate (ratio, every case) applies to each unit as it is.
    SELECT c.indicator_id, c.kind, c.target_city, u.unit_code,
        c.target_city * u.share / sum(u.share) OVER (PARTITION BY c.indicator_id) AS exact
    FROM staging.stg_catalog c CROSS JOIN staging.stg_units u
    WHERE c.target_city IS NOT NULL AND u.share > 0
      AND c.target_shi IS NULL AND c.target_qushi IS NULL AND c.target_kaifaqu IS NULL AND c.target_overrides IS NULL
),
citywide AS (
    -- A bonus item the plan sets for the whole city only ("培育5名以上…")
    -- is not divided: every unit earns it with its first one (target 1).
    -- Largest remainder: every unit gets the whole part of its share, and
    -- the units with the largest fractions one more each until the parts
    -- add up to the city's target exactly (ties: larger exact share, then
    -- unit code).
    SELECT indicator_id, unit_code,
        CASE WHEN kind IN ('ratio', 'every_case') THEN target_city
             WHEN (SELECT method FROM staging.stg_catalog c WHERE c.indicator_id = shares.indicator_id) = 'bonus' THEN 1
             ELSE floor(exact) + CASE WHEN row_number() OVER (PARTITION BY indicator_id ORDER BY exact - floor(exact) DESC, exact DESC, unit_code)
                                       <= round(target_city - sum(floor(exact)) OVER (PARTITION BY indicator_id)) THEN 1 ELSE 0 END
        END AS target
    FROM shares
)
SELECT indicator_id, unit_code, target, '单位调整' AS target_origin FROM overrides
UNION ALL
-- A target of 0 is a target only for a 反向 indicator (zero tolerance); for
-- others it means the unit has none.
SELECT b.indicator_id, b.unit_code, b.target, b.origin FROM by_kind b JOIN staging.stg_catalog c USING (indicator_id)
WHERE (b.target > 0 OR (b.target = 0 AND c.direction = '反向'))
  AND NOT EXISTS (SELECT 1 FROM overrides o WHERE o.indicator_id = b.indicator_id AND o.unit_code = b.unit_code)
UNION ALL
-- A unit whose share rounds to nothing has no target for the indicator, and
-- so is neither scored nor shown as failing it.
SELECT c.indicator_id, c.unit_code, c.target,
    CASE WHEN k.method = 'bonus' THEN '全市目标，加分项不分解（每单位 1 即得分）' ELSE '全市目标分解（最大余数法）' END
FROM citywide c JOIN staging.stg_catalog k USING (indicator_id) WHERE c.target > 0
