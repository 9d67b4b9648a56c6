-- One row per active region: drives td_for_each> in daily_sales.dig.
SELECT DISTINCT region
FROM sales_raw.orders
WHERE TD_TIME_RANGE(time, '${session_date}', TD_TIME_ADD('${session_date}', '1d'), 'JST')
