SELECT product_id, name, category, price
FROM sales_raw.products
WHERE deleted_at IS NULL
