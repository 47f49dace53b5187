/* jixiao
materialized: view
tests:
  - not_null: [unit_code, month, actual]
*/
SELECT unit_code, date_trunc('month', month)::DATE AS month, actual, _load_id AS load_id
FROM raw.progress
