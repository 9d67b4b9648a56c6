-- Daily sales by product, one row per product and day.
SELECT
  TD_TIME_FORMAT(o.time, 'yyyy-MM-dd', 'JST') AS sales_date,
  o.product_id,
  SUM(o.quantity) AS units,
  SUM(o.quantity * o.unit_price) AS revenue
FROM sales_raw.orders o
JOIN sales_raw.payments p ON p.order_id = o.order_id
WHERE TD_TIME_RANGE(o.time, '${session_date}', TD_TIME_ADD('${session_date}', '1d'), 'JST')
GROUP BY 1, 2
