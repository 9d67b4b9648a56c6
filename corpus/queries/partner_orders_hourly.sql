-- Hourly totals per partner, appended by redshift>.
SELECT
  '${hour}' AS hour,
  partner_id,
  COUNT(*) AS orders,
  SUM(amount) AS amount
FROM staging.partner_orders
WHERE ordered_at >= '${session_time}'::timestamptz
  AND ordered_at < '${session_time}'::timestamptz + interval '1 hour'
GROUP BY partner_id
