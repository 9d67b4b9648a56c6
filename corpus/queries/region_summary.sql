SELECT
  '${td.each.region}' AS region,
  '${session_date}' AS sales_date,
  SUM(revenue) AS revenue
FROM daily_sales
WHERE region = '${td.each.region}'
