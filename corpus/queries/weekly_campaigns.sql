-- Campaign performance for the week ending on the session date.
SELECT
  c.campaign_id,
  SUM(k.clicks) AS clicks,
  SUM(a.cost) AS spend,
  SAFE_DIVIDE(SUM(a.cost), SUM(k.clicks)) AS cost_per_click
FROM marketing_scratch.ad_costs_${session_date_compact} AS a
JOIN marketing.campaigns AS c USING (campaign_id)
LEFT JOIN marketing_scratch.clicks AS k USING (campaign_id)
GROUP BY c.campaign_id
