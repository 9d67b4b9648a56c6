-- td_wait>: true once today's payments have been imported.
SELECT COUNT(1) > 0
FROM payments
WHERE TD_TIME_RANGE(time, '${session_date}', NULL, 'JST')
