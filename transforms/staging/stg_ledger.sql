/* jixiao
materialized: table
description: 专项资金台账（万元）：预算、调整、到位与支出，按资金 × 单位 × 月；同一资金、单位、月份出现在两个台账文件时以后一个文件为准，不重复相加
columns:
  fund_id: 资金编号
  unit_code: 单位代码
  month: 月份
  budget_wan: 预算数（万元）
  adjustment_wan: 调整数（万元）
  arrived_wan: 到位数（万元）
  spent_wan: 支出数（万元）
  source_file: 来源文件
tests:
  - not_null: [fund_id, unit_code, month]
  - unique: [fund_id, unit_code, month]
  - relationships: {column: fund_id, to: staging.stg_funds, field: fund_id}
*/
WITH files AS (
    -- The same fund, unit and month in two ledger files: the later file
    -- (newer load, then later file name) replaces the earlier; it is a
    -- re-export, never more money.
    SELECT fund_id, unit_code, month, _file, _load_id FROM (
        SELECT fund_id, unit_code, CAST(date_trunc('month', month) AS DATE) AS month, _file, _load_id,
            row_number() OVER (PARTITION BY fund_id, unit_code, date_trunc('month', month) ORDER BY _load_id DESC, _file DESC) AS newest
        FROM raw.ledger
    ) AS ranked
    WHERE newest = 1
)
SELECT
    l.fund_id,
    l.unit_code,
    f.month,
    -- Rows within one file add up: a month may have several entries. Money
    -- is summed in DECIMAL, exact whatever order the rows come in.
    sum(coalesce(l.budget_wan, 0)::DECIMAL(18, 4))::DOUBLE PRECISION AS budget_wan,
    sum(coalesce(l.adjustment_wan, 0)::DECIMAL(18, 4))::DOUBLE PRECISION AS adjustment_wan,
    sum(coalesce(l.arrived_wan, 0)::DECIMAL(18, 4))::DOUBLE PRECISION AS arrived_wan,
    sum(coalesce(l.spent_wan, 0)::DECIMAL(18, 4))::DOUBLE PRECISION AS spent_wan,
    -- one file per fund, unit and month (see files)
    min(l._file) AS source_file,
    min(l._load_id) AS load_id
FROM raw.ledger l
JOIN files f ON f.fund_id = l.fund_id AND f.unit_code = l.unit_code AND f.month = CAST(date_trunc('month', l.month) AS DATE) AND f._file = l._file
GROUP BY l.fund_id, l.unit_code, f.month
