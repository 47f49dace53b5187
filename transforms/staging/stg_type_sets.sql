/* jixiao
# A table, not a view: the people models hold the names it gave when they
# were built, and the marts join them by those names; a view would rename
# sets the moment the catalog changed, before those models were rebuilt.
materialized: table
description: >-
  指标所计的服务类型组合：从服务记录计人数的工作要点指标（计量单位不是“例”）与按服务类型计的全部专项资金绩效指标
  （含按“例”计的：单位是否提供过这些服务由此判断）所计的服务类型，一项指标可计多类（培训/农民工培训）；
  组合名为其各类服务类型排序后以“/”相连，同一组合的人只在 staging.stg_people_firsts 中去重计一次，各指标按组合取数
columns:
  owner_kind: 所属（indicator 工作要点指标；fund 资金绩效指标）
  owner: 指标编号（工作要点）或服务类型（资金绩效指标，按其填写）
  type_set: 服务类型组合
  service_type: 服务类型
tests:
  - not_null: [owner_kind, owner, type_set, service_type]
*/
WITH owners AS (
    SELECT 'indicator' AS owner_kind, indicator_id AS owner, unnest(service_types) AS service_type
    FROM staging.stg_catalog WHERE data_source = 'services' AND measure <> '例'
    UNION ALL
    SELECT 'fund', service_type, unnest(string_to_array(service_type, '/'))
    FROM staging.stg_fund_indicators WHERE service_type IS NOT NULL
),
sets AS (
    -- Sorted, so that an indicator and a fund counting the same types name
    -- them the same, and every build names them as the last one did.
    SELECT owner_kind, owner, string_agg(DISTINCT service_type, '/' ORDER BY service_type) AS type_set
    FROM owners GROUP BY owner_kind, owner
)
SELECT DISTINCT o.owner_kind, o.owner, s.type_set, o.service_type
FROM owners o JOIN sets s ON s.owner_kind = o.owner_kind AND s.owner = o.owner
